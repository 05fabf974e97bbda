package dev.ecrgate.audit;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The Report objects ecrgate keeps in the API: read once when the audit starts, then written only when a report's
 * results change, and deleted when its owner is gone. Blocking (the JDK HTTP client under fabric8): call it from the
 * audit's own thread, never from an event loop.
 */
final class ReportStore {
    static final ResourceDefinitionContext REPORTS = new ResourceDefinitionContext.Builder()
            .withGroup("openreports.io").withVersion("v1alpha1").withKind(ReportResource.KIND).withPlural("reports")
            .withNamespaced(true).build();
    static final String FIELD_MANAGER = "ecrgate";

    /**
     * What a report in the API says, as far as the audit needs: its results' hash and whether it fails.
     *
     * @param hash    {@link AuditedReport#contentHash()} of what it holds
     * @param failing whether its summary counts a failure
     */
    record Known(String hash, boolean failing) {
    }

    private final KubernetesClient client;

    ReportStore(KubernetesClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    /** Every report ecrgate made, by {@link #key}. */
    Map<String, Known> list() {
        Map<String, Known> out = new HashMap<>();
        for (GenericKubernetesResource r : client.genericKubernetesResources(REPORTS).inAnyNamespace()
                .withLabel(ReportResource.MANAGED_BY, ReportResource.SOURCE).list().getItems()) {
            ObjectMeta meta = r.getMetadata();
            String hash = meta.getAnnotations() == null ? "" : meta.getAnnotations()
                    .getOrDefault(ReportResource.RESULTS_HASH, "");
            boolean failing = r.getAdditionalProperties().get("summary") instanceof Map<?, ?> summary
                    && summary.get("fail") instanceof Number n && n.intValue() > 0;
            out.put(key(meta.getNamespace(), meta.getName()), new Known(hash, failing));
        }
        return out;
    }

    /** Creates or updates {@code report} in one server-side apply. */
    void apply(GenericKubernetesResource report) {
        client.genericKubernetesResources(REPORTS).inNamespace(report.getMetadata().getNamespace())
                .resource(report).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    }

    void delete(String key) {
        int slash = key.indexOf('/');
        client.genericKubernetesResources(REPORTS).inNamespace(key.substring(0, slash))
                .withName(key.substring(slash + 1)).delete();
    }

    static String key(String namespace, String name) {
        return namespace + "/" + name;
    }
}
