package dev.ecrgate.image;

/**
 * Quotes user-supplied text for error messages. The text comes from a Pod spec and ends up in kubectl output and
 * in logs, so it must not carry control characters, terminal escapes or bidirectional overrides, and a megabyte
 * of garbage must not become a megabyte of message.
 */
final class MessageText {

    /** Characters of the text shown before it is cut; enough for any real image reference. */
    static final int SHOWN_LENGTH = 120;

    private MessageText() {
    }

    /**
     * {@code text} in double quotes, with quotes, backslashes, control characters and everything outside printable
     * ASCII escaped Java-style, and cut after {@value #SHOWN_LENGTH} characters with a note of the full length.
     */
    static String quote(String text) {
        int shown = Math.min(text.length(), SHOWN_LENGTH);
        StringBuilder out = new StringBuilder(shown + 16).append('"');
        for (int i = 0; i < shown; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        out.append(String.format("\\u%04X", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
        if (shown < text.length()) {
            out.append("... (").append(text.length()).append(" characters)");
        }
        return out.toString();
    }

    /** {@code U+0041} style name of a character, for saying which one is not allowed. */
    static String codePoint(char c) {
        return String.format("U+%04X", (int) c);
    }
}
