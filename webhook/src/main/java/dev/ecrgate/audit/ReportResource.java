package dev.ecrgate.audit;

import dev.ecrgate.audit.AuditedReport.Result;
import dev.ecrgate.audit.AuditedReport.Verdict;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An {@link AuditedReport} as an {@code openreports.io/v1alpha1} Report object: named after its owner, owned by it
 * (so that Kubernetes' garbage collector deletes it with the owner), labelled as ecrgate's, and carrying the hash of
 * its results so that an unchanged report is recognised after a restart. Pure.
 *
 * <p>The owner reference does not block the owner's deletion: that would need {@code update} on the owner's
 * {@code finalizers} where owner-reference permissions are enforced, which ecrgate has no reason to hold.
 *
 * <p>openreports.io rather than wgpolicyk8s.io/v1alpha2: it is the API the Kubernetes policy working group's
 * PolicyReport moved to, with the same shape (scope, summary, results with policy, rule, result, severity, message,
 * properties), and what Kyverno 1.15+ and policy-reporter read.
 */
public final class ReportResource {
    public static final String API_VERSION = "openreports.io/v1alpha1";
    public static final String KIND = "Report";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String OWNER_UID = "ecrgate.dev/owner-uid";
    public static final String RESULTS_HASH = "ecrgate.dev/results-hash";
    public static final String SOURCE = "ecrgate";
    private static final int MAX_NAME = 253;

    private ReportResource() {
    }

    /** The report's name: {@code ecrgate-deployment-api}; a hash keeps a long one within 253 characters. */
    public static String name(WorkloadRef owner) {
        String name = "ecrgate-" + owner.kind().toLowerCase(Locale.ROOT) + "-" + owner.name();
        if (name.length() <= MAX_NAME) {
            return name;
        }
        String hash = sha256(name).substring(0, 12);
        String head = name.substring(0, MAX_NAME - hash.length() - 1);
        while (head.endsWith("-") || head.endsWith(".")) {
            head = head.substring(0, head.length() - 1);
        }
        return head + "-" + hash;
    }

    /** The Report object of {@code report}, its results stamped with {@code now}. */
    public static GenericKubernetesResource of(AuditedReport report, Instant now) {
        WorkloadRef owner = report.owner();
        GenericKubernetesResource r = new GenericKubernetesResource();
        r.setApiVersion(API_VERSION);
        r.setKind(KIND);
        r.setMetadata(new ObjectMetaBuilder().withName(name(owner)).withNamespace(owner.namespace())
                .addToLabels(MANAGED_BY, SOURCE).addToLabels(OWNER_UID, owner.uid())
                .addToAnnotations(RESULTS_HASH, report.contentHash())
                .addToOwnerReferences(new OwnerReferenceBuilder().withApiVersion(owner.apiVersion())
                        .withKind(owner.kind()).withName(owner.name()).withUid(owner.uid()).withController(false)
                        .build())
                .build());
        Map<String, Object> scope = new LinkedHashMap<>();
        scope.put("apiVersion", owner.apiVersion());
        scope.put("kind", owner.kind());
        scope.put("namespace", owner.namespace());
        scope.put("name", owner.name());
        scope.put("uid", owner.uid());
        r.setAdditionalProperty("scope", scope);
        r.setAdditionalProperty("source", SOURCE);
        Map<String, Object> summary = new LinkedHashMap<>();
        report.summary().forEach((verdict, count) -> summary.put(verdict.wire(), count));
        r.setAdditionalProperty("summary", summary);
        List<Map<String, Object>> results = new ArrayList<>(report.results().size());
        Map<String, Object> timestamp = Map.of("seconds", now.getEpochSecond(), "nanos", 0);
        for (Result result : report.results()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("source", SOURCE);
            m.put("policy", result.policy());
            if (!result.rule().isEmpty()) {
                m.put("rule", result.rule());
            }
            m.put("result", result.verdict().wire());
            result.severity().ifPresent(s -> m.put("severity", s));
            m.put("scored", result.verdict() == Verdict.PASS || result.verdict() == Verdict.FAIL);
            m.put("timestamp", timestamp);
            m.put("message", result.message());
            m.put("properties", result.properties());
            results.add(m);
        }
        r.setAdditionalProperty("results", results);
        return r;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("every JDK has SHA-256", impossible);
        }
    }
}
