package dev.ecrgate.server;

import dev.ecrgate.admission.AdmissionCodec;
import dev.ecrgate.audit.AuditLeader;
import dev.ecrgate.audit.AuditLoop;
import dev.ecrgate.findings.events.EventFeed;
import dev.ecrgate.findings.events.EventMetrics;
import dev.ecrgate.audit.AuditMetrics;
import dev.ecrgate.audit.AuditSettings;
import dev.ecrgate.findings.FindingsSource;
import dev.ecrgate.findings.RecordedFindings;
import dev.ecrgate.findings.ecr.EcrFacts;
import dev.ecrgate.findings.ecr.EcrSettings;
import dev.ecrgate.policy.PolicyLoader;
import dev.ecrgate.policy.PolicySet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
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
 * decision path on a worker thread, and only then reports ready. One {@link Metrics} registry, made here, measures all
 * of it and is served at {@code /metrics}.
 */
public final class Webhook implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Webhook.class);

    private final Vertx vertx;
    private final HttpServer server;
    private final WebhookServer web;
    private final ServingTls tls;
    private final Supplier<PolicySet> policies;
    private final Optional<ClusterPolicies> clusterPolicies;
    private final Optional<EcrFacts> live;
    private final Metrics metrics;
    private final Optional<Audit> audit;
    private final Optional<EventFeed> events;

    /** The audit's leader campaign and its own API client. */
    private record Audit(AuditLeader leader, KubernetesClient client) {
        void close() {
            leader.close();
            client.close();
        }
    }

    private Webhook(Vertx vertx, HttpServer server, WebhookServer web, ServingTls tls, Supplier<PolicySet> policies,
                    Optional<ClusterPolicies> clusterPolicies, Optional<EcrFacts> live, Metrics metrics, Optional<Audit> audit, Optional<EventFeed> events) {
        this.vertx = vertx;
        this.events = events;
        this.audit = audit;
        this.metrics = metrics;
        this.server = server;
        this.web = web;
        this.tls = tls;
        this.policies = policies;
        this.clusterPolicies = clusterPolicies;
        this.live = live;
    }

    /** Warm-up rounds of the decision path before {@code /readyz} says ready. */
    static final int WARMUP_BEFORE_READY = 30;
    /** How long after ready the JVM's and the process's meters are bound, unless a scrape comes first. */
    static final long JVM_METERS_AFTER_READY_MILLIS = 5_000;

    /**
     * Starts the webhook and waits until it is ready.
     *
     * @param clock the time decisions are made at (expiry dates, scan age); tests pass a fixed one
     *
     * @throws StartupException with a message for the operator when the configuration, policies, findings or TLS
     *                          material are unusable, or the port cannot be bound
     */
    public static Webhook start(ServeConfig config, Clock clock) throws StartupException {
        Metrics metrics = Metrics.prometheus();
        try {
            return start(config, clock, metrics);
        } catch (StartupException | RuntimeException e) {
            metrics.close();
            throw e;
        }
    }

    private static Webhook start(ServeConfig config, Clock clock, Metrics metrics) throws StartupException {
        ServeConfig.Sources sources = config.sources();
        ServeConfig.Listen listen = config.listen();
        Optional<Reloadable<PolicySet>> fromFiles = Optional.empty();
        Optional<ClusterPolicies> fromCluster = Optional.empty();
        Supplier<PolicySet> policies;
        if (sources.policiesFrom() == ServeConfig.PoliciesFrom.CLUSTER) {
            try {
                ClusterPolicies cluster = new ClusterPolicies(new KubernetesClientBuilder().build(), clock, metrics,
                        sources.warnOnly() ? PolicySet::warnOnly : set -> set).start(java.time.Duration.ofSeconds(60));
                fromCluster = Optional.of(cluster);
                policies = cluster::current;
            } catch (RuntimeException e) {
                throw new StartupException("cannot read policies from the cluster: " + e.getMessage(), e);
            }
        } else {
            try {
                Reloadable.Loader<PolicySet> loader = sources.warnOnly()
                        ? dir -> PolicyLoader.loadDirectory(dir).warnOnly() : PolicyLoader::loadDirectory;
                Reloadable<PolicySet> files = Reloadable.load("policies", sources.policies(), loader, metrics);
                fromFiles = Optional.of(files);
                policies = files::current;
            } catch (dev.ecrgate.policy.PolicyLoadException e) {
                throw new StartupException(e.describe(sources.policies().toString()), e);
            } catch (java.io.IOException e) {
                throw new StartupException(sources.policies() + ": cannot read policy directory: "
                        + dev.ecrgate.text.FileErrors.plain(e), e);
            } catch (Exception e) {
                throw new StartupException("cannot load policies from " + sources.policies() + ":\n"
                        + e.getMessage(), e);
            }
        }
        metrics.policies(() -> policies.get().policies().size());
        LOG.info("loaded {} policies from {}{}", policies.get().policies().size(),
                fromCluster.isPresent() ? "the cluster" : sources.policies(),
                sources.warnOnly() ? " (--warn-only: every policy warns, nothing is denied)" : "");
        Supplier<FindingsSource> findings;
        Optional<Reloadable<RecordedFindings>> recorded = Optional.empty();
        Optional<EcrFacts> live = Optional.empty();
        if (sources.findings().isPresent() && !config.facts().eventQueues().isEmpty()) {
            throw new StartupException("--events-queue keeps the live ECR source fresh; with --findings (recorded"
                    + " facts) there is nothing for it to refresh", null);
        }
        if (sources.findings().isPresent()) {
            try {
                recorded = Optional.of(Reloadable.load("findings", sources.findings().get(),
                        RecordedFindings::load, metrics));
            } catch (Exception e) {
                throw new StartupException("cannot load recorded findings from " + sources.findings().get() + ":\n"
                        + e.getMessage(), e);
            }
            LOG.info("image facts from recorded findings in {}: {}", sources.findings().get(),
                    recorded.get().current().summary());
            Reloadable<RecordedFindings> source = recorded.get();
            findings = source::current;
        } else {
            EcrFacts ecr = EcrFacts.create(config.facts().ecr(), config.facts().environment(), metrics.registry());
            live = Optional.of(ecr);
            findings = () -> ecr;
            LOG.info("image facts from the live ECR API{}", config.facts().ecr().endpoint()
                    .or(() -> EcrSettings.endpointFromEnvironment(config.facts().environment()))
                    .map(u -> " at " + u).orElse(""));
        }

        ServingTls tls;
        try {
            tls = ServingTls.of(config.tls());
        } catch (Exception e) {
            live.ifPresent(EcrFacts::close);
            throw new StartupException("cannot set up TLS: " + e.getMessage(), e);
        }

        tls.measure(metrics);
        Vertx vertx = Vertx.builder().with(new VertxOptions().setMetricsOptions(metrics.vertxOptions()))
                .withMetrics(new MicrometerMetricsFactory(metrics.registry())).build();
        try {
            AdmissionCodec codec = new AdmissionCodec();
            HttpServerOptions options = new HttpServerOptions().setHost(listen.host()).setPort(listen.port())
                    .setIdleTimeout(120).setIdleTimeoutUnit(TimeUnit.SECONDS)
                    .setMaxHeaderSize(16 * 1024)
                    .setMaxInitialLineLength(8 * 1024);
            ServerTls.apply(options, tls.sslOptions());
            AdmissionHandler handler = new AdmissionHandler(vertx, codec, policies, findings, clock,
                    new DecisionLog(config.logFormat()), metrics, config.facts().deadline());
            WebhookServer web = new WebhookServer(vertx, handler, codec, listen.maxBodyBytes(),
                    tls.requiresClientCertificate(), listen.maxConnections(), metrics);
            HttpServer server = web.listen(options).await(30, TimeUnit.SECONDS);
            long interval = sources.reloadInterval().toMillis();
            tls.start(vertx, server, interval);
            fromFiles.ifPresent(f -> f.watch(vertx, interval));
            recorded.ifPresent(r -> r.watch(vertx, interval));
            // Ready after a short warm-up that loads and links every class of the decision path, so that the first
            // admission does not pay for that; the JIT warms up on real traffic. 300 rounds made start-up on one core
            // 0.4 s longer; running them after ready instead delayed the first answers as much (BENCHMARKS.md).
            vertx.executeBlocking(() -> Warmup.run(codec, policies.get(), clock.instant(), WARMUP_BEFORE_READY),
                    false).await(60, TimeUnit.SECONDS);
            if (live.isPresent()) {
                LiveReadiness.prepare(live.get(), config.facts().prefetch()).whenComplete((v, e) -> web.ready());
            } else {
                web.ready();
            }
            // the JVM's meters a few seconds later (or at the first scrape): not in the way of the first answers
            vertx.setTimer(JVM_METERS_AFTER_READY_MILLIS, id -> vertx.executeBlocking(() -> {
                metrics.bindJvmMeters();
                return null;
            }, false));
            LOG.info("ecrgate is serving https://{}:{}/validate", listen.host(), server.actualPort());
            Optional<EventFeed> events = Optional.empty();
            if (!config.facts().eventQueues().isEmpty()) {
                EventFeed feed = EventFeed.start(config.facts().eventQueues(), live.orElseThrow(),
                        new EventMetrics(metrics.registry()));
                events = Optional.of(feed);
                web.degraded(feed::degraded);
            }
            Optional<Audit> audit = config.audit().map(settings -> startAudit(settings, policies, findings, clock,
                    metrics));
            return new Webhook(vertx, server, web, tls, policies, fromCluster, live, metrics, audit, events);
        } catch (Exception e) {
            vertx.close();
            fromCluster.ifPresent(ClusterPolicies::close);
            live.ifPresent(EcrFacts::close);
            tls.close();
            throw new StartupException("cannot start the server on " + listen.host() + ":" + listen.port() + ": "
                    + e.getMessage(), e);
        }
    }

    private static Audit startAudit(AuditSettings settings, Supplier<PolicySet> policies,
                                    Supplier<FindingsSource> findings, Clock clock, Metrics metrics) {
        KubernetesClient client = new KubernetesClientBuilder().build();
        AuditMetrics auditMetrics = new AuditMetrics(metrics.registry());
        AuditLeader leader = AuditLeader.start(client, settings,
                () -> new AuditLoop(client, policies, findings, clock, settings, auditMetrics), auditMetrics);
        return new Audit(leader, client);
    }

    /** The port the server listens on (the chosen one when the configuration said 0). */
    public int port() {
        return server.actualPort();
    }

    /** The CA generated at start-up, when no certificate was configured. */
    public Optional<X509Certificate> generatedCa() {
        return tls.generatedCa();
    }

    /** The certificate served to new connections now. */
    public X509Certificate servingCertificate() {
        return tls.current().leaf();
    }

    /**
     * Stops gracefully, as on SIGTERM: readiness fails at once, requests keep being answered (each closing its
     * connection) for {@code drain}, so that the API server moves to other replicas; then the server stops
     * accepting, lets the requests in flight finish, and closes.
     */
    public void shutdown(java.time.Duration drain) {
        web.drain();
        LOG.info("shutting down: draining for {} ms", drain.toMillis());
        try {
            Thread.sleep(drain.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            server.shutdown(10, TimeUnit.SECONDS).await(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("shutting the server down: {}", e.toString());
        }
        close();
        LOG.info("stopped");
    }

    /** The meters served at {@code /metrics}. */
    public Metrics metrics() {
        return metrics;
    }

    /** The policies in force now. */
    public PolicySet policies() {
        return policies.get();
    }

    @Override
    public void close() {
        audit.ifPresent(Audit::close);
        events.ifPresent(EventFeed::close);
        clusterPolicies.ifPresent(ClusterPolicies::close);
        try {
            vertx.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("closing the server: {}", e.toString());
        }
        live.ifPresent(EcrFacts::close);
        tls.close();
        metrics.close();
    }

    /** Start-up failed; the message is for the operator. */
    public static final class StartupException extends Exception {
        private static final long serialVersionUID = 1L;

        public StartupException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
