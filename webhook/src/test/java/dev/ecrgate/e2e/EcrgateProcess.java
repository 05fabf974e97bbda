package dev.ecrgate.e2e;

import dev.ecrgate.certs.KeyStores;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * {@code java -jar target/ecrgate.jar serve ...} as a process, as it runs in a pod: the tests drive the real command
 * line, flags and environment, and stop it with SIGTERM.
 */
final class EcrgateProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;
    private final SSLContext trusting;

    private EcrgateProcess(Process process, int port, Path log, SSLContext trusting) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.trusting = trusting;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Where the CA to trust comes from, once there is one (ecrgate may make it as it starts). */
    @FunctionalInterface
    interface TrustSource {
        java.util.Optional<X509Certificate> get() throws Exception;
    }

    /**
     * Starts {@code ecrgate serve} on {@code port} with {@code args} and {@code env}, and waits until {@code /readyz}
     * answers 200 over TLS trusting {@code ca}.
     */
    static EcrgateProcess start(int port, X509Certificate ca, Map<String, String> env, Path logDir, String... args)
            throws Exception {
        return start(port, () -> java.util.Optional.of(ca), env, logDir, args);
    }

    static EcrgateProcess start(int port, TrustSource ca, Map<String, String> env, Path logDir, String... args)
            throws Exception {
        List<String> command = new ArrayList<>(List.of("java", "-jar", Path.of("target", "ecrgate.jar").toString(),
                "serve", "--port=" + port));
        command.addAll(List.of(args));
        Path log = Files.createTempFile(logDir, "ecrgate-" + port + "-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        Process process = builder.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        java.util.Optional<X509Certificate> trusted = ca.get();
        while (trusted.isEmpty() && System.nanoTime() < deadline && process.isAlive()) {
            Thread.sleep(100);
            trusted = ca.get();
        }
        if (trusted.isEmpty()) {
            process.destroyForcibly();
            throw new AssertionError("no CA to trust for ecrgate:\n" + Files.readString(log));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(KeyStores.trustStore(trusted.get()));
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        EcrgateProcess ecrgate = new EcrgateProcess(process, port, log, ssl);
        ecrgate.awaitReady();
        return ecrgate;
    }

    private void awaitReady() throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(trusting).connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port
                        + "/readyz")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        process.destroyForcibly();
        throw new AssertionError("ecrgate did not become ready:\n" + output());
    }

    long pid() {
        return process.pid();
    }

    int port() {
        return port;
    }

    /** The certificate a new TLS connection is served now. */
    X509Certificate servingCertificate() throws IOException {
        try (SSLSocket socket = (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    /** {@code GET path} over TLS, as the kubelet or Prometheus would: the body of a 200, else an assertion fails. */
    String get(String path) throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(trusting).connectTimeout(Duration.ofSeconds(2)).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET " + path + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String output() throws IOException {
        return Files.readString(log);
    }

    /** SIGTERM, then waits for the drain and the exit. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
