package dev.ecrgate.findings.ecr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Deque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An Amazon ECR API double on a loopback port, for what moto cannot do: pagination, the scan summary in
 * DescribeImages, enhanced findings by default, throttling, server errors, latency and requests that never answer.
 *
 * <p>It speaks the AWS JSON 1.1 protocol as the AWS SDK v2 sends it ({@code POST /}, {@code X-Amz-Target:
 * AmazonEC2ContainerRegistry_V20150921.<Operation>}, a SigV4 {@code Authorization} header) and answers
 * DescribeRepositories, DescribeImages, DescribeImageScanFindings and BatchGetImage (image indexes too); any other
 * operation gets {@code 400 UnknownOperationException}. Signatures are not verified, but the region and access key of the
 * credential scope are recorded for every call (see {@link #calls()}), and a scope for another service than
 * {@code ecr} is refused as AWS does.
 *
 * <p>State is keyed by (registry id, repository name) and is the same in every region; the region of a call only
 * shapes ARNs and URIs. A request without {@code registryId} means the caller's account, {@link #callerAccount}.
 *
 * <p>Thread safe: tests may program it while requests are served. Requests are served by a pool of daemon threads
 * that grows as needed, so a request held by {@link #hang} never blocks the others.
 */
public final class EcrDouble implements AutoCloseable {
    /** The account used when a request names no {@code registryId}, until {@link #callerAccount} says otherwise. */
    public static final String DEFAULT_ACCOUNT = "111122223333";

    static final String TARGET_PREFIX = "AmazonEC2ContainerRegistry_V20150921.";
    static final String CONTENT_TYPE = "application/x-amz-json-1.1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern CREDENTIAL =
            Pattern.compile("Credential=([^/,\\s]+)/(\\d{8})/([^/,\\s]+)/([^/,\\s]+)/aws4_request");
    private static final Instant FIRST_PUSH = Instant.parse("2026-01-05T09:00:00Z");
    private static final int DEFAULT_MAX_RESULTS = 100;
    private static final int MAX_ENHANCED_PER_PAGE = 100;
    /** The seed of {@link #failRate}'s draws, so that a run's sequence of failures can be repeated. */
    private static final long FAIL_RATE_SEED = 8;

    /** The operations this double answers, by their names on the wire. */
    public enum Operation {
        DESCRIBE_REPOSITORIES("DescribeRepositories"),
        DESCRIBE_IMAGES("DescribeImages"),
        DESCRIBE_IMAGE_SCAN_FINDINGS("DescribeImageScanFindings"),
        BATCH_GET_IMAGE("BatchGetImage");

        private final String wireName;

        Operation(String wireName) {
            this.wireName = wireName;
        }

        /** The name after {@code AmazonEC2ContainerRegistry_V20150921.} in {@code X-Amz-Target}. */
        public String wireName() {
            return wireName;
        }

        static Optional<Operation> ofWireName(String name) {
            return Arrays.stream(values()).filter(o -> o.wireName.equals(name)).findFirst();
        }
    }

    /**
     * One request as it arrived, before any fault was applied. {@code operation} is the wire name (also for
     * operations this double does not know); {@code region} and {@code accessKeyId} come from the SigV4 credential
     * scope and are empty when the request was not signed; {@code request} is the JSON body.
     */
    public record Call(String operation, String region, String accessKeyId, JsonNode request, Instant receivedAt) {
    }

    /** A basic-scanning finding; its {@code uri} and {@code description} are derived from the name. */
    public record BasicFinding(String name, String severity, String packageName, String packageVersion) {
        ObjectNode toJson() {
            ObjectNode node = NODES.objectNode();
            node.put("name", name);
            node.put("severity", severity);
            node.put("uri", "https://cve.mitre.org/cgi-bin/cvename.cgi?name=" + name);
            node.put("description", name + " in " + packageName + " " + packageVersion + ".");
            ArrayNode attributes = node.putArray("attributes");
            attributes.addObject().put("key", "package_version").put("value", packageVersion);
            attributes.addObject().put("key", "package_name").put("value", packageName);
            return node;
        }
    }

    /**
     * An enhanced-scanning (Inspector) package vulnerability; {@code fixedInVersion} empty means no fix, which
     * Inspector writes as {@code "NotAvailable"} with {@code fixAvailable: "NO"}.
     */
    public record EnhancedFinding(String vulnerabilityId, String severity, String packageName, String packageVersion,
                                  Optional<String> fixedInVersion) {
        public static EnhancedFinding fixed(String vulnerabilityId, String severity, String packageName,
                                            String packageVersion, String fixedInVersion) {
            return new EnhancedFinding(vulnerabilityId, severity, packageName, packageVersion,
                    Optional.of(fixedInVersion));
        }

        public static EnhancedFinding unfixed(String vulnerabilityId, String severity, String packageName,
                                              String packageVersion) {
            return new EnhancedFinding(vulnerabilityId, severity, packageName, packageVersion, Optional.empty());
        }

        ObjectNode toJson(String account, String region, String digest) {
            ObjectNode node = NODES.objectNode();
            node.put("awsAccountId", account);
            node.put("findingArn", "arn:aws:inspector2:" + region + ":" + account + ":finding/"
                    + UUID.nameUUIDFromBytes((digest + vulnerabilityId + packageName).getBytes(StandardCharsets.UTF_8))
                    .toString().replace("-", ""));
            node.put("description", vulnerabilityId + " affects " + packageName + " " + packageVersion + ".");
            ObjectNode details = node.putObject("packageVulnerabilityDetails");
            details.put("vulnerabilityId", vulnerabilityId);
            details.put("source", "NVD");
            details.put("vendorSeverity", severity);
            ObjectNode vulnerable = details.putArray("vulnerablePackages").addObject();
            vulnerable.put("name", packageName);
            vulnerable.put("version", packageVersion);
            vulnerable.put("fixedInVersion", fixedInVersion.orElse("NotAvailable"));
            node.put("severity", severity);
            node.put("status", "ACTIVE");
            node.put("fixAvailable", fixedInVersion.isPresent() ? "YES" : "NO");
            node.put("title", vulnerabilityId + " - " + packageName);
            node.put("type", "PACKAGE_VULNERABILITY");
            return node;
        }
    }

    /** The {@code imageScanFindings} member of a DescribeImageScanFindings answer, with every finding. */
    static ObjectNode imageScanFindings(String account, String region, String digest, Instant completedAt,
                                        List<BasicFinding> findings, List<EnhancedFinding> enhanced) {
        ObjectNode node = NODES.objectNode();
        node.set("imageScanCompletedAt", timestamp(completedAt));
        node.set("vulnerabilitySourceUpdatedAt", timestamp(completedAt));
        node.set("findingSeverityCounts", severityCounts(countsOf(findings, enhanced)));
        ArrayNode basic = node.putArray("findings");
        findings.forEach(f -> basic.add(f.toJson()));
        if (!enhanced.isEmpty()) {
            ArrayNode array = node.putArray("enhancedFindings");
            enhanced.forEach(f -> array.add(f.toJson(account, region, digest)));
        }
        return node;
    }

    static Map<String, Integer> countsOf(List<BasicFinding> findings, List<EnhancedFinding> enhanced) {
        Map<String, Integer> counts = new TreeMap<>();
        findings.forEach(f -> counts.merge(f.severity(), 1, Integer::sum));
        enhanced.forEach(f -> counts.merge(f.severity(), 1, Integer::sum));
        return counts;
    }

    /** The JSON protocol's timestamps: epoch seconds as a number, with milliseconds as the fraction. */
    static JsonNode timestamp(Instant instant) {
        return NODES.numberNode(BigDecimal.valueOf(instant.toEpochMilli()).movePointLeft(3));
    }

    private static ObjectNode severityCounts(Map<String, Integer> counts) {
        ObjectNode node = NODES.objectNode();
        counts.forEach(node::put);
        return node;
    }

    private record RepositoryKey(String account, String name) {
    }

    private record Summary(String status, Optional<Instant> completedAt, Map<String, Integer> counts) {
    }

    private record Scan(String status, Instant completedAt, List<BasicFinding> findings,
                        List<EnhancedFinding> enhanced) {
        boolean hasFindings() {
            return status.equals("COMPLETE") || status.equals("ACTIVE") || !findings.isEmpty() || !enhanced.isEmpty();
        }
    }

    private static final class Repository {
        final String account;
        final String name;
        final String mutability;
        final List<String> exclusionFilters;
        final Instant createdAt;
        final Map<String, Image> images = new LinkedHashMap<>();

        Repository(String account, String name, String mutability, List<String> exclusionFilters, Instant createdAt) {
            this.account = account;
            this.name = name;
            this.mutability = mutability;
            this.exclusionFilters = exclusionFilters;
            this.createdAt = createdAt;
        }
    }

    private static final class Image {
        final String digest;
        final List<String> tags = new ArrayList<>();
        final Instant pushedAt;
        Optional<Summary> summary = Optional.empty();
        Optional<Scan> scan = Optional.empty();
        String mediaType = "application/vnd.docker.distribution.manifest.v2+json";
        /** The manifest BatchGetImage answers: an index's as stored, a single image's made up. */
        Optional<String> manifest = Optional.empty();

        Image(String digest, Instant pushedAt) {
            this.digest = digest;
            this.pushedAt = pushedAt;
        }
    }

    private record Failure(int httpStatus, String errorType) {
    }

    /** An ECR error answer, thrown inside the request handling and written by {@link #serve}. */
    private static final class EcrError extends RuntimeException {
        final int httpStatus;
        final String type;

        EcrError(int httpStatus, String type, String message) {
            super(message, null, false, false);
            this.httpStatus = httpStatus;
            this.type = type;
        }

        static EcrError badRequest(String type, String message) {
            return new EcrError(400, type, message);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final Object lock = new Object();
    private final Map<RepositoryKey, Repository> repositories = new LinkedHashMap<>();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final Map<Operation, Duration> latencies = new EnumMap<>(Operation.class);
    private final Map<Operation, Deque<Failure>> failures = new EnumMap<>(Operation.class);
    private final Set<Operation> hanging = ConcurrentHashMap.newKeySet();
    private final AtomicInteger pushes = new AtomicInteger();
    private volatile CompletableFuture<Void> released = new CompletableFuture<>();
    private Duration latency = Duration.ZERO;
    private int pageSize = Integer.MAX_VALUE;
    private String callerAccount = DEFAULT_ACCOUNT;
    private double failFraction;
    private Failure rateFailure;
    private Random failDraws = new Random(FAIL_RATE_SEED);
    private final AtomicInteger rateFailures = new AtomicInteger();

    private EcrDouble(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Starts a double on {@code 127.0.0.1} at a free port. */
    public static EcrDouble start() {
        // the JDK server writes headers and body apart; without TCP_NODELAY, Nagle and the client's delayed ACK
        // add about 40 ms to every answer, which is the double's cost, not ECR's or ecrgate's
        System.setProperty("sun.net.httpserver.nodelay", "true");
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            AtomicInteger threads = new AtomicInteger();
            ExecutorService executor = Executors.newCachedThreadPool(task -> {
                Thread thread = new Thread(task, "ecr-double-" + threads.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });
            EcrDouble ecr = new EcrDouble(server, executor);
            server.createContext("/", ecr::serve);
            server.setExecutor(executor);
            server.start();
            return ecr;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the ECR double", e);
        }
    }

    /** Where clients send requests: {@code http://127.0.0.1:PORT}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    // ---- state -------------------------------------------------------------------------------------------------

    /** The account of requests that name no {@code registryId}. */
    public EcrDouble callerAccount(String account) {
        synchronized (lock) {
            callerAccount = account;
        }
        return this;
    }

    /**
     * Creates or replaces a repository (and forgets its images). {@code mutability} is sent as it is
     * ({@code MUTABLE}, {@code IMMUTABLE}, {@code IMMUTABLE_WITH_EXCLUSION}, {@code MUTABLE_WITH_EXCLUSION}, or
     * anything else to see how clients cope); each exclusion filter becomes a {@code WILDCARD} filter.
     */
    public EcrDouble repository(String account, String name, String mutability, String... exclusionFilters) {
        synchronized (lock) {
            repositories.put(new RepositoryKey(account, name), new Repository(account, name, mutability,
                    List.of(exclusionFilters), FIRST_PUSH.minus(Duration.ofDays(30))));
        }
        return this;
    }

    /**
     * Adds an image to a repository made with {@link #repository}, or replaces its tags. A tag moves from any
     * other image of the repository to this one, as a push does. The image has no scan until {@link #scan} or
     * {@link #scanSummary}.
     */
    public EcrDouble image(String account, String repository, String digest, String... tags) {
        synchronized (lock) {
            Repository repo = existing(account, repository);
            repo.images.values().forEach(other -> other.tags.removeAll(List.of(tags)));
            Image image = repo.images.computeIfAbsent(digest,
                    d -> new Image(d, FIRST_PUSH.plusSeconds(60L * pushes.getAndIncrement())));
            image.tags.clear();
            image.tags.addAll(List.of(tags));
        }
        return this;
    }

    /**
     * Adds an image index (OCI) to a repository: its platform images ({@code os/architecture[/variant]} to digest,
     * in order; {@code unknown/unknown} makes a BuildKit attestation manifest) are added untagged where missing,
     * and the index gets {@code tags}, as {@code docker buildx build --platform ... --push} leaves them. ECR has no
     * scan of the index itself.
     */
    public EcrDouble index(String account, String repository, String digest, Map<String, String> platforms,
                           String... tags) {
        ArrayNode manifests = NODES.arrayNode();
        String first = platforms.values().iterator().next();
        platforms.forEach((platform, child) -> {
            String[] parts = platform.split("/");
            ObjectNode m = manifests.addObject();
            m.put("mediaType", "application/vnd.oci.image.manifest.v1+json").put("digest", child).put("size", 1610);
            if (platform.equals("unknown/unknown")) {
                m.putObject("annotations").put("vnd.docker.reference.digest", first)
                        .put("vnd.docker.reference.type", "attestation-manifest");
            }
            ObjectNode p = m.putObject("platform").put("architecture", parts[1]).put("os", parts[0]);
            if (parts.length > 2) {
                p.put("variant", parts[2]);
            }
        });
        ObjectNode index = NODES.objectNode().put("schemaVersion", 2)
                .put("mediaType", "application/vnd.oci.image.index.v1+json");
        index.set("manifests", manifests);
        synchronized (lock) {
            Repository repo = existing(account, repository);
            platforms.values().forEach(child -> repo.images.computeIfAbsent(child,
                    d -> new Image(d, FIRST_PUSH.plusSeconds(60L * pushes.getAndIncrement()))));
        }
        image(account, repository, digest, tags);
        synchronized (lock) {
            Image image = existing(account, repository, digest);
            image.mediaType = "application/vnd.oci.image.index.v1+json";
            image.manifest = Optional.of(index.toPrettyString());
        }
        return this;
    }

    /** Removes an image and its tags, as BatchDeleteImage by digest or a lifecycle policy's expiry does. */
    public EcrDouble deleteImage(String account, String repository, String digest) {
        synchronized (lock) {
            existing(account, repository).images.remove(digest);
        }
        return this;
    }

    /**
     * Sets what DescribeImages says of an image's scan: {@code imageScanStatus} and, when {@code completedAt} is
     * present, {@code imageScanFindingsSummary}. {@link #scan} sets a matching summary itself; call this after it to
     * make the two disagree.
     */
    public EcrDouble scanSummary(String account, String repository, String digest, String status,
                                 Optional<Instant> completedAt, Map<String, Integer> counts) {
        synchronized (lock) {
            existing(account, repository, digest).summary = Optional.of(new Summary(status, completedAt,
                    Map.copyOf(counts)));
        }
        return this;
    }

    /**
     * Sets the scan of an image that DescribeImageScanFindings answers, and a summary for DescribeImages that
     * agrees with it. With a status other than {@code COMPLETE} or {@code ACTIVE} and no findings, the answer has
     * no {@code imageScanFindings}, as ECR's answer for a scan in progress or failed.
     */
    public EcrDouble scan(String account, String repository, String digest, String status, Instant completedAt,
                          List<BasicFinding> findings, List<EnhancedFinding> enhanced) {
        Scan scan = new Scan(status, completedAt, List.copyOf(findings), List.copyOf(enhanced));
        synchronized (lock) {
            Image image = existing(account, repository, digest);
            image.scan = Optional.of(scan);
            image.summary = Optional.of(new Summary(status,
                    scan.hasFindings() ? Optional.of(completedAt) : Optional.empty(), countsOf(findings, enhanced)));
        }
        return this;
    }

    /**
     * Pages answers at most {@code size} items at a time: findings and enhanced findings of
     * DescribeImageScanFindings (each also capped by {@code maxResults}, default 100, and enhanced ones at 100 as
     * ECR does), image details of DescribeImages and repositories of DescribeRepositories.
     */
    public EcrDouble pageSize(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("page size must be at least 1: " + size);
        }
        synchronized (lock) {
            pageSize = size;
        }
        return this;
    }

    // ---- faults ------------------------------------------------------------------------------------------------

    /** Delays every answer by {@code delay}, unless an operation has its own latency. */
    public EcrDouble latency(Duration delay) {
        synchronized (lock) {
            latency = delay;
        }
        return this;
    }

    /** Delays every answer to {@code operation} by {@code delay}. */
    public EcrDouble latency(Operation operation, Duration delay) {
        synchronized (lock) {
            latencies.put(operation, delay);
        }
        return this;
    }

    /** Holds every request for {@code operation} without an answer until {@link #release} or {@link #close}. */
    public EcrDouble hang(Operation operation) {
        hanging.add(operation);
        return this;
    }

    /** Stops hanging; held requests are answered as usual (if their client still listens). */
    public EcrDouble release() {
        hanging.clear();
        CompletableFuture<Void> previous = released;
        released = new CompletableFuture<>();
        previous.complete(null);
        return this;
    }

    /**
     * Answers the next {@code count} requests for {@code operation} with an error: {@code httpStatus} and a body
     * and {@code x-amzn-ErrorType} of {@code errorType}, e.g. {@code 500, "ServerException"}.
     */
    public EcrDouble failNext(Operation operation, int count, int httpStatus, String errorType) {
        synchronized (lock) {
            Deque<Failure> queue = failures.computeIfAbsent(operation, o -> new ArrayDeque<>());
            for (int i = 0; i < count; i++) {
                queue.add(new Failure(httpStatus, errorType));
            }
        }
        return this;
    }

    /**
     * Answers a {@code fraction} of all requests, of every operation, with an error: {@code httpStatus} and a body and
     * {@code x-amzn-ErrorType} of {@code errorType}, e.g. {@code 0.01, 500, "ServerException"} for a background of
     * server errors, or {@code 1.0, 503, "ServiceUnavailableException"} for an outage. Which requests fail is drawn
     * from a {@link Random} seeded with a constant, reseeded by each call, so a run's sequence of failures repeats
     * for the same sequence of requests. Applies after latency and {@link #hang}, and after {@link #failNext}, whose
     * queued failures come first. {@code 0} turns it off.
     */
    public EcrDouble failRate(double fraction, int httpStatus, String errorType) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("the failure rate must be within [0, 1]: " + fraction);
        }
        synchronized (lock) {
            failFraction = fraction;
            rateFailure = new Failure(httpStatus, errorType);
            failDraws = new Random(FAIL_RATE_SEED);
        }
        return this;
    }

    /** Answers the next {@code count} requests for {@code operation} with {@code 400 ThrottlingException}. */
    public EcrDouble throttleNext(Operation operation, int count) {
        return failNext(operation, count, 400, "ThrottlingException");
    }

    /** Forgets repositories, images, scans, faults, page size and recorded calls; releases held requests. */
    public EcrDouble reset() {
        release();
        synchronized (lock) {
            repositories.clear();
            latencies.clear();
            failures.clear();
            failFraction = 0;
            rateFailure = null;
            rateFailures.set(0);
            latency = Duration.ZERO;
            pageSize = Integer.MAX_VALUE;
            callerAccount = DEFAULT_ACCOUNT;
            pushes.set(0);
            calls.clear();
        }
        return this;
    }

    // ---- what was asked ----------------------------------------------------------------------------------------

    /** Every request received, in order of arrival, including failed and held ones. */
    public List<Call> calls() {
        return List.copyOf(calls);
    }

    /** How many requests for {@code operation} were received, including failed and held ones. */
    public int calls(Operation operation) {
        return (int) calls.stream().filter(c -> c.operation().equals(operation.wireName())).count();
    }

    /** How many requests {@link #failRate} answered with an error (since start or {@link #reset}). */
    public int rateFailures() {
        return rateFailures.get();
    }

    /** Stops serving; held requests are dropped. */
    @Override
    public void close() {
        released.complete(null);
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- serving -----------------------------------------------------------------------------------------------

    private void serve(HttpExchange exchange) throws IOException {
        String requestId = UUID.randomUUID().toString();
        try {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            try {
                ObjectNode answer = answer(exchange, body);
                send(exchange, requestId, 200, answer, Optional.empty());
            } catch (EcrError error) {
                ObjectNode answer = NODES.objectNode().put("__type", error.type).put("message", error.getMessage());
                send(exchange, requestId, error.httpStatus, answer, Optional.of(error.type));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } catch (IOException clientWentAway) {
            // The client gave up (timeout, cancellation); there is nobody to answer.
        } finally {
            exchange.close();
        }
    }

    private ObjectNode answer(HttpExchange exchange, byte[] body) throws InterruptedException {
        String target = Optional.ofNullable(exchange.getRequestHeaders().getFirst("X-Amz-Target")).orElse("");
        String operationName = target.startsWith(TARGET_PREFIX) ? target.substring(TARGET_PREFIX.length()) : target;
        Matcher scope = CREDENTIAL.matcher(
                Optional.ofNullable(exchange.getRequestHeaders().getFirst("Authorization")).orElse(""));
        boolean signed = scope.find();
        JsonNode request;
        try {
            request = body.length == 0 ? NODES.objectNode() : JSON.readTree(body);
        } catch (IOException e) {
            request = NODES.textNode(new String(body, StandardCharsets.UTF_8));
        }
        calls.add(new Call(operationName, signed ? scope.group(3) : "", signed ? scope.group(1) : "", request,
                Instant.now()));

        if (!signed) {
            throw new EcrError(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
        }
        if (!scope.group(4).equals("ecr")) {
            throw new EcrError(403, "InvalidSignatureException",
                    "Credential should be scoped to correct service: 'ecr'. ");
        }
        if (!exchange.getRequestMethod().equals("POST") || !exchange.getRequestURI().getPath().equals("/")) {
            throw new EcrError(404, "UnknownOperationException", null);
        }
        if (!request.isObject()) {
            throw EcrError.badRequest("SerializationException", "Start of structure or map found where not expected.");
        }
        String contentType = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Content-Type")).orElse("");
        if (!contentType.startsWith(CONTENT_TYPE)) {
            throw EcrError.badRequest("SerializationException", "Unexpected content type: " + contentType);
        }
        Optional<Operation> known = target.startsWith(TARGET_PREFIX) ? Operation.ofWireName(operationName)
                : Optional.empty();
        if (known.isEmpty()) {
            throw EcrError.badRequest("UnknownOperationException", null);
        }
        Operation operation = known.get();
        String region = scope.group(3);

        Duration delay;
        synchronized (lock) {
            delay = latencies.getOrDefault(operation, latency);
        }
        if (!delay.isZero()) {
            Thread.sleep(delay.toMillis());
        }
        CompletableFuture<Void> gate = released;
        if (hanging.contains(operation)) {
            try {
                gate.get();
            } catch (ExecutionException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
        synchronized (lock) {
            Failure failure = Optional.ofNullable(failures.get(operation)).map(Deque::poll).orElse(null);
            if (failure == null && failFraction > 0 && failDraws.nextDouble() < failFraction) {
                failure = rateFailure;
                rateFailures.incrementAndGet();
            }
            if (failure != null) {
                throw new EcrError(failure.httpStatus(), failure.errorType(),
                        failure.errorType().equals("ThrottlingException") ? "Rate exceeded"
                                : failure.errorType() + " injected by EcrDouble");
            }
            ObjectNode in = (ObjectNode) request;
            return switch (operation) {
                case DESCRIBE_REPOSITORIES -> describeRepositories(in, region);
                case DESCRIBE_IMAGES -> describeImages(in);
                case DESCRIBE_IMAGE_SCAN_FINDINGS -> describeImageScanFindings(in, region);
                case BATCH_GET_IMAGE -> batchGetImage(in);
            };
        }
    }

    private static void send(HttpExchange exchange, String requestId, int status, ObjectNode answer,
                             Optional<String> errorType) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(answer);
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        exchange.getResponseHeaders().set("x-amzn-RequestId", requestId);
        errorType.ifPresent(type -> exchange.getResponseHeaders().set("x-amzn-ErrorType",
                type + ":http://internal.amazon.com/coral/com.amazonaws.ecr/"));
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    // ---- operations (called holding the lock) ------------------------------------------------------------------

    private ObjectNode describeRepositories(ObjectNode in, String region) {
        String account = registryId(in);
        List<Repository> found = new ArrayList<>();
        JsonNode names = in.path("repositoryNames");
        if (names.isArray() && !names.isEmpty()) {
            checkNoMaxResults(in, "repositoryNames");
            for (JsonNode name : names) {
                found.add(repository(account, name.asText()));
            }
        } else {
            repositories.values().stream().filter(r -> r.account.equals(account)).forEach(found::add);
        }
        int size = Math.min(maxResults(in), pageSize);
        int offset = offsets(in, 1)[0];
        ObjectNode out = NODES.objectNode();
        ArrayNode array = out.putArray("repositories");
        found.stream().skip(offset).limit(size).forEach(r -> array.add(repositoryJson(r, region)));
        if (offset + size < found.size()) {
            out.put("nextToken", token(offset + size));
        }
        return out;
    }

    private static ObjectNode repositoryJson(Repository repo, String region) {
        ObjectNode node = NODES.objectNode();
        node.put("repositoryArn", "arn:aws:ecr:" + region + ":" + repo.account + ":repository/" + repo.name);
        node.put("registryId", repo.account);
        node.put("repositoryName", repo.name);
        node.put("repositoryUri", repo.account + ".dkr.ecr." + region + ".amazonaws.com/" + repo.name);
        node.set("createdAt", timestamp(repo.createdAt));
        node.put("imageTagMutability", repo.mutability);
        if (!repo.exclusionFilters.isEmpty()) {
            ArrayNode filters = node.putArray("imageTagMutabilityExclusionFilters");
            repo.exclusionFilters.forEach(f -> filters.addObject().put("filterType", "WILDCARD").put("filter", f));
        }
        node.putObject("imageScanningConfiguration").put("scanOnPush", true);
        node.putObject("encryptionConfiguration").put("encryptionType", "AES256");
        return node;
    }

    private ObjectNode describeImages(ObjectNode in) {
        Repository repo = repository(registryId(in), requiredText(in, "repositoryName"));
        List<Image> found = new ArrayList<>();
        JsonNode ids = in.path("imageIds");
        if (ids.isArray() && !ids.isEmpty()) {
            checkNoMaxResults(in, "imageIds");
            for (JsonNode id : ids) {
                Image image = image(repo, id);
                if (!found.contains(image)) {
                    found.add(image);
                }
            }
        } else {
            found.addAll(repo.images.values());
        }
        int size = Math.min(maxResults(in), pageSize);
        int offset = offsets(in, 1)[0];
        ObjectNode out = NODES.objectNode();
        ArrayNode details = out.putArray("imageDetails");
        found.stream().skip(offset).limit(size).forEach(i -> details.add(imageJson(repo, i)));
        if (offset + size < found.size()) {
            out.put("nextToken", token(offset + size));
        }
        return out;
    }

    private static ObjectNode imageJson(Repository repo, Image image) {
        ObjectNode node = NODES.objectNode();
        node.put("registryId", repo.account);
        node.put("repositoryName", repo.name);
        node.put("imageDigest", image.digest);
        if (!image.tags.isEmpty()) {
            ArrayNode tags = node.putArray("imageTags");
            image.tags.forEach(tags::add);
        }
        node.put("imageSizeInBytes", 31_457_280);
        node.set("imagePushedAt", timestamp(image.pushedAt));
        node.put("imageManifestMediaType", image.mediaType);
        if (image.manifest.isEmpty()) {
            node.put("artifactMediaType", "application/vnd.docker.container.image.v1+json");
        }
        image.summary.ifPresent(summary -> {
            node.putObject("imageScanStatus").put("status", summary.status())
                    .put("description", statusDescription(summary.status()));
            summary.completedAt().ifPresent(at -> {
                ObjectNode findings = node.putObject("imageScanFindingsSummary");
                findings.set("imageScanCompletedAt", timestamp(at));
                findings.set("vulnerabilitySourceUpdatedAt", timestamp(at));
                findings.set("findingSeverityCounts", severityCounts(summary.counts()));
            });
        });
        return node;
    }

    private ObjectNode describeImageScanFindings(ObjectNode in, String region) {
        Repository repo = repository(registryId(in), requiredText(in, "repositoryName"));
        JsonNode imageId = in.path("imageId");
        if (!imageId.isObject()) {
            throw EcrError.badRequest("InvalidParameterException",
                    "Invalid parameter at 'imageId' failed to satisfy constraint: 'must not be null'");
        }
        Image image = image(repo, imageId);
        Scan scan = image.scan.orElseThrow(() -> EcrError.badRequest("ScanNotFoundException",
                "Image scan does not exist for the image with '" + imageIdText(imageId) + "' in the repository with"
                        + " name '" + repo.name + "' in the registry with id '" + repo.account + "'"));
        int max = maxResults(in);
        int basicSize = Math.min(max, pageSize);
        int enhancedSize = Math.min(Math.min(max, MAX_ENHANCED_PER_PAGE), pageSize);
        int[] offsets = offsets(in, 2);
        List<BasicFinding> basic = scan.findings().stream().skip(offsets[0]).limit(basicSize).toList();
        List<EnhancedFinding> enhanced = scan.enhanced().stream().skip(offsets[1]).limit(enhancedSize).toList();

        ObjectNode out = NODES.objectNode();
        out.put("registryId", repo.account);
        out.put("repositoryName", repo.name);
        ObjectNode id = out.putObject("imageId").put("imageDigest", image.digest);
        String tag = imageId.path("imageTag").asText("");
        if (!tag.isEmpty()) {
            id.put("imageTag", tag);
        }
        out.putObject("imageScanStatus").put("status", scan.status())
                .put("description", statusDescription(scan.status()));
        if (scan.hasFindings()) {
            ObjectNode findings = imageScanFindings(repo.account, region, image.digest, scan.completedAt(), basic,
                    enhanced);
            findings.set("findingSeverityCounts", severityCounts(countsOf(scan.findings(), scan.enhanced())));
            if (scan.enhanced().isEmpty()) {
                findings.remove("enhancedFindings");
            }
            out.set("imageScanFindings", findings);
        }
        int nextBasic = offsets[0] + basic.size();
        int nextEnhanced = offsets[1] + enhanced.size();
        if (nextBasic < scan.findings().size() || nextEnhanced < scan.enhanced().size()) {
            out.put("nextToken", token(nextBasic, nextEnhanced));
        }
        return out;
    }

    private static String statusDescription(String status) {
        return switch (status) {
            case "COMPLETE" -> "The scan was completed successfully.";
            case "ACTIVE" -> "Continuous scan is selected for image.";
            case "FAILED" -> "UnsupportedImageError: The operating system and/or package manager are not supported.";
            case "IN_PROGRESS", "PENDING" -> "The scan is in progress.";
            default -> status;
        };
    }

    // ---- lookups and parameters --------------------------------------------------------------------------------

    private String registryId(JsonNode in) {
        String id = in.path("registryId").asText("");
        return id.isEmpty() ? callerAccount : id;
    }

    private Repository repository(String account, String name) {
        Repository repo = repositories.get(new RepositoryKey(account, name));
        if (repo == null) {
            throw EcrError.badRequest("RepositoryNotFoundException", "The repository with name '" + name
                    + "' does not exist in the registry with id '" + account + "'");
        }
        return repo;
    }

    private static Image image(Repository repo, JsonNode id) {
        String digest = id.path("imageDigest").asText("");
        String tag = id.path("imageTag").asText("");
        if (digest.isEmpty() && tag.isEmpty()) {
            throw EcrError.badRequest("InvalidParameterException",
                    "Invalid parameter at 'imageId' failed to satisfy constraint:"
                            + " 'imageTag or imageDigest must be set'");
        }
        return repo.images.values().stream()
                .filter(i -> digest.isEmpty() || i.digest.equals(digest))
                .filter(i -> tag.isEmpty() || i.tags.contains(tag))
                .findFirst()
                .orElseThrow(() -> EcrError.badRequest("ImageNotFoundException", "The image with imageId "
                        + imageIdText(id) + " does not exist within the repository with name '" + repo.name
                        + "' in the registry with id '" + repo.account + "'"));
    }

    /** BatchGetImage: each image's manifest, if its media type is accepted; a failure entry for each that is not. */
    private ObjectNode batchGetImage(ObjectNode in) {
        Repository repo = repository(registryId(in), requiredText(in, "repositoryName"));
        List<String> accepted = new ArrayList<>();
        in.path("acceptedMediaTypes").forEach(t -> accepted.add(t.asText()));
        ObjectNode out = NODES.objectNode();
        ArrayNode images = out.putArray("images");
        ArrayNode failures = out.putArray("failures");
        for (JsonNode id : in.path("imageIds")) {
            Image image;
            try {
                image = image(repo, id);
            } catch (EcrError notFound) {
                failures.addObject().<ObjectNode>set("imageId", id.deepCopy()).put("failureCode", "ImageNotFound")
                        .put("failureReason", "Requested image not found");
                continue;
            }
            String type = image.mediaType;
            if (!accepted.isEmpty() && !accepted.contains(type)) {
                failures.addObject().<ObjectNode>set("imageId", id.deepCopy())
                        .put("failureCode", "UnsupportedImageType")
                        .put("failureReason", "The image has a media type not in acceptedMediaTypes: " + type);
                continue;
            }
            ObjectNode node = images.addObject().put("registryId", repo.account).put("repositoryName", repo.name);
            ObjectNode imageId = node.putObject("imageId").put("imageDigest", image.digest);
            if (id.hasNonNull("imageTag")) {
                imageId.put("imageTag", id.path("imageTag").asText());
            }
            node.put("imageManifest", image.manifest.orElseGet(() -> "{\"schemaVersion\":2,\"mediaType\":\""
                    + type + "\",\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\","
                    + "\"size\":1470,\"digest\":\"sha256:" + "0c".repeat(32) + "\"},\"layers\":[]}"));
            node.put("imageManifestMediaType", type);
        }
        return out;
    }

    private static String imageIdText(JsonNode id) {
        return "{imageDigest:'" + id.path("imageDigest").asText("null") + "', imageTag:'"
                + id.path("imageTag").asText("null") + "'}";
    }

    private static String requiredText(JsonNode in, String field) {
        String value = in.path(field).asText("");
        if (value.isEmpty()) {
            throw EcrError.badRequest("InvalidParameterException",
                    "Invalid parameter at '" + field + "' failed to satisfy constraint: 'must not be null'");
        }
        return value;
    }

    private static int maxResults(JsonNode in) {
        if (!in.has("maxResults")) {
            return DEFAULT_MAX_RESULTS;
        }
        int max = in.path("maxResults").asInt(0);
        if (max < 1 || max > 1000) {
            throw EcrError.badRequest("InvalidParameterException", "Invalid parameter at 'maxResults' failed to"
                    + " satisfy constraint: 'Member must have value between 1 and 1000'");
        }
        return max;
    }

    private static void checkNoMaxResults(JsonNode in, String listed) {
        if (in.has("maxResults")) {
            throw EcrError.badRequest("InvalidParameterException", "Invalid parameter: maxResults cannot be used"
                    + " with " + listed);
        }
    }

    private static String token(int... offsets) {
        String text = Arrays.stream(offsets).mapToObj(Integer::toString).reduce((a, b) -> a + ":" + b).orElse("");
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("ecr-double:" + text)
                .getBytes(StandardCharsets.UTF_8));
    }

    private static int[] offsets(JsonNode in, int count) {
        String token = in.path("nextToken").asText("");
        if (token.isEmpty()) {
            return new int[count];
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (!text.startsWith("ecr-double:")) {
                throw new IllegalArgumentException(text);
            }
            int[] offsets = Arrays.stream(text.substring("ecr-double:".length()).split(":"))
                    .mapToInt(Integer::parseInt).toArray();
            if (offsets.length != count) {
                throw new IllegalArgumentException(text);
            }
            return offsets;
        } catch (IllegalArgumentException e) {
            throw EcrError.badRequest("InvalidParameterException",
                    "Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid NextToken'");
        }
    }

    private Repository existing(String account, String repository) {
        Repository repo = repositories.get(new RepositoryKey(account, repository));
        if (repo == null) {
            throw new IllegalStateException("no repository " + account + "/" + repository
                    + ": call repository() first");
        }
        return repo;
    }

    private Image existing(String account, String repository, String digest) {
        Image image = existing(account, repository).images.get(digest);
        if (image == null) {
            throw new IllegalStateException("no image " + digest + " in " + account + "/" + repository
                    + ": call image() first");
        }
        return image;
    }
}
