package dev.ecrgate.text;

import java.util.Arrays;
import java.util.Optional;

/**
 * JSON string literals written by hand for the two hot outputs, byte for byte what Jackson writes: the decision log's
 * lines ({@link #ascii}, as Jackson's generator with {@code ESCAPE_NON_ASCII}) and the admission answer's message
 * and warnings ({@link #utf8}, as Jackson's UTF-8 generator by default). Runs of plain characters are copied at once;
 * Jackson takes a character-by-character path for the rest of a string once it meets a newline or a quote (and, with
 * non-ASCII escaping on, for every string), which was much of the cost of a large denial's answer and log line. Tests
 * compare both with Jackson on random text. Stateless.
 *
 * <p>Escapes: quote, backslash, the short forms for backspace, tab, newline, form feed and carriage return, and a
 * six-character backslash-u escape with upper-case hex for the other characters below U+0020 (and, in {@code ascii},
 * for every character above U+007F: U+2028, U+0085 and the like end lines for some log readers).
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

    /**
     * The content of {@code value} as a JSON string in UTF-8, without the quotes, for
     * {@code JsonGenerator.writeRawUTF8String}; empty when it holds a surrogate, which the caller leaves to Jackson
     * (pairs and lone ones alike, so that what a lone one becomes stays Jackson's decision).
     */
    public static Optional<byte[]> utf8(String value) {
        byte[] out = new byte[value.length() + 16];
        int n = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (out.length - n < 6) {
                out = Arrays.copyOf(out, out.length * 2 + 6);
            }
            if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                out[n++] = (byte) c;
            } else if (c < 0x80) {
                String shortForm = shortEscape(c);
                String escape = shortForm != null ? shortForm : "\\u00" + HEX[c >> 4 & 0xf] + HEX[c & 0xf];
                for (int k = 0; k < escape.length(); k++) {
                    out[n++] = (byte) escape.charAt(k);
                }
            } else if (c < 0x800) {
                out[n++] = (byte) (0xc0 | c >> 6);
                out[n++] = (byte) (0x80 | c & 0x3f);
            } else if (Character.isSurrogate(c)) {
                return Optional.empty();
            } else {
                out[n++] = (byte) (0xe0 | c >> 12);
                out[n++] = (byte) (0x80 | c >> 6 & 0x3f);
                out[n++] = (byte) (0x80 | c & 0x3f);
            }
        }
        return Optional.of(n == out.length ? out : Arrays.copyOf(out, n));
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
