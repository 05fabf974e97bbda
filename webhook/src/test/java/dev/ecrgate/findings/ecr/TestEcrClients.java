package dev.ecrgate.findings.ecr;

import java.net.URI;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.crt.AwsCrtAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrAsyncClient;

/** Real AWS SDK v2 ECR clients on the CRT HTTP client, pointed at a test peer with dummy credentials. */
final class TestEcrClients {
    static final String ACCESS_KEY_ID = "AKIDTEST";

    private TestEcrClients() {
    }

    /** A client with the SDK's default configuration (retries included) signing for {@code region}. */
    static EcrAsyncClient to(URI endpoint, String region) {
        return to(endpoint, region, c -> { });
    }

    static EcrAsyncClient to(URI endpoint, String region, Consumer<ClientOverrideConfiguration.Builder> override) {
        return EcrAsyncClient.builder()
                .region(Region.of(region))
                .endpointOverride(endpoint)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(ACCESS_KEY_ID, "secret")))
                .httpClientBuilder(AwsCrtAsyncHttpClient.builder())
                .overrideConfiguration(override)
                .build();
    }
}
