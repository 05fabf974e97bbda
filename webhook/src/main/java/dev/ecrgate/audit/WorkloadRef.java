package dev.ecrgate.audit;

import java.util.Objects;

/**
 * An object in the Kubernetes API, by the fields an ownerReference and a report's scope name it with.
 *
 * @param apiVersion {@code apps/v1}, {@code v1}, ...
 * @param kind       {@code Deployment}, {@code Pod}, ...
 * @param namespace  its namespace
 * @param name       its name
 * @param uid        its uid (an object deleted and created again under the same name has a new one)
 */
public record WorkloadRef(String apiVersion, String kind, String namespace, String name, String uid) {
    public WorkloadRef {
        Objects.requireNonNull(apiVersion, "apiVersion");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(uid, "uid");
    }

    /** {@code Deployment team-blue/api}: how logs and the command line name it. */
    @Override
    public String toString() {
        return kind + " " + namespace + "/" + name;
    }
}
