package dev.ecrgate.server;

import dev.ecrgate.admission.AdmissionAnswer;
import dev.ecrgate.admission.AdmissionCodec;
import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.admission.BadAdmissionRequestException;
import dev.ecrgate.admission.ReviewReader;
import dev.ecrgate.findings.FactsWithinDeadline;
import dev.ecrgate.findings.FindingsSource;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.image.ImageReference;
import dev.ecrgate.policy.Decider;
import dev.ecrgate.policy.Decision;
import dev.ecrgate.policy.DecisionText;
import dev.ecrgate.policy.PolicySet;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The admission path from request bytes to response bytes: decode, find the images, plan, look up the facts the
 * plan needs, decide, render, encode. The decision itself is {@link Decider}'s pure function; this class only
 * sequences the I/O around it.
 *
 * <p>Never blocks the calling event loop: a body larger than {@link #INLINE_DECODE_LIMIT} is decoded on a worker
 * thread, and facts arrive as futures. Thread safe.
 */
public final class AdmissionHandler {
    /** Bodies up to this size are decoded on the event loop: a few tens of microseconds. */
    public static final int INLINE_DECODE_LIMIT = 128 * 1024;

    private final Vertx vertx;
    private final AdmissionCodec codec;
    private final ReviewReader reader;
    private final Supplier<PolicySet> policies;
    private final Supplier<FindingsSource> findings;
    private final Clock clock;
    private final DecisionLog log;
    private final Metrics metrics;
    private final Duration deadline;

    /**
     * @param deadline how long a decision may wait for ECR facts; keep it well under the webhook's timeoutSeconds
     * @param metrics  counts every request by decision, with its latency, and the lookups given up at the deadline
     */
    public AdmissionHandler(Vertx vertx, AdmissionCodec codec, Supplier<PolicySet> policies,
                            Supplier<FindingsSource> findings, Clock clock, DecisionLog log, Metrics metrics,
                            Duration deadline) {
        this.vertx = vertx;
        this.codec = codec;
        this.reader = new ReviewReader(codec);
        this.policies = policies;
        this.findings = findings;
        this.clock = clock;
        this.log = log;
        this.metrics = metrics;
        this.deadline = deadline;
    }

    /**
     * Answers one request body. Fails with {@link BadAdmissionRequestException} for the caller's mistakes; any
     * other failure is ecrgate's.
     */
    public Future<byte[]> handle(byte[] body) {
        long start = System.nanoTime();
        Future<ReviewReader.Review> review = body.length <= INLINE_DECODE_LIMIT
                ? decode(body)
                : vertx.executeBlocking(() -> reader.read(body), false);
        return review.compose(r -> answer(r, start))
                .onFailure(e -> metrics.failed(System.nanoTime() - start));
    }

    private Future<ReviewReader.Review> decode(byte[] body) {
        try {
            return Future.succeededFuture(reader.read(body));
        } catch (BadAdmissionRequestException e) {
            return Future.failedFuture(e);
        }
    }

    private Future<byte[]> answer(ReviewReader.Review review, long start) {
        String uid = review.uid();
        Optional<AdmissionSubject> subject = review.subject();
        if (subject.isEmpty()) {
            byte[] answer = codec.encode(uid, AdmissionAnswer.allow());
            metrics.allowedUnchecked(review.kind(), review.operation(), System.nanoTime() - start);
            return Future.succeededFuture(answer);
        }
        Decider.Plan plan = Decider.plan(subject.get(), policies.get(), clock.instant());
        return lookUp(plan).map(facts -> {
            Decision decision = Decider.decide(plan, facts);
            byte[] answer = codec.encode(uid, DecisionText.answer(decision));
            long nanos = System.nanoTime() - start;
            metrics.decided(decision, nanos);
            log.record(new DecisionLog.Entry(decision, review.user(), images(plan, facts), Duration.ofNanos(nanos)));
            return answer;
        });
    }

    /** Each container's image with its digest: written in the reference, or the one its tag pointed to. */
    static List<DecisionLog.Image> images(Decider.Plan plan, Map<ImageReference, ImageFacts> facts) {
        List<DecisionLog.Image> out = new ArrayList<>(plan.images().size());
        for (Decider.PlannedImage p : plan.images()) {
            Optional<String> digest = p.reference().flatMap(ref -> ref.digest()
                    .or(() -> Optional.ofNullable(facts.get(ref)).flatMap(ImageFacts::digest)));
            out.add(new DecisionLog.Image(p.container().containerName(), p.container().image(), digest));
        }
        return out;
    }

    /**
     * Looks up the facts the plan needs within the deadline ({@link FactsWithinDeadline}: those without an answer
     * count as failed lookups, which the policy's {@code onLookupFailure} decides, and as a given-up lookup in the
     * metrics), and comes back to the calling Vert.x context.
     */
    private Future<Map<ImageReference, ImageFacts>> lookUp(Decider.Plan plan) {
        if (plan.lookups().isEmpty()) {
            return Future.succeededFuture(Map.of());
        }
        Context context = vertx.getOrCreateContext();
        FactsWithinDeadline within = new FactsWithinDeadline(findings.get(), deadline, this::schedule,
                ref -> metrics.deadlineExceeded());
        java.util.concurrent.CompletableFuture<Map<ImageReference, ImageFacts>> facts =
                within.lookUp(plan.lookups()).toCompletableFuture();
        // answered from the cache, as most are: go on at once, on this thread
        return facts.isDone() ? Future.succeededFuture(facts.join()) : Future.fromCompletionStage(facts, context);
    }

    private Runnable schedule(Duration after, Runnable task) {
        long timer = vertx.setTimer(Math.max(1, after.toMillis()), id -> task.run());
        return () -> vertx.cancelTimer(timer);
    }
}
