package dev.ecrgate.findings;

import java.util.Objects;
import java.util.Optional;

/**
 * One vulnerability finding of an image scan.
 *
 * @param id             the vulnerability ID, for example {@code CVE-2024-3094} (basic {@code name}, enhanced
 *                       {@code packageVulnerabilityDetails.vulnerabilityId})
 * @param severity       its severity
 * @param packageName    the affected package, empty when ECR does not say
 * @param packageVersion the installed version of that package, empty when ECR does not say
 * @param fixedInVersion the first version with a fix, when known
 * @param fixAvailable   whether a fix exists
 * @param enhanced       true for an enhanced (Inspector) finding
 */
public record Finding(String id, Severity severity, String packageName, String packageVersion,
                      Optional<String> fixedInVersion, FixAvailable fixAvailable, boolean enhanced) {
    public Finding {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(packageName, "packageName");
        Objects.requireNonNull(packageVersion, "packageVersion");
        Objects.requireNonNull(fixedInVersion, "fixedInVersion");
        Objects.requireNonNull(fixAvailable, "fixAvailable");
    }
}
