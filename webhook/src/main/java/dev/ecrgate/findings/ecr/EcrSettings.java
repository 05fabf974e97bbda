package dev.ecrgate.findings.ecr;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How ecrgate talks to the ECR API and how long it keeps the answers. Immutable.
 *
 * @param endpoint             an endpoint that replaces ECR's for every region (a VPC endpoint, or a test double);
 *                             when set, FIPS and dual-stack endpoint selection is off, as the AWS SDK requires
 * @param roles                an IAM role to assume per account ID, for registries in other accounts
 * @param callsPerSecond       the client-side rate limit per account and region
 * @param maxAttempts          attempts per ECR call, including the first (retries back off with jitter)
 * @param attemptTimeout       how long one attempt may take
 * @param repositoryRefresh    how often a repository's tag mutability is read again
 * @param mutableTagRefresh    how often the digest of a tag that can move is read again
 * @param immutableTagRefresh  how often the digest of an immutable tag is read again
 * @param scanRefresh          how often a digest's scan is read again
 * @param negativeRefresh      how soon an answer of "not found" or "scan not finished" is read again
 * @param maxStale             how long a known answer keeps being served, with a warning, while refreshing fails
 * @param maxCachedFindings    the cache's bound, in findings held (each cached answer weighs at least one)
 */
public record EcrSettings(Optional<URI> endpoint, Map<String, String> roles, double callsPerSecond, int maxAttempts,
                          Duration attemptTimeout, Duration repositoryRefresh, Duration mutableTagRefresh,
                          Duration immutableTagRefresh, Duration scanRefresh, Duration negativeRefresh,
                          Duration maxStale, long maxCachedFindings) {
    public EcrSettings {
        Objects.requireNonNull(endpoint, "endpoint");
        roles = Map.copyOf(roles);
        if (callsPerSecond <= 0) {
            throw new IllegalArgumentException("the ECR rate limit must be positive, got " + callsPerSecond);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("ECR attempts must be at least 1, got " + maxAttempts);
        }
        for (Duration d : new Duration[] {attemptTimeout, repositoryRefresh, mutableTagRefresh, immutableTagRefresh,
                scanRefresh, negativeRefresh, maxStale}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("ECR cache and timeout durations must be positive, got " + d);
            }
        }
        if (maxCachedFindings < 1) {
            throw new IllegalArgumentException("the ECR cache bound must be positive, got " + maxCachedFindings);
        }
    }

    /** {@code AWS_ENDPOINT_URL_ECR}, else {@code AWS_ENDPOINT_URL}, as the AWS SDKs and CLI read them. */
    public static Optional<URI> endpointFromEnvironment(Map<String, String> env) {
        return EcrClients.endpointFromEnvironment(env);
    }

    /** The documented defaults. */
    public static EcrSettings defaults() {
        return new EcrSettings(Optional.empty(), Map.of(), 20, 3, Duration.ofMillis(1500), Duration.ofMinutes(5),
                Duration.ofSeconds(30), Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofSeconds(10),
                Duration.ofHours(1), 2_000_000);
    }

    public EcrSettings withEndpoint(Optional<URI> value) {
        return new EcrSettings(value, roles, callsPerSecond, maxAttempts, attemptTimeout, repositoryRefresh,
                mutableTagRefresh, immutableTagRefresh, scanRefresh, negativeRefresh, maxStale, maxCachedFindings);
    }

    public EcrSettings withRoles(Map<String, String> value) {
        return new EcrSettings(endpoint, value, callsPerSecond, maxAttempts, attemptTimeout, repositoryRefresh,
                mutableTagRefresh, immutableTagRefresh, scanRefresh, negativeRefresh, maxStale, maxCachedFindings);
    }

    public EcrSettings withRateLimit(double value) {
        return new EcrSettings(endpoint, roles, value, maxAttempts, attemptTimeout, repositoryRefresh,
                mutableTagRefresh, immutableTagRefresh, scanRefresh, negativeRefresh, maxStale, maxCachedFindings);
    }

    public EcrSettings withAttempts(int attempts, Duration timeout) {
        return new EcrSettings(endpoint, roles, callsPerSecond, attempts, timeout, repositoryRefresh,
                mutableTagRefresh, immutableTagRefresh, scanRefresh, negativeRefresh, maxStale, maxCachedFindings);
    }

    /** Every refresh interval at once, as tests and tuning need. */
    public EcrSettings withRefresh(Duration repository, Duration mutableTag, Duration immutableTag, Duration scan,
                                   Duration negative, Duration stale) {
        return new EcrSettings(endpoint, roles, callsPerSecond, maxAttempts, attemptTimeout, repository, mutableTag,
                immutableTag, scan, negative, stale, maxCachedFindings);
    }

    public EcrSettings withMaxCachedFindings(long value) {
        return new EcrSettings(endpoint, roles, callsPerSecond, maxAttempts, attemptTimeout, repositoryRefresh,
                mutableTagRefresh, immutableTagRefresh, scanRefresh, negativeRefresh, maxStale, value);
    }
}
