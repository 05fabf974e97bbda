package dev.ecrgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ecrgate.certs.KeyStores;
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
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ecrgate over real HTTPS, with a CA it generated, the shipped example policies and recorded findings, and
 * AdmissionReviews shaped as kube-apiserver sends them.
 */
class WebhookIT {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static Path policies;
    static RunningWebhook server;
    static Webhook webhook;
    static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        policies = RunningWebhook.copyOfPolicies(tmp);
        server = RunningWebhook.start(RunningWebhook.examples(policies).reloadInterval(Duration.ofMillis(200))
                .build(), CLOCK);
        webhook = server.webhook();
        client = server.client();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static HttpResponse<String> post(byte[] body, String contentType) throws IOException, InterruptedException {
        return server.post(body, contentType);
    }

    static URI url(String path) {
        return server.url(path);
    }

    static JsonNode review(String example) throws IOException, InterruptedException {
        HttpResponse<String> r = server.post(RunningWebhook.example(example));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode out = JSON.readTree(r.body());
        assertEquals("admission.k8s.io/v1", out.path("apiVersion").asText());
        assertEquals("AdmissionReview", out.path("kind").asText());
        JsonNode request = JSON.readTree(ROOT.resolve("examples/requests/" + example).toFile()).path("request");
        assertEquals(request.path("uid").asText(), out.path("response").path("uid").asText());
        return out.path("response");
    }

    @Test
    void allowsACleanImageWithoutWarnings() throws Exception {
        JsonNode r = review("allow-pod.json");
        assertTrue(r.path("allowed").asBoolean(), r::toString);
        assertTrue(r.path("warnings").isMissingNode(), r::toString);
        assertEquals("allowed", r.path("auditAnnotations").path("decision").asText());
    }

    @Test
    void allowsAWarnOnlyViolationWithAWarning() throws Exception {
        JsonNode r = review("warn-deployment.json");
        assertTrue(r.path("allowed").asBoolean(), r::toString);
        assertEquals(1, r.path("warnings").size(), r::toString);
        String w = r.path("warnings").get(0).asText();
        assertTrue(w.startsWith("[medium-findings-rollout] container \"worker\": too many vulnerabilities: HIGH 2"), w);
        assertTrue(w.length() <= 120, w);
    }

    @Test
    void deniesWithAMessageADeveloperCanActOn() throws Exception {
        JsonNode r = review("deny-pod.json");
        assertFalse(r.path("allowed").asBoolean(), r::toString);
        assertEquals(403, r.path("status").path("code").asInt());
        assertEquals("Forbidden", r.path("status").path("reason").asText());
        String m = r.path("status").path("message").asText();
        assertTrue(m.startsWith("Pod \"web\" in namespace \"team-blue\": 2 containers break image policy"), m);
        assertTrue(m.contains("CVE-2024-6387 CRITICAL openssh-server 1:9.2p1-2+deb12u2, fixed in 1:9.2p1-2+deb12u3"), m);
        assertEquals("denied", r.path("auditAnnotations").path("decision").asText());
        assertEquals(2, r.path("warnings").size(), r::toString);
    }

    /** The README shows each example's answer: it must be exactly what the server says. */
    @Test
    void answersExactlyAsTheReadmeShows() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        for (String example : new String[] {"allow-pod.json", "warn-deployment.json"}) {
            String block = consoleOutputAfter(readme, "@examples/requests/" + example);
            assertEquals(JSON.readTree(block), review(example), example);
        }
        String message = consoleOutputAfter(readme, "@examples/requests/deny-pod.json");
        assertEquals(message.strip(), review("deny-pod.json").path("status").path("message").asText());
    }

    /** The output lines of the README console block whose command mentions {@code marker}. */
    static String consoleOutputAfter(String readme, String marker) {
        int command = readme.indexOf(marker);
        assertTrue(command > 0, "README shows " + marker);
        int start = readme.indexOf('\n', command) + 1;
        int end = readme.indexOf("\n```", start);
        return readme.substring(start, end + 1);
    }

    @Test
    void scalingAWorkloadWhoseImageBecameVulnerableOnlyWarns() throws Exception {
        JsonNode r = review("update-scale-deployment.json");
        assertTrue(r.path("allowed").asBoolean(), r::toString);
        assertTrue(r.path("warnings").toString().contains("(already deployed)"), r::toString);
    }

    @Test
    void checksAnEphemeralContainerThatKubectlDebugAdds() throws Exception {
        ObjectNode review = (ObjectNode) JSON.readTree(ROOT.resolve("examples/requests/allow-pod.json").toFile());
        ObjectNode request = (ObjectNode) review.path("request");
        JsonNode before = request.path("object").deepCopy();
        ObjectNode spec = (ObjectNode) request.path("object").path("spec");
        spec.putArray("ephemeralContainers").addObject().put("name", "debugger-x7k2q").put("image", "busybox")
                .put("terminationMessagePolicy", "File").put("imagePullPolicy", "Always");
        request.put("operation", "UPDATE").put("subResource", "ephemeralcontainers").set("oldObject", before);
        request.put("requestSubResource", "ephemeralcontainers");
        request.putObject("options").put("kind", "UpdateOptions").put("apiVersion", "meta.k8s.io/v1");
        HttpResponse<String> r = post(JSON.writeValueAsBytes(review), "application/json");
        JsonNode response = JSON.readTree(r.body()).path("response");
        assertFalse(response.path("allowed").asBoolean(true), r.body());
        String m = response.path("status").path("message").asText();
        assertTrue(m.contains("ephemeral container \"debugger-x7k2q\" image busybox"), m);
        assertTrue(m.contains("[baseline] tags.deny: the image has no tag, which means :latest"), m);
        assertFalse(m.contains("container \"api\""), "the pod's own containers ran before: " + m);
    }

    @Test
    void decidesADryRunExactlyLikeARealRequest() throws Exception {
        ObjectNode review = (ObjectNode) JSON.readTree(ROOT.resolve("examples/requests/deny-pod.json").toFile());
        ((ObjectNode) review.path("request")).put("dryRun", true);
        HttpResponse<String> r = post(JSON.writeValueAsBytes(review), "application/json");
        assertFalse(JSON.readTree(r.body()).path("response").path("allowed").asBoolean(true));
    }

    @Test
    void answersHealthAndReadiness() throws Exception {
        for (String path : new String[] {"/healthz", "/readyz"}) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(url(path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), path);
        }
    }

    @Test
    void refusesWhatIsNotAnAdmissionReviewWithA400() throws Exception {
        String[][] cases = {
                {"{not json", "not a valid AdmissionReview"},
                {"[]", "unexpected JSON value at the top level"},
                {"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":[1]}",
                        "unexpected JSON value at request"},
                {"{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"x\"}}",
                        "unsupported apiVersion"},
                {"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}", "has no request"},
                {"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{}}", "no uid"},
                {"{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}", "expected kind AdmissionReview"},
                {"{\"apiVersion\":\"admission.k8s.io/v1\",\"apiVersion\":\"x\"}", "Duplicate field"},
                {"{\"kind\":\"AdmissionReview\",\"x\":" + "{\"a\":".repeat(5000) + "1" + "}".repeat(5001),
                        "nesting depth"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = post(c[0].getBytes(), "application/json");
            assertEquals(400, r.statusCode(), c[0].length() > 80 ? c[0].substring(0, 80) : c[0]);
            String error = JSON.readTree(r.body()).path("error").asText();
            assertTrue(error.contains(c[1]), error);
            assertEquals(1, r.body().lines().count());
        }
        assertEquals(200, client.send(HttpRequest.newBuilder(url("/healthz")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void refusesOversizedBodiesAndOtherContentTypes() throws Exception {
        assertEquals(413, post(new byte[(int) ServeConfig.DEFAULT_MAX_BODY_BYTES + 1], "application/json")
                .statusCode());
        assertEquals(415, post("{}".getBytes(), "text/plain").statusCode());
    }

    @Test
    void acceptsTheLargestObjectsTheApiServerSends() throws Exception {
        ObjectNode review = (ObjectNode) JSON.readTree(ROOT.resolve("examples/requests/allow-pod.json").toFile());
        ObjectNode annotations = (ObjectNode) review.path("request").path("object").path("metadata")
                .path("annotations");
        annotations.put("example.com/big", "x".repeat(3 * 1024 * 1024 - 64 * 1024));
        ((ObjectNode) review.path("request")).set("oldObject", review.path("request").path("object").deepCopy());
        ((ObjectNode) review.path("request")).put("operation", "UPDATE");
        HttpResponse<String> r = post(JSON.writeValueAsBytes(review), "application/json");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(JSON.readTree(r.body()).path("response").path("allowed").asBoolean());
    }

    @Test
    void reloadsChangedPoliciesAndKeepsTheLastGoodSetOnABadEdit() throws Exception {
        Path extra = policies.resolve("90-no-nginx.yaml");
        try {
            Files.writeString(extra, "apiVersion: ecrgate.dev/v1\nkind: ImagePolicy\nmetadata:\n  name: no-proxy\n"
                    + "spec:\n  namespaces: [team-blue]\n  tags:\n    requireDigest: true\n");
            awaitPolicies(5);
            JsonNode r = review("allow-pod.json");
            assertFalse(r.path("allowed").asBoolean(), r::toString);
            Files.writeString(extra, "apiVersion: ecrgate.dev/v1\nkind: ImagePolicy\nmetadata: {name: broken}\n"
                    + "spec: {mode: sometimes}\n");
            Thread.sleep(1000);
            assertEquals(5, webhook.policies().policies().size(), "the last good set stays in force");
            assertFalse(review("allow-pod.json").path("allowed").asBoolean());
        } finally {
            Files.deleteIfExists(extra);
            awaitPolicies(4);
        }
        assertTrue(review("allow-pod.json").path("allowed").asBoolean());
    }

    private static void awaitPolicies(int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (webhook.policies().policies().size() != n && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(n, webhook.policies().policies().size());
    }
}
