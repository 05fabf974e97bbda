package dev.ecrgate.bench.jmh;

import dev.ecrgate.admission.AdmissionCodec;
import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.admission.Subjects;
import java.nio.file.Files;
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

/** Decoding an AdmissionReview as kube-apiserver sends it, and finding the images of its pod spec. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class AdmissionDecodeBenchmark {
    @Param({"allow-pod.json", "warn-deployment.json"})
    public String example;

    private final AdmissionCodec codec = new AdmissionCodec();
    private byte[] body;

    @Setup
    public void read() throws Exception {
        body = Files.readAllBytes(Fixtures.root().resolve("examples/requests/" + example));
    }

    @Benchmark
    public AdmissionSubject decodeAndExtract() throws Exception {
        return Subjects.of(codec.decode(body).getRequest()).orElseThrow();
    }
}
