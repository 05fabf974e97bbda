package dev.ecrgate.image;

import dev.ecrgate.text.OutsideText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Compares the hand-written parser with an independent oracle on many generated inputs. The oracle is the
 * grammar written as java.util.regex pieces, one per production, wrapped in the normalisation steps of
 * ParseNormalizedNamed; it backtracks, so it only ever sees short inputs.
 */
class ImageReferenceOracleTest {

    private static final String ALPHA_NUMERIC = "[a-z0-9]+";
    private static final String SEPARATOR = "(?:[._]|__|[-]+)";
    private static final String PATH_COMPONENT = ALPHA_NUMERIC + "(?:" + SEPARATOR + ALPHA_NUMERIC + ")*";
    private static final String REMOTE_NAME = PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*";
    private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final String DOMAIN_NAME = DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*";
    private static final String IPV6 = "\\[[a-fA-F0-9:]+\\]";
    private static final String DOMAIN = "(?:" + DOMAIN_NAME + "|" + IPV6 + ")(?::[0-9]+)?";
    private static final String NAME = "(?:" + DOMAIN + "/)?" + REMOTE_NAME;
    private static final String TAG = "[\\w][\\w.-]{0,127}";
    private static final String DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
    private static final Pattern REFERENCE =
            Pattern.compile("(" + NAME + ")(?::(" + TAG + "))?(?:@(" + DIGEST + "))?");
    private static final Pattern SPLIT_NAME = Pattern.compile("(?:(" + DOMAIN + ")/)?(" + REMOTE_NAME + ")");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-f0-9]{64}");
    private static final Map<String, Integer> REGISTERED = Map.of("sha256", 64, "sha384", 96, "sha512", 128);

    /** The oracle's answer: the parts, or empty when refused. Domain is "" where upstream gives none. */
    private static Optional<List<String>> oracle(String s) {
        if (IDENTIFIER.matcher(s).matches()) {
            return Optional.empty();
        }
        String domain;
        String remainder;
        int slash = s.indexOf('/');
        if (slash < 0) {
            domain = "docker.io";
            remainder = "library/" + s;
        } else {
            String first = s.substring(0, slash);
            if (first.equals("localhost") || first.contains(".") || first.contains(":")
                    || !first.toLowerCase(Locale.ROOT).equals(first)) {
                domain = first.equals("index.docker.io") ? "docker.io" : first;
                remainder = s.substring(slash + 1);
            } else {
                domain = "docker.io";
                remainder = s;
            }
            if (domain.equals("docker.io") && !remainder.contains("/")) {
                remainder = "library/" + remainder;
            }
        }
        int colon = remainder.indexOf(':');
        String remote = colon < 0 ? remainder : remainder.substring(0, colon);
        if (!remote.toLowerCase(Locale.ROOT).equals(remote)) {
            return Optional.empty();
        }
        Matcher reference = REFERENCE.matcher(domain + "/" + remainder);
        if (!reference.matches()) {
            return Optional.empty();
        }
        Matcher name = SPLIT_NAME.matcher(reference.group(1));
        if (!name.matches()) {
            return Optional.empty();
        }
        String path = name.group(2);
        if (path.length() > 255) {
            return Optional.empty();
        }
        String digest = reference.group(3);
        if (digest != null) {
            int at = digest.indexOf(':');
            Integer length = REGISTERED.get(digest.substring(0, at));
            if (length == null || !digest.substring(at + 1).matches("[a-f0-9]{" + length + "}")) {
                return Optional.empty();
            }
        }
        List<String> parts = new ArrayList<>();
        parts.add(name.group(1) == null ? "" : name.group(1));
        parts.add(path);
        parts.add(String.valueOf(reference.group(2)));
        parts.add(String.valueOf(digest));
        return Optional.of(parts);
    }

    private static final String[] TOKENS = {
        "a", "b", "z", "0", "9", "A", "Z", ".", "..", "_", "__", "-", "--", "/", "/", "/", "//", ":", ":", "@",
        "[", "]", "::1", "%", "$", "~", "+", "localhost", "docker.io", "index.docker.io", "library", "example.com",
        "5000", "ab", "Ab", "x_y.z", "sha256:", "sha384:", "sha512:", "SHA256:", "md5:", "f".repeat(32),
        "e".repeat(64), "E".repeat(64), "d".repeat(96), "c".repeat(128), "1a2b".repeat(16), "v1.2.3", "latest",
        "111122223333.dkr.ecr.us-east-1.amazonaws.com", " ", "\u00e9", "\t",
    };

    private static String generated(Random random) {
        StringBuilder s = new StringBuilder();
        int tokens = 1 + random.nextInt(8);
        for (int i = 0; i < tokens; i++) {
            s.append(TOKENS[random.nextInt(TOKENS.length)]);
        }
        return s.toString();
    }

    private static String mutated(Random random, String seed) {
        StringBuilder s = new StringBuilder(seed);
        int edits = 1 + random.nextInt(3);
        for (int i = 0; i < edits; i++) {
            int at = s.length() == 0 ? 0 : random.nextInt(s.length());
            String token = TOKENS[random.nextInt(TOKENS.length)];
            switch (random.nextInt(3)) {
                case 0 -> s.insert(at, token);
                case 1 -> {
                    if (s.length() > 0) {
                        s.deleteCharAt(at);
                    }
                }
                default -> {
                    if (s.length() > 0) {
                        s.setCharAt(at, token.charAt(0));
                    }
                }
            }
        }
        return s.toString();
    }

    @Test
    void acceptsAndSplitsExactlyWhatTheGrammarOracleDoesOnGeneratedInputs() {
        Random random = new Random(20240611L);
        List<String> seeds = ImageReferenceTest.upstreamCases().stream()
                .map(ImageReferenceTest.UpstreamCase::input)
                .filter(s -> s.length() < 300)
                .toList();
        int accepted = 0;
        for (int i = 0; i < 60_000; i++) {
            String input = i % 2 == 0 ? generated(random) : mutated(random, seeds.get(random.nextInt(seeds.size())));
            Optional<List<String>> expected = oracle(input);
            Optional<List<String>> actual;
            try {
                ImageReference ref = ImageReference.parse(input);
                actual = Optional.of(List.of(ref.domain(), ref.path(), String.valueOf(ref.tag().orElse(null)),
                        String.valueOf(ref.digest().orElse(null))));
                accepted++;
            } catch (InvalidImageReferenceException e) {
                actual = Optional.empty();
            } catch (RuntimeException e) {
                throw new AssertionError("parse threw " + e + " for " + OutsideText.quoted(input), e);
            }
            if (expected.isPresent() && actual.isPresent() && expected.get().get(0).isEmpty()) {
                // Upstream gives no domain when the first segment is a path component but no host; see parse().
                List<String> e = expected.get();
                List<String> a = actual.get();
                assertEquals(e.get(1), a.get(0) + "/" + a.get(1), () -> "name of " + OutsideText.quoted(input));
                assertEquals(e.subList(2, 4), a.subList(2, 4), () -> "tag and digest of " + OutsideText.quoted(input));
                continue;
            }
            if (!expected.equals(actual)) {
                fail("for " + OutsideText.quoted(input) + " the oracle says " + expected + " but parse says " + actual);
            }
        }
        // The generator must reach both answers often enough for the comparison to mean something.
        if (accepted < 3_000) {
            fail("only " + accepted + " generated inputs were valid");
        }
    }
}
