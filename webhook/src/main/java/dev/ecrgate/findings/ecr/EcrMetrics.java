package dev.ecrgate.findings.ecr;

import com.github.benmanes.caffeine.cache.AsyncCache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.metrics.CoreMetric;
import software.amazon.awssdk.metrics.MetricCollection;
import software.amazon.awssdk.metrics.MetricPublisher;
import software.amazon.awssdk.services.ecr.model.ImageNotFoundException;
import software.amazon.awssdk.services.ecr.model.RepositoryNotFoundException;
import software.amazon.awssdk.services.ecr.model.ScanNotFoundException;

/**
 * What the live source measures, as {@code ecrgate_ecr_*} meters in the registry it is given: ECR calls by API and
 * outcome with their latency, throttled attempts (the SDK retries them, so they would otherwise be invisible), the
 * caches, and stale answers served. Every label value comes from a closed set, never from an image name. All series
 * are registered up front, so dashboards show zeros rather than gaps. Thread safe.
 */
final class EcrMetrics {
    /** The ECR API operations ecrgate calls; the label value is the operation's name. */
    enum Api {
        DESCRIBE_IMAGES("DescribeImages"),
        DESCRIBE_IMAGE_SCAN_FINDINGS("DescribeImageScanFindings"),
        DESCRIBE_REPOSITORIES("DescribeRepositories"),
        BATCH_GET_IMAGE("BatchGetImage");

        final String operation;

        Api(String operation) {
            this.operation = operation;
        }

        static Optional<Api> of(String operation) {
            for (Api a : values()) {
                if (a.operation.equals(operation)) {
                    return Optional.of(a);
                }
            }
            return Optional.empty();
        }
    }

    /** How one call ended, after the SDK's retries. */
    enum Outcome {
        OK, NOT_FOUND, THROTTLED, ERROR;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Outcome of(Throwable error) {
            if (error == null) {
                return OK;
            }
            Throwable cause = EcrCalls.unwrap(error);
            if (cause instanceof RepositoryNotFoundException || cause instanceof ImageNotFoundException
                    || cause instanceof ScanNotFoundException) {
                return NOT_FOUND;
            }
            if (cause instanceof AwsServiceException aws && aws.isThrottlingException()) {
                return THROTTLED;
            }
            return ERROR;
        }
    }

    /** Which cached fact an answer served stale was. */
    enum Fact {
        REPOSITORY, TAG, SCAN;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Buckets from 1 ms to 10 s: ECR answers in tens of milliseconds, and an attempt times out after seconds. */
    private static final Duration[] CALL_BUCKETS = {
        Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final MeterRegistry registry;
    private final Map<Api, Map<Outcome, Counter>> calls = new EnumMap<>(Api.class);
    private final Map<Api, Timer> latency = new EnumMap<>(Api.class);
    private final Map<Api, Counter> throttles = new EnumMap<>(Api.class);
    private final Map<Fact, Counter> stale = new EnumMap<>(Fact.class);

    EcrMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (Api api : Api.values()) {
            Map<Outcome, Counter> byOutcome = new EnumMap<>(Outcome.class);
            for (Outcome o : Outcome.values()) {
                byOutcome.put(o, Counter.builder("ecrgate.ecr.calls")
                        .description("ECR API calls by how they ended after retries; all pages of one"
                                + " DescribeImageScanFindings count once")
                        .tag("api", api.operation).tag("outcome", o.label()).register(registry));
            }
            calls.put(api, byOutcome);
            latency.put(api, Timer.builder("ecrgate.ecr.call.duration")
                    .description("Time of ECR API calls, retries included, rate-limit wait excluded")
                    .tag("api", api.operation).serviceLevelObjectives(CALL_BUCKETS).register(registry));
            throttles.put(api, Counter.builder("ecrgate.ecr.throttles")
                    .description("ECR API attempts answered with a throttling error (the SDK retries them)")
                    .tag("api", api.operation).register(registry));
        }
        for (Fact f : Fact.values()) {
            stale.put(f, Counter.builder("ecrgate.ecr.stale.answers")
                    .description("Cached answers served after refreshing them from ECR failed")
                    .tag("fact", f.label()).register(registry));
        }
    }

    /** Measures nothing: for sources built without a registry (tests, benchmarks, the CLI). */
    static EcrMetrics none() {
        return new EcrMetrics(new CompositeMeterRegistry());
    }

    /** Records one finished call that started at {@code startNanos} ({@link System#nanoTime}). */
    void call(Api api, long startNanos, Throwable error) {
        calls.get(api).get(Outcome.of(error)).increment();
        latency.get(api).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    void staleServed(Fact fact) {
        stale.get(fact).increment();
    }

    /** Hits, misses, evictions and size of one cache; its builder must have {@code recordStats()}. */
    void monitor(String name, AsyncCache<?, ?> cache) {
        var sync = cache.synchronous();
        FunctionCounter.builder("ecrgate.ecr.cache.requests", sync, c -> c.stats().hitCount())
                .description("Cache reads, by whether the answer was cached").tag("cache", name).tag("result", "hit")
                .register(registry);
        FunctionCounter.builder("ecrgate.ecr.cache.requests", sync, c -> c.stats().missCount())
                .description("Cache reads, by whether the answer was cached").tag("cache", name).tag("result", "miss")
                .register(registry);
        FunctionCounter.builder("ecrgate.ecr.cache.evictions", sync, c -> c.stats().evictionCount())
                .description("Cache entries evicted by the size bound or expiry").tag("cache", name)
                .register(registry);
        Gauge.builder("ecrgate.ecr.cache.entries", sync, c -> c.estimatedSize())
                .description("Cache entries held (estimate)").tag("cache", name).register(registry);
    }

    /** Counts throttled attempts from the SDK's per-call metrics; the SDK publishes one collection per call. */
    MetricPublisher throttlePublisher() {
        return new MetricPublisher() {
            @Override
            public void publish(MetricCollection call) {
                Optional<Api> api = call.metricValues(CoreMetric.OPERATION_NAME).stream().findFirst()
                        .flatMap(Api::of);
                if (api.isEmpty()) {
                    return;
                }
                long throttled = call.children().stream()
                        .flatMap(attempt -> attempt.metricValues(CoreMetric.ERROR_TYPE).stream())
                        .filter("Throttling"::equals).count();
                if (throttled > 0) {
                    throttles.get(api.get()).increment(throttled);
                }
            }

            @Override
            public void close() {
                // the meters belong to the registry
            }
        };
    }
}
