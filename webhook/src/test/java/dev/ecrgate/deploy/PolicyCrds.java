package dev.ecrgate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ImagePolicy and ImageException CRDs, generated from the JSON Schemas in {@code policies/}: the schemas are the
 * one description of the format, and this turns them into the structural OpenAPI v3 schemas Kubernetes wants
 * ({@code $ref}s inlined, {@code const} as a one-value {@code enum}, {@code additionalProperties: false} dropped
 * (the API server prunes unknown fields, and kubectl's strict field validation refuses them), a field that is a
 * string or a list ({@code vulnerabilities.platforms}) left to the loader with
 * {@code x-kubernetes-preserve-unknown-fields}, patterns with look-around, which Go's RE2 cannot compile, left out). Both CRDs serve v1 (storage; what policy files say) and v1alpha1,
 * with the same schema, so either apiVersion works. {@link #main} writes the files; {@code CrdSchemaTest} fails when
 * they differ from what this generates.
 */
public final class PolicyCrds {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path POLICY_CRD = ROOT.resolve("deploy/base/crd-imagepolicy.yaml");
    static final Path EXCEPTION_CRD = ROOT.resolve("deploy/base/crd-imageexception.yaml");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR));
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** JSON Schema words a structural schema keeps as they are. */
    private static final Set<String> KEPT = Set.of("type", "description", "minLength", "maxLength",
            "minItems", "maxItems", "minimum", "maximum", "required", "enum", "format");

    private PolicyCrds() {
    }

    public static void main(String[] args) throws IOException {
        Files.writeString(POLICY_CRD, policyCrd());
        Files.writeString(EXCEPTION_CRD, exceptionCrd());
    }

    static String policyCrd() throws IOException {
        JsonNode schema = JSON.readTree(Files.readString(ROOT.resolve("policies/ecrgate-policy.schema.json")));
        return header("ImagePolicy", "policies/ecrgate-policy.schema.json")
                + YAML.writeValueAsString(crd("imagepolicies", "ImagePolicy", "imagepolicy", List.of("ipol"),
                "Cluster", "An ecrgate image policy: which ECR images may run in which namespaces, by registry,"
                        + " repository, tag and scan findings (README, \"Policies\"); read by serve"
                        + " --policies-from cluster, which writes status.conditions.", schema, List.of(
                        column("Mode", "string", ".spec.mode"),
                        column("Namespaces", "string", ".spec.namespaces"),
                        column("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status"),
                        column("Age", "date", ".metadata.creationTimestamp"))));
    }

    static String exceptionCrd() throws IOException {
        JsonNode schema = JSON.readTree(Files.readString(ROOT.resolve("policies/ecrgate-exception.schema.json")));
        return header("ImageException", "policies/ecrgate-exception.schema.json")
                + YAML.writeValueAsString(crd("imageexceptions", "ImageException", "imageexception",
                List.of("iexc"), "Namespaced", "An exception an app team asks for in its namespace: for the images"
                        + " it names, the CVEs it lists are not counted and the rules it lists are not checked, by"
                        + " the policies that set spec.exceptions.allowNamespaced, until it expires.", schema,
                List.of(
                        column("Policies", "string", ".spec.policies"),
                        column("Approved-By", "string", ".metadata.labels.ecrgate\\.dev/approved-by"),
                        column("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status"),
                        column("Expires", "string", ".spec.expires"),
                        column("Age", "date", ".metadata.creationTimestamp"))));
    }

    private static String header(String kind, String source) {
        return "# " + kind + " (ecrgate.dev), generated from " + source + " by\n"
                + "# webhook/src/test/java/dev/ecrgate/deploy/PolicyCrds.java; CrdSchemaTest fails when this file and the\n"
                + "# schema differ. Regenerate: ./mvnw -q -pl webhook -am test -Dtest=CrdSchemaTest -Decrgate.writeCrds=true\n";
    }

    private static ObjectNode column(String name, String type, String path) {
        return NODES.objectNode().put("name", name).put("type", type).put("jsonPath", path);
    }

    private static ObjectNode crd(String plural, String kind, String singular, List<String> shortNames, String scope,
                                  String description, JsonNode schema, List<ObjectNode> columns) {
        ObjectNode crd = NODES.objectNode();
        crd.put("apiVersion", "apiextensions.k8s.io/v1");
        crd.put("kind", "CustomResourceDefinition");
        ObjectNode metadata = crd.putObject("metadata");
        metadata.put("name", plural + ".ecrgate.dev");
        metadata.putObject("labels").put("app.kubernetes.io/name", "ecrgate");
        ObjectNode spec = crd.putObject("spec");
        spec.put("group", "ecrgate.dev");
        spec.put("scope", scope);
        ObjectNode names = spec.putObject("names");
        names.put("kind", kind).put("listKind", kind + "List").put("plural", plural).put("singular", singular);
        ArrayNode shorts = names.putArray("shortNames");
        shortNames.forEach(shorts::add);
        names.putArray("categories").add("ecrgate");
        ArrayNode versions = spec.putArray("versions");
        for (String version : List.of("v1", "v1alpha1")) {
            ObjectNode v = versions.addObject();
            v.put("name", version);
            v.put("served", true);
            v.put("storage", version.equals("v1"));
            v.putObject("subresources").putObject("status");
            ArrayNode printer = v.putArray("additionalPrinterColumns");
            columns.forEach(printer::add);
            ObjectNode root = v.putObject("schema").putObject("openAPIV3Schema");
            root.put("type", "object");
            root.put("description", description);
            ObjectNode properties = root.putObject("properties");
            properties.putObject("apiVersion").put("type", "string");
            properties.putObject("kind").put("type", "string");
            properties.putObject("metadata").put("type", "object");
            properties.set("spec", structural(schema.at("/properties/spec"), schema));
            ObjectNode status = properties.putObject("status");
            status.put("type", "object");
            status.put("description", "Written by ecrgate: whether the object loaded (condition Ready) and, if not,"
                    + " the loader's message.");
            status.put("x-kubernetes-preserve-unknown-fields", true);
            if (kind.equals("ImageException")) {
                root.putArray("required").add("spec");
            }
        }
        return crd;
    }

    /** The structural OpenAPI v3 form of one JSON Schema node. */
    static JsonNode structural(JsonNode node, JsonNode root) {
        if (node.has("$ref")) {
            String ref = node.path("$ref").asText();
            return structural(root.at(ref.substring(1)), root);
        }
        ObjectNode out = NODES.objectNode();
        boolean typed = node.has("type");
        if (node.has("oneOf") && !typed) {
            // a string or a list: a structural schema cannot say it; the loader checks it
            out.put("description", node.path("description").asText(""));
            out.put("x-kubernetes-preserve-unknown-fields", true);
            return out;
        }
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            String key = f.getKey();
            JsonNode value = f.getValue();
            switch (key) {
                case "properties" -> {
                    ObjectNode props = out.putObject("properties");
                    value.fields().forEachRemaining(p -> props.set(p.getKey(), structural(p.getValue(), root)));
                }
                case "items" -> out.set("items", structural(value, root));
                case "additionalProperties" -> {
                    if (value.isObject()) {
                        out.set("additionalProperties", structural(value, root));
                    }
                }
                case "const" -> out.putArray("enum").add(value);
                case "anyOf", "allOf" -> {
                    ArrayNode list = out.putArray(key);
                    value.forEach(v -> list.add(structural(v, root)));
                }
                case "pattern" -> {
                    // the API server compiles patterns as Go (RE2) regular expressions: no look-around; such a
                    // field is left to the loader
                    if (!value.asText().matches(".*\\(\\?<?[=!].*")) {
                        out.set(key, value);
                    }
                }
                case "format" -> {
                    if (Set.of("date", "date-time").contains(value.asText())) {
                        out.set(key, value);
                    }
                }
                default -> {
                    if (KEPT.contains(key)) {
                        out.set(key, value);
                    }
                }
            }
        }
        if (!typed && out.has("enum") && out.get("enum").get(0).isTextual()) {
            out.put("type", "string");
        }
        if (!typed && out.has("properties")) {
            out.put("type", "object");
        }
        return out;
    }
}
