package dev.ecrgate.findings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ecrgate.image.ImageReference;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The recorded multi-arch example ({@code examples/multiarch/findings}): an index read from batch-get-image. */
class RecordedIndexTest {
    static final Path FINDINGS = Path.of("..").toAbsolutePath().normalize().resolve("examples/multiarch/findings");
    static final String HOST = "111122223333.dkr.ecr.us-east-1.amazonaws.com";
    static final String INDEX = "sha256:c590e8141a7818b95cd564a4b48f1a3e926a33f8612f5c5403c51915163f370f";
    static final String AMD64 = "sha256:68f1261eae8b6e5884e253731ec36eca629c02c3397e5ef0b62eb1249d17fe9c";
    static final String ARM64 = "sha256:cb491f52c2f0942f73a272c60528d6c54522c137b36db71574fa4f541c0664de";

    @Test
    void aTagOfAnIndexIsAnsweredWithEachPlatformImagesScan_attestationLeftOut() throws Exception {
        RecordedFindings recorded = RecordedFindings.load(FINDINGS);

        ImageFacts f = recorded.factsFor(ImageReference.parse(HOST + "/team-blue/api:2.1.0"));

        assertEquals(Optional.of(INDEX), f.digest());
        assertEquals(List.of("linux/amd64", "linux/arm64/v8"),
                f.platforms().stream().map(p -> p.platform().toString()).toList());
        assertEquals(List.of(AMD64, ARM64), f.platforms().stream().map(PlatformImage::digest).toList());
        assertEquals(List.of("CVE-2025-9230"), ids(f.platforms().get(0)));
        assertEquals(List.of("CVE-2026-21001", "CVE-2025-9230"), ids(f.platforms().get(1)));
        assertTrue(recorded.summary().endsWith(", 1 image index"), recorded.summary());
    }

    @Test
    void theIndexByDigestIsTheSame_andAPlatformImageByItsOwnDigestIsASingleImage() throws Exception {
        RecordedFindings recorded = RecordedFindings.load(FINDINGS);

        ImageFacts byDigest = recorded.factsFor(ImageReference.parse(HOST + "/team-blue/api@" + INDEX));
        ImageFacts child = recorded.factsFor(ImageReference.parse(HOST + "/team-blue/api@" + ARM64));

        assertEquals(2, byDigest.platforms().size());
        assertTrue(child.platforms().isEmpty());
        assertEquals(ScanStatus.COMPLETE, child.scan().status());
    }

    private static List<String> ids(PlatformImage p) {
        return p.scan().findings().orElseThrow().stream().map(Finding::id).toList();
    }
}
