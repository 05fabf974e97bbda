package dev.ecrgate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ecrgate.admission.ContainerImage;
import dev.ecrgate.admission.ContainerKind;
import dev.ecrgate.audit.AuditedReport.Result;
import dev.ecrgate.findings.Finding;
import dev.ecrgate.findings.FixAvailable;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.ScanResult;
import dev.ecrgate.findings.ScanStatus;
import dev.ecrgate.findings.Severity;
import dev.ecrgate.image.ImageReference;
import dev.ecrgate.policy.Decider;
import dev.ecrgate.policy.PolicyLoader;
import dev.ecrgate.policy.PolicySet;
import io.fabric8.kubernetes.api.model.Event;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The audit's results: the admission decision, without UPDATE grace, one result per container image and rule. */
class ReportsTest {
    static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");
    static final String IMAGE = "111122223333.dkr.ecr.us-east-1.amazonaws.com/team/api:1.0.0";
    static final String DIGEST = "sha256:" + "ab".repeat(32);
    static final WorkloadRef OWNER = new WorkloadRef("apps/v1", "Deployment", "team", "api", "uid-api");

    static PolicySet policy(String mode, String more) throws Exception {
        return PolicyLoader.parse("audit.yaml", "apiVersion: ecrgate.dev/v1\nkind: ImagePolicy\n"
                + "metadata: {name: strict}\nspec:\n  mode: " + mode + "\n  vulnerabilities:\n"
                + "    maxCounts: {CRITICAL: 0}\n" + more);
    }

    static Finding cve(String id, Severity s) {
        return new Finding(id, s, "openssl", "3.0.1", Optional.of("3.0.2"), FixAvailable.YES, false);
    }

    static Optional<ImageFacts> scanned(Finding... findings) {
        return Optional.of(new ImageFacts(Optional.of(DIGEST), new ScanResult(ScanStatus.COMPLETE, Optional.empty(),
                Optional.of(NOW.minusSeconds(3600)), Map.of(), Optional.of(List.of(findings))), Optional.empty()));
    }

    static AuditedReport report(PolicySet policies, String image, Optional<ImageFacts> facts) {
        Owners.Owned owned = new Owners.Owned(OWNER, List.of(new ContainerImage(ContainerKind.CONTAINER, "api",
                image, false)));
        Decider.Plan plan = Reports.plan(owned, policies, NOW);
        Map<ImageReference, ImageFacts> known = new HashMap<>();
        facts.ifPresent(f -> plan.lookups().keySet().forEach(ref -> known.put(ref, f)));
        return Reports.report(OWNER, plan, known);
    }

    static String results(AuditedReport r) {
        return String.join("\n", r.results().stream().map(x -> x.policy() + " " + (x.rule().isEmpty() ? "-"
                : x.rule()) + " " + x.verdict().wire() + x.severity().map(s -> " " + s).orElse("")).toList());
    }

    static Stream<Arguments> cases() throws Exception {
        return Stream.of(
                Arguments.of("a clean image passes the policy in one result",
                        policy("enforce", ""), IMAGE, scanned(), "strict - pass"),
                Arguments.of("a critical finding fails maxCounts, with its severity",
                        policy("enforce", ""), IMAGE, scanned(cve("CVE-2026-1", Severity.CRITICAL)),
                        "strict vulnerabilities.maxCounts fail critical"),
                Arguments.of("a policy in warn mode warns",
                        policy("warn", ""), IMAGE, scanned(cve("CVE-2026-1", Severity.CRITICAL)),
                        "strict vulnerabilities.maxCounts warn critical"),
                Arguments.of("a policy in audit mode fails: the report is where audit mode is read",
                        policy("audit", ""), IMAGE, scanned(cve("CVE-2026-1", Severity.CRITICAL)),
                        "strict vulnerabilities.maxCounts fail critical"),
                Arguments.of("facts that could not be read are an error, not a failure of the image",
                        policy("enforce", ""), IMAGE, Optional.of(ImageFacts.failed("no answer within the 3000 ms"
                                + " deadline")), "strict onLookupFailure error"),
                Arguments.of("a scan that never ran fails the scan-status rule",
                        policy("enforce", ""), IMAGE, Optional.empty(),
                        "strict vulnerabilities.scanStatus fail"),
                Arguments.of("an exempted image is skipped",
                        policy("enforce", "  exemptions:\n    - images: [\"" + IMAGE + "\"]\n"
                                + "      reason: vendor image\n      expires: \"2027-01-31\"\n"),
                        IMAGE, scanned(cve("CVE-2026-1", Severity.CRITICAL)), "strict - skip"),
                Arguments.of("an image reference nobody can pull fails under ecrgate, and under no policy else",
                        policy("enforce", ""), "Not An Image", Optional.empty(),
                        "ecrgate image fail\nstrict - pass"),
                Arguments.of("a namespace no policy applies to has nothing to report",
                        PolicyLoader.parse("none.yaml", "apiVersion: ecrgate.dev/v1\nkind: ImagePolicy\n"
                                + "metadata: {name: elsewhere}\nspec:\n  namespaces: [prod]\n"),
                        IMAGE, scanned(), ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decides(String name, PolicySet policies, String image, Optional<ImageFacts> facts, String expected) {
        assertEquals(expected, results(report(policies, image, facts)));
    }

    @Test
    void aFailureSaysWhatAndWhatNextAndCarriesTheFindingsProperties() throws Exception {
        AuditedReport r = report(policy("enforce", ""), IMAGE, scanned(cve("CVE-2026-1", Severity.CRITICAL),
                cve("CVE-2026-2", Severity.LOW)));
        Result fail = r.results().get(0);
        assertTrue(fail.message().startsWith("container \"api\" image " + IMAGE + " (digest sha256:ababab"),
                fail.message());
        assertTrue(fail.message().contains("CVE-2026-1 CRITICAL openssl 3.0.1, fixed in 3.0.2"), fail.message());
        assertTrue(fail.message().contains("; next: "), fail.message());
        assertEquals(Map.of("container", "api", "image", IMAGE, "digest", DIGEST, "cves", "CVE-2026-1",
                "scanStatus", "COMPLETE", "counts", "CRITICAL=1,LOW=1"), fail.properties());
        assertTrue(r.failing());
        assertEquals(1, r.summary().get(AuditedReport.Verdict.FAIL));
    }

    @Test
    void theHashChangesWithTheResultsAndNotWithTime() throws Exception {
        PolicySet p = policy("enforce", "");
        String clean = report(p, IMAGE, scanned()).contentHash();
        assertEquals(clean, report(p, IMAGE, scanned()).contentHash());
        assertNotEquals(clean, report(p, IMAGE, scanned(cve("CVE-2026-9", Severity.CRITICAL))).contentHash());
        assertNotEquals(clean, report(p, IMAGE, scanned(cve("CVE-2026-9", Severity.MEDIUM))).contentHash(),
                "new findings under the limit change the counts, which the report shows");
    }

    @Test
    void theReportObjectIsOwnedByTheWorkloadAndNamedAfterIt() throws Exception {
        var resource = ReportResource.of(report(policy("enforce", ""), IMAGE, scanned()), NOW);
        assertEquals("ecrgate-deployment-api", resource.getMetadata().getName());
        assertEquals("team", resource.getMetadata().getNamespace());
        assertEquals("uid-api", resource.getMetadata().getOwnerReferences().get(0).getUid());
        assertEquals(Map.of("pass", 1, "fail", 0, "warn", 0, "error", 0, "skip", 0),
                resource.getAdditionalProperties().get("summary"));
        @SuppressWarnings("unchecked")
        Map<String, Object> result = ((List<Map<String, Object>>) resource.getAdditionalProperties().get("results"))
                .get(0);
        assertEquals(Map.of("seconds", NOW.getEpochSecond(), "nanos", 0), result.get("timestamp"));
        assertEquals("pass", result.get("result"));
    }

    @Test
    void aLongOwnerNameIsCutWithAHashWithin253Characters() {
        String name = "x".repeat(250);
        String a = ReportResource.name(new WorkloadRef("v1", "Pod", "ns", name, "u"));
        String b = ReportResource.name(new WorkloadRef("v1", "Pod", "ns", name + "y", "u"));
        assertEquals(253, a.length());
        assertNotEquals(a, b);
        assertEquals("ecrgate-pod-short", ReportResource.name(new WorkloadRef("v1", "Pod", "ns", "short", "u")));
    }

    @Test
    void theEventSaysAFindingOnceForEveryPolicyThatFailsIt() throws Exception {
        PolicySet two = PolicyLoader.parse("two.yaml", "apiVersion: ecrgate.dev/v1\nkind: ImagePolicy\n"
                + "metadata: {name: a}\nspec:\n  vulnerabilities:\n    maxCounts: {CRITICAL: 0}\n---\n"
                + "apiVersion: ecrgate.dev/v1\nkind: ImagePolicy\n"
                + "metadata: {name: b}\nspec:\n  vulnerabilities:\n    maxCounts: {CRITICAL: 0}\n");
        Event e = AuditEvents.of(report(two, IMAGE, scanned(cve("CVE-2026-1", Severity.CRITICAL))), NOW, "x");
        assertTrue(e.getMessage().startsWith("ecrgate audit: 2 results fail (report ecrgate-deployment-api); [a, b]"
                + " vulnerabilities.maxCounts: container"), e.getMessage());
        assertEquals(1, e.getMessage().split("CVE-2026-1", -1).length - 1, e.getMessage());
    }

    @Test
    void theEventNamesTheFailingRulesAndIsAWarningOnTheOwner() throws Exception {
        Event e = AuditEvents.of(report(policy("enforce", ""), IMAGE, scanned(cve("CVE-2026-1", Severity.CRITICAL))),
                NOW, "ecrgate-0");
        assertEquals("Warning", e.getType());
        assertEquals(AuditEvents.REASON, e.getReason());
        assertEquals("Deployment", e.getInvolvedObject().getKind());
        assertEquals("uid-api", e.getInvolvedObject().getUid());
        assertEquals("api.", e.getMetadata().getGenerateName());
        assertTrue(e.getMessage().startsWith("ecrgate audit: 1 result fails (report ecrgate-deployment-api); [strict]"
                + " vulnerabilities.maxCounts: container \"api\""), e.getMessage());
        assertTrue(e.getMessage().contains("CVE-2026-1"), e.getMessage());
    }
}
