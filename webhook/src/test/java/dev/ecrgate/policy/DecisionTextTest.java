package dev.ecrgate.policy;

import static dev.ecrgate.policy.Policies.policy;
import static dev.ecrgate.policy.Policies.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ecrgate.admission.AdmissionAnswer;
import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.admission.ContainerImage;
import dev.ecrgate.admission.ContainerKind;
import dev.ecrgate.text.OutsideText;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What people read: the denial message, warnings and audit annotations. */
class DecisionTextTest {
    static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");

    static AdmissionSubject pod(ContainerImage... images) {
        return new AdmissionSubject("uid", "Pod", "team-blue", "web", "CREATE", false, List.of(images));
    }

    static ContainerImage container(String name, String image) {
        return new ContainerImage(ContainerKind.CONTAINER, name, image, false);
    }

    @Test
    void namesTheContainerImageRulePolicyAndWhatToDoNext() {
        Decision d = Decider.decide(pod(container("app", "nginx:latest")),
                set(policy("baseline").help("see https://wiki.example/images").tags(List.of("latest"), false,
                        false)), Map.of(), NOW);
        assertEquals("""
                Pod "web" in namespace "team-blue": 1 container breaks image policy
                container "app" image nginx:latest
                  - [baseline] tags.deny: tag "latest" is not allowed
                    next: deploy a versioned tag, or pin the image by digest
                help (baseline): see https://wiki.example/images""", DecisionText.message(d));
    }

    @Test
    void saysTheSameViolationOnceForEveryPolicyThatFindsIt() {
        Decision d = Decider.decide(pod(container("app", "nginx")),
                set(policy("a").tags(List.of("latest"), false, false), policy("b").tags(List.of("latest"), false,
                        false)), Map.of(), NOW);
        String m = DecisionText.message(d);
        assertTrue(m.contains("  - [a, b] tags.deny: the image has no tag, which means :latest, and that tag is not"
                + " allowed"), m);
        assertEquals(1, m.lines().filter(l -> l.contains("tags.deny")).count(), m);
    }

    @Test
    void anUpdateWarnsOnceForEveryPolicyThatFindsTheSameAboutAnImageAlreadyDeployed() {
        AdmissionSubject update = new AdmissionSubject("uid", "Deployment", "team-blue", "web", "UPDATE", false,
                List.of(new ContainerImage(ContainerKind.CONTAINER, "app", "nginx", true)));
        Decision d = Decider.decide(update, set(policy("a").tags(List.of("latest"), false, false),
                policy("b").tags(List.of("latest"), false, false)), Map.of(), NOW);
        assertTrue(d.allowed());
        assertEquals(List.of("[a, b] container \"app\" (already deployed): the image has no tag, which means"
                + " :latest, and that tag is not allowed"), DecisionText.warningLines(d));
        assertEquals(1, DecisionText.answer(d).warnings().size(), DecisionText.answer(d).warnings()::toString);
    }

    @Test
    void aMergedWarningTooLongForKubectlKeepsTheFindingAndCountsThePoliciesItCannotName() {
        AdmissionSubject update = new AdmissionSubject("uid", "Deployment", "team-blue", "web", "UPDATE", false,
                List.of(new ContainerImage(ContainerKind.CONTAINER, "api-server-frontend", "nginx:latest", true)));
        Decision d = Decider.decide(update, set(policy("baseline").tags(List.of("latest"), false, false),
                policy("team-namespaces").tags(List.of("latest"), false, false),
                policy("medium-findings-rollout").tags(List.of("latest"), false, false)), Map.of(), NOW);
        assertEquals(List.of("[baseline, team-namespaces, medium-findings-rollout] container \"api-server-frontend\" (already"
                + " deployed): tag \"latest\" is not allowed"), DecisionText.warningLines(d));
        assertEquals(List.of("[baseline, team-namespaces +1] container \"api-server-frontend\" (already deployed): tag \"latest\""
                + " is not allowed"), DecisionText.warnings(d));
    }

    @Test
    void warningLinesAreWholeWhileKubectlsAreCut() {
        Decision d = Decider.decide(pod(container("a-container-with-a-rather-long-name-for-testing", "nginx")),
                set(policy("a-policy-with-a-long-name").mode(Mode.WARN).tags(List.of("latest"), true, false)),
                Map.of(), NOW);
        List<String> whole = DecisionText.warningLines(d);
        assertTrue(whole.stream().anyMatch(w -> w.length() > 120 && w.endsWith("that tag is not allowed")),
                whole::toString);
        assertTrue(DecisionText.warnings(d).stream().allMatch(w -> w.length() <= 120));
    }

    @Test
    void capsALongMessageBetweenViolationsWithAndNMore() {
        List<ContainerImage> images = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            images.add(container("container-number-" + i, "registry.example.com/team/some-long-image-name-" + i));
        }
        Decision d = Decider.decide(pod(images.toArray(ContainerImage[]::new)),
                set(policy("p").tags(List.of("latest"), true, false)), Map.of(), NOW);
        String m = DecisionText.message(d);
        assertTrue(m.length() <= DecisionText.MAX_MESSAGE, () -> "length " + m.length());
        assertTrue(m.matches("(?s).*\\n… and \\d+ more violations$"), m);
        String last = m.lines().filter(l -> l.startsWith("    next:")).reduce((a, b) -> b).orElseThrow();
        assertTrue(last.endsWith("digest"), "ends with a whole violation: " + last);
    }

    @Test
    void keepsEveryWarningWithin120Characters() {
        Decision d = Decider.decide(pod(container("a-container-with-a-rather-long-name-for-testing", "nginx")),
                set(policy("a-policy-with-a-long-name").mode(Mode.WARN).tags(List.of("latest"), true, false)),
                Map.of(), NOW);
        AdmissionAnswer a = DecisionText.answer(d);
        assertTrue(a.allowed());
        assertEquals(2, a.warnings().size());
        for (String w : a.warnings()) {
            assertTrue(w.length() <= 120, w);
        }
        assertTrue(a.warnings().get(0).endsWith("…"), a.warnings().get(0));
        assertEquals("allowed-with-warnings", a.auditAnnotations().get("decision"));
    }

    @Test
    void neverLetsAnImageNameBreakTheMessageIntoForgedLines() {
        Decision d = Decider.decide(pod(container("app\n  - [fake] ok", "Bad\nImage")), PolicySet.EMPTY,
                Map.of(), NOW);
        String m = DecisionText.message(d);
        assertFalse(m.contains("\n  - [fake]"), m);
        assertTrue(m.contains("app\\n  - [fake] ok"), m);
    }

    @Test
    void recordsTheDecisionAndPoliciesInAuditAnnotations() {
        Decision d = Decider.decide(pod(container("app", "nginx:latest")),
                set(policy("baseline").tags(List.of("latest"), false, false), policy("other")), Map.of(), NOW);
        AdmissionAnswer a = DecisionText.answer(d);
        assertEquals("denied", a.auditAnnotations().get("decision"));
        assertEquals("baseline,other", a.auditAnnotations().get("policies"));
        assertEquals("baseline/tags.deny/deny/app", a.auditAnnotations().get("violations"));
    }

    /**
     * Issue 17: a right-to-left override (or another bidirectional control) in an invalid image reached kubectl's
     * output as it was, so that the reviewer would read the text after it reversed.
     */
    static Stream<Arguments> bidirectionalControls() {
        return Stream.of("\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068",
                "\u2069", "\u200E", "\u200F", "\u061C").map(c -> Arguments.of(OutsideText.codePoint(c.charAt(0)), c));
    }

    @ParameterizedTest(name = "{0} in an image is shown escaped in the denial message")
    @MethodSource("bidirectionalControls")
    void aBidirectionalControlInAnImageIsEscapedInTheDenialMessage(String name, String control) {
        Decision d = Decider.decide(pod(container("app", "evil.io/app:1" + control + "gpj.exe")), PolicySet.EMPTY,
                Map.of(), NOW);
        String m = DecisionText.answer(d).message().orElseThrow();
        assertFalse(m.contains(control), m);
        assertTrue(m.contains("image evil.io/app:1\\u" + name.substring(2) + "gpj.exe"), m);
        assertTrue(m.chars().allMatch(c -> c == '\n' || c == '…' || c >= 0x20 && c <= 0x7e), m);
    }

    @Test
    void capsTheWholeMessageAtMaxMessageWithTheHelpTextIncluded() {
        List<ContainerImage> images = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            images.add(container("container-number-" + i, "registry.example.com/team/some-long-image-name-" + i));
        }
        String help = "see https://wiki.example/images ".repeat(9).strip();
        Decision d = Decider.decide(pod(images.toArray(ContainerImage[]::new)),
                set(policy("p").help(help).tags(List.of("latest"), true, false)), Map.of(), NOW);
        String m = DecisionText.message(d);
        assertTrue(m.length() <= DecisionText.MAX_MESSAGE, () -> "length " + m.length());
        assertTrue(m.contains("\nhelp (p): " + help + "\n"), m);
        assertTrue(m.matches("(?s).*\\n… and \\d+ more violations$"), m);
    }
}
