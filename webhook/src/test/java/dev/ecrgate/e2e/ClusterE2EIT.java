package dev.ecrgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.ecrgate.certs.CaSpec;
import dev.ecrgate.certs.CertificateAuthority;
import dev.ecrgate.certs.PemFiles;
import dev.ecrgate.certs.ServerCertificateSpec;
import dev.ecrgate.certs.TlsMaterial;
import dev.ecrgate.deploy.Kustomize;
import dev.ecrgate.findings.ecr.EcrDouble;
import dev.ecrgate.findings.ecr.RecordedFacts;
import dev.ecrgate.kube.KubeControlPlane;
import dev.ecrgate.kube.ProcessResult;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole: a real kube-apiserver (our own control plane, or the cluster named by {@code ECRGATE_E2E_KUBECONFIG})
 * calls ecrgate as a webhook, configured by the ValidatingWebhookConfiguration
 * that {@code deploy/} ships (only its clientConfig is pointed at ecrgate on loopback, as a local overlay would),
 * with image facts from the ECR double loaded with {@code examples/findings}. Every assertion is on what kubectl
 * prints and its exit code, as a developer sees it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterE2EIT {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final String HOST = "111122223333.dkr.ecr.us-east-1.amazonaws.com";
    static final String WEBHOOK = "images.ecrgate.dev";
    static final YAMLMapper YAML = new YAMLMapper();
    static final String API_150 = "sha256:" + "15".repeat(32);
    /**
     * The address the API server calls ecrgate at: loopback for our own control plane; for a cluster named by
     * {@code ECRGATE_E2E_KUBECONFIG}, an address of this machine that its API server can reach.
     */
    static final String WEBHOOK_HOST = Optional.ofNullable(System.getenv("ECRGATE_E2E_WEBHOOK_HOST"))
            .filter(h -> !h.isBlank()).orElse("127.0.0.1");

    @TempDir
    static Path work;
    static KubeControlPlane kube;
    static KubernetesClient client;
    static EcrDouble ecr;
    static CertificateAuthority ca;
    static Path tls;
    static EcrgateProcess ecrgate;
    static JsonNode webhookConfiguration;

    @BeforeAll
    static void start() throws Exception {
        kube = KubeControlPlane.shared();
        client = kube.client();
        kube.namespace("team-blue");
        kube.namespace("ecrgate");

        ecr = EcrDouble.start();
        RecordedFacts.load(ROOT.resolve("examples/findings"), ecr);
        ecr.image("111122223333", "team-blue/api", API_150, "1.5.0");
        ecr.scan("111122223333", "team-blue/api", API_150, "COMPLETE", Instant.now(), List.of(), List.of());

        Instant now = Instant.now();
        ca = CertificateAuthority.generate(CaSpec.defaults().withCommonName("e2e CA"), now);
        tls = work.resolve("tls");
        Files.createDirectories(tls);
        publish("a", serving());
        ecrgate = EcrgateProcess.start(EcrgateProcess.freePort(), ca.certificate(), environment(), work,
                flags("--tls-cert=" + tls.resolve("tls.crt"), "--tls-key=" + tls.resolve("tls.key")));

        for (JsonNode doc : YAML.readerFor(JsonNode.class).<JsonNode>readValues(
                Kustomize.install().build(ROOT.resolve("deploy"))).readAll()) {
            if ("ValidatingWebhookConfiguration".equals(doc.path("kind").asText())) {
                webhookConfiguration = doc;
            }
        }
        pointWebhookAt(ecrgate.port(), Optional.of(ca.certificate()));
        awaitDenial();
    }

    @AfterAll
    static void stop() {
        if (kube != null) {
            kube.kubectl("delete", "validatingwebhookconfiguration", "ecrgate", "--ignore-not-found");
        }
        if (ecrgate != null) {
            try {
                ecrgate.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (ecr != null) {
            ecr.close();
        }
    }

    /** What a pod would have: AWS credentials (dummy, for the double) and a kubeconfig for the API. */
    static Map<String, String> environment() {
        return Map.of("AWS_ACCESS_KEY_ID", "AKIDTEST", "AWS_SECRET_ACCESS_KEY", "secret",
                "AWS_ENDPOINT_URL_ECR", ecr.endpoint().toString(), "KUBECONFIG", kube.kubeconfig().toString());
    }

    /** The flags of every ecrgate here: the shipped policies, quick re-reads of the double's changing facts. */
    static String[] flags(String... more) {
        List<String> flags = new ArrayList<>(List.of("--policies=" + ROOT.resolve("policies"),
                "--host=" + (WEBHOOK_HOST.equals("127.0.0.1") ? "127.0.0.1" : "0.0.0.0"), "--reload-interval=200ms",
                "--cache-scan-refresh=200ms", "--cache-mutable-tag-refresh=200ms",
                "--cache-immutable-tag-refresh=200ms", "--cache-negative-refresh=200ms", "--drain=0s"));
        flags.addAll(List.of(more));
        return flags.toArray(String[]::new);
    }

    static TlsMaterial serving() {
        return ca.issue(ServerCertificateSpec.forNames(WEBHOOK_HOST), Instant.now());
    }

    /** The shipped configuration, with clientConfig pointed at ecrgate on loopback (and a caBundle, or none). */
    static void pointWebhookAt(int port, Optional<X509Certificate> trusted) throws Exception {
        ObjectNode config = webhookConfiguration.deepCopy();
        ObjectNode clientConfig = ((ObjectNode) config.path("webhooks").get(0)).putObject("clientConfig");
        clientConfig.put("url", "https://" + WEBHOOK_HOST + ":" + port + "/validate");
        trusted.ifPresent(c -> clientConfig.put("caBundle", Base64.getEncoder().encodeToString(
                PemFiles.toPem(c).getBytes(StandardCharsets.US_ASCII))));
        ProcessResult r = kube.kubectl(YAML.writeValueAsString(config), Duration.ofSeconds(30), "replace", "--force",
                "-f", "-");
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    }

    /** A new webhook configuration takes effect after a moment: wait until a known-bad pod is refused. */
    static void awaitDenial() throws Exception {
        Path pod = manifest("deny-pod.yaml", "pod.yaml");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        ProcessResult r;
        do {
            r = kubectl("apply", "--dry-run=server", "-f", pod.toString());
            if (r.exitCode() == 1 && r.stderr().contains("denied the request")) {
                return;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("the API server never called ecrgate: " + r.stdout() + r.stderr());
    }

    static Path manifest(String example, String as) throws Exception {
        Path file = work.resolve(as);
        Files.copy(ROOT.resolve("examples/manifests/" + example), file, StandardCopyOption.REPLACE_EXISTING);
        return file;
    }

    static Path write(String name, String yaml) throws Exception {
        Path file = work.resolve(name);
        Files.writeString(file, yaml);
        return file;
    }

    static ProcessResult kubectl(String... args) {
        return kube.kubectl(args);
    }

    /** A new pair, published as the kubelet updates a mounted Secret. */
    static void publish(String version, TlsMaterial material) throws Exception {
        dev.ecrgate.server.TlsFixtures.publish(tls, version, material);
    }

    static String deployment(String name, String image) {
        return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\n  namespace: team-blue\n"
                + "spec:\n  replicas: 2\n  selector:\n    matchLabels: {app: " + name + "}\n  template:\n"
                + "    metadata:\n      labels: {app: " + name + "}\n    spec:\n      containers:\n"
                + "        - name: " + name + "\n          image: " + image + "\n";
    }

    @Test
    @Order(1)
    void refusesAVulnerablePodWithOurMessage() throws Exception {
        Path pod = manifest("deny-pod.yaml", "pod.yaml");
        ProcessResult r = kubectl("apply", "-f", pod.toString());
        assertEquals(1, r.exitCode(), r.stdout() + r.stderr());
        String prefix = "Error from server (Forbidden): error when creating \"" + pod + "\": admission webhook \""
                + WEBHOOK + "\" denied the request: Pod \"web\" in namespace \"team-blue\": 2 containers break image"
                + " policy\ncontainer \"web\" image " + HOST + "/team-blue/web:1.0.0 (digest sha256:ac9da485d6ea…)\n"
                + "  - [baseline, team-namespaces] vulnerabilities.maxCounts: too many vulnerabilities: CRITICAL 3"
                + " (max 0)\n    worst: CVE-2024-6387 CRITICAL openssh-server 1:9.2p1-2+deb12u2, fixed in"
                + " 1:9.2p1-2+deb12u3;";
        assertTrue(r.stderr().contains(prefix), r.stderr());
        assertTrue(r.stderr().contains("Warning: [medium-findings-rollout] container \"web\": too many"
                + " vulnerabilities: CRITICAL 3 (max 0), HIGH 4 (max 0)"), r.stderr());
        assertTrue(r.stderr().contains("help (baseline): Image rules"), r.stderr());
    }

    @Test
    @Order(2)
    void aServerDryRunGivesTheSameAnswerAsTheRealApply() throws Exception {
        Path pod = manifest("deny-pod.yaml", "pod.yaml");
        ProcessResult dry = kubectl("apply", "--dry-run=server", "-f", pod.toString());
        ProcessResult real = kubectl("apply", "-f", pod.toString());
        assertEquals(real.exitCode(), dry.exitCode());
        assertEquals(real.stderr(), dry.stderr());
    }

    @Test
    @Order(3)
    void createsAPodThatOnlyAWarnPolicyObjectsToAndPrintsOurWarning() throws Exception {
        ProcessResult r = kubectl("apply", "-f", manifest("warn-deployment.yaml", "deployment.yaml").toString());
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("deployment.apps/worker created"), r.stdout());
        assertEquals("Warning: [medium-findings-rollout] container \"worker\": too many vulnerabilities: HIGH 2 (max"
                + " 0)", r.stderr().strip());
        ProcessResult allowed = kubectl("apply", "-f", manifest("allow-pod.yaml", "api.yaml").toString());
        assertEquals(0, allowed.exitCode(), allowed.stderr());
        assertEquals("", allowed.stderr().strip(), "a clean image gets no warning");
    }

    @Test
    @Order(4)
    void refusesADeploymentWithAVulnerableImage() throws Exception {
        ProcessResult r = kubectl("apply", "-f", write("web.yaml", deployment("web", HOST + "/team-blue/web:1.0.0"))
                .toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("Error from server (Forbidden): error when creating"), r.stderr());
        assertTrue(r.stderr().contains("denied the request: Deployment \"web\" in namespace \"team-blue\""),
                r.stderr());
    }

    @Test
    @Order(5)
    void scalesAWorkloadWhoseImageBecameVulnerableButRefusesANewVulnerableImage() throws Exception {
        String image = HOST + "/team-blue/api:1.5.0";
        ProcessResult created = kubectl("apply", "-f", write("api-deploy.yaml", deployment("api", image)).toString());
        assertEquals(0, created.exitCode(), created.stderr());

        // a CVE is published: the next scan of the same image has a critical finding
        ecr.scan("111122223333", "team-blue/api", API_150, "COMPLETE", Instant.now(),
                List.of(new EcrDouble.BasicFinding("CVE-2026-0001", "CRITICAL", "glibc", "2.36")), List.of());
        Path probe = write("probe.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: probe, namespace: team-blue}\n"
                + "spec:\n  containers: [{name: probe, image: " + image + "}]\n");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (kubectl("apply", "--dry-run=server", "-f", probe.toString()).exitCode() == 0
                && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }

        ProcessResult scaled = kubectl("-n", "team-blue", "patch", "deployment", "api", "--type=merge", "-p",
                "{\"spec\":{\"replicas\":5}}");
        assertEquals(0, scaled.exitCode(), scaled.stderr());
        // the three policies that find it say it once (kubectl's 120 characters keep the finding, not every name)
        assertTrue(scaled.stderr().contains("Warning: [baseline, team-namespaces +1] container \"api\" (already"
                + " deployed): too many vulnerabilities: CRITICAL 1 (max 0)\n"), scaled.stderr());
        assertEquals(0, kubectl("-n", "team-blue", "scale", "deployment", "api", "--replicas=6").exitCode(),
                "kubectl scale changes the scale subresource, which carries no images and is not sent to ecrgate");

        ProcessResult setImage = kubectl("-n", "team-blue", "set", "image", "deployment/api",
                "api=" + HOST + "/team-blue/web:1.0.0");
        assertEquals(1, setImage.exitCode(), setImage.stdout());
        assertTrue(setImage.stderr().contains("admission webhook \"" + WEBHOOK + "\" denied the request: Deployment"
                + " \"api\" in namespace \"team-blue\""), setImage.stderr());
    }

    @Test
    @Order(6)
    void refusesAnEphemeralContainerThatKubectlDebugAdds() throws Exception {
        kubectl("apply", "-f", manifest("allow-pod.yaml", "api.yaml").toString());
        ProcessResult r = kubectl("-n", "team-blue", "debug", "api", "--image=nginx:latest", "--container=debugger");
        assertEquals(1, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stderr().contains("denied the request: Pod \"api\" in namespace \"team-blue\": 1 container"
                + " breaks image policy\nephemeral container \"debugger\" image nginx:latest"), r.stderr());
    }

    @Test
    @Order(7)
    void servesARotatedCertificateWhileTheApiServerKeepsCalling() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger unexpected = new AtomicInteger();
        AtomicInteger admissions = new AtomicInteger();
        List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread load = new Thread(() -> {
            Pod good = new PodBuilder().withNewMetadata().withGenerateName("rotation-").withNamespace("team-blue")
                    .endMetadata().withNewSpec().addNewContainer().withName("api")
                    .withImage(HOST + "/team-blue/api:1.4.2").endContainer().endSpec().build();
            while (running.get()) {
                try {
                    client.pods().inNamespace("team-blue").resource(good).dryRun().create();
                    admissions.incrementAndGet();
                } catch (KubernetesClientException e) {
                    unexpected.incrementAndGet();
                    errors.add(e.getMessage());
                }
            }
        });
        load.start();
        Thread.sleep(1000);
        TlsMaterial next = serving();
        publish("b", next);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!ecrgate.servingCertificate().equals(next.leaf()) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Thread.sleep(1000);
        running.set(false);
        load.join();
        assertEquals(next.leaf(), ecrgate.servingCertificate());
        assertEquals(0, unexpected.get(), () -> unexpected + " failed of " + admissions + ": " + errors);
        assertTrue(admissions.get() > 10, "the API server kept calling: " + admissions);
        // found by the 30-minute soak: the swap worked, but awaiting it on a worker thread logged an error each time
        assertTrue(!ecrgate.output().contains("could not serve the new certificate"), ecrgate.output());
    }

    @Test
    @Order(8)
    void theSelfManagedCaSetsTheCaBundleAndTheApiServerTrustsIt() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        // the configuration as applied from deploy/: no caBundle; ecrgate fills it in as it starts
        pointWebhookAt(port, Optional.empty());
        try (EcrgateProcess managed = startSelfManaged(port)) {
            String bundle;
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            do {
                Thread.sleep(500);
                bundle = client.admissionRegistration().v1().validatingWebhookConfigurations().withName("ecrgate")
                        .get().getWebhooks().get(0).getClientConfig().getCaBundle();
            } while ((bundle == null || bundle.isEmpty()) && System.nanoTime() < deadline);
            assertTrue(bundle != null && !bundle.isEmpty(), "ecrgate set the caBundle");
            awaitDenial();
        } finally {
            kube.kubectl("-n", "ecrgate", "delete", "secret", "ecrgate-ca-e2e", "--ignore-not-found");
            pointWebhookAt(ecrgate.port(), Optional.of(ca.certificate()));
            awaitDenial();
        }
    }

    /** ecrgate with its own CA in a Secret, as deploy/ runs it. */
    static EcrgateProcess startSelfManaged(int port) throws Exception {
        // ecrgate makes its CA as it starts: trust what it writes into the Secret
        return EcrgateProcess.start(port, () -> {
            var secret = client.secrets().inNamespace("ecrgate").withName("ecrgate-ca-e2e").get();
            if (secret == null) {
                return Optional.empty();
            }
            return Optional.of(PemFiles.parseCertificates(new String(Base64.getDecoder().decode(
                    secret.getData().get("ca.crt")), StandardCharsets.US_ASCII), "ca.crt").get(0));
        }, environment(), work, flags("--ca-secret=ecrgate-ca-e2e", "--namespace=ecrgate", "--service=ecrgate",
                "--webhook-config=ecrgate", "--tls-san=" + WEBHOOK_HOST));
    }

    @Test
    @Order(9)
    void withEcrgateDownItsOwnAndSystemNamespacesStillWorkAndOthersFailClosed() throws Exception {
        ecrgate.close();
        ecrgate = null;
        Thread.sleep(500);
        String pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: heal-%s, namespace: %s}\n"
                + "spec:\n  containers: [{name: c, image: \"nginx:latest\"}]\n";
        for (String ns : List.of("kube-system", "ecrgate")) {
            ProcessResult r = kubectl("apply", "-f", write("heal-" + ns + ".yaml", String.format(pod, ns, ns))
                    .toString());
            assertEquals(0, r.exitCode(), ns + ": " + r.stderr());
        }
        ProcessResult closed = kubectl("apply", "-f", write("closed.yaml", String.format(pod, "x", "team-blue"))
                .toString());
        assertEquals(1, closed.exitCode());
        assertTrue(closed.stderr().contains("Error from server (InternalError): error when creating")
                        || closed.stderr().contains("Error from server (InternalError): Internal error occurred"),
                closed.stderr());
        assertTrue(closed.stderr().contains("failed calling webhook \"" + WEBHOOK + "\""), closed.stderr());
    }
}
