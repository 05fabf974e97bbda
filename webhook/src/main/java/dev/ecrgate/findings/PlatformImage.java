package dev.ecrgate.findings;

import dev.ecrgate.image.Platform;
import java.util.Objects;
import java.util.Optional;

/**
 * One platform's image in an image index, with its own scan: ECR scans each platform image under its own digest,
 * and the index digest has none.
 *
 * @param platform    the platform the index lists it for
 * @param digest      the platform image's digest
 * @param scan        its scan
 * @param scanFailure why its scan could not be read from ECR in time, when it could not; {@code scan} is then
 *                    NOT_FOUND and must not be trusted
 */
public record PlatformImage(Platform platform, String digest, ScanResult scan, Optional<String> scanFailure) {
    public PlatformImage {
        Objects.requireNonNull(platform, "platform");
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(scan, "scan");
        Objects.requireNonNull(scanFailure, "scanFailure");
    }
}
