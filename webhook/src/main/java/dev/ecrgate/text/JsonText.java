package dev.ecrgate.text;

/**
 * JSON string literals for the decision log's lines, written by hand, byte for byte what Jackson's generator writes
 * with {@code ESCAPE_NON_ASCII}: runs of plain characters are copied at once, where Jackson goes character by
 * character whenever non-ASCII escaping is on, which was much of the cost of a large denial's log line. A test
 * compares it with Jackson on random text. Stateless.
 *
 * <p>Escapes: quote, backslash, the short forms for backspace, tab, newline, form feed and carriage return, and a
 * six-character backslash-u escape with upper-case hex for the other characters below U+0020 and for every character
 * above U+007F (U+2028, U+0085 and the like end lines for some log readers), so a line is pure ASCII. (The same kind
 * of writer for the admission answer's UTF-8 message was measured and made no difference: Jackson writes it.)
 */
public final class JsonText {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private JsonText() {
    }

    /** Appends {@code value} as a quoted JSON string of ASCII characters only. */
    public static StringBuilder ascii(StringBuilder b, String value) {
        b.append('"');
        int plainFrom = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c >= 0x20 && c <= 0x7f && c != '"' && c != '\\') {
                continue;
            }
            b.append(value, plainFrom, i);
            plainFrom = i + 1;
            String shortForm = shortEscape(c);
            if (shortForm != null) {
                b.append(shortForm);
            } else {
                b.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf])
                        .append(HEX[c >> 4 & 0xf]).append(HEX[c & 0xf]);
            }
        }
        return b.append(value, plainFrom, value.length()).append('"');
    }

    private static String shortEscape(char c) {
        return switch (c) {
            case '"' -> "\\\"";
            case '\\' -> "\\\\";
            case '\b' -> "\\b";
            case '\t' -> "\\t";
            case '\n' -> "\\n";
            case '\f' -> "\\f";
            case '\r' -> "\\r";
            default -> null;
        };
    }
}
