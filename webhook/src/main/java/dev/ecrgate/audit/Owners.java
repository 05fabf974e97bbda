package dev.ecrgate.audit;

import dev.ecrgate.admission.ContainerImage;
import dev.ecrgate.admission.WorkloadKind;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Who answers for each running image: the top of its ownership chain. A Pod of a ReplicaSet of a Deployment is the
 * Deployment's, a Pod of a Job of a CronJob the CronJob's, a bare Pod its own. Pure and stateless.
 *
 * <p>An owner's images are its own pod template's (what it makes pods of now) and those of the live pods under it
 * (what runs now: during a rollout both the old and the new image), each (container, image) once. Templates below
 * the top (the ReplicaSets of a Deployment, the Jobs of a CronJob) add nothing of their own: an old ReplicaSet
 * scaled to zero runs nothing, and its pods, when it has some, are counted. An object whose controller is a kind
 * ecrgate checks but is not (yet) known is left out until it is, rather than reported under the wrong owner; one
 * whose controller is of another kind (an operator's resource) answers for itself.
 */
public final class Owners {
    /** Deep enough for any chain Kubernetes makes (Pod, Job, CronJob); a cycle cannot loop forever. */
    private static final int MAX_DEPTH = 8;
    private static final Set<String> CHECKED_KINDS = Set.of("Pod", "Deployment", "ReplicaSet", "StatefulSet",
            "DaemonSet", "Job", "CronJob", "ReplicationController");

    private Owners() {
    }

    /**
     * One owner and the images it answers for.
     *
     * @param owner  the owner: the report's scope
     * @param images each (container list, container, image) once: its template's first, then its pods'
     */
    public record Owned(WorkloadRef owner, List<ContainerImage> images) {
        public Owned {
            images = List.copyOf(images);
        }
    }

    /**
     * The owners of {@code workloads} in the namespaces {@code audited} accepts, by namespace, kind and name.
     */
    public static List<Owned> of(Collection<Workload> workloads, Predicate<String> audited) {
        Map<String, Workload> byUid = new HashMap<>(workloads.size() * 2);
        for (Workload w : workloads) {
            byUid.put(w.ref().uid(), w);
        }
        Map<WorkloadRef, Map<List<Object>, ContainerImage>> images = new LinkedHashMap<>();
        // templates first, so that an owner's images read in its own spec's order before its pods'
        for (Workload w : workloads) {
            if (audited.test(w.ref().namespace()) && w.controller().isEmpty() && w.kind() != WorkloadKind.POD) {
                add(images, w.ref(), w.images());
            }
        }
        for (Workload w : workloads) {
            if (!audited.test(w.ref().namespace()) || w.kind() != WorkloadKind.POD || !w.running()) {
                continue;
            }
            top(w, byUid).ifPresent(owner -> add(images, owner, w.images()));
        }
        List<Owned> out = new ArrayList<>(images.size());
        images.forEach((owner, byKey) -> out.add(new Owned(owner, List.copyOf(byKey.values()))));
        out.sort(Comparator.comparing((Owned o) -> o.owner().namespace()).thenComparing(o -> o.owner().kind())
                .thenComparing(o -> o.owner().name()));
        return out;
    }

    /** The top of {@code w}'s chain of controllers, when every link of it is known. */
    static Optional<WorkloadRef> top(Workload w, Map<String, Workload> byUid) {
        Workload at = w;
        for (int depth = 0; depth < MAX_DEPTH; depth++) {
            Optional<WorkloadRef> controller = at.controller();
            if (controller.isEmpty()) {
                return Optional.of(at.ref());
            }
            Workload next = byUid.get(controller.get().uid());
            if (next == null) {
                return CHECKED_KINDS.contains(controller.get().kind()) ? Optional.empty() : Optional.of(at.ref());
            }
            at = next;
        }
        return Optional.empty();
    }

    private static void add(Map<WorkloadRef, Map<List<Object>, ContainerImage>> images, WorkloadRef owner,
                            List<ContainerImage> more) {
        Map<List<Object>, ContainerImage> byKey = images.computeIfAbsent(owner, o -> new LinkedHashMap<>());
        for (ContainerImage c : more) {
            byKey.putIfAbsent(List.of(c.kind(), c.containerName(), c.image()), c);
        }
    }
}
