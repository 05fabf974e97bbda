package dev.ecrgate.findings.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ecrgate.findings.ecr.EcrFacts.Refreshed;
import dev.ecrgate.findings.events.EventApplier.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Coalescing, with the ticks, the clocks and the refreshes in the test's hands. */
class EventApplierTest {
    static final Instant T0 = Instant.parse("2026-12-03T09:00:00Z");
    static final String ACCOUNT = "111122223333";

    record Read(RegistryEvent.Effect effect, CompletableFuture<Refreshed> answer) {
    }

    final List<Read> reads = new ArrayList<>();
    final AtomicLong nanos = new AtomicLong();
    Instant wall = T0;
    final EventApplier applier = new EventApplier(effect -> {
        CompletableFuture<Refreshed> answer = new CompletableFuture<>();
        reads.add(new Read(effect, answer));
        return answer;
    }, null, nanos::get, () -> wall, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(2));

    static RegistryEvent scan(String digest, Instant time) {
        return new RegistryEvent("e", RegistryEvent.Kind.SCAN, time, ACCOUNT, "us-east-1", "team-blue/api",
                List.of(digest), List.of());
    }

    static String digest(int n) {
        return "sha256:" + String.format("%064x", n);
    }

    void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
        wall = wall.plus(d);
    }

    static Refreshed changed() {
        return new Refreshed(1, 1, Optional.empty());
    }

    @Test
    void theEventsOfABurstForOneImageShareOneRead() {
        List<CompletableFuture<EventApplier.Result>> results = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            results.add(applier.apply(scan(digest(1), T0)));
        }

        applier.tick();
        assertEquals(1, reads.size());
        assertFalse(results.get(0).isDone(), "answered before the read");
        reads.get(0).answer().complete(changed());

        results.forEach(r -> assertEquals(Outcome.APPLIED, r.join().outcome()));
    }

    @Test
    void differentImagesAreReadSideBySide() {
        for (int i = 0; i < 1000; i++) {
            applier.apply(scan(digest(i % 10), T0));
        }

        applier.tick();

        assertEquals(10, reads.size());
        assertEquals(10, reads.stream().map(Read::effect).distinct().count());
    }

    @Test
    void anEventThatArrivesDuringARead_isReadAgainAfterTheSpacing() {
        CompletableFuture<EventApplier.Result> first = applier.apply(scan(digest(1), T0));
        applier.tick();
        CompletableFuture<EventApplier.Result> second = applier.apply(scan(digest(1), T0));
        applier.tick();
        assertEquals(1, reads.size(), "one read at a time per entry");

        reads.get(0).answer().complete(changed());
        assertEquals(Outcome.APPLIED, first.join().outcome());
        advance(Duration.ofMillis(500));
        applier.tick();
        assertEquals(1, reads.size(), "not again within the spacing");
        assertFalse(second.isDone());

        advance(Duration.ofMillis(500));
        applier.tick();
        assertEquals(2, reads.size(), "again once the spacing is over: the first read may have missed it");
        reads.get(1).answer().complete(new Refreshed(1, 0, Optional.empty()));
        assertEquals(Outcome.APPLIED, second.join().outcome());
    }

    @Test
    void anOldEventIsAnsweredByAReadThatBeganWellAfterIt() {
        advance(Duration.ofSeconds(10));
        applier.apply(scan(digest(1), wall));
        applier.tick();
        reads.get(0).answer().complete(changed());

        advance(Duration.ofSeconds(1));
        // redelivered, or read from a backlog: it happened 10 s before the last read began
        CompletableFuture<EventApplier.Result> backlog = applier.apply(scan(digest(1), T0));
        // it happened 1 s before the last read began: within the skew, so it is read again
        CompletableFuture<EventApplier.Result> recent = applier.apply(scan(digest(1), wall.minusSeconds(2)));
        applier.tick();

        assertEquals(Outcome.APPLIED, backlog.join().outcome());
        assertEquals(0, backlog.join().refreshed().changed(), "the change was the last read's");
        assertEquals(2, reads.size());
        assertFalse(recent.isDone());
    }

    @Test
    void anEventAboutNothingCachedNeedsNothing() {
        CompletableFuture<EventApplier.Result> r = applier.apply(scan(digest(1), T0));
        applier.tick();
        reads.get(0).answer().complete(Refreshed.NOTHING);

        assertEquals(Outcome.NOT_CACHED, r.join().outcome());
    }

    @Test
    void aFailedReadFailsItsEventsAndAnswersNoLaterOne() {
        CompletableFuture<EventApplier.Result> r = applier.apply(scan(digest(1), T0));
        applier.tick();
        reads.get(0).answer().complete(new Refreshed(1, 0, Optional.of("ThrottlingException: Rate exceeded")));
        assertEquals(Outcome.FAILED, r.join().outcome());
        assertEquals(Optional.of("ThrottlingException: Rate exceeded"), r.join().refreshed().failure());

        advance(Duration.ofSeconds(5));
        CompletableFuture<EventApplier.Result> old = applier.apply(scan(digest(1), T0));
        applier.tick();
        assertEquals(2, reads.size(), "a failed read answers nothing");
        assertFalse(old.isDone());
    }

    @Test
    void aRefreshThatThrowsIsAFailedReadNotALostEvent() {
        EventApplier throwing = new EventApplier(e -> {
            throw new IllegalStateException("boom");
        }, null, nanos::get, () -> wall, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(2));
        CompletableFuture<EventApplier.Result> r = throwing.apply(scan(digest(1), T0));

        throwing.tick();

        assertEquals(Outcome.FAILED, r.join().outcome());
    }

    @Test
    void aDeleteCompletesWhenEveryEntryItConcernsWasRead() {
        RegistryEvent delete = new RegistryEvent("d", RegistryEvent.Kind.DELETE, T0, ACCOUNT, "us-east-1",
                "team-blue/api", List.of(digest(1)), List.of("1.4.2"));
        CompletableFuture<EventApplier.Result> r = applier.apply(delete);
        applier.tick();
        assertEquals(3, reads.size());

        reads.get(0).answer().complete(changed());
        reads.get(1).answer().complete(Refreshed.NOTHING);
        assertFalse(r.isDone());
        reads.get(2).answer().complete(changed());

        assertEquals(new Refreshed(2, 2, Optional.empty()), r.join().refreshed());
    }

    @Test
    void closingAnswersTheWaitingEventsAsNotApplied() {
        CompletableFuture<EventApplier.Result> r = applier.apply(scan(digest(1), T0));

        applier.close();

        assertTrue(r.isDone());
        assertEquals(Outcome.FAILED, r.join().outcome());
    }
}
