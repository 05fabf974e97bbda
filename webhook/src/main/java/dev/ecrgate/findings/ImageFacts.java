package dev.ecrgate.findings;

import java.util.Objects;
import java.util.Optional;

/**
 * Everything ecrgate learned about one ECR image before deciding on it.
 *
 * @param digest     the image's digest: the one in the reference, or the one its tag points to, when known
 * @param scan       the image's scan
 * @param repository the repository's tag mutability, when known
 */
public record ImageFacts(Optional<String> digest, ScanResult scan, Optional<RepositoryFacts> repository) {
    public ImageFacts {
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(scan, "scan");
        Objects.requireNonNull(repository, "repository");
    }
}
