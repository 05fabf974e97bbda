package dev.ecrgate.findings;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything ecrgate learned about one ECR image before deciding on it.
 *
 * @param digest            the image's digest: the one in the reference, or the one its tag points to, when known
 * @param scan              the image's scan
 * @param repository        the repository's tag mutability, when known
 * @param scanFailure       why the scan (or the tag's digest) could not be read from ECR in time, when it could
 *                          not; {@code scan} is then NOT_FOUND and must not be trusted
 * @param repositoryFailure why the repository's tag mutability could not be read, when it could not
 * @param stale             set when these facts are older than they should be because refreshing them failed: says
 *                          how old and why, for a warning
 * @param platforms         when the image is an image index: the platform images it lists, each with its own scan
 *                          ({@code scan} is then the index's own, which ECR does not have); empty for a single image
 */
public record ImageFacts(Optional<String> digest, ScanResult scan, Optional<RepositoryFacts> repository,
                         Optional<String> scanFailure, Optional<String> repositoryFailure, Optional<String> stale,
                         List<PlatformImage> platforms) {
    public ImageFacts {
        platforms = List.copyOf(platforms);
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(scan, "scan");
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(scanFailure, "scanFailure");
        Objects.requireNonNull(repositoryFailure, "repositoryFailure");
        Objects.requireNonNull(stale, "stale");
    }

    /** The facts of a single image (not an index). */
    public ImageFacts(Optional<String> digest, ScanResult scan, Optional<RepositoryFacts> repository,
                      Optional<String> scanFailure, Optional<String> repositoryFailure, Optional<String> stale) {
        this(digest, scan, repository, scanFailure, repositoryFailure, stale, List.of());
    }

    /** These facts, for an image index that lists {@code images}. */
    public ImageFacts withPlatforms(List<PlatformImage> images) {
        return new ImageFacts(digest, scan, repository, scanFailure, repositoryFailure, stale, images);
    }

    /** Whether the image is an image index (its platforms' scans are judged, not its own). */
    public boolean isIndex() {
        return !platforms.isEmpty();
    }

    /** Facts that were read completely and are fresh. */
    public ImageFacts(Optional<String> digest, ScanResult scan, Optional<RepositoryFacts> repository) {
        this(digest, scan, repository, Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** Nothing could be read: {@code why} says what failed. */
    public static ImageFacts failed(String why) {
        return new ImageFacts(Optional.empty(), ScanResult.notFound(why), Optional.empty(), Optional.of(why),
                Optional.of(why), Optional.empty());
    }
}
