package dev.ecrgate.bench.jmh;

import dev.ecrgate.admission.AdmissionAnswer;
import dev.ecrgate.admission.AdmissionCodec;
import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.admission.Subjects;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.RecordedFindings;
import dev.ecrgate.image.ImageReference;
import dev.ecrgate.policy.Decider;
import dev.ecrgate.policy.DecisionText;
import dev.ecrgate.policy.PolicyLoader;
import dev.ecrgate.policy.PolicySet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The pure decision on the shipped policies and the recorded example facts, and the answer's text. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class DecisionBenchmark {
    @Param({"allow-pod.json", "warn-deployment.json", "deny-pod.json"})
    public String example;

    private AdmissionSubject subject;
    private PolicySet policies;
    private Map<ImageReference, ImageFacts> facts;
    private final Instant now = Instant.parse("2026-11-30T12:00:00Z");

    @Setup
    public void load() throws Exception {
        Path root = Fixtures.root();
        AdmissionCodec codec = new AdmissionCodec();
        subject = Subjects.of(codec.decode(Files.readAllBytes(root.resolve("examples/requests/" + example)))
                .getRequest()).orElseThrow();
        policies = PolicyLoader.loadDirectory(root.resolve("policies"));
        RecordedFindings recorded = RecordedFindings.load(root.resolve("examples/findings"));
        facts = new HashMap<>();
        for (ImageReference ref : Decider.plan(subject, policies, now).lookups().keySet()) {
            facts.put(ref, recorded.factsFor(ref));
        }
    }

    @Benchmark
    public AdmissionAnswer decideAndRender() {
        return DecisionText.answer(Decider.decide(subject, policies, facts, now));
    }
}
