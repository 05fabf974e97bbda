package dev.ecrgate.image;

/**
 * The productions of the image reference grammar, as distribution/reference writes it (reference.go, regexp.go)
 * and kubelet and containerd accept it:
 *
 * <pre>
 * reference           := name [ ":" tag ] [ "@" digest ]
 * name                := [ domain "/" ] remote-name
 * domain              := host [ ":" port-number ]
 * host                := domain-name | "[" ipv6-address "]"
 * domain-name         := domain-component [ "." domain-component ]*
 * domain-component    := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
 * ipv6-address        := [a-fA-F0-9:]+             (no zone, no embedded IPv4)
 * port-number         := [0-9]+
 * remote-name (path)  := path-component [ "/" path-component ]*
 * path-component      := alpha-numeric [ separator alpha-numeric ]*
 * alpha-numeric       := [a-z0-9]+
 * separator           := [_.] | "__" | [-]+
 * tag                 := [\w][\w.-]{0,127}
 * digest              := digest-algorithm ":" digest-hex
 * digest-algorithm    := algorithm-component [ algorithm-separator algorithm-component ]*
 * algorithm-separator := [+._-]
 * algorithm-component := [A-Za-z][A-Za-z0-9]*
 * digest-hex          := [0-9a-fA-F]{32,}
 * identifier          := [a-f0-9]{64}
 * </pre>
 *
 * <p>Each method checks one production over {@code s[from, to)} in a single left-to-right pass. They are written
 * by hand rather than as one large regular expression so that no input, however long or hostile, can make
 * admission backtrack: every check is linear in its input. All character classes are ASCII, as in Go's RE2.
 */
final class ReferenceGrammar {

    /** Upstream limits the path (not the domain) to this many characters. */
    static final int PATH_MAX_LENGTH = 255;
    static final int TAG_MAX_LENGTH = 128;
    static final int IDENTIFIER_LENGTH = 64;
    static final int DIGEST_HEX_MIN_LENGTH = 32;

    private ReferenceGrammar() {
    }

    /** {@code domain := host [":" port-number]}. */
    static boolean isDomain(String s) {
        int hostEnd = hostEnd(s);
        if (hostEnd < 0) {
            return false;
        }
        return hostEnd == s.length() || s.charAt(hostEnd) == ':' && isPort(s, hostEnd + 1, s.length());
    }

    /**
     * The end of the host at the start of a domain, or -1 when the text does not start with a valid host.
     * A domain name cannot contain ':', so the first ':' ends it; an IPv6 host ends at its ']'.
     */
    static int hostEnd(String s) {
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            return close > 1 && isIpv6Body(s, 1, close) ? close + 1 : -1;
        }
        int colon = s.indexOf(':');
        int end = colon < 0 ? s.length() : colon;
        return isDomainName(s, 0, end) ? end : -1;
    }

    static boolean isDomainName(String s, int from, int to) {
        if (from >= to) {
            return false;
        }
        int componentStart = from;
        for (int i = from; i <= to; i++) {
            if (i == to || s.charAt(i) == '.') {
                if (!isDomainComponent(s, componentStart, i)) {
                    return false;
                }
                componentStart = i + 1;
            }
        }
        return true;
    }

    private static boolean isDomainComponent(String s, int from, int to) {
        if (from >= to || s.charAt(from) == '-' || s.charAt(to - 1) == '-') {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(isAsciiLetter(c) || isDigit(c) || c == '-')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isIpv6Body(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(isHexDigit(c) || c == ':')) {
                return false;
            }
        }
        return from < to;
    }

    static boolean isPort(String s, int from, int to) {
        if (from >= to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (!isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** {@code remote-name}: one or more valid path components joined by single slashes. */
    static boolean isPath(String s) {
        return firstInvalidPathComponent(s) < 0;
    }

    /** The start index of the first invalid (possibly empty) path component, or -1 when the whole path is valid. */
    static int firstInvalidPathComponent(String s) {
        int componentStart = 0;
        for (int i = 0; i <= s.length(); i++) {
            if (i == s.length() || s.charAt(i) == '/') {
                if (!isPathComponent(s, componentStart, i)) {
                    return componentStart;
                }
                componentStart = i + 1;
            }
        }
        return -1;
    }

    static boolean isPathComponent(String s, int from, int to) {
        if (from >= to || !isAlphaNumeric(s.charAt(from)) || !isAlphaNumeric(s.charAt(to - 1))) {
            return false;
        }
        int i = from;
        while (i < to) {
            while (i < to && isAlphaNumeric(s.charAt(i))) {
                i++;
            }
            int separatorStart = i;
            while (i < to && !isAlphaNumeric(s.charAt(i))) {
                i++;
            }
            if (i > separatorStart && !isSeparator(s, separatorStart, i)) {
                return false;
            }
        }
        return true;
    }

    /** One '.', one or two '_', or any number of '-': repeated dashes keep hostnames usable as components. */
    private static boolean isSeparator(String s, int from, int to) {
        int length = to - from;
        char first = s.charAt(from);
        if (length == 1) {
            return first == '.' || first == '_' || first == '-';
        }
        if (length == 2 && first == '_' && s.charAt(from + 1) == '_') {
            return true;
        }
        for (int i = from; i < to; i++) {
            if (s.charAt(i) != '-') {
                return false;
            }
        }
        return true;
    }

    /** {@code tag}: a word character, then up to 127 word characters, dots and dashes. */
    static boolean isTag(String s) {
        if (s.isEmpty() || s.length() > TAG_MAX_LENGTH || !isWordCharacter(s.charAt(0))) {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(isWordCharacter(c) || c == '.' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** {@code digest-algorithm}. */
    static boolean isDigestAlgorithm(String s) {
        boolean expectComponentStart = true;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (expectComponentStart) {
                if (!isAsciiLetter(c)) {
                    return false;
                }
                expectComponentStart = false;
            } else if (c == '+' || c == '.' || c == '_' || c == '-') {
                expectComponentStart = true;
            } else if (!(isAsciiLetter(c) || isDigit(c))) {
                return false;
            }
        }
        return !s.isEmpty() && !expectComponentStart;
    }

    /** {@code digest-hex}: at least 32 hex digits, either case (the algorithm may be stricter). */
    static boolean isDigestHex(String s) {
        return s.length() >= DIGEST_HEX_MIN_LENGTH && s.chars().allMatch(c -> isHexDigit((char) c));
    }

    /** {@code identifier}: what an image ID looks like, and so what a repository name must not be. */
    static boolean isIdentifier(String s) {
        return s.length() == IDENTIFIER_LENGTH && isLowercaseHex(s);
    }

    static boolean isLowercaseHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(isDigit(c) || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    static boolean hasAsciiUppercase(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return true;
            }
        }
        return false;
    }

    private static boolean isAlphaNumeric(char c) {
        return c >= 'a' && c <= 'z' || isDigit(c);
    }

    private static boolean isWordCharacter(char c) {
        return isAsciiLetter(c) || isDigit(c) || c == '_';
    }

    private static boolean isAsciiLetter(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isHexDigit(char c) {
        return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }
}
