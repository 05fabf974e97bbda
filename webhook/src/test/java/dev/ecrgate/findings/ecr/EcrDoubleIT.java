package dev.ecrgate.findings.ecr;

import static dev.ecrgate.findings.ecr.EcrDouble.Operation.DESCRIBE_IMAGES;
import static dev.ecrgate.findings.ecr.EcrDouble.Operation.DESCRIBE_IMAGE_SCAN_FINDINGS;
import static dev.ecrgate.findings.ecr.EcrDouble.Operation.DESCRIBE_REPOSITORIES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ecrgate.findings.ecr.EcrDouble.BasicFinding;
import dev.ecrgate.findings.ecr.EcrDouble.EnhancedFinding;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.ecr.EcrAsyncClient;
import software.amazon.awssdk.services.ecr.model.DescribeImageScanFindingsResponse;
import software.amazon.awssdk.services.ecr.model.EcrException;
import software.amazon.awssdk.services.ecr.model.ImageDetail;
import software.amazon.awssdk.services.ecr.model.ImageIdentifier;
import software.amazon.awssdk.services.ecr.model.ImageNotFoundException;
import software.amazon.awssdk.services.ecr.model.ImageTagMutability;
import software.amazon.awssdk.services.ecr.model.InvalidParameterException;
import software.amazon.awssdk.services.ecr.model.Repository;
import software.amazon.awssdk.services.ecr.model.RepositoryNotFoundException;
import software.amazon.awssdk.services.ecr.model.ScanNotFoundException;
import software.amazon.awssdk.services.ecr.model.ScanStatus;

/** The ECR double answers the real AWS SDK v2 client (CRT HTTP client) as ECR would. */
class EcrDoubleIT {
    static final String ACCOUNT = "111122223333";
    static final String OTHER_ACCOUNT = "444455556666";
    static final String REPO = "team-blue/api";
    static final String DIGEST = "sha256:16eb06ced985216bb14744c43dad833c58f56296d152e580542d0e8630f63316";
    static final String UNSCANNED = "sha256:826b0546feeb75221d5e295c1bd22fe9b7c70d639233dd20a93b8bed1568984e";
    static final Instant COMPLETED = Instant.parse("2026-11-30T10:00:00.123Z");

    static EcrDouble ecr;
    static EcrAsyncClient client;
    static EcrAsyncClient noRetries;

    @BeforeAll
    static void start() {
        ecr = EcrDouble.start();
        client = TestEcrClients.to(ecr.endpoint(), "us-east-1");
        noRetries = TestEcrClients.to(ecr.endpoint(), "us-east-1",
                c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()));
    }

    @AfterAll
    static void stop() {
        client.close();
        noRetries.close();
        ecr.close();
    }

    @BeforeEach
    void reset() {
        ecr.reset()
                .repository(ACCOUNT, REPO, "IMMUTABLE_WITH_EXCLUSION", "latest", "dev-*")
                .image(ACCOUNT, REPO, DIGEST, "1.4.2", "latest")
                .image(ACCOUNT, REPO, UNSCANNED, "1.5.0")
                .scan(ACCOUNT, REPO, DIGEST, "COMPLETE", COMPLETED,
                        List.of(new BasicFinding("CVE-2024-0001", "CRITICAL", "openssl", "3.0.1"),
                                new BasicFinding("CVE-2024-0002", "MEDIUM", "zlib", "1.2.11")),
                        List.of(EnhancedFinding.fixed("CVE-2023-44487", "HIGH", "golang.org/x/net", "0.15.0",
                                "0.17.0"), EnhancedFinding.unfixed("CVE-2024-0003", "UNTRIAGED", "busybox", "1.36")));
    }

    static Stream<Arguments> mutabilities() {
        return Stream.of(
                Arguments.of("a mutable repository has no exclusion filters", "MUTABLE", List.of(),
                        ImageTagMutability.MUTABLE),
                Arguments.of("an immutable repository has no exclusion filters", "IMMUTABLE", List.of(),
                        ImageTagMutability.IMMUTABLE),
                Arguments.of("an immutable repository lists the tags that stay mutable", "IMMUTABLE_WITH_EXCLUSION",
                        List.of("latest", "dev-*"), ImageTagMutability.IMMUTABLE_WITH_EXCLUSION),
                Arguments.of("a mutable repository lists the tags that are immutable", "MUTABLE_WITH_EXCLUSION",
                        List.of("v*"), ImageTagMutability.MUTABLE_WITH_EXCLUSION),
                Arguments.of("a mutability unknown to the SDK arrives as UNKNOWN_TO_SDK_VERSION", "SOMETIMES",
                        List.of(), ImageTagMutability.UNKNOWN_TO_SDK_VERSION));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mutabilities")
    void describeRepositoriesAnswersTheRepositoryAsProgrammed(String sentence, String mutability, List<String> filters,
                                                               ImageTagMutability expected) {
        ecr.repository(ACCOUNT, "team-red/web", mutability, filters.toArray(String[]::new));

        Repository repo = client.describeRepositories(r -> r.registryId(ACCOUNT).repositoryNames("team-red/web"))
                .join().repositories().get(0);

        assertEquals(expected, repo.imageTagMutability());
        assertEquals(mutability, repo.imageTagMutabilityAsString());
        assertEquals(filters, repo.imageTagMutabilityExclusionFilters().stream().map(f -> f.filter()).toList());
        repo.imageTagMutabilityExclusionFilters().forEach(f -> assertEquals("WILDCARD", f.filterTypeAsString()));
        assertEquals("arn:aws:ecr:us-east-1:111122223333:repository/team-red/web", repo.repositoryArn());
        assertEquals("111122223333.dkr.ecr.us-east-1.amazonaws.com/team-red/web", repo.repositoryUri());
        assertEquals(ACCOUNT, repo.registryId());
        assertTrue(repo.createdAt().isBefore(Instant.parse("2026-01-05T09:00:00Z")));
    }

    @Test
    void describeImagesByTagOrDigestAnswersScanStatusAndSummary() {
        ImageDetail byTag = client.describeImages(r -> r.registryId(ACCOUNT).repositoryName(REPO)
                .imageIds(ImageIdentifier.builder().imageTag("1.4.2").build())).join().imageDetails().get(0);
        ImageDetail byDigest = client.describeImages(r -> r.registryId(ACCOUNT).repositoryName(REPO)
                .imageIds(ImageIdentifier.builder().imageDigest(DIGEST).build())).join().imageDetails().get(0);

        assertEquals(byTag, byDigest);
        assertEquals(DIGEST, byTag.imageDigest());
        assertEquals(List.of("1.4.2", "latest"), byTag.imageTags());
        assertEquals(ScanStatus.COMPLETE, byTag.imageScanStatus().status());
        assertEquals(COMPLETED, byTag.imageScanFindingsSummary().imageScanCompletedAt());
        assertEquals(Map.of("CRITICAL", 1, "HIGH", 1, "MEDIUM", 1, "UNTRIAGED", 1),
                byTag.imageScanFindingsSummary().findingSeverityCountsAsStrings());
    }

    @Test
    void anImageWithoutScanHasNoScanStatusAndASummaryCanDisagreeWithTheScan() {
        ImageDetail unscanned = client.describeImages(r -> r.repositoryName(REPO)
                .imageIds(ImageIdentifier.builder().imageTag("1.5.0").build())).join().imageDetails().get(0);
        assertNull(unscanned.imageScanStatus());
        assertNull(unscanned.imageScanFindingsSummary());

        ecr.scanSummary(ACCOUNT, REPO, UNSCANNED, "IN_PROGRESS", Optional.empty(), Map.of());
        ImageDetail inProgress = client.describeImages(r -> r.repositoryName(REPO)
                .imageIds(ImageIdentifier.builder().imageTag("1.5.0").build())).join().imageDetails().get(0);
        assertEquals(ScanStatus.IN_PROGRESS, inProgress.imageScanStatus().status());
        assertNull(inProgress.imageScanFindingsSummary());
    }

    @Test
    void describeImageScanFindingsAnswersBasicAndEnhancedFindings() {
        DescribeImageScanFindingsResponse scan = client.describeImageScanFindings(r -> r.registryId(ACCOUNT)
                .repositoryName(REPO).imageId(i -> i.imageTag("latest"))).join();

        assertEquals(ScanStatus.COMPLETE, scan.imageScanStatus().status());
        assertEquals(DIGEST, scan.imageId().imageDigest());
        assertEquals(COMPLETED, scan.imageScanFindings().imageScanCompletedAt());
        assertEquals(List.of("CVE-2024-0001", "CVE-2024-0002"),
                scan.imageScanFindings().findings().stream().map(f -> f.name()).toList());
        assertEquals("CRITICAL", scan.imageScanFindings().findings().get(0).severityAsString());
        assertEquals(Map.of("package_version", "3.0.1", "package_name", "openssl"),
                scan.imageScanFindings().findings().get(0).attributes().stream()
                        .collect(Collectors.toMap(a -> a.key(), a -> a.value())));
        var fixed = scan.imageScanFindings().enhancedFindings().get(0);
        assertEquals("CVE-2023-44487", fixed.packageVulnerabilityDetails().vulnerabilityId());
        assertEquals("0.17.0", fixed.packageVulnerabilityDetails().vulnerablePackages().get(0).fixedInVersion());
        assertEquals("YES", fixed.fixAvailable());
        assertEquals("ACTIVE", fixed.status());
        assertEquals("PACKAGE_VULNERABILITY", fixed.type());
        var unfixed = scan.imageScanFindings().enhancedFindings().get(1);
        assertEquals("UNTRIAGED", unfixed.severity());
        assertEquals("NO", unfixed.fixAvailable());
        assertNull(scan.nextToken());
    }

    static Stream<Arguments> errors() {
        ImageIdentifier unknownTag = ImageIdentifier.builder().imageTag("9.9.9").build();
        return Stream.of(
                Arguments.of("an unknown repository is not found",
                        call(c -> c.describeRepositories(r -> r.repositoryNames("team-red/none"))),
                        RepositoryNotFoundException.class,
                        "The repository with name 'team-red/none' does not exist in the registry with id '"
                                + ACCOUNT + "'"),
                Arguments.of("a repository asked of another account's registry is not found",
                        call(c -> c.describeRepositories(r -> r.registryId(OTHER_ACCOUNT).repositoryNames(REPO))),
                        RepositoryNotFoundException.class, null),
                Arguments.of("images of another account's repository are not found",
                        call(c -> c.describeImages(r -> r.registryId(OTHER_ACCOUNT).repositoryName(REPO))),
                        RepositoryNotFoundException.class, null),
                Arguments.of("an unknown tag is an error, not a failure entry",
                        call(c -> c.describeImages(r -> r.repositoryName(REPO).imageIds(unknownTag))),
                        ImageNotFoundException.class,
                        "The image with imageId {imageDigest:'null', imageTag:'9.9.9'} does not exist within the"
                                + " repository with name 'team-blue/api' in the registry with id '111122223333'"),
                Arguments.of("findings of an unknown image are not found",
                        call(c -> c.describeImageScanFindings(r -> r.repositoryName(REPO).imageId(unknownTag))),
                        ImageNotFoundException.class, null),
                Arguments.of("findings of an image never scanned are a missing scan",
                        call(c -> c.describeImageScanFindings(r -> r.repositoryName(REPO)
                                .imageId(i -> i.imageDigest(UNSCANNED)))),
                        ScanNotFoundException.class, null),
                Arguments.of("findings in another account's registry are not found",
                        call(c -> c.describeImageScanFindings(r -> r.registryId(OTHER_ACCOUNT).repositoryName(REPO)
                                .imageId(i -> i.imageDigest(DIGEST)))),
                        RepositoryNotFoundException.class, null),
                Arguments.of("a next token the double did not hand out is an invalid parameter",
                        call(c -> c.describeImageScanFindings(r -> r.repositoryName(REPO)
                                .imageId(i -> i.imageDigest(DIGEST)).nextToken("bogus"))),
                        InvalidParameterException.class, null),
                Arguments.of("maxResults together with imageIds is an invalid parameter",
                        call(c -> c.describeImages(r -> r.repositoryName(REPO).imageIds(unknownTag).maxResults(5))),
                        InvalidParameterException.class, null));
    }

    /** Gives the table's lambdas a type. */
    static Function<EcrAsyncClient, CompletableFuture<?>> call(Function<EcrAsyncClient, CompletableFuture<?>> f) {
        return f;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void errorsArriveAsTheSdksModelledExceptions(String sentence, Function<EcrAsyncClient, CompletableFuture<?>> call,
                                                 Class<? extends EcrException> expected, String message) {
        EcrException error = assertInstanceOf(expected, failure(call.apply(noRetries)));

        assertEquals(400, error.statusCode());
        assertEquals(expected.getSimpleName(), error.awsErrorDetails().errorCode());
        assertFalse(error.requestId() == null || error.requestId().isEmpty());
        if (message != null) {
            assertEquals(message, error.awsErrorDetails().errorMessage());
        }
        assertEquals(1, ecr.calls().size());
    }

    static Stream<Arguments> pages() {
        return Stream.of(
                Arguments.of("a page size of 2 splits 5 findings and 3 enhanced findings into 3 pages", 2, null, 5, 3,
                        3),
                Arguments.of("enhanced findings come at most 100 a page even when maxResults asks for 1000", 1000,
                        1000, 250, 250, 3),
                Arguments.of("without maxResults ECR answers up to 100 findings a page", 1000, null, 250, 0, 3),
                Arguments.of("maxResults smaller than the page size wins", 1000, 40, 100, 0, 3));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pages")
    void theSdkPaginatorCollectsEveryFindingFromEveryPage(String sentence, int pageSize, Integer maxResults,
                                                          int basicCount, int enhancedCount, int expectedPages) {
        List<BasicFinding> basic = IntStream.range(0, basicCount)
                .mapToObj(i -> new BasicFinding("CVE-2026-" + (10000 + i), "LOW", "pkg" + i, "1.0")).toList();
        List<EnhancedFinding> enhanced = IntStream.range(0, enhancedCount)
                .mapToObj(i -> EnhancedFinding.unfixed("CVE-2025-" + (10000 + i), "HIGH", "lib" + i, "2.0")).toList();
        ecr.scan(ACCOUNT, REPO, DIGEST, "ACTIVE", COMPLETED, basic, enhanced).pageSize(pageSize);

        List<String> names = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        client.describeImageScanFindingsPaginator(r -> r.registryId(ACCOUNT).repositoryName(REPO)
                        .imageId(i -> i.imageDigest(DIGEST)).maxResults(maxResults))
                .subscribe(page -> {
                    page.imageScanFindings().findings().forEach(f -> names.add(f.name()));
                    page.imageScanFindings().enhancedFindings()
                            .forEach(f -> ids.add(f.packageVulnerabilityDetails().vulnerabilityId()));
                }).join();

        assertEquals(basic.stream().map(BasicFinding::name).toList(), names);
        assertEquals(enhanced.stream().map(EnhancedFinding::vulnerabilityId).toList(), ids);
        assertEquals(expectedPages, ecr.calls(DESCRIBE_IMAGE_SCAN_FINDINGS));
    }

    @Test
    void describeImagesPagesImageDetailsWhenManyImageIdsAreAsked() {
        List<ImageIdentifier> asked = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String digest = "sha256:" + String.format("%064x", i + 1);
            ecr.image(ACCOUNT, REPO, digest, "v" + i);
            asked.add(ImageIdentifier.builder().imageDigest(digest).build());
        }
        ecr.pageSize(2);

        List<String> digests = new ArrayList<>();
        client.describeImagesPaginator(r -> r.repositoryName(REPO).imageIds(asked))
                .subscribe(page -> page.imageDetails().forEach(d -> digests.add(d.imageDigest()))).join();

        assertEquals(asked.stream().map(ImageIdentifier::imageDigest).toList(), digests);
        assertEquals(3, ecr.calls(DESCRIBE_IMAGES));
    }

    @Test
    void theDefaultRetryStrategyRetriesAThrottledCallUntilItSucceeds() {
        ecr.throttleNext(DESCRIBE_REPOSITORIES, 1);

        client.describeRepositories(r -> r.repositoryNames(REPO)).join();

        assertEquals(2, ecr.calls(DESCRIBE_REPOSITORIES));
    }

    @Test
    void withoutRetriesThrottlingArrivesAsAnErrorCodeTheSdkKnowsAsThrottling() {
        ecr.throttleNext(DESCRIBE_IMAGES, 1);

        AwsServiceException error = assertInstanceOf(EcrException.class,
                failure(noRetries.describeImages(r -> r.repositoryName(REPO))));

        assertEquals("ThrottlingException", error.awsErrorDetails().errorCode());
        assertEquals("Rate exceeded", error.awsErrorDetails().errorMessage());
        assertEquals(400, error.statusCode());
        assertTrue(error.isThrottlingException());
        assertEquals(1, ecr.calls(DESCRIBE_IMAGES));
    }

    @Test
    void theStandardRetryStrategyGivesUpAfterThreeAttempts() {
        BackoffStrategy quick = BackoffStrategy.exponentialDelay(Duration.ofMillis(1), Duration.ofMillis(10));
        try (EcrAsyncClient standard = TestEcrClients.to(ecr.endpoint(), "us-east-1", c -> c.retryStrategy(
                AwsRetryStrategy.standardRetryStrategy().toBuilder()
                        .backoffStrategy(quick).throttlingBackoffStrategy(quick).build()))) {
            ecr.throttleNext(DESCRIBE_IMAGE_SCAN_FINDINGS, 5);

            AwsServiceException error = assertInstanceOf(EcrException.class, failure(standard
                    .describeImageScanFindings(r -> r.repositoryName(REPO).imageId(i -> i.imageDigest(DIGEST)))));

            assertTrue(error.isThrottlingException());
            assertEquals(3, ecr.calls(DESCRIBE_IMAGE_SCAN_FINDINGS));
        }
    }

    static Stream<Arguments> serverErrors() {
        return Stream.of(
                Arguments.of("an internal error is a 500 ServerException", 500, "ServerException"),
                Arguments.of("an unavailable service is a 503", 503, "ServerException"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("serverErrors")
    void serverErrorsCarryStatusAndErrorTypeAndAreRetried(String sentence, int status, String type) {
        ecr.failNext(DESCRIBE_IMAGES, 1, status, type);
        EcrException error = assertInstanceOf(EcrException.class,
                failure(noRetries.describeImages(r -> r.repositoryName(REPO))));
        assertEquals(status, error.statusCode());
        assertEquals(type, error.awsErrorDetails().errorCode());

        ecr.failNext(DESCRIBE_IMAGES, 1, status, type);
        assertEquals(2, client.describeImages(r -> r.repositoryName(REPO)).join().imageDetails().size());
        assertEquals(3, ecr.calls(DESCRIBE_IMAGES));
    }

    @Test
    void latencyDelaysEveryAnswerOrOneOperationsAnswers() {
        ecr.latency(DESCRIBE_IMAGES, Duration.ofMillis(300));
        assertTrue(timed(() -> client.describeImages(r -> r.repositoryName(REPO)).join()).toMillis() >= 300);
        assertTrue(timed(() -> client.describeRepositories(r -> r.repositoryNames(REPO)).join()).toMillis() < 300);

        ecr.latency(Duration.ofMillis(200));
        assertTrue(timed(() -> client.describeRepositories(r -> r.repositoryNames(REPO)).join()).toMillis() >= 200);
    }

    @Test
    void aHangingOperationTimesOutTheAttemptWhileOtherOperationsAnswerUntilReleased() {
        ecr.hang(DESCRIBE_IMAGE_SCAN_FINDINGS);
        try (EcrAsyncClient impatient = TestEcrClients.to(ecr.endpoint(), "us-east-1", c -> c
                .retryStrategy(AwsRetryStrategy.doNotRetry()).apiCallAttemptTimeout(Duration.ofMillis(250)))) {
            CompletableFuture<?> held = impatient.describeImageScanFindings(r -> r.repositoryName(REPO)
                    .imageId(i -> i.imageDigest(DIGEST)));

            assertEquals(1, client.describeRepositories(r -> r.repositoryNames(REPO)).join().repositories().size());
            assertInstanceOf(ApiCallAttemptTimeoutException.class, failure(held));
            assertEquals(1, ecr.calls(DESCRIBE_IMAGE_SCAN_FINDINGS));

            ecr.release();
            assertEquals(ScanStatus.COMPLETE, impatient.describeImageScanFindings(r -> r.repositoryName(REPO)
                    .imageId(i -> i.imageDigest(DIGEST))).join().imageScanStatus().status());
        }
    }

    @Test
    void eachCallRecordsOperationRegionAccessKeyAndRequest() {
        try (EcrAsyncClient frankfurt = TestEcrClients.to(ecr.endpoint(), "eu-central-1")) {
            Repository repo = frankfurt.describeRepositories(r -> r.registryId(ACCOUNT).repositoryNames(REPO)).join()
                    .repositories().get(0);
            assertEquals("111122223333.dkr.ecr.eu-central-1.amazonaws.com/team-blue/api", repo.repositoryUri());
        }

        EcrDouble.Call call = ecr.calls().get(0);
        assertEquals("DescribeRepositories", call.operation());
        assertEquals("eu-central-1", call.region());
        assertEquals(TestEcrClients.ACCESS_KEY_ID, call.accessKeyId());
        assertEquals(ACCOUNT, call.request().path("registryId").asText());
        assertEquals(REPO, call.request().path("repositoryNames").path(0).asText());
    }

    @Test
    void anOperationTheDoubleDoesNotKnowIsAnUnknownOperation() throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(ecr.endpoint())
                .header("Content-Type", EcrDouble.CONTENT_TYPE)
                .header("X-Amz-Target", EcrDouble.TARGET_PREFIX + "PutImage")
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDTEST/20261130/us-west-2/ecr/aws4_request,"
                        + " SignedHeaders=host;x-amz-date;x-amz-target, Signature=00")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(400, answer.statusCode());
        assertTrue(answer.body().contains("\"__type\":\"UnknownOperationException\""), answer.body());
        assertTrue(answer.headers().firstValue("x-amzn-ErrorType").orElseThrow()
                .startsWith("UnknownOperationException"));
        assertTrue(answer.headers().firstValue("x-amzn-RequestId").isPresent());
        assertEquals("PutImage", ecr.calls().get(0).operation());
        assertEquals("us-west-2", ecr.calls().get(0).region());
    }

    @Test
    void resetForgetsStateAndCalls() {
        client.describeRepositories(r -> r.repositoryNames(REPO)).join();
        ecr.reset();

        assertEquals(0, ecr.calls(DESCRIBE_REPOSITORIES));
        assertInstanceOf(RepositoryNotFoundException.class,
                failure(noRetries.describeRepositories(r -> r.repositoryNames(REPO))));
    }

    static Throwable failure(CompletableFuture<?> future) {
        CompletionException e = assertThrows(CompletionException.class, future::join);
        return e.getCause();
    }

    static Duration timed(Runnable action) {
        long start = System.nanoTime();
        action.run();
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
