package dev.ecrgate.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ecrgate.text.OutsideText;
import java.nio.charset.StandardCharsets;

/**
 * {@link OutsideText} on any text and any limit. Seeds: text with control characters, terminal escapes,
 * bidirectional overrides, surrogates and quotes, one file each, as UTF-8 text; the first byte picks the limit.
 *
 * <p>Properties, as its javadoc states them: neither form throws; the output holds no control, format (bidirectional
 * and zero-width), separator, private-use, unassigned or lone surrogate character; it is at most
 * the limit long ({@code shown}), or the limit inside the quotes plus the cut note ({@code quoted}); {@code shown} is
 * idempotent; an uncut {@code quoted} value reads back, by undoing the escapes, to exactly the input; and a cut
 * value is a prefix of the uncut one followed by the note of the full length.
 */
class OutsideTextFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void show(byte[] input) {
        int limit = input.length == 0 ? 0 : 32 + (input[0] & 0xff) * 4;
        String text = new String(input, StandardCharsets.UTF_8);
        String note = "... (" + text.length() + " characters)";

        String shown = OutsideText.shown(text, limit);
        assertOnlyVisible(shown);
        assertTrue(shown.length() <= limit, () -> "shown is " + shown.length() + " long, limit " + limit);
        assertEquals(shown, OutsideText.shown(shown, limit), "shown is idempotent");

        String quoted = OutsideText.quoted(text, limit);
        assertOnlyVisible(quoted);
        String whole = OutsideText.quoted(text, Integer.MAX_VALUE);
        assertEquals(text, unescape(whole.substring(1, whole.length() - 1)), "quoted reads back to the input");
        if (!quoted.equals(whole)) {
            assertTrue(quoted.endsWith("\"" + note), () -> "a cut ends with the note: " + quoted);
            String inside = quoted.substring(1, quoted.length() - note.length() - 1);
            assertTrue(inside.length() <= limit, () -> "quoted is " + inside.length() + " long, limit " + limit);
            assertTrue(whole.startsWith("\"" + inside), "a cut is a prefix of the whole");
        }
    }

    /** Printable ASCII, or a letter, mark, digit, punctuation or symbol (the javadoc's categories L, M, N, P, S). */
    private static void assertOnlyVisible(String s) {
        s.codePoints().forEach(cp -> {
            int type = Character.getType(cp);
            boolean visible = cp >= 0x20 && cp <= 0x7e || cp > 0x7e && type != Character.CONTROL
                    && type != Character.FORMAT && type != Character.SPACE_SEPARATOR
                    && type != Character.LINE_SEPARATOR && type != Character.PARAGRAPH_SEPARATOR
                    && type != Character.PRIVATE_USE && type != Character.SURROGATE && type != Character.UNASSIGNED;
            assertTrue(visible, () -> "shown as it is but invisible or a control: U+" + Integer.toHexString(cp));
        });
    }

    /** Undoes the escapes of {@code quoted}, written here from its javadoc, not from its code. */
    private static String unescape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char next = s.charAt(++i);
            switch (next) {
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case '"', '\\' -> out.append(next);
                case 'u' -> {
                    out.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> throw new AssertionError("unknown escape \\" + next + " in " + s);
            }
        }
        return out.toString();
    }
}
