package dev.ecrgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ecrgate.certs.KeyStores;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile and odd input over the wire: each gets a bounded answer, and the server keeps serving.
 */
class HostileInputIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static RunningWebhook server;
    static Webhook webhook;
    static HttpClient client;
    static SSLContext ssl;

    @BeforeAll
    static void start() throws Exception {
        server = RunningWebhook.start(RunningWebhook.examples().build(), Clock.systemUTC());
        webhook = server.webhook();
        client = server.client();
        ssl = server.ssl();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static ObjectNode example(String name) throws Exception {
        return (ObjectNode) JSON.readTree(TlsFixtures.ROOT.resolve("examples/requests/" + name).toFile());
    }

    static HttpResponse<String> post(byte[] body) throws Exception {
        return server.post(body);
    }

    static void stillServing() throws Exception {
        assertEquals(200, TlsFixtures.validate(client, webhook.port(), "allow-pod.json").statusCode());
    }

    @Test
    void answersAReviewWithThousandsOfContainersWithACappedMessage() throws Exception {
        ObjectNode review = example("deny-pod.json");
        ArrayNode containers = (ArrayNode) review.path("request").path("object").path("spec").path("containers");
        JsonNode model = containers.get(1);
        for (int i = 0; i < 5000; i++) {
            ObjectNode c = model.deepCopy();
            c.put("name", "proxy-" + i).put("image", "nginx:" + (i % 2 == 0 ? "latest" : "1." + i));
            containers.add(c);
        }
        long start = System.nanoTime();
        HttpResponse<String> r = post(JSON.writeValueAsBytes(review));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertEquals(200, r.statusCode());
        JsonNode response = JSON.readTree(r.body()).path("response");
        assertTrue(!response.path("allowed").asBoolean(true));
        String message = response.path("status").path("message").asText();
        assertTrue(message.length() <= 3500, "message length " + message.length());
        assertTrue(message.contains("more violations"), message);
        assertTrue(response.path("warnings").size() <= 20);
        assertTrue(took.toSeconds() < 10, "answered in " + took);
        stillServing();
    }

    @Test
    void answersUnicodeAndControlCharactersInNamesWithoutBreakingTheMessage() throws Exception {
        ObjectNode review = example("deny-pod.json");
        ObjectNode c = (ObjectNode) review.path("request").path("object").path("spec").path("containers").get(1);
        c.put("name", "прокси-代理-🚀").put("image", "nginx:latest\n  - [baseline] forged: line");
        HttpResponse<String> r = post(JSON.writeValueAsBytes(review));
        assertEquals(200, r.statusCode());
        String message = JSON.readTree(r.body()).path("response").path("status").path("message").asText();
        assertTrue(message.contains("прокси-代理-🚀"), message);
        assertTrue(!message.contains("\n  - [baseline] forged: line"), message);
        stillServing();
    }

    @Test
    void refusesNumbersPastTheParserLimit() throws Exception {
        String review = new String(JSON.writeValueAsBytes(example("allow-pod.json")), StandardCharsets.UTF_8)
                .replace("\"replicas\"", "\"x\"").replaceFirst("\"priority\":0", "\"priority\":" + "9".repeat(5000));
        assertEquals(400, post(review.getBytes(StandardCharsets.UTF_8)).statusCode());
        stillServing();
    }

    @Test
    void answersPipelinedRequestsInOrder() throws Exception {
        byte[] body = Files.readAllBytes(TlsFixtures.ROOT.resolve("examples/requests/allow-pod.json"));
        String head = "POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n";
        try (SSLSocket socket = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", webhook.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            for (int i = 0; i < 3; i++) {
                out.write(head.getBytes(StandardCharsets.US_ASCII));
                out.write(body);
            }
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder seen = new StringBuilder();
            byte[] buf = new byte[8192];
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (count(seen, "HTTP/1.1 200") < 3 && System.nanoTime() < deadline) {
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
            assertEquals(3, count(seen, "HTTP/1.1 200"), seen.toString());
        }
    }

    @Test
    void negotiatesHttp11WithAnHttp2Client() throws Exception {
        HttpClient h2 = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_2).build();
        HttpResponse<String> r = TlsFixtures.validate(h2, webhook.port(), "allow-pod.json");
        assertEquals(200, r.statusCode());
    }

    @Test
    void closesASlowlorisConnectionAndKeepsServingOthers() throws Exception {
        try (SSLSocket slow = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", webhook.port())) {
            slow.setSoTimeout(20_000);
            slow.startHandshake();
            OutputStream out = slow.getOutputStream();
            out.write("POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.write("Content-Length: 100000\r\n\r\n{\"a\":".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            stillServing();
            // the body never comes: the server answers or closes within its request timeout
            long start = System.nanoTime();
            int read = slow.getInputStream().read();
            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(waited.toSeconds() <= 15, "the slow request was cut after " + waited + " (read " + read + ")");
        }
        stillServing();
    }

    @Test
    void keepsServingWithManyIdleConnectionsOpen() throws Exception {
        List<SSLSocket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 300; i++) {
                SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", webhook.port());
                s.startHandshake();
                idle.add(s);
            }
            stillServing();
        } finally {
            for (SSLSocket s : idle) {
                s.close();
            }
        }
    }

    private static int count(CharSequence text, String what) {
        int n = 0;
        for (int i = text.toString().indexOf(what); i >= 0; i = text.toString().indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
