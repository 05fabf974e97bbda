package dev.ecrgate.server;

import dev.ecrgate.findings.ecr.EcrSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;

/**
 * The start-up the in-process socket tests share: a {@link Webhook} started with a configuration, TLS that trusts
 * the CA it generated, and an HTTP client over it that posts request bodies. Close it to stop the webhook.
 */
public final class RunningWebhook implements AutoCloseable {
    /** The repository's root: {@code policies/}, {@code examples/}. */
    public static final Path ROOT = TlsFixtures.ROOT;

    private final Webhook webhook;
    private final SSLContext ssl;
    private final HttpClient client;
    private final boolean testCredentials;

    private RunningWebhook(Webhook webhook, SSLContext ssl, boolean testCredentials) {
        this.webhook = webhook;
        this.testCredentials = testCredentials;
        this.ssl = ssl;
        this.client = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** The example policies and recorded findings, on a free port of 127.0.0.1. */
    public static ServeConfig.Builder examples() {
        return examples(ROOT.resolve("policies"));
    }

    /** The policies in {@code policies} and the example recorded findings, on a free port of 127.0.0.1. */
    public static ServeConfig.Builder examples(Path policies) {
        return ServeConfig.builder(policies).findings(ROOT.resolve("examples/findings"));
    }

    /** Starts a webhook with a generated CA, and trusts that CA. */
    public static RunningWebhook start(ServeConfig config, Clock clock) throws Exception {
        return start(config, clock, false);
    }

    /**
     * Starts a webhook over the example policies whose facts come from an ECR API at {@code endpoint} (a double),
     * with test credentials in the AWS SDK's system properties until it is closed.
     */
    public static RunningWebhook live(URI endpoint, Duration deadline, Clock clock) throws Exception {
        return startWithTestCredentials(ServeConfig.builder(ROOT.resolve("policies"))
                .ecr(EcrSettings.defaults().withEndpoint(Optional.of(endpoint)), deadline).build(), clock);
    }

    /** Starts a webhook whose facts come from an ECR double: with test credentials until it is closed. */
    public static RunningWebhook startWithTestCredentials(ServeConfig config, Clock clock) throws Exception {
        System.setProperty("aws.accessKeyId", "AKIDTEST");
        System.setProperty("aws.secretAccessKey", "secret");
        return start(config, clock, true);
    }

    private static RunningWebhook start(ServeConfig config, Clock clock, boolean testCredentials) throws Exception {
        Webhook webhook;
        try {
            webhook = Webhook.start(config, clock);
        } catch (Exception | Error e) {
            clearTestCredentials(testCredentials);
            throw e;
        }
        try {
            return new RunningWebhook(webhook, TlsFixtures.ssl(webhook.generatedCa().orElseThrow(), null),
                    testCredentials);
        } catch (Exception | Error e) {
            webhook.close();
            clearTestCredentials(testCredentials);
            throw e;
        }
    }

    private static void clearTestCredentials(boolean set) {
        if (set) {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
        }
    }

    /** A copy of the example policies in {@code dir}, for a test that changes them while the webhook runs. */
    public static Path copyOfPolicies(Path dir) throws IOException {
        Path policies = dir.resolve("policies");
        Files.createDirectories(policies);
        try (Stream<Path> files = Files.list(ROOT.resolve("policies"))) {
            for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".yaml"))::iterator) {
                Files.copy(p, policies.resolve(p.getFileName()));
            }
        }
        return policies;
    }

    /** The body of {@code examples/requests/NAME}. */
    public static byte[] example(String name) throws IOException {
        return Files.readAllBytes(ROOT.resolve("examples/requests/" + name));
    }

    public Webhook webhook() {
        return webhook;
    }

    public int port() {
        return webhook.port();
    }

    /** TLS that trusts the webhook's CA, for tests that open sockets themselves. */
    public SSLContext ssl() {
        return ssl;
    }

    /** A client that trusts the webhook's CA and presents no certificate. */
    public HttpClient client() {
        return client;
    }

    public URI url(String path) {
        return URI.create("https://127.0.0.1:" + webhook.port() + path);
    }

    /** POSTs {@code body} to {@code /validate?timeout=10s}, with a Content-Type header unless it is null. */
    public HttpResponse<String> post(byte[] body, String contentType) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(url("/validate?timeout=10s"))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** POSTs {@code body} as JSON. */
    public HttpResponse<String> post(byte[] body) throws IOException, InterruptedException {
        return post(body, "application/json");
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(url(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        webhook.close();
        clearTestCredentials(testCredentials);
    }
}
