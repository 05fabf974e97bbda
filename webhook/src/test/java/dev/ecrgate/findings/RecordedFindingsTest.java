package dev.ecrgate.findings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ecrgate.image.EcrRegistry;
import dev.ecrgate.image.ImageReference;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** How recorded AWS CLI output answers for images: the files are under {@code src/test/resources/findings/recorded}. */
class RecordedFindingsTest {
    static final String ACCOUNT = "111122223333";
    static final String API_142 = "sha256:16eb06ced985216bb14744c43dad833c58f56296d152e580542d0e8630f63316";
    static final String API_130 = "sha256:d9d795fdc25f06d8e34f8fd2e1f91cb26c1a6b9d08bdedeeec98d1f4f82624a8";
    static final String API_UNSCANNED = "sha256:826b0546feeb75221d5e295c1bd22fe9b7c70d639233dd20a93b8bed1568984e";
    static final String WORKER = "sha256:c860431e45170f74bed5c6447b1f22772e653212cd72e48ea23d85b91166e626";
    static final String BATCH = "sha256:43aa89eb67ec2103c36cb8b04d9ef137b91ddbaf39bee5b5e2a09e2171a3996e";
    static final String LEGACY = "sha256:97369b990dce8bec920c128b9d098ed3b811cb4d3028bd56771bd5f524e9ba5b";

    static RecordedFindings recorded;

    @BeforeAll
    static void load() throws Exception {
        recorded = RecordedFindings.load(resource("recorded"));
    }

    static Path resource(String name) throws URISyntaxException {
        return Path.of(RecordedFindingsTest.class.getResource("/findings/" + name).toURI());
    }

    /** An ECR image in {@code account}'s registry in {@code region}; {@code tagOrDigest} starts with ":" or "@". */
    static ImageReference ecr(String account, String region, String repository, String tagOrDigest) {
        String domain = account + ".dkr.ecr." + region + ".amazonaws.com";
        Optional<String> tag = tagOrDigest.startsWith(":") ? Optional.of(tagOrDigest.substring(1)) : Optional.empty();
        Optional<String> digest = tagOrDigest.startsWith("@") ? Optional.of(tagOrDigest.substring(1))
                : Optional.empty();
        return new ImageReference(domain + "/" + repository + tagOrDigest, domain, repository, tag, digest,
                Optional.of(new EcrRegistry(account, region, "amazonaws.com", false, false)));
    }

    static ImageReference ecr(String region, String repository, String tagOrDigest) {
        return ecr(ACCOUNT, region, repository, tagOrDigest);
    }

    /** What the facts of one image should be; {@code findings} is -1 when only a summary (or nothing) is known. */
    record Expected(Optional<String> digest, ScanStatus status, int findings, Map<Severity, Integer> counts,
                    Optional<Instant> completedAt, Optional<TagMutability> mutability, String description) {
        static Expected of(String digest, ScanStatus status, int findings, Map<Severity, Integer> counts,
                           String completedAt, TagMutability mutability) {
            return new Expected(Optional.ofNullable(digest), status, findings, counts,
                    Optional.ofNullable(completedAt).map(Instant::parse), Optional.ofNullable(mutability), "");
        }

        Expected describedAs(String text) {
            return new Expected(digest, status, findings, counts, completedAt, mutability, text);
        }
    }

    static Stream<Arguments> images() {
        Map<Severity, Integer> api142 = Map.of(Severity.CRITICAL, 1, Severity.HIGH, 1, Severity.MEDIUM, 1,
                Severity.UNDEFINED, 1);
        return Stream.of(
                Arguments.of("a tag found by describe-images gets the newest scan of its digest",
                        ecr("us-east-1", "team-blue/api", ":1.4.2"),
                        Expected.of(API_142, ScanStatus.COMPLETE, 4, api142, "2024-05-01T10:00:00.123Z",
                                TagMutability.IMMUTABLE)),
                Arguments.of("a second tag of the same image gets the same scan",
                        ecr("us-east-1", "team-blue/api", ":latest"),
                        Expected.of(API_142, ScanStatus.COMPLETE, 4, api142, "2024-05-01T10:00:00.123Z",
                                TagMutability.IMMUTABLE)),
                Arguments.of("a digest reference gets the scan of that digest",
                        ecr("us-east-1", "team-blue/api", "@" + API_142),
                        Expected.of(API_142, ScanStatus.COMPLETE, 4, api142, "2024-05-01T10:00:00.123Z",
                                TagMutability.IMMUTABLE)),
                Arguments.of("a scan in a region's directory wins in that region, though older",
                        ecr("eu-west-1", "team-blue/api", ":1.4.2"),
                        Expected.of(API_142, ScanStatus.COMPLETE, 1, Map.of(Severity.MEDIUM, 1),
                                "2024-03-01T09:30:00Z", TagMutability.MUTABLE)),
                Arguments.of("an image with only a describe-images summary gets counts without findings",
                        ecr("us-east-1", "team-blue/api", ":1.3.0"),
                        Expected.of(API_130, ScanStatus.COMPLETE, -1, Map.of(Severity.HIGH, 3, Severity.LOW, 7),
                                "2024-04-01T10:05:12.5Z", TagMutability.IMMUTABLE)),
                Arguments.of("an image describe-images knows without a scan is not found for want of a scan",
                        ecr("us-east-1", "team-blue/api", "@" + API_UNSCANNED),
                        Expected.of(API_UNSCANNED, ScanStatus.NOT_FOUND, -1, Map.of(), null,
                                TagMutability.IMMUTABLE).describedAs("has no scan")),
                Arguments.of("a tag nobody recorded is not found and has no digest",
                        ecr("us-east-1", "team-blue/api", ":9.9.9"),
                        Expected.of(null, ScanStatus.NOT_FOUND, -1, Map.of(), null, TagMutability.IMMUTABLE)
                                .describedAs("no recorded findings for")),
                Arguments.of("the same repository in another account is not found",
                        ecr("444455556666", "us-east-1", "team-blue/api", ":1.4.2"),
                        Expected.of(null, ScanStatus.NOT_FOUND, -1, Map.of(), null, null)
                                .describedAs("no recorded findings for")),
                Arguments.of("an enhanced scan reads enhancedFindings, its tag found by the scan's imageId",
                        ecr("us-east-1", "team-blue/worker", ":2.0.1"),
                        Expected.of(WORKER, ScanStatus.ACTIVE, 5, Map.of(Severity.HIGH, 2, Severity.MEDIUM, 1,
                                        Severity.UNTRIAGED, 1, Severity.LOW, 1), "2024-05-01T10:00:00.456Z",
                                TagMutability.MUTABLE)),
                Arguments.of("a scan in progress has a status and nothing else",
                        ecr("us-east-1", "team-blue/batch", ":nightly"),
                        Expected.of(BATCH, ScanStatus.IN_PROGRESS, -1, Map.of(), null,
                                TagMutability.IMMUTABLE_WITH_EXCLUSION)),
                Arguments.of("a failed scan keeps ECR's description",
                        ecr("us-east-1", "team-blue/legacy", ":0.9"),
                        Expected.of(LEGACY, ScanStatus.FAILED, -1, Map.of(), null, null)
                                .describedAs("UnsupportedImageError")),
                Arguments.of("a scan recorded by tag alone answers for that tag, counting its own findings",
                        ecr("us-east-1", "team-blue/reports", ":weekly"),
                        Expected.of(null, ScanStatus.COMPLETE, 1, Map.of(Severity.HIGH, 1),
                                "2024-05-02T13:00:00Z", TagMutability.MUTABLE_WITH_EXCLUSION)),
                Arguments.of("a scan recorded by tag alone does not answer for another tag",
                        ecr("us-east-1", "team-blue/reports", ":monthly"),
                        Expected.of(null, ScanStatus.NOT_FOUND, -1, Map.of(), null,
                                TagMutability.MUTABLE_WITH_EXCLUSION)),
                Arguments.of("a region without its own files sees the files that apply everywhere",
                        ecr("ap-southeast-2", "team-blue/worker", "@" + WORKER),
                        Expected.of(WORKER, ScanStatus.ACTIVE, 5, Map.of(Severity.HIGH, 2, Severity.MEDIUM, 1,
                                        Severity.UNTRIAGED, 1, Severity.LOW, 1), "2024-05-01T10:00:00.456Z",
                                null)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void answersFromRecordedFiles(String sentence, ImageReference image, Expected expected) throws Exception {
        ImageFacts facts = recorded.facts(image, FactNeeds.ALL).toCompletableFuture().getNow(null);
        assertEquals(facts, recorded.factsFor(image), "facts() and factsFor() agree");
        ScanResult scan = facts.scan();
        assertEquals(expected.digest(), facts.digest(), "digest");
        assertEquals(expected.status(), scan.status(), "status");
        assertEquals(expected.findings(), scan.findings().map(List::size).orElse(-1), "number of findings");
        assertEquals(expected.counts(), scan.severityCounts(), "severity counts");
        assertEquals(expected.completedAt(), scan.completedAt(), "completed at");
        assertEquals(expected.mutability(), facts.repository().map(RepositoryFacts::mutability), "mutability");
        assertTrue(scan.description().orElse("").contains(expected.description()),
                () -> "description " + scan.description() + " should contain " + expected.description());
    }

    static Stream<Arguments> findings() {
        return Stream.of(
                Arguments.of("a basic finding takes its package from the attributes and has no fix data",
                        ecr("us-east-1", "team-blue/api", ":1.4.2"),
                        new Finding("CVE-2024-3094", Severity.CRITICAL, "xz-utils", "5.6.0-0.2", Optional.empty(),
                                FixAvailable.UNKNOWN, false)),
                Arguments.of("a basic finding with a severity ecrgate does not know is UNDEFINED",
                        ecr("us-east-1", "team-blue/api", ":1.4.2"),
                        new Finding("CVE-2011-3374", Severity.UNDEFINED, "apt", "2.6.1", Optional.empty(),
                                FixAvailable.UNKNOWN, false)),
                Arguments.of("an enhanced finding with a fix carries the fixed-in version",
                        ecr("us-east-1", "team-blue/worker", ":2.0.1"),
                        new Finding("CVE-2023-44487", Severity.HIGH, "golang.org/x/net", "0.15.0",
                                Optional.of("0.17.0"), FixAvailable.YES, true)),
                Arguments.of("an enhanced finding whose fixed-in version is NotAvailable has none",
                        ecr("us-east-1", "team-blue/worker", ":2.0.1"),
                        new Finding("CVE-2023-45853", Severity.HIGH, "zlib1g", "1:1.2.13.dfsg-1", Optional.empty(),
                                FixAvailable.NO, true)),
                Arguments.of("an enhanced finding with a partial fix says PARTIAL",
                        ecr("us-east-1", "team-blue/worker", ":2.0.1"),
                        new Finding("CVE-2024-24790", Severity.MEDIUM, "stdlib", "1.21.4",
                                Optional.of("1.21.11, 1.22.4"), FixAvailable.PARTIAL, true)),
                Arguments.of("an UNTRIAGED enhanced finding without fixAvailable is UNKNOWN",
                        ecr("us-east-1", "team-blue/worker", ":2.0.1"),
                        new Finding("CVE-2024-0001", Severity.UNTRIAGED, "libexample", "1.0.0", Optional.empty(),
                                FixAvailable.UNKNOWN, true)),
                Arguments.of("an enhanced finding without a status counts",
                        ecr("us-east-1", "team-blue/worker", ":2.0.1"),
                        new Finding("CVE-2023-5678", Severity.LOW, "openssl", "3.0.11-1~deb12u1",
                                Optional.of("3.0.11-1~deb12u2"), FixAvailable.YES, true)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("findings")
    void readsFindings(String sentence, ImageReference image, Finding expected) {
        List<Finding> findings = recorded.factsFor(image).scan().findings().orElseThrow();
        assertTrue(findings.contains(expected), () -> expected + " should be among " + findings);
    }

    static Stream<Arguments> leftOut() {
        return Stream.of(
                Arguments.of("a CLOSED enhanced finding is left out", "CVE-2023-29383"),
                Arguments.of("a SUPPRESSED enhanced finding is left out", "CVE-2022-0563"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("leftOut")
    void leavesOutInactiveEnhancedFindings(String sentence, String id) {
        List<Finding> findings = recorded.factsFor(ecr("us-east-1", "team-blue/worker", ":2.0.1")).scan().findings()
                .orElseThrow();
        assertTrue(findings.stream().noneMatch(f -> f.id().equals(id)), () -> id + " should not be among " + findings);
    }

    static Stream<Arguments> tags() {
        return Stream.of(
                Arguments.of("an IMMUTABLE repository's tags are all immutable", "team-blue/api", "1.4.2", true),
                Arguments.of("a MUTABLE repository's tags are all mutable", "team-blue/worker", "2.0.1", false),
                Arguments.of("IMMUTABLE_WITH_EXCLUSION leaves a tag outside the filters immutable", "team-blue/batch",
                        "1.0.0", true),
                Arguments.of("IMMUTABLE_WITH_EXCLUSION makes a tag matching a literal filter mutable",
                        "team-blue/batch", "latest", false),
                Arguments.of("IMMUTABLE_WITH_EXCLUSION makes a tag matching a wildcard filter mutable",
                        "team-blue/batch", "dev-1234", false),
                Arguments.of("MUTABLE_WITH_EXCLUSION makes a tag matching a filter immutable", "team-blue/reports",
                        "release-2024.05", true),
                Arguments.of("MUTABLE_WITH_EXCLUSION leaves a tag outside the filters mutable", "team-blue/reports",
                        "weekly", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tags")
    void readsTagMutability(String sentence, String repository, String tag, boolean immutable) {
        RepositoryFacts facts = recorded.factsFor(ecr("us-east-1", repository, ":" + tag)).repository().orElseThrow();
        assertEquals(immutable, facts.isImmutable(tag));
    }

    @Test
    void exclusionFiltersAreReadInOrder() {
        assertEquals(List.of("latest", "dev-*"), recorded.factsFor(ecr("us-east-1", "team-blue/batch", ":x"))
                .repository().orElseThrow().exclusionFilters());
    }

    @Test
    void summaryCountsFilesAndFacts() {
        assertEquals("9 files: 7 scans, 3 images, 5 repositories", recorded.summary());
    }

    @Test
    void aNonEcrImageIsNotFound() {
        ImageReference nginx = new ImageReference("nginx:1.27", "docker.io", "library/nginx", Optional.of("1.27"),
                Optional.empty(), Optional.empty());
        assertEquals(ScanStatus.NOT_FOUND, recorded.factsFor(nginx).scan().status());
    }

    @Test
    void aFileCanHoldAnArrayOfOutputs() throws Exception {
        RecordedFindings combined = RecordedFindings.load(resource("combined"));
        ImageFacts facts = combined.factsFor(ecr("444455556666", "us-east-1", "platform/proxy", ":v1"));
        assertEquals(ScanStatus.SCAN_ELIGIBILITY_EXPIRED, facts.scan().status());
        assertEquals(Optional.of(TagMutability.IMMUTABLE), facts.repository().map(RepositoryFacts::mutability));
        assertEquals("1 file: 0 scans, 1 image, 1 repository", combined.summary());
    }
}
