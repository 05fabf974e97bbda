package dev.ecrgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ecrgate.certs.KeyStores;
import dev.ecrgate.findings.ecr.EcrDouble;
import dev.ecrgate.findings.ecr.EcrSettings;
import dev.ecrgate.findings.ecr.RecordedFacts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ecrgate serve} without {@code --findings}: image facts from the ECR API, here our ECR double loaded with
 * the same facts as {@code examples/findings}. The answers must be exactly those of the recorded source, the warm
 * path must make no call, and a hanging ECR must still get an answer before the deadline.
 */
class LiveWebhookIT {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration DEADLINE = Duration.ofMillis(1500);

    static EcrDouble ecr;
    static RunningWebhook server;
    static Webhook webhook;
    static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        ecr = EcrDouble.start();
        RecordedFacts.load(ROOT.resolve("examples/findings"), ecr);
        server = RunningWebhook.live(ecr.endpoint(), DEADLINE,
                Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC));
        webhook = server.webhook();
        client = server.client();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (ecr != null) {
            ecr.close();
        }
    }

    static JsonNode post(byte[] body) throws Exception {
        HttpResponse<String> r = server.post(body);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).path("response");
    }

    static JsonNode review(String example) throws Exception {
        return post(RunningWebhook.example(example));
    }

    @Test
    void answersExactlyAsTheRecordedSourceDoesForTheSameFacts() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        for (String example : new String[] {"allow-pod.json", "warn-deployment.json"}) {
            assertEquals(JSON.readTree(WebhookIT.consoleOutputAfter(readme, "@examples/requests/" + example)),
                    review(example), example);
        }
        assertEquals(WebhookIT.consoleOutputAfter(readme, "@examples/requests/deny-pod.json").strip(),
                review("deny-pod.json").path("status").path("message").asText());

        int calls = ecr.calls().size();
        for (int i = 0; i < 20; i++) {
            review("allow-pod.json");
            review("warn-deployment.json");
            review("deny-pod.json");
        }
        assertEquals(calls, ecr.calls().size(), "the warm path makes no ECR call");
    }

    @Test
    void turnsReadyOnceCredentialsResolve() throws Exception {
        URI readyz = URI.create("https://127.0.0.1:" + webhook.port() + "/readyz");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int status = 0;
        while (status != 200 && System.nanoTime() < deadline) {
            status = client.send(HttpRequest.newBuilder(readyz).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode();
            Thread.sleep(20);
        }
        assertEquals(200, status);
    }

    @Test
    void answersBeforeTheDeadlineWhenEcrHangs() throws Exception {
        ecr.hang(EcrDouble.Operation.DESCRIBE_IMAGES);
        try {
            ObjectNode review = (ObjectNode) JSON.readTree(ROOT.resolve("examples/requests/allow-pod.json").toFile());
            ObjectNode container = (ObjectNode) review.path("request").path("object").path("spec").path("containers")
                    .get(0);
            container.put("image", "111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/api:never-seen");
            long start = System.nanoTime();
            JsonNode r = post(JSON.writeValueAsBytes(review));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertFalse(r.path("allowed").asBoolean(true), r::toString);
            String m = r.path("status").path("message").asText();
            assertTrue(m.contains("onLookupFailure: could not read the scan of this image from ECR: no answer within"
                    + " the 1500 ms deadline"), m);
            assertTrue(m.contains("next: retry in a moment"), m);
            assertTrue(took.compareTo(DEADLINE.plusSeconds(2)) < 0, "answered in " + took);
        } finally {
            ecr.release();
        }
    }
}
