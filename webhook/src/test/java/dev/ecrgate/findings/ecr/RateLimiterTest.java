package dev.ecrgate.findings.ecr;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The token bucket, on a clock the test moves. */
class RateLimiterTest {
    static final long SECOND = 1_000_000_000L;
    final AtomicLong now = new AtomicLong(42 * SECOND);

    RateLimiter limiter(double perSecond, long maxWait) {
        return new RateLimiter(perSecond, maxWait, null, now::get);
    }

    List<Long> waits(RateLimiter l, int n) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(l.reserve());
        }
        return out;
    }

    @Test
    void letsABurstOfOneSecondsWorthGoAtOnceThenSpacesCalls() {
        assertEquals(List.of(0L, 0L, 0L, 0L, SECOND / 4, SECOND / 2), waits(limiter(4, 10 * SECOND), 6));
    }

    @Test
    void refillsWhileQuiet() {
        RateLimiter l = limiter(4, 10 * SECOND);
        waits(l, 6);
        now.addAndGet(10 * SECOND);
        assertEquals(List.of(0L, 0L, 0L, 0L, SECOND / 4), waits(l, 5));
    }

    @Test
    void refusesAWaitLongerThanTheMaximumWithoutTakingAPermit() {
        RateLimiter l = limiter(1, 2 * SECOND);
        assertEquals(List.of(0L, SECOND, 2 * SECOND, -1L, -1L), waits(l, 5));
        now.addAndGet(SECOND);
        assertEquals(2 * SECOND, l.reserve(), "the refused calls took nothing");
    }
}
