package dev.ecrgate.findings.events;

import dev.ecrgate.findings.ecr.EcrFacts;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Consumes one SQS queue of EventBridge events: long polls (20 s, 10 messages at a time), hands each event to the
 * {@link EventApplier}, and deletes a batch's messages once they are handled. A message is deleted when its event
 * was applied, concerned nothing cached, or can never be applied (not an event, of a type ecrgate does not read,
 * malformed): those are counted and logged once per kind. A message whose refresh failed (ECR unreachable or
 * throttled) is left in the queue: SQS delivers it again after the queue's visibility timeout, and after the
 * redrive policy's {@code maxReceiveCount} moves it to the dead-letter queue. A failing queue is retried with
 * backoff (1 s doubling to 30 s) and never stops the webhook.
 */
final class EventQueue implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventQueue.class);
    /** Messages handled at once; beyond this the queue waits before receiving more. */
    private static final int MAX_IN_FLIGHT = 2000;
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final QueueAddress queue;
    private final SqsAsyncClient sqs;
    private final EventApplier applier;
    private final EventMetrics metrics;
    private final ScheduledExecutorService scheduler;
    private final Supplier<Instant> wallClock;
    private final Set<String> logged = ConcurrentHashMap.newKeySet();
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean closed;
    private volatile Optional<String> down = Optional.of("not polled yet");
    private volatile Instant downSince;
    private int failures;

    EventQueue(QueueAddress queue, SqsAsyncClient sqs, EventApplier applier, EventMetrics metrics,
               ScheduledExecutorService scheduler, Supplier<Instant> wallClock) {
        this.queue = queue;
        this.sqs = sqs;
        this.applier = applier;
        this.metrics = metrics;
        this.scheduler = scheduler;
        this.wallClock = wallClock;
        this.downSince = wallClock.get();
    }

    QueueAddress address() {
        return queue;
    }

    /** Why the last receive failed, while it keeps failing. */
    Optional<String> down() {
        return down.map(why -> "event queue " + queue.name() + " unreachable since " + downSince + ": " + why);
    }

    void start() {
        metrics.queueUp(queue.name(), false);
        sqs.getQueueAttributes(r -> r.queueUrl(queue.url()).attributeNames(QueueAttributeName.REDRIVE_POLICY,
                        QueueAttributeName.VISIBILITY_TIMEOUT))
                .whenComplete((attributes, error) -> {
                    if (error != null) {
                        metrics.queueError(queue.name(), "GetQueueAttributes");
                        LOG.warn("event queue {}: cannot read its attributes ({}); polling it anyway", queue.name(),
                                EcrFacts.describe(error));
                    } else {
                        String redrive = attributes.attributes().get(QueueAttributeName.REDRIVE_POLICY);
                        String visibility = attributes.attributes().get(QueueAttributeName.VISIBILITY_TIMEOUT);
                        if (redrive == null || redrive.isBlank()) {
                            LOG.warn("event queue {} has no redrive policy: an event that cannot be applied comes"
                                    + " back every {} s forever; give it a dead-letter queue (deploy/events/)",
                                    queue.name(), visibility);
                        } else {
                            LOG.info("event queue {}: visibility timeout {} s, redrive policy {}", queue.name(),
                                    visibility, redrive);
                        }
                    }
                    poll();
                });
    }

    private void poll() {
        if (closed) {
            return;
        }
        if (inFlight.get() >= MAX_IN_FLIGHT) {
            scheduler.schedule(this::poll, 100, TimeUnit.MILLISECONDS);
            return;
        }
        sqs.receiveMessage(r -> r.queueUrl(queue.url()).maxNumberOfMessages(10).waitTimeSeconds(20)
                        .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))
                .whenComplete((response, error) -> {
                    if (closed) {
                        return;
                    }
                    if (error != null) {
                        failed(EcrFacts.describe(error));
                        return;
                    }
                    if (down.isPresent()) {
                        if (failures > 0) {
                            LOG.info("event queue {} is reachable again", queue.name());
                        }
                        down = Optional.empty();
                        failures = 0;
                        metrics.queueUp(queue.name(), true);
                    }
                    handle(response.messages());
                    poll();
                });
    }

    private void failed(String why) {
        metrics.queueError(queue.name(), "ReceiveMessage");
        metrics.queueUp(queue.name(), false);
        if (down.isEmpty() || failures == 0) {
            downSince = wallClock.get();
            LOG.warn("event queue {}: receiving failed ({}); admission is unaffected, cached facts keep their"
                    + " TTLs, retrying with backoff", queue.name(), why);
        }
        down = Optional.of(why);
        long delay = Math.min(MAX_BACKOFF.toMillis(), 1000L << Math.min(failures, 5));
        failures++;
        scheduler.schedule(this::poll, delay, TimeUnit.MILLISECONDS);
    }

    private void handle(List<Message> messages) {
        if (messages.isEmpty()) {
            return;
        }
        inFlight.addAndGet(messages.size());
        List<CompletableFuture<Optional<Message>>> handled = new ArrayList<>(messages.size());
        for (Message m : messages) {
            handled.add(handle(m).exceptionally(e -> {
                LOG.warn("event queue {}: handling message {} failed: {}", queue.name(), m.messageId(), e.toString());
                return Optional.empty();
            }));
        }
        CompletableFuture.allOf(handled.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
            inFlight.addAndGet(-messages.size());
            List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
            for (CompletableFuture<Optional<Message>> f : handled) {
                f.join().ifPresent(m -> entries.add(DeleteMessageBatchRequestEntry.builder()
                        .id(Integer.toString(entries.size())).receiptHandle(m.receiptHandle()).build()));
            }
            if (!entries.isEmpty() && !closed) {
                sqs.deleteMessageBatch(r -> r.queueUrl(queue.url()).entries(entries)).whenComplete((r, error) -> {
                    if (error != null) {
                        metrics.queueError(queue.name(), "DeleteMessageBatch");
                        LOG.warn("event queue {}: deleting {} handled messages failed ({}); they will be read"
                                + " again, which is harmless", queue.name(), entries.size(),
                                EcrFacts.describe(error));
                    } else if (!r.failed().isEmpty()) {
                        metrics.queueError(queue.name(), "DeleteMessageBatch");
                        LOG.warn("event queue {}: {} of {} handled messages were not deleted ({})", queue.name(),
                                r.failed().size(), entries.size(), r.failed().get(0).message());
                    }
                });
            }
        });
    }

    /** Handles one message; answers it when it is to be deleted. */
    private CompletableFuture<Optional<Message>> handle(Message m) {
        ParsedMessage parsed = RegistryEvents.parse(m.body());
        if (parsed instanceof ParsedMessage.Event e) {
            RegistryEvent event = e.event();
            return applier.apply(event).thenApply(result -> {
                metrics.event(parsed.type(), result.outcome().label());
                if (result.outcome() == EventApplier.Outcome.FAILED) {
                    if (logged.size() < 1000 && logged.add("failed|" + event.repository())) {
                        LOG.warn("event queue {}: {} event {} for {}: refreshing the cache failed ({}); left in"
                                + " the queue to be read again (receive {})", queue.name(), parsed.type(),
                                event.id(), event.repository(), result.refreshed().failure().orElse("?"),
                                m.attributes().getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
                                        "?"));
                    }
                    return Optional.<Message>empty();
                }
                if (result.outcome() == EventApplier.Outcome.APPLIED) {
                    metrics.lag(Duration.between(event.time(), wallClock.get()));
                    if (result.refreshed().changed() > 0) {
                        LOG.info("event {} {} for {}{}: {} cached entries read again, {} changed", parsed.type(),
                                event.id(),
                                event.repository(), event.digests().isEmpty() ? ":" + event.tags()
                                        : "@" + event.digests().get(0), result.refreshed().entries(),
                                result.refreshed().changed());
                    }
                }
                return Optional.of(m);
            });
        } else if (parsed instanceof ParsedMessage.Ignored i) {
            metrics.event(i.type(), "ignored");
            LOG.debug("event queue {}: message {} ignored: {}", queue.name(), m.messageId(), i.why());
        } else if (parsed instanceof ParsedMessage.Unknown u) {
            metrics.event(u.type(), "unknown");
            if (logged.size() < 1000 && logged.add("unknown|" + u.source() + "|" + u.detailType())) {
                LOG.warn("event queue {}: message {} is a {} event \"{}\", which ecrgate does not read; deleted"
                        + " (narrow the EventBridge rule to the pattern in deploy/events/)", queue.name(),
                        m.messageId(), u.source(), u.detailType());
            }
        } else if (parsed instanceof ParsedMessage.Malformed bad) {
            metrics.event(bad.type(), "malformed");
            if (logged.size() < 1000 && logged.add("malformed|" + bad.type())) {
                LOG.warn("event queue {}: message {} cannot be read ({}); deleted. Later messages like it are"
                        + " only counted (ecrgate_events_total, outcome malformed)", queue.name(),
                        m.messageId(), bad.why());
            }
        }
        return CompletableFuture.completedFuture(Optional.of(m));
    }

    @Override
    public void close() {
        closed = true;
    }
}
