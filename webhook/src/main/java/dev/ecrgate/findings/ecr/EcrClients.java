package dev.ecrgate.findings.ecr;

import dev.ecrgate.image.EcrRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.crt.AwsCrtAsyncHttpClient;
import software.amazon.awssdk.http.crt.AwsCrtHttpClient;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.metrics.MetricPublisher;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrAsyncClient;
import software.amazon.awssdk.services.ecr.EcrAsyncClientBuilder;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

/**
 * One ECR client per region (and per FIPS, dual-stack and role), all sharing one CRT HTTP client and one
 * credentials chain. Credentials come the AWS way: environment, profile, IRSA web identity (with STS on the class
 * path), EKS Pod Identity, instance metadata; an account with a configured role is read with that role, assumed
 * through STS and refreshed in the background before it expires. Thread safe; close it to release connections.
 */
final class EcrClients implements AutoCloseable {
    private final EcrSettings settings;
    private final Optional<URI> endpoint;
    private final SdkAsyncHttpClient http;
    private final AwsCredentialsProvider defaultCredentials;
    private final Map<String, EcrAsyncClient> clients = new ConcurrentHashMap<>();
    private final Map<String, AwsCredentialsProvider> roleCredentials = new ConcurrentHashMap<>();
    private final Map<String, StsClient> stsClients = new ConcurrentHashMap<>();
    private volatile SdkHttpClient stsHttp;
    private final MetricPublisher metrics;

    /** @param metrics receives the SDK's metrics of every ECR call (ecrgate counts throttled attempts there) */
    EcrClients(EcrSettings settings, Map<String, String> environment, AwsCredentialsProvider credentials,
               MetricPublisher metrics) {
        this.settings = settings;
        this.metrics = metrics;
        this.endpoint = settings.endpoint().or(() -> endpointFromEnvironment(environment));
        this.http = AwsCrtAsyncHttpClient.builder().maxConcurrency(256)
                .connectionTimeout(Duration.ofSeconds(2)).build();
        this.defaultCredentials = credentials;
    }

    static AwsCredentialsProvider defaultCredentials() {
        return DefaultCredentialsProvider.builder().asyncCredentialUpdateEnabled(true).build();
    }

    /** {@code AWS_ENDPOINT_URL_ECR}, else {@code AWS_ENDPOINT_URL}, as the AWS SDKs and CLI read them. */
    static Optional<URI> endpointFromEnvironment(Map<String, String> env) {
        String url = env.getOrDefault("AWS_ENDPOINT_URL_ECR", env.get("AWS_ENDPOINT_URL"));
        return url == null || url.isBlank() ? Optional.empty() : Optional.of(URI.create(url.trim()));
    }

    /** Resolves the default credentials once, as the first call would; names the provider that had them. */
    CompletableFuture<String> checkCredentials() {
        // resolving may block (instance metadata, STS) and may throw rather than fail the future: own thread
        return CompletableFuture.supplyAsync(() -> defaultCredentials.resolveIdentity().join(),
                        task -> {
                            Thread t = new Thread(task, "ecrgate-credentials");
                            t.setDaemon(true);
                            t.start();
                        })
                .thenApply(id -> "AWS credentials from " + id.providerName().orElse("the default chain"));
    }

    Optional<URI> endpoint() {
        return endpoint;
    }

    EcrAsyncClient client(EcrRegistry registry) {
        String role = settings.roles().get(registry.account());
        String key = registry.region() + "|" + registry.fips() + "|" + registry.dualStack() + "|"
                + (role == null ? "" : role);
        return clients.computeIfAbsent(key, k -> build(registry, role));
    }

    private EcrAsyncClient build(EcrRegistry registry, String role) {
        EcrAsyncClientBuilder b = EcrAsyncClient.builder()
                .region(Region.of(registry.region()))
                .httpClient(http)
                .credentialsProvider(role == null ? defaultCredentials : roleCredentials(registry.region(), role))
                .overrideConfiguration(c -> c
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .maxAttempts(settings.maxAttempts()).build())
                        .apiCallAttemptTimeout(settings.attemptTimeout())
                        .addMetricPublisher(metrics));
        if (endpoint.isPresent()) {
            // the SDK's endpoint rules refuse FIPS or dual-stack together with a custom endpoint: the override wins
            b.endpointOverride(endpoint.get());
        } else {
            b.fipsEnabled(registry.fips()).dualstackEnabled(registry.dualStack());
        }
        return b.build();
    }

    private AwsCredentialsProvider roleCredentials(String region, String roleArn) {
        return roleCredentials.computeIfAbsent(region + "|" + roleArn, k -> StsAssumeRoleCredentialsProvider.builder()
                .stsClient(sts(region))
                .refreshRequest(r -> r.roleArn(roleArn).roleSessionName("ecrgate").durationSeconds(3600))
                .asyncCredentialUpdateEnabled(true)
                .build());
    }

    private StsClient sts(String region) {
        return stsClients.computeIfAbsent(region, r -> StsClient.builder().region(Region.of(r))
                .httpClient(stsHttp())
                .credentialsProvider(defaultCredentials).build());
    }

    private synchronized SdkHttpClient stsHttp() {
        if (stsHttp == null) {
            stsHttp = AwsCrtHttpClient.builder().build();
        }
        return stsHttp;
    }

    @Override
    public void close() {
        clients.values().forEach(EcrAsyncClient::close);
        roleCredentials.values().forEach(p -> {
            if (p instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // closing on shutdown: nothing to do about it
                }
            }
        });
        stsClients.values().forEach(StsClient::close);
        http.close();
        if (stsHttp != null) {
            stsHttp.close();
        }
    }
}
