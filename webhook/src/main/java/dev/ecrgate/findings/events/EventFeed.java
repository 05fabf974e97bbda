package dev.ecrgate.findings.events;

import dev.ecrgate.findings.ecr.EcrFacts;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.crt.AwsCrtAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClientBuilder;

/**
 * The event feed of {@code serve --events-queue}: ECR and Inspector events, routed by an EventBridge rule to SQS
 * queues, keep the live source's cache fresh within about a second instead of its TTLs. Each queue is consumed by
 * an {@link EventQueue}; their events go through one {@link EventApplier} into {@link EcrFacts}' refreshes, which
 * tell the background audit when a fact changed. The feed only ever makes the cache fresher: with every queue down,
 * admission works as without it, on the TTLs. Thread safe; close it to stop.
 */
public final class EventFeed implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventFeed.class);

    private final List<EventQueue> queues;
    private final EventApplier applier;
    private final ScheduledExecutorService scheduler;
    private final List<SqsAsyncClient> clients;
    private final SdkAsyncHttpClient http;

    private EventFeed(List<EventQueue> queues, EventApplier applier, ScheduledExecutorService scheduler,
                      List<SqsAsyncClient> clients, SdkAsyncHttpClient http) {
        this.queues = queues;
        this.applier = applier;
        this.scheduler = scheduler;
        this.clients = clients;
        this.http = http;
    }

    /** Starts consuming {@code queues} with the default AWS credentials chain. */
    public static EventFeed start(List<QueueAddress> queues, EcrFacts facts, EventMetrics metrics) {
        return start(queues, facts, metrics, DefaultCredentialsProvider.builder()
                .asyncCredentialUpdateEnabled(true).build());
    }

    /** Starts consuming {@code queues} with these credentials. */
    public static EventFeed start(List<QueueAddress> queues, EcrFacts facts, EventMetrics metrics,
                                  AwsCredentialsProvider credentials) {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ecrgate-events");
            t.setDaemon(true);
            return t;
        });
        EventApplier applier = EventApplier.start(effect -> switch (effect.target()) {
            case SCAN -> facts.refreshScan(effect.account(), effect.region(), effect.repository(), effect.value());
            case TAG -> facts.refreshTag(effect.account(), effect.region(), effect.repository(), effect.value());
            case TAGS_AT -> facts.refreshTagsOf(effect.account(), effect.region(), effect.repository(),
                    effect.value());
        }, scheduler);
        SdkAsyncHttpClient http = AwsCrtAsyncHttpClient.builder().maxConcurrency(16)
                .connectionTimeout(Duration.ofSeconds(2)).build();
        Map<String, SqsAsyncClient> clients = new LinkedHashMap<>();
        List<EventQueue> consumers = new ArrayList<>();
        for (QueueAddress q : queues) {
            SqsAsyncClient sqs = clients.computeIfAbsent(q.region() + "|" + q.endpoint() + "|" + q.fips(),
                    k -> client(q, http, credentials));
            consumers.add(new EventQueue(q, sqs, applier, metrics, scheduler, Instant::now));
        }
        EventFeed feed = new EventFeed(consumers, applier, scheduler, List.copyOf(clients.values()), http);
        consumers.forEach(EventQueue::start);
        LOG.info("event feed: consuming {}", queues.stream().map(q -> q.name() + " (" + q.region()
                + q.endpoint().map(u -> " at " + u).orElse("") + ")").collect(Collectors.joining(", ")));
        return feed;
    }

    private static SqsAsyncClient client(QueueAddress q, SdkAsyncHttpClient http, AwsCredentialsProvider creds) {
        SqsAsyncClientBuilder b = SqsAsyncClient.builder().region(Region.of(q.region())).httpClient(http)
                .credentialsProvider(creds)
                // a long poll holds a request for 20 s
                .overrideConfiguration(c -> c.apiCallTimeout(Duration.ofSeconds(40))
                        .apiCallAttemptTimeout(Duration.ofSeconds(30)));
        if (q.endpoint().isPresent()) {
            b.endpointOverride(q.endpoint().get());
        } else {
            b.fipsEnabled(q.fips());
        }
        return b.build();
    }

    /** What is wrong with the feed, for {@code /readyz}: the queues that cannot be read now. */
    public Optional<String> degraded() {
        List<String> down = queues.stream().map(EventQueue::down).flatMap(Optional::stream).toList();
        return down.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", down));
    }

    /** Refreshes started so far (for tests and the benchmark). */
    public long refreshes() {
        return applier.refreshes();
    }

    @Override
    public void close() {
        queues.forEach(EventQueue::close);
        applier.close();
        clients.forEach(SqsAsyncClient::close);
        http.close();
        scheduler.shutdownNow();
    }
}
