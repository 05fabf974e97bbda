package dev.ecrgate.audit;

import dev.ecrgate.audit.AuditedReport.Result;
import dev.ecrgate.audit.AuditedReport.Verdict;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Warning Event on an owner whose images start breaking a policy: what {@code kubectl describe} and
 * {@code kubectl events} show its team. Only on the change from passing to failing, never for every audit.
 */
final class AuditEvents {
    static final String REASON = "ImagePolicyViolation";
    static final String COMPONENT = "ecrgate";
    private static final int MAX_MESSAGE = 1024;

    private final KubernetesClient client;
    private final String instance;

    AuditEvents(KubernetesClient client, String instance) {
        this.client = client;
        this.instance = instance;
    }

    /**
     * The Event for {@code report}, which fails now and did not before: how many results fail, and each failing
     * rule once with every policy that says it. At most {@value #MAX_MESSAGE} characters. Pure; {@link #emit} sends
     * it.
     */
    static Event of(AuditedReport report, Instant now, String instance) {
        WorkloadRef o = report.owner();
        List<Result> failed = report.results().stream().filter(r -> r.verdict() == Verdict.FAIL).toList();
        StringBuilder message = new StringBuilder("ecrgate audit: ").append(failed.size())
                .append(failed.size() == 1 ? " result fails" : " results fail").append(" (report ")
                .append(ReportResource.name(o)).append(")");
        // the same finding under several policies is said once, naming them all, as in the denial message
        Map<List<String>, List<String>> policies = new LinkedHashMap<>();
        for (Result r : failed) {
            List<String> named = policies.computeIfAbsent(List.of(r.rule(), r.message()), k -> new ArrayList<>());
            if (!named.contains(r.policy())) {
                named.add(r.policy());
            }
        }
        policies.forEach((what, named) -> message.append("; [").append(String.join(", ", named)).append("] ")
                .append(what.get(0)).append(": ").append(what.get(1)));
        String text = message.length() <= MAX_MESSAGE ? message.toString()
                : message.substring(0, MAX_MESSAGE - 1) + "…";
        String time = DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
        return new EventBuilder()
                .withNewMetadata().withNamespace(o.namespace())
                .withGenerateName(o.name() + ".").endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(o.apiVersion()).withKind(o.kind())
                        .withNamespace(o.namespace()).withName(o.name()).withUid(o.uid()).build())
                .withType("Warning").withReason(REASON).withMessage(text)
                .withNewSource().withComponent(COMPONENT).endSource()
                .withReportingComponent(COMPONENT).withReportingInstance(instance)
                .withAction("Audit").withFirstTimestamp(time).withLastTimestamp(time).withCount(1)
                .build();
    }

    void emit(AuditedReport report, Instant now) {
        Event e = of(report, now, instance);
        client.v1().events().inNamespace(e.getMetadata().getNamespace()).resource(e).create();
    }
}
