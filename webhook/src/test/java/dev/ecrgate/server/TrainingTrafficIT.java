package dev.ecrgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ecrgate.certs.CaSpec;
import dev.ecrgate.certs.CertificateAuthority;
import dev.ecrgate.certs.PemFiles;
import dev.ecrgate.certs.ServerCertificateSpec;
import dev.ecrgate.certs.TlsMaterial;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The requests a class-data-sharing training start sends itself, against a real server over HTTPS. */
class TrainingTrafficIT {
    @TempDir
    Path dir;

    @Test
    void aServerWithItsGeneratedCaAnswersEveryTrainingRequest() throws Exception {
        try (RunningWebhook server = RunningWebhook.start(RunningWebhook.examples().build(), Clock.systemUTC())) {
            List<String> expected = new ArrayList<>(List.of("GET /healthz -> 200", "GET /readyz -> 200"));
            expected.addAll(Collections.nCopies(TrainingTraffic.REVIEWS, "POST /validate -> 200"));
            expected.addAll(List.of("POST /validate -> 400", "GET /metrics -> 200"));
            assertEquals(expected, TrainingTraffic.send(server.webhook()));
        }
    }

    @Test
    void aServerThatRefusesTheTrainingRequestsFailsTheTraining() throws Exception {
        // a client CA is configured, so /validate refuses the training client, which presents no certificate
        Path clientCa = dir.resolve("client-ca.crt");
        Files.writeString(clientCa, PemFiles.toPem(CertificateAuthority.generate(CaSpec.defaults(), Instant.now())
                .certificate()));
        try (RunningWebhook server = RunningWebhook.start(RunningWebhook.examples().clientCa(clientCa).build(),
                Clock.systemUTC())) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> TrainingTraffic.send(server.webhook()));
            assertTrue(e.getMessage().startsWith("training request POST /validate -> 4"), e.getMessage());
            assertTrue(e.getMessage().endsWith(", expected 200"), e.getMessage());
        }
    }

    @Test
    void theOperatorsCertificatesMeanNoTrainingRequests() throws Exception {
        CertificateAuthority ca = CertificateAuthority.generate(CaSpec.defaults(), Instant.now());
        TlsMaterial serving = ca.issue(ServerCertificateSpec.forNames("localhost", "127.0.0.1"), Instant.now());
        Files.writeString(dir.resolve("tls.crt"), PemFiles.toPem(serving.chain()));
        Files.writeString(dir.resolve("tls.key"), PemFiles.toPem(serving.key()));
        try (Webhook webhook = Webhook.start(RunningWebhook.examples().tlsFiles(dir.resolve("tls.crt"),
                dir.resolve("tls.key")).build(), Clock.systemUTC())) {
            assertEquals(List.of(), TrainingTraffic.send(webhook));
        }
    }
}
