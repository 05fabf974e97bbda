package dev.ecrgate.server;

import dev.ecrgate.certs.CaSpec;
import dev.ecrgate.certs.CertificateAuthority;
import dev.ecrgate.certs.IssuedCa;
import dev.ecrgate.certs.PemFileException;
import dev.ecrgate.certs.PemFiles;
import dev.ecrgate.certs.ServerCertificateSpec;
import dev.ecrgate.certs.TlsMaterial;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ecrgate's own certificates in a cluster, with no cert-manager: the replicas agree on one CA kept in a Secret in
 * their namespace, each issues its own serving certificate for the Service's names, and the caBundle of the
 * ValidatingWebhookConfiguration is kept up to date.
 *
 * <p>Agreement without a race: the first replica creates the Secret; a replica whose create is refused because it
 * exists (409) reads the winner's CA instead. Rollover: when the CA nears its end, a replica writes a new CA with an
 * update that carries the Secret's resourceVersion, so two replicas cannot both roll it over; the old CA stays in
 * the Secret's bundle, and so in the caBundle, until it expires, because replicas may still serve certificates it
 * signed. All methods block (Kubernetes API calls): call them from a worker thread. Thread safe.
 */
public final class ClusterCertificates {
    static final String CA_CERT = "ca.crt";
    static final String CA_KEY = "ca.key";
    static final String BUNDLE = "bundle.crt";

    private static final Logger LOG = LoggerFactory.getLogger(ClusterCertificates.class);

    /**
     * Where ecrgate's certificates live and how long they last.
     *
     * @param namespace          ecrgate's namespace
     * @param caSecret           the Secret that holds the CA
     * @param service            the Service in front of ecrgate; the serving certificate names it
     * @param webhookConfig      the ValidatingWebhookConfiguration whose caBundle is kept up to date
     * @param caValidity         how long a new CA is valid
     * @param caRenewBefore      a CA this close to its end is rolled over
     * @param servingValidity    how long a serving certificate is valid
     * @param servingRenewBefore a serving certificate this close to its end is replaced
     * @param checkInterval      how often the CA, the serving certificate and the caBundle are checked
     * @param extraNames         further DNS names or IP addresses for the serving certificate, for an API server that
     *                           calls ecrgate by URL rather than through the Service
     */
    public record Settings(String namespace, String caSecret, String service, String webhookConfig,
                           Duration caValidity, Duration caRenewBefore, Duration servingValidity,
                           Duration servingRenewBefore, Duration checkInterval, List<String> extraNames) {
        public Settings {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(caSecret, "caSecret");
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(webhookConfig, "webhookConfig");
            extraNames = List.copyOf(extraNames);
        }

        public static Settings of(String namespace, String caSecret, String service, String webhookConfig) {
            return new Settings(namespace, caSecret, service, webhookConfig, Duration.ofDays(3650),
                    Duration.ofDays(365), Duration.ofDays(90), Duration.ofDays(30), Duration.ofMinutes(1), List.of());
        }

        public Settings withExtraNames(List<String> names) {
            return new Settings(namespace, caSecret, service, webhookConfig, caValidity, caRenewBefore,
                    servingValidity, servingRenewBefore, checkInterval, names);
        }

        /** The names a serving certificate is valid for: the Service's in-cluster DNS names. */
        public List<String> serviceNames() {
            List<String> names = new ArrayList<>(List.of(service, service + "." + namespace,
                    service + "." + namespace + ".svc", service + "." + namespace + ".svc.cluster.local"));
            names.addAll(extraNames);
            return names;
        }
    }

    /**
     * The CA in force and every CA certificate still trusted.
     *
     * @param ca     the CA that signs new serving certificates
     * @param bundle the caBundle: the current CA first, then earlier ones that have not expired
     */
    public record CaState(IssuedCa ca, List<X509Certificate> bundle) {
        public CaState {
            bundle = List.copyOf(bundle);
        }

        public String bundlePem() {
            return PemFiles.toPem(bundle);
        }
    }

    private final KubernetesClient client;
    private final Settings settings;

    public ClusterCertificates(KubernetesClient client, Settings settings) {
        this.client = client;
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /**
     * The CA everyone uses: read from the Secret, created if there is none (the first replica wins), rolled over if
     * it nears its end.
     */
    public CaState ensureCa(Instant now) throws Exception {
        for (int attempt = 0; attempt < 10; attempt++) {
            Secret secret = secrets().withName(settings.caSecret()).get();
            if (secret == null) {
                CertificateAuthority ca = newCa(now);
                Secret created = secret(null, ca.ca(), List.of(ca.certificate()));
                try {
                    secrets().resource(created).create();
                    LOG.info("created the CA in secret {}/{}, valid until {}", settings.namespace(),
                            settings.caSecret(), ca.certificate().getNotAfter().toInstant());
                    return new CaState(ca.ca(), List.of(ca.certificate()));
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409) {
                        throw e;
                    }
                    LOG.info("another replica created the CA secret first; using its CA");
                    continue;
                }
            }
            CaState state = read(secret, now);
            Instant notAfter = state.ca().certificate().getNotAfter().toInstant();
            boolean expiring = now.plus(settings.caRenewBefore()).isAfter(notAfter);
            boolean pruned = state.bundle().size() != bundleOf(secret).size();
            if (!expiring && !pruned) {
                return state;
            }
            List<X509Certificate> bundle = new ArrayList<>();
            IssuedCa current = state.ca();
            if (expiring) {
                CertificateAuthority next = newCa(now);
                current = next.ca();
                bundle.add(next.certificate());
            }
            bundle.addAll(state.bundle());
            Secret updated = secret(secret, current, bundle);
            try {
                secrets().resource(updated).update();
                if (expiring) {
                    LOG.info("rolled the CA over: the new CA is valid until {}; the old one stays trusted until {}",
                            current.certificate().getNotAfter().toInstant(), notAfter);
                }
                return new CaState(current, bundle);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // someone else changed the secret first: read theirs and decide again
            }
        }
        throw new IllegalStateException("the CA secret " + settings.namespace() + "/" + settings.caSecret()
                + " keeps changing under ecrgate; giving up for now");
    }

    /** A serving certificate for the Service's names, signed by the current CA. */
    public TlsMaterial issueServing(CaState state, Instant now) {
        return CertificateAuthority.of(state.ca()).issue(ServerCertificateSpec.forNames(settings.serviceNames())
                .withValidity(settings.servingValidity()), now);
    }

    /** Whether {@code serving} should be replaced: near its end, or not signed by the current CA. */
    public boolean needsNewServing(TlsMaterial serving, CaState state, Instant now) {
        X509Certificate leaf = serving.leaf();
        boolean expiring = now.plus(settings.servingRenewBefore()).isAfter(leaf.getNotAfter().toInstant());
        boolean otherCa = !leaf.getIssuerX500Principal().equals(state.ca().certificate().getSubjectX500Principal());
        try {
            leaf.verify(state.ca().certificate().getPublicKey());
        } catch (Exception e) {
            otherCa = true;
        }
        return expiring || otherCa;
    }

    /**
     * Sets the caBundle of every webhook in the configuration to the CA bundle, when it differs; returns whether it
     * changed anything. A configuration that does not exist (yet) is left alone.
     */
    public boolean syncCaBundle(CaState state) {
        String bundle = Base64.getEncoder().encodeToString(state.bundlePem().getBytes(StandardCharsets.US_ASCII));
        var resource = client.admissionRegistration().v1().validatingWebhookConfigurations()
                .withName(settings.webhookConfig());
        ValidatingWebhookConfiguration config = resource.get();
        if (config == null) {
            LOG.warn("ValidatingWebhookConfiguration {} not found; its caBundle cannot be set",
                    settings.webhookConfig());
            return false;
        }
        boolean differs = config.getWebhooks().stream().anyMatch(w -> w.getClientConfig() == null
                || !bundle.equals(w.getClientConfig().getCaBundle()));
        if (!differs) {
            return false;
        }
        resource.edit(c -> {
            for (ValidatingWebhook w : c.getWebhooks()) {
                if (w.getClientConfig() != null) {
                    w.getClientConfig().setCaBundle(bundle);
                }
            }
            return c;
        });
        LOG.info("set the caBundle of ValidatingWebhookConfiguration {} ({} CA certificates)",
                settings.webhookConfig(), state.bundle().size());
        return true;
    }

    private CertificateAuthority newCa(Instant now) {
        return CertificateAuthority.generate(CaSpec.defaults().withCommonName("ecrgate CA " + settings.namespace())
                .withValidity(settings.caValidity()), now);
    }

    private CaState read(Secret secret, Instant now) throws PemFileException {
        String where = "secret/" + settings.namespace() + "/" + settings.caSecret();
        Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
        if (!data.containsKey(CA_CERT) || !data.containsKey(CA_KEY)) {
            throw new IllegalStateException(where + " has no " + CA_CERT + " and " + CA_KEY
                    + "; delete it and ecrgate will create a new CA");
        }
        X509Certificate cert = PemFiles.parseCertificates(decode(data.get(CA_CERT)), where + "/" + CA_CERT).get(0);
        IssuedCa ca = new IssuedCa(PemFiles.parsePrivateKey(decode(data.get(CA_KEY)), where + "/" + CA_KEY), cert);
        List<X509Certificate> bundle = new ArrayList<>();
        bundle.add(cert);
        for (X509Certificate c : bundleOf(secret)) {
            if (!c.equals(cert) && c.getNotAfter().toInstant().isAfter(now)) {
                bundle.add(c);
            }
        }
        return new CaState(ca, bundle);
    }

    private List<X509Certificate> bundleOf(Secret secret) {
        Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
        String pem = data.containsKey(BUNDLE) ? decode(data.get(BUNDLE)) : decode(data.getOrDefault(CA_CERT, ""));
        try {
            return pem.isEmpty() ? List.of() : PemFiles.parseCertificates(pem, "secret bundle");
        } catch (PemFileException e) {
            return List.of();
        }
    }

    private Secret secret(Secret existing, IssuedCa ca, List<X509Certificate> bundle) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put(CA_CERT, encode(PemFiles.toPem(ca.certificate())));
        data.put(CA_KEY, encode(PemFiles.toPem(ca.key())));
        data.put(BUNDLE, encode(PemFiles.toPem(bundle)));
        SecretBuilder b = existing == null ? new SecretBuilder().withNewMetadata().withName(settings.caSecret())
                .withNamespace(settings.namespace())
                .addToLabels("app.kubernetes.io/name", "ecrgate")
                .addToLabels("app.kubernetes.io/managed-by", "ecrgate").endMetadata()
                : new SecretBuilder(existing);
        return b.withType("Opaque").withData(data).build();
    }

    private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<Secret, io.fabric8.kubernetes.api.model.SecretList,
            io.fabric8.kubernetes.client.dsl.Resource<Secret>> secrets() {
        return client.secrets().inNamespace(settings.namespace());
    }

    private static String encode(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
    }

    /** The namespace ecrgate runs in: {@code POD_NAMESPACE}, else the service account's namespace file. */
    public static Optional<String> podNamespace(Map<String, String> env) {
        String ns = env.get("POD_NAMESPACE");
        if (ns != null && !ns.isBlank()) {
            return Optional.of(ns.strip());
        }
        try {
            return Optional.of(java.nio.file.Files.readString(java.nio.file.Path.of(
                    "/var/run/secrets/kubernetes.io/serviceaccount/namespace")).strip());
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }
}
