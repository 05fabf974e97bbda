package dev.ecrgate.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.ecrgate.policy.ImageException;
import dev.ecrgate.policy.ImagePolicy;
import dev.ecrgate.policy.PolicyLoadException;
import dev.ecrgate.policy.PolicyLoader;
import dev.ecrgate.policy.PolicySet;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Policies and exceptions as Kubernetes objects ({@code serve --policies-from cluster}): informers on the
 * cluster-scoped {@code ImagePolicy} and the namespaced {@code ImageException} of {@code ecrgate.dev} turn every
 * object into the same {@link PolicySet} that policy files make, through the same loader (each object is rendered
 * as the YAML document it is, so errors name its field as in a file: {@code ImagePolicy/baseline:9:5:
 * spec.vulnerabilities.maxCount: unknown field}).
 *
 * <p>An object that does not load keeps its last good version in force (a new one is left out), and its
 * {@code status.conditions} say so: {@code Ready=False} with the loader's message, {@code observedGeneration}; a
 * good one gets {@code Ready=True}. Status is written only when it changes, so replicas that agree write nothing.
 * Thread safe; close it to stop the informers.
 */
public final class ClusterPolicies implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterPolicies.class);
    public static final ResourceDefinitionContext POLICIES = new ResourceDefinitionContext.Builder()
            .withGroup("ecrgate.dev").withVersion("v1").withKind("ImagePolicy").withPlural("imagepolicies")
            .withNamespaced(false).build();
    public static final ResourceDefinitionContext EXCEPTIONS = new ResourceDefinitionContext.Builder()
            .withGroup("ecrgate.dev").withVersion("v1").withKind("ImageException").withPlural("imageexceptions")
            .withNamespaced(true).build();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));

    private final KubernetesClient client;
    private final Clock clock;
    private final Metrics metrics;
    private final UnaryOperator<PolicySet> adjust;
    private final Map<String, ImagePolicy> policies = new ConcurrentHashMap<>();
    private final Map<String, ImageException> exceptions = new ConcurrentHashMap<>();
    private final List<SharedIndexInformer<GenericKubernetesResource>> informers = new ArrayList<>();
    private volatile PolicySet current = PolicySet.EMPTY;
    private volatile boolean synced;

    /**
     * @param adjust applied to every set before it is in force ({@code --warn-only})
     */
    public ClusterPolicies(KubernetesClient client, Clock clock, Metrics metrics, UnaryOperator<PolicySet> adjust) {
        this.client = Objects.requireNonNull(client, "client");
        this.clock = clock;
        this.metrics = metrics;
        this.adjust = adjust;
    }

    /** The policies and exceptions in force now. */
    public PolicySet current() {
        return current;
    }

    /**
     * Starts the informers and waits until both have listed what exists, so that the first admission sees it.
     *
     * @throws IllegalStateException when the objects cannot be listed in time (no CRDs, no RBAC, no API server)
     */
    public ClusterPolicies start(Duration timeout) {
        SharedIndexInformer<GenericKubernetesResource> p = client.genericKubernetesResources(POLICIES)
                .runnableInformer(0);
        p.addEventHandler(handler(false));
        SharedIndexInformer<GenericKubernetesResource> x = client.genericKubernetesResources(EXCEPTIONS)
                .inAnyNamespace().runnableInformer(0);
        x.addEventHandler(handler(true));
        informers.add(p);
        informers.add(x);
        long end = System.nanoTime() + timeout.toNanos();
        for (SharedIndexInformer<GenericKubernetesResource> i : informers) {
            try {
                i.start().toCompletableFuture().get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                close();
                throw new IllegalStateException("cannot list ImagePolicy and ImageException objects (are the"
                        + " ecrgate.dev CRDs installed, and may ecrgate list them?): " + e.getMessage(), e);
            }
        }
        synced = true;
        rebuild(true);
        LOG.info("policies from the cluster: {} ImagePolicy, {} ImageException objects in force",
                current.policies().size(), current.exceptions().size());
        if (current.policies().isEmpty()) {
            LOG.warn("no ImagePolicy object in the cluster: every image is admitted until one is applied");
        }
        return this;
    }

    private ResourceEventHandler<GenericKubernetesResource> handler(boolean exception) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource obj) {
                apply(obj, exception);
            }

            @Override
            public void onUpdate(GenericKubernetesResource old, GenericKubernetesResource obj) {
                apply(obj, exception);
            }

            @Override
            public void onDelete(GenericKubernetesResource obj, boolean unknownFinalState) {
                if (exception) {
                    exceptions.remove(key(obj));
                } else {
                    policies.remove(obj.getMetadata().getName());
                }
                LOG.info("{} {} deleted", obj.getKind(), key(obj));
                rebuild(false);
            }
        };
    }

    private static String key(GenericKubernetesResource obj) {
        String ns = obj.getMetadata().getNamespace();
        return ns == null || ns.isEmpty() ? obj.getMetadata().getName() : ns + "/" + obj.getMetadata().getName();
    }

    /** Loads one object as the loader loads a file; keeps its last good version when it does not load. */
    private void apply(GenericKubernetesResource obj, boolean exception) {
        String kind = exception ? "ImageException" : "ImagePolicy";
        String origin = kind + "/" + key(obj);
        Long generation = obj.getMetadata().getGeneration();
        try {
            PolicySet loaded = PolicyLoader.parse(origin, render(obj, kind));
            if (exception) {
                ImageException e = loaded.exceptions().get(0);
                exceptions.put(key(obj), e);
                status(obj, generation, true, "Loaded", "in force until " + e.expires()
                        + (e.inForce(clock.instant()) ? "" : " (expired)"));
            } else {
                ImagePolicy p = loaded.policies().get(0);
                policies.put(p.name(), p);
                status(obj, generation, true, "Loaded", "in force (" + p.mode().name().toLowerCase(
                        java.util.Locale.ROOT) + ")");
            }
            rebuild(false);
        } catch (PolicyLoadException e) {
            boolean kept = exception ? exceptions.containsKey(key(obj)) : policies.containsKey(
                    obj.getMetadata().getName());
            String message = e.getMessage() + (kept ? "\n(the last good version stays in force)" : "");
            LOG.error("{} does not load; {}:\n{}", origin, kept ? "its last good version stays in force"
                    : "it is not in force", e.getMessage());
            metrics.loaded("policies", false, false, clock.instant());
            status(obj, generation, false, "Invalid", message);
        } catch (RuntimeException e) {
            LOG.error("{} cannot be read: {}", origin, e.toString());
            status(obj, generation, false, "Invalid", "cannot be read: " + e.getMessage());
        }
    }

    /** The object as the document a policy file would hold: apiVersion, kind, metadata, spec. */
    static String render(GenericKubernetesResource obj, String kind) throws PolicyLoadException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("apiVersion", obj.getApiVersion());
        doc.put("kind", kind);
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("name", obj.getMetadata().getName());
        if (obj.getMetadata().getNamespace() != null && !obj.getMetadata().getNamespace().isEmpty()) {
            metadata.put("namespace", obj.getMetadata().getNamespace());
        }
        if (obj.getMetadata().getLabels() != null && !obj.getMetadata().getLabels().isEmpty()) {
            metadata.put("labels", obj.getMetadata().getLabels());
        }
        doc.put("metadata", metadata);
        Object spec = obj.getAdditionalProperties().get("spec");
        if (spec != null) {
            doc.put("spec", spec);
        }
        try {
            return YAML.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render " + kind + " " + key(obj) + ": " + e.getMessage(), e);
        }
    }

    private synchronized void rebuild(boolean initial) {
        if (!synced) {
            return;
        }
        List<ImagePolicy> p = new ArrayList<>(policies.values());
        p.sort(Comparator.comparing(ImagePolicy::name));
        List<ImageException> x = new ArrayList<>(exceptions.values());
        x.sort(Comparator.comparing(ImageException::id));
        current = adjust.apply(new PolicySet(p, x));
        metrics.loaded("policies", true, initial, clock.instant());
    }

    /** Writes {@code status} when it differs from what the object already says. */
    private void status(GenericKubernetesResource obj, Long generation, boolean ready, String reason,
                        String message) {
        Map<String, Object> condition = new LinkedHashMap<>();
        condition.put("type", "Ready");
        condition.put("status", ready ? "True" : "False");
        condition.put("reason", reason);
        condition.put("message", message.length() > 32_000 ? message.substring(0, 32_000) + "…" : message);
        if (generation != null) {
            condition.put("observedGeneration", generation);
        }
        Optional<Map<?, ?>> existing = readyCondition(obj);
        if (existing.isPresent() && Objects.equals(existing.get().get("status"), condition.get("status"))
                && Objects.equals(existing.get().get("reason"), reason)
                && Objects.equals(existing.get().get("message"), condition.get("message"))
                && Objects.equals(String.valueOf(existing.get().get("observedGeneration")),
                String.valueOf(generation))) {
            return;
        }
        boolean transition = existing.isEmpty() || !Objects.equals(existing.get().get("status"),
                condition.get("status"));
        condition.put("lastTransitionTime", transition || existing.get().get("lastTransitionTime") == null
                ? Instant.now(clock).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString()
                : existing.get().get("lastTransitionTime"));
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("observedGeneration", generation);
        status.put("conditions", List.of(condition));
        GenericKubernetesResource patch = new GenericKubernetesResource();
        patch.setApiVersion(obj.getApiVersion());
        patch.setKind(obj.getKind());
        patch.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
                .withName(obj.getMetadata().getName()).withNamespace(obj.getMetadata().getNamespace()).build());
        patch.setAdditionalProperty("status", status);
        try {
            var resources = client.genericKubernetesResources(obj.getMetadata().getNamespace() == null
                    ? POLICIES : EXCEPTIONS);
            if (obj.getMetadata().getNamespace() == null) {
                resources.resource(patch).patchStatus();
            } else {
                resources.inNamespace(obj.getMetadata().getNamespace()).resource(patch).patchStatus();
            }
        } catch (KubernetesClientException e) {
            LOG.warn("cannot write the status of {} {}: {}", obj.getKind(), key(obj), e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private static Optional<Map<?, ?>> readyCondition(GenericKubernetesResource obj) {
        Object status = obj.getAdditionalProperties().get("status");
        if (!(status instanceof Map<?, ?> s) || !(s.get("conditions") instanceof List<?> conditions)) {
            return Optional.empty();
        }
        for (Object c : conditions) {
            if (c instanceof Map<?, ?> m && "Ready".equals(m.get("type"))) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
    }
}
