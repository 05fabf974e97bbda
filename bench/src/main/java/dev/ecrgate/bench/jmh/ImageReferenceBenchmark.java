package dev.ecrgate.bench.jmh;

import dev.ecrgate.image.ImageReference;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/** Parsing image references: an ECR reference with tag, one with digest, and a Docker Hub short name. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ImageReferenceBenchmark {
    @Benchmark
    public ImageReference ecrTag() throws Exception {
        return ImageReference.parse("111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/api:1.4.2");
    }

    @Benchmark
    public ImageReference ecrDigest() throws Exception {
        return ImageReference.parse("111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/api@sha256:"
                + "16eb06ced985216bb14744c43dad833c58f56296d152e580542d0e8630f63316");
    }

    @Benchmark
    public ImageReference dockerHub() throws Exception {
        return ImageReference.parse("nginx:1.27");
    }
}
