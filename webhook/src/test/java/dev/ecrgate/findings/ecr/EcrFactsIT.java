package dev.ecrgate.findings.ecr;

import static dev.ecrgate.findings.ecr.EcrDouble.Operation.DESCRIBE_IMAGES;
import static dev.ecrgate.findings.ecr.EcrDouble.Operation.DESCRIBE_IMAGE_SCAN_FINDINGS;
import static dev.ecrgate.findings.ecr.EcrDouble.Operation.DESCRIBE_REPOSITORIES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ecrgate.findings.FactNeeds;
import dev.ecrgate.findings.Finding;
import dev.ecrgate.findings.FixAvailable;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.ScanStatus;
import dev.ecrgate.findings.Severity;
import dev.ecrgate.findings.TagMutability;
import dev.ecrgate.image.ImageReference;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The live ECR source against our ECR double (the real SDK, the real protocol, on loopback), where the double
 * counts calls and injects faults that moto cannot. Time in the cache is a clock the test moves; the figures are
 * call counts, never timings.
 */
class EcrFactsIT {
    static final String ACCOUNT = "111122223333";
    static final String HOST = ACCOUNT + ".dkr.ecr.us-east-1.amazonaws.com";
    static final String DIGEST = "sha256:" + "1a".repeat(32);
    static final Instant SCANNED = Instant.parse("2026-11-29T10:00:00Z");

    EcrDouble ecr;
    AtomicLong now = new AtomicLong(1_000_000_000_000L);
    EcrFacts facts;

    @BeforeEach
    void start() {
        ecr = EcrDouble.start();
        ecr.repository(ACCOUNT, "team-blue/api", "MUTABLE");
        ecr.image(ACCOUNT, "team-blue/api", DIGEST, "1.4.2");
        ecr.scan(ACCOUNT, "team-blue/api", DIGEST, "ACTIVE", SCANNED,
                List.of(new EcrDouble.BasicFinding("CVE-2024-0001", "HIGH", "zlib", "1.2.13")),
                List.of(EcrDouble.EnhancedFinding.fixed("CVE-2024-6387", "CRITICAL", "openssh-server", "9.2p1",
                        "9.2p1-2+deb12u3"),
                        EcrDouble.EnhancedFinding.unfixed("CVE-2023-52425", "HIGH", "expat", "2.5.0")));
        facts = source(EcrSettings.defaults());
    }

    EcrFacts source(EcrSettings settings) {
        return EcrFacts.create(settings.withEndpoint(Optional.of(ecr.endpoint())),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")), now::get);
    }

    @AfterEach
    void stop() {
        facts.close();
        ecr.close();
    }

    static ImageReference ref(String text) throws Exception {
        return ImageReference.parse(text);
    }

    ImageFacts get(String image) throws Exception {
        return facts.facts(ref(image), FactNeeds.ALL).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void readsTagDigestScanAndMutabilityThroughTheRealProtocol() throws Exception {
        ImageFacts f = get(HOST + "/team-blue/api:1.4.2");
        assertEquals(Optional.of(DIGEST), f.digest());
        assertEquals(ScanStatus.ACTIVE, f.scan().status());
        assertEquals(Optional.of(SCANNED), f.scan().completedAt());
        List<Finding> findings = f.scan().findings().orElseThrow();
        assertEquals(3, findings.size(), findings::toString);
        Finding ssh = findings.stream().filter(x -> x.id().equals("CVE-2024-6387")).findFirst().orElseThrow();
        assertEquals(new Finding("CVE-2024-6387", Severity.CRITICAL, "openssh-server", "9.2p1",
                Optional.of("9.2p1-2+deb12u3"), FixAvailable.YES, true), ssh);
        assertEquals(TagMutability.MUTABLE, f.repository().orElseThrow().mutability());
        assertTrue(f.scanFailure().isEmpty() && f.stale().isEmpty());
        assertTrue(ecr.calls().stream().allMatch(c -> c.region().equals("us-east-1")
                && ACCOUNT.equals(c.request().path("registryId").asText())), ecr.calls()::toString);
    }

    @Test
    void callsTheRegionOfTheImageHost() throws Exception {
        ecr.repository(ACCOUNT, "team-blue/eu", "IMMUTABLE");
        ImageFacts f = get(ACCOUNT + ".dkr.ecr.eu-west-1.amazonaws.com/team-blue/eu@" + DIGEST);
        assertEquals(ScanStatus.NOT_FOUND, f.scan().status());
        assertTrue(ecr.calls().stream().allMatch(c -> c.region().equals("eu-west-1")), ecr.calls()::toString);
    }

    @Test
    void makesOneCallForAHundredConcurrentAdmissionsOfOneNewImage() throws Exception {
        ecr.latency(Duration.ofMillis(300));
        List<CompletableFuture<ImageFacts>> all = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            all.add(facts.facts(ref(HOST + "/team-blue/api:1.4.2"), new FactNeeds(true, false))
                    .toCompletableFuture());
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        assertEquals(1, ecr.calls(DESCRIBE_IMAGES));
        assertEquals(1, ecr.calls(DESCRIBE_IMAGE_SCAN_FINDINGS));
        assertTrue(all.stream().allMatch(f -> f.join().scan().status() == ScanStatus.ACTIVE));
    }

    @Test
    void answersTheWarmPathWithoutAnyCall() throws Exception {
        get(HOST + "/team-blue/api:1.4.2");
        int before = ecr.calls().size();
        for (int i = 0; i < 1000; i++) {
            CompletableFuture<ImageFacts> f = facts.facts(ref(HOST + "/team-blue/api:1.4.2"), FactNeeds.ALL)
                    .toCompletableFuture();
            assertTrue(f.isDone(), "a warm answer is there at once");
        }
        assertEquals(before, ecr.calls().size());
    }

    @Test
    void batchesTheTagsOfOneRequestIntoOneDescribeImagesPerRepository() throws Exception {
        ecr.image(ACCOUNT, "team-blue/api", "sha256:" + "2b".repeat(32), "1.5.0");
        ecr.image(ACCOUNT, "team-blue/api", "sha256:" + "3c".repeat(32), "1.6.0");
        Map<ImageReference, FactNeeds> request = new LinkedHashMap<>();
        for (String tag : List.of("1.4.2", "1.5.0", "1.6.0")) {
            request.put(ref(HOST + "/team-blue/api:" + tag), new FactNeeds(true, false));
        }
        for (var stage : facts.factsAll(request).values()) {
            stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        assertEquals(1, ecr.calls(DESCRIBE_IMAGES));
        assertEquals(3, ecr.calls(DESCRIBE_IMAGE_SCAN_FINDINGS));
    }

    @Test
    void refreshesAWarmEntryInTheBackgroundWhileAnsweringAtOnce() throws Exception {
        get(HOST + "/team-blue/api@" + DIGEST);
        ecr.scan(ACCOUNT, "team-blue/api", DIGEST, "ACTIVE", SCANNED.plusSeconds(3600), List.of(), List.of());
        advance(EcrSettings.defaults().scanRefresh().plusSeconds(1));
        CompletableFuture<ImageFacts> served = facts.facts(ref(HOST + "/team-blue/api@" + DIGEST), FactNeeds.ALL)
                .toCompletableFuture();
        assertTrue(served.isDone(), "answered from the cache");
        assertEquals(3, served.join().scan().findings().orElseThrow().size(), "the old answer");
        awaitCalls(DESCRIBE_IMAGE_SCAN_FINDINGS, 2);
        ImageFacts fresh = awaitFacts(HOST + "/team-blue/api@" + DIGEST,
                f -> f.scan().findings().orElseThrow().isEmpty());
        assertEquals(Optional.of(SCANNED.plusSeconds(3600)), fresh.scan().completedAt());
        assertEquals(2, ecr.calls(DESCRIBE_IMAGE_SCAN_FINDINGS), "one refresh, however many reads");
    }

    @Test
    void tellsTheAuditWhenARefreshReadsSomethingNewAndOnlyThen() throws Exception {
        java.util.concurrent.atomic.AtomicInteger changes = new java.util.concurrent.atomic.AtomicInteger();
        AutoCloseable listening = facts.onChange(changes::incrementAndGet);
        String image = HOST + "/team-blue/api@" + DIGEST;
        get(image);
        advance(EcrSettings.defaults().scanRefresh().plusSeconds(1));
        get(image);
        awaitCalls(DESCRIBE_IMAGE_SCAN_FINDINGS, 2);
        Thread.sleep(200);
        assertEquals(0, changes.get(), "the same findings again are no change");

        ecr.scan(ACCOUNT, "team-blue/api", DIGEST, "ACTIVE", SCANNED, List.of(new EcrDouble.BasicFinding(
                "CVE-2026-0001", "CRITICAL", "glibc", "2.36")), List.of());
        advance(EcrSettings.defaults().scanRefresh().plusSeconds(1));
        get(image);
        awaitFacts(image, f -> f.scan().findings().orElseThrow().size() == 1);
        assertEquals(1, changes.get(), "a new finding is one change");

        listening.close();
        ecr.scan(ACCOUNT, "team-blue/api", DIGEST, "ACTIVE", SCANNED, List.of(), List.of());
        advance(EcrSettings.defaults().scanRefresh().plusSeconds(1));
        get(image);
        awaitFacts(image, f -> f.scan().findings().orElseThrow().isEmpty());
        assertEquals(1, changes.get(), "a listener that stopped listening hears nothing");
    }

    @Test
    void servesTheLastAnswerWithAWarningWhenRefreshingFails() throws Exception {
        String image = HOST + "/team-blue/api@" + DIGEST;
        get(image);
        ecr.failNext(DESCRIBE_IMAGE_SCAN_FINDINGS, 100, 500, "ServerException");
        advance(EcrSettings.defaults().scanRefresh().plusSeconds(1));
        assertTrue(get(image).stale().isEmpty(), "the refresh has just started");
        ImageFacts stale = awaitFacts(image, f -> f.stale().isPresent());
        assertEquals(3, stale.scan().findings().orElseThrow().size(), "the last known findings");
        assertTrue(stale.stale().get().contains("ServerException"), stale.stale().get());
        int calls = ecr.calls(DESCRIBE_IMAGE_SCAN_FINDINGS);
        for (int i = 0; i < 50; i++) {
            get(image);
        }
        assertEquals(calls, ecr.calls(DESCRIBE_IMAGE_SCAN_FINDINGS), "a failed refresh backs off");
        advance(EcrSettings.defaults().maxStale());
        ImageFacts expired = get(image);
        assertTrue(expired.scanFailure().isPresent(), "past maxStale there is no answer to serve: " + expired);
    }

    @Test
    void retriesThrottlingInsideOneLookup() throws Exception {
        ecr.throttleNext(DESCRIBE_IMAGE_SCAN_FINDINGS, 2);
        ImageFacts f = get(HOST + "/team-blue/api@" + DIGEST);
        assertEquals(ScanStatus.ACTIVE, f.scan().status());
        assertEquals(3, ecr.calls(DESCRIBE_IMAGE_SCAN_FINDINGS));
    }

    @Test
    void reportsAFailureWhenRetriesRunOut() throws Exception {
        ecr.throttleNext(DESCRIBE_IMAGE_SCAN_FINDINGS, 10);
        ImageFacts f = get(HOST + "/team-blue/api@" + DIGEST);
        assertTrue(f.scanFailure().orElseThrow().startsWith("ThrottlingException"), f.scanFailure().get());
        assertEquals(3, ecr.calls(DESCRIBE_IMAGE_SCAN_FINDINGS), "the default of 3 attempts");
    }

    @Test
    void keepsNotFoundBrieflySoATypoIsNotHammered() throws Exception {
        ImageFacts f = get(HOST + "/team-blue/api:typo");
        assertEquals(ScanStatus.NOT_FOUND, f.scan().status());
        assertTrue(f.scanFailure().isEmpty());
        for (int i = 0; i < 20; i++) {
            get(HOST + "/team-blue/api:typo");
        }
        assertEquals(1, ecr.calls(DESCRIBE_IMAGES));
        advance(EcrSettings.defaults().negativeRefresh().plusSeconds(1));
        get(HOST + "/team-blue/api:typo");
        awaitCalls(DESCRIBE_IMAGES, 2);
    }

    @Test
    void mapsEcrsNotFoundErrorsToFacts() throws Exception {
        assertEquals(ScanStatus.NOT_FOUND, get(HOST + "/no/such-repo:1").scan().status());
        assertEquals(ScanStatus.NOT_FOUND, get(HOST + "/team-blue/api@sha256:" + "ff".repeat(32)).scan().status());
        String unscanned = "sha256:" + "4d".repeat(32);
        ecr.image(ACCOUNT, "team-blue/api", unscanned, "unscanned");
        ImageFacts noScan = get(HOST + "/team-blue/api:unscanned");
        assertEquals(ScanStatus.NOT_FOUND, noScan.scan().status());
        assertTrue(noScan.scanFailure().isEmpty());
        String pending = "sha256:" + "5e".repeat(32);
        ecr.image(ACCOUNT, "team-blue/api", pending, "pending");
        ecr.scanSummary(ACCOUNT, "team-blue/api", pending, "IN_PROGRESS", Optional.empty(), Map.of());
        assertEquals(ScanStatus.IN_PROGRESS, get(HOST + "/team-blue/api:pending").scan().status(),
                "ScanNotFoundException, but DescribeImages says the scan is in progress");
        assertTrue(get(HOST.replace(ACCOUNT, "999988887777") + "/team-blue/api:1.4.2").scan().status()
                == ScanStatus.NOT_FOUND, "another account's registry is another registry");
    }

    @Test
    void readsEveryPageOfFindings() throws Exception {
        List<EcrDouble.EnhancedFinding> many = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            many.add(EcrDouble.EnhancedFinding.fixed("CVE-2025-" + (10000 + i), "MEDIUM", "pkg" + i, "1", "2"));
        }
        ecr.scan(ACCOUNT, "team-blue/api", DIGEST, "ACTIVE", SCANNED, List.of(), many);
        ecr.pageSize(40);
        ImageFacts f = get(HOST + "/team-blue/api@" + DIGEST);
        assertEquals(250, f.scan().findings().orElseThrow().size());
        assertEquals(7, ecr.calls(DESCRIBE_IMAGE_SCAN_FINDINGS));
    }

    @Test
    void readsTagMutabilityWithExclusions() throws Exception {
        ecr.repository(ACCOUNT, "team-blue/web", "IMMUTABLE_WITH_EXCLUSION", "dev-*", "latest");
        ecr.image(ACCOUNT, "team-blue/web", DIGEST, "dev-7");
        ImageFacts f = facts.facts(ref(HOST + "/team-blue/web:dev-7"), new FactNeeds(false, true))
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        var repo = f.repository().orElseThrow();
        assertEquals(TagMutability.IMMUTABLE_WITH_EXCLUSION, repo.mutability());
        assertFalse(repo.isImmutable("dev-7"));
        assertTrue(repo.isImmutable("1.0.0"));
        assertEquals(1, ecr.calls(DESCRIBE_REPOSITORIES));
        assertEquals(0, ecr.calls(DESCRIBE_IMAGE_SCAN_FINDINGS), "only what the rules need");
    }

    @Test
    void keepsToTheRateLimitAndRefusesAFloodRatherThanQueueingWithoutEnd() throws Exception {
        facts.close();
        facts = source(EcrSettings.defaults().withRateLimit(2));
        List<CompletableFuture<ImageFacts>> all = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            all.add(facts.facts(ref(HOST + "/team-blue/api@sha256:" + String.format("%064x", i)),
                    new FactNeeds(true, false)).toCompletableFuture());
        }
        // two calls a second: two go at once, the k-th waits (k - 2) / 2 seconds, and a wait over the 10 s
        // a lookup may queue is refused at once
        Thread.sleep(200);
        assertEquals(2, ecr.calls(DESCRIBE_IMAGE_SCAN_FINDINGS));
        long refused = all.stream().filter(CompletableFuture::isDone).map(CompletableFuture::join)
                .filter(f -> f.scanFailure().map(w -> w.contains("rate limit")).orElse(false)).count();
        assertEquals(8, refused);
    }

    private void awaitCalls(EcrDouble.Operation op, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ecr.calls(op) < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(n, ecr.calls(op));
    }

    private ImageFacts awaitFacts(String image, java.util.function.Predicate<ImageFacts> ready) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        ImageFacts f = get(image);
        while (!ready.test(f) && System.nanoTime() < deadline) {
            Thread.sleep(10);
            f = get(image);
        }
        assertTrue(ready.test(f), f::toString);
        return f;
    }
}
