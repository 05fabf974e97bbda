package dev.ecrgate.findings;

import java.util.Locale;
import java.util.Optional;

/** An ECR repository's {@code imageTagMutability}. */
public enum TagMutability {
    MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION;

    public static Optional<TagMutability> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(valueOf(text.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
