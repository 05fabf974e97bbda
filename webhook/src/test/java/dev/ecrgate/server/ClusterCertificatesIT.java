package dev.ecrgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ecrgate.certs.TlsMaterial;
import dev.ecrgate.kube.KubeControlPlane;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The self-managed CA against a real kube-apiserver: replicas racing at start agree on one CA, the webhook
 * configuration's caBundle is kept up to date, and a CA rollover keeps the old CA trusted while it lives.
 */
class ClusterCertificatesIT {
    static KubeControlPlane kube;
    static KubernetesClient client;
    String namespace;

    @BeforeAll
    static void start() {
        kube = KubeControlPlane.shared();
        client = kube.client();
    }

    @BeforeEach
    void namespace() {
        namespace = "ecrgate-" + UUID.randomUUID().toString().substring(0, 8);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata()
                .build()).create();
    }

    /** A client of its own, as a separate replica has. */
    static KubernetesClient newClient() throws java.io.IOException {
        return new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(
                io.fabric8.kubernetes.client.Config.fromKubeconfig(java.nio.file.Files.readString(kube.kubeconfig())))
                .build();
    }

    ClusterCertificates.Settings settings() {
        return ClusterCertificates.Settings.of(namespace, "ecrgate-ca", "ecrgate", "ecrgate-" + namespace);
    }

    void createWebhookConfiguration(String name) {
        ValidatingWebhookConfiguration config = new ValidatingWebhookConfigurationBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .addNewWebhook().withName("images.ecrgate.dev").withAdmissionReviewVersions("v1")
                .withSideEffects("None").withFailurePolicy("Fail")
                .withNewClientConfig().withNewService().withName("ecrgate").withNamespace(namespace)
                .withPath("/validate").withPort(443).endService().endClientConfig()
                .endWebhook().build();
        client.admissionRegistration().v1().validatingWebhookConfigurations().resource(config).create();
    }

    String caBundle(String name) {
        return client.admissionRegistration().v1().validatingWebhookConfigurations().withName(name).get()
                .getWebhooks().get(0).getClientConfig().getCaBundle();
    }

    static String base64(String pem) {
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void fiveReplicasRacingAtStartEndWithOneCa() throws Exception {
        int replicas = 5;
        CyclicBarrier start = new CyclicBarrier(replicas);
        ExecutorService pool = Executors.newFixedThreadPool(replicas);
        try {
            List<Future<X509Certificate>> results = new ArrayList<>();
            for (int i = 0; i < replicas; i++) {
                // each replica has its own client, as separate pods do
                KubernetesClient own = newClient();
                Callable<X509Certificate> replica = () -> {
                    try (own) {
                        ClusterCertificates certs = new ClusterCertificates(own, settings());
                        start.await();
                        return certs.ensureCa(Instant.now()).ca().certificate();
                    }
                };
                results.add(pool.submit(replica));
            }
            Set<X509Certificate> cas = new java.util.HashSet<>();
            for (Future<X509Certificate> f : results) {
                cas.add(f.get());
            }
            assertEquals(1, cas.size(), "every replica uses the same CA");
            assertEquals(1, client.secrets().inNamespace(namespace).list().getItems().stream()
                    .filter(s -> s.getMetadata().getName().equals("ecrgate-ca")).count());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void keepsTheCaBundleOfTheWebhookConfigurationUpToDate() throws Exception {
        createWebhookConfiguration("ecrgate-" + namespace);
        ClusterCertificates certs = new ClusterCertificates(client, settings());
        ClusterCertificates.CaState state = certs.ensureCa(Instant.now());
        assertTrue(certs.syncCaBundle(state));
        assertEquals(base64(state.bundlePem()), caBundle("ecrgate-" + namespace));
        assertFalse(certs.syncCaBundle(state), "nothing to change the second time");

        // someone re-applies the manifest, which has no caBundle: the next check puts it back
        client.admissionRegistration().v1().validatingWebhookConfigurations().withName("ecrgate-" + namespace)
                .edit(c -> {
                    c.getWebhooks().get(0).getClientConfig().setCaBundle(null);
                    return c;
                });
        assertTrue(certs.syncCaBundle(state));
        assertEquals(base64(state.bundlePem()), caBundle("ecrgate-" + namespace));

        TlsMaterial serving = certs.issueServing(state, Instant.now());
        serving.leaf().verify(state.ca().certificate().getPublicKey());
        assertEquals(Set.of("ecrgate", "ecrgate." + namespace, "ecrgate." + namespace + ".svc",
                        "ecrgate." + namespace + ".svc.cluster.local"),
                serving.leaf().getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1)))
                        .collect(Collectors.toSet()));
    }

    @Test
    void rollsTheCaOverAndKeepsTheOldOneTrustedWhileItLives() throws Exception {
        createWebhookConfiguration("ecrgate-" + namespace);
        ClusterCertificates.Settings s = settings();
        ClusterCertificates certs = new ClusterCertificates(client, new ClusterCertificates.Settings(s.namespace(),
                s.caSecret(), s.service(), s.webhookConfig(), Duration.ofDays(10), Duration.ofDays(4),
                Duration.ofDays(3), Duration.ofDays(1), Duration.ofMinutes(1), List.of()));
        Instant day0 = Instant.now();
        ClusterCertificates.CaState first = certs.ensureCa(day0);
        TlsMaterial servedByFirst = certs.issueServing(first, day0);
        assertEquals(first.ca().certificate(), certs.ensureCa(day0.plus(Duration.ofDays(5))).ca().certificate(),
                "not yet near its end");

        Instant day7 = day0.plus(Duration.ofDays(7));
        ClusterCertificates.CaState second = certs.ensureCa(day7);
        assertFalse(second.ca().certificate().equals(first.ca().certificate()), "a new CA");
        assertEquals(List.of(second.ca().certificate(), first.ca().certificate()), second.bundle(),
                "the old CA stays trusted while replicas still serve certificates it signed");
        assertTrue(certs.needsNewServing(servedByFirst, second, day7));
        certs.syncCaBundle(second);
        assertEquals(base64(second.bundlePem()), caBundle("ecrgate-" + namespace));
        assertEquals(second.ca().certificate(), new ClusterCertificates(newClient(), certs.settings())
                .ensureCa(day7).ca().certificate(), "other replicas read the new CA");

        Instant day11 = day0.plus(Duration.ofDays(11));
        ClusterCertificates.CaState third = certs.ensureCa(day11);
        assertEquals(List.of(second.ca().certificate()), third.bundle(), "an expired CA leaves the bundle");
    }
}
