package dev.ecrgate.server;

import dev.ecrgate.findings.ecr.EcrSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything {@code ecrgate serve} is told, from flags, environment and config file (flags win). Immutable.
 *
 * @param host           the address to listen on
 * @param port           the HTTPS port; 0 picks a free one (tests)
 * @param tlsCert        the serving certificate chain (PEM), with {@code tlsKey}
 * @param tlsKey         the serving key (PEM: PKCS#1, PKCS#8 or EC)
 * @param writeCa        where to save the generated CA when no certificate is given
 * @param policies       the policies directory
 * @param findings       recorded AWS CLI output to read image facts from
 * @param maxBodyBytes   the largest request body accepted; larger ones get 413
 * @param reloadInterval how often the policies and findings directories are checked for changes
 * @param deadline       how long one decision may wait for ECR facts
 * @param ecr            how the live ECR API is called and cached (when {@code findings} is not given)
 * @param prefetch       a file of image references whose facts are read before the server reports ready
 * @param clientCa       CA certificates whose client certificates may call {@code /validate}; then one is required
 * @param cluster        self-managed certificates in the cluster (the CA in a Secret, the caBundle kept up to date)
 * @param drain          on SIGTERM, how long to keep answering (with readiness failing) before closing
 * @param logFormat      how decision log lines are written
 */
public record ServeConfig(String host, int port, Optional<Path> tlsCert, Optional<Path> tlsKey, Optional<Path> writeCa,
                          Path policies, Optional<Path> findings, long maxBodyBytes, Duration reloadInterval,
                          Duration deadline, EcrSettings ecr, Optional<Path> prefetch, Optional<Path> clientCa,
                          Optional<ClusterCertificates.Settings> cluster, Duration drain,
                          DecisionLog.Format logFormat) {
    /** Two 3 MiB objects (object and oldObject of an UPDATE) and the review around them. */
    public static final long DEFAULT_MAX_BODY_BYTES = 8L * 1024 * 1024;
    /** Well under the webhook's timeoutSeconds (10 in deploy/), so an answer always arrives in time. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(3);

    /** Decision log lines in JSON. */
    public ServeConfig(String host, int port, Optional<Path> tlsCert, Optional<Path> tlsKey, Optional<Path> writeCa,
                       Path policies, Optional<Path> findings, long maxBodyBytes, Duration reloadInterval,
                       Duration deadline, EcrSettings ecr, Optional<Path> prefetch, Optional<Path> clientCa,
                       Optional<ClusterCertificates.Settings> cluster, Duration drain) {
        this(host, port, tlsCert, tlsKey, writeCa, policies, findings, maxBodyBytes, reloadInterval, deadline, ecr,
                prefetch, clientCa, cluster, drain, DecisionLog.Format.JSON);
    }

    /** The settings tests and tools start from: everything at its default. */
    public static ServeConfig of(int port, Path policies, Optional<Path> findings) {
        return new ServeConfig("127.0.0.1", port, Optional.empty(), Optional.empty(), Optional.empty(), policies,
                findings, DEFAULT_MAX_BODY_BYTES, Duration.ofSeconds(2), DEFAULT_DEADLINE, EcrSettings.defaults(),
                Optional.empty(), Optional.empty(), Optional.empty(), Duration.ZERO);
    }

    public ServeConfig withTls(Optional<Path> cert, Optional<Path> key, Optional<Path> clientCas) {
        return new ServeConfig(host, port, cert, key, writeCa, policies, findings, maxBodyBytes, reloadInterval,
                deadline, ecr, prefetch, clientCas, cluster, drain, logFormat);
    }

    public ServeConfig withReloadInterval(Duration interval) {
        return new ServeConfig(host, port, tlsCert, tlsKey, writeCa, policies, findings, maxBodyBytes, interval,
                deadline, ecr, prefetch, clientCa, cluster, drain, logFormat);
    }

    public ServeConfig withEcr(EcrSettings value, Duration decisionDeadline) {
        return new ServeConfig(host, port, tlsCert, tlsKey, writeCa, policies, findings, maxBodyBytes,
                reloadInterval, decisionDeadline, value, prefetch, clientCa, cluster, drain, logFormat);
    }

    public ServeConfig withHost(String value) {
        return new ServeConfig(value, port, tlsCert, tlsKey, writeCa, policies, findings, maxBodyBytes,
                reloadInterval, deadline, ecr, prefetch, clientCa, cluster, drain, logFormat);
    }

    public ServeConfig withDrain(Duration value) {
        return new ServeConfig(host, port, tlsCert, tlsKey, writeCa, policies, findings, maxBodyBytes,
                reloadInterval, deadline, ecr, prefetch, clientCa, cluster, value, logFormat);
    }

    public ServeConfig withCluster(Optional<ClusterCertificates.Settings> value) {
        return new ServeConfig(host, port, tlsCert, tlsKey, writeCa, policies, findings, maxBodyBytes,
                reloadInterval, deadline, ecr, prefetch, clientCa, value, drain, logFormat);
    }

    public ServeConfig withLogFormat(DecisionLog.Format value) {
        return new ServeConfig(host, port, tlsCert, tlsKey, writeCa, policies, findings, maxBodyBytes,
                reloadInterval, deadline, ecr, prefetch, clientCa, cluster, drain, value);
    }

    public ServeConfig {
        Objects.requireNonNull(logFormat, "logFormat");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(tlsCert, "tlsCert");
        Objects.requireNonNull(tlsKey, "tlsKey");
        Objects.requireNonNull(writeCa, "writeCa");
        Objects.requireNonNull(policies, "policies");
        Objects.requireNonNull(findings, "findings");
        Objects.requireNonNull(reloadInterval, "reloadInterval");
        if (tlsCert.isPresent() != tlsKey.isPresent()) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together: give both or neither");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be between 0 and 65535, got " + port);
        }
        if (maxBodyBytes < 64 * 1024) {
            throw new IllegalArgumentException("--max-body-bytes must be at least 65536, got " + maxBodyBytes);
        }
        Objects.requireNonNull(ecr, "ecr");
        Objects.requireNonNull(prefetch, "prefetch");
        Objects.requireNonNull(clientCa, "clientCa");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(drain, "drain");
        if (cluster.isPresent() && tlsCert.isPresent()) {
            throw new IllegalArgumentException("--ca-secret (self-managed certificates) and --tls-cert (certificate"
                    + " files) exclude each other: choose one");
        }
        if (deadline.toMillis() < 10) {
            throw new IllegalArgumentException("--deadline must be at least 10ms");
        }
        if (reloadInterval.toMillis() < 100) {
            throw new IllegalArgumentException("--reload-interval must be at least 100ms");
        }
    }
}
