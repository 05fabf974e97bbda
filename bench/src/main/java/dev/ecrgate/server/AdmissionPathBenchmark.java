package dev.ecrgate.server;

import dev.ecrgate.admission.AdmissionCodec;
import dev.ecrgate.bench.jmh.Fixtures;
import dev.ecrgate.admission.ReviewReader;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.RecordedFindings;
import dev.ecrgate.image.ImageReference;
import dev.ecrgate.policy.Decider;
import dev.ecrgate.policy.Decision;
import dev.ecrgate.policy.DecisionText;
import dev.ecrgate.policy.PolicyLoader;
import dev.ecrgate.policy.PolicySet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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

/**
 * The CPU of one admission without the network: the benchmark's payloads (bench/payloads) read, planned, decided on
 * the shipped policies and the recorded example facts, rendered, encoded, and the decision log line formatted, each
 * stage alone and all together ({@code whole}). What bench/run.sh measures over HTTPS is this plus TLS and HTTP,
 * which the floor pays too.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-XX:ActiveProcessorCount=1"})
@State(Scope.Benchmark)
public class AdmissionPathBenchmark {
    @Param({"pod-1c", "deployment-4c", "pod-20c"})
    public String payload;

    private final AdmissionCodec codec = new AdmissionCodec();
    private final ReviewReader reader = new ReviewReader(codec);
    private final DecisionLog log = new DecisionLog();
    private final com.fasterxml.jackson.databind.ObjectMapper floorJson = new AdmissionCodec().mapper();
    private final Instant now = Instant.parse("2026-11-30T12:00:00Z");
    private byte[] body;
    private PolicySet policies;
    private Map<ImageReference, ImageFacts> facts;
    private ReviewReader.Review review;
    private Decider.Plan plan;
    private Decision decision;

    @Setup
    public void load() throws Exception {
        Path root = Fixtures.root();
        body = Files.readAllBytes(root.resolve("bench/payloads/" + payload + ".json"));
        policies = PolicyLoader.loadDirectory(root.resolve("policies"));
        RecordedFindings recorded = RecordedFindings.load(root.resolve("examples/findings"));
        review = reader.read(body);
        plan = Decider.plan(review.subject().orElseThrow(), policies, now);
        facts = new HashMap<>();
        for (ImageReference ref : plan.lookups().keySet()) {
            facts.put(ref, recorded.factsFor(ref));
        }
        decision = Decider.decide(plan, facts);
    }

    @Benchmark
    public ReviewReader.Review read() throws Exception {
        return reader.read(body);
    }

    /** What the floor server does with the body: a Jackson tree of the whole review. */
    @Benchmark
    public Object floorParse() throws Exception {
        return floorJson.readTree(body);
    }

    @Benchmark
    public Decider.Plan plan() {
        return Decider.plan(review.subject().orElseThrow(), policies, now);
    }

    @Benchmark
    public Decision decide() {
        return Decider.decide(plan, facts);
    }

    @Benchmark
    public byte[] renderAndEncode() {
        return codec.encode(review.uid(), DecisionText.answer(decision));
    }

    @Benchmark
    public String logLine() {
        return log.line(entry(decision, plan));
    }

    @Benchmark
    public Object whole() throws Exception {
        ReviewReader.Review r = reader.read(body);
        Decider.Plan p = Decider.plan(r.subject().orElseThrow(), policies, now);
        Decision d = Decider.decide(p, facts);
        byte[] answer = codec.encode(r.uid(), DecisionText.answer(d));
        return new Object[] {answer, log.line(entry(d, p))};
    }

    private DecisionLog.Entry entry(Decision d, Decider.Plan p) {
        return new DecisionLog.Entry(d, review.user(), AdmissionHandler.images(p, facts), Duration.ofNanos(100_000));
    }
}
