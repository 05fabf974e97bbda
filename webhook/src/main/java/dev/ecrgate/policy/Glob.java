package dev.ecrgate.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * A glob over slash-separated names: {@code *} matches any run of characters within one segment (no {@code /}),
 * {@code **} matches any run including {@code /}, {@code ?} one character other than {@code /}. Everything else is
 * literal. Used for namespaces, repository paths and image references in policies.
 *
 * <p>A glob made by {@link #template} also knows {@code {namespace}}, which stands for the namespace passed to
 * {@link #matches(String, String)}, so that a policy's repository globs are compiled once, not per request.
 *
 * <p>Matching is a pass over the candidate per piece of the glob (the set of positions each piece can end at), with
 * no regular expression and no backtracking: linear in the glob's pieces times the candidate's length whatever the
 * glob. Immutable and thread safe.
 */
public final class Glob {
    /** What {@link #template} replaces by the namespace. */
    public static final String NAMESPACE = "{namespace}";

    private enum Kind {
        LITERAL, NAMESPACE, ONE, IN_SEGMENT, ANY, ANY_DIRECTORIES
    }

    /** One piece: a literal run, {@code {namespace}}, {@code ?}, {@code *}, {@code **}, or {@code **}{@code /}. */
    private record Piece(Kind kind, String literal) {
    }

    private final String text;
    private final Piece[] pieces;
    /** The glob is one literal run: matching is equality. */
    private final boolean literalOnly;

    private Glob(String text, List<Piece> pieces) {
        this.text = text;
        this.pieces = pieces.toArray(Piece[]::new);
        this.literalOnly = this.pieces.length == 1 && this.pieces[0].kind() == Kind.LITERAL;
    }

    /** The glob {@code text}; {@code {namespace}} in it is literal text. */
    public static Glob of(String text) {
        return compile(text, false);
    }

    /** The glob {@code text}, where {@code {namespace}} stands for the namespace given when matching. */
    public static Glob template(String text) {
        return compile(text, true);
    }

    private static Glob compile(String text, boolean namespaces) {
        List<Piece> pieces = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (namespaces && c == '{' && text.startsWith(NAMESPACE, i)) {
                flush(literal, pieces);
                pieces.add(new Piece(Kind.NAMESPACE, ""));
                i += NAMESPACE.length() - 1;
            } else if (c == '?') {
                flush(literal, pieces);
                pieces.add(new Piece(Kind.ONE, ""));
            } else if (c == '*') {
                flush(literal, pieces);
                if (i + 1 < text.length() && text.charAt(i + 1) == '*') {
                    i++;
                    // "**/" may match nothing at all, so "**/api" matches "api" too
                    if (i + 1 < text.length() && text.charAt(i + 1) == '/') {
                        i++;
                        pieces.add(new Piece(Kind.ANY_DIRECTORIES, ""));
                    } else {
                        pieces.add(new Piece(Kind.ANY, ""));
                    }
                } else {
                    pieces.add(new Piece(Kind.IN_SEGMENT, ""));
                }
            } else {
                literal.append(c);
            }
        }
        flush(literal, pieces);
        return new Glob(text, pieces);
    }

    private static void flush(StringBuilder literal, List<Piece> pieces) {
        if (literal.length() > 0) {
            pieces.add(new Piece(Kind.LITERAL, literal.toString()));
            literal.setLength(0);
        }
    }

    public boolean matches(String candidate) {
        return matches(candidate, NAMESPACE);
    }

    /** Whether {@code candidate} matches, {@code {namespace}} (in a {@link #template}) standing for {@code namespace}. */
    public boolean matches(String candidate, String namespace) {
        if (literalOnly) {
            return pieces[0].literal().equals(candidate);
        }
        if (pieces.length == 0) {
            return candidate.isEmpty();
        }
        int n = candidate.length();
        // at[i]: a match of the pieces so far can end just before candidate.charAt(i)
        boolean[] at = new boolean[n + 1];
        boolean[] next = new boolean[n + 1];
        at[0] = true;
        for (Piece piece : pieces) {
            boolean any = false;
            java.util.Arrays.fill(next, false);
            switch (piece.kind()) {
                case LITERAL, NAMESPACE -> {
                    String lit = piece.kind() == Kind.LITERAL ? piece.literal() : namespace;
                    for (int i = 0; i + lit.length() <= n; i++) {
                        if (at[i] && candidate.startsWith(lit, i)) {
                            next[i + lit.length()] = true;
                            any = true;
                        }
                    }
                }
                case ONE -> {
                    for (int i = 0; i < n; i++) {
                        if (at[i] && candidate.charAt(i) != '/') {
                            int width = Character.isHighSurrogate(candidate.charAt(i)) && i + 1 < n
                                    && Character.isLowSurrogate(candidate.charAt(i + 1)) ? 2 : 1;
                            next[i + width] = true;
                            any = true;
                        }
                    }
                }
                case IN_SEGMENT -> {
                    boolean open = false;
                    for (int i = 0; i <= n; i++) {
                        open = at[i] || open && candidate.charAt(i - 1) != '/';
                        next[i] = open;
                        any |= open;
                    }
                }
                case ANY -> {
                    boolean open = false;
                    for (int i = 0; i <= n; i++) {
                        open |= at[i];
                        next[i] = open;
                        any |= open;
                    }
                }
                case ANY_DIRECTORIES -> {
                    // nothing, or any run that ends with a slash
                    boolean open = false;
                    for (int i = 0; i <= n; i++) {
                        if (i > 0 && open && candidate.charAt(i - 1) == '/') {
                            next[i] = true;
                        }
                        open |= at[i];
                        if (at[i]) {
                            next[i] = true;
                        }
                        any |= next[i];
                    }
                }
            }
            if (!any) {
                return false;
            }
            boolean[] swap = at;
            at = next;
            next = swap;
        }
        return at[n];
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
