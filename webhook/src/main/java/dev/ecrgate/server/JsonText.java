package dev.ecrgate.server;

/**
 * JSON string literals for log lines, written straight into a {@link StringBuilder}: the escapes Jackson writes with
 * {@code ESCAPE_NON_ASCII} (quote, backslash, the short escapes for backspace, tab, newline, form feed and carriage
 * return, a six-character backslash-u escape with upper-case hex for the other controls and for every character
 * above U+007F: U+2028, U+0085 and the like end lines for some log readers), so a line is pure ASCII. Runs of plain characters are copied at once; Jackson's generator takes
 * a slower character-by-character path whenever non-ASCII escaping is on, which was most of a large decision's log
 * line. Stateless.
 */
final class JsonText {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private JsonText() {
    }

    /** Appends {@code value} as a quoted JSON string. */
    static StringBuilder string(StringBuilder b, String value) {
        b.append('"');
        int plainFrom = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c >= 0x20 && c <= 0x7f && c != '"' && c != '\\') {
                continue;
            }
            b.append(value, plainFrom, i);
            plainFrom = i + 1;
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\b' -> b.append("\\b");
                case '\t' -> b.append("\\t");
                case '\n' -> b.append("\\n");
                case '\f' -> b.append("\\f");
                case '\r' -> b.append("\\r");
                default -> b.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf])
                        .append(HEX[c >> 4 & 0xf]).append(HEX[c & 0xf]);
            }
        }
        return b.append(value, plainFrom, value.length()).append('"');
    }
}
