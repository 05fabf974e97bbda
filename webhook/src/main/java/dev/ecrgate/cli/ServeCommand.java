package dev.ecrgate.cli;

import dev.ecrgate.server.ServeConfig;
import dev.ecrgate.server.Webhook;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ecrgate serve}: the admission webhook. */
@Command(name = "serve", mixinStandardHelpOptions = true, usageHelpWidth = 110,
        description = {"Serves the validating admission webhook over HTTPS: POST /validate, GET /healthz, GET /readyz.",
                "",
                "Every option can also be set in the environment (--tls-cert is ECRGATE_TLS_CERT) or in a YAML file"
                        + " given with --config (tls-cert: /etc/ecrgate/tls.crt). Flags win over the environment,"
                        + " which wins over the file."},
        footer = {"", "Examples:",
                "  Try it with the example policies and recorded findings, saving the generated CA:",
                "    ecrgate serve --policies policies --findings examples/findings --write-ca /tmp/ecrgate-ca.pem",
                "  In a cluster, with a mounted serving certificate:",
                "    ecrgate serve --tls-cert /tls/tls.crt --tls-key /tls/tls.key --policies /etc/ecrgate/policies"})
final class ServeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML file with option values (keys are option names).")
    Path config;

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8443", description = "HTTPS port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "Serving certificate chain, PEM, leaf first.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "Serving key, PEM (PKCS#1, PKCS#8 or EC).")
    Path tlsKey;

    @Option(names = "--write-ca", paramLabel = "FILE",
            description = "Without --tls-cert: save the generated CA here (PEM) for clients to trust.")
    Path writeCa;

    @Option(names = "--policies", paramLabel = "DIR", defaultValue = "policies",
            description = "Directory of ImagePolicy YAML files (default: ${DEFAULT-VALUE}).")
    Path policies;

    @Option(names = "--findings", paramLabel = "DIR",
            description = "Directory of recorded AWS CLI output (describe-image-scan-findings, describe-images,"
                    + " describe-repositories) to read image facts from.")
    Path findings;

    @Option(names = "--max-body-bytes", paramLabel = "N", defaultValue = "8388608",
            description = "Largest request body accepted; larger ones get HTTP 413 (default: ${DEFAULT-VALUE}).")
    long maxBodyBytes;

    @Option(names = "--reload-interval", paramLabel = "DURATION", defaultValue = "2s",
            description = "How often policy and findings directories are checked for changes (default: ${DEFAULT-VALUE}).")
    String reloadInterval;

    @Override
    public Integer call() throws Exception {
        ServeConfig cfg;
        try {
            var unknown = ((ConfigDefaults) spec.commandLine().getDefaultValueProvider()).unknownKeys(spec);
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("unknown option(s) in the config file: " + unknown);
            }
            cfg = new ServeConfig(host, port, Optional.ofNullable(tlsCert), Optional.ofNullable(tlsKey),
                    Optional.ofNullable(writeCa), policies, Optional.ofNullable(findings), maxBodyBytes,
                    Durations.parse(reloadInterval));
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("ecrgate serve: " + e.getMessage());
            return 2;
        }
        Webhook webhook;
        try {
            webhook = Webhook.start(cfg, Clock.systemUTC());
        } catch (Webhook.StartupException e) {
            spec.commandLine().getErr().println("ecrgate serve: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            webhook.close();
            stopped.countDown();
        }, "ecrgate-shutdown"));
        stopped.await();
        return 0;
    }

    /** Durations as people write them: {@code 500ms}, {@code 2s}, {@code 5m}, {@code 1h}, {@code 30d}, or ISO-8601. */
    static final class Durations {
        static Duration parse(String text) {
            String t = text.trim();
            try {
                if (t.startsWith("P") || t.startsWith("p")) {
                    return Duration.parse(t);
                }
                var m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(t);
                if (m.matches()) {
                    long n = Long.parseLong(m.group(1));
                    return switch (m.group(2)) {
                        case "ms" -> Duration.ofMillis(n);
                        case "s" -> Duration.ofSeconds(n);
                        case "m" -> Duration.ofMinutes(n);
                        case "h" -> Duration.ofHours(n);
                        default -> Duration.ofDays(n);
                    };
                }
            } catch (RuntimeException e) {
                // fall through to the message below
            }
            throw new IllegalArgumentException("not a duration: \"" + text + "\" (expected e.g. 500ms, 2s, 5m, 1h)");
        }
    }
}
