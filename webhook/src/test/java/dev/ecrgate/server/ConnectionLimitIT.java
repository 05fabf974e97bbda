package dev.ecrgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ecrgate.certs.KeyStores;
import dev.ecrgate.certs.PemFiles;
import java.security.cert.X509Certificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The connection limit, on a server (the jar) started with a small one: more connections are closed at once. */
class ConnectionLimitIT {
    @TempDir
    Path dir;

    static boolean ready(SSLContext ssl, int port) {
        try (SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII)
                    .startsWith("HTTP/1.1 200");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void closesConnectionsBeyondTheLimitAndServesAgainOnceSomeClose() throws Exception {
        List<SSLSocket> held = new ArrayList<>();
        try (ServeProcess serve = ServeProcess.start(dir, "--max-connections=5")) {
            int port = serve.port();
            X509Certificate ca = serve.awaitCa();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            SSLContext ssl = TlsFixtures.ssl(ca, null);
            // readiness over a connection of its own, closed before counting (an HttpClient would pool it)
            while (System.nanoTime() < deadline && !ready(ssl, port)) {
                Thread.sleep(100);
            }
            for (int i = 0; i < 5; i++) {
                SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", port);
                s.startHandshake();
                held.add(s);
            }
            SSLSocket extra = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", port);
            extra.setSoTimeout(5000);
            boolean refused;
            try {
                extra.startHandshake();
                refused = extra.getInputStream().read() < 0;
            } catch (java.io.IOException closed) {
                refused = true;
            } finally {
                extra.close();
            }
            assertTrue(refused, "the sixth connection is closed");
            held.remove(0).close();
            Thread.sleep(300);
            assertEquals(200, TlsFixtures.validate(TlsFixtures.client(ca, null), port, "allow-pod.json")
                    .statusCode());
            assertTrue(serve.output().contains("connections are open already"));
        } finally {
            for (SSLSocket s : held) {
                s.close();
            }
        }
    }
}
