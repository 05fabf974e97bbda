package dev.ecrgate.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness itself: a control plane that the fabric8 client and kubectl both reach as admin. Uses the JVM's shared
 * control plane, as other test classes should, and starts one private control plane to check that close() cleans up.
 */
class KubeControlPlaneIT {
    private static KubeControlPlane kube;

    @BeforeAll
    static void start() {
        kube = KubeControlPlane.shared();
    }

    @Test
    void theApiServerAnswersWithThePinnedVersion() {
        assertEquals(kube.version(), kube.client().getKubernetesVersion().getGitVersion());
        assertTrue(kube.serverUrl().startsWith("https://127.0.0.1:"), kube.serverUrl());
    }

    @Test
    void theClientCreatesANamespaceAndAConfigMapInIt() {
        KubernetesClient client = kube.client();
        String namespace = newNamespace(client);
        client.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder()
                .withNewMetadata().withName("settings").endMetadata()
                .withData(Map.of("mode", "enforce"))
                .build()).create();

        ConfigMap read = client.configMaps().inNamespace(namespace).withName("settings").get();
        assertEquals(Map.of("mode", "enforce"), read.getData());
    }

    @Test
    void kubectlListsANamespaceTheClientCreated() {
        String namespace = newNamespace(kube.client());

        ProcessResult result = kube.kubectl("get", "ns", "-o", "name");

        assertTrue(result.succeeded(), result::toString);
        assertTrue(result.stdout().lines().anyMatch(("namespace/" + namespace)::equals), result::toString);
    }

    @Test
    void kubectlReportsThePinnedVersionForClientAndServer() throws Exception {
        ProcessResult result = kube.kubectl("version", "-o", "json");

        assertTrue(result.succeeded(), result::toString);
        JsonNode versions = new ObjectMapper().readTree(result.stdout());
        assertEquals(kube.version(), versions.path("serverVersion").path("gitVersion").asText(), result::toString);
        assertEquals(kube.version(), versions.path("clientVersion").path("gitVersion").asText(), result::toString);
    }

    @Test
    void aServerSideDryRunOfAPodSucceedsAndStoresNothing(@TempDir Path dir) throws Exception {
        String namespace = newNamespace(kube.client());
        Path pod = Files.writeString(dir.resolve("pod.yaml"), """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: web
                spec:
                  containers:
                  - name: web
                    image: 111122223333.dkr.ecr.us-east-1.amazonaws.com/web:1.0
                """);

        ProcessResult result = kube.kubectl("apply", "--dry-run=server", "-n", namespace, "-f", pod.toString());

        assertTrue(result.succeeded(), result::toString);
        assertEquals("pod/web created (server dry run)", result.stdout().strip(), result::toString);
        assertTrue(kube.client().pods().inNamespace(namespace).list().getItems().isEmpty());
    }

    @Test
    void aPrivateControlPlaneStopsAndDeletesItsFilesOnClose() {
        KubeControlPlane own = KubeControlPlane.start();
        URI server = URI.create(own.serverUrl());
        Path workDir = own.kubeconfig().getParent();
        assertTrue(own.kubectl("get", "--raw", "/readyz").succeeded());

        own.close();

        assertFalse(Files.exists(workDir), workDir + " is left");
        assertThrows(ConnectException.class, () -> new Socket(server.getHost(), server.getPort()).close());
    }

    private static String newNamespace(KubernetesClient client) {
        Namespace namespace = client.namespaces().resource(new NamespaceBuilder()
                .withNewMetadata().withName("harness-" + UUID.randomUUID().toString().substring(0, 8)).endMetadata()
                .build()).create();
        return namespace.getMetadata().getName();
    }
}
