package dev.ecrgate.server;

import dev.ecrgate.policy.Decision;
import dev.ecrgate.policy.Effect;
import dev.ecrgate.policy.Violation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The webhook's meters, served by {@code GET /metrics} in the Prometheus text format: one registry, made at start and
 * handed to whatever measures (the admission path, the reloaders, TLS, the live ECR source, Vert.x's HTTP server),
 * with typed methods for ecrgate's own {@code ecrgate_*} families beside the JVM's and the process's.
 *
 * <p>Label values come only from closed sets and from the loaded policies (policy names, rule fields), never from
 * the request (image names, namespaces, users), so the number of series stays bounded whatever is sent. Thread
 * safe; close it to stop the binders that hold resources.
 */
public final class Metrics implements AutoCloseable {
    /** How a request was answered, as the {@code decision} label and the decision log say it. */
    enum Verdict {
        ALLOWED, WARNED, DENIED, ERROR;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Verdict of(Decision decision) {
            if (!decision.allowed()) {
                return DENIED;
            }
            return decision.withEffect(Effect.WARN).isEmpty() ? ALLOWED : WARNED;
        }
    }

    /** The kinds ecrgate checks; any other kind (an unexpected webhook rule, a crafted review) counts as "other". */
    private static final Set<String> KINDS = Set.of("Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet",
            "Job", "CronJob", "ReplicationController");
    private static final Set<String> OPERATIONS = Set.of("CREATE", "UPDATE", "DELETE", "CONNECT");

    /** 0.1 ms (a warm decision) to 10 s (past any deadline), about 2.5x apart. */
    private static final Duration[] DECISION_BUCKETS = {
        Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
        Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final MeterRegistry registry;
    private final Optional<PrometheusMeterRegistry> prometheus;
    private final List<AutoCloseable> binders;
    private boolean jvmBound;
    private final String vertxRegistryName = "ecrgate-" + UUID.randomUUID();
    private final Timer decisionLatency;
    private final Counter deadlineExceeded;
    private final Map<String, AtomicLong> lastGoodLoad = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> lastFailedLoad = new ConcurrentHashMap<>();
    /*
     * The per-request counters, each found by a small key instead of building a meter id (tags merged and sorted)
     * for every request, policy and violation: 28 of them for a 20-container denial. The keys are bounded as the
     * meters are: by policies, rules, effects, kinds and operations.
     */
    private record RequestKey(Verdict verdict, String kind, String operation) {
    }

    private record PolicyKey(String policy, String effect) {
    }

    private record ViolationKey(String policy, String rule, Effect effect) {
    }

    private final Map<RequestKey, Counter> requests = new ConcurrentHashMap<>();
    private final Map<PolicyKey, Counter> policyDecisions = new ConcurrentHashMap<>();
    private final Map<ViolationKey, Counter> violations = new ConcurrentHashMap<>();

    private Metrics(MeterRegistry registry, Optional<PrometheusMeterRegistry> prometheus, List<AutoCloseable> binders) {
        this.registry = registry;
        this.prometheus = prometheus;
        this.binders = binders;
        this.decisionLatency = Timer.builder("ecrgate.admission.duration")
                .description("Time from a request's body to its answer, lookups included")
                .serviceLevelObjectives(DECISION_BUCKETS).register(registry);
        this.deadlineExceeded = Counter.builder("ecrgate.admission.lookup.deadline.exceeded")
                .description("Image lookups that had no answer when the decision's deadline passed")
                .register(registry);
    }

    /** The Prometheus registry with the JVM and process meters, as {@code ecrgate serve} runs. */
    public static Metrics prometheus() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        return new Metrics(registry, Optional.of(registry), new ArrayList<>());
    }

    /**
     * Binds the JVM's and the process's meters (class loading, memory, GC, threads, CPU, uptime, file descriptors)
     * once; later calls do nothing. Not part of start-up: about 0.1 s on one core that answering does not need, so the
     * webhook binds them a few seconds after it is ready, and a scrape before that binds them first.
     */
    public synchronized void bindJvmMeters() {
        if (jvmBound || prometheus.isEmpty()) {
            return;
        }
        jvmBound = true;
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        binders.add(gc);
        new JvmThreadMetrics().bindTo(registry);
        new JvmInfoMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /** ecrgate's meters in a given registry, without JVM meters and without {@code /metrics} text (tests). */
    public static Metrics of(MeterRegistry registry) {
        return new Metrics(registry, Optional.empty(), List.of());
    }

    /** The registry, for the live ECR source and tests. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Everything in the Prometheus text format (version 0.0.4); empty when the registry is not Prometheus'. */
    Optional<String> scrape() {
        bindJvmMeters();
        return prometheus.map(PrometheusMeterRegistry::scrape);
    }

    /**
     * Vert.x's HTTP server meters ({@code vertx_http_server_*}, {@code vertx_net_server_*}, worker pools), labelled
     * by route, method and status code only. Each webhook has its own registry name: vertx-micrometer-metrics keeps
     * registries by name in a static map, which would otherwise let two webhooks in one JVM share one.
     */
    MicrometerMetricsOptions vertxOptions() {
        return new MicrometerMetricsOptions().setEnabled(true).setRegistryName(vertxRegistryName)
                .setLabels(EnumSet.of(Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE, Label.POOL_TYPE,
                        Label.POOL_NAME))
                .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS)
                .addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT)
                .addDisabledMetricsCategory(MetricsDomain.NET_CLIENT)
                .addDisabledMetricsCategory(MetricsDomain.DATAGRAM_SOCKET);
    }

    /**
     * One decided request: by decision, kind and operation; by policy with the strongest effect it had; each
     * violation by policy, rule and effect; and the latency.
     */
    void decided(Decision decision, long nanos) {
        var s = decision.subject();
        request(Verdict.of(decision), s.kind(), s.operation(), nanos);
        for (String policy : decision.policies()) {
            String effect = strongest(decision.violations(), policy);
            policyDecisions.computeIfAbsent(new PolicyKey(policy, effect), k -> Counter
                    .builder("ecrgate.policy.decisions")
                    .description("Requests each policy applied to, by the strongest effect it had on them")
                    .tag("policy", k.policy()).tag("effect", k.effect())
                    .register(registry)).increment();
        }
        for (Violation v : decision.violations()) {
            violations.computeIfAbsent(new ViolationKey(v.policy(), v.rule().field(), v.effect()), k -> Counter
                    .builder("ecrgate.violations").description("Broken rules, by policy, rule and effect")
                    .tag("policy", k.policy()).tag("rule", k.rule()).tag("effect", lower(k.effect()))
                    .register(registry)).increment();
        }
    }

    /** A request ecrgate lets through untouched: a kind, subresource or operation it does not check. */
    void allowedUnchecked(String kind, String operation, long nanos) {
        request(Verdict.ALLOWED, kind, operation, nanos);
    }

    /** A request that got no AdmissionReview answer: a bad request (400) or ecrgate's failure (500). */
    void failed(long nanos) {
        request(Verdict.ERROR, "unknown", "unknown", nanos);
    }

    private void request(Verdict verdict, String kind, String operation, long nanos) {
        requests.computeIfAbsent(new RequestKey(verdict, KINDS.contains(kind) ? kind : "other",
                OPERATIONS.contains(operation) ? operation : "other"), k -> Counter
                .builder("ecrgate.admission.requests").description("AdmissionReviews answered, by decision")
                .tag("decision", k.verdict().label())
                .tag("kind", k.kind())
                .tag("operation", k.operation())
                .register(registry)).increment();
        decisionLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** One image lookup given up on at the deadline. */
    void deadlineExceeded() {
        deadlineExceeded.increment();
    }

    /**
     * A load of {@code what} (policies, findings): the first one at start and every reload. The counter counts
     * reloads only; the gauges have the time of the last good load, the first one included, and of the last failed
     * one (0 if none): while the failure is the later, the directory's content is not in force.
     */
    void loaded(String what, boolean ok, boolean initial, Instant at) {
        AtomicLong good = lastGoodLoad.computeIfAbsent(what, w -> {
            AtomicLong failed = new AtomicLong();
            Gauge.builder("ecrgate.reload.last.failure.timestamp", failed, AtomicLong::get)
                    .description("When the last failed reload happened, in seconds since the epoch; 0 if none")
                    .baseUnit("seconds").tag("what", w).register(registry);
            lastFailedLoad.put(w, failed);
            AtomicLong a = new AtomicLong();
            Gauge.builder("ecrgate.reload.last.success.timestamp", a, AtomicLong::get)
                    .description("When the last good load happened, in seconds since the epoch").baseUnit("seconds")
                    .tag("what", w).register(registry);
            for (String result : List.of("success", "failure")) {
                reloads(w, result);
            }
            return a;
        });
        (ok ? good : lastFailedLoad.get(what)).set(at.getEpochSecond());
        if (!initial) {
            reloads(what, ok ? "success" : "failure").increment();
        }
    }

    private Counter reloads(String what, String result) {
        return Counter.builder("ecrgate.reloads")
                .description("Reloads after a change of the directory, by result; a failure keeps the last good"
                        + " value in force")
                .tag("what", what).tag("result", result).register(registry);
    }

    /** The policies in force now, counted at each scrape. */
    void policies(Supplier<Integer> count) {
        Gauge.builder("ecrgate.policies", count::get).description("Policies in force").register(registry);
    }

    /** When the certificate served to new connections expires; read at each scrape, so rotations show at once. */
    void servingCertificateExpiry(Supplier<Instant> notAfter) {
        Gauge.builder("ecrgate.tls.certificate.expiry.timestamp", () -> notAfter.get().getEpochSecond())
                .description("When the serving certificate expires, in seconds since the epoch").baseUnit("seconds")
                .register(registry);
    }

    private static String strongest(List<Violation> violations, String policy) {
        Effect strongest = null;
        for (Violation v : violations) {
            if (v.policy().equals(policy) && (strongest == null || v.effect().ordinal() < strongest.ordinal())) {
                strongest = v.effect();
            }
        }
        return strongest == null ? "allow" : lower(strongest);
    }

    private static String lower(Effect e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public synchronized void close() {
        for (AutoCloseable b : binders) {
            try {
                b.close();
            } catch (Exception e) {
                // shutting down: nothing more to do
            }
        }
        registry.close();
    }
}
