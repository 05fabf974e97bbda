package dev.ecrgate.findings.ecr;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A token bucket that never blocks: {@link #acquire()} answers a future that completes when a call may go out.
 * Up to one second's worth of calls may go at once after a quiet spell; beyond that they are spaced evenly.
 *
 * <p>Written here rather than taken from Guava or Resilience4j: their limiters block the calling thread or wrap
 * their own executors, while ecrgate needs a future it can compose with the ECR client's. Thread safe.
 */
final class RateLimiter {
    private final long intervalNanos;
    private final long burstNanos;
    private final long maxWaitNanos;
    private final ScheduledExecutorService scheduler;
    private final LongSupplier nanoTime;
    private long nextFree;
    private boolean started;

    /**
     * @param perSecond calls allowed per second
     * @param maxWaitNanos a call that would wait longer than this fails at once rather than queue (a flood must not
     *                     build an unbounded queue)
     */
    RateLimiter(double perSecond, long maxWaitNanos, ScheduledExecutorService scheduler, LongSupplier nanoTime) {
        this.intervalNanos = (long) (1_000_000_000L / perSecond);
        // a bucket of ceil(perSecond) tokens: that many calls may go at once, the next one an interval later
        this.burstNanos = Math.max(0, ((long) Math.ceil(perSecond) - 1) * intervalNanos);
        this.maxWaitNanos = maxWaitNanos;
        this.scheduler = scheduler;
        this.nanoTime = nanoTime;
    }

    /** Completes when the next call may go out; fails with {@link RateLimitedException} if that is too far off. */
    CompletableFuture<Void> acquire() {
        long wait = reserve();
        if (wait < 0) {
            return CompletableFuture.failedFuture(new RateLimitedException());
        }
        if (wait == 0) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> ready = new CompletableFuture<>();
        try {
            scheduler.schedule(() -> ready.complete(null), wait, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            ready.completeExceptionally(e);
        }
        return ready;
    }

    /** Nanoseconds to wait for a permit (which is taken), or -1 when the wait would exceed the maximum. */
    synchronized long reserve() {
        long now = nanoTime.getAsLong();
        long start = started ? Math.max(nextFree, now - burstNanos) : now - burstNanos;
        long wait = Math.max(0, start - now);
        if (wait > maxWaitNanos) {
            return -1;
        }
        started = true;
        nextFree = start + intervalNanos;
        return wait;
    }

    /** The client-side rate limit would make the call wait longer than a decision can. */
    static final class RateLimitedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RateLimitedException() {
            super("ecrgate's own ECR rate limit for this account and region is exhausted", null, false, false);
        }
    }
}
