package dev.ecrgate.findings.ecr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ecrgate.certs.KeyStores;
import dev.ecrgate.findings.FactNeeds;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.ScanStatus;
import dev.ecrgate.image.ImageReference;
import dev.ecrgate.server.RunningWebhook;
import dev.ecrgate.server.ServeConfig;
import dev.ecrgate.server.Webhook;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.StreamSupport;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * ECR unreachable, in the two ways it happens: every call answered {@code 503 ServiceUnavailableException}, and
 * every call held without an answer (only the SDK's attempt timeout ends it). For each:
 * <ul>
 *   <li><b>ten minutes of outage, then recovery</b>, on the live source with a clock the test moves: a warm image
 *       keeps being answered at once with its last facts and a stale warning, a new image with a lookup failure;
 *       failed refreshes back off, so the calls made stay bounded however often the images are read; when ECR comes
 *       back, both recover in the same process;</li>
 *   <li><b>the webhook during an outage</b>, in real time: every review is answered within the handler's deadline,
 *       the new image's failed lookup becomes what each policy's {@code onLookupFailure} says (deny, warn, allow),
 *       and after the outage the new image is decided on its facts.</li>
 * </ul>
 * The figures are printed (see RELIABILITY.md) and the assertions are bounds on them, not timings.
 */
class EcrOutageIT {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ACCOUNT = "111122223333";
    static final String HOST = ACCOUNT + ".dkr.ecr.us-east-1.amazonaws.com";
    static final String WARM_DIGEST = "sha256:" + "1a".repeat(32);
    static final String NEW_DIGEST = "sha256:" + "2b".repeat(32);
    static final Instant SCANNED = Instant.parse("2026-11-29T10:00:00Z");

    /**
     * How the images are written. With a tag, the facts cached per image ({@link FactNeeds#ALL}) are repository,
     * tag and scan (a new image never gets to its scan); with a digest, repository and scan.
     */
    enum References {
        PINNED(HOST + "/team-blue/api@" + WARM_DIGEST, HOST + "/team-blue/billing@" + NEW_DIGEST, 2, 2,
                Duration.ofMinutes(5)),
        TAGGED(HOST + "/team-blue/api:1.4.2", HOST + "/team-blue/billing:2.0.0", 3, 2, Duration.ofSeconds(30));

        final String warm;
        final String fresh;
        final int warmFacts;
        final int newFacts;
        /** When the first of the warm image's facts is due for a refresh, with the default settings. */
        final Duration firstRefresh;

        References(String warm, String fresh, int warmFacts, int newFacts, Duration firstRefresh) {
            this.warm = warm;
            this.fresh = fresh;
            this.warmFacts = warmFacts;
            this.newFacts = newFacts;
            this.firstRefresh = firstRefresh;
        }
    }
    /** The slowest a failed lookup (nothing cached) is retried (see {@code EcrFacts.Entry}): every 30 s. */
    static final Duration BACKOFF_CAP = Duration.ofSeconds(30);
    /**
     * The slowest a stale fact is refreshed: its backoff doubles from 1 s up to 1024 s. It is capped by the entry's
     * age, not by its refresh interval, so after a long outage a stale fact may be served for up to this long after
     * ECR is back (RELIABILITY.md).
     */
    static final Duration STALE_BACKOFF_CAP = Duration.ofSeconds(1024);

    /** How ECR is unreachable, with the attempt timeout the cache test uses for it. */
    enum Outage {
        SERVICE_UNAVAILABLE(Duration.ofSeconds(2), ecr -> ecr.failRate(1.0, 503, "ServiceUnavailableException"),
                ecr -> ecr.failRate(0, 503, "ServiceUnavailableException")),
        HANG(Duration.ofMillis(150), ecr -> {
            for (EcrDouble.Operation op : EcrDouble.Operation.values()) {
                ecr.hang(op);
            }
        }, EcrDouble::release);

        final Duration attemptTimeout;
        final Consumer<EcrDouble> begin;
        final Consumer<EcrDouble> end;

        Outage(Duration attemptTimeout, Consumer<EcrDouble> begin, Consumer<EcrDouble> end) {
            this.attemptTimeout = attemptTimeout;
            this.begin = begin;
            this.end = end;
        }
    }

    EcrDouble ecr;

    @BeforeEach
    void start() {
        ecr = EcrDouble.start();
        ecr.repository(ACCOUNT, "team-blue/api", "MUTABLE");
        ecr.image(ACCOUNT, "team-blue/api", WARM_DIGEST, "1.4.2");
        ecr.scan(ACCOUNT, "team-blue/api", WARM_DIGEST, "ACTIVE", SCANNED, List.of(),
                List.of(EcrDouble.EnhancedFinding.fixed("CVE-2024-0001", "MEDIUM", "zlib", "1.2.13", "1.2.13-1")));
        ecr.repository(ACCOUNT, "team-blue/billing", "MUTABLE");
        ecr.image(ACCOUNT, "team-blue/billing", NEW_DIGEST, "2.0.0");
        ecr.scan(ACCOUNT, "team-blue/billing", NEW_DIGEST, "ACTIVE", SCANNED, List.of(),
                List.of(EcrDouble.EnhancedFinding.fixed("CVE-2024-0002", "LOW", "curl", "8.5.0", "8.5.0-2")));
    }

    @AfterEach
    void stop() {
        ecr.close();
    }

    // ---- the cache through ten minutes of outage ----------------------------------------------------------------

    /**
     * One attempt per call, so that each request the double counts is one cache load or refresh (the SDK's
     * retries would multiply every figure by at most {@code --ecr-attempts}); the default refresh intervals.
     * Reads every 5 s of the test's clock, and after each step waits until no call is in flight, so that the
     * simulated minutes see the calls that real minutes would.
     */
    @ParameterizedTest(name = "ECR {0}, images by digest: the cache answers every read at once, backs off and recovers")
    @EnumSource(Outage.class)
    void cacheAnswersThroughTenMinutesOfOutageWithBoundedCallsAndRecovers(Outage outage) throws Exception {
        cacheThroughTenMinutesOfOutage(outage, References.PINNED);
    }

    /**
     * The same with images by tag, which fails today: a failed refresh of a tag's digest replaces the cached digest
     * with the failure (the warm image becomes a failed lookup after 30 s) and never backs off (the new image's tag
     * is asked again every second). {@code EcrFacts.loadTags} turns a failed call into failed entries, so
     * {@code Loader.asyncReload} never sees an error; see RELIABILITY.md for the fix.
     */
    @ParameterizedTest(name = "ECR {0}, images by tag: the cache answers every read at once, backs off and recovers")
    @EnumSource(Outage.class)
    void cacheAnswersThroughTenMinutesOfOutageForImagesByTag(Outage outage) throws Exception {
        cacheThroughTenMinutesOfOutage(outage, References.TAGGED);
    }

    private void cacheThroughTenMinutesOfOutage(Outage outage, References refs) throws Exception {
        String warmImage = refs.warm;
        String newImage = refs.fresh;
        AtomicLong now = new AtomicLong(1_000_000_000_000L);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        EcrSettings settings = EcrSettings.defaults().withEndpoint(Optional.of(ecr.endpoint()))
                .withAttempts(1, outage.attemptTimeout);
        try (EcrFacts facts = EcrFacts.create(settings,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")), now::get,
                meters)) {
            ImageFacts warm = read(facts, warmImage);
            assertEquals(Optional.of(WARM_DIGEST), warm.digest());
            assertTrue(warm.stale().isEmpty() && warm.scanFailure().isEmpty(), warm::toString);
            assertEquals(refs.warmFacts, ecr.calls().size());

            outage.begin.accept(ecr);
            Duration step = Duration.ofSeconds(5);
            int steps = (int) (Duration.ofMinutes(10).toNanos() / step.toNanos());
            int before = ecr.calls().size();
            int atHalf = 0;
            int staleWarm = 0;
            int firstStale = 0;
            int waited = 0;
            long slowestMillis = 0;
            for (int i = 1; i <= steps; i++) {
                now.addAndGet(step.toNanos());
                long t0 = System.nanoTime();
                CompletableFuture<ImageFacts> w = facts.facts(ImageReference.parse(warmImage), FactNeeds.ALL)
                        .toCompletableFuture();
                assertTrue(w.isDone(), "a warm image is answered from the cache at once (step " + i + ")");
                CompletableFuture<ImageFacts> n = facts.facts(ImageReference.parse(newImage), FactNeeds.ALL)
                        .toCompletableFuture();
                waited += n.isDone() ? 0 : 1;
                ImageFacts newFacts = n.get(settings.attemptTimeout().toMillis() + 2000, TimeUnit.MILLISECONDS);
                slowestMillis = Math.max(slowestMillis, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                ImageFacts warmFacts = w.join();

                assertEquals(Optional.of(WARM_DIGEST), warmFacts.digest(), "the last known digest");
                assertEquals(ScanStatus.ACTIVE, warmFacts.scan().status());
                assertEquals(1, warmFacts.scan().findings().orElseThrow().size(), "the last known findings");
                assertTrue(warmFacts.scanFailure().isEmpty(), warmFacts::toString);
                staleWarm += warmFacts.stale().isPresent() ? 1 : 0;
                firstStale = firstStale == 0 && warmFacts.stale().isPresent() ? i : firstStale;
                assertTrue(newFacts.scanFailure().isPresent(), "a new image is a failed lookup: " + newFacts);
                if (i == steps / 2) {
                    atHalf = ecr.calls().size() - before;
                }
                awaitNoCallInFlight(meters);
            }
            int during = ecr.calls().size() - before;
            int secondHalf = during - atHalf;
            System.out.printf("EcrOutageIT cache %s: %d s simulated, %d reads of 2 images; ECR calls %d (first 5 min"
                            + " %d, last 5 min %d); reads that waited for ECR %d, slowest read %d ms; warm answers"
                            + " with a stale warning %d of %d%n", outage + " " + refs, steps * step.toSeconds(),
                    2 * steps, during, atHalf, secondHalf, waited, slowestMillis, staleWarm, steps);

            assertEquals(1, waited, "only the new image's first lookup waits for ECR; then its failure is cached");
            assertTrue(slowestMillis < settings.attemptTimeout().toMillis() + 1000, slowestMillis + " ms");
            assertTrue(firstStale > 0 && firstStale * step.toNanos() <= refs.firstRefresh.plus(step).toNanos()
                    && staleWarm == steps - firstStale + 1, "the warm image says its facts are stale from its first"
                    + " failed refresh on: from step " + firstStale + ", " + staleWarm + " answers");
            // without backoff every read of every fact would call: 4 or 5 facts x 120 steps
            int facts5 = refs.warmFacts + refs.newFacts;
            long perFactHalf = Duration.ofMinutes(5).toNanos() / BACKOFF_CAP.toNanos() + 1;
            assertTrue(secondHalf <= facts5 * perFactHalf, "at most one call per fact per 30 s once backed off: "
                    + secondHalf + " in the last 5 minutes");
            assertTrue(during <= facts5 * (2 * perFactHalf + 6), "calls during the outage: " + during);
            assertTrue(secondHalf >= refs.newFacts * 8, "failed lookups keep being retried (about every 30 s each): "
                    + secondHalf);

            outage.end.accept(ecr);
            long recoveredNew = -1;
            long recoveredWarm = -1;
            long recoverySteps = STALE_BACKOFF_CAP.plus(step).toNanos() / step.toNanos();
            for (int i = 1; i <= recoverySteps && (recoveredNew < 0 || recoveredWarm < 0); i++) {
                now.addAndGet(step.toNanos());
                ImageFacts w = read(facts, warmImage);
                ImageFacts n = read(facts, newImage);
                if (recoveredWarm < 0 && w.stale().isEmpty()) {
                    recoveredWarm = i * step.toSeconds();
                    assertEquals(Optional.of(WARM_DIGEST), w.digest());
                }
                if (recoveredNew < 0 && n.scanFailure().isEmpty()) {
                    recoveredNew = i * step.toSeconds();
                }
                awaitNoCallInFlight(meters);
            }
            System.out.printf("EcrOutageIT cache %s: after ECR is back, the new image is read after %d s, the warm"
                    + " image's stale warning is gone after %d s (simulated)%n", outage + " " + refs, recoveredNew,
                    recoveredWarm);
            assertTrue(recoveredNew > 0 && recoveredNew <= BACKOFF_CAP.toSeconds() + step.toSeconds(),
                    "a failed lookup is retried at most 30 s apart: " + recoveredNew);
            assertTrue(recoveredWarm > 0 && recoveredWarm <= STALE_BACKOFF_CAP.plus(step).toSeconds(),
                    "a stale fact is refreshed within its backoff (at most 1024 s): " + recoveredWarm);
            ImageFacts fresh = read(facts, newImage);
            assertEquals(Optional.of(NEW_DIGEST), fresh.digest());
            assertEquals(ScanStatus.ACTIVE, fresh.scan().status());
            assertEquals("CVE-2024-0002", fresh.scan().findings().orElseThrow().get(0).id());
            assertTrue(fresh.stale().isEmpty() && fresh.repositoryFailure().isEmpty(), fresh::toString);
        }
    }

    static ImageFacts read(EcrFacts facts, String image) throws Exception {
        return facts.facts(ImageReference.parse(image), FactNeeds.ALL).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /**
     * Waits (up to 5 s) until every request the double received has ended at the client: the source counts each
     * call when it ends, and with one attempt per call each call is one request. Equal over two looks 10 ms apart,
     * so a call that has just left the cache is seen arriving. Only a pacing aid: the figures are bounds either way.
     */
    private void awaitNoCallInFlight(SimpleMeterRegistry meters) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int quiet = 0;
        while (quiet < 2 && System.nanoTime() < deadline) {
            quiet = ended(meters) == ecr.calls().size() ? quiet + 1 : 0;
            Thread.sleep(quiet == 0 ? 2 : 10);
        }
    }

    private static long ended(SimpleMeterRegistry meters) {
        return Math.round(meters.find("ecrgate.ecr.calls").counters().stream().mapToDouble(Counter::count).sum());
    }

    // ---- the webhook during an outage -------------------------------------------------------------------------

    static final Duration DEADLINE = Duration.ofMillis(1000);
    static final String POLICY = """
            apiVersion: ecrgate.dev/v1
            kind: ImagePolicy
            metadata:
              name: lookup-%1$s
            spec:
              namespaces: ["outage-%1$s"]
              mode: enforce
              vulnerabilities:
                maxCounts: {CRITICAL: 0}
              onLookupFailure: %1$s
            """;
    static final List<String> OUTCOMES = List.of("deny", "warn", "allow");

    /**
     * The webhook with the default three attempts per call, shortened to 400 ms each so that a held call (three
     * attempts and the backoff between them, about 1.3 s) outlasts the 1 s deadline, and refresh intervals of 1 s,
     * so that the warm image's facts are due for a refresh during a few seconds of outage. One policy per
     * {@code onLookupFailure} outcome, each in its own namespace.
     */
    @ParameterizedTest(name = "ECR {0}, images by digest: the webhook answers within its deadline as onLookupFailure"
            + " says, then recovers")
    @EnumSource(Outage.class)
    void webhookAnswersWithinTheDeadlineAsOnLookupFailureSaysAndRecovers(Outage outage, @TempDir Path policies)
            throws Exception {
        webhookThroughAnOutage(outage, References.PINNED, policies);
    }

    /** The same with images by tag, which fails today (see {@link #cacheAnswersThroughTenMinutesOfOutageForImagesByTag}).
     */
    @ParameterizedTest(name = "ECR {0}, images by tag: the webhook answers within its deadline as onLookupFailure"
            + " says, then recovers")
    @EnumSource(Outage.class)
    void webhookAnswersWithinTheDeadlineForImagesByTag(Outage outage, @TempDir Path policies) throws Exception {
        webhookThroughAnOutage(outage, References.TAGGED, policies);
    }

    private void webhookThroughAnOutage(Outage outage, References refs, Path policies) throws Exception {
        String warmImage = refs.warm;
        String newImage = refs.fresh;
        for (String outcome : OUTCOMES) {
            Files.writeString(policies.resolve(outcome + ".yaml"), POLICY.formatted(outcome));
        }
        Duration second = Duration.ofSeconds(1);
        EcrSettings settings = EcrSettings.defaults().withEndpoint(Optional.of(ecr.endpoint()))
                .withAttempts(3, Duration.ofMillis(400))
                .withRefresh(second, second, second, second, second, Duration.ofHours(1));
        try (RunningWebhook webhook = RunningWebhook.startWithTestCredentials(
                ServeConfig.builder(policies).ecr(settings, DEADLINE).build(),
                Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC))) {
            Reviewer reviewer = new Reviewer(webhook);
            for (String outcome : OUTCOMES) {
                JsonNode r = reviewer.review(outcome, warmImage);
                assertTrue(r.path("allowed").asBoolean() && r.path("warnings").isMissingNode(), r::toString);
            }

            outage.begin.accept(ecr);
            int before = ecr.calls().size();
            long started = System.nanoTime();
            List<JsonNode> warm = new ArrayList<>();
            List<JsonNode> fresh = new ArrayList<>();
            while (System.nanoTime() - started < Duration.ofMillis(3500).toNanos()) {
                warm.add(reviewer.review("deny", warmImage));
                for (String outcome : OUTCOMES) {
                    fresh.add(reviewer.review(outcome, newImage));
                }
                Thread.sleep(50);
            }
            long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
            int during = ecr.calls().size() - before;
            System.out.printf("EcrOutageIT webhook %s: %d reviews in %d s, slowest %d ms (deadline %d ms); ECR calls"
                            + " %d%n", outage + " " + refs, reviewer.reviews, seconds, reviewer.slowestMillis,
                    DEADLINE.toMillis(), during);

            assertTrue(reviewer.slowestMillis < DEADLINE.toMillis() + 500, "slowest " + reviewer.slowestMillis);
            assertTrue(warm.stream().allMatch(r -> r.path("allowed").asBoolean()), "the warm image keeps its facts");
            JsonNode lastWarm = warm.get(warm.size() - 1);
            assertTrue(warnings(lastWarm).contains("the scan findings may be out of date"), lastWarm::toString);
            JsonNode denied = fresh.get(fresh.size() - 3);
            JsonNode warned = fresh.get(fresh.size() - 2);
            JsonNode allowed = fresh.get(fresh.size() - 1);
            assertFalse(denied.path("allowed").asBoolean(true), denied::toString);
            assertTrue(denied.path("status").path("message").asText()
                    .contains("onLookupFailure: could not read the scan of this image from ECR"), denied::toString);
            assertTrue(warned.path("allowed").asBoolean() && warnings(warned).contains("could not read the scan"),
                    warned::toString);
            assertTrue(allowed.path("allowed").asBoolean() && allowed.path("warnings").isMissingNode(),
                    allowed::toString);
            // the facts read during the outage: the warm tag and scan and the new tag, each refreshed at most once a
            // second (the refresh interval here caps the backoff), each refresh up to 3 attempts
            assertTrue(during <= 3 * 3 * (seconds + 2), "calls during the outage: " + during);
            assertTrue(during < reviewer.reviews, "fewer calls than reviews: " + during);

            outage.end.accept(ecr);
            long ended = System.nanoTime();
            JsonNode after = reviewer.review("deny", newImage);
            JsonNode warmAfter = reviewer.review("deny", warmImage);
            // a stale fact is refreshed by the first read after its backoff, which is still answered stale
            while (!(after.path("allowed").asBoolean() && warmAfter.path("warnings").isMissingNode())
                    && System.nanoTime() - ended < Duration.ofSeconds(40).toNanos()) {
                Thread.sleep(100);
                after = reviewer.review("deny", newImage);
                warmAfter = reviewer.review("deny", warmImage);
            }
            long recoveredMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ended);
            System.out.printf("EcrOutageIT webhook %s: the new image allowed on its facts and the warm image without"
                    + " a stale warning %d ms after ECR came back%n", outage + " " + refs, recoveredMillis);
            assertTrue(after.path("allowed").asBoolean() && after.path("warnings").isMissingNode(), after::toString);
            assertTrue(warmAfter.path("allowed").asBoolean() && warmAfter.path("warnings").isMissingNode(),
                    warmAfter::toString);
        }
    }

    static String warnings(JsonNode response) {
        return String.join("\n", StreamSupport.stream(response.path("warnings").spliterator(), false)
                .map(JsonNode::asText).toList());
    }

    /** Sends {@code examples/requests/allow-pod.json} with another namespace and image; times every answer. */
    static final class Reviewer {
        final RunningWebhook webhook;
        final ObjectNode template;
        int reviews;
        long slowestMillis;

        Reviewer(RunningWebhook webhook) throws Exception {
            this.webhook = webhook;
            template = (ObjectNode) JSON.readTree(ROOT.resolve("examples/requests/allow-pod.json").toFile());
        }

        JsonNode review(String outcome, String image) throws Exception {
            ObjectNode review = template.deepCopy();
            ObjectNode request = (ObjectNode) review.path("request");
            request.put("uid", UUID.randomUUID().toString());
            request.put("namespace", "outage-" + outcome);
            ((ObjectNode) request.path("object").path("metadata")).put("namespace", "outage-" + outcome);
            ((ObjectNode) ((ArrayNode) request.path("object").path("spec").path("containers")).get(0))
                    .put("image", image);
            long t0 = System.nanoTime();
            HttpResponse<String> r = webhook.post(JSON.writeValueAsBytes(review));
            slowestMillis = Math.max(slowestMillis, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            reviews++;
            assertEquals(200, r.statusCode(), r.body());
            return JSON.readTree(r.body()).path("response");
        }
    }
}
