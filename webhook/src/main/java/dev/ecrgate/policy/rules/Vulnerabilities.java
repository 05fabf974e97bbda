package dev.ecrgate.policy.rules;

import dev.ecrgate.findings.Finding;
import dev.ecrgate.findings.ScanResult;
import dev.ecrgate.findings.ScanStatus;
import dev.ecrgate.findings.Severity;
import dev.ecrgate.policy.Outcome;
import dev.ecrgate.policy.Rule;
import dev.ecrgate.policy.VulnerabilityRules;
import dev.ecrgate.policy.VulnerabilityRules.IgnoreRule;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code vulnerabilities.maxCounts}, with what decides which findings count: {@code ignore} (until its expiry date),
 * {@code onlyFixable}, and {@code maxScanAge} (a scan older than that counts as no scan, with the outcome of
 * {@code scanStatus.NOT_FOUND}). Checks only a scan with findings; any other is {@link ScanStatuses}'s.
 *
 * <p>Counting needs every finding; when ECR gave only the summary, every finding counts and a notice says that
 * {@code ignore} and {@code onlyFixable} could not be applied.
 */
public final class Vulnerabilities implements Check {
    /** How many of the worst findings a violation carries. */
    public static final int WORST_FINDINGS = 3;

    private static final Comparator<Finding> WORST_FIRST = Comparator
            .comparing(Finding::severity, Comparator.reverseOrder())
            .thenComparing(f -> f.fixedInVersion().isEmpty())
            .thenComparing(Finding::id, Comparator.reverseOrder());

    private static final List<Severity> DESCENDING = descending();

    public Vulnerabilities() {
    }

    @Override
    public void check(Target t) {
        if (!t.hasScan() || t.isIndex()) {
            return; // an index: PlatformScans judges each platform image
        }
        ScanResult scan = t.scan();
        if (!scan.status().hasFindings()) {
            return;
        }
        VulnerabilityRules rules = t.policy().vulnerabilities().orElseThrow();
        if (tooOld(t, rules, scan)) {
            return;
        }
        Map<Severity, Integer> counts;
        List<Finding> counted = List.of();
        if (scan.findings().isPresent()) {
            counted = counted(t, scan.findings().get(), rules);
            counts = new EnumMap<>(Severity.class);
            for (Finding f : counted) {
                counts.merge(f.severity(), 1, Integer::sum);
            }
        } else {
            counts = scan.severityCounts();
            if (rules.needsFindingDetail()) {
                t.notice(Rule.SUMMARY_ONLY, "only the scan summary is known, so ignore and onlyFixable could not"
                        + " be applied; every finding counts", Optional.empty());
            }
        }
        List<String> over = new ArrayList<>();
        Set<Severity> overSeverities = EnumSet.noneOf(Severity.class);
        for (Severity s : DESCENDING) {
            Integer max = rules.maxCounts().get(s);
            int n = counts.getOrDefault(s, 0);
            if (max != null && n > max) {
                over.add(s + " " + n + " (max " + max + ")");
                overSeverities.add(s);
            }
        }
        if (over.isEmpty()) {
            return;
        }
        List<Finding> worst = counted.stream().filter(f -> overSeverities.contains(f.severity()))
                .sorted(WORST_FIRST).limit(WORST_FINDINGS).toList();
        String fixable = rules.onlyFixable() ? "fixable " : "";
        t.add(Rule.VULNERABILITIES, Outcome.DENY, "too many " + fixable + "vulnerabilities: "
                        + String.join(", ", over), worst,
                Optional.of("update the affected packages or the base image to fixed versions, push, and deploy the"
                        + " new image"));
    }

    /** Reports a scan older than {@code maxScanAge}, and says whether it was. */
    private static boolean tooOld(Target t, VulnerabilityRules rules, ScanResult scan) {
        if (rules.maxScanAge().isEmpty() || scan.completedAt().isEmpty()) {
            return false;
        }
        Duration age = Duration.between(scan.completedAt().get(), t.now());
        if (age.compareTo(rules.maxScanAge().get()) <= 0) {
            return false;
        }
        Outcome outcome = rules.scanStatus().getOrDefault(ScanStatus.NOT_FOUND, Outcome.DENY);
        LocalDate completed = LocalDate.ofInstant(scan.completedAt().get(), ZoneOffset.UTC);
        t.add(Rule.SCAN_AGE, outcome, "the last scan completed " + age.toDays() + " days ago (" + completed
                        + "), longer ago than maxScanAge " + human(rules.maxScanAge().get())
                        + ", so it counts as no scan", List.of(),
                Optional.of("scan the image again (enhanced scanning rescans continuously), or rebuild and push it"));
        return true;
    }

    /** The findings that count: fixable ones if asked, without those ignored; notices expired ignore entries. */
    private static List<Finding> counted(Target t, List<Finding> all, VulnerabilityRules rules) {
        List<Finding> out = new ArrayList<>(all.size());
        Set<String> expiredReported = new HashSet<>();
        for (Finding f : all) {
            if (rules.onlyFixable() && !f.fixAvailable().countsAsFixable() || t.excepted(f)) {
                continue;
            }
            boolean ignored = false;
            for (IgnoreRule rule : rules.ignore()) {
                if (!rule.id().equalsIgnoreCase(f.id()) || !inScope(t, rule)) {
                    continue;
                }
                if (rule.expires().isPresent() && t.today().isAfter(rule.expires().get())) {
                    if (expiredReported.add(rule.id())) {
                        t.notice(Rule.EXPIRED_IGNORE, "the ignore entry for " + rule.id() + " (\"" + rule.reason()
                                        + "\") expired on " + rule.expires().get() + " and no longer applies",
                                Optional.of("fix " + rule.id() + " or renew the ignore entry"));
                    }
                    continue;
                }
                ignored = true;
                break;
            }
            if (!ignored) {
                out.add(f);
            }
        }
        return out;
    }

    private static boolean inScope(Target t, IgnoreRule rule) {
        return rule.repositories().isEmpty()
                || rule.repositories().stream().anyMatch(g -> g.matches(t.ref().path()));
    }

    private static List<Severity> descending() {
        List<Severity> out = new ArrayList<>(List.of(Severity.values()));
        Collections.reverse(out);
        return List.copyOf(out);
    }

    private static String human(Duration d) {
        if (d.toDays() > 0 && d.equals(Duration.ofDays(d.toDays()))) {
            return d.toDays() + "d";
        }
        if (d.toHours() > 0 && d.equals(Duration.ofHours(d.toHours()))) {
            return d.toHours() + "h";
        }
        return d.toMinutes() + "m";
    }
}
