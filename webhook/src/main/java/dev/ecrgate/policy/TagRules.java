package dev.ecrgate.policy;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A policy's rules on tags.
 *
 * @param deny              tags that are refused; an image with neither tag nor digest counts as {@code latest}
 * @param requireDigest     the image must be pinned by digest
 * @param immutableOrDigest the tag must be immutable in its ECR repository, otherwise the image must be pinned by
 *                          digest (a non-ECR tag can never be shown immutable)
 * @param allowedPatterns   when not empty, a tag must match one of these regular expressions (an image pinned by
 *                          digest alone has no tag to check)
 */
public record TagRules(List<String> deny, boolean requireDigest, boolean immutableOrDigest,
                       List<Pattern> allowedPatterns) {
    public TagRules {
        deny = List.copyOf(deny);
        allowedPatterns = List.copyOf(allowedPatterns);
    }

    public static final TagRules NONE = new TagRules(List.of(), false, false, List.of());

    /** Whether these rules need the repository's tag mutability from ECR. */
    public boolean needsMutability() {
        return immutableOrDigest;
    }
}
