package dev.ecrgate.policy;

import dev.ecrgate.image.EcrRegistry;
import dev.ecrgate.image.ImageReference;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code policies/ecrgate-policy.schema.json} and the loader agree: on the examples, on the good snippets, and on
 * every bad snippet that a schema can tell is bad.
 */
class PolicySchemaTest {
    static final Path SCHEMA = PolicyLoaderTest.EXAMPLES.resolve("ecrgate-policy.schema.json");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

    private static JsonNode schemaNode;
    private static JsonSchema schema;

    @BeforeAll
    static void readSchema() throws Exception {
        schemaNode = new ObjectMapper().readTree(Files.readString(SCHEMA));
        // format is only an annotation in 2020-12 unless asserted; the loader checks dates and regexes, so must we
        schema = FACTORY.getSchema(schemaNode,
                SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
    }

    static Stream<Path> examples() throws Exception {
        return PolicyLoaderTest.examples();
    }

    static Stream<PolicySnippets.Good> good() {
        return PolicySnippets.good();
    }

    static Stream<PolicySnippets.Bad> bad() {
        return PolicySnippets.bad().filter(PolicySnippets.Bad::schema);
    }

    @Test
    void theSchemaIsAValidDraft202012Schema() {
        JsonSchema meta = FACTORY.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
        assertEquals(Set.of(), meta.validate(schemaNode));
    }

    @ParameterizedTest(name = "the schema accepts the example {0}")
    @MethodSource("examples")
    void theSchemaAcceptsEveryExample(Path example) throws Exception {
        assertEquals(Set.of(), validate(Files.readString(example)));
    }

    @ParameterizedTest(name = "both accept: {0}")
    @MethodSource("good")
    void bothAccept(PolicySnippets.Good c) throws Exception {
        PolicyLoader.parse(PolicySnippets.FILE, c.yaml());
        assertEquals(Set.of(), validate(c.yaml()));
    }

    @ParameterizedTest(name = "both refuse: {0}")
    @MethodSource("bad")
    void bothRefuse(PolicySnippets.Bad c) throws Exception {
        assertThrows(PolicyLoadException.class, () -> PolicyLoader.parse(PolicySnippets.FILE, c.yaml()));
        assertFalse(validate(c.yaml()).isEmpty(), "the schema accepts what the loader refuses");
    }

    private static final String REGION_ITEMS =
            "/properties/spec/properties/registries/properties/ecr/items/properties/regions/items";

    static Stream<Arguments> sharedPatterns() {
        return Stream.of(
                Arguments.of("/properties/metadata/properties/name/pattern", PolicyValidator.NAME),
                Arguments.of("/properties/spec/properties/registries/properties/ecr/items/properties/account/pattern",
                        Pattern.compile(EcrRegistry.ACCOUNT_PATTERN)),
                Arguments.of(REGION_ITEMS + "/pattern", Pattern.compile(EcrRegistry.REGION_PATTERN)),
                Arguments.of("/properties/spec/properties/tags/properties/deny/items/pattern",
                        Pattern.compile(ImageReference.TAG_PATTERN)),
                Arguments.of("/$defs/date/pattern", PolicyValidator.DATE));
    }

    @ParameterizedTest(name = "the schema uses the loader''s pattern at {0}")
    @MethodSource("sharedPatterns")
    void theSchemaUsesTheLoadersPatterns(String pointer, Pattern pattern) {
        assertEquals("^" + pattern.pattern() + "$", schemaNode.at(pointer).asText());
    }

    @Test
    void theSchemaBoundsRegionsAsTheImageSideDoes() {
        assertEquals(EcrRegistry.REGION_MAX_LENGTH, schemaNode.at(REGION_ITEMS + "/maxLength").asInt());
    }

    @Test
    void theSchemaListsTheLoadersSeveritiesAndScanStates() {
        JsonNode vulnerabilities = schemaNode.at("/properties/spec/properties/vulnerabilities/properties");
        assertEquals(Set.copyOf(PolicyValidator.SEVERITY_NAMES),
                Set.copyOf(fieldNames(vulnerabilities.at("/maxCounts/properties"))));
        assertEquals(PolicyValidator.OUTCOME_STATES.stream().map(Enum::name).toList(),
                fieldNames(vulnerabilities.at("/scanStatus/properties")));
    }

    @Test
    void everyObjectInTheSchemaForbidsUnknownFields() {
        assertTrue(objectsWithoutAdditionalPropertiesFalse(schemaNode, "").isEmpty(),
                objectsWithoutAdditionalPropertiesFalse(schemaNode, "").toString());
    }

    private static List<String> objectsWithoutAdditionalPropertiesFalse(JsonNode node, String at) {
        List<String> missing = new ArrayList<>();
        if (node.isObject()) {
            // a free-form string map (metadata.labels) says what its values are; every other object is closed
            boolean stringMap = "string".equals(node.path("additionalProperties").path("type").asText());
            if ("object".equals(node.path("type").asText()) && !node.path("additionalProperties").isBoolean()
                    && !stringMap) {
                missing.add(at);
            }
            node.properties().forEach(e -> missing.addAll(
                    objectsWithoutAdditionalPropertiesFalse(e.getValue(), at + "/" + e.getKey())));
        }
        return missing;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static Set<ValidationMessage> validate(String yaml) throws Exception {
        return schema.validate(YAML.readTree(yaml));
    }
}
