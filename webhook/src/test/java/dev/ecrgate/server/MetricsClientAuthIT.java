package dev.ecrgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ecrgate.certs.CaSpec;
import dev.ecrgate.certs.CertificateAuthority;
import dev.ecrgate.certs.PemFiles;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With {@code --client-ca}, Prometheus scrapes {@code /metrics} without a client certificate. */
class MetricsClientAuthIT {
    @TempDir
    Path dir;

    @Test
    void metricsNeedNoClientCertificateWhileValidateDoes() throws Exception {
        Path clientCa = dir.resolve("client-ca.crt");
        Files.writeString(clientCa, PemFiles.toPem(CertificateAuthority.generate(
                CaSpec.defaults().withCommonName("API server clients"), Instant.now()).certificate()));
        try (RunningWebhook webhook = RunningWebhook.start(RunningWebhook.examples().clientCa(clientCa).build(),
                Clock.systemUTC())) {
            assertEquals(401, webhook.post(RunningWebhook.example("allow-pod.json")).statusCode());
            HttpResponse<String> r = webhook.get("/metrics");
            assertEquals(200, r.statusCode());
            MetricsIT.Scrape s = MetricsIT.Scrape.parse(r.body());
            assertTrue(s.find("ecrgate_admission_requests_total").isEmpty(), "a 401 never reaches the admission path");
            assertTrue(s.sum("vertx_http_server_requests_total", "code", "401") >= 1, r.body());
        }
    }
}
