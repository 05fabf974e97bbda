package dev.ecrgate.findings.ecr;

import static dev.ecrgate.findings.ecr.EcrDouble.Operation.DESCRIBE_IMAGES;
import static dev.ecrgate.findings.ecr.EcrDouble.Operation.DESCRIBE_IMAGE_SCAN_FINDINGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ecrgate.findings.FactNeeds;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.ScanStatus;
import dev.ecrgate.image.ImageReference;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The refreshes registry events ask for ({@link EcrFacts#refreshScan} and friends) against the ECR double: only
 * cached entries are read, in every registry host of the account and region, a change tells the listeners (the
 * audit), and a delete leaves the tags that pointed at the image "not found". The cache's clock stands still, so
 * every call counted is the refresh's own.
 */
class EcrFactsRefreshIT {
    static final String ACCOUNT = "111122223333";
    static final String HOST = ACCOUNT + ".dkr.ecr.us-east-1.amazonaws.com";
    static final String FIPS_HOST = ACCOUNT + ".dkr.ecr-fips.us-east-1.amazonaws.com";
    static final String DIGEST = "sha256:" + "1a".repeat(32);
    static final Instant SCANNED = Instant.parse("2026-11-29T10:00:00Z");

    EcrDouble ecr;
    EcrFacts facts;
    final AtomicInteger changes = new AtomicInteger();

    @BeforeEach
    void start() {
        ecr = EcrDouble.start();
        ecr.repository(ACCOUNT, "team-blue/api", "MUTABLE");
        ecr.image(ACCOUNT, "team-blue/api", DIGEST, "1.4.2", "stable");
        ecr.scan(ACCOUNT, "team-blue/api", DIGEST, "COMPLETE", SCANNED, List.of(), List.of());
        AtomicLong now = new AtomicLong(1_000_000_000_000L);
        facts = EcrFacts.create(EcrSettings.defaults().withEndpoint(Optional.of(ecr.endpoint())),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")), now::get);
        facts.onChange(changes::incrementAndGet);
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

    static <T> T join(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void whatIsNotCachedIsNotRead() throws Exception {
        assertEquals(EcrFacts.Refreshed.NOTHING, join(facts.refreshScan(ACCOUNT, "us-east-1", "team-blue/api",
                DIGEST)));
        assertEquals(EcrFacts.Refreshed.NOTHING, join(facts.refreshTag(ACCOUNT, "us-east-1", "team-blue/api",
                "1.4.2")));

        assertEquals(0, ecr.calls().size());
    }

    @Test
    void aScanThatChangedIsReadOnceAndTheListenersAreTold() throws Exception {
        get(HOST + "/team-blue/api@" + DIGEST);
        int before = ecr.calls(DESCRIBE_IMAGE_SCAN_FINDINGS);
        ecr.scan(ACCOUNT, "team-blue/api", DIGEST, "COMPLETE", SCANNED.plusSeconds(60),
                List.of(new EcrDouble.BasicFinding("CVE-2026-40001", "CRITICAL", "openssl", "3.0.15")), List.of());

        EcrFacts.Refreshed r = join(facts.refreshScan(ACCOUNT, "us-east-1", "team-blue/api", DIGEST));

        assertEquals(new EcrFacts.Refreshed(1, 1, Optional.empty()), r);
        assertEquals(before + 1, ecr.calls(DESCRIBE_IMAGE_SCAN_FINDINGS));
        assertEquals(1, changes.get());
        assertEquals(1, get(HOST + "/team-blue/api@" + DIGEST).scan().findings().orElseThrow().size());
        assertEquals(before + 1, ecr.calls(DESCRIBE_IMAGE_SCAN_FINDINGS), "answered from the cache again");
    }

    @Test
    void aScanThatDidNotChangeTellsNobody() throws Exception {
        get(HOST + "/team-blue/api@" + DIGEST);

        assertEquals(new EcrFacts.Refreshed(1, 0, Optional.empty()),
                join(facts.refreshScan(ACCOUNT, "us-east-1", "team-blue/api", DIGEST)));
        assertEquals(0, changes.get());
    }

    @Test
    void everyRegistryHostOfTheAccountAndRegionIsRead() throws Exception {
        get(HOST + "/team-blue/api@" + DIGEST);
        get(FIPS_HOST + "/team-blue/api@" + DIGEST);

        EcrFacts.Refreshed r = join(facts.refreshScan(ACCOUNT, "us-east-1", "team-blue/api", DIGEST));
        EcrFacts.Refreshed otherRegion = join(facts.refreshScan(ACCOUNT, "eu-west-1", "team-blue/api", DIGEST));

        assertEquals(2, r.entries());
        assertEquals(0, otherRegion.entries());
    }

    @Test
    void aDeletedImageLeavesItsTagsAndDigestNotFound() throws Exception {
        get(HOST + "/team-blue/api:1.4.2");
        get(HOST + "/team-blue/api:stable");
        get(HOST + "/team-blue/api@" + DIGEST);
        int describes = ecr.calls(DESCRIBE_IMAGES);
        ecr.deleteImage(ACCOUNT, "team-blue/api", DIGEST);

        EcrFacts.Refreshed tags = join(facts.refreshTagsOf(ACCOUNT, "us-east-1", "team-blue/api", DIGEST));
        EcrFacts.Refreshed scan = join(facts.refreshScan(ACCOUNT, "us-east-1", "team-blue/api", DIGEST));

        assertEquals(new EcrFacts.Refreshed(2, 2, Optional.empty()), tags, "both tags pointed at the image");
        assertEquals(new EcrFacts.Refreshed(1, 1, Optional.empty()), scan);
        assertEquals(describes + 2, ecr.calls(DESCRIBE_IMAGES));
        assertEquals(ScanStatus.NOT_FOUND, get(HOST + "/team-blue/api:stable").scan().status());
        assertEquals(Optional.empty(), get(HOST + "/team-blue/api:1.4.2").digest());
        assertEquals(ScanStatus.NOT_FOUND, get(HOST + "/team-blue/api@" + DIGEST).scan().status());
    }

    @Test
    void aFailedReadKeepsTheAnswerAndSaysWhy() throws Exception {
        get(HOST + "/team-blue/api@" + DIGEST);
        ecr.failNext(DESCRIBE_IMAGE_SCAN_FINDINGS, 3, 500, "ServerException");

        EcrFacts.Refreshed r = join(facts.refreshScan(ACCOUNT, "us-east-1", "team-blue/api", DIGEST));

        assertEquals(1, r.entries());
        assertTrue(r.failure().orElseThrow().contains("ServerException"), r::toString);
        assertEquals(ScanStatus.COMPLETE, get(HOST + "/team-blue/api@" + DIGEST).scan().status());
    }
}
