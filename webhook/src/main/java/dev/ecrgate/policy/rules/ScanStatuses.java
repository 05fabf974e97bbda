package dev.ecrgate.policy.rules;

import dev.ecrgate.findings.ScanResult;
import dev.ecrgate.findings.ScanStatus;
import dev.ecrgate.policy.Outcome;
import dev.ecrgate.policy.Rule;
import java.util.List;
import java.util.Optional;

/**
 * {@code vulnerabilities.scanStatus}: the outcome for a scan with no findings to count (not found, in progress,
 * failed, ...); a state the policy does not name is denied. A scan with findings is {@link Vulnerabilities}'s.
 */
public final class ScanStatuses implements Check {
    public ScanStatuses() {
    }

    @Override
    public void check(Target t) {
        if (!t.hasScan() || t.isIndex()) {
            return; // an index: PlatformScans judges each platform image
        }
        ScanResult scan = t.scan();
        if (scan.status().hasFindings()) {
            return;
        }
        Outcome outcome = t.policy().vulnerabilities().orElseThrow().scanStatus()
                .getOrDefault(scan.status(), Outcome.DENY);
        t.add(Rule.SCAN_STATUS, outcome, detail(scan), List.of(), Optional.of(hint(scan.status())));
    }

    private static String detail(ScanResult scan) {
        String what = switch (scan.status()) {
            case NOT_FOUND -> "ECR has no scan of this image";
            case IN_PROGRESS -> "the ECR scan of this image is still in progress";
            case PENDING -> "the ECR scan of this image has not started yet";
            case FAILED -> "the ECR scan of this image failed";
            case UNSUPPORTED_IMAGE -> "ECR cannot scan this image (unsupported image)";
            case SCAN_ELIGIBILITY_EXPIRED -> "ECR no longer scans this image (scan eligibility expired)";
            case FINDINGS_UNAVAILABLE -> "ECR has no findings available for this image";
            case LIMIT_EXCEEDED -> "ECR could not scan this image (scan limit exceeded)";
            case IMAGE_ARCHIVED -> "the image is archived in ECR";
            case COMPLETE, ACTIVE -> "the image was scanned";
        };
        return what + " (scan status " + scan.status() + ")"
                + scan.description().filter(d -> !d.isBlank()).map(d -> ": " + d).orElse("");
    }

    private static String hint(ScanStatus status) {
        return switch (status) {
            case IN_PROGRESS, PENDING -> "wait a few minutes for the scan to finish, then retry";
            case NOT_FOUND -> "check the image name and tag, and that scanning is on for the repository"
                    + " (scan on push, or enhanced scanning)";
            case SCAN_ELIGIBILITY_EXPIRED -> "push a fresh build of the image so that it is scanned again";
            case IMAGE_ARCHIVED -> "restore the image from archive, or deploy a current image";
            default -> "scan the image again, or ask your platform team";
        };
    }
}
