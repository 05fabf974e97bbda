package dev.ecrgate.audit;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the audit on one replica at a time: the holder of the coordination.k8s.io Lease
 * {@value AuditSettings#LEASE} in ecrgate's namespace (fabric8's LeaderElector, as client-go's leaderelection does
 * it). The leader starts a fresh {@link AuditLoop} (informers and all) and stops it when it loses the lease; the
 * others hold nothing but the campaign, and take over within the lease duration when the leader goes.
 */
public final class AuditLeader implements AutoCloseable {
    static final Duration LEASE_DURATION = Duration.ofSeconds(15);
    static final Duration RENEW_DEADLINE = Duration.ofSeconds(10);
    static final Duration RETRY_PERIOD = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger(AuditLeader.class);

    private final KubernetesClient client;
    private final AuditSettings settings;
    private final Supplier<AuditLoop> loops;
    private final AuditMetrics metrics;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "ecrgate-audit-lease");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;
    private volatile CompletableFuture<?> campaign = CompletableFuture.completedFuture(null);
    private AuditLoop running;

    private AuditLeader(KubernetesClient client, AuditSettings settings, Supplier<AuditLoop> loops,
                        AuditMetrics metrics) {
        this.client = client;
        this.settings = settings;
        this.loops = loops;
        this.metrics = metrics;
    }

    /** Campaigns for the lease now and for as long as it is open; {@code loops} makes the audit when it leads. */
    public static AuditLeader start(KubernetesClient client, AuditSettings settings, Supplier<AuditLoop> loops,
                                    AuditMetrics metrics) {
        AuditLeader leader = new AuditLeader(Objects.requireNonNull(client), settings, loops, metrics);
        leader.campaign();
        return leader;
    }

    private void campaign() {
        if (closed) {
            return;
        }
        LeaderElector elector = new io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectorBuilder(client,
                executor).withConfig(new LeaderElectionConfigBuilder()
                .withName(AuditSettings.LEASE)
                .withLock(new LeaseLock(settings.namespace(), AuditSettings.LEASE, settings.instance()))
                .withLeaseDuration(LEASE_DURATION).withRenewDeadline(RENEW_DEADLINE).withRetryPeriod(RETRY_PERIOD)
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(this::lead, this::follow,
                        who -> LOG.info("audit leader is {}", who)))
                .build()).build();
        campaign = elector.start();
        // a lost lease ends the elector: campaign again, as a replica that wants to lead
        campaign.whenComplete((v, e) -> {
            if (!closed) {
                executor.execute(this::campaign);
            }
        });
    }

    private synchronized void lead() {
        if (closed || running != null) {
            return;
        }
        LOG.info("leading the audit as {} (lease {}/{})", settings.instance(), settings.namespace(),
                AuditSettings.LEASE);
        running = loops.get();
        running.start();
        metrics.leading(true);
    }

    private synchronized void follow() {
        if (running != null) {
            LOG.info("no longer leading the audit");
            running.close();
            running = null;
        }
        metrics.leading(false);
    }

    /** Stops the audit and gives the lease up, so that another replica takes over at once. */
    @Override
    public void close() {
        closed = true;
        campaign.cancel(true);
        follow();
        executor.shutdownNow();
    }
}
