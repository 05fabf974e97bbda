package dev.ecrgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ecrgate.certs.KeyStores;
import dev.ecrgate.findings.ecr.EcrSettings;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /metrics} of a webhook started as {@code WebhookIT} starts it (generated CA, the shipped policies,
 * {@code examples/findings}), scraped over HTTPS after the three example reviews, parsed as the Prometheus text
 * format.
 */
class MetricsIT {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);
    static final int ROUNDS = 3;

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
        for (int i = 0; i < ROUNDS; i++) {
            for (String example : List.of("allow-pod.json", "warn-deployment.json", "deny-pod.json")) {
                assertEquals(200, server.post(RunningWebhook.example(example)).statusCode());
            }
        }
        assertEquals(400, server.post("{\"kind\":\"AdmissionReview\"}".getBytes()).statusCode());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static Scrape scrape(RunningWebhook server) throws Exception {
        HttpResponse<String> r = server.get("/metrics");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"),
                r.headers().toString());
        return Scrape.parse(r.body());
    }

    static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(50);
        }
    }

    /** One sample of the text format: a name, its labels and a value. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    /** A parsed scrape: every sample, and the declared type of each family. */
    record Scrape(List<Sample> samples, Map<String, String> types, String text) {
        private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)");
        private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

        static Scrape parse(String text) {
            List<Sample> samples = new ArrayList<>();
            Map<String, String> types = new LinkedHashMap<>();
            for (String line : text.split("\n")) {
                if (line.startsWith("# TYPE ")) {
                    String[] parts = line.split(" ");
                    types.put(parts[2], parts[3]);
                } else if (!line.isBlank() && !line.startsWith("#")) {
                    Matcher m = SAMPLE.matcher(line);
                    assertTrue(m.matches(), "not a sample line: " + line);
                    Map<String, String> labels = new LinkedHashMap<>();
                    if (m.group(2) != null) {
                        Matcher l = LABEL.matcher(m.group(2));
                        int end = 0;
                        while (l.find() && l.start() == end) {
                            labels.put(l.group(1), l.group(2).replace("\\\"", "\"").replace("\\n", "\n")
                                    .replace("\\\\", "\\"));
                            end = l.end();
                        }
                        assertEquals(m.group(2).length(), end, "bad labels: " + line);
                    }
                    samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
                }
            }
            return new Scrape(samples, types, text);
        }

        /** The samples of {@code name} whose labels include {@code labels} (key, value, key, value...). */
        List<Sample> find(String name, String... labels) {
            return samples.stream().filter(s -> s.name().equals(name)).filter(s -> {
                for (int i = 0; i < labels.length; i += 2) {
                    if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
                        return false;
                    }
                }
                return true;
            }).toList();
        }

        /** The sum of the matching samples; fails when there is none. */
        double sum(String name, String... labels) {
            List<Sample> found = find(name, labels);
            assertTrue(!found.isEmpty(), "no sample " + name + " " + List.of(labels) + " in:\n" + text);
            return found.stream().mapToDouble(Sample::value).sum();
        }
    }

    @Test
    void countsRequestsByDecisionKindAndOperation() throws Exception {
        Scrape s = scrape(server);
        assertEquals("counter", s.types().get("ecrgate_admission_requests_total"));
        assertEquals(ROUNDS, s.sum("ecrgate_admission_requests_total", "decision", "allowed", "kind", "Pod",
                "operation", "CREATE"));
        assertEquals(ROUNDS, s.sum("ecrgate_admission_requests_total", "decision", "warned", "kind", "Deployment"));
        assertEquals(ROUNDS, s.sum("ecrgate_admission_requests_total", "decision", "denied", "kind", "Pod"));
        assertEquals(1, s.sum("ecrgate_admission_requests_total", "decision", "error"));
        assertEquals(3 * ROUNDS + 1, s.sum("ecrgate_admission_requests_total"));
    }

    @Test
    void hasTheDecisionLatencyAsAHistogramFromATenthOfAMillisecondToTenSeconds() throws Exception {
        Scrape s = scrape(server);
        assertEquals("histogram", s.types().get("ecrgate_admission_duration_seconds"));
        assertEquals(3 * ROUNDS + 1, s.sum("ecrgate_admission_duration_seconds_count"));
        assertTrue(s.sum("ecrgate_admission_duration_seconds_sum") > 0);
        assertEquals(3 * ROUNDS + 1, s.sum("ecrgate_admission_duration_seconds_bucket", "le", "+Inf"));
        assertEquals(3 * ROUNDS + 1, s.sum("ecrgate_admission_duration_seconds_bucket", "le", "10.0"));
        assertEquals(1, s.find("ecrgate_admission_duration_seconds_bucket", "le", "1.0E-4").size(), s.text());
        assertTrue(s.find("ecrgate_admission_duration_seconds_bucket").size() >= 16);
    }

    @Test
    void countsEachPolicyByTheEffectItHadAndEachViolationByRule() throws Exception {
        Scrape s = scrape(server);
        // the warn-only rollout policy warns about the Deployment and about the denied pod's image
        assertEquals(2 * ROUNDS, s.sum("ecrgate_policy_decisions_total", "policy", "medium-findings-rollout",
                "effect", "warn"));
        assertEquals(ROUNDS, s.sum("ecrgate_policy_decisions_total", "policy", "team-namespaces", "effect", "deny"));
        assertEquals(2 * ROUNDS, s.sum("ecrgate_policy_decisions_total", "policy", "team-namespaces",
                "effect", "allow"));
        assertEquals(ROUNDS, s.sum("ecrgate_violations_total", "policy", "baseline", "rule", "tags.deny",
                "effect", "deny"));
        assertEquals(2 * ROUNDS, s.sum("ecrgate_violations_total", "policy", "medium-findings-rollout",
                "rule", "vulnerabilities.maxCounts", "effect", "warn"));
        for (Sample sample : s.find("ecrgate_violations_total")) {
            assertTrue(webhook.policies().policies().stream().anyMatch(p -> p.name().equals(
                    sample.labels().get("policy"))) || sample.labels().get("policy").equals("ecrgate"), sample::toString);
        }
        assertEquals(0, s.sum("ecrgate_admission_lookup_deadline_exceeded_total"));
    }

    @Test
    void labelsNeverCarryImagesNamespacesOrNames() throws Exception {
        Scrape s = scrape(server);
        for (Sample sample : s.samples()) {
            for (String value : sample.labels().values()) {
                assertTrue(!value.contains("team-blue") && !value.contains("amazonaws") && !value.contains("nginx")
                        && !value.equals("web"), sample::toString);
            }
        }
    }

    @Test
    void hasTheTimeOfTheLastGoodLoadAndCountsReloadsByResult() throws Exception {
        Scrape before = scrape(server);
        double loadedAt = before.sum("ecrgate_reload_last_success_timestamp_seconds", "what", "policies");
        assertTrue(loadedAt > Instant.parse("2025-01-01T00:00:00Z").getEpochSecond(), "" + loadedAt);
        assertTrue(before.sum("ecrgate_reload_last_success_timestamp_seconds", "what", "findings") > 0);
        assertEquals(0, before.sum("ecrgate_reloads_total", "what", "policies", "result", "failure"));
        assertEquals(webhook.policies().policies().size(), before.sum("ecrgate_policies"));

        Path broken = policies.resolve("zz-broken.yaml");
        Files.writeString(broken, "apiVersion: ecrgate.dev/v1\nkind: ImagePolicy\nspec: [\n");
        eventually(() -> value("ecrgate_reloads_total", "what", "policies", "result", "failure") == 1,
                "a failed reload is counted");
        Files.delete(broken);
        eventually(() -> value("ecrgate_reloads_total", "what", "policies", "result", "success") >= 1,
                "a good reload is counted");
        assertTrue(value("ecrgate_reload_last_success_timestamp_seconds", "what", "policies") >= loadedAt);
        assertTrue(value("ecrgate_reload_last_failure_timestamp_seconds", "what", "policies") >= loadedAt);
        assertEquals(0, value("ecrgate_reload_last_failure_timestamp_seconds", "what", "findings"));
    }

    static double value(String name, String... labels) {
        try {
            return scrape(server).sum(name, labels);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void hasTheServingCertificatesExpiryInTheFuture() throws Exception {
        Scrape s = scrape(server);
        double expiry = s.sum("ecrgate_tls_certificate_expiry_timestamp_seconds");
        assertEquals(webhook.servingCertificate().getNotAfter().toInstant().getEpochSecond(), (long) expiry);
        assertTrue(expiry > Instant.now().getEpochSecond());
    }

    @Test
    void hasJvmProcessAndVertxHttpServerMeters() throws Exception {
        Scrape s = scrape(server);
        assertTrue(s.sum("jvm_memory_used_bytes", "area", "heap") > 0);
        assertTrue(s.sum("jvm_threads_live_threads") > 0);
        assertTrue(s.sum("process_uptime_seconds") > 0);
        assertTrue(s.sum("process_files_open_files") > 0);
        assertTrue(s.find("process_cpu_usage").size() == 1);
        assertTrue(s.find("jvm_gc_pause_seconds_count").size() + s.find("jvm_gc_memory_allocated_bytes_total").size()
                > 0, s.text());
        assertTrue(s.find("system_cpu_count").size() == 1);
        assertTrue(s.sum("vertx_http_server_requests_total", "method", "POST", "code", "200") >= 3 * ROUNDS,
                s.text());
    }
}
