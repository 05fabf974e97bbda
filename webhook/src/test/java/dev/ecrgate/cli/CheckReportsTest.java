package dev.ecrgate.cli;

import static dev.ecrgate.cli.CheckRun.MANIFESTS;
import static dev.ecrgate.cli.CheckRun.check;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.Validator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/** The machine formats of {@code ecrgate check}: JSON for scripts, JUnit XML for CI, SARIF for code scanning. */
class CheckReportsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<String> inputs() {
        return Stream.of("allow-pod.yaml", "warn-deployment.yaml", "deny-pod.yaml", "multi-document.yaml",
                "list.yaml", "");
    }

    @ParameterizedTest(name = "the SARIF for examples/manifests/{0} is valid SARIF 2.1.0")
    @MethodSource("inputs")
    void theSarifValidatesAgainstTheSarif210Schema(String example) throws Exception {
        CheckRun run = check("-f", MANIFESTS + example, "--output", "sarif");
        JsonNode sarif = JSON.readTree(run.out());
        assertEquals(Set.of(), sarifSchema().validate(sarif), run::toString);
        assertEquals("https://json.schemastore.org/sarif-2.1.0.json", sarif.get("$schema").asText());
    }

    @ParameterizedTest(name = "the JUnit XML for examples/manifests/{0} is valid JUnit XML")
    @MethodSource("inputs")
    void theJunitXmlValidatesAgainstTheJunitSchema(String example) throws Exception {
        CheckRun run = check("-f", MANIFESTS + example, "--output", "junit");
        Validator validator = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI)
                .newSchema(CheckReportsTest.class.getResource("/check/junit.xsd")).newValidator();
        validator.validate(new StreamSource(new StringReader(run.out())));
    }

    @Test
    void sarifHasARuleForEveryPolicyFieldAndAResultPerViolationAtTheImageLine() throws Exception {
        CheckRun run = check("-f", MANIFESTS + "deny-pod.yaml", "--output", "sarif");
        assertEquals(1, run.exit(), run::toString);
        JsonNode sarifRun = JSON.readTree(run.out()).get("runs").get(0);
        JsonNode driver = sarifRun.get("tool").get("driver");
        assertEquals("ecrgate", driver.get("name").asText());
        List<String> ruleIds = new ArrayList<>();
        driver.get("rules").forEach(r -> ruleIds.add(r.get("id").asText()));
        assertTrue(ruleIds.containsAll(List.of("image", "registries.ecr", "registries.others", "repositories.allow",
                "tags.deny", "tags.requireDigest", "tags.immutableOrDigest", "tags.allowedPatterns",
                "vulnerabilities.scanStatus", "vulnerabilities.maxScanAge", "vulnerabilities.maxCounts",
                "vulnerabilities.ignore", "exemptions", "onLookupFailure")), ruleIds::toString);

        List<String> results = new ArrayList<>();
        for (JsonNode r : sarifRun.get("results")) {
            assertEquals(r.get("ruleId").asText(), ruleIds.get(r.get("ruleIndex").asInt()));
            JsonNode location = r.get("locations").get(0).get("physicalLocation");
            assertEquals(MANIFESTS + "deny-pod.yaml", location.get("artifactLocation").get("uri").asText());
            results.add(r.get("properties").get("policy").asText() + " " + r.get("ruleId").asText() + " "
                    + r.get("level").asText() + " " + r.get("properties").get("container").asText() + " line "
                    + location.get("region").get("startLine").asInt());
        }
        // web's image is on line 10, proxy's on line 12
        assertTrue(results.containsAll(List.of(
                "baseline vulnerabilities.maxCounts error web line 10",
                "team-namespaces vulnerabilities.maxCounts error web line 10",
                "baseline tags.deny error proxy line 12",
                "team-namespaces registries.others error proxy line 12")), results::toString);
        assertTrue(results.stream().anyMatch(r -> r.matches("\\S+ \\S+ warning \\S+ line 1[02]")), results::toString);
        JsonNode first = sarifRun.get("results").get(0).get("message").get("text");
        assertTrue(first.asText().startsWith("[baseline] Pod team-blue/web, container \"web\" image "
                + "111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/web:1.0.0: too many vulnerabilities: "
                + "CRITICAL 3 (max 0)\nworst: CVE-2024-6387 CRITICAL openssh-server"), first::asText);
    }

    @Test
    void sarifPointsAtTheInitContainersImageLineInsideAList() throws Exception {
        CheckRun run = check("-f", MANIFESTS + "list.yaml", "--output", "sarif");
        JsonNode results = JSON.readTree(run.out()).get("runs").get(0).get("results");
        assertTrue(results.size() > 0, run::toString);
        for (JsonNode r : results) {
            assertEquals("warm-up", r.get("properties").get("container").asText());
            assertEquals(21, r.get("locations").get(0).get("physicalLocation").get("region").get("startLine")
                    .asInt());
        }
    }

    @Test
    void junitHasASuitePerFileAFailureWithTheMessagePerDenialAndWarningsInSystemOut() throws Exception {
        CheckRun run = check("-f", "../examples/manifests", "--output", "junit");
        Document xml = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new InputSource(new StringReader(run.out())));
        NodeList suites = xml.getElementsByTagName("testsuite");
        assertEquals(5, suites.getLength());
        Element root = xml.getDocumentElement();
        assertEquals(List.of("9", "2", "3"), List.of(root.getAttribute("tests"), root.getAttribute("failures"),
                root.getAttribute("skipped")));
        Element denyPod = null;
        for (int i = 0; i < suites.getLength(); i++) {
            Element suite = (Element) suites.item(i);
            if (suite.getAttribute("name").equals(MANIFESTS + "deny-pod.yaml")) {
                denyPod = suite;
            }
        }
        assertTrue(denyPod != null, run::toString);
        Element testcase = (Element) denyPod.getElementsByTagName("testcase").item(0);
        assertEquals("Pod team-blue/web", testcase.getAttribute("name"));
        Element failure = (Element) testcase.getElementsByTagName("failure").item(0);
        assertEquals(CheckCommandTest.DENY_POD_MESSAGE.strip(), failure.getTextContent());
        assertEquals("Pod \"web\" in namespace \"team-blue\": 2 containers break image policy",
                failure.getAttribute("message"));
        String out = testcase.getElementsByTagName("system-out").item(0).getTextContent();
        assertTrue(out.startsWith("Warning: ["), out);
        assertTrue(run.out().startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), run::toString);
    }

    @Test
    void jsonGivesEveryViolationWithPolicyRuleEffectContainerImageAndWorstFindings() throws Exception {
        CheckRun run = check("-f", MANIFESTS + "deny-pod.yaml", "--output", "json");
        JsonNode doc = JSON.readTree(run.out());
        assertEquals(JSON.readTree("{\"resources\": 1, \"allowed\": 0, \"warned\": 0, \"denied\": 1, \"skipped\": 0}"),
                doc.get("summary"));
        JsonNode pod = doc.get("resources").get(0);
        assertEquals(List.of("file", "document", "line", "apiVersion", "kind", "namespace", "name", "decision",
                "message", "warnings", "violations", "policies", "exemptions"), fieldNames(pod));
        assertEquals(MANIFESTS + "deny-pod.yaml", pod.get("file").asText());
        assertEquals(1, pod.get("document").asInt());
        assertEquals("denied", pod.get("decision").asText());
        assertEquals(CheckCommandTest.DENY_POD_MESSAGE.strip(), pod.get("message").asText());
        JsonNode first = pod.get("violations").get(0);
        assertEquals("baseline", first.get("policy").asText());
        assertEquals("vulnerabilities.maxCounts", first.get("rule").asText());
        assertEquals("deny", first.get("effect").asText());
        assertEquals("web", first.get("container").asText());
        assertEquals("111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/web:1.0.0", first.get("image").asText());
        assertTrue(first.get("digest").asText().startsWith("sha256:ac9da485d6ea"));
        assertEquals(10, first.get("line").asInt());
        assertEquals("too many vulnerabilities: CRITICAL 3 (max 0)", first.get("detail").asText());
        assertEquals(JSON.readTree("""
                {"id": "CVE-2024-6387", "severity": "CRITICAL", "package": "openssh-server",
                 "version": "1:9.2p1-2+deb12u2", "fixedInVersion": "1:9.2p1-2+deb12u3", "fixAvailable": "YES"}"""),
                first.get("worst").get(0));
        assertTrue(first.get("hint").asText().startsWith("update the affected packages"));
        assertTrue(run.out().chars().allMatch(c -> c < 0x80), "the JSON is ASCII, whatever the console's encoding");
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static JsonSchema sarifSchema() throws Exception {
        try (InputStream in = CheckReportsTest.class.getResourceAsStream("/check/sarif-schema-2.1.0.json")) {
            JsonNode schema = JSON.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(schema,
                    SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
        }
    }

}
