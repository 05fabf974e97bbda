package dev.ecrgate.cli.check;

import java.util.List;

/** Manifests that could not be read: one {@code file:line:col: problem} line per error, in input order. */
public final class ManifestException extends Exception {
    private static final long serialVersionUID = 1L;

    private final List<String> errors;

    public ManifestException(List<String> errors) {
        super(String.join("\n", errors));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a ManifestException needs at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    /** Every error, never empty. */
    public List<String> errors() {
        return errors;
    }
}
