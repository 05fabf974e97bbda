package dev.ecrgate.findings;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What ECR knows about a repository: whether its tags can be overwritten.
 *
 * @param mutability       the repository's {@code imageTagMutability}
 * @param exclusionFilters the {@code WILDCARD} filters of {@code imageTagMutabilityExclusionFilters}: tags matching
 *                         one of them are the exception to the mode ({@code *} matches any run of characters)
 */
public record RepositoryFacts(TagMutability mutability, List<String> exclusionFilters) {
    public RepositoryFacts {
        Objects.requireNonNull(mutability, "mutability");
        exclusionFilters = List.copyOf(exclusionFilters);
    }

    /** Whether ECR refuses to move {@code tag} to another image in this repository. */
    public boolean isImmutable(String tag) {
        return switch (mutability) {
            case IMMUTABLE -> true;
            case MUTABLE -> false;
            case IMMUTABLE_WITH_EXCLUSION -> !matchesExclusion(tag);
            case MUTABLE_WITH_EXCLUSION -> matchesExclusion(tag);
        };
    }

    private boolean matchesExclusion(String tag) {
        for (String filter : exclusionFilters) {
            if (wildcard(filter).matcher(tag).matches()) {
                return true;
            }
        }
        return false;
    }

    private static Pattern wildcard(String filter) {
        StringBuilder regex = new StringBuilder();
        int literalStart = 0;
        for (int i = 0; i < filter.length(); i++) {
            if (filter.charAt(i) == '*') {
                regex.append(Pattern.quote(filter.substring(literalStart, i))).append(".*");
                literalStart = i + 1;
            }
        }
        regex.append(Pattern.quote(filter.substring(literalStart)));
        return Pattern.compile(regex.toString());
    }
}
