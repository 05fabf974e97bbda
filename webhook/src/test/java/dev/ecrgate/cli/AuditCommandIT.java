package dev.ecrgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ecrgate.kube.KubeControlPlane;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ecrgate audit} against a real kube-apiserver. The control plane runs no controllers, so the test makes
 * what they would: a Deployment in the middle of a rollout (its template runs {@code api:1.1.0}, the ReplicaSet it
 * owns and that ReplicaSet's Pod still {@code api:1.0.0}), and a bare Pod running {@code web:2.0.0}, which has a
 * CRITICAL finding in the recorded facts. A second namespace, labelled {@code ecrgate.dev/ignore=true}, runs the
 * same bad image and must not be reported. No webhook is registered: creating the objects just works.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuditCommandIT {
    static final String ACCOUNT = "111122223333";
    static final String HOST = ACCOUNT + ".dkr.ecr.us-east-1.amazonaws.com";
    static final String SUFFIX = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    static final String NS = "audit-cli-" + SUFFIX;
    static final String IGNORED = "audit-cli-ignored-" + SUFFIX;
    static final String API_OLD = HOST + "/team/api:1.0.0";
    static final String API_NEW = HOST + "/team/api:1.1.0";
    static final String WEB = HOST + "/team/web:2.0.0";
    static final String NOW = "2027-01-15";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path work;
    static KubeControlPlane kube;
    static Path policies;
    static Path findings;
    static final List<HasMetadata> created = new ArrayList<>();

    @BeforeAll
    static void cluster() throws Exception {
        kube = KubeControlPlane.shared();
        KubernetesClient client = kube.client();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
                .create();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(IGNORED)
                .addToLabels("ecrgate.dev/ignore", "true").endMetadata().build()).create();

        Deployment api = client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder()
                .withNewMetadata().withName("api").endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", "api").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "api").endMetadata()
                .withNewSpec().addNewContainer().withName("api").withImage(API_NEW).endContainer().endSpec()
                .endTemplate().endSpec().build()).create();
        ReplicaSet old = client.apps().replicaSets().inNamespace(NS).resource(new ReplicaSetBuilder()
                .withNewMetadata().withName("api-7d9f").addToLabels("app", "api").withOwnerReferences(owner(api))
                .endMetadata()
                .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", "api").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "api").endMetadata()
                .withNewSpec().addNewContainer().withName("api").withImage(API_OLD).endContainer().endSpec()
                .endTemplate().endSpec().build()).create();
        Pod oldPod = client.pods().inNamespace(NS).resource(new PodBuilder()
                .withNewMetadata().withName("api-7d9f-x2k4q").addToLabels("app", "api").withOwnerReferences(owner(old))
                .endMetadata()
                .withNewSpec().addNewContainer().withName("api").withImage(API_OLD).endContainer().endSpec()
                .build()).create();
        Pod debug = client.pods().inNamespace(NS).resource(pod("debug")).create();
        Pod ignored = client.pods().inNamespace(IGNORED).resource(pod("debug")).create();
        created.addAll(List.of(api, old, oldPod, debug, ignored));

        policies = Files.createDirectories(work.resolve("policies"));
        Files.writeString(policies.resolve("no-critical.yaml"), """
                apiVersion: ecrgate.dev/v1
                kind: ImagePolicy
                metadata: {name: no-critical}
                spec:
                  namespaces: ["audit-cli-*"]
                  mode: enforce
                  registries:
                    ecr: [{account: "111122223333", regions: ["us-east-1"]}]
                    others: deny
                  vulnerabilities:
                    maxCounts: {CRITICAL: 0}
                """);
        findings = Files.createDirectories(work.resolve("findings"));
        Files.writeString(findings.resolve("images.json"), """
                {"imageDetails": [
                  {"registryId": "111122223333", "repositoryName": "team/api", "imageDigest": "%s",
                   "imageTags": ["1.0.0"]},
                  {"registryId": "111122223333", "repositoryName": "team/api", "imageDigest": "%s",
                   "imageTags": ["1.1.0"]},
                  {"registryId": "111122223333", "repositoryName": "team/web", "imageDigest": "%s",
                   "imageTags": ["2.0.0"]}]}
                """.formatted(digest("a1"), digest("a2"), digest("b1")));
        Files.writeString(findings.resolve("scan-api-1.0.0.json"), scan("team/api", "1.0.0", digest("a1"), false));
        Files.writeString(findings.resolve("scan-api-1.1.0.json"), scan("team/api", "1.1.0", digest("a2"), false));
        Files.writeString(findings.resolve("scan-web-2.0.0.json"), scan("team/web", "2.0.0", digest("b1"), true));
    }

    @AfterAll
    static void cleanUp() {
        if (kube != null) {
            KubernetesClient client = kube.client();
            for (HasMetadata o : created) {
                client.resource(o).delete();
            }
            client.namespaces().withName(NS).delete();
            client.namespaces().withName(IGNORED).delete();
        }
    }

    static OwnerReference owner(HasMetadata o) {
        return new OwnerReferenceBuilder().withApiVersion(o.getApiVersion()).withKind(o.getKind())
                .withName(o.getMetadata().getName()).withUid(o.getMetadata().getUid()).withController(true)
                .withBlockOwnerDeletion(true).build();
    }

    static Pod pod(String name) {
        return new PodBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().addNewContainer().withName(name).withImage(WEB).endContainer().endSpec().build();
    }

    static String digest(String hex) {
        return "sha256:" + hex.repeat(32);
    }

    /** {@code aws ecr describe-image-scan-findings} output: clean, or with one CRITICAL finding. */
    static String scan(String repository, String tag, String digest, boolean critical) {
        String finding = """
                {"name": "CVE-2026-4242", "severity": "CRITICAL", "attributes": [
                  {"key": "package_name", "value": "openssl"}, {"key": "package_version", "value": "3.0.13"}]}""";
        return """
                {"registryId": "111122223333", "repositoryName": "%s",
                 "imageId": {"imageDigest": "%s", "imageTag": "%s"},
                 "imageScanStatus": {"status": "COMPLETE"},
                 "imageScanFindings": {"imageScanCompletedAt": "2027-01-10T10:00:00Z",
                   "findingSeverityCounts": {%s}, "findings": [%s]}}
                """.formatted(repository, digest, tag, critical ? "\"CRITICAL\": 1" : "",
                critical ? finding : "");
    }

    static CommandOutput audit(String... args) {
        List<String> all = new ArrayList<>(List.of("audit", "--kubeconfig", kube.kubeconfig().toString(),
                "--policies", policies.toString(), "--findings", findings.toString(), "--now", NOW));
        all.addAll(List.of(args));
        return CommandOutput.run(all.toArray(String[]::new));
    }

    /** The table's rows as cells (columns are two or more spaces apart), without the header and the summary. */
    static List<List<String>> rows(String text) {
        List<String> lines = text.lines().toList();
        assertEquals(AuditTable.HEADER, Arrays.asList(lines.get(0).split(" {2,}")), text);
        List<List<String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isEmpty()) {
                break;
            }
            rows.add(Arrays.asList(line.split(" {2,}", 8)));
        }
        return rows;
    }

    @Test
    @Order(1)
    void theTableShowsEachRunningImageUnderItsTopOwnerAndExitsOneForTheFailure() {
        CommandOutput r = audit("-n", NS);
        assertEquals(1, r.exit(), r.toString());
        assertEquals("", r.err(), r.toString());
        List<List<String>> rows = rows(r.out());
        assertEquals(List.of(
                List.of(NS, "Deployment/api", "api", API_NEW, "no-critical", "-", "pass", "no rule broken"),
                List.of(NS, "Deployment/api", "api", API_OLD, "no-critical", "-", "pass", "no rule broken")),
                rows.subList(0, 2), r.out());
        assertEquals(3, rows.size(), r.out());
        List<String> failing = rows.get(2);
        assertEquals(List.of(NS, "Pod/debug", "debug", WEB, "no-critical", "vulnerabilities.maxCounts", "fail"),
                failing.subList(0, 7), r.out());
        assertTrue(failing.get(7).startsWith("too many vulnerabilities: CRITICAL 1 (max 0)")
                && failing.get(7).contains("CVE-2026-4242 CRITICAL openssl 3.0.13"), failing.get(7));
        assertTrue(r.out().endsWith("\n2 owners, 1 failing; results: 2 pass, 1 fail, 0 warn, 0 error, 0 skip\n"),
                r.out());
    }

    @Test
    @Order(2)
    void theJsonHasEveryOwnerWithTheResultsOfItsReport() throws Exception {
        CommandOutput r = audit("-n", NS, "-o", "json");
        assertEquals(1, r.exit(), r.toString());
        JsonNode owners = JSON.readTree(r.out());
        assertEquals(2, owners.size(), r.out());
        JsonNode deployment = owners.get(0);
        assertEquals("Deployment", deployment.at("/scope/kind").asText());
        assertEquals(created.get(0).getMetadata().getUid(), deployment.at("/scope/uid").asText());
        assertEquals(2, deployment.at("/summary/pass").asInt(), deployment.toPrettyString());
        JsonNode pod = owners.get(1);
        assertEquals("Pod", pod.at("/scope/kind").asText());
        assertEquals("debug", pod.at("/scope/name").asText());
        JsonNode failed = pod.at("/results/0");
        assertEquals("no-critical", failed.path("policy").asText());
        assertEquals("vulnerabilities.maxCounts", failed.path("rule").asText());
        assertEquals("fail", failed.path("result").asText());
        assertEquals("critical", failed.path("severity").asText());
        assertEquals("CVE-2026-4242", failed.at("/properties/cves").asText());
        assertEquals(digest("b1"), failed.at("/properties/digest").asText());
        assertEquals("CRITICAL=1", failed.at("/properties/counts").asText());
        assertTrue(failed.path("message").asText().startsWith("container \"debug\" image " + WEB
                + " (digest sha256:b1b1b1b1b1b1…): too many vulnerabilities: CRITICAL 1 (max 0)"),
                failed.path("message").asText());
    }

    @Test
    @Order(3)
    void everyNamespaceButTheIgnoredOnesIsAuditedByDefault() {
        CommandOutput r = audit();
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.out().contains(NS + "  "), r.out());
        assertFalse(r.out().contains(IGNORED), "the namespace labelled ecrgate.dev/ignore=true: " + r.out());

        CommandOutput asked = audit("-n", IGNORED);
        assertEquals(0, asked.exit(), asked.toString());
        assertEquals("ecrgate audit: namespace \"" + IGNORED + "\" is not audited: it is labelled"
                + " ecrgate.dev/ignore=true\n", asked.err());
        CommandOutput skipped = audit("-n", NS, "--skip-namespaces", NS);
        assertEquals(0, skipped.exit(), skipped.toString());
        assertTrue(skipped.err().contains("--skip-namespaces names it"), skipped.err());
    }

    @Test
    @Order(4)
    void withTheFindingFixedNothingFailsAndNothingWasWritten() throws Exception {
        Map<String, String> before = versions();
        Files.writeString(findings.resolve("scan-web-2.0.0.json"), scan("team/web", "2.0.0", digest("b1"), false));
        CommandOutput r = audit("-n", NS);
        assertEquals(0, r.exit(), r.toString());
        assertTrue(rows(r.out()).stream().allMatch(row -> row.get(6).equals("pass")), r.out());
        assertTrue(r.out().endsWith("\n2 owners, 0 failing; results: 3 pass, 0 fail, 0 warn, 0 error, 0 skip\n"),
                r.out());
        assertEquals(before, versions(), "the audit changes no object");
        assertEquals(0, kube.client().v1().events().inNamespace(NS).list().getItems().size(), "and sends no Event");
    }

    @Test
    @Order(5)
    void anUnreachableServerIsOneLine() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        String kubeconfig = Files.readString(kube.kubeconfig()).replace(kube.serverUrl(),
                "https://127.0.0.1:" + closed);
        Path file = Files.writeString(work.resolve("closed.kubeconfig"), kubeconfig);
        long started = System.nanoTime();
        CommandOutput r = CommandOutput.run("audit", "--kubeconfig", file.toString(), "--policies",
                policies.toString(), "--findings", findings.toString());
        assertEquals(2, r.exit(), r.toString());
        assertEquals("", r.out());
        assertEquals("ecrgate audit: cannot read namespaces from https://127.0.0.1:" + closed
                + ": connection refused\n", r.err());
        assertTrue(System.nanoTime() - started < 10_000_000_000L, "no retries: it says so at once");
    }

    @Test
    @Order(6)
    void anUnreadableKubeconfigIsOneLine() {
        Path missing = work.resolve("no-such.kubeconfig");
        CommandOutput r = CommandOutput.run("audit", "--kubeconfig", missing.toString(), "--policies",
                policies.toString(), "--findings", findings.toString());
        assertEquals(2, r.exit(), r.toString());
        assertEquals("ecrgate audit: cannot read kubeconfig " + missing + ": no such file or directory\n", r.err());
    }

    /** Every object of the test's namespaces by name, with its resourceVersion. */
    static Map<String, String> versions() {
        Map<String, String> out = new java.util.TreeMap<>();
        KubernetesClient client = kube.client();
        for (String ns : List.of(NS, IGNORED)) {
            client.pods().inNamespace(ns).list().getItems().forEach(p -> out.put("pod " + ns + "/"
                    + p.getMetadata().getName(), p.getMetadata().getResourceVersion()));
            client.apps().replicaSets().inNamespace(ns).list().getItems().forEach(p -> out.put("rs " + ns + "/"
                    + p.getMetadata().getName(), p.getMetadata().getResourceVersion()));
            client.apps().deployments().inNamespace(ns).list().getItems().forEach(p -> out.put("deploy " + ns + "/"
                    + p.getMetadata().getName(), p.getMetadata().getResourceVersion()));
            out.put("namespace " + ns, client.namespaces().withName(ns).get().getMetadata().getResourceVersion());
        }
        return out;
    }
}
