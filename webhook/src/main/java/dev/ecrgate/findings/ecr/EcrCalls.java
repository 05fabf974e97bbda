package dev.ecrgate.findings.ecr;

import dev.ecrgate.findings.Finding;
import dev.ecrgate.findings.ImageIndex;
import dev.ecrgate.findings.FixAvailable;
import dev.ecrgate.findings.RepositoryFacts;
import dev.ecrgate.findings.ScanResult;
import dev.ecrgate.findings.ScanStatus;
import dev.ecrgate.findings.Severity;
import dev.ecrgate.findings.TagMutability;
import dev.ecrgate.image.EcrRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;
import software.amazon.awssdk.services.ecr.EcrAsyncClient;
import software.amazon.awssdk.services.ecr.model.Attribute;
import software.amazon.awssdk.services.ecr.model.DescribeImageScanFindingsRequest;
import software.amazon.awssdk.services.ecr.model.DescribeImageScanFindingsResponse;
import software.amazon.awssdk.services.ecr.model.EnhancedImageScanFinding;
import software.amazon.awssdk.services.ecr.model.ImageDetail;
import software.amazon.awssdk.services.ecr.model.ImageIdentifier;
import software.amazon.awssdk.services.ecr.model.ImageNotFoundException;
import software.amazon.awssdk.services.ecr.model.ImageScanFinding;
import software.amazon.awssdk.services.ecr.model.ImageTagMutabilityExclusionFilter;
import software.amazon.awssdk.services.ecr.model.Repository;
import software.amazon.awssdk.services.ecr.model.RepositoryNotFoundException;
import software.amazon.awssdk.services.ecr.model.ScanNotFoundException;
import software.amazon.awssdk.services.ecr.model.VulnerablePackage;

/**
 * The three ECR API calls ecrgate makes, each answering ecrgate's own fact types, with ECR's "not found" errors
 * turned into facts: RepositoryNotFoundException and ImageNotFoundException are NOT_FOUND, ScanNotFoundException is
 * NOT_FOUND unless DescribeImages reported another scan status for the image. Any other error fails the future.
 * {@code registryId} is always the account of the image's host. Thread safe.
 */
final class EcrCalls {
    /** ECR answers at most this many findings of each kind per page. */
    static final int PAGE_SIZE = 1000;

    private final Function<EcrRegistry, EcrAsyncClient> clients;
    private final Function<EcrRegistry, CompletableFuture<Void>> permits;
    private final EcrMetrics metrics;

    /**
     * @param clients the client for a registry's account and region
     * @param permits completes when the rate limit for that account and region lets one more call go
     */
    EcrCalls(Function<EcrRegistry, EcrAsyncClient> clients, Function<EcrRegistry, CompletableFuture<Void>> permits) {
        this(clients, permits, EcrMetrics.none());
    }

    /** @param metrics counts and times every call, from the permit to the answer */
    EcrCalls(Function<EcrRegistry, EcrAsyncClient> clients, Function<EcrRegistry, CompletableFuture<Void>> permits,
             EcrMetrics metrics) {
        this.clients = clients;
        this.permits = permits;
        this.metrics = metrics;
    }

    /** Starts one call and records how it ends; a call that throws instead of failing its future counts too. */
    private <T> CompletableFuture<T> measured(EcrMetrics.Api api, Supplier<CompletableFuture<T>> call) {
        long start = System.nanoTime();
        CompletableFuture<T> answer;
        try {
            answer = call.get();
        } catch (RuntimeException e) {
            metrics.call(api, start, e);
            throw e;
        }
        return answer.whenComplete((r, e) -> metrics.call(api, start, e));
    }

    /** A tag's digest and, when ECR says so, the image's scan status and summary. */
    record TagInfo(Optional<String> digest, Optional<ScanResult> summary, String notFound,
                   Optional<String> mediaType) {
        TagInfo(Optional<String> digest, Optional<ScanResult> summary, String notFound) {
            this(digest, summary, notFound, Optional.empty());
        }

        /** Whether the tag points at an image index (a multi-arch image), by DescribeImages' media type. */
        boolean isIndex() {
            return mediaType.map(ImageIndex::isIndex).orElse(false);
        }
    }

    /** DescribeRepositories for one repository; empty when it does not exist. */
    CompletableFuture<Optional<RepositoryFacts>> repository(EcrRegistry registry, String repository) {
        return permits.apply(registry).thenCompose(v -> measured(EcrMetrics.Api.DESCRIBE_REPOSITORIES,
                        () -> clients.apply(registry).describeRepositories(r -> r
                                .registryId(registry.account()).repositoryNames(repository))))
                .thenApply(response -> response.repositories().stream()
                        .filter(r -> r.repositoryName().equals(repository)).findFirst().map(EcrCalls::repositoryFacts))
                .exceptionally(e -> {
                    if (unwrap(e) instanceof RepositoryNotFoundException) {
                        return Optional.empty();
                    }
                    throw new CompletionException(unwrap(e));
                });
    }

    static RepositoryFacts repositoryFacts(Repository r) {
        TagMutability mutability = TagMutability.parse(r.imageTagMutabilityAsString()).orElse(TagMutability.MUTABLE);
        List<String> filters = new ArrayList<>();
        for (ImageTagMutabilityExclusionFilter f : r.imageTagMutabilityExclusionFilters()) {
            filters.add(f.filter());
        }
        return new RepositoryFacts(mutability, filters);
    }

    /**
     * DescribeImages for several tags of one repository in one call. ECR refuses the whole call when one of them
     * does not exist, so then each tag is asked on its own.
     */
    CompletableFuture<Map<String, TagInfo>> tags(EcrRegistry registry, String repository, Collection<String> tags) {
        List<ImageIdentifier> ids = tags.stream().map(t -> ImageIdentifier.builder().imageTag(t).build()).toList();
        return permits.apply(registry).thenCompose(v -> measured(EcrMetrics.Api.DESCRIBE_IMAGES,
                        () -> clients.apply(registry).describeImages(r -> r
                                .registryId(registry.account()).repositoryName(repository).imageIds(ids))))
                .thenApply(response -> {
                    Map<String, TagInfo> out = new HashMap<>();
                    for (ImageDetail d : response.imageDetails()) {
                        for (String tag : d.imageTags()) {
                            if (tags.contains(tag)) {
                                out.put(tag, new TagInfo(Optional.of(d.imageDigest()), summary(d), "",
                                        Optional.ofNullable(d.imageManifestMediaType())));
                            }
                        }
                    }
                    for (String tag : tags) {
                        out.putIfAbsent(tag, new TagInfo(Optional.empty(), Optional.empty(),
                                "ECR has no image tagged " + tag + " in repository " + repository));
                    }
                    return out;
                })
                .exceptionallyCompose(e -> {
                    Throwable cause = unwrap(e);
                    if (cause instanceof RepositoryNotFoundException) {
                        Map<String, TagInfo> out = new HashMap<>();
                        for (String tag : tags) {
                            out.put(tag, new TagInfo(Optional.empty(), Optional.empty(), "ECR has no repository "
                                    + repository + " in account " + registry.account() + " (" + registry.region()
                                    + ")"));
                        }
                        return CompletableFuture.completedFuture(out);
                    }
                    if (cause instanceof ImageNotFoundException && tags.size() > 1) {
                        return oneByOne(registry, repository, tags);
                    }
                    if (cause instanceof ImageNotFoundException) {
                        String tag = tags.iterator().next();
                        return CompletableFuture.completedFuture(Map.of(tag, new TagInfo(Optional.empty(),
                                Optional.empty(), "ECR has no image tagged " + tag + " in repository "
                                + repository)));
                    }
                    return CompletableFuture.failedFuture(cause);
                });
    }

    private CompletableFuture<Map<String, TagInfo>> oneByOne(EcrRegistry registry, String repository,
                                                             Collection<String> tags) {
        List<CompletableFuture<Map<String, TagInfo>>> each = tags.stream()
                .map(t -> tags(registry, repository, List.of(t))).toList();
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<String, TagInfo> out = new HashMap<>();
            each.forEach(f -> out.putAll(f.join()));
            return out;
        });
    }

    private static Optional<ScanResult> summary(ImageDetail d) {
        if (d.imageScanStatus() == null) {
            return Optional.empty();
        }
        Optional<ScanStatus> status = ScanStatus.parse(d.imageScanStatus().statusAsString());
        if (status.isEmpty()) {
            return Optional.empty();
        }
        var s = d.imageScanFindingsSummary();
        return Optional.of(new ScanResult(status.get(), Optional.ofNullable(d.imageScanStatus().description()),
                Optional.ofNullable(s == null ? null : s.imageScanCompletedAt()),
                s == null ? Map.of() : counts(s.findingSeverityCountsAsStrings()), Optional.empty()));
    }

    /**
     * DescribeImageScanFindings for one digest, every page, basic and enhanced findings both.
     *
     * @param statusHint the scan status DescribeImages reported, for when ECR has no scan findings to give
     */
    CompletableFuture<ScanResult> scan(EcrRegistry registry, String repository, String digest,
                                       Optional<ScanResult> statusHint) {
        DescribeImageScanFindingsRequest request = DescribeImageScanFindingsRequest.builder()
                .registryId(registry.account()).repositoryName(repository)
                .imageId(ImageIdentifier.builder().imageDigest(digest).build()).maxResults(PAGE_SIZE).build();
        ScanPages pages = new ScanPages();
        return permits.apply(registry).thenCompose(v -> measured(EcrMetrics.Api.DESCRIBE_IMAGE_SCAN_FINDINGS,
                        () -> clients.apply(registry).describeImageScanFindingsPaginator(request).subscribe(pages::add)))
                .thenApply(v -> pages.result())
                .exceptionally(e -> {
                    Throwable cause = unwrap(e);
                    if (cause instanceof ScanNotFoundException) {
                        return statusHint.filter(h -> h.status() != ScanStatus.NOT_FOUND)
                                .orElse(ScanResult.notFound(NO_SCAN + repository + "@" + digest));
                    }
                    if (cause instanceof ImageNotFoundException) {
                        return ScanResult.notFound("ECR has no image " + repository + "@" + digest);
                    }
                    if (cause instanceof RepositoryNotFoundException) {
                        return ScanResult.notFound("ECR has no repository " + repository + " in account "
                                + registry.account() + " (" + registry.region() + ")");
                    }
                    throw new CompletionException(cause);
                });
    }

    private static final String NO_SCAN = "ECR has no scan of ";

    /**
     * Whether ECR has the image but no scan of it (ScanNotFoundException) or cannot scan it: what it answers for an
     * image index's own digest, whose manifest is then worth reading. Not for an image or repository ECR does not
     * have: that needs no further call.
     */
    static boolean mayBeIndex(ScanResult scan) {
        return scan.status() == ScanStatus.UNSUPPORTED_IMAGE || scan.status() == ScanStatus.NOT_FOUND
                && scan.description().filter(d -> d.startsWith(NO_SCAN)).isPresent();
    }

    /**
     * BatchGetImage for one digest's manifest, as an index if it is one; empty for a single image's manifest, and
     * for an image ECR does not have (its scan lookup says so).
     */
    CompletableFuture<Optional<ImageIndex>> index(EcrRegistry registry, String repository, String digest) {
        return permits.apply(registry).thenCompose(v -> measured(EcrMetrics.Api.BATCH_GET_IMAGE,
                        () -> clients.apply(registry).batchGetImage(r -> r.registryId(registry.account())
                                .repositoryName(repository)
                                .imageIds(ImageIdentifier.builder().imageDigest(digest).build())
                                .acceptedMediaTypes(ImageIndex.ACCEPTED))))
                .thenApply(response -> response.images().stream().filter(i -> i.imageManifest() != null)
                        .findFirst().flatMap(i -> ImageIndex.parse(i.imageManifest(), i.imageManifestMediaType())))
                .exceptionally(e -> {
                    Throwable cause = unwrap(e);
                    if (cause instanceof RepositoryNotFoundException || cause instanceof ImageNotFoundException) {
                        return Optional.empty();
                    }
                    if (cause instanceof IllegalArgumentException bad) {
                        throw new CompletionException(new IllegalStateException("the manifest of " + repository + "@"
                                + digest + " cannot be read: " + bad.getMessage()));
                    }
                    throw new CompletionException(cause);
                });
    }

    /** The pages of one DescribeImageScanFindings, gathered; the paginator delivers them one at a time. */
    private static final class ScanPages {
        private ScanStatus status = ScanStatus.NOT_FOUND;
        private Optional<String> description = Optional.empty();
        private Optional<java.time.Instant> completedAt = Optional.empty();
        private Map<Severity, Integer> counts = Map.of();
        private final List<Finding> findings = new ArrayList<>();

        synchronized void add(DescribeImageScanFindingsResponse page) {
            if (page.imageScanStatus() != null) {
                status = ScanStatus.parse(page.imageScanStatus().statusAsString()).orElse(ScanStatus.FINDINGS_UNAVAILABLE);
                description = Optional.ofNullable(page.imageScanStatus().description());
            }
            var f = page.imageScanFindings();
            if (f == null) {
                return;
            }
            if (f.imageScanCompletedAt() != null) {
                completedAt = Optional.of(f.imageScanCompletedAt());
            }
            if (f.hasFindingSeverityCounts()) {
                counts = counts(f.findingSeverityCountsAsStrings());
            }
            for (ImageScanFinding b : f.findings()) {
                findings.add(basic(b));
            }
            for (EnhancedImageScanFinding e : f.enhancedFindings()) {
                String state = e.status() == null ? "ACTIVE" : e.status().toUpperCase(Locale.ROOT);
                if (state.equals("ACTIVE")) {
                    findings.add(enhanced(e));
                }
            }
        }

        synchronized ScanResult result() {
            return new ScanResult(status, description, completedAt, counts, Optional.of(findings));
        }
    }

    static Finding basic(ImageScanFinding f) {
        String name = "";
        String version = "";
        for (Attribute a : f.attributes()) {
            if ("package_name".equals(a.key())) {
                name = nullToEmpty(a.value());
            } else if ("package_version".equals(a.key())) {
                version = nullToEmpty(a.value());
            }
        }
        return new Finding(shared(f.name()), Severity.parse(f.severityAsString()), shared(name), shared(version),
                Optional.empty(), FixAvailable.UNKNOWN, false);
    }

    static Finding enhanced(EnhancedImageScanFinding f) {
        var details = f.packageVulnerabilityDetails();
        String id = details != null && details.vulnerabilityId() != null ? details.vulnerabilityId()
                : nullToEmpty(f.title());
        Optional<VulnerablePackage> pkg = details == null ? Optional.empty()
                : details.vulnerablePackages().stream().findFirst();
        Optional<String> fixedIn = pkg.map(VulnerablePackage::fixedInVersion)
                .filter(v -> !v.isBlank() && !v.equalsIgnoreCase("NotAvailable")).map(EcrCalls::shared);
        FixAvailable fix;
        try {
            fix = f.fixAvailable() == null ? FixAvailable.UNKNOWN
                    : FixAvailable.valueOf(f.fixAvailable().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            fix = FixAvailable.UNKNOWN;
        }
        return new Finding(shared(id), Severity.parse(f.severity()), shared(pkg.map(VulnerablePackage::name)
                .orElse("")), shared(pkg.map(VulnerablePackage::version).orElse("")), fixedIn, fix, true);
    }

    static Map<Severity, Integer> counts(Map<String, Integer> raw) {
        Map<Severity, Integer> out = new EnumMap<>(Severity.class);
        if (raw != null) {
            raw.forEach((k, v) -> out.merge(Severity.parse(k), v == null ? 0 : v, Integer::sum));
        }
        return out;
    }

    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    /**
     * One copy of each vulnerability ID, package name and version, however many cached scans hold it: a fleet's
     * images share base layers, so the same findings recur across thousands of scans (the JVM's string table lets
     * unused ones be collected).
     */
    static String shared(String s) {
        return s == null ? "" : s.intern();
    }
}
