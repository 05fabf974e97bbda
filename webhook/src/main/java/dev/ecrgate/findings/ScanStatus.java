package dev.ecrgate.findings;

import java.util.Locale;
import java.util.Optional;

/**
 * The state of an image's scan. The values are ECR's {@code imageScanStatus.status} values, plus {@link #NOT_FOUND}
 * for an image that does not exist or was never scanned. Basic scanning ends in {@link #COMPLETE}, enhanced
 * (Inspector) scanning in {@link #ACTIVE}; only those two carry findings that a policy can count.
 */
public enum ScanStatus {
    COMPLETE, ACTIVE, IN_PROGRESS, PENDING, FAILED, UNSUPPORTED_IMAGE, SCAN_ELIGIBILITY_EXPIRED,
    FINDINGS_UNAVAILABLE, LIMIT_EXCEEDED, IMAGE_ARCHIVED, NOT_FOUND;

    /** Whether findings of a scan in this state can be counted against a policy's limits. */
    public boolean hasFindings() {
        return this == COMPLETE || this == ACTIVE;
    }

    /** The status ECR names {@code text}, if it is one of ours (case-insensitive). */
    public static Optional<ScanStatus> parse(String text) {
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
