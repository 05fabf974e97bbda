package dev.ecrgate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ecrgate.findings.ScanStatus;
import dev.ecrgate.findings.Severity;
import dev.ecrgate.policy.RegistryRules.EcrRegistryRule;
import dev.ecrgate.policy.VulnerabilityRules.IgnoreRule;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each field of a policy file lands in the right place of the model, and each field left out takes its default. */
class PolicyMappingTest {

    static Stream<Arguments> everyField() throws Exception {
        ImagePolicy p = single("every-field.yaml", resource("every-field.yaml"));
        Map<ScanStatus, Outcome> scanStatus = VulnerabilityRules.defaultScanStatus();
        scanStatus.put(ScanStatus.PENDING, Outcome.WARN);
        scanStatus.put(ScanStatus.NOT_FOUND, Outcome.ALLOW);
        VulnerabilityRules v = p.vulnerabilities().orElseThrow();
        return Stream.of(
                field("metadata.name is the policy's name", p.name(), "team-blue"),
                field("the origin is the file and the line the document starts on", p.origin(), "every-field.yaml:2"),
                field("namespaces are globs", p.namespaces(), globs("team-blue", "team-blue-*")),
                field("excludeNamespaces are globs", p.excludeNamespaces(), globs("team-blue-sandbox")),
                field("mode is read in any case", p.mode(), Mode.AUDIT),
                field("onLookupFailure is read", p.onLookupFailure(), Outcome.WARN),
                field("helpText is kept as written", p.helpText(),
                        Optional.of("Exceptions: https://wiki.example/ecr-exceptions")),
                field("ECR registries keep their accounts and regions", p.registries().ecr(), Optional.of(List.of(
                        new EcrRegistryRule("111122223333", List.of("us-east-1", "us-west-2")),
                        new EcrRegistryRule("444455556666", List.of())))),
                field("others is an outcome", p.registries().others(), Outcome.DENY),
                field("repository globs keep their placeholder", p.repositories().allow(),
                        Optional.of(List.of("{namespace}/**", "monitoring/*"))),
                field("maxCounts maps severities to counts", v.maxCounts(),
                        Map.of(Severity.CRITICAL, 0, Severity.HIGH, 5, Severity.UNTRIAGED, 2)),
                field("onlyFixable is read", v.onlyFixable(), true),
                field("maxScanAge in days is a duration", v.maxScanAge(), Optional.of(Duration.ofDays(30))),
                field("ignore rules keep id, reason, expiry and repositories", v.ignore(), List.of(
                        new IgnoreRule("CVE-2023-44487", "mitigated at the load balancer",
                                Optional.of(LocalDate.of(2027, 3, 31)), globs("team-blue/**")),
                        new IgnoreRule("CVE-2024-3094", "not installed", Optional.empty(), List.of()))),
                field("scanStatus overrides the defaults it names and keeps the others", v.scanStatus(), scanStatus),
                field("denied tags are kept", p.tags().deny(), List.of("latest", "dev")),
                field("requireDigest is read", p.tags().requireDigest(), true),
                field("immutableOrDigest is read", p.tags().immutableOrDigest(), true),
                field("allowed patterns are compiled", patterns(p.tags().allowedPatterns()),
                        List.of("^v?[0-9]+[.][0-9]+[.][0-9]+$")),
                field("exemptions keep images, namespaces, reason and expiry", p.exemptions(), List.of(
                        new Exemption(globs("111122223333.dkr.ecr.us-east-1.amazonaws.com/platform/debug:*"),
                                globs("ops"), "break-glass debugging", Optional.of(LocalDate.of(2026, 12, 31))),
                        new Exemption(globs("docker.io/library/busybox:*"), List.of(), "init containers",
                                Optional.empty()))));
    }

    static Stream<Arguments> defaults() throws Exception {
        ImagePolicy p = single("minimal.yaml", "apiVersion: ecrgate.dev/v1\nkind: ImagePolicy\nmetadata:\n"
                + "  name: minimal\n");
        ImagePolicy emptyParts = single("parts.yaml", PolicySnippets.spec(
                "  registries: {}", "  repositories: {}", "  vulnerabilities: {}", "  tags: {}"));
        VulnerabilityRules v = emptyParts.vulnerabilities().orElseThrow();
        return Stream.of(
                field("no namespaces means every namespace", p.namespaces(), List.of()),
                field("no excludeNamespaces excludes none", p.excludeNamespaces(), List.of()),
                field("the mode defaults to enforce", p.mode(), Mode.ENFORCE),
                field("onLookupFailure defaults to deny", p.onLookupFailure(), Outcome.DENY),
                field("there is no help text by default", p.helpText(), Optional.empty()),
                field("no registries allows any registry", p.registries(), RegistryRules.ANY),
                field("no repositories allows any repository", p.repositories(), RepositoryRules.ANY),
                field("no vulnerabilities means no scan rules", p.vulnerabilities(), Optional.empty()),
                field("no tags means no tag rules", p.tags(), TagRules.NONE),
                field("there are no exemptions by default", p.exemptions(), List.of()),
                field("empty registries allow any registry", emptyParts.registries(), RegistryRules.ANY),
                field("empty repositories allow any repository", emptyParts.repositories(), RepositoryRules.ANY),
                field("empty tags mean no tag rules", emptyParts.tags(), TagRules.NONE),
                field("empty vulnerabilities limit no severity", v.maxCounts(), Map.of()),
                field("empty vulnerabilities count every finding", v.onlyFixable(), false),
                field("empty vulnerabilities accept a scan of any age", v.maxScanAge(), Optional.empty()),
                field("empty vulnerabilities ignore nothing", v.ignore(), List.of()),
                field("empty vulnerabilities take the default scan outcomes", v.scanStatus(),
                        VulnerabilityRules.defaultScanStatus()));
    }

    static Stream<Arguments> durations() {
        return Stream.of(
                Arguments.of("30d", Duration.ofDays(30)),
                Arguments.of("2w", Duration.ofDays(14)),
                Arguments.of("12h", Duration.ofHours(12)),
                Arguments.of("90m", Duration.ofMinutes(90)),
                Arguments.of("P30D", Duration.ofDays(30)),
                Arguments.of("PT12H", Duration.ofHours(12)),
                Arguments.of("P1DT2H30M", Duration.ofDays(1).plusHours(2).plusMinutes(30)),
                Arguments.of("PT45S", Duration.ofSeconds(45)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyField")
    void everyFieldIsRead(String name, Object actual, Object expected) {
        assertEquals(expected, actual);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("defaults")
    void aFieldLeftOutTakesItsDefault(String name, Object actual, Object expected) {
        assertEquals(expected, actual);
    }

    @ParameterizedTest(name = "maxScanAge {0} is {1}")
    @MethodSource("durations")
    void scanAgeIsReadInEveryDocumentedForm(String text, Duration expected) throws Exception {
        ImagePolicy p = single("age.yaml", PolicySnippets.spec("  vulnerabilities:", "    maxScanAge: " + text));
        assertEquals(Optional.of(expected), p.vulnerabilities().orElseThrow().maxScanAge());
    }

    private static Arguments field(String name, Object actual, Object expected) {
        return Arguments.of(name, actual, expected);
    }

    private static ImagePolicy single(String file, String yaml) throws PolicyLoadException {
        List<ImagePolicy> policies = PolicyLoader.parse(file, yaml).policies();
        assertEquals(1, policies.size());
        return policies.get(0);
    }

    private static List<Glob> globs(String... texts) {
        return Stream.of(texts).map(Glob::of).toList();
    }

    private static List<String> patterns(List<Pattern> patterns) {
        return patterns.stream().map(Pattern::pattern).toList();
    }

    static String resource(String name) throws IOException {
        try (InputStream in = PolicyMappingTest.class.getResourceAsStream("/policy/" + name)) {
            if (in == null) {
                throw new IOException("no test resource /policy/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
