package dev.ecrgate.policy;

import static dev.ecrgate.policy.Policies.policy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import dev.ecrgate.findings.Finding;
import dev.ecrgate.findings.FixAvailable;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.RepositoryFacts;
import dev.ecrgate.findings.ScanResult;
import dev.ecrgate.findings.ScanStatus;
import dev.ecrgate.findings.Severity;
import dev.ecrgate.findings.TagMutability;
import dev.ecrgate.image.ImageReference;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ImageException documents (loader and {@code policies/ecrgate-exception.schema.json} agree), and what an exception
 * does to a decision: only in its namespace, only for policies that allow it, only until it expires.
 */
class ImageExceptionTest {
    static final String ECR = "111122223333.dkr.ecr.us-east-1.amazonaws.com";
    static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static JsonSchema schema;

    @BeforeAll
    static void readSchema() throws Exception {
        schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(
                new ObjectMapper().readTree(Files.readString(PolicyLoaderTest.EXAMPLES
                        .resolve("ecrgate-exception.schema.json"))),
                SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
    }

    static String exception(String... specLines) {
        return "apiVersion: ecrgate.dev/v1alpha1\nkind: ImageException\nmetadata:\n  name: openssl-waiver\n"
                + "  namespace: team-blue\n  labels:\n    ecrgate.dev/approved-by: alice\nspec:\n"
                + String.join("\n", specLines) + "\n";
    }

    static final String GOOD = exception("  images: [\"" + ECR + "/team-blue/api:*\"]", "  cves: [cve-2026-40001]",
            "  reason: fixed upstream next week", "  expires: \"2026-12-10\"");

    @Test
    void aGoodExceptionLoadsAndTheSchemaAgrees() throws Exception {
        PolicySet set = PolicyLoader.parse("x.yaml", GOOD);

        ImageException e = set.exceptions().get(0);
        assertEquals("team-blue/openssl-waiver", e.id());
        assertEquals(Set.of("CVE-2026-40001"), e.cves());
        assertEquals(Instant.parse("2026-12-11T00:00:00Z"), e.expires(), "through the last day, UTC");
        assertEquals(Optional.of("alice"), e.approvedBy());
        assertTrue(set.policies().isEmpty());
        assertEquals(Set.of(), schema.validate(YAML.readTree(GOOD)));
    }

    static Stream<Arguments> bad() {
        return Stream.of(
                Arguments.of("an exception must name what it covers", exception("  cves: [CVE-2026-40001]",
                        "  reason: r", "  expires: \"2026-12-10\""), "x.yaml:9:3: spec: an exception names the"
                        + " images it covers: give images (globs on the image reference) or repositories (globs on"
                        + " the ECR repository path), or both"),
                Arguments.of("an exception must lift something", exception("  repositories: [team-blue/**]",
                        "  reason: r", "  expires: \"2026-12-10\""), "x.yaml:9:3: spec: an exception lifts"
                        + " something: give cves (not counted) or rules (not checked), or both"),
                Arguments.of("expires is required", exception("  repositories: [team-blue/**]",
                        "  rules: [tags.deny]", "  reason: r"), "x.yaml:9:3: spec.expires: required field is missing"),
                Arguments.of("expires is a date or an RFC 3339 time", exception("  repositories: [team-blue/**]",
                        "  rules: [tags.deny]", "  reason: r", "  expires: next week"), "x.yaml:12:12:"
                        + " spec.expires: \"next week\" is not a date (2027-03-31) or an RFC 3339 time"
                        + " (2027-03-31T18:00:00Z)"),
                Arguments.of("a rule is a policy field a violation names", exception("  repositories: [x/**]",
                        "  rules: [tags.colour]", "  reason: r", "  expires: \"2026-12-10\""),
                        "x.yaml:10:11: spec.rules[0]: unknown rule \"tags.colour\" (expected one of registries.ecr,"
                                + " registries.others, repositories.allow, tags.deny, tags.requireDigest,"
                                + " tags.immutableOrDigest, tags.allowedPatterns, vulnerabilities.scanStatus,"
                                + " vulnerabilities.maxScanAge, vulnerabilities.maxCounts, vulnerabilities.platforms,"
                                + " onLookupFailure)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bad")
    void aBadExceptionIsRefusedWithFileLineAndField_andTheSchemaAgrees(String name, String yaml, String error)
            throws Exception {
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyLoader.parse("x.yaml", yaml));

        assertTrue(e.getMessage().contains(error), e.getMessage());
        assertFalse(schema.validate(YAML.readTree(yaml)).isEmpty(), "the schema accepts what the loader refuses");
    }

    @Test
    void anExceptionWithoutNamespaceIsRefused() {
        String yaml = GOOD.replace("  namespace: team-blue\n", "");
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyLoader.parse("x.yaml", yaml));
        assertTrue(e.getMessage().contains("metadata.namespace: required field is missing"), e.getMessage());
    }

    @Test
    void anObjectReadBackFromTheClusterLoads() throws Exception {
        String yaml = GOOD.replace("  namespace: team-blue\n", "  namespace: team-blue\n  uid: 6f1c\n"
                + "  resourceVersion: \"812\"\n  generation: 2\n  creationTimestamp: \"2026-12-03T10:00:00Z\"\n")
                + "status:\n  conditions: [{type: Ready, status: \"True\"}]\n";
        assertEquals(1, PolicyLoader.parse("x.yaml", yaml).exceptions().size());
    }

    // ---- the decision -------------------------------------------------------------------------------------------

    static final Finding CRITICAL = new Finding("CVE-2026-40001", Severity.CRITICAL, "openssl", "3.0.15",
            Optional.of("3.0.16"), FixAvailable.YES, true);
    static final Finding OTHER = new Finding("CVE-2026-40002", Severity.CRITICAL, "zlib", "1.3", Optional.empty(),
            FixAvailable.NO, true);

    static ImageFacts facts(Finding... findings) {
        return new ImageFacts(Optional.of("sha256:" + "ab".repeat(32)), new ScanResult(ScanStatus.COMPLETE,
                Optional.empty(), Optional.of(NOW.minusSeconds(3600)), Map.of(Severity.CRITICAL, findings.length),
                Optional.of(List.of(findings))), Optional.of(new RepositoryFacts(TagMutability.MUTABLE, List.of())));
    }

    static ImageException waiver(String namespace, Instant expires, List<String> policies, List<String> cves,
                                 List<String> rules) {
        return new ImageException(namespace, "openssl-waiver", "x.yaml:1", policies,
                List.of(Glob.of(ECR + "/team-blue/api:*")), List.of(), Set.copyOf(cves), Set.copyOf(rules),
                "fixed upstream next week", expires, Optional.of("alice"));
    }

    static final ImagePolicy ALLOWING = policy("baseline").maxCounts(Severity.CRITICAL, 0)
            .tags(List.of("latest"), false, false).build().withExceptions(true);
    static final ImagePolicy STRICT = policy("strict").maxCounts(Severity.CRITICAL, 0).build();
    static final Instant LATER = Instant.parse("2026-12-10T00:00:00Z");

    static Stream<Arguments> decisions() {
        List<String> cve = List.of("CVE-2026-40001");
        return Stream.of(
                Arguments.of("the CVE is not counted in the exception's namespace", List.of(ALLOWING),
                        waiver("team-blue", LATER, List.of(), cve, List.of()), "team-blue", "api:1.0", facts(CRITICAL),
                        true, List.of()),
                Arguments.of("not in another namespace", List.of(ALLOWING),
                        waiver("team-blue", LATER, List.of(), cve, List.of()), "team-red", "api:1.0",
                        facts(CRITICAL), false, List.of("baseline/vulnerabilities.maxCounts/DENY: too many"
                                + " vulnerabilities: CRITICAL 1 (max 0)")),
                Arguments.of("other CVEs still count", List.of(ALLOWING),
                        waiver("team-blue", LATER, List.of(), cve, List.of()), "team-blue", "api:1.0",
                        facts(CRITICAL, OTHER), false, List.of("baseline/vulnerabilities.maxCounts/DENY: too many"
                                + " vulnerabilities: CRITICAL 1 (max 0)")),
                Arguments.of("a policy that does not allow namespaced exceptions ignores it", List.of(STRICT),
                        waiver("team-blue", LATER, List.of(), cve, List.of()), "team-blue", "api:1.0",
                        facts(CRITICAL), false, List.of("strict/vulnerabilities.maxCounts/DENY: too many"
                                + " vulnerabilities: CRITICAL 1 (max 0)")),
                Arguments.of("an exception asking other policies does not apply", List.of(ALLOWING),
                        waiver("team-blue", LATER, List.of("other"), cve, List.of()), "team-blue", "api:1.0",
                        facts(CRITICAL), false, List.of("baseline/vulnerabilities.maxCounts/DENY: too many"
                                + " vulnerabilities: CRITICAL 1 (max 0)")),
                Arguments.of("a rule lifted is not checked", List.of(ALLOWING),
                        waiver("team-blue", LATER, List.of(), List.of(), List.of("tags.deny")), "team-blue",
                        "api:latest", facts(), true, List.of()),
                Arguments.of("an expired exception stops applying, and the denial says it expired",
                        List.of(ALLOWING), waiver("team-blue", NOW.minusSeconds(60), List.of(), cve, List.of()),
                        "team-blue", "api:1.0", facts(CRITICAL), false, List.of("baseline/vulnerabilities.maxCounts"
                                + "/DENY: too many vulnerabilities: CRITICAL 1 (max 0); the ImageException"
                                + " team-blue/openssl-waiver expired at 2026-12-03T11:59:00Z")),
                Arguments.of("an image the exception does not name is not covered", List.of(ALLOWING),
                        waiver("team-blue", LATER, List.of(), cve, List.of()), "team-blue", "web:1.0",
                        facts(CRITICAL), false, List.of("baseline/vulnerabilities.maxCounts/DENY: too many"
                                + " vulnerabilities: CRITICAL 1 (max 0)")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decisions")
    void decides(String name, List<ImagePolicy> policies, ImageException exception, String namespace, String image,
                 ImageFacts facts, boolean allowed, List<String> violations) throws Exception {
        String ref = ECR + "/team-blue/" + image;
        Decision d = Decider.decide(DeciderTest.subject(namespace, ref, false), new PolicySet(policies,
                List.of(exception)), Map.of(ImageReference.parse(ref), facts), NOW);

        assertEquals(violations, d.violations().stream().map(v -> v.policy() + "/" + v.rule().field() + "/"
                + v.effect() + ": " + v.detail()).toList());
        assertEquals(allowed, d.allowed());
    }

    @Test
    void theDecisionLogNamesTheExceptionApplied() throws Exception {
        String ref = ECR + "/team-blue/api:1.0";
        Decision d = Decider.decide(DeciderTest.subject("team-blue", ref, false), new PolicySet(List.of(ALLOWING),
                List.of(waiver("team-blue", LATER, List.of(), List.of("CVE-2026-40001"), List.of()))),
                Map.of(ImageReference.parse(ref), facts(CRITICAL)), NOW);

        assertEquals(List.of("baseline: ImageException team-blue/openssl-waiver: fixed upstream next week"),
                d.exemptions());
    }
}
