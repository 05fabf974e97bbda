package dev.ecrgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.admission.ContainerImage;
import dev.ecrgate.admission.ContainerKind;
import dev.ecrgate.policy.Decision;
import dev.ecrgate.policy.Effect;
import dev.ecrgate.policy.Rule;
import dev.ecrgate.policy.Violation;
import dev.ecrgate.text.OutsideText;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The decision log's lines: what they hold in each format, their level, and that no request string can forge one. */
class DecisionLogTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String DIGEST = "sha256:" + "ac9da485d6ea".repeat(5) + "abcd";
    static final String WEB = "111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/web:1.0.0";
    static final ContainerImage WEB_CONTAINER = new ContainerImage(ContainerKind.CONTAINER, "web", WEB, false);
    static final ContainerImage PROXY = new ContainerImage(ContainerKind.CONTAINER, "proxy", "nginx:latest", false);

    static AdmissionSubject subject(ContainerImage... images) {
        return new AdmissionSubject("7c7f3b0e-uid", "Pod", "team-blue", "web", "CREATE", true, List.of(images));
    }

    static Violation violation(ContainerImage c, String policy, Rule rule, Effect effect) {
        return new Violation(c, c == WEB_CONTAINER ? Optional.of(DIGEST) : Optional.empty(), policy, rule, effect,
                "what is wrong", List.of(), Optional.empty());
    }

    static DecisionLog.Entry entry(boolean allowed, List<Violation> violations, ContainerImage... images) {
        Decision d = new Decision(subject(images), allowed, violations, List.of("baseline", "team-namespaces"),
                List.of(), Map.of());
        return new DecisionLog.Entry(d, "system:serviceaccount:ci:deployer",
                Stream.of(images).map(i -> new DecisionLog.Image(i.containerName(), i.image(),
                        i == WEB_CONTAINER ? Optional.of(DIGEST) : Optional.empty())).toList(),
                Duration.ofNanos(1_234_567));
    }

    static final DecisionLog.Entry DENIED = entry(false, List.of(
            violation(WEB_CONTAINER, "baseline", Rule.VULNERABILITIES, Effect.DENY),
            violation(PROXY, "baseline", Rule.TAG_DENIED, Effect.DENY),
            violation(PROXY, "team-namespaces", Rule.OTHER_REGISTRY, Effect.DENY),
            violation(PROXY, "baseline", Rule.OTHER_REGISTRY, Effect.WARN)), WEB_CONTAINER, PROXY);

    static Stream<Arguments> levels() {
        return Stream.of(
                Arguments.of("a denial is a warning", DENIED, DecisionLog.Level.WARN),
                Arguments.of("an admission with a warning is info", entry(true, List.of(
                        violation(WEB_CONTAINER, "rollout", Rule.VULNERABILITIES, Effect.WARN)), WEB_CONTAINER),
                        DecisionLog.Level.INFO),
                Arguments.of("an admission with an audit finding is info", entry(true, List.of(
                        violation(WEB_CONTAINER, "audit", Rule.SCAN_AGE, Effect.AUDIT)), WEB_CONTAINER),
                        DecisionLog.Level.INFO),
                Arguments.of("a clean admission is debug", entry(true, List.of(), WEB_CONTAINER),
                        DecisionLog.Level.DEBUG));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("levels")
    void logsAtTheLevelOfWhatTheDecisionDid(String name, DecisionLog.Entry entry, DecisionLog.Level level) {
        assertEquals(level, DecisionLog.level(entry.decision()));
    }

    @Test
    void aJsonLineNamesTheRequestTheUserEachImageTheRulesAndTheLatency() throws Exception {
        String line = new DecisionLog(DecisionLog.Format.JSON).line(DENIED);
        JsonNode j = JSON.readTree(line);
        assertEquals("denied", j.path("decision").asText());
        assertEquals("7c7f3b0e-uid", j.path("uid").asText());
        assertEquals("team-blue", j.path("namespace").asText());
        assertEquals("Pod", j.path("kind").asText());
        assertEquals("web", j.path("name").asText());
        assertEquals("system:serviceaccount:ci:deployer", j.path("user").asText());
        assertEquals("CREATE", j.path("operation").asText());
        assertTrue(j.path("dryRun").asBoolean());
        assertEquals(2, j.path("images").size());
        assertEquals(WEB, j.path("images").get(0).path("image").asText());
        assertEquals(DIGEST, j.path("images").get(0).path("digest").asText());
        assertTrue(j.path("images").get(1).path("digest").isMissingNode(), line);
        assertEquals("[\"baseline\",\"team-namespaces\"]", j.path("policies").toString());
        assertEquals(4, j.path("violations").size());
        JsonNode v = j.path("violations").get(0);
        assertEquals("baseline", v.path("policy").asText());
        assertEquals("vulnerabilities.maxCounts", v.path("rule").asText());
        assertEquals("deny", v.path("effect").asText());
        assertEquals(1.235, j.path("latencyMs").asDouble(), 1e-9);
    }

    @Test
    void aTextLineIsKeyValuePairsWithEachBrokenRuleOnce() {
        String line = new DecisionLog(DecisionLog.Format.TEXT).line(DENIED);
        assertEquals("decision=denied uid=7c7f3b0e-uid ns=team-blue kind=Pod name=web"
                + " user=system:serviceaccount:ci:deployer op=CREATE dryRun=true"
                + " images=" + WEB + "@" + DIGEST + ",nginx:latest policies=baseline,team-namespaces"
                + " violations=baseline/vulnerabilities.maxCounts,baseline/tags.deny,"
                + "team-namespaces/registries.others,baseline/registries.others latency_ms=1.235", line);
    }

    @Test
    void theWarnedDecisionIsCalledWarned() throws Exception {
        DecisionLog.Entry warned = entry(true, List.of(
                violation(WEB_CONTAINER, "rollout", Rule.VULNERABILITIES, Effect.WARN)), WEB_CONTAINER);
        assertEquals("warned", JSON.readTree(new DecisionLog().line(warned)).path("decision").asText());
        assertTrue(new DecisionLog(DecisionLog.Format.TEXT).line(warned).startsWith("decision=warned "));
    }

    static final String FORGED = "evil.io/app:1\n{\"decision\":\"allowed\",\"uid\":\"x\"} \u2028\u0085\"=\\\tend";

    static Stream<Arguments> formats() {
        return Stream.of(Arguments.of(DecisionLog.Format.JSON), Arguments.of(DecisionLog.Format.TEXT));
    }

    @ParameterizedTest(name = "in {0}")
    @MethodSource("formats")
    void anImageNameWithANewlineAndAFakeJsonFragmentStaysInsideOneEscapedField(DecisionLog.Format format)
            throws Exception {
        ContainerImage forged = new ContainerImage(ContainerKind.CONTAINER, "app\r\nuser=admin", FORGED, false);
        DecisionLog.Entry e = new DecisionLog.Entry(new Decision(subject(forged), false,
                List.of(violation(forged, "baseline", Rule.INVALID_REFERENCE, Effect.DENY)), List.of("baseline"),
                List.of(), Map.of()), "mallory\n", List.of(new DecisionLog.Image(forged.containerName(), FORGED,
                Optional.empty())), Duration.ofMillis(1));
        String line = new DecisionLog(format).line(e);
        assertEquals(1, line.lines().count(), line);
        assertFalse(line.chars().anyMatch(c -> c < ' ' || c == 0x85 || c == 0x2028), line);
        if (format == DecisionLog.Format.JSON) {
            JsonNode j = JSON.readTree(line);
            assertEquals("denied", j.path("decision").asText());
            assertEquals(OutsideText.shown(FORGED), j.path("images").get(0).path("image").asText());
            assertEquals(OutsideText.shown(FORGED), j.path("violations").get(0).path("image").asText());
            assertEquals("mallory\\n", j.path("user").asText());
            assertTrue(line.contains("\\n{\\\"decision\\\":\\\"allowed\\\""), line);
        } else {
            assertTrue(line.startsWith("decision=denied "), line);
            assertTrue(line.contains(" user=\"mallory\\n\" "), line);
            assertTrue(line.contains(" images=\"evil.io/app:1\\n{\\\"decision\\\":\\\"allowed\\\",\\\"uid\\\":"
                    + "\\\"x\\\"} \\u2028\\u0085\\\"=\\\\\\tend\" "), line);
        }
    }

    /** Issue 17: a right-to-left override in an image name reached the text log line as it was. */
    @ParameterizedTest(name = "in {0}")
    @MethodSource("formats")
    void aBidirectionalOverrideInAnImageIsEscapedInTheLogLine(DecisionLog.Format format) {
        String image = "evil.io/app:1\u202Egpj.exe\u2066";
        ContainerImage c = new ContainerImage(ContainerKind.CONTAINER, "app\u200F", image, false);
        DecisionLog.Entry e = new DecisionLog.Entry(new Decision(subject(c), false,
                List.of(violation(c, "baseline", Rule.INVALID_REFERENCE, Effect.DENY)), List.of("baseline"),
                List.of(), Map.of()), "mallory", List.of(new DecisionLog.Image(c.containerName(), image,
                Optional.empty())), Duration.ofMillis(1));
        String line = new DecisionLog(format).line(e);
        assertTrue(line.chars().allMatch(ch -> ch >= 0x20 && ch <= 0x7e), line);
        assertTrue(line.contains("evil.io/app:1\\u202Egpj.exe\\u2066")
                || line.contains("evil.io/app:1\\\\u202Egpj.exe\\\\u2066"), line);
    }
}
