package dev.ecrgate.cli;

import static dev.ecrgate.cli.CheckRun.FINDINGS;
import static dev.ecrgate.cli.CheckRun.MANIFESTS;
import static dev.ecrgate.cli.CheckRun.POLICIES;
import static dev.ecrgate.cli.CheckRun.check;
import static dev.ecrgate.cli.CheckRun.raw;
import static dev.ecrgate.cli.CheckRun.withStdin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ecrgate.admission.AdmissionCodec;
import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.admission.Subjects;
import dev.ecrgate.policy.Decision;
import dev.ecrgate.policy.DecisionText;
import dev.ecrgate.policy.PolicyLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code ecrgate check}: the webhook's answer for manifests, its text output, and its exit codes. */
class CheckCommandTest {
    /** The denial of examples/manifests/deny-pod.yaml, exactly as the README's "Denied" example shows it. */
    static final String DENY_POD_MESSAGE = """
            Pod "web" in namespace "team-blue": 2 containers break image policy
            container "web" image 111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/web:1.0.0 (digest sha256:ac9da485d6ea…)
              - [baseline, team-namespaces] vulnerabilities.maxCounts: too many vulnerabilities: CRITICAL 3 (max 0)
                worst: CVE-2024-6387 CRITICAL openssh-server 1:9.2p1-2+deb12u2, fixed in 1:9.2p1-2+deb12u3; \
            CVE-2024-37371 CRITICAL krb5 1.20.1-2+deb12u1, fixed in 1.20.1-2+deb12u2; CVE-2023-38545 CRITICAL curl \
            7.88.1-10+deb12u3, fixed in 7.88.1-10+deb12u4
                next: update the affected packages or the base image to fixed versions, push, and deploy the new image
            container "proxy" image nginx:latest
              - [baseline] tags.deny: tag "latest" is not allowed
                next: deploy a versioned tag, or pin the image by digest
              - [team-namespaces] registries.others: docker.io is not a private Amazon ECR registry
                next: copy the image into ECR (push it, or use a pull-through cache rule) and deploy it from there
            help (baseline): Image rules: https://wiki.example/ecrgate. Exceptions: open a ticket in #platform.
            help (team-namespaces): Push team images to ECR as <namespace>/<app>. Shared images live under base/.
            """;

    record Example(String file, int exit, List<String> headers, String summary) {
        @Override
        public String toString() {
            return file;
        }
    }

    static Stream<Example> examples() {
        String dir = MANIFESTS;
        return Stream.of(
                new Example("allow-pod.yaml", 0, List.of(
                        "Pod team-blue/api: allowed (" + dir + "allow-pod.yaml)"),
                        "1 resource: 1 allowed, 0 warned, 0 denied, 0 skipped"),
                new Example("warn-deployment.yaml", 0, List.of(
                        "Deployment team-blue/worker: allowed with 1 warning (" + dir + "warn-deployment.yaml)"),
                        "1 resource: 0 allowed, 1 warned, 0 denied, 0 skipped"),
                new Example("deny-pod.yaml", 1, List.of(
                        "Pod team-blue/web: denied (" + dir + "deny-pod.yaml)"),
                        "1 resource: 0 allowed, 0 warned, 1 denied, 0 skipped"),
                new Example("multi-document.yaml", 0, List.of(
                        "ConfigMap team-blue/api-settings: skipped, not a kind ecrgate checks (" + dir
                                + "multi-document.yaml)",
                        "Deployment team-blue/api: allowed (" + dir + "multi-document.yaml#2)",
                        "Service team-blue/api: skipped, not a kind ecrgate checks (" + dir + "multi-document.yaml#3)",
                        "CronJob team-blue/nightly-report: allowed with 1 warning (" + dir + "multi-document.yaml#4)"),
                        "4 resources: 1 allowed, 1 warned, 0 denied, 2 skipped"),
                new Example("list.yaml", 1, List.of(
                        "StatefulSet team-blue/cache: denied (" + dir + "list.yaml#1.1)",
                        "Service team-blue/cache: skipped, not a kind ecrgate checks (" + dir + "list.yaml#1.2)"),
                        "2 resources: 0 allowed, 0 warned, 1 denied, 1 skipped"));
    }

    @ParameterizedTest(name = "examples/manifests/{0} gets the expected decisions and exit code")
    @MethodSource("examples")
    void eachExampleManifestGetsItsDecisionAndExitCode(Example example) {
        CheckRun run = check("-f", MANIFESTS + example.file());
        assertEquals(example.exit(), run.exit(), run::toString);
        assertEquals("", run.err(), run::toString);
        assertEquals(example.headers(), headers(run.out()), run::toString);
        assertTrue(run.out().endsWith("\n" + example.summary() + "\n"), run::toString);
    }

    @Test
    void everyExampleManifestIsInTheTable() throws Exception {
        List<String> files;
        try (Stream<Path> list = Files.list(Path.of(MANIFESTS))) {
            files = list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")).sorted().toList();
        }
        assertEquals(files, examples().map(Example::file).sorted().toList());
    }

    @Test
    void theDenialIsTheWebhooksExactMessageAfterItsWarningsAsKubectlPrintsThem() {
        CheckRun run = check("-f", MANIFESTS + "deny-pod.yaml");
        String[] blocks = run.out().split("\n", 2);
        String body = blocks[1];
        assertTrue(body.contains(DENY_POD_MESSAGE), run::toString);
        String warnings = body.substring(0, body.indexOf(DENY_POD_MESSAGE));
        assertEquals(2, warnings.lines().count(), run::toString);
        warnings.lines().forEach(w -> assertTrue(w.startsWith("Warning: ["), w));
    }

    @Test
    void aWarningIsPrintedAsKubectlPrintsIt() {
        CheckRun run = check("-f", MANIFESTS + "warn-deployment.yaml");
        assertTrue(run.out().contains("\nWarning: [medium-findings-rollout] container \"worker\": too many"
                + " vulnerabilities: HIGH 2 (max 0)\n"), run::toString);
    }

    static Stream<Arguments> recordedRequests() {
        return Stream.of(
                Arguments.of("allow-pod.yaml", "allow-pod.json"),
                Arguments.of("warn-deployment.yaml", "warn-deployment.json"),
                Arguments.of("deny-pod.yaml", "deny-pod.json"));
    }

    /** The webhook's own path: the AdmissionReview kube-apiserver sends, decoded and decided as the server does. */
    @ParameterizedTest(name = "{0} gets the same message and warnings as the webhook gives for requests/{1}")
    @MethodSource("recordedRequests")
    void aManifestGetsTheSameAnswerAsTheWebhookGivesForItsAdmissionReview(String manifest, String request)
            throws Exception {
        AdmissionCodec codec = new AdmissionCodec();
        AdmissionSubject subject = Subjects.of(codec.decode(Files.readAllBytes(Path.of("../examples/requests",
                request))).getRequest()).orElseThrow();
        Decision webhook;
        try (Evaluation evaluation = Evaluation.open(Optional.of(Path.of(FINDINGS)), Duration.ofSeconds(10), Map.of())) {
            webhook = evaluation.decide(subject, PolicyLoader.loadDirectory(Path.of(POLICIES)), Instant.now());
        }
        CheckRun run = check("-f", MANIFESTS + manifest, "--output", "json");
        JsonNode resource = new ObjectMapper().readTree(run.out()).get("resources").get(0);
        assertEquals(webhook.allowed() ? "" : DecisionText.message(webhook), resource.path("message").asText());
        List<String> warnings = new ArrayList<>();
        resource.get("warnings").forEach(w -> warnings.add(w.asText()));
        assertEquals(DecisionText.warnings(webhook), warnings);
        assertEquals(DecisionText.answer(webhook).auditAnnotations().get("decision"),
                resource.get("decision").asText());
    }

    @Test
    void aDirectoryIsReadRecursivelyInPathOrder() {
        CheckRun run = check("-f", "../examples/manifests");
        assertEquals(1, run.exit(), run::toString);
        List<String> files = headers(run.out()).stream().map(h -> h.substring(h.lastIndexOf('(') + 1)).toList();
        assertEquals(List.of("../examples/manifests/allow-pod.yaml)", "../examples/manifests/deny-pod.yaml)",
                "../examples/manifests/list.yaml#1.1)", "../examples/manifests/list.yaml#1.2)",
                "../examples/manifests/multi-document.yaml)", "../examples/manifests/multi-document.yaml#2)",
                "../examples/manifests/multi-document.yaml#3)", "../examples/manifests/multi-document.yaml#4)",
                "../examples/manifests/warn-deployment.yaml)"), files);
        assertTrue(run.out().endsWith("\n9 resources: 2 allowed, 2 warned, 2 denied, 3 skipped\n"), run::toString);
    }

    @Test
    void standardInputIsReadLikeAFileSoRenderedManifestsCanBePipedIn() throws Exception {
        String rendered = Files.readString(Path.of(MANIFESTS, "warn-deployment.yaml")) + "---\n"
                + Files.readString(Path.of(MANIFESTS, "deny-pod.yaml"));
        CheckRun run = withStdin(rendered, "-f", "-", "--stdin-name", "rendered/app.yaml");
        assertEquals(1, run.exit(), run::toString);
        assertEquals(List.of("Deployment team-blue/worker: allowed with 1 warning (rendered/app.yaml)",
                "Pod team-blue/web: denied (rendered/app.yaml#2)"), headers(run.out()));
        assertTrue(run.out().contains(DENY_POD_MESSAGE), run::toString);
    }

    @Test
    void aJsonListOnStandardInputIsUnpacked() {
        String json = """
                {"apiVersion": "v1", "kind": "PodList", "items": [
                  {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "team-blue"},
                   "spec": {"containers": [{"name": "a",
                     "image": "111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/api:1.4.2"}]}},
                  {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b", "namespace": "team-blue"},
                   "spec": {"containers": [{"name": "b", "image": "nginx:latest"}]}}]}
                """;
        CheckRun run = withStdin(json, "-f", "-");
        assertEquals(1, run.exit(), run::toString);
        assertEquals(List.of("Pod team-blue/a: allowed (stdin#1.1)", "Pod team-blue/b: denied (stdin#1.2)"),
                headers(run.out()));
    }

    static Stream<Arguments> namespaces() {
        return Stream.of(
                Arguments.of(List.of(), "default"),
                Arguments.of(List.of("--namespace", "team-blue"), "team-blue"),
                Arguments.of(List.of("-n", "team-blue"), "team-blue"));
    }

    @ParameterizedTest(name = "a manifest without a namespace is checked in {1} given {0}")
    @MethodSource("namespaces")
    void aManifestWithoutANamespaceIsCheckedInTheNamespaceGivenElseDefault(List<String> flags, String namespace) {
        String pod = """
                apiVersion: v1
                kind: Pod
                metadata: {name: debug}
                spec:
                  containers: [{name: debug, image: "docker.io/library/busybox:1.36"}]
                """;
        List<String> args = new ArrayList<>(List.of("-f", "-"));
        args.addAll(flags);
        CheckRun run = withStdin(pod, args.toArray(String[]::new));
        // team-namespaces allows only ECR images in team-* namespaces; the baseline only warns about other registries
        assertEquals(namespace.equals("default") ? 0 : 1, run.exit(), run::toString);
        assertTrue(headers(run.out()).get(0).startsWith("Pod " + namespace + "/debug: "), run::toString);
    }

    @Test
    void aManifestsOwnNamespaceWinsOverTheFlag() {
        CheckRun run = check("-f", MANIFESTS + "deny-pod.yaml", "--namespace", "kube-system");
        assertEquals(List.of("Pod team-blue/web: denied (" + MANIFESTS + "deny-pod.yaml)"), headers(run.out()));
    }

    record BadInput(String description, List<String> args, String stdin, String error) {
        @Override
        public String toString() {
            return description;
        }
    }

    static Stream<BadInput> badInputs() {
        String dir = "src/test/resources/check/";
        return Stream.of(
                new BadInput("a YAML syntax error names file, line and column",
                        List.of("-f", dir + "syntax-error.yaml"), "",
                        "ecrgate check: " + dir + "syntax-error.yaml:9:6: invalid YAML: "),
                new BadInput("a JSON syntax error on standard input names line and column",
                        List.of("-f", "-"), "{\"apiVersion\": \"v1\",\n \"kind\": Pod}",
                        "ecrgate check: stdin:2:10: invalid JSON: "),
                new BadInput("a duplicate key is an error, as in kubectl's strict decoding",
                        List.of("-f", dir + "duplicate-key.yaml"), "",
                        "ecrgate check: " + dir + "duplicate-key.yaml:10:7: duplicate key \"image\" (first at line 9)"),
                new BadInput("a document that is not a Kubernetes object",
                        List.of("-f", "-"), "metadata: {name: x}\n",
                        "ecrgate check: stdin:1:1: document 1 is not a Kubernetes object: it has no apiVersion"),
                new BadInput("a field of the wrong type names the object",
                        List.of("-f", "-"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: 7}\n",
                        "ecrgate check: stdin:1:1: Pod default/p: cannot read it as a Pod: "),
                new BadInput("a file that does not exist",
                        List.of("-f", dir + "missing.yaml"), "",
                        "ecrgate check: " + dir + "missing.yaml: no such file or directory"),
                new BadInput("an unknown output format",
                        List.of("-f", MANIFESTS + "allow-pod.yaml", "--output", "html"), "",
                        "ecrgate check: unknown --output html: use text, json, junit or sarif"),
                new BadInput("a deadline that is not a duration",
                        List.of("-f", MANIFESTS + "allow-pod.yaml", "--deadline", "soon"), "",
                        "ecrgate check: invalid --deadline soon: "),
                new BadInput("policies that do not load",
                        List.of("-f", MANIFESTS + "allow-pod.yaml", "--policies", dir + "bad-policies"), "",
                        "ecrgate check: cannot load policies from " + dir + "bad-policies:\necrgate check: " + dir
                                + "bad-policies/policy.yaml:8:5: spec.vulnerabilities.maxCount: unknown field"),
                new BadInput("a policies directory that does not exist, in plain words",
                        List.of("-f", MANIFESTS + "allow-pod.yaml", "--policies", dir + "no-such-policies"), "",
                        "ecrgate check: " + dir + "no-such-policies: cannot read policy directory: no such file or"
                                + " directory\n"),
                new BadInput("findings that do not load",
                        List.of("-f", MANIFESTS + "allow-pod.yaml", "--findings", dir + "no-such-findings"), "",
                        "ecrgate check: cannot read findings from " + dir + "no-such-findings: "));
    }

    @ParameterizedTest(name = "{0}: exit 2 and a clear message")
    @MethodSource("badInputs")
    void badInputExitsWithTwoAndAClearMessageWithoutAStackTrace(BadInput bad) {
        List<String> args = new ArrayList<>(List.of("check"));
        if (!bad.args().contains("--policies")) {
            args.addAll(List.of("--policies", POLICIES));
        }
        if (!bad.args().contains("--findings")) {
            args.addAll(List.of("--findings", FINDINGS));
        }
        args.addAll(bad.args());
        CheckRun run = raw(bad.stdin(), args.toArray(String[]::new));
        assertEquals(2, run.exit(), run::toString);
        assertEquals("", run.out(), run::toString);
        assertTrue(run.err().startsWith(bad.error()), run::toString);
        assertFalse(run.err().contains("\tat "), run::toString);
        assertFalse(run.err().contains("Exception"), run::toString);
    }

    @Test
    void everyUnreadableFileIsReportedNotJustTheFirst() {
        CheckRun run = check("-f", "src/test/resources/check/syntax-error.yaml", "-f",
                "src/test/resources/check/duplicate-key.yaml");
        assertEquals(2, run.exit(), run::toString);
        assertEquals(2, run.err().lines().count(), run::toString);
    }

    @Test
    void withoutAFileItIsAUsageError() {
        CheckRun run = raw("", "check", "--policies", POLICIES);
        assertEquals(2, run.exit(), run::toString);
        assertTrue(run.err().contains("Missing required option: '--filename=FILE|DIR|-'"), run::toString);
    }

    @Test
    void helpShowsHowToPipeRenderedManifestsAndRunInGitHubActions() {
        CheckRun run = raw("", "check", "--help");
        assertEquals(0, run.exit(), run::toString);
        for (String expected : List.of("kubectl kustomize overlays/prod | ecrgate check -f -",
                "helm template web charts/web", "github/codeql-action/upload-sarif", "--output sarif",
                "Exit codes: 0")) {
            assertTrue(run.out().contains(expected), () -> expected + " in\n" + run.out());
        }
    }

    @Test
    void emptyDocumentsAndCommentsAreNotResources(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("empty.yaml");
        Files.writeString(file, "# nothing yet\n---\n---\n# still nothing\n");
        CheckRun run = check("-f", file.toString());
        assertEquals(0, run.exit(), run::toString);
        assertEquals("0 resources: 0 allowed, 0 warned, 0 denied, 0 skipped\n", run.out());
    }

    @Test
    void aKindThatLivesInNoNamespaceIsShownWithoutOne(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cluster.yaml");
        Files.writeString(file, """
                apiVersion: v1
                kind: Namespace
                metadata: {name: ecrgate}
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata: {name: ecrgate}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: settings}
                """);
        CheckRun run = check("-f", file.toString());
        assertEquals(0, run.exit(), run::toString);
        assertTrue(run.out().contains("\nNamespace ecrgate: skipped") || run.out().startsWith("Namespace ecrgate: skipped"),
                run::toString);
        assertTrue(run.out().contains("\nClusterRole ecrgate: skipped"), run::toString);
        assertTrue(run.out().contains("\nConfigMap default/settings: skipped"), run::toString);
        JsonNode json = new ObjectMapper().readTree(check("-f", file.toString(), "--output", "json").out());
        assertFalse(json.toString().contains("\"namespace\":\"default\",\"name\":\"ecrgate\""), json::toString);
    }

    @Test
    void aNameFromAFileCannotReorderTheReport(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("forged.yaml");
        Files.writeString(file, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \"cfg\u202Edeniedtxt\"}\n");
        for (String format : List.of("text", "junit", "sarif", "json")) {
            CheckRun run = check("-f", file.toString(), "--output", format);
            assertEquals(0, run.exit(), run::toString);
            assertFalse(run.out().contains("\u202E"), () -> format + ": " + run);
        }
        assertTrue(check("-f", file.toString()).out().contains("ConfigMap default/cfg\\u202Edeniedtxt: skipped"));
    }

    @Test
    void warningsAreShownWholeNotCutForKubectl(@TempDir Path dir) throws Exception {
        Path policies = Files.createDirectories(dir.resolve("policies"));
        Files.writeString(policies.resolve("p.yaml"), """
                apiVersion: ecrgate.dev/v1
                kind: ImagePolicy
                metadata: {name: expired-ignore-with-a-long-name}
                spec:
                  vulnerabilities:
                    maxCounts: {CRITICAL: 9}
                    ignore:
                      - id: CVE-2024-6387
                        reason: "a reason that is long enough to push the date past one hundred and twenty characters"
                        expires: "2020-01-31"
                """);
        for (String format : List.of("text", "json", "junit", "sarif")) {
            CheckRun run = raw("", "check", "--policies", policies.toString(), "--findings", FINDINGS, "-f",
                    MANIFESTS + "deny-pod.yaml", "--output", format);
            assertTrue(run.out().contains("expired on 2020-01-31 and no longer applies"), () -> format + ": " + run);
        }
    }

    /**
     * The examples do not expire: every example manifest gets the same answer on the day its findings were recorded,
     * today, and years later (README's answers are these). Only production-strict has a maxScanAge, and no example
     * runs in production; explain --now shows that policy's scan age (ExplainCommandTest).
     */
    @ParameterizedTest(name = "the example manifests get today''s answers on {0}")
    @ValueSource(strings = {"2026-11-30", "2027-12-31", "2031-06-30T12:00:00Z"})
    void theExamplesGetTheSameAnswersOnAnyDate(String date) {
        CheckRun today = check("-f", MANIFESTS);
        CheckRun then = check("-f", MANIFESTS, "--now", date);
        assertEquals(today.exit(), then.exit(), then::toString);
        assertEquals(today.out(), then.out());
    }

    @Test
    void anInvalidNowIsAUsageError() {
        CheckRun run = check("-f", MANIFESTS + "allow-pod.yaml", "--now", "soon");
        assertEquals(2, run.exit(), run::toString);
        assertTrue(run.err().startsWith("ecrgate check: invalid --now \"soon\": expected a date"), run::toString);
    }

    /** The first line of each block: what was checked and the outcome. */
    static List<String> headers(String out) {
        return out.lines().filter(l -> l.matches("[A-Za-z]+ [^ /]+/[^ ]+: (allowed|denied|skipped).*")).toList();
    }
}
