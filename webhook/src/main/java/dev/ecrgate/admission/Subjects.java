package dev.ecrgate.admission;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GroupVersionKind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Finds what ecrgate checks in an admission request: the pod spec of a Pod, or the pod template of every workload
 * kind that makes pods, and the images of all its container lists.
 *
 * <p>Checked: Pod (CREATE, UPDATE, and UPDATE of the {@code ephemeralcontainers} subresource), Deployment,
 * ReplicaSet, StatefulSet, DaemonSet, Job, CronJob and ReplicationController (CREATE and UPDATE of the object
 * itself). Everything else, including other subresources ({@code status}, {@code scale}, {@code binding}) and the
 * DELETE and CONNECT operations, is not ecrgate's business and is allowed untouched. Stateless.
 */
public final class Subjects {
    private Subjects() {
    }

    /**
     * The subject of {@code request}, or empty when ecrgate does not check this kind, operation or subresource.
     *
     * @throws BadAdmissionRequestException when the request names a checked kind but carries no object of it
     */
    public static Optional<AdmissionSubject> of(AdmissionRequest request) throws BadAdmissionRequestException {
        String operation = String.valueOf(request.getOperation());
        if (!operation.equals("CREATE") && !operation.equals("UPDATE")) {
            return Optional.empty();
        }
        GroupVersionKind gvk = request.getKind();
        if (gvk == null) {
            throw new BadAdmissionRequestException("AdmissionReview request has no kind");
        }
        Optional<WorkloadKind> kind = WorkloadKind.of(nullToEmpty(gvk.getGroup()), nullToEmpty(gvk.getVersion()),
                String.valueOf(gvk.getKind()));
        String subResource = nullToEmpty(request.getSubResource());
        if (!subResource.isEmpty() && !(subResource.equals("ephemeralcontainers")
                && kind.filter(WorkloadKind::hasEphemeralContainersSubresource).isPresent())) {
            return Optional.empty();
        }
        Object object = request.getObject();
        if (object == null) {
            throw new BadAdmissionRequestException("AdmissionReview request for " + gvk.getKind()
                    + " has no object");
        }
        List<ContainerImage> images;
        if (kind.isEmpty()) {
            return Optional.empty();
        }
        if (kind.get() == WorkloadKind.EPHEMERAL_CONTAINERS) {
            images = legacyEphemeralImages(object, request.getOldObject());
        } else {
            Function<Object, Optional<PodSpec>> specOf = o -> podSpec(kind.get(), o);
            PodSpec spec = specOf.apply(object).orElseThrow(() -> new BadAdmissionRequestException(
                    "AdmissionReview request object is not a " + gvk.getKind() + " with a pod spec"));
            Optional<PodSpec> old = operation.equals("UPDATE") && request.getOldObject() != null
                    ? specOf.apply(request.getOldObject()) : Optional.empty();
            images = images(spec, old.map(Subjects::imagesByKind).orElse(Set.of()));
        }
        return Optional.of(new AdmissionSubject(request.getUid(), gvk.getKind(), nullToEmpty(request.getNamespace()),
                displayName(request, object), operation, Boolean.TRUE.equals(request.getDryRun()), images));
    }

    /**
     * The images of {@code object}, an object of {@code kind} as the API holds it now (no old object, so no
     * image is pre-existing): what the background audit judges. Empty when {@code object} is not of {@code kind}
     * or has no pod spec.
     */
    public static Optional<List<ContainerImage>> imagesOf(WorkloadKind kind, Object object) {
        return podSpec(kind, object).map(spec -> images(spec, Set.of()));
    }

    private static List<ContainerImage> images(PodSpec spec, Set<String> old) {
        List<ContainerImage> out = new ArrayList<>();
        for (Container c : nullSafe(spec.getInitContainers())) {
            out.add(image(ContainerKind.INIT_CONTAINER, c.getName(), c.getImage(), old));
        }
        for (Container c : nullSafe(spec.getContainers())) {
            out.add(image(ContainerKind.CONTAINER, c.getName(), c.getImage(), old));
        }
        for (EphemeralContainer c : nullSafe(spec.getEphemeralContainers())) {
            out.add(image(ContainerKind.EPHEMERAL_CONTAINER, c.getName(), c.getImage(), old));
        }
        return out;
    }

    private static ContainerImage image(ContainerKind kind, String name, String image, Set<String> old) {
        String ref = nullToEmpty(image);
        return new ContainerImage(kind, nullToEmpty(name), ref, old.contains(kind.name() + " " + ref));
    }

    private static Set<String> imagesByKind(PodSpec spec) {
        Set<String> out = new HashSet<>();
        for (ContainerImage i : images(spec, Set.of())) {
            out.add(i.kind().name() + " " + i.image());
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<ContainerImage> legacyEphemeralImages(Object object, Object oldObject) {
        Set<String> old = new HashSet<>();
        for (Map<String, Object> c : legacyEphemeralContainers(oldObject)) {
            // the legacy kind has no typed model: an image that is not a string is no image (never a cast failure)
            old.add(ContainerKind.EPHEMERAL_CONTAINER.name() + " " + (c.get("image") instanceof String s ? s : ""));
        }
        List<ContainerImage> out = new ArrayList<>();
        for (Map<String, Object> c : legacyEphemeralContainers(object)) {
            Object name = c.get("name");
            Object image = c.get("image");
            out.add(image(ContainerKind.EPHEMERAL_CONTAINER, name instanceof String s ? s : "",
                    image instanceof String s ? s : "", old));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> legacyEphemeralContainers(Object object) {
        if (object instanceof GenericKubernetesResource g
                && g.getAdditionalProperties().get("ephemeralContainers") instanceof List<?> list) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (Object o : list) {
                if (o instanceof Map<?, ?> m) {
                    out.add((Map<String, Object>) m);
                }
            }
            return out;
        }
        return List.of();
    }

    private static String displayName(AdmissionRequest request, Object object) {
        if (request.getName() != null && !request.getName().isEmpty()) {
            return request.getName();
        }
        if (object instanceof HasMetadata h) {
            ObjectMeta meta = h.getMetadata();
            if (meta != null && meta.getName() != null && !meta.getName().isEmpty()) {
                return meta.getName();
            }
            if (meta != null && meta.getGenerateName() != null && !meta.getGenerateName().isEmpty()) {
                return meta.getGenerateName() + "*";
            }
        }
        return "";
    }

    /** The pod spec of {@code o}, when it is an object of {@code kind} that has one (at its podSpecPath). */
    private static Optional<PodSpec> podSpec(WorkloadKind kind, Object o) {
        return switch (kind) {
            case POD -> typed(o, Pod.class).map(Pod::getSpec);
            case REPLICATION_CONTROLLER -> typed(o, ReplicationController.class).map(ReplicationController::getSpec)
                    .map(r -> r.getTemplate()).map(PodTemplateSpec::getSpec);
            case DEPLOYMENT -> typed(o, Deployment.class).map(Deployment::getSpec).map(d -> d.getTemplate())
                    .map(PodTemplateSpec::getSpec);
            case REPLICA_SET -> typed(o, ReplicaSet.class).map(ReplicaSet::getSpec).map(r -> r.getTemplate())
                    .map(PodTemplateSpec::getSpec);
            case STATEFUL_SET -> typed(o, StatefulSet.class).map(StatefulSet::getSpec).map(st -> st.getTemplate())
                    .map(PodTemplateSpec::getSpec);
            case DAEMON_SET -> typed(o, DaemonSet.class).map(DaemonSet::getSpec).map(d -> d.getTemplate())
                    .map(PodTemplateSpec::getSpec);
            case JOB -> typed(o, Job.class).map(Job::getSpec).map(j -> j.getTemplate()).map(PodTemplateSpec::getSpec);
            case CRON_JOB -> typed(o, CronJob.class).map(CronJob::getSpec).map(c -> c.getJobTemplate())
                    .map(JobTemplateSpec::getSpec).map(j -> j.getTemplate()).map(PodTemplateSpec::getSpec);
            case EPHEMERAL_CONTAINERS -> Optional.empty();
        };
    }

    private static <T> Optional<T> typed(Object o, Class<T> type) {
        return type.isInstance(o) ? Optional.of(type.cast(o)) : Optional.empty();
    }

    private static <T> List<T> nullSafe(List<T> list) {
        return list == null ? List.of() : list;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
