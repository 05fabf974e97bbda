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
 * <p>Properties, as its javadoc states them: neither form throws; the output is printable ASCII only; it is at most
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
        assertPrintableAscii(shown);
        assertTrue(shown.length() <= limit, () -> "shown is " + shown.length() + " long, limit " + limit);
        assertEquals(shown, OutsideText.shown(shown, limit), "shown is idempotent");

        String quoted = OutsideText.quoted(text, limit);
        assertPrintableAscii(quoted);
        String whole = OutsideText.quoted(text, Integer.MAX_VALUE);
        assertEquals(text, unescape(whole.substring(1, whole.length() - 1)), "quoted reads back to the input");
        if (!quoted.equals(whole)) {
            assertTrue(quoted.endsWith("\"" + note), () -> "a cut ends with the note: " + quoted);
            String inside = quoted.substring(1, quoted.length() - note.length() - 1);
            assertTrue(inside.length() <= limit, () -> "quoted is " + inside.length() + " long, limit " + limit);
            assertTrue(whole.startsWith("\"" + inside), "a cut is a prefix of the whole");
        }
    }

    private static void assertPrintableAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int at = i;
            assertTrue(c >= 0x20 && c <= 0x7e, () -> "not printable ASCII at " + at + ": " + (int) c);
        }
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
