package dev.ecrgate.findings.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ecrgate.findings.ecr.EcrDouble;
import dev.ecrgate.findings.ecr.EcrSettings;
import dev.ecrgate.findings.ecr.MotoServer;
import dev.ecrgate.findings.ecr.RecordedFacts;
import dev.ecrgate.server.RunningWebhook;
import dev.ecrgate.server.ServeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.crt.AwsCrtAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * The event feed's lag, for BENCHMARKS.md (run by {@code bench/events.sh}; not part of the normal build): from
 * sending an ECR scan event to moto's SQS until the next admission of the image gives the new decision, over
 * {@code bench.rounds} rounds (default 40) that flip the image's findings between a CRITICAL and none. The floor,
 * measured in the same run on the same moto, is a bare consumer's send-to-receive time (a long poll that only
 * receives): what any SQS consumer pays before it can act.
 */
class EventLagBench {
    static final Path ROOT = RunningWebhook.ROOT;
    static final String ACCOUNT = "111122223333";
    static final String API = "sha256:16eb06ced985216bb14744c43dad833c58f56296d152e580542d0e8630f63316";
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void eventToDecisionLag() throws Exception {
        int rounds = Integer.getInteger("bench.rounds", 40);
        try (MotoServer moto = MotoServer.start(); EcrDouble ecr = EcrDouble.start();
             TestSqs sqs = new TestSqs(moto.endpoint())) {
            RecordedFacts.load(ROOT.resolve("examples/findings"), ecr);
            TestSqs.Queue events = sqs.create("bench-events", 30, 5);
            TestSqs.Queue floorQueue = sqs.create("bench-floor", 30, 5);
            List<Long> floor = floor(moto, sqs, floorQueue.url(), rounds);
            List<Long> lag = new ArrayList<>();
            try (RunningWebhook server = RunningWebhook.startWithTestCredentials(
                    ServeConfig.builder(ROOT.resolve("policies"))
                            .ecr(EcrSettings.defaults().withEndpoint(Optional.of(ecr.endpoint())),
                                    Duration.ofMillis(1500))
                            .eventQueues(List.of(QueueAddress.parse(events.url(), Map.of()))).build(),
                    Clock.systemUTC())) {
                boolean critical = false;
                java.util.Random random = new java.util.Random(12);
                allowed(server);
                Thread.sleep(2500);
                for (int i = 0; i < rounds; i++) {
                    critical = !critical;
                    ecr.scan(ACCOUNT, "team-blue/api", API, "COMPLETE", Instant.now(), critical
                            ? List.of(new EcrDouble.BasicFinding("CVE-2026-40001", "CRITICAL", "openssl", "3.0.15"))
                            : List.of(), List.of());
                    String body = EventFeedIT.event("ecr-image-scan.json", Instant.now());
                    long sent = System.nanoTime();
                    sqs.send(events.url(), body);
                    while (allowed(server) == critical) {
                        if (System.nanoTime() - sent > Duration.ofSeconds(10).toNanos()) {
                            throw new AssertionError("round " + i + ": no new decision within 10 s");
                        }
                        Thread.sleep(2);
                    }
                    lag.add((System.nanoTime() - sent) / 1_000);
                    // past the per-entry spacing and the skew allowance, so each round is a fresh event; and at a
                    // random phase of the applier's tick, which a fixed pause would keep in step with
                    Thread.sleep(2200 + random.nextInt(50));
                }
            }
            Map<String, Object> results = new LinkedHashMap<>();
            results.put("rounds", rounds);
            results.put("lag_ms", stats(lag));
            results.put("floor_sqs_send_to_receive_ms", stats(floor));
            double ratio = percentile(lag, 50) / Math.max(1, percentile(floor, 50));
            results.put("p50_ratio_to_floor", Math.round(ratio * 10) / 10.0);
            Path out = Path.of("target/bench-events/results.json");
            Files.createDirectories(out.getParent());
            Files.writeString(out, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(results) + "\n");
            System.out.println("RESULT events rounds=" + rounds + " lag_p50_ms=" + ms(percentile(lag, 50))
                    + " lag_p95_ms=" + ms(percentile(lag, 95)) + " lag_max_ms=" + ms(Collections.max(lag))
                    + " floor_p50_ms=" + ms(percentile(floor, 50)) + " ratio=" + results.get("p50_ratio_to_floor"));
        }
    }

    /** A bare long-poll consumer on the same moto: send, and time until it holds the message. */
    static List<Long> floor(MotoServer moto, TestSqs sqs, String url, int rounds) {
        List<Long> out = new ArrayList<>();
        try (SqsAsyncClient consumer = SqsAsyncClient.builder().endpointOverride(moto.endpoint())
                .region(Region.US_EAST_1).credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKIDTEST", "secret")))
                .httpClient(AwsCrtAsyncHttpClient.builder().build()).build()) {
            for (int i = 0; i < rounds; i++) {
                var receive = consumer.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(20)
                        .maxNumberOfMessages(10));
                try {
                    Thread.sleep(100); // the long poll is waiting
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
                long sent = System.nanoTime();
                sqs.send(url, "{}");
                var messages = receive.join().messages();
                out.add((System.nanoTime() - sent) / 1_000);
                messages.forEach(m -> consumer.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle()))
                        .join());
            }
        }
        return out;
    }

    static boolean allowed(RunningWebhook server) throws Exception {
        var response = server.post(RunningWebhook.example("allow-pod.json"));
        return JSON.readTree(response.body()).path("response").path("allowed").asBoolean();
    }

    static Map<String, Object> stats(List<Long> micros) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50", ms(percentile(micros, 50)));
        m.put("p90", ms(percentile(micros, 90)));
        m.put("p95", ms(percentile(micros, 95)));
        m.put("max", ms(Collections.max(micros)));
        return m;
    }

    static double percentile(List<Long> values, int p) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    static double ms(double micros) {
        return Math.round(micros / 100.0) / 10.0;
    }
}
