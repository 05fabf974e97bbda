package dev.ecrgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ecrgate.certs.CaSpec;
import dev.ecrgate.certs.CertificateAuthority;
import dev.ecrgate.certs.PemFiles;
import dev.ecrgate.certs.ServerCertificateSpec;
import dev.ecrgate.certs.TlsMaterial;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files mode ({@code --tls-cert}, {@code --tls-key}, as cert-manager mounts them): a renewed certificate is served
 * to new connections while clients keep connecting, and none of their requests fails.
 */
class TlsRotationIT {
    @TempDir
    Path dir;

    final Instant now = Instant.now();
    final CertificateAuthority ca = CertificateAuthority.generate(CaSpec.defaults().withCommonName("test CA"), now);

    TlsMaterial issue() {
        return ca.issue(ServerCertificateSpec.forNames("localhost", "127.0.0.1"), now);
    }

    Webhook start() throws Exception {
        return Webhook.start(RunningWebhook.examples().tlsFiles(dir.resolve("tls.crt"), dir.resolve("tls.key"))
                .reloadInterval(Duration.ofMillis(100)).build(), Clock.systemUTC());
    }

    @Test
    void servesARenewedCertificateWithoutAFailedRequest() throws Exception {
        TlsMaterial first = issue();
        TlsMaterial second = issue();
        TlsFixtures.publish(dir, "a", first);
        try (Webhook webhook = start()) {
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger failures = new AtomicInteger();
            AtomicInteger requests = new AtomicInteger();
            ConcurrentLinkedQueue<BigInteger> serials = new ConcurrentLinkedQueue<>();
            List<Thread> load = List.of(new Thread(() -> connectRepeatedly(webhook, running, failures, requests,
                    serials)), new Thread(() -> connectRepeatedly(webhook, running, failures, requests, serials)));
            load.forEach(Thread::start);
            Thread.sleep(800);
            TlsFixtures.publish(dir, "b", second);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!webhook.servingCertificate().equals(second.leaf()) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(800);
            running.set(false);
            for (Thread t : load) {
                t.join();
            }
            assertEquals(second.leaf(), webhook.servingCertificate());
            assertEquals(0, failures.get(), () -> failures + " of " + requests + " requests failed");
            assertTrue(serials.contains(first.leaf().getSerialNumber()), "clients saw the first certificate");
            assertTrue(serials.contains(second.leaf().getSerialNumber()), "clients saw the renewed certificate");
        }
    }

    @Test
    void keepsTheCurrentCertificateWhileAPairIsHalfWritten() throws Exception {
        TlsMaterial first = issue();
        TlsFixtures.publish(dir, "a", first);
        try (Webhook webhook = start()) {
            TlsMaterial next = issue();
            // edited in place, certificate first: for a moment the key does not match
            Path real = dir.resolve("tls.crt").toRealPath();
            Files.writeString(real, PemFiles.toPem(next.chain()));
            Thread.sleep(500);
            assertEquals(first.leaf(), webhook.servingCertificate(), "a mismatched pair is not served");
            assertEquals(200, TlsFixtures.validate(TlsFixtures.client(ca.certificate(), null), webhook.port(),
                    "allow-pod.json").statusCode());
            Files.writeString(dir.resolve("tls.key").toRealPath(), PemFiles.toPem(next.key()));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!webhook.servingCertificate().equals(next.leaf()) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(next.leaf(), webhook.servingCertificate());
        }
    }

    private void connectRepeatedly(Webhook webhook, AtomicBoolean running, AtomicInteger failures,
                                   AtomicInteger requests, ConcurrentLinkedQueue<BigInteger> serials) {
        while (running.get()) {
            try {
                // a new client is a new connection and a new handshake
                HttpClient client = TlsFixtures.client(ca.certificate(), null);
                HttpResponse<String> r = TlsFixtures.validate(client, webhook.port(), "allow-pod.json");
                requests.incrementAndGet();
                if (r.statusCode() != 200) {
                    failures.incrementAndGet();
                }
                r.sslSession().ifPresent(s -> {
                    try {
                        serials.add(((X509Certificate) s.getPeerCertificates()[0]).getSerialNumber());
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                });
            } catch (Exception e) {
                requests.incrementAndGet();
                failures.incrementAndGet();
            }
        }
    }
}
