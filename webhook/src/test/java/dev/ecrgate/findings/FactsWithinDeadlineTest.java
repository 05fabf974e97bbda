package dev.ecrgate.findings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ecrgate.image.ImageReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** Facts within a deadline: at once when the cache has them, each given up at the deadline otherwise. */
class FactsWithinDeadlineTest {
    static final ImageReference CACHED = ref("111122223333.dkr.ecr.us-east-1.amazonaws.com/team/api:1");
    static final ImageReference SLOW = ref("111122223333.dkr.ecr.us-east-1.amazonaws.com/team/web:1");
    static final ImageReference BROKEN = ref("111122223333.dkr.ecr.us-east-1.amazonaws.com/team/db:1");
    static final ImageFacts FACTS = ImageFacts.failed("a stand-in fact");

    static ImageReference ref(String text) {
        try {
            return ImageReference.parse(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A timer that only records what was scheduled; {@link #fire} runs it. */
    static final class ManualTimer implements FactsWithinDeadline.Timer {
        final List<Runnable> tasks = new ArrayList<>();
        int cancelled;

        @Override
        public Runnable schedule(Duration after, Runnable task) {
            tasks.add(task);
            return () -> cancelled++;
        }

        void fire() {
            tasks.forEach(Runnable::run);
        }
    }

    static FindingsSource source(CompletableFuture<ImageFacts> slow) {
        return (image, needs) -> {
            CompletionStage<ImageFacts> stage = image.equals(SLOW) ? slow : image.equals(BROKEN)
                    ? CompletableFuture.failedFuture(new IllegalStateException("throttled\nmore"))
                    : CompletableFuture.completedFuture(FACTS);
            return stage;
        };
    }

    @Test
    void factsTheCacheHasAreAnsweredAtOnceWithoutATimer() {
        ManualTimer timer = new ManualTimer();
        var within = new FactsWithinDeadline(source(new CompletableFuture<>()), Duration.ofSeconds(2), timer);
        CompletableFuture<Map<ImageReference, ImageFacts>> facts = within.lookUp(Map.of(CACHED, FactNeeds.ALL,
                BROKEN, FactNeeds.ALL)).toCompletableFuture();
        assertTrue(facts.isDone(), "answered at once");
        assertEquals(FACTS, facts.join().get(CACHED));
        assertEquals(ImageFacts.failed("IllegalStateException: throttled"), facts.join().get(BROKEN),
                "a failed lookup reads as a failed fact, as on the slow path");
        assertEquals(0, timer.tasks.size(), "no timer set");
    }

    @Test
    void aLookupWithoutAnAnswerIsGivenUpAtTheDeadline() {
        ManualTimer timer = new ManualTimer();
        List<ImageReference> givenUp = new ArrayList<>();
        var within = new FactsWithinDeadline(source(new CompletableFuture<>()), Duration.ofSeconds(2), timer,
                givenUp::add);
        CompletableFuture<Map<ImageReference, ImageFacts>> facts = within.lookUp(Map.of(CACHED, FactNeeds.ALL,
                SLOW, FactNeeds.ALL)).toCompletableFuture();
        assertTrue(!facts.isDone() && timer.tasks.size() == 1, "waits, with the deadline set");
        timer.fire();
        assertEquals(FactsWithinDeadline.timedOut(Duration.ofSeconds(2)), facts.join().get(SLOW));
        assertEquals(FACTS, facts.join().get(CACHED));
        assertEquals(List.of(SLOW), givenUp);
    }

    @Test
    void aLateAnswerBeforeTheDeadlineCancelsTheTimer() {
        ManualTimer timer = new ManualTimer();
        CompletableFuture<ImageFacts> slow = new CompletableFuture<>();
        var within = new FactsWithinDeadline(source(slow), Duration.ofSeconds(2), timer);
        CompletableFuture<Map<ImageReference, ImageFacts>> facts = within.lookUp(Map.of(SLOW, FactNeeds.ALL))
                .toCompletableFuture();
        slow.complete(FACTS);
        assertEquals(FACTS, facts.join().get(SLOW));
        assertEquals(1, timer.cancelled);
    }
}
