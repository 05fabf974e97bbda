package dev.ecrgate.findings.ecr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ecrgate.findings.ecr.EcrDouble.BasicFinding;
import dev.ecrgate.findings.ecr.EcrDouble.EnhancedFinding;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import software.amazon.awssdk.services.ecr.EcrAsyncClient;
import software.amazon.awssdk.services.ecr.model.ImageTagMutabilityExclusionFilter;
import software.amazon.awssdk.services.ecr.model.Repository;

/**
 * moto 5.2.5 ({@code moto_server}) as a real ECR API peer for tests, in a child process on a free loopback port.
 *
 * <p>{@link #start()} runs {@code src/test/peers/moto.sh} (which installs moto into a cached virtualenv once),
 * starts {@code moto_server -H 127.0.0.1 -p PORT} with {@code MOTO_ACCOUNT_ID=111122223333}, logs to
 * {@code target/moto/}, and waits until {@code GET /moto-api/data.json} answers. With {@code ECRGATE_SKIP_MOTO=1} in
 * the environment the calling test is skipped (a JUnit assumption); otherwise a missing {@code python3}, a failed
 * install or a server that does not come up fails the test, so CI never skips silently.
 *
 * <p>State is set through the real API with the AWS SDK's {@link EcrAsyncClient} (region {@value #REGION}, dummy
 * credentials, which moto maps to {@link #ACCOUNT}). What moto 5.2.5 does, read from its source
 * ({@code moto/ecr/models.py}, {@code moto/moto_api/_internal/}):
 * <ul>
 *   <li>DescribeImageScanFindings raises ScanNotFoundException until {@link #startImageScan} ran for the image, also
 *       when custom findings were loaded; a second StartImageScan of the image the same day raises
 *       LimitExceededException. Without custom findings it answers one fake HIGH finding {@code CVE-9999-9999}.</li>
 *   <li>Custom findings ({@link #loadScanFindings}, {@code POST /moto-api/static/ecr/scan-finding-results}) are
 *       appended to a list of the backend of the given account and region. The first DescribeImageScanFindings
 *       call for an image moves every listed result whose {@code repositoryName} equals the repository and whose
 *       {@code imageId} has the image's digest, or its most recently pushed tag, or neither, into a queue of that
 *       image ({@code registryId} in the result is not compared). Then each distinct request {@code imageId}
 *       (the JSON of the request's imageId: asking by tag and by digest are two keys) takes the next queued
 *       result on its first call and keeps answering it on later calls; a key that finds the queue empty gets the
 *       fake default. So load one result per way the code will ask (and in that order).</li>
 *   <li>A custom result is answered as it was loaded (through moto's response serializer), so it must be a full
 *       DescribeImageScanFindings response; it must never contain {@code nextToken}, or a paginator loops.</li>
 *   <li>DescribeImages answers digest, tags, size, push time and manifest media type, but never
 *       {@code imageScanStatus} nor {@code imageScanFindingsSummary}. No operation paginates.</li>
 *   <li>Repositories support {@code IMMUTABLE_WITH_EXCLUSION} and {@code MUTABLE_WITH_EXCLUSION} with exclusion
 *       filters, answered by DescribeRepositories.</li>
 *   <li>DescribeRepositories with {@code repositoryNames} and another account's {@code registryId} answers an empty
 *       list instead of RepositoryNotFoundException; DescribeImages and DescribeImageScanFindings do raise
 *       RepositoryNotFoundException for another registry.</li>
 * </ul>
 *
 * <p>Not thread safe for concurrent setup calls from many threads; the server itself serves concurrent requests.
 */
public final class MotoServer implements AutoCloseable {
    public static final String ACCOUNT = "111122223333";
    public static final String REGION = "us-east-1";
    public static final String MANIFEST_MEDIA_TYPE = "application/vnd.docker.distribution.manifest.v2+json";

    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final URI endpoint;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final EcrAsyncClient ecr;

    private MotoServer(Process process, URI endpoint, Path log) {
        this.process = process;
        this.endpoint = endpoint;
        this.log = log;
        this.ecr = TestEcrClients.to(endpoint, REGION);
    }

    /**
     * Installs (once) and starts moto; skips the calling test when {@code ECRGATE_SKIP_MOTO=1}.
     *
     * @throws IllegalStateException when moto cannot be installed or does not become ready, with the log's tail
     */
    public static MotoServer start() {
        Assumptions.assumeFalse("1".equals(System.getenv("ECRGATE_SKIP_MOTO")),
                "ECRGATE_SKIP_MOTO=1: tests against moto are skipped");
        Path logs = Path.of("target", "moto").toAbsolutePath();
        try {
            Files.createDirectories(logs);
            Path motoServer = install(logs.resolve("install.log"));
            int port = freePort();
            Path log = logs.resolve("moto-" + port + ".log");
            ProcessBuilder builder = new ProcessBuilder(motoServer.toString(), "-H", "127.0.0.1", "-p",
                    Integer.toString(port))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().put("MOTO_ACCOUNT_ID", ACCOUNT);
            Process process = builder.start();
            MotoServer moto = new MotoServer(process, URI.create("http://127.0.0.1:" + port), log);
            try {
                moto.awaitReady();
            } catch (RuntimeException e) {
                moto.close();
                throw e;
            }
            return moto;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start moto: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting moto", e);
        }
    }

    /** Runs the install script; answers the path of {@code moto_server} that it prints last. */
    private static Path install(Path installLog) throws IOException, InterruptedException {
        Path script = Path.of("src/test/peers/moto.sh");
        if (!Files.exists(script)) {
            script = Path.of("webhook/src/test/peers/moto.sh");
        }
        Process install = new ProcessBuilder("bash", script.toAbsolutePath().toString())
                .redirectErrorStream(true)
                .redirectOutput(installLog.toFile())
                .start();
        if (!install.waitFor(INSTALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            install.destroyForcibly();
            throw new IllegalStateException("installing moto took longer than " + INSTALL_TIMEOUT + "; "
                    + tail(installLog));
        }
        List<String> lines = Files.readAllLines(installLog);
        if (install.exitValue() != 0 || lines.isEmpty()) {
            throw new IllegalStateException("installing moto with " + script + " failed (exit " + install.exitValue()
                    + "; python3 and access to PyPI are needed; set ECRGATE_SKIP_MOTO=1 to skip these tests); "
                    + tail(installLog));
        }
        Path motoServer = Path.of(lines.get(lines.size() - 1).trim());
        if (!Files.isExecutable(motoServer)) {
            throw new IllegalStateException("moto.sh did not print an executable moto_server; " + tail(installLog));
        }
        return motoServer;
    }

    private void awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        HttpRequest probe = HttpRequest.newBuilder(endpoint.resolve("/moto-api/data.json"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("moto_server exited with " + process.exitValue() + "; " + tail(log));
            }
            try {
                if (http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("moto_server did not answer GET /moto-api/data.json within " + READY_TIMEOUT
                + "; " + tail(log));
    }

    /** Where clients send requests: {@code http://127.0.0.1:PORT}. */
    public URI endpoint() {
        return endpoint;
    }

    /** The client that the helpers use: region {@value #REGION}, default retries, CRT HTTP client. */
    public EcrAsyncClient client() {
        return ecr;
    }

    /** Forgets every resource of every service ({@code POST /moto-api/reset}). */
    public void reset() {
        post("/moto-api/reset", "");
    }

    // ---- state through the real API ----------------------------------------------------------------------------

    /**
     * Creates a repository; exclusion filters become {@code WILDCARD} filters. moto insists on filters exactly with
     * the {@code *_WITH_EXCLUSION} modes (an empty list with {@code MUTABLE} is an InvalidParameterException), so
     * none are sent when there are none.
     */
    public Repository createRepository(String name, String mutability, String... exclusionFilters) {
        List<ImageTagMutabilityExclusionFilter> filters = Stream.of(exclusionFilters)
                .map(f -> ImageTagMutabilityExclusionFilter.builder().filterType("WILDCARD").filter(f).build())
                .toList();
        return ecr.createRepository(r -> {
            r.repositoryName(name).imageTagMutability(mutability);
            if (!filters.isEmpty()) {
                r.imageTagMutabilityExclusionFilters(filters);
            }
        }).join().repository();
    }

    /**
     * Puts an image with the given digest (moto takes it as it is, it does not hash the manifest when a digest is
     * given) and tag, and a Docker v2 manifest unique to the digest (moto treats an identical manifest as the same
     * image). Answers the digest.
     */
    public String putImage(String repository, String digest, String tag) {
        return ecr.putImage(r -> r.repositoryName(repository).imageDigest(digest).imageTag(tag)
                        .imageManifestMediaType(MANIFEST_MEDIA_TYPE).imageManifest(manifest(digest)))
                .join().image().imageId().imageDigest();
    }

    /**
     * Puts an image index (or any manifest) as {@code docker buildx} pushes it: the manifest as given, with its
     * media type, under {@code digest}, tagged when {@code tag} is not null. moto stores the manifest and answers it
     * from BatchGetImage (ignoring acceptedMediaTypes), and DescribeImages reports the media type.
     */
    public String putManifest(String repository, String digest, String tag, String mediaType, String manifest) {
        return ecr.putImage(r -> {
            r.repositoryName(repository).imageDigest(digest).imageManifestMediaType(mediaType)
                    .imageManifest(manifest);
            if (tag != null) {
                r.imageTag(tag);
            }
        }).join().image().imageId().imageDigest();
    }

    /** A Docker v2 manifest unique to {@code digest}, as {@link #putImage} stores. */
    public static String singleManifest(String digest) {
        return manifest(digest);
    }

    /** Starts the (only) scan of the day for an image, after which DescribeImageScanFindings answers. */
    public void startImageScan(String repository, String digest) {
        ecr.startImageScan(r -> r.repositoryName(repository).imageId(i -> i.imageDigest(digest))).join();
    }

    /**
     * A full DescribeImageScanFindings response for an image asked by digest, as {@link #loadScanFindings} wants it;
     * the findings are rendered as {@link EcrDouble} renders them.
     */
    public static ObjectNode scanFindingsResult(String repository, String digest, String status, Instant completedAt,
                                                List<BasicFinding> findings, List<EnhancedFinding> enhanced) {
        ObjectNode result = JSON.createObjectNode();
        result.put("registryId", ACCOUNT);
        result.put("repositoryName", repository);
        result.putObject("imageId").put("imageDigest", digest);
        result.putObject("imageScanStatus").put("status", status)
                .put("description", status.equals("COMPLETE") ? "The scan was completed successfully." : status);
        result.set("imageScanFindings", EcrDouble.imageScanFindings(ACCOUNT, REGION, digest, completedAt, findings,
                enhanced));
        return result;
    }

    /** Loads custom DescribeImageScanFindings results for account {@link #ACCOUNT} and region {@value #REGION}. */
    public void loadScanFindings(JsonNode... results) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode array = body.putArray("results");
        for (JsonNode result : results) {
            if (result.has("nextToken")) {
                throw new IllegalArgumentException("a custom scan result with nextToken makes paginators loop");
            }
            array.add(result);
        }
        body.put("region", REGION);
        body.put("account_id", ACCOUNT);
        post("/moto-api/static/ecr/scan-finding-results", body.toString());
    }

    /** Loads one custom result for an image asked by digest; see the class comment for how moto consumes it. */
    public void scanFindings(String repository, String digest, String status, Instant completedAt,
                             List<BasicFinding> findings, List<EnhancedFinding> enhanced) {
        loadScanFindings(scanFindingsResult(repository, digest, status, completedAt, findings, enhanced));
    }

    /** Stops moto and any process it started. */
    @Override
    public void close() {
        ecr.close();
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    // ---- plumbing ----------------------------------------------------------------------------------------------

    private void post(String path, String json) {
        HttpRequest request = HttpRequest.newBuilder(endpoint.resolve(path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
        try {
            HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() / 100 != 2) {
                throw new IllegalStateException("POST " + path + " answered " + answer.statusCode() + ": "
                        + answer.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("POST " + path + " to moto failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** A Docker v2 manifest whose config and layer digests derive from {@code digest}. */
    static String manifest(String digest) {
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", MANIFEST_MEDIA_TYPE);
        manifest.putObject("config").put("mediaType", "application/vnd.docker.container.image.v1+json")
                .put("size", 1469).put("digest", sha256("config " + digest));
        manifest.putArray("layers").addObject().put("mediaType", "application/vnd.docker.image.rootfs.diff.tar.gzip")
                .put("size", 3_370_706).put("digest", sha256("layer " + digest));
        return manifest.toString();
    }

    private static String sha256(String text) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return "last lines of " + file + ":\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 30),
                    lines.size()));
        } catch (IOException e) {
            return "no log at " + file;
        }
    }
}
