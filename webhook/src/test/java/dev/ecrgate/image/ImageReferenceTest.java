package dev.ecrgate.image;

import dev.ecrgate.text.OutsideText;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ImageReferenceTest {

    /**
     * One case of distribution/reference's own test tables (see the resource file for which), with the parts
     * ParseNormalizedNamed gives the input, or a fragment of the message when it is refused.
     */
    record UpstreamCase(String source, String input, Optional<ExpectedParts> parts, Optional<String> error) {

        @Override
        public String toString() {
            String sentence = parts.map(p -> OutsideText.quoted(input) + " is " + p.canonical())
                    .orElseGet(() -> OutsideText.quoted(input) + " is refused because " + error.orElseThrow());
            return sentence + " (" + source + ")";
        }
    }

    record ExpectedParts(String domain, String path, Optional<String> tag, Optional<String> digest) {

        String canonical() {
            return domain + "/" + path + tag.map(t -> ":" + t).orElse("") + digest.map(d -> "@" + d).orElse("");
        }
    }

    static List<UpstreamCase> upstreamCases() {
        try (InputStream in = ImageReferenceTest.class.getResourceAsStream("/image/distribution-reference-cases.json")) {
            JsonNode root = new ObjectMapper().readTree(in);
            List<UpstreamCase> cases = new ArrayList<>();
            for (JsonNode table : root.get("tables")) {
                String source = table.get("source").asText();
                for (JsonNode c : table.get("cases")) {
                    Optional<ExpectedParts> parts = c.has("error")
                            ? Optional.empty()
                            : Optional.of(new ExpectedParts(c.get("domain").asText(), c.get("path").asText(),
                                    text(c, "tag"), text(c, "digest")));
                    cases.add(new UpstreamCase(source, c.get("input").asText(), parts, text(c, "error")));
                }
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<String> text(JsonNode node, String field) {
        return node.has(field) ? Optional.of(node.get(field).asText()) : Optional.empty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("upstreamCases")
    void parsesEveryUpstreamCaseAsParseNormalizedNamedDoes(UpstreamCase c) throws Exception {
        if (c.parts().isEmpty()) {
            InvalidImageReferenceException e =
                    assertThrows(InvalidImageReferenceException.class, () -> ImageReference.parse(c.input()));
            assertTrue(e.getMessage().startsWith("invalid image reference " + OutsideText.quoted(c.input()) + ": "),
                    e.getMessage());
            assertTrue(e.getMessage().contains(c.error().orElseThrow()), e.getMessage());
            return;
        }
        ExpectedParts expected = c.parts().get();
        ImageReference ref = ImageReference.parse(c.input());
        assertAll(
                () -> assertEquals(c.input(), ref.original(), "original"),
                () -> assertEquals(expected.domain(), ref.domain(), "domain"),
                () -> assertEquals(expected.path(), ref.path(), "path"),
                () -> assertEquals(expected.tag(), ref.tag(), "tag"),
                () -> assertEquals(expected.digest(), ref.digest(), "digest"),
                () -> assertEquals(expected.canonical(), ref.canonical(), "canonical"),
                () -> assertEquals(Optional.empty(), ref.ecr(), "ecr"));
    }

    static Stream<String> validInputs() {
        Stream<String> upstream = upstreamCases().stream().filter(c -> c.parts().isPresent()).map(UpstreamCase::input);
        Stream<String> ours = Stream.of(
                "nginx",
                "Foo/bar:v1@sha256:" + "0".repeat(64),
                "foo_bar.com/app:1",
                "111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/api:1.2@sha256:" + "a".repeat(64),
                "111122223333.DKR-ECR-FIPS.US-GOV-WEST-1.ON.AWS/api",
                "[::1]:5000/foo:bar@sha384:" + "b".repeat(96));
        return Stream.concat(upstream, ours).distinct();
    }

    @ParameterizedTest(name = "the canonical form of {0} parses back to the same parts")
    @MethodSource("validInputs")
    void canonicalFormParsesBackToTheSameParts(String input) throws Exception {
        ImageReference first = ImageReference.parse(input);
        ImageReference again = ImageReference.parse(first.canonical());
        assertAll(
                () -> assertEquals(first.domain(), again.domain(), "domain"),
                () -> assertEquals(first.path(), again.path(), "path"),
                () -> assertEquals(first.tag(), again.tag(), "tag"),
                () -> assertEquals(first.digest(), again.digest(), "digest"),
                () -> assertEquals(first.ecr(), again.ecr(), "ecr"),
                () -> assertEquals(first.canonical(), again.canonical(), "canonical"));
    }

    static Stream<Arguments> messages() {
        String longTag = "x".repeat(129);
        return Stream.of(
                Arguments.of("a path with uppercase letters",
                        "example.com/Foo/bar", "invalid image reference \"example.com/Foo/bar\": repository name must be lowercase"),
                Arguments.of("a single uppercase Hub name",
                        "Nginx", "invalid image reference \"Nginx\": repository name must be lowercase"),
                Arguments.of("an uppercase first segment that is no host",
                        "My_Team/app", "invalid image reference \"My_Team/app\": \"My_Team\" is read as a registry host"
                                + " because it has uppercase letters, and it is not a valid host; repository names must be lowercase"),
                Arguments.of("a tag of 129 characters",
                        "nginx:" + longTag, "invalid image reference \"nginx:" + longTag.substring(0, 114) + "\"... (135 characters): tag \""
                                + longTag.substring(0, 120) + "\"... (129 characters) is longer than 128 characters"),
                Arguments.of("a short sha256 digest",
                        "nginx@sha256:abc", "invalid image reference \"nginx@sha256:abc\": invalid digest \"sha256:abc\": sha256 digests"
                                + " have 64 hex characters (0-9, a-f); this one has 3"),
                Arguments.of("an uppercase sha256 digest",
                        "nginx@sha256:" + "A".repeat(64), "invalid image reference \"nginx@sha256:" + "A".repeat(64)
                                + "\": invalid digest \"sha256:" + "A".repeat(64) + "\": sha256 digests have 64 hex characters"
                                + " (0-9, a-f); this one has characters other than 0-9 and a-f"),
                Arguments.of("an md5 digest",
                        "nginx@md5:" + "0".repeat(32), "invalid image reference \"nginx@md5:" + "0".repeat(32)
                                + "\": invalid digest \"md5:" + "0".repeat(32) + "\": digest algorithm \"md5\" is not supported;"
                                + " use sha256, sha384 or sha512"),
                Arguments.of("a name of 256 characters",
                        "example.com/" + "a".repeat(256), "invalid image reference \"example.com/" + "a".repeat(108)
                                + "\"... (268 characters): repository name is longer than 255 characters (it has 256)"),
                Arguments.of("a trailing newline",
                        "nginx\n", "invalid image reference \"nginx\\n\": it contains a control character (U+000A) at position 6"),
                Arguments.of("a space",
                        "nginx latest", "invalid image reference \"nginx latest\": it contains whitespace (U+0020) at position 6"),
                Arguments.of("a right-to-left override",
                        "ngi\u202Enx", "invalid image reference \"ngi\\u202Enx\": it contains the non-ASCII character U+202E"
                                + " at position 4; image references are plain ASCII"),
                Arguments.of("an escape sequence and a quote",
                        "\u001b[31m\"x", "invalid image reference \"\\u001B[31m\\\"x\": it contains a control character (U+001B)"
                                + " at position 1"),
                Arguments.of("a URL",
                        "https://ghcr.io/a/b", "invalid image reference \"https://ghcr.io/a/b\": an image reference has no URL"
                                + " scheme; write host/repository, without \"https://\""),
                Arguments.of("an image ID",
                        "f".repeat(64), "invalid image reference \"" + "f".repeat(64) + "\": a 64-character hexadecimal string"
                                + " is an image ID and cannot be used as a repository name"),
                Arguments.of("an empty string",
                        "", "invalid image reference \"\": it is empty"),
                Arguments.of("a tag but no name",
                        ":latest", "invalid image reference \":latest\": the repository name is missing"),
                Arguments.of("an empty tag",
                        "nginx:", "invalid image reference \"nginx:\": the tag after \":\" is empty"),
                Arguments.of("an empty digest",
                        "nginx@", "invalid image reference \"nginx@\": the digest after \"@\" is empty"),
                Arguments.of("a port that is not a number",
                        "registry:https/app", "invalid image reference \"registry:https/app\": registry port \"https\" is not a number"));
    }

    @ParameterizedTest(name = "the message for {0} says what is wrong")
    @MethodSource("messages")
    void messagesSayWhatIsWrong(String situation, String input, String message) {
        InvalidImageReferenceException e =
                assertThrows(InvalidImageReferenceException.class, () -> ImageReference.parse(input));
        assertEquals(message, e.getMessage());
    }

    @Test
    void nullIsRefusedWithTheCheckedException() {
        InvalidImageReferenceException e =
                assertThrows(InvalidImageReferenceException.class, () -> ImageReference.parse(null));
        assertEquals("invalid image reference: no image was given (null)", e.getMessage());
    }

    @Test
    void aFirstSegmentThatIsAPathComponentButNoHostIsTheHostContainerdPullsFrom() throws Exception {
        // Upstream accepts this with an empty domain and the whole name as path; containerd then pulls from
        // foo_bar.com, so that is the domain reported here.
        ImageReference ref = ImageReference.parse("foo_bar.com/team/app:1");
        assertEquals("foo_bar.com", ref.domain());
        assertEquals("team/app", ref.path());
        assertEquals(Optional.of("1"), ref.tag());
    }

    @Test
    void theQuirkCountsTheFirstSegmentTowardsTheNameLimitAsUpstreamDoes() {
        String path = "a".repeat(255 - "foo_bar.com/".length() + 1);
        assertThrows(InvalidImageReferenceException.class, () -> ImageReference.parse("foo_bar.com/" + path));
    }

    @Test
    void noTagIsAddedWhenTheTextHasNone() throws Exception {
        ImageReference ref = ImageReference.parse("nginx");
        assertEquals(Optional.empty(), ref.tag());
        assertEquals("docker.io/library/nginx", ref.canonical());
        assertEquals("docker.io/library/nginx", ref.name());
    }

    static Stream<Arguments> hostileInputs() {
        int n = 10_000;
        return Stream.of(
                Arguments.of("ten thousand letters", "a".repeat(n)),
                Arguments.of("ten thousand path parts", "a/".repeat(n / 2) + "a"),
                Arguments.of("dashes that never end in a letter", "a-".repeat(n / 2) + "!"),
                Arguments.of("separators that almost repeat", "a._".repeat(n / 3) + "/x"),
                Arguments.of("a host of ten thousand labels", "a.".repeat(n / 2) + "b/x"),
                Arguments.of("a host of dashes", "a" + "-".repeat(n) + ".com/x"),
                Arguments.of("an open IPv6 bracket", "[" + ":".repeat(n) + "/x"),
                Arguments.of("an IPv6 host of ten thousand colons", "[" + ":".repeat(n) + "]:5000/x"),
                Arguments.of("a tag of ten thousand characters", "nginx:" + "a".repeat(n)),
                Arguments.of("a digest of ten thousand hex digits", "nginx@sha256:" + "a".repeat(n)),
                Arguments.of("an algorithm of ten thousand components", "nginx@" + "a+".repeat(n / 2) + "a:" + "0".repeat(64)),
                Arguments.of("ten thousand at signs", "a".repeat(n / 2) + "@".repeat(n / 2)),
                Arguments.of("ten thousand colons", "a" + ":".repeat(n)),
                Arguments.of("uppercase everywhere", "Aa".repeat(n / 2) + "/x"),
                Arguments.of("an ECR lookalike of ten thousand labels",
                        "111122223333.dkr.ecr." + "us-".repeat(n / 3) + "1.amazonaws.com/x"),
                Arguments.of("an almost valid path of maximal length", "a".repeat(255) + "/" + "b_".repeat(n / 2) + "c"));
    }

    @ParameterizedTest(name = "{0} is answered in linear time with a short message")
    @MethodSource("hostileInputs")
    void hostileInputIsAnsweredQuickly(String situation, String input) {
        assertTimeoutPreemptively(Duration.ofMillis(500), () -> {
            try {
                ImageReference.parse(input);
            } catch (InvalidImageReferenceException e) {
                assertTrue(e.getMessage().length() < 600, () -> "message of " + e.getMessage().length() + " characters");
                assertFalse(e.getMessage().chars().anyMatch(c -> c < 0x20 || c > 0x7e), "message is printable ASCII");
            }
        });
    }
}
