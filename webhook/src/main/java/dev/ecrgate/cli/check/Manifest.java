package dev.ecrgate.cli.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ecrgate.admission.ContainerKind;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One Kubernetes object read from a manifest file, with where it was written.
 *
 * @param file     the file as the user named it (relative when it was given relative), or the stdin name
 * @param document the document's position in the file, from 1
 * @param item     the position in the {@code items} of a {@code List} document, from 1, when it came from one
 * @param object   the object as written
 * @param line     the line its first key is on
 * @param lines    where each key of each mapping of the file was written, to point at an {@code image:} line
 */
public record Manifest(String file, int document, OptionalInt item, ObjectNode object, int line, KeyLines lines) {
    public Manifest {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(item, "item");
        Objects.requireNonNull(object, "object");
        Objects.requireNonNull(lines, "lines");
    }

    public String apiVersion() {
        return text(object.get("apiVersion"));
    }

    public String kind() {
        return text(object.get("kind"));
    }

    public String name() {
        JsonNode meta = object.get("metadata");
        return meta == null ? "" : text(meta.get("name"));
    }

    /** The namespace written in the manifest, if any. */
    public Optional<String> namespace() {
        JsonNode meta = object.get("metadata");
        String ns = meta == null ? "" : text(meta.get("namespace"));
        return ns.isEmpty() ? Optional.empty() : Optional.of(ns);
    }

    /** {@code file}, {@code file#2} for the second document, {@code file#2.3} for the third item of a List there. */
    public String where() {
        return file + (document == 1 && item.isEmpty() ? "" : "#" + document)
                + (item.isPresent() ? "." + item.getAsInt() : "");
    }

    /**
     * The line of the {@code image:} key of the container named {@code container} in the {@code kind} list of any
     * pod spec of this object, else the object's first line. Found by shape rather than by a path per workload kind,
     * so it holds for every kind ecrgate checks.
     */
    public int imageLine(ContainerKind kind, String container) {
        return findImageLine(object, kind.field(), container, 0).orElse(line);
    }

    private OptionalInt findImageLine(JsonNode node, String listField, String container, int depth) {
        if (depth > 64 || !node.isContainerNode()) {
            return OptionalInt.empty();
        }
        if (node.isObject()) {
            JsonNode list = node.get(listField);
            if (list != null && list.isArray()) {
                for (JsonNode c : list) {
                    if (c.isObject() && container.equals(text(c.get("name")))) {
                        Integer at = lines.of(c).get("image");
                        if (at != null) {
                            return OptionalInt.of(at);
                        }
                    }
                }
            }
        }
        for (JsonNode child : node) {
            OptionalInt found = findImageLine(child, listField, container, depth + 1);
            if (found.isPresent()) {
                return found;
            }
        }
        return OptionalInt.empty();
    }

    private static String text(JsonNode node) {
        return node != null && node.isValueNode() && !node.isNull() ? node.asText() : "";
    }

    /** The line of every mapping, list and key read from one file, by node identity. */
    public static final class KeyLines {
        private final java.util.IdentityHashMap<JsonNode, Map<String, Integer>> byMapping =
                new java.util.IdentityHashMap<>();
        private final java.util.IdentityHashMap<JsonNode, Integer> starts = new java.util.IdentityHashMap<>();

        void start(JsonNode node, int line) {
            starts.put(node, line);
        }

        /** The line {@code node} starts on, or null when it was not read from the file (an alias's copy). */
        Integer start(JsonNode node) {
            return starts.get(node);
        }

        void put(JsonNode mapping, String key, int line) {
            byMapping.computeIfAbsent(mapping, m -> new java.util.HashMap<>()).putIfAbsent(key, line);
        }

        Map<String, Integer> of(JsonNode mapping) {
            return byMapping.getOrDefault(mapping, Map.of());
        }
    }
}
