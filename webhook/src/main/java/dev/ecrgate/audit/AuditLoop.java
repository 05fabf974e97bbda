package dev.ecrgate.audit;

import dev.ecrgate.audit.AuditedReport.Verdict;
import dev.ecrgate.findings.FactNeeds;
import dev.ecrgate.findings.FactsWithinDeadline;
import dev.ecrgate.findings.FindingsSource;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.image.ImageReference;
import dev.ecrgate.policy.Decider;
import dev.ecrgate.policy.PolicySet;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background audit: watches Pods and the workload kinds, decides every owner's images with the admission
 * decision (no UPDATE grace), and keeps a Report per owner in the API, with a Warning Event when an owner starts
 * failing.
 *
 * <p>It decides again when something changed: a workload's images (informer events), the policies (a reload), a
 * fact (the findings cache says a refresh read something new), and every {@link AuditSettings#interval} in any
 * case. A run reads facts through the same cache as admission, so an unchanged world makes no ECR call beyond the
 * cache's own refreshes, and it writes only reports whose results changed: an unchanged world makes no API write.
 *
 * <p>Informer callbacks only take note; runs happen on the audit's own thread, which may block on the API (the
 * fabric8 client on the JDK's HTTP client) and never touches an event loop. Start it once; close it to stop.
 */
public final class AuditLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLoop.class);
    private static final long TICK_MILLIS = 200;
    private static final Duration RETRY = Duration.ofSeconds(5);
    static final int LOOKUPS_AT_ONCE = 10;
    static final Duration LOOKUP_DEADLINE = Duration.ofSeconds(10);

    private final KubernetesClient client;
    private final Supplier<PolicySet> policies;
    private final Supplier<FindingsSource> findings;
    private final Clock clock;
    private final AuditSettings settings;
    private final AuditMetrics metrics;
    private final ReportStore store;
    private final AuditEvents events;
    private final Map<String, Workload> workloads = new ConcurrentHashMap<>();
    private final Set<String> ignoredNamespaces = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean changed = new AtomicBoolean(true);
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ecrgate-audit");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, String> lastProblem = new ConcurrentHashMap<>();
    private AutoCloseable listening = () -> { };

    // the audit thread's own
    private Map<String, ReportStore.Known> known;
    private PolicySet lastPolicies;
    private FindingsSource lastFindings;
    private long nextRun = System.nanoTime();
    private volatile Instant lastRunAt;

    public AuditLoop(KubernetesClient client, Supplier<PolicySet> policies, Supplier<FindingsSource> findings,
                     Clock clock, AuditSettings settings, AuditMetrics metrics) {
        this.client = Objects.requireNonNull(client, "client");
        this.policies = Objects.requireNonNull(policies, "policies");
        this.findings = Objects.requireNonNull(findings, "findings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.store = new ReportStore(client);
        this.events = new AuditEvents(client, settings.instance());
    }

    /** Starts the informers and the audit thread; returns at once. */
    public synchronized void start() {
        listening = findings.get().onChange(() -> changed.set(true));
        watch(client.pods().inAnyNamespace());
        watch(client.apps().deployments().inAnyNamespace());
        watch(client.apps().replicaSets().inAnyNamespace());
        watch(client.apps().statefulSets().inAnyNamespace());
        watch(client.apps().daemonSets().inAnyNamespace());
        watch(client.batch().v1().jobs().inAnyNamespace());
        watch(client.batch().v1().cronjobs().inAnyNamespace());
        watch(client.replicationControllers().inAnyNamespace());
        SharedIndexInformer<Namespace> namespaces = client.namespaces().runnableInformer(0);
        namespaces.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Namespace ns) {
                noteNamespace(ns, false);
            }

            @Override
            public void onUpdate(Namespace old, Namespace ns) {
                noteNamespace(ns, false);
            }

            @Override
            public void onDelete(Namespace ns, boolean unknownFinalState) {
                noteNamespace(ns, true);
            }
        });
        informers.add(namespaces);
        start(namespaces);
        thread.scheduleWithFixedDelay(this::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
        LOG.info("audit started: every {} s, and whenever workloads, policies or image facts change",
                settings.interval().toSeconds());
    }

    /** When the last run finished, if one did. */
    public Optional<Instant> lastRun() {
        return Optional.ofNullable(lastRunAt);
    }

    private void noteNamespace(Namespace ns, boolean deleted) {
        String name = ns.getMetadata().getName();
        boolean ignored = !deleted && AuditNamespaces.ignores(ns);
        if (ignored ? ignoredNamespaces.add(name) : ignoredNamespaces.remove(name)) {
            changed.set(true);
        }
    }

    private <T extends HasMetadata> void watch(Informable<T> what) {
        SharedIndexInformer<T> informer = what.runnableInformer(0);
        informer.itemStore(new SlimStore<>());
        informer.addEventHandler(new ResourceEventHandler<T>() {
            @Override
            public void onAdd(T obj) {
                put(obj);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                put(newObj);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                if (obj.getMetadata() != null && obj.getMetadata().getUid() != null
                        && workloads.remove(obj.getMetadata().getUid()) != null) {
                    changed.set(true);
                }
            }
        });
        informers.add(informer);
        start(informer);
    }

    /** Starts an informer; one whose list is refused (RBAC, a missing API) says so once, and the audit waits. */
    private void start(SharedIndexInformer<?> informer) {
        String kind = informer.getApiTypeClass().getSimpleName();
        informer.start().whenComplete((v, e) -> {
            if (e != null) {
                metrics.failed("watch");
                problem("watch " + kind, "audit: cannot watch " + kind + "s, so the audit waits: " + describe(e));
            }
        });
    }

    private void put(HasMetadata obj) {
        Workload.of(obj).ifPresent(w -> {
            if (!w.equals(workloads.put(w.ref().uid(), w))) {
                changed.set(true);
            }
        });
    }

    private void tick() {
        try {
            if (!informers.stream().allMatch(SharedIndexInformer::hasSynced)) {
                return;
            }
            metrics.watching(workloads.size());
            if (known == null) {
                if (System.nanoTime() - nextRun < 0) {
                    return;
                }
                known = new HashMap<>(store.list());
                LOG.info("audit: watching {} objects; {} reports in the API", workloads.size(), known.size());
            }
            boolean due = changed.getAndSet(false) | policies.get() != lastPolicies
                    | findings.get() != lastFindings | System.nanoTime() - nextRun >= 0;
            if (due) {
                run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | ExecutionException e) {
            metrics.failed("run");
            problem("run", "audit run failed (retrying in " + RETRY.toSeconds() + " s): " + describe(e));
            nextRun = System.nanoTime() + RETRY.toNanos();
        }
    }

    private void run() throws InterruptedException, ExecutionException {
        long started = System.nanoTime();
        Instant now = clock.instant();
        PolicySet policySet = policies.get();
        FindingsSource source = findings.get();
        lastPolicies = policySet;
        lastFindings = source;
        nextRun = started + settings.interval().toNanos();
        List<Owners.Owned> owned = Owners.of(workloads.values(),
                new AuditNamespaces(settings.skippedNamespaces(), ignoredNamespaces));
        List<Decider.Plan> plans = new ArrayList<>(owned.size());
        Map<ImageReference, FactNeeds> lookups = new LinkedHashMap<>();
        for (Owners.Owned o : owned) {
            Decider.Plan plan = Reports.plan(o, policySet, now);
            plans.add(plan);
            plan.lookups().forEach((ref, needs) -> lookups.merge(ref, needs, FactNeeds::and));
        }
        Map<ImageReference, ImageFacts> facts = lookUp(source, lookups);
        Map<Verdict, Integer> byWorst = new EnumMap<>(Verdict.class);
        for (Verdict v : Verdict.values()) {
            byWorst.put(v, 0);
        }
        Set<String> current = new HashSet<>();
        for (int i = 0; i < owned.size(); i++) {
            AuditedReport report = Reports.report(owned.get(i).owner(), plans.get(i), facts);
            if (report.isEmpty()) {
                continue;
            }
            String key = ReportStore.key(report.owner().namespace(), ReportResource.name(report.owner()));
            current.add(key);
            byWorst.merge(worst(report), 1, Integer::sum);
            write(key, report, now);
        }
        for (String key : List.copyOf(known.keySet())) {
            if (!current.contains(key)) {
                try {
                    store.delete(key);
                    metrics.wrote("delete");
                    known.remove(key);
                } catch (RuntimeException e) {
                    metrics.failed("delete");
                    problem("delete " + key, "cannot delete report " + key + ": " + describe(e));
                    retrySoon();
                }
            }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        metrics.ran(byWorst, clock.instant(), took);
        lastRunAt = clock.instant();
        LOG.debug("audit run: {} owners, {} images in {} ms", owned.size(), lookups.size(), took.toMillis());
    }

    /**
     * The facts of a run, {@value #LOOKUPS_AT_ONCE} images at a time: cached ones answer at once, and a cold start
     * (every image of the cluster unknown) never has more than that many lookups waiting on ECR's rate limit, which
     * admissions share, so they keep being answered within their deadline while the audit fills the cache. The
     * audit is not in a hurry: each batch may wait {@link #LOOKUP_DEADLINE} or the admission deadline, whichever is
     * longer.
     */
    private Map<ImageReference, ImageFacts> lookUp(FindingsSource source, Map<ImageReference, FactNeeds> lookups)
            throws InterruptedException, ExecutionException {
        Duration deadline = settings.deadline().compareTo(LOOKUP_DEADLINE) > 0 ? settings.deadline()
                : LOOKUP_DEADLINE;
        FactsWithinDeadline within = new FactsWithinDeadline(source, deadline, FactsWithinDeadline.Timer.jdk());
        Map<ImageReference, ImageFacts> facts = new HashMap<>(lookups.size() * 2);
        Map<ImageReference, FactNeeds> batch = new LinkedHashMap<>();
        for (Map.Entry<ImageReference, FactNeeds> e : lookups.entrySet()) {
            batch.put(e.getKey(), e.getValue());
            if (batch.size() == LOOKUPS_AT_ONCE) {
                facts.putAll(within.lookUp(batch).toCompletableFuture().get());
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            facts.putAll(within.lookUp(batch).toCompletableFuture().get());
        }
        return facts;
    }

    private void write(String key, AuditedReport report, Instant now) {
        ReportStore.Known before = known.get(key);
        String hash = report.contentHash();
        if (before != null && before.hash().equals(hash)) {
            return;
        }
        try {
            store.apply(ReportResource.of(report, now));
            metrics.wrote("apply");
            lastProblem.remove("apply");
        } catch (RuntimeException e) {
            metrics.failed("apply");
            problem("apply", "cannot write report " + key + (e.getMessage() != null
                    && e.getMessage().contains("404") ? " (is the Report CRD reports.openreports.io installed?)" : "")
                    + ": " + describe(e));
            retrySoon();
            return;
        }
        known.put(key, new ReportStore.Known(hash, report.failing()));
        if (report.failing() && (before == null || !before.failing())) {
            try {
                events.emit(report, now);
                metrics.wrote("event");
            } catch (RuntimeException e) {
                metrics.failed("event");
                problem("event", "cannot send the Event for " + report.owner() + ": " + describe(e));
            }
        }
        LOG.info("audit: {} {} (report {})", report.owner(), worst(report).wire(), key);
    }

    private void retrySoon() {
        long soon = System.nanoTime() + RETRY.toNanos();
        if (nextRun - soon > 0) {
            nextRun = soon;
        }
    }

    static Verdict worst(AuditedReport report) {
        Map<Verdict, Integer> s = report.summary();
        if (s.get(Verdict.FAIL) > 0) {
            return Verdict.FAIL;
        } else if (s.get(Verdict.ERROR) > 0) {
            return Verdict.ERROR;
        } else if (s.get(Verdict.WARN) > 0) {
            return Verdict.WARN;
        }
        return Verdict.PASS;
    }

    /** Logs a problem once, and again only when its message changes: an outage does not flood the log. */
    private void problem(String what, String message) {
        if (!message.equals(lastProblem.put(what, message))) {
            LOG.warn(message);
        }
    }

    private static String describe(Throwable e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        String m = cause.getMessage();
        return cause.getClass().getSimpleName() + (m == null ? "" : ": " + m.lines().findFirst().orElse(""));
    }

    @Override
    public synchronized void close() {
        try {
            listening.close();
        } catch (Exception e) {
            // only a listener's registration: nothing to release
        }
        thread.shutdownNow();
        for (SharedIndexInformer<?> informer : informers) {
            informer.stop();
        }
        informers.clear();
        workloads.clear();
    }

    /**
     * The informers' store, keeping of each object only what the audit reads: its metadata without managed fields
     * or the last-applied annotation, its spec, and of a Pod's status only the phase. An informer holds every object
     * of the cluster; this keeps the audit's memory near the size of the specs.
     */
    static final class SlimStore<T extends HasMetadata> extends BasicItemStore<T> {
        SlimStore() {
            super(Cache::metaNamespaceKeyFunc);
        }

        @Override
        public T put(String key, T obj) {
            return super.put(key, slim(obj));
        }

        static <T extends HasMetadata> T slim(T obj) {
            if (obj.getMetadata() != null) {
                obj.getMetadata().setManagedFields(null);
                if (obj.getMetadata().getAnnotations() != null) {
                    obj.getMetadata().getAnnotations().remove("kubectl.kubernetes.io/last-applied-configuration");
                }
            }
            if (obj instanceof Pod pod && pod.getStatus() != null) {
                PodStatus phaseOnly = new PodStatus();
                phaseOnly.setPhase(pod.getStatus().getPhase());
                pod.setStatus(phaseOnly);
            }
            return obj;
        }
    }
}
