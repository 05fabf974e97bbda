package dev.ecrgate.findings.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class QueueAddressTest {
    static Stream<Arguments> addresses() {
        return Stream.of(
                Arguments.of("an AWS queue URL names its region", "https://sqs.eu-west-1.amazonaws.com/111122223333/ecrgate-events",
                        Map.of(), "ecrgate-events", "eu-west-1", Optional.empty(), false),
                Arguments.of("a FIPS queue URL", "https://sqs-fips.us-gov-west-1.amazonaws.com/111122223333/q",
                        Map.of(), "q", "us-gov-west-1", Optional.empty(), true),
                Arguments.of("a China queue URL", "https://sqs.cn-north-1.amazonaws.com.cn/111122223333/q",
                        Map.of(), "q", "cn-north-1", Optional.empty(), false),
                Arguments.of("a legacy queue URL", "https://eu-central-1.queue.amazonaws.com/111122223333/q",
                        Map.of(), "q", "eu-central-1", Optional.empty(), false),
                Arguments.of("a local SQS (moto) is its own endpoint, in AWS_REGION",
                        "http://127.0.0.1:5000/111122223333/ecrgate-events", Map.of("AWS_REGION", "us-west-2"),
                        "ecrgate-events", "us-west-2", Optional.of(URI.create("http://127.0.0.1:5000")), false),
                Arguments.of("AWS_ENDPOINT_URL_SQS overrides the endpoint",
                        "https://sqs.us-east-1.amazonaws.com/111122223333/q.fifo",
                        Map.of("AWS_ENDPOINT_URL_SQS", "https://vpce-1.sqs.us-east-1.vpce.amazonaws.com"), "q.fifo",
                        "us-east-1", Optional.of(URI.create("https://vpce-1.sqs.us-east-1.vpce.amazonaws.com")),
                        false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("addresses")
    void readsTheQueueUrl(String name, String url, Map<String, String> env, String queue, String region,
                          Optional<URI> endpoint, boolean fips) {
        QueueAddress a = QueueAddress.parse(url, env);

        assertEquals(queue, a.name());
        assertEquals(region, a.region());
        assertEquals(endpoint, a.endpoint());
        assertEquals(fips, a.fips());
        assertEquals(url, a.url());
    }

    static Stream<Arguments> bad() {
        return Stream.of(
                Arguments.of("a queue name instead of its URL", "ecrgate-events", "not an SQS queue URL"),
                Arguments.of("an ARN instead of the URL", "arn:aws:sqs:us-east-1:111122223333:q",
                        "not an SQS queue URL"),
                Arguments.of("a URL without the account", "https://sqs.us-east-1.amazonaws.com/q",
                        "the path must be /ACCOUNT/QUEUE-NAME"),
                Arguments.of("a URL with spaces", "https://sqs.us-east-1.amazonaws.com/1 2/q", "is not a URL"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bad")
    void aBadQueueUrlIsRefusedNamingTheFlag(String name, String url, String says) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> QueueAddress.parse(url, Map.of()));

        assertTrue(e.getMessage().startsWith("--events-queue "), e.getMessage());
        assertTrue(e.getMessage().contains(says), e.getMessage());
    }
}
