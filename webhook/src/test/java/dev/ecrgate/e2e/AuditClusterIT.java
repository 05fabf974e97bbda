package dev.ecrgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ecrgate.certs.CaSpec;
import dev.ecrgate.certs.CertificateAuthority;
import dev.ecrgate.certs.PemFiles;
import dev.ecrgate.certs.ServerCertificateSpec;
import dev.ecrgate.findings.ecr.EcrDouble;
import dev.ecrgate.kube.KubeControlPlane;
import dev.ecrgate.kube.ProcessResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The background audit against a real kube-apiserver: ecrgate (the jar, as a process) admits workloads as the
 * webhook of the namespace {@value #NS}, and audits them with {@code --audit=true}, writing Reports into the CRD that
 * {@code deploy/} ships. The ECR double's facts are then made worse, a policy is tightened, the facts are fixed and
 * the workload deleted; every step is read back from the API server as kubectl shows it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuditClusterIT {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final String NS = "team-audit-" + Long.toString(System.currentTimeMillis(), 36);
    static final String ACCOUNT = "111122223333";
    static final String HOST = ACCOUNT + ".dkr.ecr.us-east-1.amazonaws.com";
    static final String API = "sha256:" + "a1".repeat(32);
    static final String WEB = "sha256:" + "b2".repeat(32);
    static final String JOBS = "sha256:" + "c3".repeat(32);
    static final Duration WITHIN = Duration.ofSeconds(5);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path work;
    static KubeControlPlane kube;
    static EcrDouble ecr;
    static CertificateAuthority ca;
    static Path policies;
    static final List<EcrgateProcess> replicas = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        kube = KubeControlPlane.shared();
        kube.namespace(NS);
        kube.namespace("ecrgate");
        ProcessResult crd = kube.kubectl("apply", "-f", ROOT.resolve("deploy/base/crd-openreports-report.yaml")
                .toString());
        assertEquals(0, crd.exitCode(), crd.stderr());
        assertEquals(0, kube.kubectl("wait", "--for=condition=Established", "--timeout=60s",
                "crd/reports.openreports.io").exitCode());

        ecr = EcrDouble.start();
        ecr.repository(ACCOUNT, NS + "/api", "MUTABLE");
        ecr.image(ACCOUNT, NS + "/api", API, "1.0.0");
        ecr.scan(ACCOUNT, NS + "/api", API, "COMPLETE", Instant.now(), List.of(), List.of());
        ecr.repository(ACCOUNT, NS + "/web", "MUTABLE");
        ecr.image(ACCOUNT, NS + "/web", WEB, "2.0.0");
        ecr.scan(ACCOUNT, NS + "/web", WEB, "COMPLETE", Instant.now(),
                List.of(new EcrDouble.BasicFinding("CVE-2026-2222", "HIGH", "libcurl", "8.1.0")), List.of());
        ecr.repository(ACCOUNT, NS + "/jobs", "MUTABLE");
        ecr.image(ACCOUNT, NS + "/jobs", JOBS, "3.0.0");
        ecr.scan(ACCOUNT, NS + "/jobs", JOBS, "COMPLETE", Instant.now(), List.of(), List.of());

        policies = work.resolve("policies");
        Files.createDirectories(policies);
        try (Stream<Path> files = Files.list(ROOT.resolve("policies"))) {
            for (Path f : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".yaml"))::iterator) {
                Files.copy(f, policies.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Instant now = Instant.now();
        ca = CertificateAuthority.generate(CaSpec.defaults().withCommonName("audit CA"), now);
        replicas.add(replica("ecrgate-a"));
        webhookFor(replicas.get(0).port());
    }

    /** One replica: the webhook and, when it holds the lease, the audit. */
    static EcrgateProcess replica(String name) throws Exception {
        Path tls = work.resolve("tls-" + name);
        Files.createDirectories(tls);
        var material = ca.issue(ServerCertificateSpec.forNames("127.0.0.1"), Instant.now());
        Files.writeString(tls.resolve("tls.crt"), PemFiles.toPem(material.chain()));
        Files.writeString(tls.resolve("tls.key"), PemFiles.toPem(material.key()));
        Map<String, String> env = Map.of("AWS_ACCESS_KEY_ID", "AKIDTEST", "AWS_SECRET_ACCESS_KEY", "secret",
                "AWS_ENDPOINT_URL_ECR", ecr.endpoint().toString(), "KUBECONFIG", kube.kubeconfig().toString(),
                "POD_NAME", name, "POD_NAMESPACE", "ecrgate");
        return EcrgateProcess.start(EcrgateProcess.freePort(), ca.certificate(), env, work,
                "--policies=" + policies, "--host=127.0.0.1", "--tls-cert=" + tls.resolve("tls.crt"),
                "--tls-key=" + tls.resolve("tls.key"), "--reload-interval=200ms", "--cache-scan-refresh=200ms",
                "--cache-mutable-tag-refresh=200ms", "--cache-negative-refresh=200ms", "--drain=0s",
                "--audit=true", "--audit-interval=1s");
    }

    /** A webhook configuration of this test's own, for its namespace only. */
    static void webhookFor(int port) throws Exception {
        String bundle = Base64.getEncoder().encodeToString(PemFiles.toPem(ca.certificate())
                .getBytes(StandardCharsets.US_ASCII));
        String yaml = "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\n"
                + "metadata: {name: ecrgate-audit-it}\nwebhooks:\n  - name: audit-it.ecrgate.dev\n"
                + "    admissionReviewVersions: [v1]\n    sideEffects: None\n    failurePolicy: Fail\n"
                + "    timeoutSeconds: 10\n"
                + "    namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: " + NS + "}}\n"
                + "    rules:\n      - apiGroups: [\"\", apps, batch]\n        apiVersions: [v1]\n"
                + "        operations: [CREATE, UPDATE]\n"
                + "        resources: [pods, deployments, replicasets, statefulsets, daemonsets, jobs, cronjobs]\n"
                + "    clientConfig:\n      url: https://127.0.0.1:" + port + "/validate\n      caBundle: " + bundle
                + "\n";
        ProcessResult r = kube.kubectl(yaml, Duration.ofSeconds(30), "apply", "-f", "-");
        assertEquals(0, r.exitCode(), r.stderr());
        // a new configuration takes a moment: wait until a pod with an image from elsewhere is refused
        String bad = "apiVersion: v1\nkind: Pod\nmetadata: {name: probe, namespace: " + NS + "}\n"
                + "spec: {containers: [{name: probe, image: docker.io/library/nginx:1.27}]}\n";
        await("the webhook to refuse an image from outside ECR", () -> {
            ProcessResult p = kube.kubectl(bad, Duration.ofSeconds(30), "apply", "--dry-run=server", "-f", "-");
            return p.exitCode() == 1 && p.stderr().contains("denied the request") ? Optional.of(true)
                    : Optional.empty();
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (kube != null) {
            kube.kubectl("delete", "validatingwebhookconfiguration", "ecrgate-audit-it", "--ignore-not-found");
            kube.kubectl("delete", "namespace", NS, "--ignore-not-found", "--wait=false");
        }
        for (EcrgateProcess p : replicas) {
            p.close();
        }
        if (ecr != null) {
            ecr.close();
        }
    }

    static String deployment(String name, String image) {
        return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: " + name + ", namespace: " + NS + "}\n"
                + "spec:\n  replicas: 2\n  selector: {matchLabels: {app: " + name + "}}\n  template:\n"
                + "    metadata: {labels: {app: " + name + "}}\n"
                + "    spec: {containers: [{name: " + name + ", image: " + image + "}]}\n";
    }

    static void apply(String yaml) {
        ProcessResult r = kube.kubectl(yaml, Duration.ofSeconds(30), "apply", "-f", "-");
        assertEquals(0, r.exitCode(), "admission must allow it: " + r.stdout() + r.stderr());
    }

    /** The Report as {@code kubectl get reports -o json} shows it, once one exists. */
    static Optional<JsonNode> report(String name) throws Exception {
        ProcessResult r = kube.kubectl("-n", NS, "get", "reports.openreports.io", name, "-o", "json",
                "--ignore-not-found");
        return r.exitCode() == 0 && !r.stdout().isBlank() ? Optional.of(JSON.readTree(r.stdout())) : Optional.empty();
    }

    static JsonNode awaitReport(String name, String what, java.util.function.Predicate<JsonNode> until)
            throws Exception {
        return await("report " + name + " " + what, () -> report(name).filter(until));
    }

    static <T> T await(String what, Callable<Optional<T>> probe) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Optional<T> seen = Optional.empty();
        while (System.nanoTime() < deadline) {
            seen = probe.call();
            if (seen.isPresent()) {
                return seen.get();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what + "\n" + replicas.get(0).output());
    }

    static long seconds(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos).toSeconds();
    }

    static int summary(JsonNode report, String verdict) {
        return report.path("summary").path(verdict).asInt(-1);
    }

    /** A meter's value on {@code /metrics}; 0 for a counter that has not counted anything yet. */
    static double metric(EcrgateProcess p, String name, String labels) throws Exception {
        String selector = labels.isEmpty() ? "(\\{[^}]*})?" : "\\{[^}]*" + Pattern.quote(labels) + "[^}]*}";
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + selector + "\\s+(\\S+)$")
                .matcher(p.get("/metrics"));
        return m.find() ? Double.parseDouble(m.group(m.groupCount())) : 0;
    }

    static List<JsonNode> events(String name) throws Exception {
        ProcessResult r = kube.kubectl("-n", NS, "get", "events", "--field-selector",
                "involvedObject.name=" + name + ",reason=ImagePolicyViolation", "-o", "json");
        assertEquals(0, r.exitCode(), r.stderr());
        List<JsonNode> out = new ArrayList<>();
        JSON.readTree(r.stdout()).path("items").forEach(out::add);
        return out;
    }

    @Test
    @Order(1)
    void reportsAnAdmittedDeploymentAndABarePodAsPassing() throws Exception {
        apply(deployment("api", HOST + "/" + NS + "/api:1.0.0"));
        apply("apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: " + NS + "}\n"
                + "spec: {containers: [{name: web, image: " + HOST + "/" + NS + "/web:2.0.0}]}\n");

        JsonNode api = awaitReport("ecrgate-deployment-api", "passing", r -> summary(r, "pass") > 0);
        assertEquals(0, summary(api, "fail"), api.toPrettyString());
        assertEquals("Deployment", api.path("scope").path("kind").asText());
        JsonNode owner = api.path("metadata").path("ownerReferences").get(0);
        assertEquals("api", owner.path("name").asText());
        assertEquals(kube.kubectl("-n", NS, "get", "deployment", "api", "-o", "jsonpath={.metadata.uid}").stdout(),
                owner.path("uid").asText());
        JsonNode web = awaitReport("ecrgate-pod-web", "passing", r -> summary(r, "pass") > 0);
        assertEquals(0, summary(web, "fail"), web.toPrettyString());
        ProcessResult table = kube.kubectl("-n", NS, "get", "reports");
        assertTrue(table.stdout().contains("Deployment") && table.stdout().contains("PASS"), table.stdout());
    }

    @Test
    @Order(2)
    void aCvePublishedAfterAdmissionFailsTheReportWithinSecondsWithAnEventAndMetrics() throws Exception {
        awaitReport("ecrgate-deployment-api", "passing", r -> summary(r, "pass") > 0 && summary(r, "fail") == 0);
        double writesBefore = metric(replicas.get(0), "ecrgate_audit_writes_total", "kind=\"event\"");
        long started = System.nanoTime();
        ecr.scan(ACCOUNT, NS + "/api", API, "COMPLETE", Instant.now(),
                List.of(new EcrDouble.BasicFinding("CVE-2026-1111", "CRITICAL", "openssl", "3.0.1")), List.of());

        JsonNode api = awaitReport("ecrgate-deployment-api", "failing", r -> summary(r, "fail") > 0);
        long took = seconds(started);
        assertTrue(took <= WITHIN.toSeconds(), "the report failed after " + took + " s");
        JsonNode failed = null;
        for (JsonNode result : api.path("results")) {
            if ("fail".equals(result.path("result").asText())
                    && "vulnerabilities.maxCounts".equals(result.path("rule").asText())) {
                failed = result;
            }
        }
        assertTrue(failed != null, api.toPrettyString());
        assertEquals("critical", failed.path("severity").asText());
        assertEquals("CVE-2026-1111", failed.path("properties").path("cves").asText());
        assertEquals(API, failed.path("properties").path("digest").asText());
        assertEquals("CRITICAL=1", failed.path("properties").path("counts").asText());
        assertTrue(failed.path("message").asText().contains("CVE-2026-1111 CRITICAL openssl 3.0.1"),
                failed.path("message").asText());

        List<JsonNode> events = await("the Warning event", () -> {
            List<JsonNode> e = events("api");
            return e.isEmpty() ? Optional.empty() : Optional.of(e);
        });
        assertEquals(1, events.size(), events.toString());
        assertEquals("Warning", events.get(0).path("type").asText());
        assertEquals("Deployment", events.get(0).path("involvedObject").path("kind").asText());
        assertTrue(events.get(0).path("message").asText().contains("CVE-2026-1111"), events.toString());
        await("the metrics to count the failing owner", () ->
                metric(replicas.get(0), "ecrgate_audit_workloads", "result=\"fail\"") >= 1 ? Optional.of(true)
                        : Optional.empty());
        assertEquals(writesBefore + 1, metric(replicas.get(0), "ecrgate_audit_writes_total", "kind=\"event\""));
    }

    @Test
    @Order(3)
    void fixedFactsPassAgainWithoutAnotherEvent() throws Exception {
        ecr.scan(ACCOUNT, NS + "/api", API, "COMPLETE", Instant.now(), List.of(), List.of());
        long started = System.nanoTime();
        awaitReport("ecrgate-deployment-api", "passing again", r -> summary(r, "fail") == 0 && summary(r, "pass") > 0);
        assertTrue(seconds(started) <= WITHIN.toSeconds());
        Thread.sleep(1500);
        assertEquals(1, events("api").size(), "passing makes no event");
    }

    @Test
    @Order(4)
    void aTightenedPolicyFailsARunningPodWithinSeconds() throws Exception {
        long started = System.nanoTime();
        Files.writeString(policies.resolve("40-audit-strict.yaml"), "apiVersion: ecrgate.dev/v1\nkind: ImagePolicy\n"
                + "metadata: {name: audit-strict}\nspec:\n  namespaces: [" + NS + "]\n  mode: enforce\n"
                + "  vulnerabilities:\n    maxCounts: {HIGH: 0}\n");
        JsonNode web = awaitReport("ecrgate-pod-web", "failing under the new policy", r -> summary(r, "fail") > 0);
        assertTrue(seconds(started) <= WITHIN.toSeconds(), "took " + seconds(started) + " s");
        assertTrue(web.toString().contains("\"policy\":\"audit-strict\""), web.toPrettyString());
        assertTrue(web.toString().contains("CVE-2026-2222"), web.toPrettyString());
        Files.delete(policies.resolve("40-audit-strict.yaml"));
        awaitReport("ecrgate-pod-web", "passing once the policy is gone", r -> summary(r, "fail") == 0);
    }

    @Test
    @Order(5)
    void podsAreReportedUnderTheOwnerAtTheTopOfTheirChain() throws Exception {
        apply("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly, namespace: " + NS + "}\n"
                + "spec:\n  schedule: \"0 3 * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n"
                + "          restartPolicy: Never\n"
                + "          containers: [{name: jobs, image: " + HOST + "/" + NS + "/jobs:3.0.0}]\n");
        String cronUid = kube.kubectl("-n", NS, "get", "cronjob", "nightly", "-o", "jsonpath={.metadata.uid}")
                .stdout();
        // what the CronJob controller would make (this control plane runs no controllers): a Job, and its Pod
        apply("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: nightly-1\n  namespace: " + NS + "\n"
                + "  ownerReferences: [{apiVersion: batch/v1, kind: CronJob, name: nightly, uid: " + cronUid
                + ", controller: true}]\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n"
                + "      containers: [{name: jobs, image: " + HOST + "/" + NS + "/jobs:3.0.0}]\n");
        String jobUid = kube.kubectl("-n", NS, "get", "job", "nightly-1", "-o", "jsonpath={.metadata.uid}").stdout();
        apply("apiVersion: v1\nkind: Pod\nmetadata:\n  name: nightly-1-abcde\n  namespace: " + NS + "\n"
                + "  ownerReferences: [{apiVersion: batch/v1, kind: Job, name: nightly-1, uid: " + jobUid
                + ", controller: true}]\nspec:\n  restartPolicy: Never\n"
                + "  containers: [{name: jobs, image: " + HOST + "/" + NS + "/web:2.0.0}]\n");

        JsonNode cron = awaitReport("ecrgate-cronjob-nightly", "with the pod's image",
                r -> r.toString().contains("/web:2.0.0"));
        assertTrue(cron.toString().contains("/jobs:3.0.0"), "the template's image, too: " + cron.toPrettyString());
        Thread.sleep(1500);
        assertTrue(report("ecrgate-job-nightly-1").isEmpty(), "the Job answers to its CronJob");
        assertTrue(report("ecrgate-pod-nightly-1-abcde").isEmpty(), "the Pod answers to its CronJob");
    }

    @Test
    @Order(6)
    void anUnchangedWorldWritesNothing() throws Exception {
        EcrgateProcess leader = replicas.get(0);
        Thread.sleep(2000);
        double applies = metric(leader, "ecrgate_audit_writes_total", "kind=\"apply\"");
        double deletes = metric(leader, "ecrgate_audit_writes_total", "kind=\"delete\"");
        double lastRun = metric(leader, "ecrgate_audit_last_run_timestamp_seconds", "");
        Thread.sleep(3500);
        assertTrue(metric(leader, "ecrgate_audit_last_run_timestamp_seconds", "") > lastRun, "the audit kept running");
        assertEquals(applies, metric(leader, "ecrgate_audit_writes_total", "kind=\"apply\""));
        assertEquals(deletes, metric(leader, "ecrgate_audit_writes_total", "kind=\"delete\""));
    }

    @Test
    @Order(7)
    void aDeletedWorkloadsReportIsGone() throws Exception {
        assertEquals(0, kube.kubectl("-n", NS, "delete", "deployment", "api").exitCode());
        long started = System.nanoTime();
        await("the report to be deleted", () -> report("ecrgate-deployment-api").isEmpty() ? Optional.of(true)
                : Optional.empty());
        assertTrue(seconds(started) <= WITHIN.toSeconds());
    }

    @Test
    @Order(8)
    void oneReplicaLeadsAndAnotherTakesOverWhenItStops() throws Exception {
        replicas.add(replica("ecrgate-b"));
        EcrgateProcess a = replicas.get(0);
        EcrgateProcess b = replicas.get(1);
        Thread.sleep(3000);
        assertEquals(1.0, metric(a, "ecrgate_audit_leader", ""));
        assertEquals(0.0, metric(b, "ecrgate_audit_leader", ""));
        assertEquals("ecrgate-a", kube.kubectl("-n", "ecrgate", "get", "lease", "ecrgate-audit", "-o",
                "jsonpath={.spec.holderIdentity}").stdout());

        a.close();
        long started = System.nanoTime();
        await("replica b to lead", () -> metric(b, "ecrgate_audit_leader", "") == 1.0 ? Optional.of(true)
                : Optional.empty());
        long took = seconds(started);
        assertTrue(took <= 20, "took over after " + took + " s");
        // the new leader reads the reports the old one wrote and keeps them: the world did not change
        Thread.sleep(2000);
        assertEquals(0.0, metric(b, "ecrgate_audit_writes_total", "kind=\"apply\""), b.output());
    }
}
