package dev.ecrgate.findings.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ecrgate.findings.FactNeeds;
import dev.ecrgate.findings.ecr.EcrDouble;
import dev.ecrgate.findings.ecr.EcrFacts;
import dev.ecrgate.findings.ecr.EcrSettings;
import dev.ecrgate.findings.ecr.MotoServer;
import dev.ecrgate.findings.ecr.RecordedFacts;
import dev.ecrgate.image.ImageReference;
import dev.ecrgate.server.RunningWebhook;
import dev.ecrgate.server.ServeConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The event feed end to end: moto's SQS (the real SDK, real queues with a redrive policy to a dead-letter queue)
 * carrying real-shaped EventBridge events to {@code serve --events-queue}, whose facts come from the ECR double
 * loaded with {@code examples/findings}. The double is where findings change and images disappear, and it counts
 * the ECR calls. A third queue URL points at a port where nothing listens: SQS unavailable.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EventFeedIT {
    static final Path ROOT = RunningWebhook.ROOT;
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ACCOUNT = "111122223333";
    static final String API = "sha256:16eb06ced985216bb14744c43dad833c58f56296d152e580542d0e8630f63316";

    static MotoServer moto;
    static EcrDouble ecr;
    static TestSqs sqs;
    static TestSqs.Queue events;
    static TestSqs.Queue poison;
    static String unreachable;
    static RunningWebhook server;

    @BeforeAll
    static void start() throws Exception {
        moto = MotoServer.start();
        ecr = EcrDouble.start();
        RecordedFacts.load(ROOT.resolve("examples/findings"), ecr);
        sqs = new TestSqs(moto.endpoint());
        events = sqs.create("ecrgate-events", 30, 3);
        poison = sqs.create("ecrgate-poison", 1, 2);
        try (ServerSocket s = new ServerSocket(0)) {
            unreachable = "http://127.0.0.1:" + s.getLocalPort() + "/" + ACCOUNT + "/ecrgate-gone";
        }
        server = RunningWebhook.startWithTestCredentials(ServeConfig.builder(ROOT.resolve("policies"))
                .ecr(EcrSettings.defaults().withEndpoint(Optional.of(ecr.endpoint())), Duration.ofMillis(1500))
                .eventQueues(List.of(QueueAddress.parse(events.url(), Map.of()),
                        QueueAddress.parse(poison.url(), Map.of()), QueueAddress.parse(unreachable, Map.of())))
                .build(), Clock.systemUTC());
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (sqs != null) {
            sqs.close();
        }
        if (ecr != null) {
            ecr.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    static String event(String file, Instant time) {
        return RegistryEventsTest.resource(file).replaceFirst("\"time\": \"[^\"]+\"",
                "\"time\": \"" + time.truncatedTo(ChronoUnit.SECONDS) + "\"");
    }

    static JsonNode admit(String example) throws Exception {
        var response = server.post(RunningWebhook.example(example));
        assertEquals(200, response.statusCode(), response::body);
        return JSON.readTree(response.body()).path("response");
    }

    static void await(String what, Duration within, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError(what + " did not happen within " + within);
            }
            Thread.sleep(20);
        }
    }

    static String metrics() {
        try {
            return server.get("/metrics").body();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static double metric(String line) {
        return metrics().lines().filter(l -> l.startsWith(line + " ")).mapToDouble(l ->
                Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    @Order(1)
    void aScanEventWithNewCriticalFindingsDeniesTheNextAdmission_withoutWaitingForTheTtl() throws Exception {
        assertTrue(admit("allow-pod.json").path("allowed").asBoolean(), "allowed on the cached facts");
        int before = ecr.calls(EcrDouble.Operation.DESCRIBE_IMAGE_SCAN_FINDINGS);
        ecr.scan(ACCOUNT, "team-blue/api", API, "COMPLETE", Instant.now(),
                List.of(new EcrDouble.BasicFinding("CVE-2026-40001", "CRITICAL", "openssl", "3.0.15")), List.of());
        assertTrue(admit("allow-pod.json").path("allowed").asBoolean(), "still cached: the scan TTL is 5 min");

        sqs.send(events.url(), event("ecr-image-scan.json", Instant.now()));
        long sent = System.nanoTime();
        JsonNode[] last = new JsonNode[1];
        await("a denial", Duration.ofSeconds(5), () -> {
            try {
                last[0] = admit("allow-pod.json");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return !last[0].path("allowed").asBoolean();
        });
        long took = Duration.ofNanos(System.nanoTime() - sent).toMillis();
        System.out.println("EventFeedIT: scan event sent -> admission denied in " + took + " ms");

        String message = last[0].path("status").path("message").asText();
        assertTrue(message.contains("CRITICAL 1") && message.contains("CVE-2026-40001"), message);
        assertEquals(before + 1, ecr.calls(EcrDouble.Operation.DESCRIBE_IMAGE_SCAN_FINDINGS),
                "one refresh for the event");
        await("the scan event counted as applied", Duration.ofSeconds(5),
                () -> metric("ecrgate_events_total{outcome=\"applied\",type=\"scan\"}") == 1);
        assertTrue(metric("ecrgate_event_lag_seconds_count") >= 1);
        await("the message deleted", Duration.ofSeconds(5), () -> sqs.messages(events.url()) == 0);
    }

    @Test
    @Order(2)
    void aDeleteEventMakesTheImageNotFound() throws Exception {
        ecr.deleteImage(ACCOUNT, "team-blue/api", API);

        sqs.send(events.url(), event("ecr-image-delete.json", Instant.now()));

        JsonNode[] last = new JsonNode[1];
        await("the image not found", Duration.ofSeconds(5), () -> {
            try {
                last[0] = admit("allow-pod.json");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return last[0].path("status").path("message").asText().contains("NOT_FOUND");
        });
        assertFalse(last[0].path("allowed").asBoolean(), last[0]::toString);
        await("the delete counted", Duration.ofSeconds(5),
                () -> metric("ecrgate_events_total{outcome=\"applied\",type=\"delete\"}") == 1);
    }

    @Test
    @Order(3)
    void anEventThatCannotBeAppliedGoesToTheDeadLetterQueue_andTheConsumerKeepsGoing() throws Exception {
        // team-blue/worker 2.0.1 (in warn-deployment.json) is cached; ECR fails every read of its scan twice
        admit("warn-deployment.json");
        String worker = "sha256:c860431e45170f74bed5c6447b1f22772e653212cd72e48ea23d85b91166e626";
        ecr.failNext(EcrDouble.Operation.DESCRIBE_IMAGE_SCAN_FINDINGS, 6, 500, "ServerException");
        String bad = event("ecr-image-scan.json", Instant.now()).replace(API, worker)
                .replace("team-blue/api", "team-blue/worker");

        sqs.send(poison.url(), bad);
        sqs.send(poison.url(), "this is not an event");
        sqs.send(poison.url(), event("ecr-image-push.json", Instant.now()).replace("team-blue/api",
                "team-blue/never-asked"));

        await("the poison message in the dead-letter queue", Duration.ofSeconds(20),
                () -> sqs.messages(poison.deadLetters()) == 1);
        await("the queue empty", Duration.ofSeconds(10), () -> sqs.messages(poison.url()) == 0);
        var dead = sqs.drain(poison.deadLetters());
        assertEquals(List.of(bad), dead.stream().map(m -> m.body()).toList());
        assertTrue(metric("ecrgate_events_total{outcome=\"failed\",type=\"scan\"}") >= 2);
        assertEquals(1, metric("ecrgate_events_total{outcome=\"malformed\",type=\"malformed\"}"));
        assertEquals(1, metric("ecrgate_events_total{outcome=\"not_cached\",type=\"push\"}"));
        assertTrue(admit("warn-deployment.json").has("allowed"), "the webhook answers");
    }

    @Test
    @Order(4)
    void anUnreachableQueueLeavesAdmissionAlone_andReadinessAndMetricsSaySo() throws Exception {
        var ready = server.get("/readyz");

        assertEquals(200, ready.statusCode());
        assertTrue(ready.body().startsWith("ready\ndegraded: event queue ecrgate-gone unreachable since "),
                ready.body());
        assertFalse(ready.body().contains("ecrgate-events unreachable"), ready.body());
        assertTrue(metric("ecrgate_events_queue_errors_total{operation=\"ReceiveMessage\",queue=\"ecrgate-gone\"}")
                >= 1);
        assertEquals(0, metric("ecrgate_events_queue_up{queue=\"ecrgate-gone\"}"));
        assertEquals(1, metric("ecrgate_events_queue_up{queue=\"ecrgate-events\"}"));
        assertTrue(admit("deny-pod.json").has("allowed"));
    }

    @Test
    @Order(5)
    void everyEventMetricTheAlertsUseExists() throws Exception {
        String scraped = metrics();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\b(ecrgate_events?_[a-z_]+)")
                .matcher(java.nio.file.Files.readString(ROOT.resolve("deploy/prometheus-rules.yaml")));
        int found = 0;
        while (m.find()) {
            found++;
            assertTrue(scraped.contains("\n" + m.group(1)), "the alerts use " + m.group(1) + ", which /metrics lacks");
        }
        assertTrue(found >= 3, "the alerts use " + found + " event metrics");
    }

    /** The burst and the backlog, on an EcrFacts and a feed of their own (no webhook), counted per digest. */
    @Test
    @Order(6)
    void aThousandEventsAreAppliedWithOneOrTwoReadsPerDigest() throws Exception {
        ecr.repository(ACCOUNT, "team-blue/burst", "MUTABLE");
        Map<ImageReference, FactNeeds> images = new LinkedHashMap<>();
        List<String> digests = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String digest = "sha256:" + String.format("%064x", 1000 + i);
            digests.add(digest);
            ecr.image(ACCOUNT, "team-blue/burst", digest, "v" + i);
            ecr.scan(ACCOUNT, "team-blue/burst", digest, "COMPLETE", Instant.now(), List.of(), List.of());
            images.put(ImageReference.parse(ACCOUNT + ".dkr.ecr.us-east-1.amazonaws.com/team-blue/burst@" + digest),
                    FactNeeds.ALL);
        }
        TestSqs.Queue burst = sqs.create("ecrgate-burst", 30, 5);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (EcrFacts facts = EcrFacts.create(EcrSettings.defaults().withEndpoint(Optional.of(ecr.endpoint())),
                TestSqs.CREDENTIALS, System::nanoTime);
             EventFeed feed = EventFeed.start(List.of(QueueAddress.parse(burst.url(), Map.of())), facts,
                     new EventMetrics(registry), TestSqs.CREDENTIALS)) {
            facts.factsAll(images).values().forEach(f -> f.toCompletableFuture().join());
            Map<String, Integer> before = scanCallsByDigest();

            List<String> bodies = new ArrayList<>();
            Instant now = Instant.now();
            for (int i = 0; i < 1000; i++) {
                bodies.add(burstEvent(digests.get(i % 10), now));
            }
            long start = System.nanoTime();
            sqs.sendAll(burst.url(), bodies);
            await("1,000 events applied", Duration.ofSeconds(60), () -> applied(registry) == 1000);
            long burstMillis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            Map<String, Integer> burstCalls = delta(before, scanCallsByDigest());

            // a backlog: the same burst, of events that happened a minute ago (after a restart, or redelivered)
            Map<String, Integer> before2 = scanCallsByDigest();
            bodies.clear();
            for (int i = 0; i < 1000; i++) {
                bodies.add(burstEvent(digests.get(i % 10), now.minusSeconds(60)));
            }
            Thread.sleep(1100);
            sqs.sendAll(burst.url(), bodies);
            await("1,000 more events applied", Duration.ofSeconds(60), () -> applied(registry) == 2000);
            Map<String, Integer> backlogCalls = delta(before2, scanCallsByDigest());
            System.out.println("EventFeedIT: 1,000 events for 10 digests applied in " + burstMillis
                    + " ms with DescribeImageScanFindings calls per digest " + burstCalls
                    + "; a backlog of 1,000 old events: " + backlogCalls);

            // at most 3 reads a digest: one at once; one a spacing (1 s) later for the events that arrived while
            // the first was under way (they may tell of a later change); and one that began 2 s (the clock skew
            // allowance) after the burst's event time, which answers every later event of the burst
            for (String d : digests) {
                int n = burstCalls.getOrDefault(d, 0);
                assertTrue(n >= 1 && n <= 3, "calls for " + d + ": " + n + " of " + burstCalls);
            }
            assertTrue(backlogCalls.values().stream().allMatch(n -> n <= 1), backlogCalls::toString);
            await("the queue empty", Duration.ofSeconds(10), () -> sqs.messages(burst.url()) == 0);
        }
    }

    static String burstEvent(String digest, Instant time) {
        return event("ecr-image-scan.json", time).replace(API, digest).replace("team-blue/api", "team-blue/burst");
    }

    static double applied(SimpleMeterRegistry registry) {
        return registry.find("ecrgate_events").counters().stream().mapToDouble(Counter::count).sum();
    }

    static Map<String, Integer> scanCallsByDigest() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (EcrDouble.Call c : ecr.calls()) {
            if (c.operation().equals("DescribeImageScanFindings")
                    && c.request().path("repositoryName").asText().equals("team-blue/burst")) {
                out.merge(c.request().path("imageId").path("imageDigest").asText(), 1, Integer::sum);
            }
        }
        return out;
    }

    static Map<String, Integer> delta(Map<String, Integer> before, Map<String, Integer> after) {
        Map<String, Integer> out = new LinkedHashMap<>();
        after.forEach((k, v) -> out.put(k, v - before.getOrDefault(k, 0)));
        return out;
    }
}
