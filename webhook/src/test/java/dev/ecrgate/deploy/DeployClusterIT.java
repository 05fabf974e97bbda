package dev.ecrgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.ecrgate.kube.KubeControlPlane;
import dev.ecrgate.kube.ProcessResult;
import dev.ecrgate.server.ClusterCertificates;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shipped manifests against a real kube-apiserver: every object is accepted ({@code kubectl apply
 * --dry-run=server}), and the shipped RBAC lets ecrgate's service account run its self-managed certificates, and
 * nothing more.
 */
class DeployClusterIT {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final YAMLMapper YAML = new YAMLMapper();

    static KubeControlPlane kube;
    static Kustomize kustomize;

    @BeforeAll
    static void start() {
        kube = KubeControlPlane.shared();
        kustomize = Kustomize.install();
        // objects in the namespace are only accepted once it exists, even in a dry run
        kube.kubectl("create", "namespace", "ecrgate");
    }

    static List<JsonNode> documents(String rendered) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(rendered)) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && doc.isObject()) {
                    out.add(doc);
                }
            }
        }
        return out;
    }

    static String yaml(List<JsonNode> docs) throws Exception {
        StringBuilder b = new StringBuilder();
        for (JsonNode d : docs) {
            b.append("---\n").append(YAML.writeValueAsString(d).replaceFirst("^---\\n", ""));
        }
        return b.toString();
    }

    @ParameterizedTest(name = "every object of {0} is accepted by the API server")
    @ValueSource(strings = {"deploy", "deploy/cert-manager", "deploy/first-install"})
    void everyObjectIsAcceptedByTheApiServer(String variant) throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        for (JsonNode d : documents(kustomize.build(ROOT.resolve(variant)))) {
            // cert-manager's own kinds need its CRDs, which this bare control plane does not have
            if (!d.path("apiVersion").asText().startsWith("cert-manager.io/")) {
                docs.add(d);
            }
        }
        ProcessResult r = kube.kubectl(yaml(docs), Duration.ofSeconds(60), "apply", "--dry-run=server", "-f", "-");
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("validatingwebhookconfiguration.admissionregistration.k8s.io/ecrgate"),
                r.stdout());
    }

    @Test
    void theShippedRbacLetsEcrgateManageItsCertificatesAndNothingMore() throws Exception {
        List<JsonNode> apply = new ArrayList<>();
        for (JsonNode d : documents(kustomize.build(ROOT.resolve("deploy")))) {
            String kind = d.path("kind").asText();
            if (kind.equals("ServiceAccount") || kind.contains("Role")) {
                apply.add(d);
            } else if (kind.equals("ValidatingWebhookConfiguration")) {
                // the real configuration, but intercepting nothing: no ecrgate runs in this control plane
                ((ObjectNode) d.path("webhooks").get(0)).putArray("rules");
                apply.add(d);
            }
        }
        ProcessResult r = kube.kubectl(yaml(apply), Duration.ofSeconds(60), "apply", "-f", "-");
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        Config config = Config.fromKubeconfig(Files.readString(kube.kubeconfig()));
        config.setImpersonateUsername("system:serviceaccount:ecrgate:ecrgate");
        config.setImpersonateGroups("system:serviceaccounts", "system:serviceaccounts:ecrgate",
                "system:authenticated");
        try (KubernetesClient asEcrgate = new KubernetesClientBuilder().withConfig(config).build()) {
            ClusterCertificates certs = new ClusterCertificates(asEcrgate,
                    ClusterCertificates.Settings.of("ecrgate", "ecrgate-ca", "ecrgate", "ecrgate"));
            ClusterCertificates.CaState state = certs.ensureCa(Instant.now());
            certs.syncCaBundle(state);
            assertEquals(state.ca().certificate(), certs.ensureCa(Instant.now()).ca().certificate());
            String bundle = kube.client().admissionRegistration().v1().validatingWebhookConfigurations()
                    .withName("ecrgate").get().getWebhooks().get(0).getClientConfig().getCaBundle();
            assertEquals(Base64.getEncoder().encodeToString(state.bundlePem().getBytes(StandardCharsets.US_ASCII)),
                    bundle);

            assertForbidden(() -> asEcrgate.secrets().inNamespace("ecrgate").list());
            assertForbidden(() -> asEcrgate.secrets().inNamespace("kube-system").withName("anything").get());
            assertForbidden(() -> asEcrgate.pods().inNamespace("ecrgate").list());
            assertForbidden(() -> asEcrgate.admissionRegistration().v1().validatingWebhookConfigurations().list());
        } finally {
            kube.kubectl("delete", "validatingwebhookconfiguration", "ecrgate", "--ignore-not-found");
            kube.kubectl("-n", "ecrgate", "delete", "secret", "ecrgate-ca", "--ignore-not-found");
        }
    }

    private static void assertForbidden(Runnable call) {
        KubernetesClientException e = assertThrows(KubernetesClientException.class, call::run);
        assertEquals(403, e.getCode(), e.getMessage());
    }
}
