package dev.ecrgate.image;

import java.util.Optional;

/**
 * A container image reference, parsed and normalised the way kubelet and containerd read it.
 * API SKELETON: the parser is being written; see the issue notes.
 */
public record ImageReference(String original, String domain, String path, Optional<String> tag,
                             Optional<String> digest, Optional<EcrRegistry> ecr) {

    public static ImageReference parse(String text) throws InvalidImageReferenceException {
        throw new UnsupportedOperationException("not yet written");
    }

    /** {@code domain/path}, for example {@code docker.io/library/nginx}. */
    public String name() {
        return domain + "/" + path;
    }

    /** {@code name[:tag][@digest]}, fully normalised. */
    public String canonical() {
        return name() + tag.map(t -> ":" + t).orElse("") + digest.map(d -> "@" + d).orElse("");
    }
}
