package dev.ecrgate.admission;

import java.util.List;
import java.util.Objects;

/**
 * What ecrgate checks in one admission request: the object's identity and the images of its pod spec.
 *
 * @param uid       the request's uid, echoed in the response
 * @param kind      the object's kind, for example {@code Deployment}
 * @param namespace the request's namespace (policies select on it)
 * @param name      the object's name, or its generateName followed by {@code *}, or empty
 * @param operation CREATE or UPDATE
 * @param dryRun    whether the request is a dry run (decided exactly like a real one; logged as such)
 * @param images    every container's image, in spec order
 */
public record AdmissionSubject(String uid, String kind, String namespace, String name, String operation,
                               boolean dryRun, List<ContainerImage> images) {
    public AdmissionSubject {
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(operation, "operation");
        images = List.copyOf(images);
    }
}
