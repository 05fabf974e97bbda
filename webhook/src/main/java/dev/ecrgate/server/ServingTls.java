package dev.ecrgate.server;

import dev.ecrgate.certs.CaSpec;
import dev.ecrgate.certs.CertificateAuthority;
import dev.ecrgate.certs.PemFiles;
import dev.ecrgate.certs.ServerCertificateSpec;
import dev.ecrgate.certs.TlsMaterial;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.ServerSSLOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the serving certificate comes from, and how it is replaced while the server runs, in one of three modes:
 * <ul>
 *   <li><b>files</b> ({@code --tls-cert}, {@code --tls-key}; also what cert-manager mounts): watched, and a new pair
 *       is served to new connections without a restart;</li>
 *   <li><b>cluster</b> ({@code --ca-secret}): ecrgate's own CA in a Secret, a serving certificate issued at start and
 *       renewed before it ends, the webhook configuration's caBundle kept up to date;</li>
 *   <li><b>generated</b> (neither): a CA and a certificate for localhost made at start, for trying ecrgate out.</li>
 * </ul>
 * Certificates are checked against the peers' real clocks, so this class reads the system clock, whatever clock
 * decisions use.
 */
final class ServingTls implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServingTls.class);

    private final AtomicReference<TlsMaterial> current;
    private final List<X509Certificate> clientCas;
    private final Optional<X509Certificate> generatedCa;
    private final Optional<TlsFilesWatch> files;
    private final Optional<ClusterCertificates> cluster;
    private final Optional<KubernetesClient> kubernetes;
    private volatile ClusterCertificates.CaState caState;

    private ServingTls(TlsMaterial initial, List<X509Certificate> clientCas, Optional<X509Certificate> generatedCa,
                       Optional<TlsFilesWatch> files, Optional<ClusterCertificates> cluster,
                       Optional<KubernetesClient> kubernetes, ClusterCertificates.CaState caState) {
        this.current = new AtomicReference<>(initial);
        this.clientCas = List.copyOf(clientCas);
        this.generatedCa = generatedCa;
        this.files = files;
        this.cluster = cluster;
        this.kubernetes = kubernetes;
        this.caState = caState;
    }

    /** Sets up the serving certificate as {@code config} says; blocking (files, Kubernetes API). */
    static ServingTls of(ServeConfig.Tls config) throws Exception {
        List<X509Certificate> clientCas = config.clientCa().isPresent()
                ? PemFiles.readCertificates(config.clientCa().get()) : List.of();
        Instant now = Instant.now();
        if (config.cert().isPresent()) {
            AtomicReference<ServingTls> self = new AtomicReference<>();
            TlsFilesWatch watch = new TlsFilesWatch(config.cert().get(), config.key().orElseThrow(),
                    material -> self.get().replace(material));
            ServingTls tls = new ServingTls(watch.load(), clientCas, Optional.empty(), Optional.of(watch),
                    Optional.empty(), Optional.empty(), null);
            self.set(tls);
            return tls;
        }
        if (config.cluster().isPresent()) {
            KubernetesClient client = new KubernetesClientBuilder().build();
            try {
                return ofCluster(new ClusterCertificates(client, config.cluster().get()), client, clientCas, now);
            } catch (Exception e) {
                client.close();
                throw e;
            }
        }
        CertificateAuthority ca = CertificateAuthority.generate(
                CaSpec.defaults().withCommonName("ecrgate generated CA"), now);
        TlsMaterial material = ca.issue(ServerCertificateSpec.forNames("localhost", "127.0.0.1", "::1"), now);
        LOG.info("no --tls-cert given: generated a CA and a serving certificate for localhost, 127.0.0.1 and ::1{}",
                config.writeCa().map(p -> "; CA written to " + p)
                        .orElse(" (use --write-ca FILE to save the CA for clients)"));
        if (config.writeCa().isPresent()) {
            Files.writeString(config.writeCa().get(), PemFiles.toPem(ca.certificate()), StandardCharsets.US_ASCII);
        }
        return new ServingTls(material, clientCas, Optional.of(ca.certificate()), Optional.empty(), Optional.empty(),
                Optional.empty(), null);
    }

    /** The cluster mode over a given client (tests pass one for their API server). */
    static ServingTls ofCluster(ClusterCertificates certs, KubernetesClient client, List<X509Certificate> clientCas,
                                Instant now) throws Exception {
        ClusterCertificates.CaState state = certs.ensureCa(now);
        TlsMaterial material = certs.issueServing(state, now);
        certs.syncCaBundle(state);
        LOG.info("serving a certificate for {} issued by the CA in secret {}/{}, valid until {}",
                certs.settings().serviceNames(), certs.settings().namespace(), certs.settings().caSecret(),
                material.leaf().getNotAfter().toInstant());
        return new ServingTls(material, clientCas, Optional.empty(), Optional.empty(), Optional.of(certs),
                Optional.of(client), state);
    }

    TlsMaterial current() {
        return current.get();
    }

    Optional<X509Certificate> generatedCa() {
        return generatedCa;
    }

    /** The CA bundle in force in cluster mode. */
    Optional<ClusterCertificates.CaState> caState() {
        return Optional.ofNullable(caState);
    }

    /** Publishes when the certificate in force expires; the gauge reads it at each scrape, so renewals show. */
    void measure(Metrics metrics) {
        metrics.servingCertificateExpiry(() -> current.get().leaf().getNotAfter().toInstant());
    }

    boolean requiresClientCertificate() {
        return !clientCas.isEmpty();
    }

    ServerSSLOptions sslOptions() throws GeneralSecurityException {
        return ServerTls.sslOptions(current.get().key(), current.get().chain(), clientCas);
    }

    private HttpServer server;

    private void replace(TlsMaterial material) {
        current.set(material);
        HttpServer s = server;
        if (s != null) {
            // called on a worker thread (the watch, the cluster upkeep), where Vert.x refuses to await a future: the
            // update completes on its own, and says here whether it took
            try {
                s.updateSSLOptions(sslOptions()).onComplete(ar -> {
                    if (ar.failed()) {
                        LOG.error("could not serve the new certificate: {}", ar.cause().toString());
                    }
                });
            } catch (GeneralSecurityException | RuntimeException e) {
                LOG.error("could not serve the new certificate: {}", e.toString());
            }
        }
    }

    /** Starts watching (files) or renewing (cluster); new certificates go to {@code server}'s new connections. */
    void start(Vertx vertx, HttpServer server, long filesIntervalMillis) {
        this.server = server;
        files.ifPresent(watch -> vertx.setPeriodic(filesIntervalMillis,
                id -> vertx.executeBlocking(watch::reloadIfChanged, false)));
        cluster.ifPresent(certs -> vertx.setPeriodic(certs.settings().checkInterval().toMillis(),
                id -> vertx.executeBlocking(() -> {
                    checkCluster(certs, Instant.now());
                    return null;
                }, false)));
    }

    /** One round of cluster upkeep: the CA (rollover), the serving certificate (renewal), the caBundle. */
    void checkCluster(ClusterCertificates certs, Instant now) {
        try {
            ClusterCertificates.CaState state = certs.ensureCa(now);
            caState = state;
            certs.syncCaBundle(state);
            if (certs.needsNewServing(current.get(), state, now)) {
                TlsMaterial material = certs.issueServing(state, now);
                replace(material);
                LOG.info("renewed the serving certificate; valid until {}", material.leaf().getNotAfter().toInstant());
            }
        } catch (Exception e) {
            LOG.warn("checking the cluster certificates failed, will retry: {}", e.toString());
        }
    }

    @Override
    public void close() {
        kubernetes.ifPresent(KubernetesClient::close);
    }
}
