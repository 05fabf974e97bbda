package dev.ecrgate.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The requests a class-data-sharing training start ({@code ecrgate serve --exit-when-ready}, which the container
 * image runs with {@code -XX:ArchiveClassesAtExit}) sends itself over HTTPS before it exits, so that the archive also
 * holds the classes of a connection: the server's TLS handshake, Netty's and Vert.x's HTTP handling, the routes and
 * the answer's encoding. Without them the first connection after a start loads those classes from the jar and the
 * JDK's modules. Probes, admission reviews (the built-in warm-up review), a malformed body and a metrics scrape.
 *
 * <p>Only with the CA that {@code serve} generates when no certificate was configured, the way the image trains;
 * with the operator's certificates it sends nothing.
 */
public final class TrainingTraffic {
    /** How many times the built-in review is posted. */
    static final int REVIEWS = 20;

    private TrainingTraffic() {
    }

    /**
     * Sends the training requests to {@code webhook} on 127.0.0.1 and checks each status.
     *
     * @return what was sent, one line per request ({@code GET /readyz -> 200}); empty without a generated CA
     * @throws IllegalStateException when an answer has an unexpected status: the image build fails rather than
     *                               archive a server that does not answer
     */
    public static List<String> send(Webhook webhook) throws IOException, InterruptedException {
        if (webhook.generatedCa().isEmpty()) {
            return List.of();
        }
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .sslContext(trusting(webhook.generatedCa().get())).connectTimeout(Duration.ofSeconds(10)).build();
        String base = "https://127.0.0.1:" + webhook.port();
        List<String> sent = new ArrayList<>();
        sent.add(expect(client, HttpRequest.newBuilder(URI.create(base + "/healthz")).GET(), 200));
        sent.add(expect(client, HttpRequest.newBuilder(URI.create(base + "/readyz")).GET(), 200));
        byte[] review = Warmup.sample();
        for (int i = 0; i < REVIEWS; i++) {
            sent.add(expect(client, post(base, review), 200));
        }
        sent.add(expect(client, post(base, "{\"kind\":".getBytes(java.nio.charset.StandardCharsets.UTF_8)), 400));
        sent.add(expect(client, HttpRequest.newBuilder(URI.create(base + "/metrics")).GET(), 200));
        return sent;
    }

    private static HttpRequest.Builder post(String base, byte[] body) {
        return HttpRequest.newBuilder(URI.create(base + "/validate")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    }

    private static String expect(HttpClient client, HttpRequest.Builder request, int status)
            throws IOException, InterruptedException {
        HttpRequest r = request.timeout(Duration.ofSeconds(30)).build();
        HttpResponse<byte[]> response = client.send(r, HttpResponse.BodyHandlers.ofByteArray());
        String line = r.method() + " " + r.uri().getPath() + " -> " + response.statusCode();
        if (response.statusCode() != status) {
            throw new IllegalStateException("training request " + line + ", expected " + status);
        }
        return line;
    }

    private static SSLContext trusting(X509Certificate ca) {
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("ca", ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot trust the generated CA", e);
        }
    }
}
