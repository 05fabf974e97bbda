package dev.ecrgate.findings.events;

import dev.ecrgate.findings.ecr.EcrFacts.Refreshed;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Turns registry events into cache refreshes, coalesced: the events of a burst that concern one cached entry share
 * one ECR call.
 *
 * <p>An event's effects wait at most one tick ({@code tick}, 25 ms) so that the events that arrive together are
 * read together. One entry is read at most once per {@code spacing} (1 s): events that arrive while it is being
 * read, or within the spacing after, wait for the next read. An event is already answered by the last read when
 * that read began at least {@code skew} (2 s) after the event's time: EventBridge stamps events to the second, and
 * clocks may differ a little; a backlog of old events (after a restart, or redelivered) thus costs nothing more.
 *
 * <p>Thread safe. The refresh function must not block; it is called on the tick's thread.
 */
public final class EventApplier implements AutoCloseable {
    /** What applying one event did. */
    public enum Outcome {
        /** At least one cached entry was read again. */
        APPLIED("applied"),
        /** Nothing the event concerns is cached: nothing to do. */
        NOT_CACHED("not_cached"),
        /** Reading an entry failed: the event should be read again later. */
        FAILED("failed");

        private final String label;

        Outcome(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** The outcome of one event, with the refreshes behind it. */
    public record Result(Outcome outcome, Refreshed refreshed) {
        static Result of(Refreshed r) {
            return new Result(r.failure().isPresent() ? Outcome.FAILED
                    : r.entries() == 0 ? Outcome.NOT_CACHED : Outcome.APPLIED, r);
        }
    }

    private record Waiter(Instant eventTime, CompletableFuture<Refreshed> done) {
    }

    /** One cached entry's reads; guarded by the applier's lock. */
    private static final class EntryState {
        final List<Waiter> pending = new ArrayList<>();
        boolean reading;
        long lastStart;
        Instant lastStartWall;
        Refreshed lastResult;
    }

    private final Function<RegistryEvent.Effect, CompletableFuture<Refreshed>> refresh;
    private final LongSupplier nanoTime;
    private final Supplier<Instant> wallClock;
    private final long spacing;
    private final Duration skew;
    private final long forget;
    private final Map<RegistryEvent.Effect, EntryState> entries = new HashMap<>();
    private final ScheduledFuture<?> ticks;
    private long refreshes;

    /**
     * @param refresh   reads one entry again; must not block and must not fail (a failure is in the result)
     * @param scheduler runs the ticks
     * @param nanoTime  the monotonic clock of the spacing
     * @param wallClock the clock compared with event times
     */
    public EventApplier(Function<RegistryEvent.Effect, CompletableFuture<Refreshed>> refresh,
                        ScheduledExecutorService scheduler, LongSupplier nanoTime, Supplier<Instant> wallClock,
                        Duration tick, Duration spacing, Duration skew) {
        this.refresh = refresh;
        this.nanoTime = nanoTime;
        this.wallClock = wallClock;
        this.spacing = spacing.toNanos();
        this.skew = skew;
        this.forget = Math.max(spacing.toNanos(), Duration.ofMinutes(1).toNanos());
        this.ticks = scheduler == null ? null
                : scheduler.scheduleWithFixedDelay(this::tick, tick.toMillis(), tick.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** With the defaults: a tick of 25 ms, a spacing of 1 s and a clock skew allowance of 2 s. */
    public static EventApplier start(Function<RegistryEvent.Effect, CompletableFuture<Refreshed>> refresh,
                                     ScheduledExecutorService scheduler) {
        return new EventApplier(refresh, scheduler, System::nanoTime, Instant::now, Duration.ofMillis(25),
                Duration.ofSeconds(1), Duration.ofSeconds(2));
    }

    /** Completes when every entry {@code event} concerns was read after it (or no read was needed). */
    public CompletableFuture<Result> apply(RegistryEvent event) {
        List<RegistryEvent.Effect> effects = event.effects();
        List<CompletableFuture<Refreshed>> all = new ArrayList<>(effects.size());
        synchronized (this) {
            for (RegistryEvent.Effect effect : effects) {
                CompletableFuture<Refreshed> done = new CompletableFuture<>();
                entries.computeIfAbsent(effect, e -> new EntryState()).pending.add(new Waiter(event.time(), done));
                all.add(done);
            }
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> Result.of(all.stream()
                .map(CompletableFuture::join).reduce(Refreshed.NOTHING, Refreshed::plus)));
    }

    /** Starts the reads that are due; called every tick (and by tests). */
    public void tick() {
        long now = nanoTime.getAsLong();
        List<Runnable> after = new ArrayList<>();
        synchronized (this) {
            Iterator<Map.Entry<RegistryEvent.Effect, EntryState>> it = entries.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<RegistryEvent.Effect, EntryState> e = it.next();
                EntryState state = e.getValue();
                if (state.reading) {
                    continue;
                }
                if (state.pending.isEmpty()) {
                    if (state.lastStartWall == null || now - state.lastStart > forget) {
                        it.remove();
                    }
                    continue;
                }
                if (state.lastStartWall != null && now - state.lastStart < spacing) {
                    continue;
                }
                List<Waiter> waiting = new ArrayList<>(state.pending);
                state.pending.clear();
                if (state.lastResult != null && state.lastResult.failure().isEmpty()) {
                    Refreshed last = state.lastResult;
                    Instant lastStart = state.lastStartWall;
                    List<Waiter> answered = waiting.stream()
                            .filter(w -> !w.eventTime().plus(skew).isAfter(lastStart)).toList();
                    waiting.removeAll(answered);
                    after.add(() -> answered.forEach(w -> w.done().complete(last.entries() == 0 ? last
                            : new Refreshed(last.entries(), 0, Optional.empty()))));
                }
                if (waiting.isEmpty()) {
                    continue;
                }
                state.reading = true;
                state.lastStart = now;
                state.lastStartWall = wallClock.get();
                refreshes++;
                RegistryEvent.Effect effect = e.getKey();
                after.add(() -> read(effect, state, waiting));
            }
        }
        after.forEach(Runnable::run);
    }

    private void read(RegistryEvent.Effect effect, EntryState state, List<Waiter> waiting) {
        CompletableFuture<Refreshed> read;
        try {
            read = refresh.apply(effect);
        } catch (RuntimeException e) {
            read = CompletableFuture.completedFuture(new Refreshed(1, 0, Optional.of(e.toString())));
        }
        read.handle((r, error) -> error == null ? r : new Refreshed(1, 0, Optional.of(String.valueOf(error))))
                .thenAccept(r -> {
                    synchronized (this) {
                        state.reading = false;
                        state.lastResult = r;
                    }
                    waiting.forEach(w -> w.done().complete(r));
                });
    }

    /** How many reads were started, for tests and the benchmark. */
    public synchronized long refreshes() {
        return refreshes;
    }

    /** Entries with events waiting or being read. */
    public synchronized int pending() {
        int n = 0;
        for (EntryState s : entries.values()) {
            n += s.pending.size() + (s.reading ? 1 : 0);
        }
        return n;
    }

    @Override
    public void close() {
        if (ticks != null) {
            ticks.cancel(false);
        }
        List<Waiter> left = new ArrayList<>();
        synchronized (this) {
            entries.values().forEach(s -> left.addAll(s.pending));
            entries.clear();
        }
        Refreshed closing = new Refreshed(0, 0, Optional.of("ecrgate is shutting down"));
        left.forEach(w -> w.done().complete(closing));
    }
}
