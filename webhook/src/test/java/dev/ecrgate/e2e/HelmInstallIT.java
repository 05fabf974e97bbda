package dev.ecrgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ecrgate.certs.CaSpec;
import dev.ecrgate.certs.CertificateAuthority;
import dev.ecrgate.certs.PemFiles;
import dev.ecrgate.certs.ServerCertificateSpec;
import dev.ecrgate.deploy.Helm;
import dev.ecrgate.findings.ecr.EcrDouble;
import dev.ecrgate.findings.ecr.RecordedFacts;
import dev.ecrgate.kube.KubeControlPlane;
import dev.ecrgate.kube.ProcessResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code helm install} of deploy/helm/ecrgate into a real kube-apiserver, then the chart's webhook answering.
 *
 * <p>The test control plane runs no kubelet, so the chart's pods never run: the webhook configuration the chart
 * installed (its rules and namespaceSelector, untouched) is pointed at ecrgate running here as a process, by URL
 * with its CA as the caBundle, and kubectl's dry-run creates in a team namespace show the refusal. The release and
 * its namespace have a name of their own, since the control plane is shared; the uninstall removes what the chart
 * made, and the Report CRD (which Helm installs and never deletes) is deleted only when it was not there before.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HelmInstallIT {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CRD = "reports.openreports.io";
    static final String RELEASE = "ecrgate-helm-" + Long.toString(System.currentTimeMillis(), 36);
    static final String TEAM = "team-blue";
    static final String IGNORED = RELEASE + "-ignored";

    @TempDir
    static Path work;
    static KubeControlPlane kube;
    static Helm helm;
    static EcrDouble ecr;
    static EcrgateProcess ecrgate;
    static CertificateAuthority ca;
    static boolean crdWasThere;

    @BeforeAll
    static void start() throws Exception {
        kube = KubeControlPlane.shared();
        helm = Helm.install();
        crdWasThere = kube.client().apiextensions().v1().customResourceDefinitions().withName(CRD).get() != null;
        kube.namespace(TEAM);
        kube.namespace(IGNORED);
        kube.kubectl("label", "namespace", IGNORED, "ecrgate.dev/ignore=true");

        ecr = EcrDouble.start();
        RecordedFacts.load(ROOT.resolve("examples/findings"), ecr);
        ca = CertificateAuthority.generate(CaSpec.defaults().withCommonName("helm IT CA"), Instant.now());
        Path tls = work.resolve("tls");
        Files.createDirectories(tls);
        dev.ecrgate.server.TlsFixtures.publish(tls, "a",
                ca.issue(ServerCertificateSpec.forNames("127.0.0.1"), Instant.now()));
        ecrgate = EcrgateProcess.start(EcrgateProcess.freePort(), ca.certificate(),
                Map.of("AWS_ACCESS_KEY_ID", "AKIDTEST", "AWS_SECRET_ACCESS_KEY", "secret",
                        "AWS_ENDPOINT_URL_ECR", ecr.endpoint().toString()), work,
                "--policies=" + ROOT.resolve("deploy/helm/ecrgate/files/policies"), "--host=127.0.0.1",
                "--tls-cert=" + tls.resolve("tls.crt"), "--tls-key=" + tls.resolve("tls.key"), "--drain=0s");
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (helm != null && kube != null) {
                helm("uninstall", RELEASE, "--timeout=60s");
                kube.kubectl(null, Duration.ofSeconds(60), "delete", "namespace", RELEASE, IGNORED,
                        "--ignore-not-found", "--wait=false");
                // team-blue stays: other suites on the shared control plane use it, and with no namespace
                // controller a deleted namespace never goes away.
                if (!crdWasThere) {
                    kube.kubectl(null, Duration.ofSeconds(60), "delete", "customresourcedefinition", CRD,
                            "--ignore-not-found");
                }
            }
        } finally {
            if (ecrgate != null) {
                ecrgate.close();
            }
            if (ecr != null) {
                ecr.close();
            }
        }
    }

    static ProcessResult helm(String... args) {
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(new String[] {"--kubeconfig", kube.kubeconfig().toString(), "--namespace", RELEASE}, 0,
                all, args.length, 4);
        return helm.run(all);
    }

    @Test
    @Order(1)
    void helmInstallsTheChartWithItsCrdIntoItsOwnNamespace() throws Exception {
        ProcessResult installed = helm("install", RELEASE, ROOT.resolve(Helm.CHART).toString(),
                "--create-namespace", "--set", "replicas=1", "--timeout=2m");
        assertEquals(0, installed.exitCode(), installed.toString());
        assertTrue(installed.stdout().contains("kubectl get reports -A"), "NOTES.txt: " + installed.stdout());

        ProcessResult status = helm("status", RELEASE, "-o", "json");
        assertEquals(0, status.exitCode(), status.toString());
        assertEquals("deployed", JSON.readTree(status.stdout()).at("/info/status").asText());

        ProcessResult established = kube.kubectl(null, Duration.ofSeconds(70), "wait",
                "--for=condition=Established", "--timeout=60s", "customresourcedefinition/" + CRD);
        assertEquals(0, established.exitCode(), established.toString());
        ProcessResult objects = kube.kubectl("-n", RELEASE, "get", "deployment,service,configmap,serviceaccount,"
                + "role,rolebinding,poddisruptionbudget,networkpolicy", "-o", "name");
        assertEquals(0, objects.exitCode(), objects.toString());
        for (String object : List.of("deployment.apps/" + RELEASE, "service/" + RELEASE,
                "configmap/" + RELEASE + "-policies", "serviceaccount/" + RELEASE, "role.rbac.authorization.k8s.io/"
                        + RELEASE, "role.rbac.authorization.k8s.io/" + RELEASE + "-audit",
                "poddisruptionbudget.policy/" + RELEASE, "networkpolicy.networking.k8s.io/" + RELEASE)) {
            assertTrue(objects.stdout().lines().anyMatch(object::equals), object + " in\n" + objects.stdout());
        }
        assertEquals("restricted", kube.client().namespaces().withName(RELEASE).get().getMetadata().getLabels()
                .get("pod-security.kubernetes.io/enforce"));
    }

    @Test
    @Order(2)
    void withNoReplicaUpTheChartsWebhookFailsClosedForATeamNamespace() throws Exception {
        ProcessResult r = dryRun(pod(TEAM, "111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/api:1.4.2"));
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("failed calling webhook \"images.ecrgate.dev\""), r.toString());
        assertTrue(r.stderr().contains(RELEASE + "." + RELEASE + ".svc"), r.toString());
    }

    @Test
    @Order(3)
    void pointedAtEcrgateTheChartsWebhookRefusesABadPodInATeamNamespace() throws Exception {
        pointWebhookAtEcrgate();
        String bad = Files.readString(ROOT.resolve("examples/manifests/deny-pod.yaml"));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        ProcessResult r;
        do {
            r = dryRun(bad);
            if (r.stderr().contains("denied the request")) {
                break;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("admission webhook \"images.ecrgate.dev\" denied the request"), r.toString());
        assertTrue(r.stderr().contains("CRITICAL"), r.toString());

        ProcessResult good = dryRun(Files.readString(ROOT.resolve("examples/manifests/allow-pod.yaml")));
        assertEquals(0, good.exitCode(), good.toString());
    }

    @Test
    @Order(4)
    void aNamespaceLabelledIgnoreIsNeverSentToEcrgate() throws Exception {
        ProcessResult r = dryRun(pod(IGNORED, "nginx:latest"));
        assertEquals(0, r.exitCode(), r.toString());
    }

    @Test
    @Order(5)
    void helmUninstallRemovesTheReleaseAndLeavesTheCrd() throws Exception {
        ProcessResult r = helm("uninstall", RELEASE, "--timeout=60s");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(kube.client().admissionRegistration().v1().validatingWebhookConfigurations().withName(RELEASE)
                .get() == null, "the webhook configuration is gone");
        assertTrue(kube.client().rbac().clusterRoles().withName(RELEASE + "-audit").get() == null);
        assertTrue(kube.client().apiextensions().v1().customResourceDefinitions().withName(CRD).get() != null,
                "helm never deletes a chart's CRDs");
        ProcessResult admitted = dryRun(pod(TEAM, "nginx:latest"));
        assertEquals(0, admitted.exitCode(), admitted.toString());
    }

    /** The installed configuration, rules and namespaceSelector as the chart made them, calling ecrgate here. */
    static void pointWebhookAtEcrgate() throws Exception {
        ProcessResult got = kube.kubectl("get", "validatingwebhookconfiguration", RELEASE, "-o", "json");
        assertEquals(0, got.exitCode(), got.toString());
        ObjectNode config = (ObjectNode) JSON.readTree(got.stdout());
        JsonNode webhook = config.path("webhooks").get(0);
        assertEquals(RELEASE, webhook.at("/clientConfig/service/name").asText());
        ObjectNode clientConfig = ((ObjectNode) webhook).putObject("clientConfig");
        clientConfig.put("url", "https://127.0.0.1:" + ecrgate.port() + "/validate");
        clientConfig.put("caBundle", Base64.getEncoder().encodeToString(
                PemFiles.toPem(ca.certificate()).getBytes(StandardCharsets.US_ASCII)));
        ProcessResult replaced = kube.kubectl(JSON.writeValueAsString(config), Duration.ofSeconds(30), "replace",
                "-f", "-");
        assertEquals(0, replaced.exitCode(), replaced.toString());
    }

    static ProcessResult dryRun(String manifest) {
        return kube.kubectl(manifest, Duration.ofSeconds(30), "create", "--dry-run=server", "-f", "-");
    }

    static String pod(String namespace, String image) {
        return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: probe\n  namespace: " + namespace + "\n"
                + "spec:\n  containers:\n    - name: app\n      image: " + image + "\n";
    }
}
