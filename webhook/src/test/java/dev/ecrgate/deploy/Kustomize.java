package dev.ecrgate.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * kustomize, the renderer behind {@code kubectl apply -k}, as a test peer: {@link #install()} runs
 * {@code src/test/peers/kustomize.sh}, which {@code go install}s a pinned kustomize v5 into
 * {@code ~/.cache/ecrgate-peers} once, and {@link #build} renders a kustomization directory to multi-document YAML.
 *
 * <p>With {@code ECRGATE_SKIP_KUBE=1} in the environment the calling test is skipped (a JUnit assumption); otherwise
 * a missing Go, a failed install or a failed build fails the test, so CI never skips silently. Output of the install
 * and of each build's stderr goes to {@code target/kustomize/}. Thread safe: every build is its own process.
 */
public final class Kustomize {
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(2);
    private static final Path LOGS = Path.of("target", "kustomize").toAbsolutePath();

    private final Path binary;

    private Kustomize(Path binary) {
        this.binary = binary;
    }

    /**
     * Installs kustomize (once per cache) and answers it; skips the calling test when {@code ECRGATE_SKIP_KUBE=1}.
     *
     * @throws IllegalStateException when the install script fails, with the tail of its output
     */
    public static Kustomize install() {
        Assumptions.assumeFalse("1".equals(System.getenv("ECRGATE_SKIP_KUBE")),
                "ECRGATE_SKIP_KUBE=1: tests that need kustomize or a Kubernetes API server are skipped");
        Path script = Path.of("src/test/peers/kustomize.sh");
        if (!Files.exists(script)) {
            script = Path.of("webhook/src/test/peers/kustomize.sh");
        }
        try {
            Files.createDirectories(LOGS);
            Path log = LOGS.resolve("install.log");
            Process install = new ProcessBuilder("bash", script.toAbsolutePath().toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            if (!install.waitFor(INSTALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                install.destroyForcibly();
                throw new IllegalStateException("installing kustomize took longer than " + INSTALL_TIMEOUT + "; "
                        + tail(log));
            }
            List<String> lines = Files.readAllLines(log);
            if (install.exitValue() != 0 || lines.isEmpty()) {
                throw new IllegalStateException("installing kustomize with " + script + " failed (exit "
                        + install.exitValue() + "; Go 1.24+ and the Go module proxy are needed; set "
                        + "ECRGATE_SKIP_KUBE=1 to skip these tests); " + tail(log));
            }
            Path binary = Path.of(lines.get(lines.size() - 1).trim());
            if (!Files.isExecutable(binary)) {
                throw new IllegalStateException("kustomize.sh did not print an executable kustomize; " + tail(log));
            }
            return new Kustomize(binary);
        } catch (IOException e) {
            throw new IllegalStateException("cannot install kustomize: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while installing kustomize", e);
        }
    }

    /**
     * {@code kustomize build DIR}: the rendered resources as multi-document YAML.
     *
     * @throws IllegalStateException when kustomize fails, with what it printed on stderr
     */
    public String build(Path directory) {
        try {
            Path out = Files.createTempFile(LOGS, "build-", ".yaml");
            Path err = Files.createTempFile(LOGS, "build-", ".err");
            Process build = new ProcessBuilder(binary.toString(), "build", directory.toString())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!build.waitFor(BUILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                build.destroyForcibly();
                throw new IllegalStateException("kustomize build " + directory + " took longer than " + BUILD_TIMEOUT);
            }
            if (build.exitValue() != 0) {
                throw new IllegalStateException("kustomize build " + directory + " failed (exit " + build.exitValue()
                        + "): " + Files.readString(err, StandardCharsets.UTF_8).strip());
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run kustomize: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running kustomize", e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return "last lines of " + log + ":\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }
}
