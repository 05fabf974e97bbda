package dev.ecrgate.policy;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Policy files that could not be loaded, with every error found in them (not just the first), in file order. The
 * message is the errors rendered one per line, as {@link PolicyError#toString()} renders them.
 */
public final class PolicyLoadException extends Exception {
    private final List<PolicyError> errors;

    public PolicyLoadException(List<PolicyError> errors) {
        super(render(errors));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a PolicyLoadException needs at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    /** Every error, in the order they were found; never empty. */
    public List<PolicyError> errors() {
        return errors;
    }

    /**
     * What a command prints when the policies in {@code where} do not load: "cannot load policies from WHERE:" and
     * the errors one per line, or only the error itself when it is that {@code where} cannot be read at all.
     */
    public String describe(String where) {
        PolicyError only = errors.get(0);
        if (errors.size() == 1 && only.line() == 0 && only.file().equals(where)) {
            return only.toString();
        }
        return "cannot load policies from " + where + ":\n" + getMessage();
    }

    private static String render(List<PolicyError> errors) {
        return errors.stream().map(PolicyError::toString).collect(Collectors.joining("\n"));
    }
}
