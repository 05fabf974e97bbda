package dev.ecrgate.server;

import dev.ecrgate.admission.AdmissionCodec;
import dev.ecrgate.certs.CaSpec;
import dev.ecrgate.certs.CertificateAuthority;
import dev.ecrgate.certs.PemFiles;
import dev.ecrgate.certs.ServerCertificateSpec;
import dev.ecrgate.certs.TlsMaterial;
import dev.ecrgate.findings.FindingsSource;
import dev.ecrgate.findings.RecordedFindings;
import dev.ecrgate.findings.ecr.EcrFacts;
import dev.ecrgate.policy.PolicyLoader;
import dev.ecrgate.policy.PolicySet;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running ecrgate webhook: what {@code ecrgate serve} starts, and what tests start in-process.
 *
 * <p>Start-up loads the policies and findings (failing with a message naming file, line and field), sets up TLS
 * (from PEM files, or a CA generated now), listens, starts watching the directories for changes, warms the
 * decision path on a worker thread, and only then reports ready.
 */
public final class Webhook implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Webhook.class);

    private final Vertx vertx;
    private final HttpServer server;
    private final Optional<X509Certificate> generatedCa;
    private final Reloadable<PolicySet> policies;
    private final Optional<EcrFacts> live;

    private Webhook(Vertx vertx, HttpServer server, Optional<X509Certificate> generatedCa,
                    Reloadable<PolicySet> policies, Optional<EcrFacts> live) {
        this.vertx = vertx;
        this.server = server;
        this.generatedCa = generatedCa;
        this.policies = policies;
        this.live = live;
    }

    /**
     * Starts the webhook and waits until it is ready.
     *
     * @param clock the time decisions are made at (expiry dates, scan age); tests pass a fixed one
     *
     * @throws StartupException with a message for the operator when the configuration, policies, findings or TLS
     *                          material are unusable, or the port cannot be bound
     */
    public static Webhook start(ServeConfig config, Clock clock) throws StartupException {
        Reloadable<PolicySet> policies;
        try {
            policies = Reloadable.load("policies", config.policies(), PolicyLoader::loadDirectory);
        } catch (Exception e) {
            throw new StartupException("cannot load policies from " + config.policies() + ":\n" + e.getMessage(), e);
        }
        LOG.info("loaded {} policies from {}", policies.current().policies().size(), config.policies());
        Supplier<FindingsSource> findings;
        Optional<Reloadable<RecordedFindings>> recorded = Optional.empty();
        Optional<EcrFacts> live = Optional.empty();
        if (config.findings().isPresent()) {
            try {
                recorded = Optional.of(Reloadable.load("findings", config.findings().get(), RecordedFindings::load));
            } catch (Exception e) {
                throw new StartupException("cannot load recorded findings from " + config.findings().get() + ":\n"
                        + e.getMessage(), e);
            }
            LOG.info("image facts from recorded findings in {}: {}", config.findings().get(),
                    recorded.get().current().summary());
            Reloadable<RecordedFindings> source = recorded.get();
            findings = source::current;
        } else {
            EcrFacts ecr = EcrFacts.create(config.ecr(), System.getenv());
            live = Optional.of(ecr);
            findings = () -> ecr;
            LOG.info("image facts from the live ECR API{}", config.ecr().endpoint()
                    .or(() -> dev.ecrgate.findings.ecr.EcrSettings.endpointFromEnvironment(System.getenv()))
                    .map(u -> " at " + u).orElse(""));
        }

        TlsMaterial tls;
        Optional<X509Certificate> generatedCa = Optional.empty();
        try {
            if (config.tlsCert().isPresent()) {
                tls = TlsMaterial.read(config.tlsCert().get(), config.tlsKey().orElseThrow());
            } else {
                // certificates are checked against the peers' real clocks, whatever clock decisions use
                java.time.Instant now = java.time.Instant.now();
                CertificateAuthority ca = CertificateAuthority.generate(
                        CaSpec.defaults().withCommonName("ecrgate generated CA"), now);
                tls = ca.issue(ServerCertificateSpec.forNames("localhost", "127.0.0.1", "::1"), now);
                generatedCa = Optional.of(ca.certificate());
                LOG.info("no --tls-cert given: generated a CA and a serving certificate for localhost, 127.0.0.1"
                        + " and ::1{}", config.writeCa().map(p -> "; CA written to " + p)
                        .orElse(" (use --write-ca FILE to save the CA for clients)"));
                if (config.writeCa().isPresent()) {
                    Files.writeString(config.writeCa().get(), PemFiles.toPem(ca.certificate()),
                            StandardCharsets.US_ASCII);
                }
            }
        } catch (Exception e) {
            throw new StartupException("cannot set up TLS: " + e.getMessage(), e);
        }

        Vertx vertx = Vertx.vertx();
        try {
            AdmissionCodec codec = new AdmissionCodec();
            HttpServerOptions options = new HttpServerOptions().setHost(config.host()).setPort(config.port())
                    .setIdleTimeout(120).setIdleTimeoutUnit(TimeUnit.SECONDS)
                    .setMaxHeaderSize(16 * 1024)
                    .setMaxInitialLineLength(8 * 1024);
            ServerTls.apply(options, tls.key(), tls.chain());
            AdmissionHandler handler = new AdmissionHandler(vertx, codec, policies::current, findings, clock,
                    new DecisionLog(), config.deadline());
            WebhookServer web = new WebhookServer(vertx, handler, codec, config.maxBodyBytes());
            HttpServer server = web.listen(options).await(30, TimeUnit.SECONDS);
            long interval = config.reloadInterval().toMillis();
            policies.watch(vertx, interval);
            recorded.ifPresent(r -> r.watch(vertx, interval));
            vertx.executeBlocking(() -> Warmup.run(codec, policies.current(), clock.instant(), 300), false)
                    .await(60, TimeUnit.SECONDS);
            if (live.isPresent()) {
                LiveReadiness.prepare(live.get(), config.prefetch()).whenComplete((v, e) -> web.ready());
            } else {
                web.ready();
            }
            LOG.info("ecrgate is serving https://{}:{}/validate", config.host(), server.actualPort());
            return new Webhook(vertx, server, generatedCa, policies, live);
        } catch (Exception e) {
            vertx.close();
            live.ifPresent(EcrFacts::close);
            throw new StartupException("cannot start the server on " + config.host() + ":" + config.port() + ": "
                    + e.getMessage(), e);
        }
    }

    /** The port the server listens on (the chosen one when the configuration said 0). */
    public int port() {
        return server.actualPort();
    }

    /** The CA generated at start-up, when no certificate was configured. */
    public Optional<X509Certificate> generatedCa() {
        return generatedCa;
    }

    /** The policies in force now. */
    public PolicySet policies() {
        return policies.current();
    }

    @Override
    public void close() {
        try {
            vertx.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("closing the server: {}", e.toString());
        }
        live.ifPresent(EcrFacts::close);
    }

    /** Start-up failed; the message is for the operator. */
    public static final class StartupException extends Exception {
        private static final long serialVersionUID = 1L;

        public StartupException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
