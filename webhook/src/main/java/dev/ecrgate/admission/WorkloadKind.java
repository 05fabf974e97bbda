package dev.ecrgate.admission;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The kinds ecrgate checks, and where each keeps its pod spec: the one table both readers of a request use
 * ({@link ReviewReader} on the wire, {@link Subjects} on the bound model).
 *
 * <p>{@link #EPHEMERAL_CONTAINERS} is the kind of the {@code ephemeralcontainers} subresource before Kubernetes
 * 1.22: its object holds the list itself, so its path is empty.
 */
public enum WorkloadKind {
    POD("", "v1", "Pod", "spec"),
    REPLICATION_CONTROLLER("", "v1", "ReplicationController", "spec.template.spec"),
    DEPLOYMENT("apps", "v1", "Deployment", "spec.template.spec"),
    REPLICA_SET("apps", "v1", "ReplicaSet", "spec.template.spec"),
    STATEFUL_SET("apps", "v1", "StatefulSet", "spec.template.spec"),
    DAEMON_SET("apps", "v1", "DaemonSet", "spec.template.spec"),
    JOB("batch", "v1", "Job", "spec.template.spec"),
    CRON_JOB("batch", "v1", "CronJob", "spec.jobTemplate.spec.template.spec"),
    EPHEMERAL_CONTAINERS("", "v1", "EphemeralContainers", "");

    private static final Map<String, WorkloadKind> BY_KEY = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(k -> key(k.group, k.version, k.kind), Function.identity()));

    private final String group;
    private final String version;
    private final String kind;
    private final String podSpecPath;

    WorkloadKind(String group, String version, String kind, String podSpecPath) {
        this.group = group;
        this.version = version;
        this.kind = kind;
        this.podSpecPath = podSpecPath;
    }

    /** The kind of {@code group}/{@code version}/{@code kind} (the core group is ""), when ecrgate checks it. */
    public static Optional<WorkloadKind> of(String group, String version, String kind) {
        return Optional.ofNullable(BY_KEY.get(key(group, version, kind)));
    }

    /** The API group: "" for the core group. */
    public String group() {
        return group;
    }

    public String version() {
        return version;
    }

    /** The kind's name as the API server writes it ({@code Deployment}). */
    public String kind() {
        return kind;
    }

    /** Where the pod spec is in an object of this kind, as dotted field names ({@code spec.template.spec}). */
    public String podSpecPath() {
        return podSpecPath;
    }

    /** Whether a request for the {@code ephemeralcontainers} subresource of this kind is checked. */
    public boolean hasEphemeralContainersSubresource() {
        return this == POD || this == EPHEMERAL_CONTAINERS;
    }

    private static String key(String group, String version, String kind) {
        return group + "/" + version + "/" + kind;
    }
}
