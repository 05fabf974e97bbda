package dev.ecrgate.deploy;

import dev.ecrgate.kube.ProcessResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * helm v4 as a test peer: {@link #install()} runs {@code src/test/peers/helm.sh}, which {@code go install}s a pinned
 * helm into {@code ~/.cache/ecrgate-peers} once; {@link #run} runs one helm command and answers what it printed.
 *
 * <p>Every command runs with helm's cache, configuration and data directories under {@code target/helm/home}, so that
 * a test neither reads nor writes the user's repositories, plugins or registry logins, and with no
 * {@code KUBECONFIG} from the environment (commands that need a cluster pass {@code --kubeconfig}).
 * With {@code ECRGATE_SKIP_KUBE=1} the calling test is skipped, as with {@link Kustomize}; otherwise a failed install
 * fails the test. Thread safe: every command is its own process.
 */
public final class Helm {
    /** The chart, from the repository root. */
    public static final Path CHART = Path.of("deploy", "helm", "ecrgate");

    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(15);
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(3);
    private static final Path LOGS = Path.of("target", "helm").toAbsolutePath();

    private final Path binary;

    private Helm(Path binary) {
        this.binary = binary;
    }

    /**
     * Installs helm (once per cache) and answers it; skips the calling test when {@code ECRGATE_SKIP_KUBE=1}.
     *
     * @throws IllegalStateException when the install script fails, with the tail of its output
     */
    public static Helm install() {
        Assumptions.assumeFalse("1".equals(System.getenv("ECRGATE_SKIP_KUBE")),
                "ECRGATE_SKIP_KUBE=1: tests that need helm or a Kubernetes API server are skipped");
        Path script = Path.of("src/test/peers/helm.sh");
        if (!Files.exists(script)) {
            script = Path.of("webhook/src/test/peers/helm.sh");
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
                throw new IllegalStateException("installing helm took longer than " + INSTALL_TIMEOUT + "; "
                        + tail(log));
            }
            List<String> lines = Files.readAllLines(log);
            if (install.exitValue() != 0 || lines.isEmpty()) {
                throw new IllegalStateException("installing helm with " + script + " failed (exit "
                        + install.exitValue() + "; Go 1.24+ and the Go module proxy are needed; set "
                        + "ECRGATE_SKIP_KUBE=1 to skip these tests); " + tail(log));
            }
            Path binary = Path.of(lines.get(lines.size() - 1).trim());
            if (!Files.isExecutable(binary)) {
                throw new IllegalStateException("helm.sh did not print an executable helm; " + tail(log));
            }
            return new Helm(binary);
        } catch (IOException e) {
            throw new IllegalStateException("cannot install helm: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while installing helm", e);
        }
    }

    /**
     * {@code helm ARGS}, whatever its exit code: the caller asserts on it.
     *
     * @throws IllegalStateException when helm cannot be started or takes longer than three minutes
     */
    public ProcessResult run(String... args) {
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        command.addAll(List.of(args));
        try {
            Path home = LOGS.resolve("home");
            Path out = Files.createTempFile(LOGS, "helm-", ".out");
            Path err = Files.createTempFile(LOGS, "helm-", ".err");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            builder.environment().remove("KUBECONFIG");
            builder.environment().put("HELM_CACHE_HOME", home.resolve("cache").toString());
            builder.environment().put("HELM_CONFIG_HOME", home.resolve("config").toString());
            builder.environment().put("HELM_DATA_HOME", home.resolve("data").toString());
            Process helm = builder.start();
            if (!helm.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                helm.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new IllegalStateException(String.join(" ", command) + " took longer than " + COMMAND_TIMEOUT
                        + "; stderr: " + Files.readString(err, StandardCharsets.UTF_8));
            }
            ProcessResult result = new ProcessResult(command, helm.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            return result;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run helm: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running helm", e);
        }
    }

    /**
     * {@code helm template RELEASE CHART --namespace NAMESPACE --include-crds ARGS}: the rendered chart, CRDs included.
     *
     * @throws IllegalStateException when helm refuses the values or a template fails, with its message
     */
    public String template(String release, String namespace, Path chart, String... args) {
        List<String> command = new ArrayList<>(List.of("template", release, chart.toString(),
                "--namespace", namespace, "--include-crds"));
        command.addAll(List.of(args));
        ProcessResult r = run(command.toArray(String[]::new));
        if (!r.succeeded()) {
            throw new IllegalStateException("helm template failed: " + r);
        }
        return r.stdout();
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
