package dev.ecrgate.findings.events;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The event feed's meters: {@code ecrgate_events_total{type,outcome}}, {@code ecrgate_event_lag_seconds} (from the
 * event's time to the refresh that applied it), {@code ecrgate_events_queue_errors_total{queue,operation}} and
 * {@code ecrgate_events_queue_up{queue}}. Thread safe.
 */
public final class EventMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counter> events = new ConcurrentHashMap<>();
    private final Map<String, Counter> errors = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> up = new ConcurrentHashMap<>();
    private final Timer lag;

    public EventMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.lag = Timer.builder("ecrgate_event_lag")
                .description("From an event's time (as EventBridge stamps it, to the second) to the cache refresh"
                        + " that applied it")
                .serviceLevelObjectives(Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
                        Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10),
                        Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5))
                .register(registry);
    }

    /** Meters that go nowhere, for tests. */
    public static EventMetrics none() {
        return new EventMetrics(new SimpleMeterRegistry());
    }

    void event(String type, String outcome) {
        events.computeIfAbsent(type + "|" + outcome, k -> Counter.builder("ecrgate_events")
                .description("Queue messages by event type and what handling them did")
                .tag("type", type).tag("outcome", outcome).register(registry)).increment();
    }

    void lag(Duration d) {
        lag.record(d.isNegative() ? Duration.ZERO : d);
    }

    void queueError(String queue, String operation) {
        errors.computeIfAbsent(queue + "|" + operation, k -> Counter.builder("ecrgate_events_queue_errors")
                .description("Failed SQS calls by queue and operation")
                .tag("queue", queue).tag("operation", operation).register(registry)).increment();
    }

    void queueUp(String queue, boolean yes) {
        up.computeIfAbsent(queue, q -> {
            AtomicInteger n = new AtomicInteger();
            Gauge.builder("ecrgate_events_queue_up", n, AtomicInteger::get)
                    .description("1 while the last receive from the queue succeeded").tag("queue", q)
                    .register(registry);
            return n;
        }).set(yes ? 1 : 0);
    }
}
