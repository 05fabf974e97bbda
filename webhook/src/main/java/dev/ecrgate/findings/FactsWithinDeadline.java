package dev.ecrgate.findings;

import dev.ecrgate.image.ImageReference;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The facts one decision may wait for: every lookup of the plan, each given up when it has no answer at the
 * deadline. The webhook and the command line both take their facts from here, so that a lookup that timed out or
 * failed reads the same in {@code ecrgate serve}'s answer and in {@code ecrgate explain} or {@code check}.
 *
 * <p>A lookup without an answer at the deadline becomes {@link #timedOut}'s failed fact; a lookup that failed
 * becomes a failed fact described by {@link #describe}. A lookup that goes on after the deadline still fills the
 * source's cache, so a retry is likely to be answered at once. Thread safe; never blocks.
 */
public final class FactsWithinDeadline {
    private final FindingsSource source;
    private final Duration deadline;
    private final Timer timer;
    private final Consumer<ImageReference> givenUp;

    /**
     * Runs {@code task} once after a delay, on a thread of its choosing; the returned action cancels it (a no-op
     * once it ran). The webhook uses a Vert.x timer, the command line {@link #jdk()}.
     */
    @FunctionalInterface
    public interface Timer {
        Runnable schedule(Duration after, Runnable task);

        /** A timer on the JDK's shared delay thread, for callers without an event loop. */
        static Timer jdk() {
            return (after, task) -> {
                AtomicBoolean cancelled = new AtomicBoolean();
                CompletableFuture.delayedExecutor(after.toNanos(), TimeUnit.NANOSECONDS).execute(() -> {
                    if (!cancelled.get()) {
                        task.run();
                    }
                });
                return () -> cancelled.set(true);
            };
        }
    }

    /**
     * @param givenUp told of each image given up at the deadline (once per image, on the timer's thread), for a
     *                metric
     */
    public FactsWithinDeadline(FindingsSource source, Duration deadline, Timer timer,
                               Consumer<ImageReference> givenUp) {
        this.source = Objects.requireNonNull(source, "source");
        this.deadline = Objects.requireNonNull(deadline, "deadline");
        this.timer = Objects.requireNonNull(timer, "timer");
        this.givenUp = Objects.requireNonNull(givenUp, "givenUp");
    }

    /** Without a metric. */
    public FactsWithinDeadline(FindingsSource source, Duration deadline, Timer timer) {
        this(source, deadline, timer, ref -> { });
    }

    /**
     * The facts of {@code lookups}, one for every key, completing at the latest when the deadline passes. Never
     * completes exceptionally. It completes on the thread of the last answer or of the timer: a caller with a
     * context of its own (an event loop) moves back to it.
     */
    public CompletionStage<Map<ImageReference, ImageFacts>> lookUp(Map<ImageReference, FactNeeds> lookups) {
        if (lookups.isEmpty()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        Map<ImageReference, CompletionStage<ImageFacts>> stages = source.factsAll(lookups);
        Map<ImageReference, ImageFacts> answered = answeredAlready(stages);
        if (answered != null) {
            return CompletableFuture.completedFuture(answered);
        }
        CompletableFuture<Map<ImageReference, ImageFacts>> done = new CompletableFuture<>();
        Map<ImageReference, ImageFacts> results = new ConcurrentHashMap<>();
        AtomicInteger remaining = new AtomicInteger(stages.size());
        Runnable cancel = timer.schedule(deadline, () -> {
            for (ImageReference ref : stages.keySet()) {
                if (results.putIfAbsent(ref, timedOut(deadline)) == null) {
                    givenUp.accept(ref);
                }
            }
            done.complete(Map.copyOf(results));
        });
        stages.forEach((ref, stage) -> stage.whenComplete((facts, error) -> {
            results.putIfAbsent(ref, error == null ? facts : ImageFacts.failed(describe(error)));
            if (remaining.decrementAndGet() == 0) {
                cancel.run();
                done.complete(Map.copyOf(results));
            }
        }));
        return done;
    }

    /**
     * The facts when every lookup has its answer already, as when all come from the cache: then no timer is set;
     * null when one has yet to answer.
     */
    private static Map<ImageReference, ImageFacts> answeredAlready(
            Map<ImageReference, CompletionStage<ImageFacts>> stages) {
        Map<ImageReference, ImageFacts> out = new java.util.HashMap<>(stages.size() * 2);
        for (Map.Entry<ImageReference, CompletionStage<ImageFacts>> e : stages.entrySet()) {
            if (!(e.getValue() instanceof CompletableFuture<ImageFacts> f) || !f.isDone()) {
                return null;
            }
            ImageFacts facts;
            try {
                facts = f.join();
            } catch (CompletionException | java.util.concurrent.CancellationException error) {
                facts = ImageFacts.failed(describe(error));
            }
            out.put(e.getKey(), facts);
        }
        return Map.copyOf(out);
    }

    /** The fact of a lookup that had no answer within {@code deadline}. */
    public static ImageFacts timedOut(Duration deadline) {
        return ImageFacts.failed("no answer within the " + deadline.toMillis() + " ms deadline");
    }

    /**
     * How a failed lookup reads in a decision: the exception's simple class name and the first line of its
     * message, unwrapped from the {@link CompletionException} or {@link ExecutionException} around it.
     */
    public static String describe(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message.lines().findFirst()
                .orElse(""));
    }
}
