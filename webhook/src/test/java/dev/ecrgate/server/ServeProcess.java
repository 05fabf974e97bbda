package dev.ecrgate.server;

import dev.ecrgate.certs.PemFiles;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code ecrgate serve} from the built jar, as a process, for the tests that need one (signals, process-wide
 * limits): on a free port of 127.0.0.1 with the example policies and findings, its CA written to {@code ca.pem} and
 * its output to {@code serve.log} in a directory of the test's. Close it to stop the process.
 */
final class ServeProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path ca;
    private final Path log;

    private ServeProcess(Process process, int port, Path ca, Path log) {
        this.process = process;
        this.port = port;
        this.ca = ca;
        this.log = log;
    }

    /** Starts the jar with the usual flags and {@code flags} after them. */
    static ServeProcess start(Path dir, String... flags) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path ca = dir.resolve("ca.pem");
        Path log = dir.resolve("serve.log");
        List<String> command = new ArrayList<>(List.of("java", "-jar", Path.of("target", "ecrgate.jar").toString(),
                "serve", "--host=127.0.0.1", "--port=" + port, "--policies=" + TlsFixtures.ROOT.resolve("policies"),
                "--findings=" + TlsFixtures.ROOT.resolve("examples/findings"), "--write-ca=" + ca));
        command.addAll(List.of(flags));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new ServeProcess(process, port, ca, log);
    }

    Process process() {
        return process;
    }

    int port() {
        return port;
    }

    /** What the process printed so far. */
    String output() throws IOException {
        return Files.readString(log);
    }

    /** The CA the process generated, once it has written it (within 60 s). */
    X509Certificate awaitCa() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            if (Files.exists(ca) && Files.size(ca) > 0) {
                return PemFiles.readCertificates(ca).get(0);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("ecrgate wrote no CA:\n" + output());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
