package dev.ecrgate.findings.ecr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ecrgate.findings.FactNeeds;
import dev.ecrgate.findings.Finding;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.RecordedFindings;
import dev.ecrgate.findings.ScanStatus;
import dev.ecrgate.findings.TagMutability;
import dev.ecrgate.image.ImageReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The contract with the real ECR API, as moto implements it: the live source, signing with SigV4 and speaking the
 * JSON 1.1 protocol through the AWS SDK, reads the same facts as the recorded source reads from the AWS CLI output
 * of {@code examples/findings}, which is loaded into moto (repositories with their tag mutability, images with
 * their digests and tags, and the scan results through moto's custom findings API).
 */
class EcrFactsMotoIT {
    static final Path EXAMPLES = Path.of("..", "examples", "findings").toAbsolutePath().normalize();
    static final String HOST = "111122223333.dkr.ecr.us-east-1.amazonaws.com";
    static final ObjectMapper JSON = new ObjectMapper();

    static MotoServer moto;
    static EcrFacts live;
    static RecordedFindings recorded;

    @BeforeAll
    static void start() throws Exception {
        moto = MotoServer.start();
        recorded = RecordedFindings.load(EXAMPLES);
        for (JsonNode r : JSON.readTree(EXAMPLES.resolve("describe-repositories.json").toFile()).path("repositories")) {
            moto.createRepository(r.path("repositoryName").asText(), r.path("imageTagMutability").asText());
        }
        moto.createRepository("team-blue/excluded", "IMMUTABLE_WITH_EXCLUSION", "dev-*");
        for (JsonNode i : JSON.readTree(EXAMPLES.resolve("describe-images.json").toFile()).path("imageDetails")) {
            moto.putImage(i.path("repositoryName").asText(), i.path("imageDigest").asText(),
                    i.path("imageTags").path(0).asText());
        }
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            for (Path p : (Iterable<Path>) files.filter(f -> f.getFileName().toString().startsWith("scan-"))::iterator) {
                ObjectNode scan = (ObjectNode) JSON.readTree(p.toFile());
                moto.startImageScan(scan.path("repositoryName").asText(),
                        scan.path("imageId").path("imageDigest").asText());
                epochTimestamps(scan);
                moto.loadScanFindings(scan);
            }
        }
        moto.putImage("team-blue/api", "sha256:" + "9f".repeat(32), "unscanned");
        live = EcrFacts.create(EcrSettings.defaults().withEndpoint(Optional.of(moto.endpoint())),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")), System::nanoTime);
    }

    @AfterAll
    static void stop() {
        if (live != null) {
            live.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    /** The AWS JSON protocol sends timestamps as epoch seconds; the CLI prints them as ISO-8601. */
    static void epochTimestamps(JsonNode node) {
        if (node instanceof ObjectNode o) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().endsWith("At") && e.getValue().isTextual()) {
                    OffsetDateTime t = OffsetDateTime.parse(e.getValue().asText());
                    o.put(e.getKey(), t.toEpochSecond() + t.getNano() / 1e9);
                } else {
                    epochTimestamps(e.getValue());
                }
            }
        } else if (node.isArray()) {
            node.forEach(EcrFactsMotoIT::epochTimestamps);
        }
    }

    static ImageFacts liveFacts(String image, FactNeeds needs) throws Exception {
        return live.facts(ImageReference.parse(image), needs).toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    static List<Finding> sorted(ImageFacts f) {
        return f.scan().findings().orElseThrow().stream()
                .sorted(Comparator.comparing(Finding::id).thenComparing(Finding::packageName)).toList();
    }

    @ParameterizedTest(name = "reads {0} as the recorded source does")
    @ValueSource(strings = {"team-blue/api:1.4.2", "team-blue/worker:2.0.1", "team-blue/web:1.0.0"})
    void readsTheSameFactsAsTheRecordedSource(String image) throws Exception {
        ImageReference ref = ImageReference.parse(HOST + "/" + image);
        ImageFacts expected = recorded.factsFor(ref);
        ImageFacts got = liveFacts(HOST + "/" + image, FactNeeds.ALL);
        assertTrue(got.scanFailure().isEmpty() && got.repositoryFailure().isEmpty(), got::toString);
        assertEquals(expected.digest(), got.digest());
        assertEquals(expected.scan().status(), got.scan().status());
        assertEquals(expected.scan().completedAt(), got.scan().completedAt());
        assertEquals(expected.scan().severityCounts(), got.scan().severityCounts());
        assertEquals(sorted(expected), sorted(got));
        assertEquals(expected.repository(), got.repository());
    }

    /**
     * The multi-arch example ({@code examples/multiarch/findings}) stored in moto as buildx pushes it: the platform
     * images untagged, the OCI index tagged. What moto lacks: it ignores acceptedMediaTypes and does not check that
     * an index's entries exist; it scans nothing (the platform images' findings are loaded as custom results), and
     * it matches custom results to untagged images loosely (see below).
     */
    @Test
    void readsAMultiArchImageAsTheRecordedSourceDoes() throws Exception {
        Path multiarch = EXAMPLES.resolveSibling("multiarch").resolve("findings");
        for (JsonNode i : JSON.readTree(multiarch.resolve("describe-images.json").toFile()).path("imageDetails")) {
            if (!i.path("imageManifestMediaType").asText().contains("index")) {
                moto.putManifest("team-blue/api", i.path("imageDigest").asText(), null,
                        MotoServer.MANIFEST_MEDIA_TYPE, MotoServer.singleManifest(i.path("imageDigest").asText()));
            }
        }
        JsonNode index = JSON.readTree(multiarch.resolve("batch-get-image-team-blue-api-2.1.0.json").toFile())
                .path("images").get(0);
        moto.putManifest("team-blue/api", index.path("imageId").path("imageDigest").asText(), "2.1.0",
                index.path("imageManifestMediaType").asText(), index.path("imageManifest").asText());
        try (Stream<Path> files = Files.list(multiarch)) {
            for (Path p : (Iterable<Path>) files.filter(f -> f.getFileName().toString().startsWith("scan-"))::iterator) {
                ObjectNode scan = (ObjectNode) JSON.readTree(p.toFile());
                moto.startImageScan("team-blue/api", scan.path("imageId").path("imageDigest").asText());
                epochTimestamps(scan);
                // moto hands a custom result to an image whose latest tag equals the result's imageTag: for an
                // untagged platform image both are missing, so the first image asked would take every result
                ((ObjectNode) scan.path("imageId")).put("imageTag", "no-image-has-this-tag");
                moto.loadScanFindings(scan);
            }
        }
        String image = HOST + "/team-blue/api:2.1.0";

        ImageFacts f = liveFacts(image, FactNeeds.ALL);
        ImageFacts expected = RecordedFindings.load(multiarch).factsFor(ImageReference.parse(image));

        assertEquals(expected.digest(), f.digest());
        assertEquals(EcrFactsIndexIT.summary(expected), EcrFactsIndexIT.summary(f));
        assertEquals(2, f.platforms().size(), f::toString);
    }

    @Test
    void readsMutabilityExclusionFilters() throws Exception {
        var repo = liveFacts(HOST + "/team-blue/excluded:dev-1", new FactNeeds(false, true)).repository()
                .orElseThrow();
        assertEquals(TagMutability.IMMUTABLE_WITH_EXCLUSION, repo.mutability());
        assertEquals(List.of("dev-*"), repo.exclusionFilters());
    }

    @Test
    void mapsEcrsErrorsToNotFound() throws Exception {
        for (String image : List.of(HOST + "/no/such-repository:1", HOST + "/team-blue/api:no-such-tag",
                HOST + "/team-blue/api@sha256:" + "00".repeat(32), HOST + "/team-blue/api:unscanned")) {
            ImageFacts f = liveFacts(image, FactNeeds.ALL);
            assertEquals(ScanStatus.NOT_FOUND, f.scan().status(), image);
            assertTrue(f.scanFailure().isEmpty(), () -> image + ": " + f);
        }
    }
}
