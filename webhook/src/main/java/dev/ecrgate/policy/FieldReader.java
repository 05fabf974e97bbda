package dev.ecrgate.policy;

import dev.ecrgate.policy.YamlTree.Entry;
import dev.ecrgate.policy.YamlTree.Mapping;
import dev.ecrgate.policy.YamlTree.Node;
import dev.ecrgate.policy.YamlTree.Position;
import dev.ecrgate.policy.YamlTree.Scalar;
import dev.ecrgate.policy.YamlTree.ScalarType;
import dev.ecrgate.policy.YamlTree.Sequence;
import dev.ecrgate.text.OutsideText;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads the shapes of one policy file's YAML tree, mappings with known fields, lists, strings, booleans and
 * choices, recording an error with the file, line, column and field path for each that is wrong, so that a file
 * with several mistakes gets them all in one answer. One reader per document; not thread-safe.
 */
abstract class FieldReader {
    final String file;
    final List<PolicyError> errors = new ArrayList<>();

    FieldReader(String file) {
        this.file = file;
    }

    /**
     * A list whose items are read by {@code item}; empty when it or any item is wrong. {@code emptyHint}, when not
     * null, makes an empty list an error: it says what to do instead (usually: leave the field out).
     */
    <T> Optional<List<T>> list(Node node, String path, String emptyHint,
                                       ItemReader<T> item) {
        if (!(node instanceof Sequence sequence)) {
            error(path, node.position(), "expected a list, got " + node.describe());
            return Optional.empty();
        }
        if (sequence.items().isEmpty() && emptyHint != null) {
            error(path, node.position(), "must not be empty ("
                    + (emptyHint.startsWith("to ") ? "leave the field out " + emptyHint : emptyHint) + ")");
            return Optional.empty();
        }
        List<T> values = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < sequence.items().size(); i++) {
            Optional<T> value = item.read(sequence.items().get(i), path + "[" + i + "]");
            if (value.isPresent()) {
                values.add(value.get());
            } else {
                ok = false;
            }
        }
        return ok ? Optional.of(values) : Optional.empty();
    }

    @FunctionalInterface
    interface ItemReader<T> {
        Optional<T> read(Node node, String path);
    }

    Optional<Mapping> mapping(Node node, String path) {
        if (node instanceof Mapping m) {
            return Optional.of(m);
        }
        error(path, node.position(), "expected a mapping, got " + node.describe());
        return Optional.empty();
    }

    Optional<String> string(Node node, String path) {
        if (node instanceof Scalar s && s.type() == ScalarType.STRING) {
            return Optional.of(s.text());
        }
        String hint = node instanceof Scalar s && s.type() != ScalarType.NULL ? " (quote it to make it a string)" : "";
        error(path, node.position(), "expected a string, got " + node.describe() + hint);
        return Optional.empty();
    }

    Optional<String> nonEmptyString(Node node, String path) {
        return string(node, path).filter(v -> check(!v.isEmpty(), path, node, "must not be empty"));
    }

    Optional<Boolean> bool(Node node, String path) {
        if (node instanceof Scalar s && s.type() == ScalarType.BOOLEAN) {
            return Optional.of(s.integer().signum() != 0);
        }
        error(path, node.position(), "expected true or false, got " + node.describe());
        return Optional.empty();
    }

    /** An enum value written in any case: {@code enforce}, {@code ENFORCE}. */
    <E extends Enum<E>> Optional<E> choice(Node node, String path, String what, Class<E> type) {
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT));
        }
        return string(node, path).flatMap(v -> {
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(v)) {
                    return Optional.of(e);
                }
            }
            error(path, node.position(), "unknown " + what + " " + OutsideText.quoted(v) + " (expected one of "
                    + String.join(", ", names) + ")");
            return Optional.empty();
        });
    }

    Fields fields(Mapping m, String path, String... known) {
        List<String> knownFields = List.of(known);
        for (Entry e : m.entries().values()) {
            if (!knownFields.contains(e.key())) {
                String fieldPath = path.isEmpty() ? e.key() : path + "." + e.key();
                Optional<String> suggestion = closest(e.key(), knownFields);
                error(fieldPath, e.keyPosition(), "unknown field " + OutsideText.quoted(e.key()) + suggestion
                        .map(s -> ": did you mean " + OutsideText.quoted(s) + "?")
                        .orElse(" (expected one of " + String.join(", ", knownFields) + ")"));
            }
        }
        return new Fields(m, path);
    }

    /** The known fields of one mapping, looked up by name. */
    final class Fields {
        private final Mapping mapping;
        private final String path;

        Fields(Mapping mapping, String path) {
            this.mapping = mapping;
            this.path = path;
        }

        Optional<Node> optional(String key) {
            return Optional.ofNullable(mapping.entries().get(key)).map(Entry::value);
        }

        Optional<Node> required(String key) {
            Optional<Node> node = optional(key);
            if (node.isEmpty()) {
                error(path.isEmpty() ? key : path + "." + key, mapping.position(), "required field is missing");
            }
            return node;
        }
    }

    /** The known field closest to a misspelt one, when it is close enough to be what was meant. */
    static Optional<String> closest(String key, List<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = editDistance(key.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        int allowed = Math.min(key.length(), best == null ? 0 : best.length()) >= 6 ? 2 : 1;
        return bestDistance <= allowed ? Optional.of(best) : Optional.empty();
    }

    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }

    boolean check(boolean ok, String path, Node node, String message) {
        if (!ok) {
            error(path, node.position(), message);
        }
        return ok;
    }

    void error(String path, Position position, String message) {
        errors.add(new PolicyError(file, position.line(), position.column(), path, message));
    }
}
