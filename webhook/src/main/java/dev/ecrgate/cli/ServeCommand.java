package dev.ecrgate.cli;

import dev.ecrgate.findings.ecr.EcrSettings;
import dev.ecrgate.server.ClusterCertificates;
import dev.ecrgate.server.DecisionLog;
import dev.ecrgate.server.NettyEvents;
import dev.ecrgate.server.ServeConfig;
import dev.ecrgate.server.ServerTls;
import dev.ecrgate.server.TrainingTraffic;
import java.net.URI;
import dev.ecrgate.server.Webhook;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ecrgate serve}: the admission webhook. */
@Command(name = "serve", mixinStandardHelpOptions = true, usageHelpWidth = 110,
        description = {"Serves the validating admission webhook over HTTPS: POST /validate, GET /healthz, GET /readyz,"
                + " GET /metrics (Prometheus).",
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

    /** The process environment, read once by {@link Main}; empty when a test builds the command itself. */
    private final java.util.Map<String, String> environment;

    ServeCommand() {
        this(java.util.Map.of());
    }

    ServeCommand(java.util.Map<String, String> environment) {
        this.environment = java.util.Map.copyOf(environment);
    }

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

    @Option(names = "--policies-from", paramLabel = "SOURCE", defaultValue = "files",
            description = "files: the --policies directory, reloaded on change; cluster: ImagePolicy and"
                    + " ImageException objects (ecrgate.dev CRDs), watched, with a status on each. Uses the"
                    + " in-cluster config or KUBECONFIG (default: ${DEFAULT-VALUE}; cluster in deploy/).")
    String policiesFrom;

    @Option(names = "--findings", paramLabel = "DIR",
            description = "Directory of recorded AWS CLI output (describe-image-scan-findings, describe-images,"
                    + " describe-repositories) to read image facts from, instead of the live ECR API.")
    Path findings;

    @Option(names = "--max-body-bytes", paramLabel = "N", defaultValue = "8388608",
            description = "Largest request body accepted; larger ones get HTTP 413 (default: ${DEFAULT-VALUE}).")
    long maxBodyBytes;

    @Option(names = "--warn-only", defaultValue = "false",
            description = "Every policy warns instead of denying (enforce acts as warn): for a first install, and to"
                    + " try new policies cluster-wide. Requests are admitted; kubectl shows what would be refused.")
    boolean warnOnly;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "1000",
            description = "Open connections beyond this are closed as they arrive (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--reload-interval", paramLabel = "DURATION", defaultValue = "2s",
            description = "How often policy and findings directories are checked for changes (default: ${DEFAULT-VALUE}).")
    String reloadInterval;

    @Option(names = "--deadline", paramLabel = "DURATION", defaultValue = "3s",
            description = "How long one decision may wait for ECR; keep it well under the webhook's timeoutSeconds"
                    + " (default: ${DEFAULT-VALUE}).")
    String deadline;

    @Option(names = "--ecr-endpoint", paramLabel = "URL",
            description = "An endpoint for the ECR API in every region (a VPC endpoint, or a test double). Default:"
                    + " AWS_ENDPOINT_URL_ECR or AWS_ENDPOINT_URL if set, else ECR's own endpoint of the image's region.")
    String ecrEndpoint;

    @Option(names = "--ecr-role", paramLabel = "ACCOUNT=ROLE_ARN", split = ",",
            description = "Read the registry of ACCOUNT with this IAM role (sts:AssumeRole); repeatable, or"
                    + " comma-separated.")
    java.util.List<String> ecrRoles;

    @Option(names = "--ecr-rate-limit", paramLabel = "N", defaultValue = "20",
            description = "ECR calls per second, per account and region (default: ${DEFAULT-VALUE}).")
    double ecrRateLimit;

    @Option(names = "--ecr-attempts", paramLabel = "N", defaultValue = "3",
            description = "Attempts per ECR call, with backoff and jitter (default: ${DEFAULT-VALUE}).")
    int ecrAttempts;

    @Option(names = "--ecr-attempt-timeout", paramLabel = "DURATION", defaultValue = "1500ms",
            description = "How long one ECR call attempt may take (default: ${DEFAULT-VALUE}).")
    String ecrAttemptTimeout;

    @Option(names = "--cache-scan-refresh", paramLabel = "DURATION", defaultValue = "5m",
            description = "Read a digest's scan again after (default: ${DEFAULT-VALUE}).")
    String scanRefresh;

    @Option(names = "--cache-repository-refresh", paramLabel = "DURATION", defaultValue = "5m",
            description = "Read a repository's tag mutability again after (default: ${DEFAULT-VALUE}).")
    String repositoryRefresh;

    @Option(names = "--cache-mutable-tag-refresh", paramLabel = "DURATION", defaultValue = "30s",
            description = "Read the digest of a tag that can move again after (default: ${DEFAULT-VALUE}).")
    String mutableTagRefresh;

    @Option(names = "--cache-immutable-tag-refresh", paramLabel = "DURATION", defaultValue = "1h",
            description = "Read the digest of an immutable tag again after (default: ${DEFAULT-VALUE}).")
    String immutableTagRefresh;

    @Option(names = "--cache-negative-refresh", paramLabel = "DURATION", defaultValue = "10s",
            description = "Read a \"not found\" or \"scan not finished\" answer again after (default: ${DEFAULT-VALUE}).")
    String negativeRefresh;

    @Option(names = "--cache-max-stale", paramLabel = "DURATION", defaultValue = "1h",
            description = "Keep serving a known answer, with a warning, while refreshing it fails, for up to"
                    + " (default: ${DEFAULT-VALUE}).")
    String maxStale;

    @Option(names = "--cache-max-findings", paramLabel = "N", defaultValue = "2000000",
            description = "Bound of the cache, in findings held (default: ${DEFAULT-VALUE}).")
    long maxFindings;

    @Option(names = "--prefetch", paramLabel = "FILE",
            description = "Image references (one per line) whose ECR facts are read before /readyz turns ready.")
    Path prefetch;

    @Option(names = "--client-ca", paramLabel = "FILE",
            description = "Require callers of /validate to present a client certificate signed by a CA in this PEM file"
                    + " (the API server's AdmissionConfiguration kubeConfigFile). /healthz, /readyz and /metrics stay"
                    + " open.")
    Path clientCa;

    @Option(names = "--ca-secret", paramLabel = "NAME",
            description = "Self-managed certificates in the cluster: keep ecrgate's CA in this Secret of --namespace,"
                    + " issue a serving certificate for --service, and keep the caBundle of --webhook-config up to date.")
    String caSecret;

    @Option(names = "--service", paramLabel = "NAME", defaultValue = "ecrgate",
            description = "With --ca-secret: the Service in front of ecrgate (default: ${DEFAULT-VALUE}).")
    String service;

    @Option(names = "--webhook-config", paramLabel = "NAME", defaultValue = "ecrgate",
            description = "With --ca-secret: the ValidatingWebhookConfiguration whose caBundle ecrgate sets"
                    + " (default: ${DEFAULT-VALUE}).")
    String webhookConfig;

    @Option(names = "--namespace", paramLabel = "NS",
            description = "With --ca-secret or --audit: ecrgate's namespace (default: POD_NAMESPACE, else the service"
                    + " account's).")
    String namespace;

    @Option(names = "--audit", arity = "0..1", defaultValue = "false", fallbackValue = "true",
            description = "Audit running workloads in the background: re-check Pods and workloads when findings,"
                    + " policies or workloads change, write openreports.io Reports and Warning Events (one replica"
                    + " leads, by the Lease ecrgate-audit). Uses the in-cluster config or KUBECONFIG"
                    + " (default: ${DEFAULT-VALUE}; on in deploy/).")
    boolean audit;

    @Option(names = "--audit-interval", paramLabel = "DURATION", defaultValue = "10m",
            description = "With --audit: decide everything again at least this often, even when nothing was seen to"
                    + " change (default: ${DEFAULT-VALUE}).")
    String auditInterval;

    @Option(names = "--audit-skip-namespaces", paramLabel = "NS", split = ",",
            defaultValue = "kube-system,kube-node-lease",
            description = "With --audit: namespaces never audited, besides ecrgate's own and those labelled"
                    + " ecrgate.dev/ignore=true, as the webhook leaves them (default: ${DEFAULT-VALUE}).")
    java.util.List<String> auditSkipNamespaces;

    @Option(names = "--events-queue", paramLabel = "URL", split = ",",
            description = "Keep the cache fresh from this SQS queue of ECR and Inspector EventBridge events (scan"
                    + " results, pushes, deletes, lifecycle expiry, Inspector findings): refreshed within about a"
                    + " second instead of the TTLs. Repeatable, one per region; live ECR only (see deploy/events/).")
    java.util.List<String> eventsQueues;

    @Option(names = "--tls-san", paramLabel = "NAME", split = ",",
            description = "With --ca-secret: a further DNS name or IP address for the serving certificate, for an API"
                    + " server that calls ecrgate by URL; repeatable.")
    java.util.List<String> tlsSans;

    @Option(names = "--drain", paramLabel = "DURATION", defaultValue = "10s",
            description = "On SIGTERM: fail readiness at once and keep answering, with Connection: close, for this long"
                    + " before closing (default: ${DEFAULT-VALUE}).")
    String drain;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "info",
            description = "error, warn (denials), info (also warnings and audit findings), or debug (every decision)"
                    + " (default: ${DEFAULT-VALUE}).")
    String logLevel;

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "json",
            description = "How decision lines are written: json (one object per line) or text (key=value)"
                    + " (default: ${DEFAULT-VALUE}).")
    String logFormat;

    /** The levels of slf4j-simple that {@code --log-level} offers. */
    static final java.util.List<String> LOG_LEVELS = java.util.List.of("error", "warn", "info", "debug");

    /** slf4j-simple reads this when it makes its first logger, and never again. */
    static final String SIMPLE_LOGGER_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";

    @Option(names = "--exit-when-ready", hidden = true,
            description = "Start, warm up, and exit once ready: a training run for the class data sharing archive"
                    + " (-XX:ArchiveClassesAtExit) that the container image builds.")
    boolean exitWhenReady;

    @Override
    public Integer call() throws Exception {
        // before anything logs: no ecrgate class that has a logger has been initialised yet (ConfigDefaults,
        // picocli and the option values log nothing), so slf4j-simple's first logger sees this level
        String level = logLevel.strip().toLowerCase(java.util.Locale.ROOT);
        if (!LOG_LEVELS.contains(level)) {
            spec.commandLine().getErr().println("ecrgate serve: --log-level must be one of " + String.join(", ",
                    LOG_LEVELS) + ", got \"" + logLevel + "\"");
            return 2;
        }
        System.setProperty(SIMPLE_LOGGER_LEVEL, level);
        ServerTls.inMemoryKeyStoresOnly();
        NettyEvents.offUnlessChosen();
        ServeConfig cfg;
        try {
            var unknown = ((ConfigDefaults) spec.commandLine().getDefaultValueProvider()).unknownKeys(spec);
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("unknown option(s) in the config file: " + unknown);
            }
            cfg = new ServeConfig(
                    new ServeConfig.Listen(host, port, maxBodyBytes, maxConnections),
                    new ServeConfig.Tls(Optional.ofNullable(tlsCert), Optional.ofNullable(tlsKey),
                            Optional.ofNullable(writeCa), Optional.ofNullable(clientCa), clusterSettings()),
                    new ServeConfig.Sources(policies, Optional.ofNullable(findings), Durations.parse(reloadInterval),
                            warnOnly, ServeConfig.PoliciesFrom.parse(policiesFrom)),
                    new ServeConfig.Facts(Durations.parse(deadline), ecrSettings(), Optional.ofNullable(prefetch),
                            environment, eventQueues()),
                    Durations.parse(drain), DecisionLog.Format.parse(logFormat), auditSettings());
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("ecrgate serve: " + e.getMessage());
            return 2;
        }
        // from here on the server logs: its standard error is written by a thread of its own
        dev.ecrgate.server.BackgroundStderr stderr = dev.ecrgate.server.BackgroundStderr.install();
        Webhook webhook;
        try {
            webhook = Webhook.start(cfg, Clock.systemUTC());
        } catch (Webhook.StartupException e) {
            stderr.close();
            spec.commandLine().getErr().println("ecrgate serve: " + e.getMessage());
            return 1;
        }
        if (exitWhenReady) {
            try {
                List<String> sent = TrainingTraffic.send(webhook);
                spec.commandLine().getErr().println("ecrgate serve: training requests answered: " + sent.size());
            } finally {
                webhook.close();
            }
            return 0;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Duration drainFor = cfg.drain();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            webhook.shutdown(drainFor);
            stopped.countDown();
        }, "ecrgate-shutdown"));
        stopped.await();
        return 0;
    }

    private java.util.List<dev.ecrgate.findings.events.QueueAddress> eventQueues() {
        java.util.List<dev.ecrgate.findings.events.QueueAddress> out = new java.util.ArrayList<>();
        for (String url : eventsQueues == null ? java.util.List.<String>of() : eventsQueues) {
            if (!url.isBlank()) {
                out.add(dev.ecrgate.findings.events.QueueAddress.parse(url, environment));
            }
        }
        if (!out.isEmpty() && findings != null) {
            throw new IllegalArgumentException("--events-queue keeps the live ECR source fresh; with --findings"
                    + " (recorded facts) there is nothing for it to refresh: give one or the other");
        }
        return out;
    }

    private Optional<dev.ecrgate.audit.AuditSettings> auditSettings() {
        if (!audit) {
            return Optional.empty();
        }
        String ns = Optional.ofNullable(namespace).filter(n -> !n.isBlank())
                .or(() -> ClusterCertificates.podNamespace(environment))
                .orElseThrow(() -> new IllegalArgumentException("--audit needs --namespace (or POD_NAMESPACE) for"
                        + " its Lease"));
        String instance = Optional.ofNullable(environment.get("POD_NAME")).filter(n -> !n.isBlank())
                .or(() -> Optional.ofNullable(environment.get("HOSTNAME")).filter(n -> !n.isBlank()))
                .orElseGet(() -> "ecrgate-" + ProcessHandle.current().pid());
        java.util.Set<String> skipped = new java.util.LinkedHashSet<>();
        for (String n : auditSkipNamespaces == null ? java.util.List.<String>of() : auditSkipNamespaces) {
            if (!n.isBlank()) {
                skipped.add(n.strip());
            }
        }
        skipped.add(ns);
        return Optional.of(new dev.ecrgate.audit.AuditSettings(Durations.parse(auditInterval), Durations.parse(
                deadline), skipped, ns, instance));
    }

    private Optional<ClusterCertificates.Settings> clusterSettings() {
        if (caSecret == null || caSecret.isBlank()) {
            return Optional.empty();
        }
        String ns = Optional.ofNullable(namespace).filter(n -> !n.isBlank())
                .or(() -> ClusterCertificates.podNamespace(environment))
                .orElseThrow(() -> new IllegalArgumentException("--ca-secret needs --namespace (or POD_NAMESPACE)"));
        return Optional.of(ClusterCertificates.Settings.of(ns, caSecret, service, webhookConfig)
                .withExtraNames(tlsSans == null ? java.util.List.of() : tlsSans));
    }

    private EcrSettings ecrSettings() {
        java.util.Map<String, String> roles = new java.util.LinkedHashMap<>();
        for (String r : ecrRoles == null ? java.util.List.<String>of() : ecrRoles) {
            int eq = r.indexOf('=');
            String account = eq < 0 ? "" : r.substring(0, eq).strip();
            String arn = eq < 0 ? "" : r.substring(eq + 1).strip();
            if (!dev.ecrgate.image.EcrRegistry.isAccount(account) || !arn.startsWith("arn:")) {
                throw new IllegalArgumentException("--ecr-role takes ACCOUNT=ROLE_ARN with a 12-digit account, got \""
                        + r + "\"");
            }
            roles.put(account, arn);
        }
        Optional<URI> endpoint;
        try {
            endpoint = Optional.ofNullable(ecrEndpoint).filter(e -> !e.isBlank()).map(URI::create);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--ecr-endpoint is not a URL: " + ecrEndpoint);
        }
        return EcrSettings.defaults().withEndpoint(endpoint).withRoles(roles).withRateLimit(ecrRateLimit)
                .withAttempts(ecrAttempts, Durations.parse(ecrAttemptTimeout))
                .withRefresh(Durations.parse(repositoryRefresh), Durations.parse(mutableTagRefresh),
                        Durations.parse(immutableTagRefresh), Durations.parse(scanRefresh),
                        Durations.parse(negativeRefresh), Durations.parse(maxStale))
                .withMaxCachedFindings(maxFindings);
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
