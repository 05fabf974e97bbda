package dev.ecrgate.server;

import dev.ecrgate.admission.AdmissionAnswer;
import dev.ecrgate.admission.AdmissionCodec;
import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.admission.BadAdmissionRequestException;
import dev.ecrgate.admission.Subjects;
import dev.ecrgate.findings.FindingsSource;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.ScanResult;
import dev.ecrgate.image.ImageReference;
import dev.ecrgate.policy.Decider;
import dev.ecrgate.policy.Decision;
import dev.ecrgate.policy.DecisionText;
import dev.ecrgate.policy.PolicySet;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
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
    private final Supplier<PolicySet> policies;
    private final Supplier<FindingsSource> findings;
    private final Clock clock;
    private final DecisionLog log;

    public AdmissionHandler(Vertx vertx, AdmissionCodec codec, Supplier<PolicySet> policies,
                            Supplier<FindingsSource> findings, Clock clock, DecisionLog log) {
        this.vertx = vertx;
        this.codec = codec;
        this.policies = policies;
        this.findings = findings;
        this.clock = clock;
        this.log = log;
    }

    /**
     * Answers one request body. Fails with {@link BadAdmissionRequestException} for the caller's mistakes; any
     * other failure is ecrgate's.
     */
    public Future<byte[]> handle(byte[] body) {
        Future<AdmissionReview> review = body.length <= INLINE_DECODE_LIMIT
                ? decode(body)
                : vertx.executeBlocking(() -> codec.decode(body), false);
        return review.compose(this::answer);
    }

    private Future<AdmissionReview> decode(byte[] body) {
        try {
            return Future.succeededFuture(codec.decode(body));
        } catch (BadAdmissionRequestException e) {
            return Future.failedFuture(e);
        }
    }

    private Future<byte[]> answer(AdmissionReview review) {
        String uid = review.getRequest().getUid();
        Optional<AdmissionSubject> subject;
        try {
            subject = Subjects.of(review.getRequest());
        } catch (BadAdmissionRequestException e) {
            return Future.failedFuture(e);
        }
        if (subject.isEmpty()) {
            return Future.succeededFuture(codec.encode(uid, AdmissionAnswer.allow()));
        }
        Decider.Plan plan = Decider.plan(subject.get(), policies.get(), clock.instant());
        return lookUp(plan).map(facts -> {
            Decision decision = Decider.decide(plan, facts);
            log.record(decision);
            return codec.encode(uid, DecisionText.answer(decision));
        });
    }

    private Future<Map<ImageReference, ImageFacts>> lookUp(Decider.Plan plan) {
        if (plan.lookups().isEmpty()) {
            return Future.succeededFuture(Map.of());
        }
        FindingsSource source = findings.get();
        List<ImageReference> refs = new ArrayList<>(plan.lookups());
        List<Future<ImageFacts>> futures = new ArrayList<>(refs.size());
        for (ImageReference ref : refs) {
            futures.add(Future.fromCompletionStage(source.facts(ref))
                    .recover(e -> Future.succeededFuture(new ImageFacts(Optional.empty(),
                            ScanResult.notFound("the ECR lookup failed: " + e.getMessage()), Optional.empty()))));
        }
        return Future.join(futures).map(all -> {
            Map<ImageReference, ImageFacts> facts = new HashMap<>();
            for (int i = 0; i < refs.size(); i++) {
                facts.put(refs.get(i), futures.get(i).result());
            }
            return facts;
        });
    }
}
