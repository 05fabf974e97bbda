package dev.ecrgate.policy;

import java.util.Objects;

/**
 * One thing wrong with a policy file, located precisely enough for an editor to jump to it.
 *
 * <p>{@link #toString()} renders it as {@code file:line:column: field: message}, for example
 * {@code policies/team-blue.yaml:14:7: spec.vulnerabilities.maxCounts.HIGHH: unknown severity "HIGHH" (...)}.
 * The location is left out when it is unknown ({@code line} 0), the field when the error is not about one field.
 *
 * @param file    the file as named to the loader (for a directory, the directory joined with the file name)
 * @param line    1-based line, or 0 when the error has no position (an unreadable file, an empty directory)
 * @param column  1-based column, or 0 with {@code line} 0
 * @param field   the field's path in the document: dots between names and {@code [i]} for list items, for example
 *                {@code spec.exemptions[0].reason}; empty when the error is about the file or document as a whole
 * @param message what is wrong, and where it helps, what would be right
 */
public record PolicyError(String file, int line, int column, String field, String message) {
    public PolicyError {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(file);
        if (line > 0) {
            s.append(':').append(line).append(':').append(column);
        }
        s.append(": ");
        if (!field.isEmpty()) {
            s.append(field).append(": ");
        }
        return s.append(message).toString();
    }
}
