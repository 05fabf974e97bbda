package dev.ecrgate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The resources of one rendered kustomization, as Jackson trees, looked up by kind and name.
 *
 * @param documents every non-empty YAML document, in the order kustomize printed them
 */
record Manifests(List<JsonNode> documents) {
    private static final ObjectMapper YAML = new YAMLMapper();

    Manifests {
        documents = List.copyOf(documents);
    }

    /** Parses multi-document YAML (kustomize's output). */
    static Manifests parse(String yaml) {
        try {
            List<JsonNode> documents = YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml).readAll().stream()
                    .filter(d -> d != null && !d.isNull() && !d.isMissingNode())
                    .toList();
            return new Manifests(documents);
        } catch (IOException e) {
            throw new UncheckedIOException("rendered YAML does not parse: " + e.getMessage(), e);
        }
    }

    /** A YAML snippet as a tree, for expected values in test tables. */
    static JsonNode yaml(String snippet) {
        try {
            return YAML.readTree(snippet);
        } catch (IOException e) {
            throw new UncheckedIOException("test table YAML does not parse: " + snippet, e);
        }
    }

    /** Every resource as {@code Kind namespace/name} (cluster-scoped ones as {@code Kind name}), sorted. */
    Set<String> identities() {
        return documents.stream().map(Manifests::identity).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Every resource of the kind. */
    List<JsonNode> all(String kind) {
        return documents.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
    }

    /**
     * The one resource of this kind and name.
     *
     * @throws AssertionError when there is none or more than one, listing what was rendered
     */
    JsonNode get(String kind, String name) {
        List<JsonNode> found = all(kind).stream()
                .filter(d -> Objects.equals(name, d.path("metadata").path("name").asText()))
                .toList();
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " resources " + kind + " " + name + " rendered, expected 1; "
                    + "rendered: " + identities());
        }
        return found.get(0);
    }

    static String identity(JsonNode resource) {
        JsonNode metadata = resource.path("metadata");
        String namespace = metadata.path("namespace").asText("");
        return resource.path("kind").asText() + " "
                + (namespace.isEmpty() ? "" : namespace + "/") + metadata.path("name").asText();
    }
}
