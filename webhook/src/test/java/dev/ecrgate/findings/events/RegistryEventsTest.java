package dev.ecrgate.findings.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ecrgate.findings.events.RegistryEvent.Effect;
import dev.ecrgate.findings.events.RegistryEvent.Effect.Target;
import dev.ecrgate.findings.events.RegistryEvent.Kind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Real-shaped EventBridge events (in {@code src/test/resources/events/}) and what ecrgate reads from them. */
class RegistryEventsTest {
    static final String API = "sha256:16eb06ced985216bb14744c43dad833c58f56296d152e580542d0e8630f63316";
    static final String WORKER = "sha256:c860431e45170f74bed5c6447b1f22772e653212cd72e48ea23d85b91166e626";
    static final String OTHER = "sha256:0000000000000000000000000000000000000000000000000000000000000001";

    static String resource(String name) {
        try (var in = RegistryEventsTest.class.getResourceAsStream("/events/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Stream<Arguments> events() {
        return Stream.of(
                Arguments.of("an ECR basic scan that completed", "ecr-image-scan.json", Kind.SCAN,
                        "2026-12-03T09:00:05Z", "team-blue/api", List.of(API), List.of("1.4.2")),
                Arguments.of("an image pushed with a tag", "ecr-image-push.json", Kind.PUSH,
                        "2026-12-03T09:00:01Z", "team-blue/api", List.of(API), List.of("1.4.2")),
                Arguments.of("an image deleted", "ecr-image-delete.json", Kind.DELETE,
                        "2026-12-03T09:10:00Z", "team-blue/api", List.of(API), List.of("1.4.2")),
                Arguments.of("two images expired by a lifecycle policy (CloudTrail PolicyExecutionEvent)",
                        "ecr-lifecycle-expiry.json", Kind.LIFECYCLE_EXPIRY, "2026-12-03T03:12:40Z",
                        "team-blue/worker", List.of(WORKER, OTHER), List.of("2.0.1")),
                Arguments.of("an Inspector finding on an ECR image", "inspector2-finding.json",
                        Kind.INSPECTOR_FINDING, "2026-12-03T09:05:00Z", "team-blue/api", List.of(API),
                        List.of("1.4.2")),
                Arguments.of("an Inspector initial scan, whose repository-name is an ARN", "inspector2-scan.json",
                        Kind.INSPECTOR_SCAN, "2026-12-03T09:03:16Z", "team-blue/api", List.of(API),
                        List.of("1.4.2")),
                Arguments.of("a scan event wrapped in an SNS notification", "sns-wrapped-scan.json", Kind.SCAN,
                        "2026-12-03T09:00:05Z", "team-blue/api", List.of(API), List.of("1.4.2")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("events")
    void readsTheEvent(String name, String file, Kind kind, String time, String repository, List<String> digests,
                       List<String> tags) {
        ParsedMessage parsed = RegistryEvents.parse(resource(file));

        RegistryEvent event = assertInstanceOf(ParsedMessage.Event.class, parsed, parsed::toString).event();
        assertEquals(kind, event.kind());
        assertEquals(Instant.parse(time), event.time());
        assertEquals("111122223333", event.account());
        assertEquals("us-east-1", event.region());
        assertEquals(repository, event.repository());
        assertEquals(digests, event.digests());
        assertEquals(tags, event.tags());
        assertEquals(kind.label(), parsed.type());
    }

    static Stream<Arguments> effects() {
        String a = "111122223333";
        String r = "us-east-1";
        return Stream.of(
                Arguments.of("a scan reads the digest's scan again", "ecr-image-scan.json",
                        List.of(new Effect(Target.SCAN, a, r, "team-blue/api", API))),
                Arguments.of("a push reads the tag again, and the digest (a pinned reference may have missed it)",
                        "ecr-image-push.json", List.of(new Effect(Target.SCAN, a, r, "team-blue/api", API),
                                new Effect(Target.TAG, a, r, "team-blue/api", "1.4.2"))),
                Arguments.of("a delete reads the digest, the tag and every tag cached at the digest again",
                        "ecr-image-delete.json", List.of(new Effect(Target.SCAN, a, r, "team-blue/api", API),
                                new Effect(Target.TAG, a, r, "team-blue/api", "1.4.2"),
                                new Effect(Target.TAGS_AT, a, r, "team-blue/api", API))),
                Arguments.of("an Inspector finding reads the digest's scan again", "inspector2-finding.json",
                        List.of(new Effect(Target.SCAN, a, r, "team-blue/api", API))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("effects")
    void anEventNamesTheCachedEntriesItConcerns(String name, String file, List<Effect> effects) {
        RegistryEvent event = ((ParsedMessage.Event) RegistryEvents.parse(resource(file))).event();

        assertEquals(effects, event.effects());
    }

    static Stream<Arguments> notApplied() {
        String scan = resource("ecr-image-scan.json");
        String push = resource("ecr-image-push.json");
        return Stream.of(
                Arguments.of("an empty message", "", ParsedMessage.Malformed.class, "the message is empty"),
                Arguments.of("a message that is not JSON", "hello", ParsedMessage.Malformed.class, "not JSON"),
                Arguments.of("JSON that is not an EventBridge event", "{\"Records\": []}",
                        ParsedMessage.Malformed.class, "not an EventBridge event"),
                Arguments.of("an SNS notification whose Message is not JSON",
                        "{\"Type\": \"Notification\", \"Message\": \"hello\"}", ParsedMessage.Malformed.class,
                        "SNS notification's Message is not JSON"),
                Arguments.of("a scan event whose digest is not a digest",
                        scan.replace(API, "sha256:abc"), ParsedMessage.Malformed.class,
                        "\"sha256:abc\" is not an image digest"),
                Arguments.of("a scan event without a digest", scan.replace("\"image-digest\"", "\"digest\""),
                        ParsedMessage.Malformed.class, "the event has no image-digest"),
                Arguments.of("an event whose account is not an account", scan.replace("\"account\": \"111122223333\"",
                        "\"account\": \"me\""), ParsedMessage.Malformed.class, "\"me\" is not an AWS account id"),
                Arguments.of("an event whose time is not a time", scan.replace("2026-12-03T09:00:05Z", "yesterday"),
                        ParsedMessage.Malformed.class, "\"yesterday\" is not an RFC 3339 time"),
                Arguments.of("a repository name ECR would refuse", scan.replace("\"team-blue/api\"",
                        "\"Team Blue\""), ParsedMessage.Malformed.class, "\"Team Blue\" is not an ECR repository"),
                Arguments.of("a push that failed", push.replace("\"SUCCESS\"", "\"FAILURE\""),
                        ParsedMessage.Ignored.class, "did not succeed (FAILURE)"),
                Arguments.of("an Inspector finding on an EC2 instance", resource("inspector2-finding-ec2.json"),
                        ParsedMessage.Ignored.class, "not about an ECR container image"),
                Arguments.of("a repository's scan frequency that changed", scan.replace("ECR Image Scan",
                        "ECR Scan Resource Change"), ParsedMessage.Ignored.class, "changes no cached image fact"),
                Arguments.of("another AWS service's event", scan.replace("\"aws.ecr\"", "\"aws.s3\"")
                        .replace("ECR Image Scan", "Object Created"), ParsedMessage.Unknown.class, "aws.s3"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notApplied")
    void aMessageThatIsNotAnEventToApplySaysWhy(String name, String body, Class<? extends ParsedMessage> kind,
                                                String says) {
        ParsedMessage parsed = RegistryEvents.parse(body);

        assertInstanceOf(kind, parsed, parsed::toString);
        assertTrue(parsed.toString().contains(says), parsed::toString);
    }

    @Test
    void noBodyMakesTheParserThrow() {
        String scan = resource("ecr-image-scan.json");
        java.util.Random random = new java.util.Random(12);
        for (int i = 0; i < 5_000; i++) {
            char[] chars = scan.toCharArray();
            for (int j = 0; j < 1 + random.nextInt(8); j++) {
                chars[random.nextInt(chars.length)] = (char) (32 + random.nextInt(95));
            }
            assertTrue(RegistryEvents.parse(new String(chars)) != null);
        }
        assertInstanceOf(ParsedMessage.Malformed.class, RegistryEvents.parse("x".repeat(2 * 1024 * 1024)));
        assertInstanceOf(ParsedMessage.Malformed.class, RegistryEvents.parse("[1, 2]"));
        assertInstanceOf(ParsedMessage.Malformed.class, RegistryEvents.parse("null"));
    }
}
