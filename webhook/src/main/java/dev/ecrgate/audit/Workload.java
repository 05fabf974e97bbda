package dev.ecrgate.audit;

import dev.ecrgate.admission.ContainerImage;
import dev.ecrgate.admission.Subjects;
import dev.ecrgate.admission.WorkloadKind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the audit keeps of one Pod or workload object: who it is, who controls it, and the images its pod spec runs.
 * Small on purpose: the audit holds one per object of the cluster, not the objects themselves.
 *
 * @param ref        the object
 * @param kind       its kind
 * @param controller the owner whose ownerReference says {@code controller: true}, when there is one
 * @param images     its pod spec's images, none pre-existing (the audit has no UPDATE grace)
 * @param running    false for a Pod that has finished (Succeeded or Failed): its images run no more
 */
public record Workload(WorkloadRef ref, WorkloadKind kind, Optional<WorkloadRef> controller,
                       List<ContainerImage> images, boolean running) {
    public Workload {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(controller, "controller");
        images = List.copyOf(images);
    }

    /** What the audit keeps of {@code object}; empty when it is not one of the kinds ecrgate checks. */
    public static Optional<Workload> of(HasMetadata object) {
        Optional<WorkloadKind> kind = kindOf(object);
        ObjectMeta meta = object.getMetadata();
        if (kind.isEmpty() || meta == null || meta.getName() == null || meta.getUid() == null) {
            return Optional.empty();
        }
        WorkloadKind k = kind.get();
        String apiVersion = k.group().isEmpty() ? k.version() : k.group() + "/" + k.version();
        String namespace = meta.getNamespace() == null ? "" : meta.getNamespace();
        WorkloadRef ref = new WorkloadRef(apiVersion, k.kind(), namespace, meta.getName(), meta.getUid());
        Optional<WorkloadRef> controller = Optional.ofNullable(meta.getOwnerReferences()).orElse(List.of()).stream()
                .filter(o -> Boolean.TRUE.equals(o.getController()))
                .filter(o -> o.getUid() != null && o.getKind() != null)
                .findFirst().map(o -> reference(o, namespace));
        boolean running = !(object instanceof Pod p && p.getStatus() != null
                && ("Succeeded".equals(p.getStatus().getPhase()) || "Failed".equals(p.getStatus().getPhase())));
        return Optional.of(new Workload(ref, k, controller, Subjects.imagesOf(k, object).orElse(List.of()), running));
    }

    private static WorkloadRef reference(OwnerReference o, String namespace) {
        return new WorkloadRef(o.getApiVersion() == null ? "" : o.getApiVersion(), o.getKind(), namespace,
                o.getName() == null ? "" : o.getName(), o.getUid());
    }

    private static Optional<WorkloadKind> kindOf(HasMetadata o) {
        if (o instanceof Pod) {
            return Optional.of(WorkloadKind.POD);
        } else if (o instanceof Deployment) {
            return Optional.of(WorkloadKind.DEPLOYMENT);
        } else if (o instanceof ReplicaSet) {
            return Optional.of(WorkloadKind.REPLICA_SET);
        } else if (o instanceof StatefulSet) {
            return Optional.of(WorkloadKind.STATEFUL_SET);
        } else if (o instanceof DaemonSet) {
            return Optional.of(WorkloadKind.DAEMON_SET);
        } else if (o instanceof Job) {
            return Optional.of(WorkloadKind.JOB);
        } else if (o instanceof CronJob) {
            return Optional.of(WorkloadKind.CRON_JOB);
        } else if (o instanceof ReplicationController) {
            return Optional.of(WorkloadKind.REPLICATION_CONTROLLER);
        }
        return Optional.empty();
    }
}
