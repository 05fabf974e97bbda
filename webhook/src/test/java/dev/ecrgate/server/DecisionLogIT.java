package dev.ecrgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ecrgate.certs.KeyStores;
import dev.ecrgate.certs.PemFiles;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ecrgate serve --log-level} and {@code --log-format} in a process of their own, as a pod runs it: slf4j-simple
 * takes its level once, from the first logger made, so only a fresh JVM shows whether {@code serve} sets it early
 * enough.
 */
class DecisionLogIT {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ALLOW_UID = "7c7f3b0e-5a3e-4a2e-9a55-2f0d3c6a1b01";

    @TempDir
    Path tmp;

    /**
     * Runs {@code serve} with the example policies and findings, sends the three examples, stops it; its stderr.
     * A free port found beforehand may be taken by the time {@code serve} binds it: then once more.
     */
    List<String> serve(Map<String, String> env, String... options) throws Exception {
        return serve(env, (client, port) -> { }, options);
    }

    /** More requests, sent after the three examples to the running server. */
    interface Requests {
        void send(HttpClient client, int port) throws Exception;
    }

    List<String> serve(Map<String, String> env, Requests more, String... options) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return serveOnce(env, more, options);
            } catch (PortTaken e) {
                if (attempt == 3) {
                    throw new AssertionError(e.getMessage());
                }
            }
        }
    }

    static final class PortTaken extends Exception {
        private static final long serialVersionUID = 1L;

        PortTaken(String message) {
            super(message);
        }
    }

    List<String> serveOnce(Map<String, String> env, Requests more, String... options) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path ca = tmp.resolve("ca.pem");
        Path err = tmp.resolve("stderr.log");
        List<String> command = new ArrayList<>(List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.ecrgate.cli.Main", "serve",
                "--host", "127.0.0.1", "--port", String.valueOf(port),
                "--policies", ROOT.resolve("policies").toString(),
                "--findings", ROOT.resolve("examples/findings").toString(),
                "--write-ca", ca.toString(), "--drain", "0s"));
        command.addAll(List.of(options));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(false)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("ECRGATE_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            HttpClient client = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            URI readyz = URI.create("https://127.0.0.1:" + port + "/readyz");
            while (true) {
                if (!p.isAlive()) {
                    if (read(err).contains("Address already in use")) {
                        throw new PortTaken(read(err));
                    }
                    throw new AssertionError("serve exited: " + read(err));
                }
                assertTrue(System.nanoTime() < deadline, () -> "not ready within 60 s: " + read(err));
                try {
                    if (client == null && Files.size(ca) > 0) {
                        client = client(ca);
                    }
                    if (client != null && client.send(HttpRequest.newBuilder(readyz).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        break;
                    }
                } catch (java.io.IOException notYet) {
                    // the CA file or the port is not there yet
                }
                Thread.sleep(100);
            }
            for (String example : List.of("allow-pod.json", "warn-deployment.json", "deny-pod.json")) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                                URI.create("https://127.0.0.1:" + port + "/validate"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofFile(ROOT.resolve("examples/requests/" + example)))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
            }
            more.send(client, port);
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        return Files.readAllLines(err);
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    static HttpClient client(Path caPem) throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(KeyStores.trustStore(PemFiles.readCertificates(caPem).get(0)));
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(2)).build();
    }

    static List<String> decisions(List<String> log) {
        return log.stream().filter(l -> l.contains(" ecrgate.decision - ")).toList();
    }

    @Test
    void debugFromTheEnvironmentLogsEveryDecisionAsText() throws Exception {
        List<String> log = serve(Map.of("ECRGATE_LOG_LEVEL", "debug"), "--log-format", "text");
        List<String> decisions = decisions(log);
        assertEquals(3, decisions.size(), String.join("\n", log));
        assertTrue(decisions.stream().anyMatch(l -> l.contains("DEBUG ecrgate.decision - decision=allowed uid="
                + ALLOW_UID + " ns=")), String.join("\n", decisions));
        assertTrue(decisions.stream().anyMatch(l -> l.contains("WARN ecrgate.decision - decision=denied ")
                && l.contains(" violations=") && l.contains("baseline/tags.deny")), String.join("\n", decisions));
        assertTrue(log.stream().anyMatch(l -> l.contains(" INFO dev.ecrgate.server.Webhook - ")), "info shows too");
    }

    @Test
    void warnLeavesOnlyDenialsAsJsonLines() throws Exception {
        List<String> log = serve(Map.of(), "--log-level", "warn");
        assertFalse(log.stream().anyMatch(l -> l.contains(" INFO ") || l.contains(" DEBUG ")),
                String.join("\n", log));
        List<String> decisions = decisions(log);
        assertEquals(1, decisions.size(), String.join("\n", log));
        String line = decisions.get(0);
        JsonNode j = JSON.readTree(line.substring(line.indexOf(" - ") + 3));
        assertEquals("denied", j.path("decision").asText());
        assertEquals("Pod", j.path("kind").asText());
        assertTrue(j.path("latencyMs").asDouble() > 0, line);
        assertTrue(j.has("user"), line);
    }

    @Test
    void formsAndUploadsOfAnySizeGet415AsJsonAndLeaveNoStackTrace() throws Exception {
        String field = "a=" + "x".repeat(20_000);
        String boundary = "ecrgate-boundary";
        String multipart = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.json\"\r\n"
                + "Content-Type: application/json\r\n\r\n" + "{}".repeat(10_000) + "\r\n--" + boundary + "--\r\n";
        List<String> log = serve(Map.of(), (client, port) -> {
            for (int i = 0; i < 5; i++) {
                for (String[] request : List.of(
                        new String[] {"application/x-www-form-urlencoded", field},
                        new String[] {"application/x-www-form-urlencoded", "a=b"},
                        new String[] {"multipart/form-data; boundary=" + boundary, multipart},
                        new String[] {"text/plain", "{}"})) {
                    HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                                    URI.create("https://127.0.0.1:" + port + "/validate"))
                            .header("Content-Type", request[0])
                            .POST(HttpRequest.BodyPublishers.ofString(request[1])).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertEquals(415, r.statusCode(), request[0] + ": " + r.body());
                    assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
                    assertEquals("content type must be application/json, got " + request[0],
                            JSON.readTree(r.body()).path("error").asText(), r.body());
                }
            }
        });
        assertFalse(log.stream().anyMatch(l -> l.contains("Exception") || l.startsWith("\tat ")),
                String.join("\n", log));
        assertFalse(log.stream().anyMatch(l -> l.contains("content type")), String.join("\n", log));
    }

    @Test
    void aServerLogsNoWarningOnItsFirstRequests() throws Exception {
        List<String> log = serve(Map.of());
        assertFalse(log.stream().anyMatch(l -> l.contains(" WARN ") && !l.contains(" ecrgate.decision - ")),
                String.join("\n", log));
    }
}
