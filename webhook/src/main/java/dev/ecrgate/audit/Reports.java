package dev.ecrgate.audit;

import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.admission.ContainerImage;
import dev.ecrgate.audit.AuditedReport.Result;
import dev.ecrgate.audit.AuditedReport.Verdict;
import dev.ecrgate.findings.Finding;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.ScanStatus;
import dev.ecrgate.findings.Severity;
import dev.ecrgate.image.ImageReference;
import dev.ecrgate.policy.Decider;
import dev.ecrgate.policy.Decision;
import dev.ecrgate.policy.DecisionText;
import dev.ecrgate.policy.Effect;
import dev.ecrgate.policy.PolicySet;
import dev.ecrgate.policy.Rule;
import dev.ecrgate.policy.Violation;
import dev.ecrgate.text.OutsideText;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The audit's decision on one owner, and the report made of it: the admission decision ({@link Decider}) on the
 * owner's images with no UPDATE grace, turned into one result per container image and rule. Pure: no I/O, no clock.
 *
 * <p>A violation that denies, or would deny under a policy in audit mode, fails; one that only warns (a warn rule, a
 * policy in warn mode, a notice such as an expired exemption or stale facts) warns; a lookup that failed is an
 * error (the rule could not be checked); an exempted image is skipped; an image that breaks no rule of a policy
 * passes it, in one result for the policy.
 */
public final class Reports {
    /** The audit's requests say so in the decision log and the subject. */
    public static final String OPERATION = "AUDIT";
    private static final String NO_POLICY = "ecrgate";

    private Reports() {
    }

    /** What the admission decision is asked about {@code owned}: its images as they are now, none pre-existing. */
    public static AdmissionSubject subject(Owners.Owned owned) {
        WorkloadRef o = owned.owner();
        return new AdmissionSubject(o.uid(), o.kind(), o.namespace(), o.name(), OPERATION, false, owned.images());
    }

    /** Plans the decision on {@code owned}: which facts it needs. */
    public static Decider.Plan plan(Owners.Owned owned, PolicySet policies, Instant now) {
        return Decider.plan(subject(owned), policies, now);
    }

    /** Decides on a planned owner with {@code facts} and makes its report. */
    public static AuditedReport report(WorkloadRef owner, Decider.Plan plan, Map<ImageReference, ImageFacts> facts) {
        Decision decision = Decider.decide(plan, facts);
        List<Result> results = new ArrayList<>();
        for (Decider.PlannedImage image : plan.images()) {
            ContainerImage c = image.container();
            Optional<ImageFacts> known = image.reference().map(facts::get);
            List<Violation> own = decision.violations().stream().filter(v -> v.container().equals(c)).toList();
            for (Violation v : own) {
                if (v.policy().equals(NO_POLICY) && v.rule() == Rule.INVALID_REFERENCE) {
                    results.add(result(v, known));
                }
            }
            for (String policy : decision.policies()) {
                List<Violation> broken = own.stream().filter(v -> v.policy().equals(policy)).toList();
                Optional<String> exemption = decision.exempted().stream()
                        .filter(e -> e.container().equals(c) && e.policy().equals(policy))
                        .map(Decision.Exempted::reason).findFirst();
                if (exemption.isPresent()) {
                    results.add(new Result(policy, "", Verdict.SKIP, Optional.empty(),
                            DecisionText.passed(c, exemption), properties(c, Optional.empty(), known, List.of())));
                } else if (broken.stream().allMatch(v -> v.effect() == Effect.WARN && isNotice(v))) {
                    // notices about a policy (stale facts, an expired ignore) do not make the image break it
                    results.add(new Result(policy, "", Verdict.PASS, Optional.empty(), DecisionText.passed(c,
                            Optional.empty()), properties(c, Optional.empty(), known, List.of())));
                    broken.forEach(v -> results.add(result(v, known)));
                } else {
                    broken.forEach(v -> results.add(result(v, known)));
                }
            }
        }
        return new AuditedReport(owner, results, decision);
    }

    private static boolean isNotice(Violation v) {
        return v.rule() == Rule.STALE_FACTS || v.rule() == Rule.EXPIRED_IGNORE || v.rule() == Rule.EXPIRED_EXEMPTION
                || v.rule() == Rule.SUMMARY_ONLY;
    }

    private static Result result(Violation v, Optional<ImageFacts> known) {
        Verdict verdict = v.rule() == Rule.LOOKUP_FAILED ? Verdict.ERROR : switch (v.effect()) {
            case DENY, AUDIT -> Verdict.FAIL;
            case WARN -> Verdict.WARN;
        };
        Optional<String> severity = v.worst().stream().map(Finding::severity).max(Comparator.naturalOrder())
                .map(Reports::severity);
        return new Result(v.policy(), v.rule().field(), verdict, severity, DecisionText.line(v),
                properties(v.container(), v.digest(), known, v.worst()));
    }

    /** The Report API's severities: critical, high, medium, low, info. */
    static String severity(Severity s) {
        return switch (s) {
            case CRITICAL -> "critical";
            case HIGH -> "high";
            case MEDIUM -> "medium";
            case LOW -> "low";
            case INFORMATIONAL, UNDEFINED, UNTRIAGED -> "info";
        };
    }

    private static TreeMap<String, String> properties(ContainerImage c, Optional<String> digest,
                                                      Optional<ImageFacts> known, List<Finding> worst) {
        TreeMap<String, String> p = new TreeMap<>();
        p.put("container", OutsideText.shown(c.containerName()));
        p.put("image", OutsideText.shown(c.image()));
        digest.or(() -> known.flatMap(ImageFacts::digest)).ifPresent(d -> p.put("digest", OutsideText.shown(d)));
        if (!worst.isEmpty()) {
            p.put("cves", worst.stream().map(f -> OutsideText.shown(f.id(), 80)).distinct()
                    .collect(Collectors.joining(",")));
        }
        known.filter(f -> f.scanFailure().isEmpty()).ifPresent(f -> {
            p.put("scanStatus", f.scan().status().name());
            if (f.scan().status() == ScanStatus.COMPLETE) {
                p.put("counts", counts(f));
            }
        });
        return p;
    }

    /** {@code CRITICAL=1,HIGH=3}: the scan's counts, most severe first, zeros left out; {@code none} when clean. */
    static String counts(ImageFacts facts) {
        Map<Severity, Integer> counts = facts.scan().findings()
                .map(list -> list.stream().collect(Collectors.groupingBy(Finding::severity,
                        Collectors.summingInt(f -> 1))))
                .orElse(facts.scan().severityCounts());
        String text = counts.entrySet().stream().filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<Severity, Integer>comparingByKey().reversed())
                .map(e -> e.getKey().name() + "=" + e.getValue()).collect(Collectors.joining(","));
        return text.isEmpty() ? "none" : text;
    }
}
