package dev.ecrgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ecrgate.certs.CaSpec;
import dev.ecrgate.certs.CertificateAuthority;
import dev.ecrgate.certs.PemFiles;
import dev.ecrgate.certs.TlsMaterial;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --client-ca}: only callers with a certificate from that CA may call {@code /validate}. */
class ClientAuthIT {
    @TempDir
    static Path dir;

    static final Instant NOW = Instant.now();
    static final CertificateAuthority CLIENTS = CertificateAuthority.generate(
            CaSpec.defaults().withCommonName("API server clients"), NOW);
    static final CertificateAuthority STRANGERS = CertificateAuthority.generate(
            CaSpec.defaults().withCommonName("someone else"), NOW);
    static RunningWebhook server;
    static Webhook webhook;

    @BeforeAll
    static void start() throws Exception {
        Path clientCa = dir.resolve("client-ca.crt");
        Files.writeString(clientCa, PemFiles.toPem(CLIENTS.certificate()));
        server = RunningWebhook.start(RunningWebhook.examples().clientCa(clientCa).build(), Clock.systemUTC());
        webhook = server.webhook();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static TlsMaterial client(CertificateAuthority ca) {
        return ca.issueClient("kube-apiserver", List.of(), Duration.ofDays(1), NOW);
    }

    @Test
    void acceptsTheApiServersClientCertificate() throws Exception {
        HttpResponse<String> r = TlsFixtures.validate(
                TlsFixtures.client(webhook.generatedCa().orElseThrow(), client(CLIENTS)), webhook.port(),
                "allow-pod.json");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"allowed\":true"), r.body());
    }

    @Test
    void refusesACallerWithoutACertificateButKeepsProbesOpen() throws Exception {
        var anonymous = TlsFixtures.client(webhook.generatedCa().orElseThrow(), null);
        HttpResponse<String> r = TlsFixtures.validate(anonymous, webhook.port(), "allow-pod.json");
        assertEquals(401, r.statusCode());
        assertTrue(r.body().contains("client certificate"), r.body());
        assertEquals(200, TlsFixtures.get(anonymous, webhook.port(), "/healthz").statusCode());
        assertEquals(200, TlsFixtures.get(anonymous, webhook.port(), "/readyz").statusCode());
    }

    @Test
    void refusesACertificateFromAnotherCa() throws Exception {
        var stranger = TlsFixtures.client(webhook.generatedCa().orElseThrow(), client(STRANGERS));
        // the server names the CAs it accepts, so a JDK client holds back a certificate from another CA, and the
        // request arrives without one; a client that sends it anyway fails the handshake
        try {
            assertEquals(401, TlsFixtures.validate(stranger, webhook.port(), "allow-pod.json").statusCode());
        } catch (IOException handshakeRefused) {
            // refused just as well
        }
    }
}
