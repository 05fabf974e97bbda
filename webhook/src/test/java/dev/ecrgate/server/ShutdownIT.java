package dev.ecrgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ecrgate.certs.PemFiles;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a running {@code ecrgate serve} (the built jar, as a process) under concurrent load: readiness fails
 * at once, every request sent during the drain is answered, and the process exits after it.
 */
class ShutdownIT {
    @TempDir
    Path dir;

    @Test
    void drainsWithoutAFailedRequestUnderLoad() throws Exception {
        try (ServeProcess process = ServeProcess.start(dir, "--drain=2s")) {
            Process serve = process.process();
            int port = process.port();
            HttpClient client = awaitReady(process);
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger failures = new AtomicInteger();
            AtomicInteger answered = new AtomicInteger();
            AtomicInteger answeredWhileDraining = new AtomicInteger();
            AtomicBoolean terminated = new AtomicBoolean();
            List<Thread> load = new ArrayList<>();
            final int p = port;
            for (int i = 0; i < 4; i++) {
                Thread t = new Thread(() -> {
                    while (running.get()) {
                        try {
                            int status = TlsFixtures.validate(client, p, "warn-deployment.json").statusCode();
                            if (status == 200) {
                                answered.incrementAndGet();
                                if (terminated.get()) {
                                    answeredWhileDraining.incrementAndGet();
                                }
                            } else {
                                failures.incrementAndGet();
                            }
                        } catch (Exception e) {
                            failures.incrementAndGet();
                        }
                    }
                });
                t.start();
                load.add(t);
            }
            Thread.sleep(700);
            serve.destroy(); // SIGTERM
            terminated.set(true);
            Thread.sleep(300);
            int readyz = TlsFixtures.get(client, port, "/readyz").statusCode();
            Thread.sleep(1000); // the API server takes about this long to drop an endpoint; still inside the drain
            running.set(false);
            for (Thread t : load) {
                t.join();
            }
            assertEquals(503, readyz, "readiness fails at once");
            assertEquals(0, failures.get(), () -> failures + " failed, " + answered + " answered");
            assertTrue(answeredWhileDraining.get() > 0, "requests were answered during the drain");
            assertTrue(serve.waitFor(20, TimeUnit.SECONDS), "the process exits after draining");
            String output = process.output();
            assertTrue(output.contains("shutting down: draining for 2000 ms") && output.contains("stopped"), output);
        }
    }

    private static HttpClient awaitReady(ServeProcess serve) throws Exception {
        HttpClient client = TlsFixtures.client(serve.awaitCa(), null);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && serve.process().isAlive()) {
            try {
                if (TlsFixtures.get(client, serve.port(), "/readyz").statusCode() == 200) {
                    return client;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("ecrgate did not become ready:\n" + serve.output());
    }
}
