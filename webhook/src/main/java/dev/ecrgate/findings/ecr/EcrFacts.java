package dev.ecrgate.findings.ecr;

import com.github.benmanes.caffeine.cache.AsyncCacheLoader;
import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.ecrgate.findings.FactNeeds;
import dev.ecrgate.findings.FindingsSource;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.ImageIndex;
import dev.ecrgate.findings.PlatformImage;
import dev.ecrgate.findings.RepositoryFacts;
import dev.ecrgate.findings.ScanResult;
import dev.ecrgate.findings.ScanStatus;
import dev.ecrgate.image.EcrRegistry;
import dev.ecrgate.image.ImageReference;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Image facts from the live ECR API, cached.
 *
 * <p>Three caches with their own lifetimes: repository → tag mutability; (repository, tag) → digest (short for
 * tags that can move, long for immutable ones); (repository, digest) → scan. On top of Caffeine:
 * <ul>
 *   <li><b>single flight</b>: concurrent admissions that need the same fact share one ECR call;</li>
 *   <li><b>refresh ahead</b>: an entry past its refresh time is answered at once while one background call
 *       refreshes it;</li>
 *   <li><b>stale if error</b>: when a refresh fails or is throttled, the last answer keeps being served (with
 *       {@link ImageFacts#stale()} saying so) for up to {@link EcrSettings#maxStale()}, and the refresh is retried
 *       with backoff, not on every read;</li>
 *   <li><b>negative caching</b>: "not found" and "scan not finished" answers live briefly, so a pending scan is read
 *       again soon and a typo is not hammered;</li>
 *   <li>a bound by weight (findings held) and a client-side rate limit per account and region.</li>
 * </ul>
 * The tags of one request are read with one DescribeImages call per repository. Calls never start on the caller's
 * thread (credential refreshes may block), and nothing here blocks. Thread safe; close it to release the clients.
 */
public final class EcrFacts implements FindingsSource, AutoCloseable {
    /**
     * A cached answer, with when it was read and when to read it again; or, with a null {@code value}, why it could
     * not be read. Failures are cached too, briefly and with backoff: Caffeine never sees a failed future (it would
     * log each one with a stack trace), and an outage does not turn every admission into an ECR call.
     */
    record Entry<V>(V value, long fetchedAt, long refreshAt, long interval, boolean negative, int weight,
                    int failures, Optional<String> refreshFailure) {
        boolean failed() {
            return value == null;
        }

        /**
         * This entry after a refresh that failed: the answer is kept (a failure stays a failure), and the next try
         * backs off, doubling from one second up to the entry's own refresh interval.
         */
        Entry<V> failedRefresh(String why, long now) {
            if (failed()) {
                return failure(why, now, failures);
            }
            return new Entry<>(value, fetchedAt, now + backoff(interval, failures), interval, negative, weight,
                    failures + 1, Optional.of(why));
        }

        static <V> Entry<V> failure(String why, long now, int failures) {
            long cap = Duration.ofSeconds(30).toNanos();
            return new Entry<>(null, now, now + backoff(cap, failures), cap, true, 1, failures + 1, Optional.of(why));
        }

        private static long backoff(long cap, int failures) {
            return Math.min(cap, Duration.ofSeconds(1).toNanos() << Math.min(failures, 10));
        }
    }

    /** A fact that could not be read; the message is for the developer reading the denial. */
    static final class LookupFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LookupFailedException(String why) {
            super(why, null, false, false);
        }
    }

    private record RepoKey(EcrRegistry registry, String repository) {
    }

    private record TagKey(EcrRegistry registry, String repository, String tag) {
    }

    private record DigestKey(EcrRegistry registry, String repository, String digest) {
    }

    /** How long a failed lookup is remembered; it is retried with backoff meanwhile. */
    private static final long FAILURE_LIFETIME = Duration.ofMinutes(1).toNanos();

    private final EcrSettings settings;
    private final EcrCalls calls;
    private final Ticker ticker;
    private final Executor executor;
    private final AutoCloseable resources;
    private final Supplier<CompletableFuture<String>> credentialCheck;
    private final AsyncLoadingCache<RepoKey, Entry<Optional<RepositoryFacts>>> repositories;
    private final AsyncLoadingCache<TagKey, Entry<EcrCalls.TagInfo>> tags;
    private final AsyncLoadingCache<DigestKey, Entry<ScanResult>> scans;
    /** Whether a digest is an image index, and its platform images: digests are immutable, so kept long. */
    private final AsyncLoadingCache<DigestKey, Entry<Optional<ImageIndex>>> indexes;
    /** One instance per registry for the cache keys, which would otherwise each hold their own copies. */
    private final Map<EcrRegistry, EcrRegistry> registries = new ConcurrentHashMap<>();
    /** What DescribeImages said about a digest's scan, for when DescribeImageScanFindings has nothing. */
    private final Map<DigestKey, ScanResult> statusHints = new ConcurrentHashMap<>();
    private final EcrMetrics metrics;
    private final List<Runnable> changeListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    EcrFacts(EcrSettings settings, EcrCalls calls, Ticker ticker, Executor executor, AutoCloseable resources,
             Supplier<CompletableFuture<String>> credentialCheck) {
        this(settings, calls, ticker, executor, resources, credentialCheck, EcrMetrics.none());
    }

    EcrFacts(EcrSettings settings, EcrCalls calls, Ticker ticker, Executor executor, AutoCloseable resources,
             Supplier<CompletableFuture<String>> credentialCheck, EcrMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
        this.credentialCheck = credentialCheck;
        this.calls = calls;
        this.ticker = ticker;
        this.executor = executor;
        this.resources = resources;
        this.repositories = cache(new Loader<>(this::loadRepository));
        this.tags = cache(new Loader<>(this::loadTag) {
            @Override
            public CompletableFuture<? extends Map<? extends TagKey, ? extends Entry<EcrCalls.TagInfo>>> asyncLoadAll(
                    Set<? extends TagKey> keys, Executor executor) {
                return loadTags(keys);
            }
        });
        this.scans = cache(new Loader<>(this::loadScan));
        this.indexes = cache(new Loader<>(this::loadIndex));
        metrics.monitor("repositories", repositories);
        metrics.monitor("tags", tags);
        metrics.monitor("scans", scans);
        metrics.monitor("indexes", indexes);
    }

    /**
     * The live source: clients from the default AWS credentials chain (or the configured role per account), the
     * endpoint from the settings or {@code AWS_ENDPOINT_URL_ECR} / {@code AWS_ENDPOINT_URL}.
     */
    public static EcrFacts create(EcrSettings settings, Map<String, String> environment) {
        return create(settings, environment, EcrMetrics.none());
    }

    /**
     * The live source, measured: ECR calls, throttles, caches and stale answers go to {@code registry} as
     * {@code ecrgate_ecr_*} meters.
     */
    public static EcrFacts create(EcrSettings settings, Map<String, String> environment, MeterRegistry registry) {
        return create(settings, environment, new EcrMetrics(registry));
    }

    private static EcrFacts create(EcrSettings settings, Map<String, String> environment, EcrMetrics metrics) {
        return assemble(settings, new EcrClients(settings, environment, EcrClients.defaultCredentials(),
                metrics.throttlePublisher()), System::nanoTime, metrics);
    }

    /** The live source with given credentials and clock, for tests against moto or the ECR double. */
    public static EcrFacts create(EcrSettings settings,
                                  software.amazon.awssdk.auth.credentials.AwsCredentialsProvider credentials,
                                  Supplier<Long> nanoTime) {
        return create(settings, credentials, nanoTime, EcrMetrics.none());
    }

    /** The live source with given credentials and clock, measured into {@code registry}. */
    public static EcrFacts create(EcrSettings settings,
                                  software.amazon.awssdk.auth.credentials.AwsCredentialsProvider credentials,
                                  Supplier<Long> nanoTime, MeterRegistry registry) {
        return create(settings, credentials, nanoTime, new EcrMetrics(registry));
    }

    private static EcrFacts create(EcrSettings settings,
                                   software.amazon.awssdk.auth.credentials.AwsCredentialsProvider credentials,
                                   Supplier<Long> nanoTime, EcrMetrics metrics) {
        return assemble(settings, new EcrClients(settings, Map.of(), credentials, metrics.throttlePublisher()),
                nanoTime, metrics);
    }

    private static EcrFacts assemble(EcrSettings settings, EcrClients clients, Supplier<Long> nanoTime,
                                     EcrMetrics metrics) {
        ScheduledExecutorService scheduler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ecrgate-ecr-scheduler");
            t.setDaemon(true);
            return t;
        });
        // ECR calls start here, never on an event loop: a credential refresh inside the SDK may block
        java.util.concurrent.ExecutorService workers = java.util.concurrent.Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "ecrgate-ecr");
            t.setDaemon(true);
            return t;
        });
        Map<String, RateLimiter> limiters = new ConcurrentHashMap<>();
        Function<EcrRegistry, CompletableFuture<Void>> permits = registry -> limiters
                .computeIfAbsent(registry.account() + "|" + registry.region(), k -> new RateLimiter(
                        settings.callsPerSecond(), Duration.ofSeconds(10).toNanos(), scheduler, nanoTime::get))
                .acquire().thenApplyAsync(v -> null, workers);
        return new EcrFacts(settings, new EcrCalls(clients::client, permits, metrics), nanoTime::get, workers, () -> {
            clients.close();
            workers.shutdownNow();
            scheduler.shutdownNow();
        }, clients::checkCredentials, metrics);
    }

    private <K, V> AsyncLoadingCache<K, Entry<V>> cache(AsyncCacheLoader<K, Entry<V>> loader) {
        long stale = settings.maxStale().toNanos();
        long negative = settings.negativeRefresh().toNanos() * 3;
        return Caffeine.newBuilder()
                .ticker(ticker)
                .executor(executor)
                .recordStats()
                .maximumWeight(settings.maxCachedFindings())
                .weigher((K k, Entry<V> e) -> e.weight())
                .expireAfter(new Expiry<K, Entry<V>>() {
                    @Override
                    public long expireAfterCreate(K key, Entry<V> e, long now) {
                        if (e.failed()) {
                            return FAILURE_LIFETIME;
                        }
                        return e.negative() ? negative : stale;
                    }

                    @Override
                    public long expireAfterUpdate(K key, Entry<V> e, long now, long current) {
                        // a failed refresh keeps the old answer's age: stale answers do not live forever
                        return e.failures() > 0 && !e.failed() ? current : expireAfterCreate(key, e, now);
                    }

                    @Override
                    public long expireAfterRead(K key, Entry<V> e, long now, long current) {
                        return current;
                    }
                })
                .buildAsync(loader);
    }

    /** Loads through {@code fetch}; a failed reload keeps the old answer and says why, instead of failing. */
    private class Loader<K, V> implements AsyncCacheLoader<K, Entry<V>> {
        private final Function<K, CompletableFuture<Entry<V>>> fetch;

        Loader(Function<K, CompletableFuture<Entry<V>>> fetch) {
            this.fetch = fetch;
        }

        @Override
        public CompletableFuture<? extends Entry<V>> asyncLoad(K key, Executor executor) {
            return fetch.apply(key).handle((fresh, error) -> error == null ? fresh
                    : Entry.failure(describe(error), ticker.read(), 0));
        }

        @Override
        public CompletableFuture<? extends Entry<V>> asyncReload(K key, Entry<V> old, Executor executor) {
            // a failed refresh never replaces a known answer, whether it failed the future or came back as a
            // failure entry (the tags of a repository are read together, and each gets one)
            return fetch.apply(key).handle((fresh, error) -> {
                if (error != null) {
                    return old.failedRefresh(describe(error), ticker.read());
                }
                if (fresh.failed()) {
                    return old.failedRefresh(fresh.refreshFailure().orElse("no answer from ECR"), ticker.read());
                }
                if (!Objects.equals(fresh.value(), old.value())) {
                    changed();
                }
                return fresh;
            });
        }
    }

    private <V> Entry<V> entry(V value, Duration refresh, boolean negative, int weight) {
        long now = ticker.read();
        Duration interval = negative ? settings.negativeRefresh() : refresh;
        return new Entry<>(value, now, now + interval.toNanos(), interval.toNanos(), negative, Math.max(1, weight), 0,
                Optional.empty());
    }

    private CompletableFuture<Entry<Optional<RepositoryFacts>>> loadRepository(RepoKey key) {
        return calls.repository(key.registry(), key.repository())
                .thenApply(r -> entry(r, settings.repositoryRefresh(), r.isEmpty(), 1));
    }

    private CompletableFuture<Entry<EcrCalls.TagInfo>> loadTag(TagKey key) {
        return loadTags(Set.of(key)).thenApply(m -> m.get(key));
    }

    private CompletableFuture<Map<TagKey, Entry<EcrCalls.TagInfo>>> loadTags(Set<? extends TagKey> keys) {
        TagKey any = keys.iterator().next();
        List<String> wanted = keys.stream().map(TagKey::tag).distinct().toList();
        return repositoryOf(any).thenCompose(repo -> calls.tags(any.registry(), any.repository(), wanted)
                .handle((infos, error) -> {
                    if (error != null) {
                        Map<TagKey, Entry<EcrCalls.TagInfo>> failed = new LinkedHashMap<>();
                        keys.forEach(k -> failed.put(k, Entry.failure(describe(error), ticker.read(), 0)));
                        return failed;
                    }
                    Map<TagKey, Entry<EcrCalls.TagInfo>> out = new LinkedHashMap<>();
                    for (TagKey k : keys) {
                        EcrCalls.TagInfo info = infos.get(k.tag());
                        boolean immutable = repo.map(r -> r.isImmutable(k.tag())).orElse(false);
                        info.digest().ifPresent(d -> info.summary().ifPresent(s -> statusHints.put(
                                new DigestKey(k.registry(), k.repository(), d), s)));
                        out.put(k, entry(info, immutable ? settings.immutableTagRefresh() : settings.mutableTagRefresh(),
                                info.digest().isEmpty(), 1));
                    }
                    return out;
                }));
    }

    /**
     * The repository's mutability when it is already cached, to choose how long a tag's digest may be kept;
     * never a reason to call ECR (or to fail).
     */
    private CompletableFuture<Optional<RepositoryFacts>> repositoryOf(TagKey key) {
        CompletableFuture<Entry<Optional<RepositoryFacts>>> cached =
                repositories.getIfPresent(new RepoKey(key.registry(), key.repository()));
        if (cached == null || !cached.isDone() || cached.isCompletedExceptionally()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        Entry<Optional<RepositoryFacts>> entry = cached.join();
        return CompletableFuture.completedFuture(entry.failed() ? Optional.empty() : entry.value());
    }

    private CompletableFuture<Entry<ScanResult>> loadScan(DigestKey key) {
        return calls.scan(key.registry(), key.repository(), key.digest(), Optional.ofNullable(statusHints.get(key)))
                .thenApply(scan -> entry(scan, settings.scanRefresh(), !scan.status().hasFindings(),
                        1 + scan.findings().map(List::size).orElse(0)));
    }

    private CompletableFuture<Entry<Optional<ImageIndex>>> loadIndex(DigestKey key) {
        return calls.index(key.registry(), key.repository(), key.digest())
                .thenApply(ix -> entry(ix, settings.immutableTagRefresh(), false,
                        1 + ix.map(i -> i.platforms().size()).orElse(0)));
    }

    @Override
    public CompletionStage<ImageFacts> facts(ImageReference image, FactNeeds needs) {
        return factsAll(Map.of(image, needs)).get(image);
    }

    @Override
    public Map<ImageReference, CompletionStage<ImageFacts>> factsAll(Map<ImageReference, FactNeeds> images) {
        Map<RepoKey, List<TagKey>> tagsByRepository = new LinkedHashMap<>();
        images.forEach((ref, needs) -> {
            if (needs.scan() && ref.digest().isEmpty() && ref.ecr().isPresent()) {
                TagKey k = new TagKey(canonical(ref.ecr().get()), ref.path().intern(), ref.tag().orElse("latest"));
                tagsByRepository.computeIfAbsent(new RepoKey(k.registry(), k.repository()), r -> new ArrayList<>())
                        .add(k);
            }
        });
        Map<TagKey, CompletableFuture<Entry<EcrCalls.TagInfo>>> tagEntries = new LinkedHashMap<>();
        tagsByRepository.values().forEach(keys -> {
            CompletableFuture<Map<TagKey, Entry<EcrCalls.TagInfo>>> all = tags.getAll(keys);
            for (TagKey k : keys) {
                tagEntries.put(k, all.thenApply(m -> refreshIfDue(tags, k, m.get(k))));
            }
        });
        Map<ImageReference, CompletionStage<ImageFacts>> out = new LinkedHashMap<>();
        images.forEach((ref, needs) -> out.put(ref, facts(ref, needs, tagEntries)));
        return out;
    }

    private CompletableFuture<ImageFacts> facts(ImageReference ref, FactNeeds needs,
                                                Map<TagKey, CompletableFuture<Entry<EcrCalls.TagInfo>>> tagEntries) {
        if (ref.ecr().isEmpty()) {
            return CompletableFuture.completedFuture(new ImageFacts(Optional.empty(),
                    ScanResult.notFound(ref.domain() + " is not an ECR registry"), Optional.empty()));
        }
        EcrRegistry registry = canonical(ref.ecr().get());
        String repository = ref.path().intern();
        List<String> stale = new java.util.concurrent.CopyOnWriteArrayList<>();

        CompletableFuture<Optional<Entry<Optional<RepositoryFacts>>>> repo = needs.repository()
                ? get(repositories, new RepoKey(registry, repository)).thenApply(e -> Optional.of(value(e)))
                : CompletableFuture.completedFuture(Optional.empty());

        CompletableFuture<Optional<String>> digest;
        CompletableFuture<Scanned> scanned;
        if (!needs.scan()) {
            digest = CompletableFuture.completedFuture(ref.digest());
            scanned = CompletableFuture.completedFuture(new Scanned(ScanResult.notFound("not looked up"), List.of()));
        } else if (ref.digest().isPresent()) {
            String d = ref.digest().get();
            digest = CompletableFuture.completedFuture(ref.digest());
            // a digest's media type is unknown until asked: an index has no usable scan of its own (basic scanning
            // calls it unsupported, enhanced has none), so only then is its manifest read
            scanned = scanOf(registry, repository, d, stale).thenCompose(own -> !EcrCalls.mayBeIndex(own)
                    ? CompletableFuture.completedFuture(new Scanned(own, List.of()))
                    : platformsOf(registry, repository, d, stale).thenApply(p -> new Scanned(
                            p.isEmpty() ? own : INDEX_HAS_NO_SCAN, p)));
        } else {
            CompletableFuture<Entry<EcrCalls.TagInfo>> tag = tagEntries.get(
                    new TagKey(registry, repository, ref.tag().orElse("latest")));
            digest = tag.thenApply(e -> {
                noteStale(value(e), stale, EcrMetrics.Fact.TAG, "the digest of the tag");
                return e.value().digest();
            });
            // DescribeImages said whether the tag points at an index: then its platform images are read at once
            scanned = tag.thenApply(EcrFacts::value).thenCompose(e -> e.value().digest()
                    .map(d -> e.value().isIndex()
                            ? platformsOf(registry, repository, d, stale).thenApply(p -> new Scanned(
                                    INDEX_HAS_NO_SCAN, p))
                            : scanOf(registry, repository, d, stale).thenApply(s -> new Scanned(s, List.of())))
                    .orElseGet(() -> CompletableFuture.completedFuture(new Scanned(
                            ScanResult.notFound(e.value().notFound()), List.of()))));
        }
        CompletableFuture<Optional<String>> scanFailure = scanned.handle((s, e) -> e == null ? Optional.empty()
                : Optional.of(describe(e)));
        CompletableFuture<Optional<String>> repoFailure = repo.handle((r, e) -> e == null ? Optional.empty()
                : Optional.of(describe(e)));
        return CompletableFuture.allOf(scanFailure, repoFailure).thenApply(v -> {
            Optional<String> sf = scanFailure.join();
            Optional<String> rf = repoFailure.join();
            ScanResult s = sf.isPresent() ? ScanResult.notFound("lookup failed") : scanned.join().scan();
            Optional<RepositoryFacts> r = rf.isPresent() ? Optional.empty() : repo.join().flatMap(e -> {
                noteStale(e, stale, EcrMetrics.Fact.REPOSITORY, "the repository's tag mutability");
                return e.value();
            });
            Optional<String> d = digest.isCompletedExceptionally() ? ref.digest() : digest.join();
            return new ImageFacts(d, s, r, sf, rf,
                    stale.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", stale)),
                    sf.isPresent() ? List.of() : scanned.join().platforms());
        });
    }

    /** An image's scan, and its platform images' when it is an index. */
    private record Scanned(ScanResult scan, List<PlatformImage> platforms) {
    }

    /** What the scan of an image index's own digest is taken as: its platform images are judged instead. */
    private static final ScanResult INDEX_HAS_NO_SCAN =
            ScanResult.notFound("an image index has no scan of its own; its platform images are judged");

    /**
     * The platform images of {@code digest} with their scans, read in parallel; empty when it is not an index. A
     * platform image whose scan cannot be read is answered with the failure, for the policy's onLookupFailure.
     */
    private CompletableFuture<List<PlatformImage>> platformsOf(EcrRegistry registry, String repository,
                                                               String digest, List<String> stale) {
        return get(indexes, new DigestKey(registry, repository, digest)).thenCompose(e -> {
            Entry<Optional<ImageIndex>> entry = value(e);
            noteStale(entry, stale, EcrMetrics.Fact.SCAN, "the image index");
            if (entry.value().isEmpty()) {
                return CompletableFuture.completedFuture(List.<PlatformImage>of());
            }
            List<ImageIndex.Entry> listed = entry.value().get().platforms();
            List<CompletableFuture<PlatformImage>> each = new ArrayList<>(listed.size());
            for (ImageIndex.Entry child : listed) {
                each.add(scanOf(registry, repository, child.digest(), stale).handle((s, error) -> error == null
                        ? new PlatformImage(child.platform(), child.digest(), s, Optional.empty())
                        : new PlatformImage(child.platform(), child.digest(), ScanResult.notFound("lookup failed"),
                                Optional.of(describe(error)))));
            }
            return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                    .thenApply(v -> each.stream().map(CompletableFuture::join).toList());
        });
    }

    private CompletableFuture<ScanResult> scanOf(EcrRegistry registry, String repository, String digest,
                                                 List<String> stale) {
        return get(scans, new DigestKey(registry, repository, digest)).thenApply(e -> {
            noteStale(value(e), stale, EcrMetrics.Fact.SCAN, "the scan");
            return e.value();
        });
    }

    private <K, V> CompletableFuture<Entry<V>> get(AsyncLoadingCache<K, Entry<V>> cache, K key) {
        return cache.get(key).thenApply(e -> refreshIfDue(cache, key, e));
    }

    private <K, V> Entry<V> refreshIfDue(AsyncLoadingCache<K, Entry<V>> cache, K key, Entry<V> e) {
        if (e != null && ticker.read() - e.refreshAt() >= 0) {
            // Caffeine runs at most one refresh per key at a time; this read is answered with what is cached
            cache.synchronous().refresh(key);
        }
        return e;
    }

    private EcrRegistry canonical(EcrRegistry registry) {
        EcrRegistry known = registries.get(registry);
        if (known != null) {
            return known;
        }
        // registries are few; a flood of made-up hosts must not grow this without bound
        return registries.size() < 10_000 ? registries.computeIfAbsent(registry, r -> r) : registry;
    }

    /** The entry, if it holds an answer; else the lookup fails with why it could not be read. */
    private static <V> Entry<V> value(Entry<V> e) {
        if (e.failed()) {
            throw new LookupFailedException(e.refreshFailure().orElse("no answer from ECR"));
        }
        return e;
    }

    private void noteStale(Entry<?> e, List<String> stale, EcrMetrics.Fact fact, String what) {
        e.refreshFailure().ifPresent(why -> {
            metrics.staleServed(fact);
            stale.add(what + " was read from ECR " + human(Duration.ofNanos(ticker.read() - e.fetchedAt()))
                    + " ago and refreshing it failed (" + why + ")");
        });
    }

    private static String human(Duration d) {
        if (d.toHours() > 0) {
            return d.toHours() + " h " + d.toMinutesPart() + " min";
        }
        if (d.toMinutes() > 0) {
            return d.toMinutes() + " min";
        }
        return d.toSeconds() + " s";
    }

    /** What went wrong in an AWS SDK call, in one short line: the error code and its message. */
    public static String describe(Throwable error) {
        Throwable cause = EcrCalls.unwrap(error);
        if (cause instanceof LookupFailedException) {
            return cause.getMessage();
        }
        String message = cause.getMessage();
        if (message != null && message.startsWith("Unable to load credentials")) {
            return "ecrgate has no AWS credentials (see the README, AWS setup)";
        }
        String name = cause instanceof software.amazon.awssdk.awscore.exception.AwsServiceException aws
                && aws.awsErrorDetails() != null && aws.awsErrorDetails().errorCode() != null
                ? aws.awsErrorDetails().errorCode() : cause.getClass().getSimpleName();
        if (message == null) {
            return name;
        }
        String first = message.lines().findFirst().orElse("");
        int cut = first.indexOf(" (Service:");
        String text = name + ": " + (cut > 0 ? first.substring(0, cut) : first);
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }

    /** Facts of a few images answered at start-up, for {@code --prefetch}; completes when all are in. */
    public CompletableFuture<String> prefetch(List<ImageReference> images) {
        Map<ImageReference, FactNeeds> all = images.stream().filter(r -> r.ecr().isPresent())
                .collect(Collectors.toMap(r -> r, r -> FactNeeds.ALL, (a, b) -> a, LinkedHashMap::new));
        Map<ImageReference, CompletionStage<ImageFacts>> stages = factsAll(all);
        CompletableFuture<?>[] futures = stages.values().stream().map(CompletionStage::toCompletableFuture)
                .toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(futures).thenApply(v -> {
            long failed = stages.values().stream().map(s -> s.toCompletableFuture().join())
                    .filter(f -> f.scanFailure().isPresent()).count();
            return all.size() + " images prefetched" + (failed > 0 ? ", " + failed + " failed" : "");
        });
    }

    /**
     * Resolves the AWS credentials the way the first ECR call will, so that start-up can wait for them; completes
     * with a description of where they came from, or fails with why there are none.
     */
    public CompletableFuture<String> checkCredentials() {
        return credentialCheck.get();
    }

    /**
     * What a refresh asked for by a registry event did: how many cached entries were read again, how many of them
     * now hold a different answer, and why reading one failed (then the old answer is kept, as for any refresh).
     */
    public record Refreshed(int entries, int changed, Optional<String> failure) {
        public static final Refreshed NOTHING = new Refreshed(0, 0, Optional.empty());

        public Refreshed {
            Objects.requireNonNull(failure, "failure");
        }

        /** Both refreshes together; the first failure wins. */
        public Refreshed plus(Refreshed other) {
            return new Refreshed(entries + other.entries, changed + other.changed,
                    failure.isPresent() ? failure : other.failure);
        }
    }

    /**
     * Reads the scan of {@code digest} again, in every registry host of this account and region that is cached
     * (plain, FIPS, dual-stack). Only what is cached is read: an image nobody asked about costs nothing, and its
     * first admission reads it anyway. A load or refresh already under way may have read ECR before the event, so
     * it is let finish and the entry is read once more. Never fails; a failed read is in {@link Refreshed#failure()}.
     */
    public CompletableFuture<Refreshed> refreshScan(String account, String region, String repository,
                                                   String digest) {
        return each(account, region, registry -> {
            DigestKey key = new DigestKey(registry, repository, digest);
            // an image index deleted: its cached manifest must not outlive it
            return refreshCached(scans, key).thenCombine(refreshCached(indexes, key), Refreshed::plus);
        });
    }

    /** Reads the digest of {@code tag} again where it is cached, as {@link #refreshScan} does for a scan. */
    public CompletableFuture<Refreshed> refreshTag(String account, String region, String repository, String tag) {
        return each(account, region, registry -> refreshCached(tags, new TagKey(registry, repository, tag)));
    }

    /**
     * Reads again every cached tag of {@code repository} that points at {@code digest}: after the image is deleted
     * (by hand or by a lifecycle policy) they must answer "not found", not the digest that is gone.
     */
    public CompletableFuture<Refreshed> refreshTagsOf(String account, String region, String repository,
                                                     String digest) {
        List<CompletableFuture<Refreshed>> all = new ArrayList<>();
        tags.asMap().forEach((key, future) -> {
            if (key.repository().equals(repository) && key.registry().account().equals(account)
                    && key.registry().region().equals(region) && future.isDone()
                    && !future.isCompletedExceptionally()) {
                Entry<EcrCalls.TagInfo> e = future.join();
                if (!e.failed() && e.value().digest().filter(digest::equals).isPresent()) {
                    all.add(refreshCached(tags, key));
                }
            }
        });
        return sum(all);
    }

    private CompletableFuture<Refreshed> each(String account, String region,
                                              Function<EcrRegistry, CompletableFuture<Refreshed>> refresh) {
        List<CompletableFuture<Refreshed>> all = new ArrayList<>();
        for (EcrRegistry registry : registries.keySet()) {
            if (registry.account().equals(account) && registry.region().equals(region)) {
                all.add(refresh.apply(registry));
            }
        }
        return sum(all);
    }

    private static CompletableFuture<Refreshed> sum(List<CompletableFuture<Refreshed>> all) {
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> all.stream()
                .map(CompletableFuture::join).reduce(Refreshed.NOTHING, Refreshed::plus));
    }

    private <K, V> CompletableFuture<Refreshed> refreshCached(AsyncLoadingCache<K, Entry<V>> cache, K key) {
        CompletableFuture<Entry<V>> cached = cache.getIfPresent(key);
        if (cached == null) {
            return CompletableFuture.completedFuture(Refreshed.NOTHING);
        }
        CompletableFuture<Entry<V>> underWay = cache.synchronous().policy().refreshes().get(key);
        CompletableFuture<?> before = underWay != null ? underWay : cached;
        return before.handle((v, e) -> null).thenCompose(v -> {
            CompletableFuture<Entry<V>> current = cache.getIfPresent(key);
            if (current == null) {
                return CompletableFuture.completedFuture(Refreshed.NOTHING);
            }
            Entry<V> previous = current.isDone() && !current.isCompletedExceptionally() ? current.join() : null;
            return cache.synchronous().refresh(key).handle((fresh, error) -> {
                if (error != null) {
                    return new Refreshed(1, 0, Optional.of(describe(error)));
                }
                // only a read that failed leaves a reason: a fresh answer, found or not, has none
                if (fresh.refreshFailure().isPresent()) {
                    return new Refreshed(1, 0, Optional.of(fresh.refreshFailure().orElse("no answer from ECR")));
                }
                boolean changed = previous == null || !Objects.equals(previous.value(), fresh.value());
                return new Refreshed(1, changed ? 1 : 0, Optional.empty());
            });
        });
    }

    /**
     * Tells {@code listener} each time a refresh reads a fact that differs from the cached one (new findings, a
     * scan that completed, a tag that moved, an image that is gone or back): on the thread that completed the
     * refresh, so it must only take note and return.
     */
    @Override
    public AutoCloseable onChange(Runnable listener) {
        Runnable mine = Objects.requireNonNull(listener, "listener")::run;
        changeListeners.add(mine);
        return () -> changeListeners.remove(mine);
    }

    private void changed() {
        for (Runnable listener : changeListeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                // a listener only takes note; a broken one must not fail the cache's refresh
            }
        }
    }

    /** Estimated number of cached answers, for logs and tests. */
    public long cachedEntries() {
        return repositories.synchronous().estimatedSize() + tags.synchronous().estimatedSize()
                + scans.synchronous().estimatedSize() + indexes.synchronous().estimatedSize();
    }

    @Override
    public void close() {
        try {
            resources.close();
        } catch (Exception e) {
            // shutting down: nothing more to do
        }
    }

    /** For tests: a source over given calls with a ticker the test controls. */
    static EcrFacts forTest(EcrSettings settings, EcrCalls calls, Ticker ticker, Executor executor) {
        return new EcrFacts(settings, calls, ticker, executor, () -> { },
                () -> CompletableFuture.completedFuture("test credentials"));
    }
}
