package dev.ecrgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The running server as a TLS scanner sees it ({@code sslscan}, from Debian's packages; {@code .ci/run} installs
 * it): TLS 1.2 and 1.3 only, forward-secret AEAD suites only, no renegotiation.
 */
class TlsScanIT {
    @Test
    void offersOnlyModernProtocolsAndCipherSuites() throws Exception {
        try (RunningWebhook webhook = RunningWebhook.start(RunningWebhook.examples().build(), Clock.systemUTC())) {
            Process scan = new ProcessBuilder("sslscan", "--no-colour", "127.0.0.1:" + webhook.port())
                    .redirectErrorStream(true).start();
            String out = new String(scan.getInputStream().readAllBytes());
            assertTrue(scan.waitFor(60, TimeUnit.SECONDS), "sslscan finished");
            for (String line : List.of("SSLv2     disabled", "SSLv3     disabled", "TLSv1.0   disabled",
                    "TLSv1.1   disabled", "TLSv1.2   enabled", "TLSv1.3   enabled",
                    "Session renegotiation not supported")) {
                assertTrue(out.contains(line), () -> "expected \"" + line + "\" in:\n" + out);
            }
            Set<String> suites = new TreeSet<>();
            out.lines().filter(l -> l.startsWith("Preferred ") || l.startsWith("Accepted "))
                    .forEach(l -> suites.add(l.trim().split("\\s+")[4]));
            // OpenSSL's names for the suites ServerTls allows with an EC key
            assertEquals(new TreeSet<>(Set.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                    "TLS_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                    "ECDHE-ECDSA-CHACHA20-POLY1305")), suites, out);
        } catch (java.io.IOException e) {
            if (String.valueOf(e.getMessage()).contains("sslscan")) {
                throw new AssertionError("sslscan is not installed: apt-get install sslscan (.ci/run does)", e);
            }
            throw e;
        }
    }
}
