package dev.ecrgate.findings;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What ECR knows about the scan of one image.
 *
 * @param status            the scan's state
 * @param description       ECR's description of that state, when it gave one
 * @param completedAt       when the scan completed, when known
 * @param severityCounts    the scan summary's counts per severity ({@code findingSeverityCounts})
 * @param findings          every finding, basic and enhanced, when they were read; empty when only the summary is
 *                          known (then a policy can only count the summary)
 */
public record ScanResult(ScanStatus status, Optional<String> description, Optional<Instant> completedAt,
                         Map<Severity, Integer> severityCounts, Optional<List<Finding>> findings) {
    public ScanResult {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(completedAt, "completedAt");
        severityCounts = severityCounts.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(severityCounts));
        findings = findings.map(List::copyOf);
    }

    /** No image, or no scan of it. */
    public static ScanResult notFound(String description) {
        return new ScanResult(ScanStatus.NOT_FOUND, Optional.of(description), Optional.empty(), Map.of(),
                Optional.empty());
    }
}
