package dev.ecrgate.kube;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;

/**
 * kube-apiserver, kubectl and etcd as {@code src/test/peers/kube.sh} builds them from Go modules and caches them
 * under {@code ${ECRGATE_PEERS_DIR:-$HOME/.cache/ecrgate-peers}/k8s/<version>/bin}.
 *
 * <p>The script runs at most once per JVM; when the binaries are cached it only checks and prints, in milliseconds.
 * A cold build takes many minutes, hence the generous timeout. Thread safe.
 */
final class KubeBinaries {
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(45);

    private static Path binDir;

    private KubeBinaries() {
    }

    /**
     * The directory holding {@code kube-apiserver}, {@code kubectl} and {@code etcd}, built first if need be.
     *
     * @param logs where the script's log ({@code kube-build.log}) goes
     * @throws org.opentest4j.AssertionFailedError when the script fails, with its log's tail
     */
    static synchronized Path binDir(Path logs) {
        if (binDir == null) {
            binDir = build(logs);
        }
        return binDir;
    }

    /** The Kubernetes version of binaries in {@code binDir}, e.g. {@code v1.34.4}: kube.sh's layout names it. */
    static String version(Path binDir) {
        return "v" + binDir.getParent().getFileName();
    }

    private static Path build(Path logs) {
        Path script = Path.of("src/test/peers/kube.sh");
        if (!Files.exists(script)) {
            script = Path.of("webhook/src/test/peers/kube.sh");
        }
        Path log = logs.resolve("kube-build.log");
        Path out = logs.resolve("kube-build.out");
        try {
            Files.createDirectories(logs);
            Process build = new ProcessBuilder("bash", script.toAbsolutePath().toString())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile())
                    .redirectError(log.toFile())
                    .start();
            if (!build.waitFor(BUILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                build.descendants().forEach(ProcessHandle::destroyForcibly);
                build.destroyForcibly();
                Assertions.fail("building the Kubernetes control plane with " + script + " took longer than "
                        + BUILD_TIMEOUT + "; " + Logs.tail(log));
            }
            List<String> lines = Files.readAllLines(out);
            if (build.exitValue() != 0 || lines.isEmpty()) {
                Assertions.fail("building the Kubernetes control plane with " + script + " failed (exit "
                        + build.exitValue() + "; Go 1.24+ and the Go module proxy are needed; set ECRGATE_SKIP_KUBE=1"
                        + " to skip these tests); " + Logs.tail(log));
            }
            Path dir = Path.of(lines.get(lines.size() - 1).trim());
            for (String binary : List.of("kube-apiserver", "kubectl", "etcd")) {
                if (!Files.isExecutable(dir.resolve(binary))) {
                    Assertions.fail(script + " printed " + dir + ", which has no executable " + binary + "; "
                            + Logs.tail(log));
                }
            }
            return dir;
        } catch (IOException e) {
            return Assertions.fail("cannot run " + script + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Assertions.fail("interrupted while building the Kubernetes control plane", e);
        }
    }
}
