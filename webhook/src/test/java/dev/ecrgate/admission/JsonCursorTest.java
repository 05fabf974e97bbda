package dev.ecrgate.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The cursor accepts exactly the JSON that Jackson accepts under the codec's limits (duplicate keys aside, which the
 * cursor refuses only among the names a caller reads), and the reader built on it reads strings as Jackson does.
 */
class JsonCursorTest {
    /** Jackson with the codec's limits, without duplicate detection and without trailing values: the oracle. */
    static final ObjectMapper JACKSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(AdmissionCodec.MAX_NESTING_DEPTH)
                            .maxNumberLength(AdmissionCodec.MAX_NUMBER_LENGTH).build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    static boolean jacksonAccepts(byte[] json) {
        try {
            com.fasterxml.jackson.databind.JsonNode value = JACKSON.readTree(json);
            return value != null && !value.isMissingNode();
        } catch (Exception e) {
            return false;
        }
    }

    /** Whether the cursor reads {@code json} as one value and nothing after it. */
    static Optional<String> cursorRefusal(byte[] json) {
        try {
            JsonCursor c = new JsonCursor(json);
            c.skipValue();
            if (!c.atEnd()) {
                return Optional.of("more than one value");
            }
            return Optional.empty();
        } catch (BadAdmissionRequestException e) {
            return Optional.of(e.getMessage());
        }
    }

    static Stream<Arguments> documents() {
        return Stream.of(
                Arguments.of("an empty object", "{}", true),
                Arguments.of("an empty array", "[ ]", true),
                Arguments.of("whitespace of every kind around values", " \t\r\n{ \"a\" : [ 1 , 2 ] }\n", true),
                Arguments.of("numbers of every form", "[0,-0,12,-3.25,1e5,1E+5,2.5e-3,-0.0]", true),
                Arguments.of("escapes of every kind", "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\uD83D\\uDE00\"", true),
                Arguments.of("UTF-8 of two, three and four bytes", "\"é € 😀\"", true),
                Arguments.of("the literals", "[true,false,null]", true),
                Arguments.of("a byte order mark before the value", "\uFEFF{\"a\":1}", true),
                Arguments.of("duplicate keys in a skipped object", "{\"a\":1,\"a\":2}", true),
                Arguments.of("200 levels of nesting", "[".repeat(200) + "]".repeat(200), true),
                Arguments.of("a number of 100 digits", "1".repeat(100), true),
                Arguments.of("nothing", "", false),
                Arguments.of("only whitespace", "  ", false),
                Arguments.of("201 levels of nesting", "[".repeat(201) + "]".repeat(201), false),
                Arguments.of("a number of 101 digits", "1".repeat(101), false),
                Arguments.of("a leading zero", "[01]", false),
                Arguments.of("a decimal point without digits after it", "[1.]", false),
                Arguments.of("a decimal point without digits before it", "[.5]", false),
                Arguments.of("a plus sign", "[+1]", false),
                Arguments.of("a lone minus", "[-]", false),
                Arguments.of("an exponent without digits", "[1e]", false),
                Arguments.of("letters after a number", "[12ab]", false),
                Arguments.of("a trailing comma in an object", "{\"a\":1,}", false),
                Arguments.of("a trailing comma in an array", "[1,]", false),
                Arguments.of("a leading comma", "[,1]", false),
                Arguments.of("a missing comma", "[1 2]", false),
                Arguments.of("a missing colon", "{\"a\" 1}", false),
                Arguments.of("a missing value", "{\"a\":}", false),
                Arguments.of("an unquoted key", "{a:1}", false),
                Arguments.of("single quotes", "['a']", false),
                Arguments.of("a comment", "[1 /* one */]", false),
                Arguments.of("NaN", "[NaN]", false),
                Arguments.of("a truncated literal", "[tru]", false),
                Arguments.of("a literal run into letters", "[nullx]", false),
                Arguments.of("a mismatched bracket", "[1}", false),
                Arguments.of("an unclosed object", "{\"a\":1", false),
                Arguments.of("an unterminated string", "\"abc", false),
                Arguments.of("a newline in a string", "\"a\nb\"", false),
                Arguments.of("an unknown escape", "\"\\x41\"", false),
                Arguments.of("a short unicode escape", "\"\\u00e\"", false),
                Arguments.of("two values", "{} {}", false),
                Arguments.of("a control character between values", "[1,\u00012]", false),
                Arguments.of("a lone surrogate escaped in a value", "\"\\uDDDD \\uD83D\"", true),
                Arguments.of("a surrogate pair escaped in a field name", "{\"a\\uD83D\\uDE00\":1}", true),
                Arguments.of("a lone low surrogate escaped in a field name", "{\"a\\uDDDD\":1}", false),
                Arguments.of("a high surrogate without its pair in a field name", "{\"a\\uD83Db\":1}", false));
    }

    @ParameterizedTest(name = "{0}: accepted {2}")
    @MethodSource("documents")
    void acceptsWhatJacksonAccepts(String name, String json, boolean valid) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        assertEquals(valid, jacksonAccepts(bytes), "Jackson, the oracle");
        Optional<String> refusal = cursorRefusal(bytes);
        assertEquals(valid, refusal.isEmpty(), () -> "cursor: " + refusal.orElse("accepted"));
        refusal.ifPresent(m -> assertTrue(m.startsWith("request body is not a valid AdmissionReview: ")
                || m.equals("more than one value"), m));
    }

    static Stream<Arguments> badUtf8() {
        return Stream.of(
                Arguments.of("a continuation byte as a start", new byte[] {'"', (byte) 0x80, '"'}),
                Arguments.of("a start byte of 0xF8", new byte[] {'"', (byte) 0xF8, (byte) 0x80, '"'}),
                Arguments.of("a start byte without its continuation", new byte[] {'"', (byte) 0xC3, 'a', '"'}),
                Arguments.of("a sequence cut by the end", new byte[] {'"', (byte) 0xE2, (byte) 0x82}));
    }

    @ParameterizedTest(name = "refuses {0}, as Jackson does")
    @MethodSource("badUtf8")
    void refusesBrokenUtf8(String name, byte[] json) {
        assertEquals(false, jacksonAccepts(json), "Jackson, the oracle");
        assertTrue(cursorRefusal(json).isPresent());
    }

    @Test
    void namesTheLineAndColumnOfAnError() {
        String m = cursorRefusal("{\n  \"a\": [1,\n  2,,3]}".getBytes(StandardCharsets.UTF_8)).orElseThrow();
        assertEquals("request body is not a valid AdmissionReview: unexpected character ',': expected a value"
                + " (line 3, column 5)", m);
    }

    /**
     * Every example request and benchmark payload, each cut and changed at random places, 20,000 times: the cursor
     * and Jackson agree on every one whether it is JSON.
     */
    @Test
    void agreesWithJacksonOnMutatedReviews() throws Exception {
        List<byte[]> seeds = new ArrayList<>();
        try (Stream<Path> files = Stream.concat(Files.list(Path.of("../examples/requests")),
                Files.list(Path.of("../bench/payloads")))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                seeds.add(Files.readAllBytes(f));
            }
        }
        byte[] alphabet = "{}[]\":,\\ \n0123456789-+.eEtrufalsn\u00e9\u20ac".getBytes(StandardCharsets.UTF_8);
        Random random = new Random(16);
        int valid = 0;
        for (int n = 0; n < 20_000; n++) {
            byte[] seed = seeds.get(random.nextInt(seeds.size()));
            ByteArrayOutputStream out = new ByteArrayOutputStream(seed.length + 8);
            int at = random.nextInt(seed.length);
            out.write(seed, 0, at);
            switch (random.nextInt(4)) {
                case 0 -> out.write(alphabet[random.nextInt(alphabet.length)]);
                case 1 -> at++;
                case 2 -> out.write(random.nextInt(256));
                default -> {
                    out.write(alphabet[random.nextInt(alphabet.length)]);
                    at++;
                }
            }
            if (random.nextInt(10) > 0 && at < seed.length) {
                out.write(seed, at, seed.length - at);
            }
            byte[] json = out.toByteArray();
            boolean jackson = jacksonAccepts(json);
            Optional<String> refusal = cursorRefusal(json);
            int k = n;
            assertEquals(jackson, refusal.isEmpty(), () -> "case " + k + ": Jackson " + (jackson ? "accepts" : "refuses")
                    + ", the cursor " + refusal.orElse("accepts") + ": "
                    + new String(json, StandardCharsets.UTF_8));
            valid += jackson ? 1 : 0;
        }
        assertTrue(valid > 1_000 && valid < 19_000, "both kinds of case were tried: " + valid + " valid");
    }

    @Test
    void readsEscapedAndNonAsciiFieldsAsTheBoundModelDoes() throws Exception {
        String review = SubjectsTest.review("", "v1", "Pod", "CREATE", null, SubjectsTest.object(
                "\"spec\":{\"containers\":[{\"n\\u0061me\":\"caf\u00e9 \\ud83d\\ude00 \u20ac\","
                        + "\"\\u0069mage\":\"\\u006eginx:1.27\"}]}"), null);
        AdmissionSubject s = SubjectsTest.subjectOf(review).orElseThrow();
        assertEquals("caf\u00e9 \ud83d\ude00 \u20ac", s.images().get(0).containerName());
        assertEquals("nginx:1.27", s.images().get(0).image());
    }

    @Test
    void refusesADuplicateOfAFieldItReadsEvenWhenEscaped() {
        ReviewReader reader = new ReviewReader(new AdmissionCodec());
        String twice = SubjectsTest.review("", "v1", "Pod", "CREATE", null, SubjectsTest.object(
                "\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"evil:1\",\"\\u0069mage\":\"nginx:1.27\"}]}"),
                null);
        BadAdmissionRequestException e = assertThrows(BadAdmissionRequestException.class,
                () -> reader.read(twice.getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("Duplicate field 'image'"), e.getMessage());
    }

    @Test
    void leavesADuplicateInAFieldItSkipsAlone() throws Exception {
        ReviewReader reader = new ReviewReader(new AdmissionCodec());
        String twice = SubjectsTest.review("", "v1", "Pod", "CREATE", null, SubjectsTest.object(
                "\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"nginx:1.27\",\"env\":[],\"env\":[]}]}"),
                null);
        assertEquals("nginx:1.27", reader.read(twice.getBytes(StandardCharsets.UTF_8)).subject().orElseThrow()
                .images().get(0).image());
    }
}
