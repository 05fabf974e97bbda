package dev.ecrgate.cli;

import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.findings.FindingsSource;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.RecordedFindings;
import dev.ecrgate.findings.ecr.EcrFacts;
import dev.ecrgate.findings.ecr.EcrSettings;
import dev.ecrgate.image.ImageReference;
import dev.ecrgate.policy.Decider;
import dev.ecrgate.policy.Decision;
import dev.ecrgate.policy.PolicySet;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The webhook's decision, for the command line: the same plan, the same facts, the same pure decision, waiting on
 * the calling thread (a CLI has no event loop to keep free). Facts come from recorded AWS CLI output or from the
 * live ECR API with the default credentials chain. Close it to release the ECR clients.
 */
final class Evaluation implements AutoCloseable {
    private final FindingsSource source;
    private final AutoCloseable resources;
    private final Duration deadline;

    private Evaluation(FindingsSource source, AutoCloseable resources, Duration deadline) {
        this.source = source;
        this.resources = resources;
        this.deadline = deadline;
    }

    /** Facts from {@code findings} when given, else from the live ECR API. */
    static Evaluation open(Optional<Path> findings, Duration deadline) throws Exception {
        if (findings.isPresent()) {
            return new Evaluation(RecordedFindings.load(findings.get()), () -> { }, deadline);
        }
        EcrFacts live = EcrFacts.create(EcrSettings.defaults(), System.getenv());
        return new Evaluation(live, live, deadline);
    }

    FindingsSource source() {
        return source;
    }

    /** Decides on {@code subject} as the webhook would at {@code now}. */
    Decision decide(AdmissionSubject subject, PolicySet policies, Instant now) throws InterruptedException {
        Decider.Plan plan = Decider.plan(subject, policies, now);
        Map<ImageReference, ImageFacts> facts = new HashMap<>();
        long until = System.nanoTime() + deadline.toNanos();
        for (var e : source.factsAll(plan.lookups()).entrySet()) {
            try {
                long left = Math.max(1, until - System.nanoTime());
                facts.put(e.getKey(), e.getValue().toCompletableFuture().get(left, TimeUnit.NANOSECONDS));
            } catch (TimeoutException t) {
                facts.put(e.getKey(), ImageFacts.failed("no answer within the " + deadline.toMillis()
                        + " ms deadline"));
            } catch (java.util.concurrent.ExecutionException x) {
                facts.put(e.getKey(), ImageFacts.failed(String.valueOf(x.getCause())));
            }
        }
        return Decider.decide(plan, facts);
    }

    @Override
    public void close() throws Exception {
        resources.close();
    }
}
