package dev.ecrgate.findings.events;

import dev.ecrgate.image.EcrRegistry;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An SQS queue URL and where to send its requests. An AWS queue URL names its region
 * ({@code https://sqs.eu-west-1.amazonaws.com/123456789012/ecrgate-events}, also FIPS, dual-stack and the legacy
 * {@code queue.amazonaws.com} hosts); any other host (a local SQS, moto) is used as the endpoint, in the region of
 * {@code AWS_REGION} (else us-east-1). {@code AWS_ENDPOINT_URL_SQS} or {@code AWS_ENDPOINT_URL} override the
 * endpoint, as in the AWS SDKs and CLI.
 *
 * @param url      the queue URL, as SQS calls take it
 * @param name     the queue's name, for metrics and logs
 * @param region   the queue's region
 * @param endpoint where requests go, when not the region's AWS endpoint
 * @param fips     whether to use the FIPS endpoint
 */
public record QueueAddress(String url, String name, String region, Optional<URI> endpoint, boolean fips) {
    private static final Pattern AWS_HOST = Pattern.compile(
            "(sqs|sqs-fips)\\.(" + EcrRegistry.REGION_PATTERN + ")\\.(amazonaws\\.com(?:\\.cn)?|api\\.aws)");
    private static final Pattern LEGACY_HOST = Pattern.compile(
            "(?:(" + EcrRegistry.REGION_PATTERN + ")\\.)?queue\\.amazonaws\\.com");
    private static final Pattern PATH = Pattern.compile("/([0-9]{12})/([A-Za-z0-9_-]{1,80}(?:\\.fifo)?)/?");

    /**
     * Reads a queue URL given to {@code --events-queue}.
     *
     * @throws IllegalArgumentException with a message for the operator when it is not an SQS queue URL
     */
    public static QueueAddress parse(String text, Map<String, String> environment) {
        URI uri;
        try {
            uri = new URI(text.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--events-queue " + text + " is not a URL: " + e.getReason());
        }
        if (uri.getScheme() == null || uri.getHost() == null
                || !(uri.getScheme().equals("https") || uri.getScheme().equals("http"))) {
            throw new IllegalArgumentException("--events-queue " + text + " is not an SQS queue URL (expected"
                    + " https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)");
        }
        Matcher path = PATH.matcher(uri.getRawPath() == null ? "" : uri.getRawPath());
        if (!path.matches() || uri.getRawQuery() != null) {
            throw new IllegalArgumentException("--events-queue " + text + ": the path must be /ACCOUNT/QUEUE-NAME"
                    + " (as aws sqs get-queue-url prints it)");
        }
        String name = path.group(2);
        Optional<URI> override = Optional.ofNullable(environment.getOrDefault("AWS_ENDPOINT_URL_SQS",
                        environment.get("AWS_ENDPOINT_URL")))
                .filter(s -> !s.isBlank()).map(s -> URI.create(s.strip()));
        String host = uri.getHost();
        Matcher aws = AWS_HOST.matcher(host);
        if (aws.matches()) {
            return new QueueAddress(uri.toString(), name, aws.group(2), override,
                    aws.group(1).equals("sqs-fips") && override.isEmpty());
        }
        Matcher legacy = LEGACY_HOST.matcher(host);
        if (legacy.matches()) {
            return new QueueAddress(uri.toString(), name, legacy.group(1) == null ? "us-east-1" : legacy.group(1),
                    override, false);
        }
        String region = environment.getOrDefault("AWS_REGION", environment.getOrDefault("AWS_DEFAULT_REGION",
                "us-east-1"));
        URI origin = URI.create(uri.getScheme() + "://" + uri.getRawAuthority());
        return new QueueAddress(uri.toString(), name, region, override.or(() -> Optional.of(origin)), false);
    }
}
