package dev.ecrgate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GlobTest {
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("a literal glob matches only itself", "team-blue/api", "team-blue/api", true),
                Arguments.of("a literal glob is case-sensitive", "team-blue/api", "team-blue/API", false),
                Arguments.of("a star matches within a segment", "team-*/api", "team-blue/api", true),
                Arguments.of("a star does not cross a slash", "team-*", "team-blue/api", false),
                Arguments.of("a star matches nothing", "api*", "api", true),
                Arguments.of("a double star crosses slashes", "team-blue/**", "team-blue/a/b/c", true),
                Arguments.of("a double star matches nothing", "team-blue/**", "team-blue/", true),
                Arguments.of("a double star then slash matches no directory", "**/api", "api", true),
                Arguments.of("a double star then slash matches directories", "**/api", "a/b/api", true),
                Arguments.of("a double star then slash needs the slash", "**/api", "xapi", false),
                Arguments.of("a question mark is one character", "api-?", "api-1", true),
                Arguments.of("a question mark is not a slash", "a?b", "a/b", false),
                Arguments.of("a question mark is not nothing", "api-?", "api-", false),
                Arguments.of("a question mark is one code point", "x?y", "x\uD83D\uDE00y", true),
                Arguments.of("an empty glob matches the empty name only", "", "", true),
                Arguments.of("an empty glob matches no name", "", "a", false),
                Arguments.of("regex characters are literal", "a.b+(c)", "a.b+(c)", true),
                Arguments.of("a dot is not any character", "a.b", "axb", false),
                Arguments.of("several stars", "*-*-*", "a-b-c", true),
                Arguments.of("several stars in one segment only", "*-*-*", "a-b/c-d", false),
                Arguments.of("{namespace} is literal outside templates", "{namespace}/*", "{namespace}/x", true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesAsDocumented(String name, String glob, String candidate, boolean expected) {
        assertEquals(expected, Glob.of(glob).matches(candidate));
        assertEquals(expected, reference(glob).matcher(candidate).matches(), "the regular-expression reference");
    }

    @Test
    void aTemplateMatchesTheNamespaceItIsGiven() {
        Glob g = Glob.template("{namespace}/**");
        assertEquals(true, g.matches("team-blue/api", "team-blue"));
        assertEquals(false, g.matches("team-red/api", "team-blue"));
        assertEquals(true, Glob.template("shared/{namespace}-*").matches("shared/team-blue-api", "team-blue"));
        assertEquals(false, Glob.template("{namespace}").matches("team-blue/x", "team-blue"));
    }

    /** The matcher agrees with the regular expression it replaced, on random globs and names. */
    @Test
    void agreesWithTheRegularExpressionOnRandomGlobsAndNames() {
        Random random = new Random(16);
        String[] atoms = {"a", "b", "/", "-", "*", "**", "**/", "?", "ab", "."};
        String[] letters = {"a", "b", "/", "-", ".", "ab", "ba", "//"};
        for (int i = 0; i < 20_000; i++) {
            StringBuilder glob = new StringBuilder();
            for (int k = random.nextInt(6); k >= 0; k--) {
                glob.append(atoms[random.nextInt(atoms.length)]);
            }
            StringBuilder name = new StringBuilder();
            for (int k = random.nextInt(8); k >= 0; k--) {
                name.append(letters[random.nextInt(letters.length)]);
            }
            assertEquals(reference(glob.toString()).matcher(name).matches(),
                    Glob.of(glob.toString()).matches(name.toString()), () -> "glob " + glob + " name " + name);
        }
    }

    /** The regular expression Glob compiled to before it matched by itself. */
    private static Pattern reference(String text) {
        StringBuilder regex = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '*' || c == '?') {
                if (literal.length() > 0) {
                    regex.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                if (c == '?') {
                    regex.append("[^/]");
                } else if (i + 1 < text.length() && text.charAt(i + 1) == '*') {
                    i++;
                    if (i + 1 < text.length() && text.charAt(i + 1) == '/') {
                        i++;
                        regex.append("(?:.*/)?");
                    } else {
                        regex.append(".*");
                    }
                } else {
                    regex.append("[^/]*");
                }
            } else {
                literal.append(c);
            }
        }
        if (literal.length() > 0) {
            regex.append(Pattern.quote(literal.toString()));
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }
}
