package dev.ecrgate.findings.ecr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ecrgate.findings.ecr.EcrDouble.BasicFinding;
import dev.ecrgate.findings.ecr.EcrDouble.EnhancedFinding;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.services.ecr.EcrAsyncClient;
import software.amazon.awssdk.services.ecr.model.DescribeImageScanFindingsResponse;
import software.amazon.awssdk.services.ecr.model.EcrException;
import software.amazon.awssdk.services.ecr.model.EnhancedImageScanFinding;
import software.amazon.awssdk.services.ecr.model.ImageDetail;
import software.amazon.awssdk.services.ecr.model.ImageIdentifier;
import software.amazon.awssdk.services.ecr.model.ImageNotFoundException;
import software.amazon.awssdk.services.ecr.model.ImageTagMutability;
import software.amazon.awssdk.services.ecr.model.LimitExceededException;
import software.amazon.awssdk.services.ecr.model.Repository;
import software.amazon.awssdk.services.ecr.model.RepositoryNotFoundException;
import software.amazon.awssdk.services.ecr.model.ScanNotFoundException;
import software.amazon.awssdk.services.ecr.model.ScanStatus;

/** moto 5.2.5 as an ECR peer, read with the real AWS SDK v2 client: what it does and what it does not. */
class MotoServerIT {
    static final String REPO = "team-blue/api";
    static final String DIGEST = "sha256:16eb06ced985216bb14744c43dad833c58f56296d152e580542d0e8630f63316";
    static final String UNSCANNED = "sha256:826b0546feeb75221d5e295c1bd22fe9b7c70d639233dd20a93b8bed1568984e";
    static final Instant COMPLETED = Instant.parse("2026-11-30T10:00:00.123Z");
    static final List<BasicFinding> BASIC = List.of(
            new BasicFinding("CVE-2024-0001", "CRITICAL", "openssl", "3.0.1"),
            new BasicFinding("CVE-2024-0002", "MEDIUM", "zlib", "1.2.11"));
    static final List<EnhancedFinding> ENHANCED = List.of(
            EnhancedFinding.fixed("CVE-2023-44487", "HIGH", "golang.org/x/net", "0.15.0", "0.17.0"),
            EnhancedFinding.unfixed("CVE-2024-0003", "UNTRIAGED", "busybox", "1.36"));

    static MotoServer moto;
    static EcrAsyncClient client;

    @BeforeAll
    static void start() {
        moto = MotoServer.start();
        client = TestEcrClients.to(moto.endpoint(), MotoServer.REGION,
                c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()));
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    @BeforeEach
    void repositoryWithTwoImages() {
        moto.reset();
        moto.createRepository(REPO, "IMMUTABLE_WITH_EXCLUSION", "latest", "dev-*");
        moto.putImage(REPO, DIGEST, "1.4.2");
        moto.putImage(REPO, UNSCANNED, "1.5.0");
    }

    static Stream<Arguments> mutabilities() {
        return Stream.of(
                Arguments.of("a mutable repository", "MUTABLE", List.of(), ImageTagMutability.MUTABLE),
                Arguments.of("an immutable repository", "IMMUTABLE", List.of(), ImageTagMutability.IMMUTABLE),
                Arguments.of("an immutable repository with mutable exceptions", "IMMUTABLE_WITH_EXCLUSION",
                        List.of("latest", "dev-*"), ImageTagMutability.IMMUTABLE_WITH_EXCLUSION),
                Arguments.of("a mutable repository with immutable exceptions", "MUTABLE_WITH_EXCLUSION",
                        List.of("v*"), ImageTagMutability.MUTABLE_WITH_EXCLUSION));
    }

    @ParameterizedTest(name = "{0} is described with its mutability and exclusion filters")
    @MethodSource("mutabilities")
    void describeRepositoriesAnswersMutabilityAndExclusionFilters(String sentence, String mutability,
                                                                  List<String> filters, ImageTagMutability expected) {
        moto.createRepository("team-red/web", mutability, filters.toArray(String[]::new));

        Repository repo = client.describeRepositories(r -> r.registryId(MotoServer.ACCOUNT)
                .repositoryNames("team-red/web")).join().repositories().get(0);

        assertEquals(expected, repo.imageTagMutability());
        assertEquals(filters, repo.imageTagMutabilityExclusionFilters().stream().map(f -> f.filter()).toList());
        assertEquals("111122223333.dkr.ecr.us-east-1.amazonaws.com/team-red/web", repo.repositoryUri());
        assertEquals(MotoServer.ACCOUNT, repo.registryId());
    }

    @Test
    void describeImagesAnswersDigestAndTagsButNoScanStatusEvenAfterAScan() {
        moto.startImageScan(REPO, DIGEST);

        ImageDetail image = client.describeImages(r -> r.registryId(MotoServer.ACCOUNT).repositoryName(REPO)
                .imageIds(ImageIdentifier.builder().imageTag("1.4.2").build())).join().imageDetails().get(0);

        assertEquals(DIGEST, image.imageDigest());
        assertEquals(List.of("1.4.2"), image.imageTags());
        assertEquals(MotoServer.MANIFEST_MEDIA_TYPE, image.imageManifestMediaType());
        assertNull(image.imageScanStatus());
        assertNull(image.imageScanFindingsSummary());
    }

    @Test
    void customFindingsAreAnsweredWithCriticalAndEnhancedFindings() {
        moto.startImageScan(REPO, DIGEST);
        moto.scanFindings(REPO, DIGEST, "COMPLETE", COMPLETED, BASIC, ENHANCED);

        DescribeImageScanFindingsResponse scan = describeByDigest(DIGEST);

        assertEquals(ScanStatus.COMPLETE, scan.imageScanStatus().status());
        assertEquals(COMPLETED, scan.imageScanFindings().imageScanCompletedAt());
        assertEquals(Map.of("CRITICAL", 1, "MEDIUM", 1, "HIGH", 1, "UNTRIAGED", 1),
                scan.imageScanFindings().findingSeverityCountsAsStrings());
        assertEquals(List.of("CVE-2024-0001", "CVE-2024-0002"),
                scan.imageScanFindings().findings().stream().map(f -> f.name()).toList());
        assertEquals("CRITICAL", scan.imageScanFindings().findings().get(0).severityAsString());
        EnhancedImageScanFinding fixed = scan.imageScanFindings().enhancedFindings().get(0);
        assertEquals("CVE-2023-44487", fixed.packageVulnerabilityDetails().vulnerabilityId());
        assertEquals("0.17.0", fixed.packageVulnerabilityDetails().vulnerablePackages().get(0).fixedInVersion());
        assertEquals("YES", fixed.fixAvailable());
        assertEquals("UNTRIAGED", scan.imageScanFindings().enhancedFindings().get(1).severity());
        assertNull(scan.nextToken());
    }

    @Test
    void aCustomResultStaysWithTheImageIdThatFirstAskedAndAnotherImageIdGetsTheFakeDefault() {
        moto.startImageScan(REPO, DIGEST);
        moto.scanFindings(REPO, DIGEST, "COMPLETE", COMPLETED, BASIC, List.of());

        assertEquals("CVE-2024-0001", describeByDigest(DIGEST).imageScanFindings().findings().get(0).name());
        assertEquals("CVE-2024-0001", describeByDigest(DIGEST).imageScanFindings().findings().get(0).name());

        DescribeImageScanFindingsResponse byTag = client.describeImageScanFindings(r -> r.repositoryName(REPO)
                .imageId(i -> i.imageTag("1.4.2"))).join();
        assertEquals("CVE-9999-9999", byTag.imageScanFindings().findings().get(0).name());
        assertEquals(Map.of("HIGH", 1), byTag.imageScanFindings().findingSeverityCountsAsStrings());
    }

    @Test
    void aSecondScanOfTheSameImageOnTheSameDayIsOverTheLimit() {
        moto.startImageScan(REPO, DIGEST);

        assertInstanceOf(LimitExceededException.class, failure(client.startImageScan(r -> r.repositoryName(REPO)
                .imageId(i -> i.imageDigest(DIGEST)))));
    }

    @Test
    void anotherAccountsRegistryIsAnEmptyListInDescribeRepositoriesNotAnError() {
        assertTrue(client.describeRepositories(r -> r.registryId("444455556666").repositoryNames(REPO)).join()
                .repositories().isEmpty());
    }

    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of("an unknown repository is not found",
                        call(c -> c.describeRepositories(r -> r.repositoryNames("team-red/none"))),
                        RepositoryNotFoundException.class),
                Arguments.of("images of another account's repository are not found",
                        call(c -> c.describeImages(r -> r.registryId("444455556666").repositoryName(REPO))),
                        RepositoryNotFoundException.class),
                Arguments.of("findings in another account's registry are not found",
                        call(c -> c.describeImageScanFindings(r -> r.registryId("444455556666").repositoryName(REPO)
                                .imageId(i -> i.imageDigest(DIGEST)))),
                        RepositoryNotFoundException.class),
                Arguments.of("an unknown tag is not found",
                        call(c -> c.describeImages(r -> r.repositoryName(REPO)
                                .imageIds(ImageIdentifier.builder().imageTag("9.9.9").build()))),
                        ImageNotFoundException.class),
                Arguments.of("findings of an unknown digest are not found",
                        call(c -> c.describeImageScanFindings(r -> r.repositoryName(REPO)
                                .imageId(i -> i.imageDigest("sha256:" + "0".repeat(64))))),
                        ImageNotFoundException.class),
                Arguments.of("findings of an image never scanned are a missing scan",
                        call(c -> c.describeImageScanFindings(r -> r.repositoryName(REPO)
                                .imageId(i -> i.imageDigest(UNSCANNED)))),
                        ScanNotFoundException.class));
    }

    /** Gives the table's lambdas a type. */
    static Function<EcrAsyncClient, CompletableFuture<?>> call(Function<EcrAsyncClient, CompletableFuture<?>> f) {
        return f;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void errorsArriveAsTheSdksModelledExceptions(String sentence, Function<EcrAsyncClient, CompletableFuture<?>> call,
                                                 Class<? extends EcrException> expected) {
        EcrException error = assertInstanceOf(expected, failure(call.apply(client)));

        assertEquals(400, error.statusCode());
        assertEquals(expected.getSimpleName(), error.awsErrorDetails().errorCode());
        assertFalse(error.awsErrorDetails().errorMessage().isEmpty());
    }

    static DescribeImageScanFindingsResponse describeByDigest(String digest) {
        return client.describeImageScanFindings(r -> r.registryId(MotoServer.ACCOUNT).repositoryName(REPO)
                .imageId(i -> i.imageDigest(digest))).join();
    }

    static Throwable failure(CompletableFuture<?> future) {
        return assertThrows(CompletionException.class, future::join).getCause();
    }
}
