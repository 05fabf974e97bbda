package dev.ecrgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ecrgate.findings.ecr.EcrDouble;
import dev.ecrgate.findings.ecr.EcrSettings;
import dev.ecrgate.findings.ecr.RecordedFacts;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The {@code ecrgate_ecr_*} families with image facts from the live source, here the ECR double loaded with
 * {@code examples/findings} as {@code LiveWebhookIT} does: calls by API and outcome against what the double
 * received, throttled attempts, cache hits and misses, and lookups given up at the deadline.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MetricsLiveIT {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration DEADLINE = Duration.ofMillis(1500);
    static final List<String> EXAMPLES = List.of("allow-pod.json", "warn-deployment.json", "deny-pod.json");
    static final Map<String, EcrDouble.Operation> APIS = Map.of(
            "DescribeImages", EcrDouble.Operation.DESCRIBE_IMAGES,
            "DescribeImageScanFindings", EcrDouble.Operation.DESCRIBE_IMAGE_SCAN_FINDINGS,
            "DescribeRepositories", EcrDouble.Operation.DESCRIBE_REPOSITORIES);

    static EcrDouble ecr;
    static RunningWebhook server;

    @BeforeAll
    static void start() throws Exception {
        ecr = EcrDouble.start();
        RecordedFacts.load(ROOT.resolve("examples/findings"), ecr);
        server = RunningWebhook.live(ecr.endpoint(), DEADLINE,
                Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (ecr != null) {
            ecr.close();
        }
    }

    static void review(byte[] body) throws Exception {
        assertEquals(200, server.post(body).statusCode());
    }

    static void examples() throws Exception {
        for (String example : EXAMPLES) {
            review(RunningWebhook.example(example));
        }
    }

    /** allow-pod.json with its image's tag replaced by {@code tag}, which ECR does not have. */
    static byte[] withUnknownTag(String tag) throws Exception {
        ObjectNode review = (ObjectNode) JSON.readTree(ROOT.resolve("examples/requests/allow-pod.json").toFile());
        ((ObjectNode) review.path("request").path("object").path("spec").path("containers").get(0))
                .put("image", "111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/api:" + tag);
        return JSON.writeValueAsBytes(review);
    }

    static MetricsIT.Scrape scrape() throws Exception {
        return MetricsIT.scrape(server);
    }

    @Test
    @Order(1)
    void countsEveryEcrCallByApiAndTheWarmPathAsCacheHits() throws Exception {
        examples();
        MetricsIT.Scrape cold = scrape();
        for (var api : APIS.entrySet()) {
            int received = ecr.calls(api.getValue());
            assertEquals(received, cold.sum("ecrgate_ecr_calls_total", "api", api.getKey()), api.getKey());
            assertEquals(received, cold.sum("ecrgate_ecr_calls_total", "api", api.getKey(), "outcome", "ok"));
            assertEquals(received, cold.sum("ecrgate_ecr_call_duration_seconds_count", "api", api.getKey()));
            assertEquals(0, cold.sum("ecrgate_ecr_throttles_total", "api", api.getKey()));
        }
        assertTrue(ecr.calls(EcrDouble.Operation.DESCRIBE_IMAGES) > 0);
        assertTrue(ecr.calls(EcrDouble.Operation.DESCRIBE_IMAGE_SCAN_FINDINGS) > 0);
        assertTrue(cold.sum("ecrgate_ecr_cache_requests_total", "cache", "tags", "result", "miss") > 0);
        assertTrue(cold.sum("ecrgate_ecr_cache_requests_total", "cache", "scans", "result", "miss") > 0);
        assertTrue(cold.sum("ecrgate_ecr_cache_entries", "cache", "scans") > 0);
        assertEquals(0, cold.sum("ecrgate_ecr_cache_evictions_total", "cache", "scans"));
        assertEquals(0, cold.sum("ecrgate_ecr_stale_answers_total"));

        int rounds = 5;
        for (int i = 0; i < rounds; i++) {
            examples();
        }
        MetricsIT.Scrape warm = scrape();
        for (String api : APIS.keySet()) {
            assertEquals(cold.sum("ecrgate_ecr_calls_total", "api", api), warm.sum("ecrgate_ecr_calls_total",
                    "api", api), "the warm path makes no " + api + " call");
        }
        for (String cache : List.of("repositories", "tags", "scans")) {
            assertEquals(cold.sum("ecrgate_ecr_cache_requests_total", "cache", cache, "result", "miss"),
                    warm.sum("ecrgate_ecr_cache_requests_total", "cache", cache, "result", "miss"), cache);
        }
        // one ECR image with a tag in each example: one tag and one scan read from the cache per review
        for (String cache : List.of("tags", "scans")) {
            assertEquals(EXAMPLES.size() * rounds,
                    warm.sum("ecrgate_ecr_cache_requests_total", "cache", cache, "result", "hit")
                            - cold.sum("ecrgate_ecr_cache_requests_total", "cache", cache, "result", "hit"), cache);
        }
    }

    @Test
    @Order(2)
    void countsThrottledAttemptsAndNotFoundAnswers() throws Exception {
        MetricsIT.Scrape before = scrape();
        ecr.throttleNext(EcrDouble.Operation.DESCRIBE_IMAGES, 1);
        review(withUnknownTag("never-pushed"));
        MetricsIT.eventually(() -> {
            try {
                MetricsIT.Scrape s = scrape();
                return s.sum("ecrgate_ecr_calls_total", "api", "DescribeImages", "outcome", "not_found")
                        - before.sum("ecrgate_ecr_calls_total", "api", "DescribeImages", "outcome", "not_found") == 1;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, "the unknown tag is counted as not_found");
        MetricsIT.Scrape after = scrape();
        assertEquals(1, after.sum("ecrgate_ecr_throttles_total", "api", "DescribeImages")
                - before.sum("ecrgate_ecr_throttles_total", "api", "DescribeImages"));
        assertEquals(0, after.sum("ecrgate_ecr_calls_total", "outcome", "throttled")
                - before.sum("ecrgate_ecr_calls_total", "outcome", "throttled"), "the retry was answered");
    }

    @Test
    @Order(3)
    void countsLookupsGivenUpAtTheDeadline() throws Exception {
        double before = scrape().sum("ecrgate_admission_lookup_deadline_exceeded_total");
        ecr.hang(EcrDouble.Operation.DESCRIBE_IMAGES);
        try {
            review(withUnknownTag("hangs-forever"));
        } finally {
            ecr.release();
        }
        assertEquals(1, scrape().sum("ecrgate_admission_lookup_deadline_exceeded_total") - before);
    }

    @Test
    @Order(4)
    void everyMetricTheAlertsAndTheDashboardUseExists() throws Exception {
        // the JVM reports GC pauses only once a collection has happened (and says so a moment later)
        MetricsIT.Scrape s = scrape();
        for (int i = 0; i < 25 && s.find("jvm_gc_pause_seconds_count").isEmpty(); i++) {
            System.gc();
            Thread.sleep(200);
            s = scrape();
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        s.samples().forEach(sample -> names.add(sample.name()));
        for (String file : List.of("deploy/prometheus-rules.yaml", "deploy/grafana-dashboard.json")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\b((?:ecrgate|vertx|jvm|process)_[a-z_]+)")
                    .matcher(Files.readString(ROOT.resolve(file)));
            int found = 0;
            while (m.find()) {
                found++;
                String name = m.group(1);
                if (name.startsWith("ecrgate_event")) {
                    continue; // the event feed's, which runs only with --events-queue: EventFeedIT checks them
                }
                assertTrue(names.stream().anyMatch(n -> n.equals(name) || n.startsWith(name + "_")),
                        file + " uses " + name + ", which /metrics does not have");
            }
            assertTrue(found > 5, file);
        }
    }
}
