package dev.ecrgate.policy;

import java.util.regex.Pattern;

/**
 * A glob over slash-separated names: {@code *} matches any run of characters within one segment (no {@code /}),
 * {@code **} matches any run including {@code /}, {@code ?} one character other than {@code /}. Everything else is
 * literal. Used for namespaces, repository paths and image references in policies.
 */
public final class Glob {
    private final String text;
    private final Pattern pattern;

    private Glob(String text, Pattern pattern) {
        this.text = text;
        this.pattern = pattern;
    }

    public static Glob of(String text) {
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
                    // "**/" may match nothing at all, so "**/api" matches "api" too
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
        return new Glob(text, Pattern.compile(regex.toString(), Pattern.DOTALL));
    }

    public boolean matches(String candidate) {
        return pattern.matcher(candidate).matches();
    }

    /** The glob as written. */
    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Glob g && g.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
