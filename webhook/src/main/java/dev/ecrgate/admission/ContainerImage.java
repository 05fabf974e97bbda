package dev.ecrgate.admission;

import java.util.Objects;

/**
 * One container's image, as written in the request.
 *
 * @param kind          which container list it is in
 * @param containerName the container's name (may be empty if the request omits it)
 * @param image         the image reference exactly as written (may be empty)
 * @param preExisting   true on UPDATE when the old object already ran this image in the same container list: then
 *                      a broken rule only warns, so scaling or editing a running workload never fails because a CVE
 *                      was published after it was admitted
 */
public record ContainerImage(ContainerKind kind, String containerName, String image, boolean preExisting) {
    public ContainerImage {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(containerName, "containerName");
        Objects.requireNonNull(image, "image");
    }
}
