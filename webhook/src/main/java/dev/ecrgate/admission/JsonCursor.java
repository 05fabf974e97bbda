package dev.ecrgate.admission;

import java.util.Arrays;

/**
 * A strict reader of one JSON document (RFC 8259) held in a byte array, for {@link ReviewReader}: the caller walks
 * the objects it needs field by field and {@link #skipValue skips} the rest.
 *
 * <p>Why not Jackson's streaming parser, which the reader used before: an AdmissionReview is mostly what a webhook
 * does not read (env, ports, volumes, managedFields), and Jackson turns every skipped field name into a string and
 * every skipped object into a parsing context (and, with duplicate detection, a set of names). Skipping with this
 * cursor is a scan of the bytes that checks the grammar as it goes: a 36 KB pod of 20 containers reads in about a
 * third of Jackson's time (JMH, {@code AdmissionPathBenchmark.read}).
 *
 * <p>It accepts what Jackson's default parser accepts and refuses the rest, with the same limits as
 * {@link AdmissionCodec} (nesting depth {@value AdmissionCodec#MAX_NESTING_DEPTH}, numbers of at most
 * {@value AdmissionCodec#MAX_NUMBER_LENGTH} characters): objects, arrays, strings with their escapes, numbers with
 * JSON's grammar (no leading zeros), {@code true}, {@code false}, {@code null}; no comments, no single quotes, no
 * control characters in strings, a UTF-8 byte order mark at the start ignored. UTF-8 is checked as Jackson checks it
 * (lead bytes and continuation bytes). One difference, on purpose: a duplicate key is refused only among the names
 * the caller asks for ({@link #field}), since only a field that is read can be read two ways; duplicates in
 * skipped objects are left alone. Every error is a {@link BadAdmissionRequestException} with line and column.
 *
 * <p>Not thread safe: one cursor per document.
 */
final class JsonCursor {
    private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
            long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private final byte[] b;
    private int pos;
    private int depth;
    /** Per open object or array: whether a member was read in it, so the next needs a comma. */
    private final boolean[] started = new boolean[AdmissionCodec.MAX_NESTING_DEPTH + 2];
    /** Per open object: which of the caller's names were seen in it, by their index. */
    private final long[] seen = new long[AdmissionCodec.MAX_NESTING_DEPTH + 2];
    private int nameStart;
    private int nameEnd;
    private boolean nameEscaped;

    JsonCursor(byte[] body) {
        this.b = body;
        if (b.length >= 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF) {
            pos = 3;
        }
    }

    /** The next byte that is not whitespace, not consumed; -1 at the end. */
    int peek() throws BadAdmissionRequestException {
        if (pos < b.length && (b[pos] & 0xFF) > ' ') {
            return b[pos] & 0xFF;
        }
        while (pos < b.length) {
            int c = b[pos] & 0xFF;
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                pos++;
            } else if (c < 0x20) {
                throw error("control character (code " + c + ") outside a string");
            } else {
                return c;
            }
        }
        return -1;
    }

    /** Whether only whitespace is left. */
    boolean atEnd() throws BadAdmissionRequestException {
        return peek() == -1;
    }

    /** Whether the next value is {@code null}; if so it is consumed. */
    boolean nullValue() throws BadAdmissionRequestException {
        if (peek() == 'n') {
            literal("null");
            return true;
        }
        return false;
    }

    /** Whether the next value is {@code true}; if so it is consumed. */
    boolean trueValue() throws BadAdmissionRequestException {
        if (peek() == 't') {
            literal("true");
            return true;
        }
        return false;
    }

    /** Consumes the {@code {} that must come next. */
    void beginObject() throws BadAdmissionRequestException {
        open('{');
        seen[depth] = 0;
    }

    /** Consumes the {@code [} that must come next. */
    void beginArray() throws BadAdmissionRequestException {
        open('[');
    }

    private void open(char bracket) throws BadAdmissionRequestException {
        if (peek() != bracket) {
            throw error("expected '" + bracket + "'");
        }
        pos++;
        if (++depth > AdmissionCodec.MAX_NESTING_DEPTH) {
            throw error("document nesting depth (" + depth + ") exceeds the maximum allowed ("
                    + AdmissionCodec.MAX_NESTING_DEPTH + ")");
        }
        started[depth] = false;
    }

    /**
     * Moves to the next field of the open object and past its colon, or past the object's {@code }} when there is
     * none.
     *
     * @return whether there is a field; its name is then matched by {@link #field}
     */
    boolean nextField() throws BadAdmissionRequestException {
        int c = next('}', "a field name");
        if (c == '}') {
            return false;
        }
        if (c != '"') {
            throw error("expected a field name in double quotes");
        }
        nameStart = pos + 1;
        nameEscaped = skipString(true);
        nameEnd = pos - 1;
        if (peek() != ':') {
            throw error("expected ':' after a field name");
        }
        pos++;
        return true;
    }

    /**
     * Moves to the next element of the open array, or past its {@code ]} when there is none.
     *
     * @return whether there is an element
     */
    boolean nextElement() throws BadAdmissionRequestException {
        return next(']', "a value") != ']';
    }

    /** Consumes the comma before a member, or the closing bracket; returns the member's first byte or the bracket. */
    private int next(char close, String member) throws BadAdmissionRequestException {
        int c = peek();
        if (!started[depth]) {
            if (c == close) {
                pos++;
                depth--;
                return close;
            }
            started[depth] = true;
        } else {
            if (c == close) {
                pos++;
                depth--;
                return close;
            }
            if (c != ',') {
                throw error("expected ',' or '" + close + "'");
            }
            pos++;
            c = peek();
            if (c == close) {
                throw error("expected " + member + " after ','");
            }
        }
        if (c == -1) {
            throw error("unexpected end of input: expected " + member + " or '" + close + "'");
        }
        return c;
    }

    /**
     * The index in {@code names} of the current field's name, or -1 when it is none of them; a name seen twice in
     * one object is refused, as Jackson's strict duplicate detection refuses it.
     */
    int field(Names names) throws BadAdmissionRequestException {
        int index = nameEscaped ? names.indexOf(decode(nameStart, nameEnd)) : names.indexOf(b, nameStart, nameEnd);
        if (index >= 0) {
            long bit = 1L << index;
            if ((seen[depth] & bit) != 0) {
                throw error("Duplicate field '" + names.name(index) + "'");
            }
            seen[depth] |= bit;
        }
        return index;
    }

    /** The string value that comes next, or null for {@code null}; anything else is {@code unexpected}. */
    String text(String where) throws BadAdmissionRequestException {
        int c = peek();
        if (c == '"') {
            int start = pos + 1;
            boolean escaped = skipString(false);
            int end = pos - 1;
            return escaped || !ascii(start, end) ? decode(start, end)
                    : new String(b, start, end - start, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
        if (c == 'n') {
            literal("null");
            return null;
        }
        if (c == -1) {
            throw error("unexpected end of input");
        }
        throw new BadAdmissionRequestException("request body is not a valid AdmissionReview: unexpected JSON value"
                + " at " + where);
    }

    /**
     * Skips the value that comes next, checking its grammar: one loop over the bytes with the open brackets on a
     * stack of bits, since skipped values are most of a review.
     */
    void skipValue() throws BadAdmissionRequestException {
        int base = depth;
        long[] objects = new long[(AdmissionCodec.MAX_NESTING_DEPTH >> 6) + 2];
        byte[] b = this.b;
        while (true) {
            // a value
            int c = peek();
            switch (c) {
                case '"' -> skipString(false);
                case '{', '[' -> {
                    open((char) c);
                    int rel = depth - base;
                    if (c == '{') {
                        objects[rel >> 6] |= 1L << rel;
                    } else {
                        objects[rel >> 6] &= ~(1L << rel);
                    }
                    int first = peek();
                    if (first == (c == '{' ? '}' : ']')) {
                        pos++;
                        depth--;
                        break;
                    }
                    started[depth] = true;
                    if (c == '{') {
                        memberName(first);
                    }
                    continue;
                }
                case 't' -> literal("true");
                case 'f' -> literal("false");
                case 'n' -> literal("null");
                case -1 -> throw error("unexpected end of input: expected a value");
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        number();
                    } else {
                        throw error("unexpected character " + shown(c) + ": expected a value");
                    }
                }
            }
            // after a value: the next member of an open bracket, or its end
            while (true) {
                if (depth == base) {
                    return;
                }
                int rel = depth - base;
                boolean object = (objects[rel >> 6] & (1L << rel)) != 0;
                int close = object ? '}' : ']';
                int d = pos < b.length && b[pos] == ',' ? ',' : peek();
                if (d == ',') {
                    pos++;
                    int e = peek();
                    if (e == close) {
                        throw error("expected " + (object ? "a field name" : "a value") + " after ','");
                    }
                    if (object) {
                        memberName(e);
                    }
                    break;
                }
                if (d == close) {
                    pos++;
                    depth--;
                    continue;
                }
                if (d == -1) {
                    throw error("unexpected end of input: expected ',' or '" + (char) close + "'");
                }
                throw error("expected ',' or '" + (char) close + "'");
            }
        }
    }

    /** Past a skipped member's name and its colon; {@code c} is the name's first byte. */
    private void memberName(int c) throws BadAdmissionRequestException {
        if (c != '"') {
            throw error(c == -1 ? "unexpected end of input: expected a field name"
                    : "expected a field name in double quotes");
        }
        skipString(true);
        if (peek() != ':') {
            throw error("expected ':' after a field name");
        }
        pos++;
    }

    /**
     * Past a string whose opening quote is at {@code pos}; returns whether it has an escape. In a field name, as in
     * Jackson, an escaped surrogate must be half of a pair.
     */
    private boolean skipString(boolean name) throws BadAdmissionRequestException {
        int i = pos + 1;
        boolean escaped = false;
        byte[] b = this.b;
        while (true) {
            // eight bytes at a time up to the first that needs a look: most string bytes are plain ASCII
            while (i <= b.length - 8) {
                long special = special((long) LONGS.get(b, i));
                if (special != 0) {
                    i += Long.numberOfTrailingZeros(special) >>> 3;
                    break;
                }
                i += 8;
            }
            if (i >= b.length) {
                pos = i;
                throw error("unexpected end of input in a string");
            }
            int c = b[i];
            if (c == '"') {
                pos = i + 1;
                return escaped;
            }
            if (c >= 0x20 && c != '\\') {
                i++;
                continue;
            }
            pos = i;
            if (c == '\\') {
                escaped = true;
                i = escape(i + 1, name);
            } else if (c >= 0) {
                throw error("control character (code " + c + ") in a string: it has to be escaped");
            } else {
                i = utf8(i);
            }
        }
    }

    /**
     * The high bit of each byte of {@code x} (little-endian) that is a quote, a backslash, a control character or
     * not ASCII; the lowest set bit is exact (a borrow can only mark bytes above a marked one).
     */
    private static long special(long x) {
        long quote = x ^ 0x2222222222222222L;
        long backslash = x ^ 0x5C5C5C5C5C5C5C5CL;
        return ((quote - 0x0101010101010101L) & ~quote | (backslash - 0x0101010101010101L) & ~backslash
                | (x - 0x2020202020202020L) & ~x | x) & 0x8080808080808080L;
    }

    /** Checks the escape whose letter is at {@code i}; returns the index after it. */
    private int escape(int i, boolean name) throws BadAdmissionRequestException {
        if (i >= b.length) {
            throw error("unexpected end of input in a string");
        }
        switch (b[i]) {
            case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> {
                return i + 1;
            }
            case 'u' -> {
                int unit = unicode(i);
                if (name && unit >= 0xDC00 && unit <= 0xDFFF) {
                    throw error("unexpected low surrogate in a field name");
                }
                if (name && unit >= 0xD800 && unit <= 0xDBFF) {
                    if (i + 6 >= b.length || b[i + 5] != '\\' || b[i + 6] != 'u') {
                        pos = Math.min(i + 5, b.length);
                        throw error("broken surrogate pair in a field name");
                    }
                    int low = unicode(i + 6);
                    if (low < 0xDC00 || low > 0xDFFF) {
                        pos = i + 5;
                        throw error("broken surrogate pair in a field name");
                    }
                    return i + 11;
                }
                return i + 5;
            }
            default -> {
                pos = i;
                throw error("unrecognized escape \\" + shown(b[i] & 0xFF));
            }
        }
    }

    /** The code unit of the four hexadecimal digits after the {@code u} at {@code i}. */
    private int unicode(int i) throws BadAdmissionRequestException {
        int unit = 0;
        for (int k = 1; k <= 4; k++) {
            int digit = i + k < b.length ? hex(b[i + k]) : -1;
            if (digit < 0) {
                pos = Math.min(i + k, b.length);
                throw error("expected 4 hexadecimal digits after \\u");
            }
            unit = unit << 4 | digit;
        }
        return unit;
    }

    /** Checks the UTF-8 sequence starting at {@code i} as Jackson does; returns the index after it. */
    private int utf8(int i) throws BadAdmissionRequestException {
        int lead = b[i] & 0xFF;
        int more = lead >= 0xC0 && lead <= 0xDF ? 1 : lead >= 0xE0 && lead <= 0xEF ? 2
                : lead >= 0xF0 && lead <= 0xF7 ? 3 : -1;
        if (more < 0) {
            throw error("invalid UTF-8 start byte 0x" + Integer.toHexString(lead));
        }
        for (int k = 1; k <= more; k++) {
            if (i + k >= b.length) {
                pos = b.length;
                throw error("unexpected end of input in a string");
            }
            if ((b[i + k] & 0xC0) != 0x80) {
                pos = i + k;
                throw error("invalid UTF-8 middle byte 0x" + Integer.toHexString(b[i + k] & 0xFF));
            }
        }
        return i + more + 1;
    }

    private boolean ascii(int start, int end) {
        for (int i = start; i < end; i++) {
            if (b[i] < 0) {
                return false;
            }
        }
        return true;
    }

    /** The text of a string's checked content (between its quotes), escapes and UTF-8 decoded as Jackson does. */
    private String decode(int start, int end) {
        StringBuilder s = new StringBuilder(end - start);
        int i = start;
        while (i < end) {
            int c = b[i] & 0xFF;
            if (c == '\\') {
                int e = b[i + 1];
                switch (e) {
                    case 'b' -> s.append('\b');
                    case 'f' -> s.append('\f');
                    case 'n' -> s.append('\n');
                    case 'r' -> s.append('\r');
                    case 't' -> s.append('\t');
                    case 'u' -> {
                        s.append((char) ((hex(b[i + 2]) << 12) | (hex(b[i + 3]) << 8) | (hex(b[i + 4]) << 4)
                                | hex(b[i + 5])));
                        i += 4;
                    }
                    default -> s.append((char) e);
                }
                i += 2;
            } else if (c < 0x80) {
                s.append((char) c);
                i++;
            } else {
                int more = c >= 0xC0 && c <= 0xDF ? 1 : c >= 0xE0 && c <= 0xEF ? 2 : c >= 0xF0 && c <= 0xF7 ? 3 : -1;
                boolean whole = more > 0 && i + more < end;
                for (int k = 1; whole && k <= more; k++) {
                    whole = (b[i + k] & 0xC0) == 0x80;
                }
                if (!whole) {
                    // not reached: the string was checked before it is decoded
                    s.append('\uFFFD');
                    i++;
                } else if (more == 1) {
                    s.append((char) (((c & 0x1F) << 6) | (b[i + 1] & 0x3F)));
                    i += 2;
                } else if (more == 2) {
                    s.append((char) (((c & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F)));
                    i += 3;
                } else {
                    int cp = ((c & 0x07) << 18) | ((b[i + 1] & 0x3F) << 12) | ((b[i + 2] & 0x3F) << 6)
                            | (b[i + 3] & 0x3F);
                    cp -= 0x10000;
                    s.append((char) (0xD800 | (cp >> 10))).append((char) (0xDC00 | (cp & 0x3FF)));
                    i += 4;
                }
            }
        }
        return s.toString();
    }

    private static int hex(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private void literal(String word) throws BadAdmissionRequestException {
        for (int k = 0; k < word.length(); k++) {
            if (pos + k >= b.length || b[pos + k] != word.charAt(k)) {
                pos += k;
                throw error("unrecognized token: expected '" + word + "'");
            }
        }
        pos += word.length();
        if (pos < b.length && identifierPart(b[pos] & 0xFF)) {
            throw error("unrecognized token: expected '" + word + "'");
        }
    }

    /** {@code -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?}, at most the codec's number length. */
    private void number() throws BadAdmissionRequestException {
        int start = pos;
        int i = pos;
        if (b[i] == '-') {
            i++;
        }
        if (i >= b.length || !digit(b[i])) {
            pos = i;
            throw error("expected a digit in a number");
        }
        if (b[i] == '0') {
            i++;
            if (i < b.length && digit(b[i])) {
                pos = i;
                throw error("leading zeroes are not allowed in a number");
            }
        } else {
            i = digits(i);
        }
        if (i < b.length && b[i] == '.') {
            if (i + 1 >= b.length || !digit(b[i + 1])) {
                pos = i + 1;
                throw error("expected a digit after the decimal point");
            }
            i = digits(i + 1);
        }
        if (i < b.length && (b[i] == 'e' || b[i] == 'E')) {
            i++;
            if (i < b.length && (b[i] == '+' || b[i] == '-')) {
                i++;
            }
            if (i >= b.length || !digit(b[i])) {
                pos = i;
                throw error("expected a digit in the exponent");
            }
            i = digits(i);
        }
        if (i - start > AdmissionCodec.MAX_NUMBER_LENGTH) {
            pos = start;
            throw error("number length (" + (i - start) + ") exceeds the maximum allowed ("
                    + AdmissionCodec.MAX_NUMBER_LENGTH + ")");
        }
        pos = i;
        if (pos < b.length && identifierPart(b[pos] & 0xFF)) {
            throw error("unexpected character " + shown(b[pos] & 0xFF) + " after a number");
        }
    }

    private int digits(int i) {
        while (i < b.length && digit(b[i])) {
            i++;
        }
        return i;
    }

    private static boolean digit(byte c) {
        return c >= '0' && c <= '9';
    }

    private static boolean identifierPart(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
                || c >= 0x80;
    }

    private static String shown(int c) {
        return c >= 0x21 && c < 0x7F ? "'" + (char) c + "'" : "(code " + c + ")";
    }

    /** A syntax error at the current position, with its line and column (both from 1, columns in bytes). */
    private BadAdmissionRequestException error(String what) {
        int line = 1;
        int lineStart = 0;
        int end = Math.min(pos, b.length);
        for (int i = 0; i < end; i++) {
            if (b[i] == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new BadAdmissionRequestException("request body is not a valid AdmissionReview: " + what + " (line "
                + line + ", column " + (end - lineStart + 1) + ")");
    }

    /**
     * The field names a caller matches, at most 64, each found by its bytes without making a string of the name.
     */
    static final class Names {
        private final String[] names;
        private final byte[][] bytes;

        Names(String... names) {
            if (names.length > 64) {
                throw new IllegalArgumentException("at most 64 names");
            }
            this.names = names.clone();
            this.bytes = Arrays.stream(names).map(n -> n.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                    .toArray(byte[][]::new);
        }

        String name(int index) {
            return names[index];
        }

        int indexOf(String name) {
            for (int k = 0; k < names.length; k++) {
                if (names[k].equals(name)) {
                    return k;
                }
            }
            return -1;
        }

        int indexOf(byte[] b, int start, int end) {
            int length = end - start;
            for (int k = 0; k < bytes.length; k++) {
                byte[] n = bytes[k];
                if (n.length == length && Arrays.equals(n, 0, length, b, start, end)) {
                    return k;
                }
            }
            return -1;
        }
    }
}
