package dev.ecrgate.server;

import dev.ecrgate.audit.AuditSettings;
import dev.ecrgate.findings.events.QueueAddress;
import dev.ecrgate.findings.ecr.EcrSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything {@code ecrgate serve} is told, from flags, environment and config file (flags win), in groups that say
 * what each setting is for. Immutable; build one with {@link #builder}. Each group checks its own settings, so a
 * value that is out of range fails when it is built, with a message naming the flag.
 *
 * @param listen    where and how connections are accepted
 * @param tls       where the serving certificate comes from, and who may call {@code /validate}
 * @param sources   the policies and recorded findings, and how often they are read again
 * @param facts     how image facts are looked up, and how long a decision may wait for them
 * @param drain     on SIGTERM, how long to keep answering (with readiness failing) before closing
 * @param logFormat how decision log lines are written
 * @param audit     the background audit of running workloads, when it is on
 */
public record ServeConfig(Listen listen, Tls tls, Sources sources, Facts facts, Duration drain,
                          DecisionLog.Format logFormat, Optional<AuditSettings> audit) {
    /** Two 3 MiB objects (object and oldObject of an UPDATE) and the review around them. */
    public static final long DEFAULT_MAX_BODY_BYTES = 8L * 1024 * 1024;
    /** Well under the webhook's timeoutSeconds (10 in deploy/), so an answer always arrives in time. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(3);
    /** kube-apiserver keeps a few connections per replica, so many more means something else holds them open. */
    public static final int DEFAULT_MAX_CONNECTIONS = 1000;

    public ServeConfig {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(sources, "sources");
        Objects.requireNonNull(facts, "facts");
        Objects.requireNonNull(drain, "drain");
        Objects.requireNonNull(logFormat, "logFormat");
        Objects.requireNonNull(audit, "audit");
    }

    /** Without the audit. */
    public ServeConfig(Listen listen, Tls tls, Sources sources, Facts facts, Duration drain,
                       DecisionLog.Format logFormat) {
        this(listen, tls, sources, facts, drain, logFormat, Optional.empty());
    }

    /**
     * @param host           the address to listen on
     * @param port           the HTTPS port; 0 picks a free one (tests)
     * @param maxBodyBytes   the largest request body accepted; larger ones get 413
     * @param maxConnections open connections beyond this are closed as they arrive
     */
    public record Listen(String host, int port, long maxBodyBytes, int maxConnections) {
        public Listen {
            Objects.requireNonNull(host, "host");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("--port must be between 0 and 65535, got " + port);
            }
            if (maxBodyBytes < 64 * 1024) {
                throw new IllegalArgumentException("--max-body-bytes must be at least 65536, got " + maxBodyBytes);
            }
            if (maxConnections < 1) {
                throw new IllegalArgumentException("--max-connections must be at least 1, got " + maxConnections);
            }
        }
    }

    /**
     * The serving certificate comes from PEM files ({@code cert} and {@code key}), from a CA kept in the cluster
     * ({@code cluster}), or else from a CA generated at start-up (saved to {@code writeCa} when given).
     *
     * @param cert     the serving certificate chain (PEM), with {@code key}
     * @param key      the serving key (PEM: PKCS#1, PKCS#8 or EC)
     * @param writeCa  where to save the generated CA when no certificate is given
     * @param clientCa CA certificates whose client certificates may call {@code /validate}; then one is required
     * @param cluster  self-managed certificates in the cluster (the CA in a Secret, the caBundle kept up to date)
     */
    public record Tls(Optional<Path> cert, Optional<Path> key, Optional<Path> writeCa, Optional<Path> clientCa,
                      Optional<ClusterCertificates.Settings> cluster) {
        public Tls {
            Objects.requireNonNull(cert, "cert");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(writeCa, "writeCa");
            Objects.requireNonNull(clientCa, "clientCa");
            Objects.requireNonNull(cluster, "cluster");
            if (cert.isPresent() != key.isPresent()) {
                throw new IllegalArgumentException("--tls-cert and --tls-key go together: give both or neither");
            }
            if (cluster.isPresent() && cert.isPresent()) {
                throw new IllegalArgumentException("--ca-secret (self-managed certificates) and --tls-cert"
                        + " (certificate files) exclude each other: choose one");
            }
        }
    }

    /**
     * @param policies       the policies directory
     * @param findings       recorded AWS CLI output to read image facts from, instead of the live ECR API
     * @param reloadInterval how often the policies and findings directories (and TLS files) are checked for changes
     */
    public record Sources(Path policies, Optional<Path> findings, Duration reloadInterval, boolean warnOnly,
                          PoliciesFrom policiesFrom) {
        /** Policies in the modes their files give. */
        public Sources(Path policies, Optional<Path> findings, Duration reloadInterval) {
            this(policies, findings, reloadInterval, false);
        }

        /** Policies from files. */
        public Sources(Path policies, Optional<Path> findings, Duration reloadInterval, boolean warnOnly) {
            this(policies, findings, reloadInterval, warnOnly, PoliciesFrom.FILES);
        }

        public Sources {
            Objects.requireNonNull(policies, "policies");
            Objects.requireNonNull(findings, "findings");
            Objects.requireNonNull(policiesFrom, "policiesFrom");
            if (reloadInterval.toMillis() < 100) {
                throw new IllegalArgumentException("--reload-interval must be at least 100ms");
            }
        }
    }

    /** Where policies come from: files in {@code --policies}, or ImagePolicy and ImageException objects. */
    public enum PoliciesFrom {
        FILES, CLUSTER;

        /** Reads {@code --policies-from}. */
        public static PoliciesFrom parse(String text) {
            return switch (text.strip().toLowerCase(java.util.Locale.ROOT)) {
                case "files" -> FILES;
                case "cluster" -> CLUSTER;
                default -> throw new IllegalArgumentException("--policies-from must be files or cluster, got \""
                        + text + "\"");
            };
        }
    }

    /**
     * @param deadline    how long one decision may wait for image facts
     * @param ecr         how the live ECR API is called and cached (when no recorded findings are given)
     * @param prefetch    a file of image references whose facts are read before the server reports ready
     * @param environment the process environment, read once at start: the AWS SDK's credentials, region and
     *                    endpoint variables
     * @param eventQueues SQS queues of ECR and Inspector events that keep the live source's cache fresh
     */
    public record Facts(Duration deadline, EcrSettings ecr, Optional<Path> prefetch, Map<String, String> environment,
                        List<QueueAddress> eventQueues) {
        public Facts {
            Objects.requireNonNull(ecr, "ecr");
            Objects.requireNonNull(prefetch, "prefetch");
            environment = Map.copyOf(environment);
            eventQueues = List.copyOf(eventQueues);
            if (deadline.toMillis() < 10) {
                throw new IllegalArgumentException("--deadline must be at least 10ms");
            }
        }

        /** Without an event feed. */
        public Facts(Duration deadline, EcrSettings ecr, Optional<Path> prefetch, Map<String, String> environment) {
            this(deadline, ecr, prefetch, environment, List.of());
        }
    }

    /** A builder with every setting at its default: listening on 127.0.0.1, a free port, a generated CA. */
    public static Builder builder(Path policies) {
        return new Builder(policies);
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder(sources.policies());
        b.listen = listen;
        b.tls = tls;
        b.sources = sources;
        b.facts = facts;
        b.drain = drain;
        b.logFormat = logFormat;
        b.audit = audit;
        return b;
    }

    /** Builds a {@link ServeConfig}, one group at a time or one setting at a time. Not thread safe. */
    public static final class Builder {
        private Listen listen = new Listen("127.0.0.1", 0, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONNECTIONS);
        private Tls tls = new Tls(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty());
        private Sources sources;
        private Facts facts = new Facts(DEFAULT_DEADLINE, EcrSettings.defaults(), Optional.empty(), Map.of());
        private Duration drain = Duration.ZERO;
        private DecisionLog.Format logFormat = DecisionLog.Format.JSON;
        private Optional<AuditSettings> audit = Optional.empty();

        private Builder(Path policies) {
            this.sources = new Sources(policies, Optional.empty(), Duration.ofSeconds(2));
        }

        public Builder listen(Listen value) {
            listen = value;
            return this;
        }

        public Builder host(String value) {
            return listen(new Listen(value, listen.port(), listen.maxBodyBytes(), listen.maxConnections()));
        }

        public Builder port(int value) {
            return listen(new Listen(listen.host(), value, listen.maxBodyBytes(), listen.maxConnections()));
        }

        public Builder tls(Tls value) {
            tls = value;
            return this;
        }

        /** Serve the certificate in these PEM files, watched for rotation. */
        public Builder tlsFiles(Path cert, Path key) {
            return tls(new Tls(Optional.of(cert), Optional.of(key), tls.writeCa(), tls.clientCa(), tls.cluster()));
        }

        /** Require a client certificate issued by one of the CAs in this PEM file on {@code /validate}. */
        public Builder clientCa(Path value) {
            return tls(new Tls(tls.cert(), tls.key(), tls.writeCa(), Optional.of(value), tls.cluster()));
        }

        /** Every enforce policy warns instead of denying ({@code --warn-only}). */
        public Builder warnOnly(boolean value) {
            return sources(new Sources(sources.policies(), sources.findings(), sources.reloadInterval(), value,
                    sources.policiesFrom()));
        }

        /** Policies from ImagePolicy and ImageException objects in the cluster, or from files. */
        public Builder policiesFrom(PoliciesFrom value) {
            return sources(new Sources(sources.policies(), sources.findings(), sources.reloadInterval(),
                    sources.warnOnly(), value));
        }

        public Builder sources(Sources value) {
            sources = value;
            return this;
        }

        /** Image facts from recorded AWS CLI output in this directory, instead of the live ECR API. */
        public Builder findings(Path value) {
            return sources(new Sources(sources.policies(), Optional.of(value), sources.reloadInterval(),
                    sources.warnOnly(), sources.policiesFrom()));
        }

        public Builder reloadInterval(Duration value) {
            return sources(new Sources(sources.policies(), sources.findings(), value, sources.warnOnly(),
                    sources.policiesFrom()));
        }

        public Builder facts(Facts value) {
            facts = value;
            return this;
        }

        /** The live ECR API with these settings, and how long a decision may wait for it. */
        public Builder ecr(EcrSettings value, Duration deadline) {
            return facts(new Facts(deadline, value, facts.prefetch(), facts.environment(), facts.eventQueues()));
        }

        /** Keep the live source's cache fresh from these SQS queues of ECR and Inspector events. */
        public Builder eventQueues(List<QueueAddress> value) {
            return facts(new Facts(facts.deadline(), facts.ecr(), facts.prefetch(), facts.environment(), value));
        }

        public Builder drain(Duration value) {
            drain = value;
            return this;
        }

        public Builder logFormat(DecisionLog.Format value) {
            logFormat = value;
            return this;
        }

        /** Run the background audit with these settings (against the cluster the environment's kubeconfig names). */
        public Builder audit(AuditSettings value) {
            audit = Optional.of(value);
            return this;
        }

        public ServeConfig build() {
            return new ServeConfig(listen, tls, sources, facts, drain, logFormat, audit);
        }
    }
}
