package dev.ecrgate.cli;

import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.audit.AuditedReport;
import dev.ecrgate.audit.Owners;
import dev.ecrgate.audit.Reports;
import dev.ecrgate.findings.FactNeeds;
import dev.ecrgate.findings.FactsWithinDeadline;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

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

    /**
     * Facts from {@code findings} when given, else from the live ECR API, with credentials and endpoint from
     * {@code environment} (the process's, read once by {@link Main}).
     */
    static Evaluation open(Optional<Path> findings, Duration deadline, Map<String, String> environment)
            throws Exception {
        if (findings.isPresent()) {
            return new Evaluation(RecordedFindings.load(findings.get()), () -> { }, deadline);
        }
        EcrFacts live = EcrFacts.create(EcrSettings.defaults(), environment);
        return new Evaluation(live, live, deadline);
    }

    /** Over a source of the caller's, for tests. */
    static Evaluation over(FindingsSource source, Duration deadline) {
        return new Evaluation(source, () -> { }, deadline);
    }

    FindingsSource source() {
        return source;
    }

    /**
     * Decides on {@code subject} as the webhook would at {@code now}, with the webhook's deadline step
     * ({@link FactsWithinDeadline}), waiting for it on this thread.
     */
    Decision decide(AdmissionSubject subject, PolicySet policies, Instant now) throws InterruptedException {
        Decider.Plan plan = Decider.plan(subject, policies, now);
        return Decider.decide(plan, facts(plan.lookups()));
    }

    /**
     * Decides on every owner as the background audit does ({@link Reports}, no UPDATE grace): a plan each, then one
     * lookup of all their images' facts within the deadline (an image that several owners run is looked up once),
     * then each owner's report, in the order of {@code owned}.
     */
    List<AuditedReport> audit(List<Owners.Owned> owned, PolicySet policies, Instant now)
            throws InterruptedException {
        List<Decider.Plan> plans = new ArrayList<>(owned.size());
        Map<ImageReference, FactNeeds> lookups = new LinkedHashMap<>();
        for (Owners.Owned o : owned) {
            Decider.Plan plan = Reports.plan(o, policies, now);
            plans.add(plan);
            plan.lookups().forEach((ref, needs) -> lookups.merge(ref, needs, FactNeeds::and));
        }
        Map<ImageReference, ImageFacts> facts = facts(lookups);
        List<AuditedReport> reports = new ArrayList<>(owned.size());
        for (int i = 0; i < owned.size(); i++) {
            reports.add(Reports.report(owned.get(i).owner(), plans.get(i), facts));
        }
        return reports;
    }

    private Map<ImageReference, ImageFacts> facts(Map<ImageReference, FactNeeds> lookups)
            throws InterruptedException {
        CompletableFuture<Map<ImageReference, ImageFacts>> facts = new FactsWithinDeadline(source, deadline,
                FactsWithinDeadline.Timer.jdk()).lookUp(lookups).toCompletableFuture();
        try {
            return facts.get();
        } catch (ExecutionException impossible) {
            throw new IllegalStateException("the deadline step never fails", impossible);
        }
    }

    @Override
    public void close() throws Exception {
        resources.close();
    }
}
