package dev.ecrgate.findings.ecr;

import static dev.ecrgate.findings.ecr.EcrDouble.Operation.BATCH_GET_IMAGE;
import static dev.ecrgate.findings.ecr.EcrDouble.Operation.DESCRIBE_IMAGES;
import static dev.ecrgate.findings.ecr.EcrDouble.Operation.DESCRIBE_IMAGE_SCAN_FINDINGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ecrgate.findings.FactNeeds;
import dev.ecrgate.findings.Finding;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.PlatformImage;
import dev.ecrgate.findings.RecordedFindings;
import dev.ecrgate.findings.ScanStatus;
import dev.ecrgate.image.ImageReference;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Multi-arch images from the live source, against the ECR double: an OCI image index of linux/amd64 and
 * linux/arm64/v8 plus a BuildKit attestation manifest. Call counts show the cold path (one index read, one scan
 * read per platform, in parallel) and that a single-platform image costs what it did.
 */
class EcrFactsIndexIT {
    static final String ACCOUNT = "111122223333";
    static final String HOST = ACCOUNT + ".dkr.ecr.us-east-1.amazonaws.com";
    static final String INDEX = "sha256:" + "1d".repeat(32);
    static final String AMD64 = "sha256:" + "a6".repeat(32);
    static final String ARM64 = "sha256:" + "a7".repeat(32);
    static final String ATTESTATION = "sha256:" + "a0".repeat(32);
    static final String SINGLE = "sha256:" + "5e".repeat(32);
    static final Instant SCANNED = Instant.parse("2026-11-30T09:15:00Z");

    EcrDouble ecr;
    EcrFacts facts;

    @BeforeEach
    void start() {
        ecr = EcrDouble.start();
        ecr.repository(ACCOUNT, "team-blue/api", "MUTABLE");
        Map<String, String> platforms = new LinkedHashMap<>();
        platforms.put("linux/amd64", AMD64);
        platforms.put("linux/arm64/v8", ARM64);
        platforms.put("unknown/unknown", ATTESTATION);
        ecr.index(ACCOUNT, "team-blue/api", INDEX, platforms, "2.0.0");
        ecr.scan(ACCOUNT, "team-blue/api", AMD64, "COMPLETE", SCANNED, List.of(), List.of());
        ecr.scan(ACCOUNT, "team-blue/api", ARM64, "COMPLETE", SCANNED,
                List.of(new EcrDouble.BasicFinding("CVE-2026-21001", "CRITICAL", "libgcrypt20", "1.10.1-3")),
                List.of());
        ecr.image(ACCOUNT, "team-blue/api", SINGLE, "1.9.0");
        ecr.scan(ACCOUNT, "team-blue/api", SINGLE, "COMPLETE", SCANNED, List.of(), List.of());
        facts = EcrFacts.create(EcrSettings.defaults().withEndpoint(Optional.of(ecr.endpoint())),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")),
                new AtomicLong(1_000_000_000_000L)::get);
    }

    @AfterEach
    void stop() {
        facts.close();
        ecr.close();
    }

    ImageFacts get(String image) throws Exception {
        return facts.facts(ImageReference.parse(image), FactNeeds.ALL).toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    static List<String> platforms(ImageFacts f) {
        return f.platforms().stream().map(p -> p.platform() + "=" + p.digest()).toList();
    }

    @Test
    void aTagOfAnIndexIsAnsweredWithEachPlatformImagesScan_inOneIndexReadAndOneScanReadPerPlatform()
            throws Exception {
        ImageFacts f = get(HOST + "/team-blue/api:2.0.0");

        assertEquals(Optional.of(INDEX), f.digest());
        assertEquals(List.of("linux/amd64=" + AMD64, "linux/arm64/v8=" + ARM64), platforms(f),
                "the attestation manifest is no platform");
        assertEquals(ScanStatus.COMPLETE, f.platforms().get(1).scan().status());
        assertEquals(List.of("CVE-2026-21001"), f.platforms().get(1).scan().findings().orElseThrow().stream()
                .map(Finding::id).toList());
        assertEquals(1, ecr.calls(DESCRIBE_IMAGES));
        assertEquals(1, ecr.calls(BATCH_GET_IMAGE));
        assertEquals(2, ecr.calls(DESCRIBE_IMAGE_SCAN_FINDINGS), "no scan read of the index itself");
        assertTrue(ecr.calls().stream().filter(c -> c.operation().equals("DescribeImageScanFindings"))
                .noneMatch(c -> c.request().path("imageId").path("imageDigest").asText().equals(INDEX)));

        int cold = ecr.calls().size();
        for (int i = 0; i < 100; i++) {
            get(HOST + "/team-blue/api:2.0.0");
        }
        assertEquals(cold, ecr.calls().size(), "warm reads make no call");
    }

    @Test
    void anIndexPinnedByDigestIsFoundByItsScanAnswer_thenReadTheSameWay() throws Exception {
        ImageFacts f = get(HOST + "/team-blue/api@" + INDEX);

        assertEquals(List.of("linux/amd64=" + AMD64, "linux/arm64/v8=" + ARM64), platforms(f));
        assertEquals(1, ecr.calls(BATCH_GET_IMAGE));
        assertEquals(3, ecr.calls(DESCRIBE_IMAGE_SCAN_FINDINGS), "the index's (no scan), then one per platform");
    }

    @Test
    void aSingleImageCostsWhatItDid() throws Exception {
        ImageFacts byTag = get(HOST + "/team-blue/api:1.9.0");
        ImageFacts byDigest = get(HOST + "/team-blue/api@" + SINGLE);

        assertTrue(byTag.platforms().isEmpty());
        assertTrue(byDigest.platforms().isEmpty());
        assertEquals(ScanStatus.COMPLETE, byTag.scan().status());
        assertEquals(0, ecr.calls(BATCH_GET_IMAGE));
        assertEquals(1, ecr.calls(DESCRIBE_IMAGE_SCAN_FINDINGS), "one digest, read once");
    }

    @Test
    void aPlatformImageWithoutAScanIsAnsweredAsSuch() throws Exception {
        String s390x = "sha256:" + "a9".repeat(32);
        ecr.index(ACCOUNT, "team-blue/api", "sha256:" + "2d".repeat(32), Map.of("linux/s390x", s390x), "2.0.1");

        ImageFacts f = get(HOST + "/team-blue/api:2.0.1");

        PlatformImage only = f.platforms().get(0);
        assertEquals(ScanStatus.NOT_FOUND, only.scan().status());
        assertEquals(Optional.empty(), only.scanFailure());
    }

    @Test
    void aPlatformImageWhoseScanCannotBeReadCarriesTheFailure_theOthersAreAnswered() throws Exception {
        facts.close();
        facts = EcrFacts.create(EcrSettings.defaults().withEndpoint(Optional.of(ecr.endpoint()))
                        .withAttempts(1, java.time.Duration.ofSeconds(2)),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")),
                new AtomicLong(1_000_000_000_000L)::get);
        ecr.failNext(DESCRIBE_IMAGE_SCAN_FINDINGS, 1, 500, "ServerException");

        ImageFacts f = get(HOST + "/team-blue/api:2.0.0");

        assertEquals(1, f.platforms().stream().filter(p -> p.scanFailure().isPresent()).count(), f::toString);
        assertEquals(1, f.platforms().stream().filter(p -> p.scan().status() == ScanStatus.COMPLETE).count());
        assertEquals(Optional.empty(), f.scanFailure(), "the index itself was read");
    }

    @Test
    void theLiveSourceReadsTheRecordedMultiArchExampleAsTheRecordedSourceDoes() throws Exception {
        Path recorded = Path.of("..").toAbsolutePath().normalize().resolve("examples/multiarch/findings");
        ecr.reset();
        RecordedFacts.load(recorded, ecr);
        String image = HOST + "/team-blue/api:2.1.0";

        ImageFacts live = get(image);
        ImageFacts offline = RecordedFindings.load(recorded).factsFor(ImageReference.parse(image));

        assertEquals(offline.digest(), live.digest());
        assertEquals(summary(offline), summary(live));
    }

    @Test
    void theWebhookDeniesAPodOfTheMultiArchExampleNamingThePlatformAndItsDigest() throws Exception {
        ecr.reset();
        RecordedFacts.load(Path.of("..").toAbsolutePath().normalize().resolve("examples/multiarch/findings"), ecr);
        byte[] review = new String(dev.ecrgate.server.RunningWebhook.example("allow-pod.json"),
                java.nio.charset.StandardCharsets.UTF_8).replace("team-blue/api:1.4.2", "team-blue/api:2.1.0")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (var server = dev.ecrgate.server.RunningWebhook.live(ecr.endpoint(), java.time.Duration.ofSeconds(3),
                java.time.Clock.fixed(Instant.parse("2026-12-03T12:00:00Z"), java.time.ZoneOffset.UTC))) {
            var response = new com.fasterxml.jackson.databind.ObjectMapper().readTree(server.post(review).body())
                    .path("response");

            assertEquals(false, response.path("allowed").asBoolean(), response::toString);
            String message = response.path("status").path("message").asText();
            assertTrue(message.contains("image 111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/api:2.1.0"
                    + " (digest sha256:c590e8141a78…)"), message);
            assertTrue(message.contains("vulnerabilities.maxCounts: linux/arm64/v8 (sha256:cb491f52c2f0…): too many"
                    + " vulnerabilities: CRITICAL 1 (max 0)"), message);
            assertTrue(message.contains("CVE-2026-21001 CRITICAL libgcrypt20 1.10.1-3"), message);
        }
    }

    static List<String> summary(ImageFacts f) {
        return f.platforms().stream().map(p -> p.platform() + " " + p.digest() + " " + p.scan().status() + " "
                + p.scan().findings().orElse(List.of()).stream().map(Finding::id).sorted().toList()).toList();
    }
}
