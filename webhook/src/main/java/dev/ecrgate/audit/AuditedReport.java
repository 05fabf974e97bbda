package dev.ecrgate.audit;

import dev.ecrgate.policy.Decision;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the audit found for one owner: a result per container image and policy rule, as a PolicyReport holds them.
 * A value: two reports of an unchanged world are equal, and {@link #contentHash()} tells them apart without the
 * time they were made, so that an unchanged report is never written again.
 *
 * @param owner    the owner (the report's scope)
 * @param results  the results, in container order, then policy order
 * @param decision the decision they were made from
 */
public record AuditedReport(WorkloadRef owner, List<Result> results, Decision decision) {
    public AuditedReport {
        Objects.requireNonNull(owner, "owner");
        results = List.copyOf(results);
        Objects.requireNonNull(decision, "decision");
    }

    /** A result's verdict, with its name in the Report API. */
    public enum Verdict {
        /** The image breaks no rule of the policy. */
        PASS,
        /** It breaks a rule that denies, or would deny (a policy in audit mode). */
        FAIL,
        /** It breaks a rule that only warns (a warn rule, a policy in warn mode, a notice). */
        WARN,
        /** The rule could not be checked: its facts could not be read from ECR. */
        ERROR,
        /** The policy exempts the image. */
        SKIP;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One result.
     *
     * @param policy     the policy's name ({@code ecrgate} for an image reference no policy could allow)
     * @param rule       the policy field of the rule ({@code vulnerabilities.maxCounts}); empty for a pass or a skip,
     *                   which are about the policy as a whole
     * @param verdict    pass, fail, warn, error or skip
     * @param severity   the severity of the worst finding behind it ({@code critical}, ..., {@code info}), when any
     * @param message    what is wrong and what to do next, in the denial message's words
     * @param properties container, image, digest, CVE ids, severity counts and scan status, where known
     */
    public record Result(String policy, String rule, Verdict verdict, Optional<String> severity, String message,
                         SortedMap<String, String> properties) {
        public Result {
            Objects.requireNonNull(policy, "policy");
            Objects.requireNonNull(rule, "rule");
            Objects.requireNonNull(verdict, "verdict");
            Objects.requireNonNull(severity, "severity");
            Objects.requireNonNull(message, "message");
            properties = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(properties));
        }
    }

    /** How many results have each verdict, every verdict present. */
    public Map<Verdict, Integer> summary() {
        Map<Verdict, Integer> counts = new java.util.EnumMap<>(Verdict.class);
        for (Verdict v : Verdict.values()) {
            counts.put(v, 0);
        }
        for (Result r : results) {
            counts.merge(r.verdict(), 1, Integer::sum);
        }
        return counts;
    }

    /** Whether any result fails: the state whose start is worth an Event. */
    public boolean failing() {
        return results.stream().anyMatch(r -> r.verdict() == Verdict.FAIL);
    }

    /** No policy applies to the owner's namespace: nothing to report. */
    public boolean isEmpty() {
        return results.isEmpty();
    }

    /** A hash of every result's content: equal for equal reports, whenever they were made. */
    public String contentHash() {
        StringBuilder b = new StringBuilder();
        b.append(owner.uid()).append('\n');
        for (Result r : results) {
            b.append(r.policy()).append('\0').append(r.rule()).append('\0').append(r.verdict()).append('\0')
                    .append(r.severity().orElse("")).append('\0').append(r.message()).append('\0')
                    .append(r.properties()).append('\n');
        }
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(b.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha, 0, 16);
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("every JDK has SHA-256", impossible);
        }
    }
}
