package dev.ecrgate.text;

/**
 * The one rule for showing text that comes from outside ecrgate: image references, container, object and namespace
 * names, user names, labels, finding IDs, package names and versions, messages from AWS, a policy's
 * {@code helpText}, and the values a policy file holds. Such text ends up in kubectl output, in logs and in CI
 * reports, where it is read by people who must be able to trust what they see.
 *
 * <p>The rule: a character is shown as it is when it is printable ASCII (U+0020 to U+007E) or, beyond ASCII, a
 * letter, mark, digit, punctuation or symbol (Unicode categories L, M, N, P, S: {@code прокси}, {@code 代理}, an
 * emoji), so that names in other scripts stay readable. Every other character is shown as a Java-style escape,
 * {@code \n}, {@code \r}, {@code \t}, or <code>&#92;uXXXX</code> with four uppercase hex digits per UTF-16 unit:
 * control characters (C0, DEL, C1), format characters (category Cf: the bidirectional overrides and isolates U+202A
 * to U+202E and U+2066 to U+2069, the marks U+200E, U+200F and U+061C, zero-width characters, tag characters), every
 * space but U+0020, line and paragraph separators, private-use, unassigned and unpaired surrogate code units. So no
 * character can split a line or forge one, no terminal escape (ESC, CSI) reaches a terminal, nothing reorders what a
 * reviewer reads and nothing invisible hides in a name. Text is cut to a bounded length, ending with
 * {@code "... (N characters)"} so that the cut is visible.
 *
 * <p>There are two forms with that one rule. {@link #shown} is for free text (a sentence, a message from AWS): it
 * keeps {@code "} and {@code \} as they are, and is idempotent, so text that already went through it (a detail that
 * quotes an image) is not escaped twice. {@link #quoted} is for a value between double quotes: it escapes
 * {@code "} and {@code \} too, so the value cannot end its quotes early and reads back unambiguously.
 * Format-specific encoding (JSON strings, XML character references) stays with its format and applies after this.
 *
 * <p>This lives in its own package because every feature package (image, policy, findings, server, cli) shows
 * outside text and none of them owns the others. Stateless and thread-safe; no method returns null or throws for
 * any string, and a null text is shown as {@code null}.
 */
public final class OutsideText {
    /** The longest free text from outside is shown before it is cut, in characters of output. */
    public static final int SHOWN_LENGTH = 300;
    /** The longest a quoted value is shown before it is cut: enough for any real image reference or name. */
    public static final int QUOTED_LENGTH = 120;

    private OutsideText() {
    }

    /**
     * {@code text} with every character the rule does not show escaped, at most {@code limit} characters long
     * (when {@code limit} leaves room for the note of a cut); when cut, it ends with {@code "... (N characters)"},
     * N the length of {@code text}. Idempotent for a fixed limit.
     */
    public static String shown(String text, int limit) {
        if (text == null) {
            return "null";
        }
        Escaped whole = escape(text, limit, false);
        if (!whole.cut()) {
            return whole.body();
        }
        String note = note(text);
        return escape(text, Math.max(0, limit - note.length()), false).body() + note;
    }

    /** {@link #shown(String, int)} with the limit {@value #SHOWN_LENGTH}. */
    public static String shown(String text) {
        return shown(text, SHOWN_LENGTH);
    }

    /**
     * {@code text} in double quotes, with {@code "} and {@code \} escaped as well as every character outside
     * printable ASCII, and at most {@code limit} characters of escaped text inside the quotes; when cut, the closing
     * quote is followed by {@code "... (N characters)"}. Two different uncut texts never give the same result.
     */
    public static String quoted(String text, int limit) {
        if (text == null) {
            return "null";
        }
        Escaped e = escape(text, limit, true);
        return '"' + e.body() + '"' + (e.cut() ? note(text) : "");
    }

    /** {@link #quoted(String, int)} with the limit {@value #QUOTED_LENGTH}. */
    public static String quoted(String text) {
        return quoted(text, QUOTED_LENGTH);
    }

    /** {@code U+0041} style name of a character, for saying which one is not allowed. */
    public static String codePoint(char c) {
        return String.format("U+%04X", (int) c);
    }

    /** The escaped form of the longest prefix of {@code text} that fits in {@code limit}, and whether it is all. */
    private record Escaped(String body, boolean cut) {
    }

    private static Escaped escape(String text, int limit, boolean quotes) {
        if (text.length() <= limit && isPlain(text, quotes)) {
            return new Escaped(text, false);
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), limit) + 8);
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            String shown = shown(cp, quotes);
            if (out.length() + shown.length() > limit) {
                return new Escaped(out.toString(), true);
            }
            out.append(shown);
            i += Character.charCount(cp);
        }
        return new Escaped(out.toString(), false);
    }

    private static String note(String text) {
        return "... (" + text.length() + " characters)";
    }

    private static boolean isPlain(String text, boolean quotes) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7e || quotes && (c == '"' || c == '\\')) {
                return false;
            }
        }
        return true;
    }

    private static String shown(int cp, boolean quotes) {
        return switch (cp) {
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            case '"' -> quotes ? "\\\"" : "\"";
            case '\\' -> quotes ? "\\\\" : "\\";
            default -> cp >= 0x20 && cp <= 0x7e || cp > 0x7e && isVisible(cp) ? Character.toString(cp) : escaped(cp);
        };
    }

    /** Letters, marks, digits, punctuation and symbols: what a reader sees as a character of the text. */
    private static boolean isVisible(int cp) {
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER, Character.NON_SPACING_MARK,
                 Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK, Character.DECIMAL_DIGIT_NUMBER,
                 Character.LETTER_NUMBER, Character.OTHER_NUMBER, Character.CONNECTOR_PUNCTUATION,
                 Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
                 Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION, Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL,
                 Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
            default -> false;
        };
    }

    private static String escaped(int cp) {
        StringBuilder b = new StringBuilder(12);
        for (char unit : Character.toChars(cp)) {
            b.append(String.format("\\u%04X", (int) unit));
        }
        return b.toString();
    }
}
