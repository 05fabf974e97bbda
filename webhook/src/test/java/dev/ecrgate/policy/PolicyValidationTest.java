package dev.ecrgate.policy;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PolicyValidationTest {

    static Stream<PolicySnippets.Good> good() {
        return PolicySnippets.good();
    }

    static Stream<PolicySnippets.Bad> bad() {
        return PolicySnippets.bad();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("good")
    void loads(PolicySnippets.Good c) {
        assertDoesNotThrow(() -> PolicyLoader.parse(PolicySnippets.FILE, c.yaml()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bad")
    void isRefusedWithExactly(PolicySnippets.Bad c) {
        assertEquals(c.expected(), render(c.yaml()));
    }

    @Test
    void everyErrorInAFileIsReportedInTheOrderOfTheFile() {
        String yaml = PolicySnippets.spec(
                "  mode: strict",
                "  registries:",
                "    ecr:",
                "      - account: 111122223333",
                "  vulnerabilities:",
                "    maxCount: {HIGH: 0}",
                "    maxScanAge: forever",
                "  exemptions:",
                "    - images: [\"*\"]");
        assertEquals(List.of(
                "bad.yaml:6:9: spec.mode: unknown mode \"strict\" (expected one of enforce, warn, audit)",
                "bad.yaml:9:18: spec.registries.ecr[0].account: the account ID must be a string: quote it"
                        + " (\"111122223333\"), because YAML reads unquoted digits as a number and drops leading"
                        + " zeros",
                "bad.yaml:11:5: spec.vulnerabilities.maxCount: unknown field \"maxCount\": did you mean"
                        + " \"maxCounts\"?",
                "bad.yaml:12:17: spec.vulnerabilities.maxScanAge: invalid duration \"forever\" (expected a number"
                        + " and a unit, w, d, h or m, as in \"30d\"; or ISO-8601, as in \"P30D\")",
                "bad.yaml:14:7: spec.exemptions[0].reason: required field is missing"), render(yaml));
    }

    @Test
    void theExceptionMessageIsTheErrorsOneALine() {
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyLoader.parse("p.yaml",
                "apiVersion: ecrgate.dev/v1\nkind: Policy\nmetadata:\n  name: Bad\n"));
        assertEquals("""
                p.yaml:2:7: kind: unsupported kind "Policy" (expected "ImagePolicy" or "ImageException")
                p.yaml:4:9: metadata.name: invalid name "Bad" (expected a DNS-1123 subdomain: lower case letters,\
                 digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters)""",
                e.getMessage());
        assertEquals(new PolicyError("p.yaml", 2, 7, "kind", "unsupported kind \"Policy\" (expected"
                + " \"ImagePolicy\" or \"ImageException\")"),
                e.errors().get(0));
    }

    @Test
    void errorsInEveryDocumentOfAFileAreReported() {
        String yaml = """
                apiVersion: ecrgate.dev/v1
                kind: ImagePolicy
                metadata:
                  name: first
                spec:
                  mode: loud
                ---
                apiVersion: ecrgate.dev/v1
                kind: ImagePolicy
                metadata:
                  name: second
                spec:
                  tags: {deny: latest}
                """;
        assertEquals(List.of(
                "multi.yaml:6:9: spec.mode: unknown mode \"loud\" (expected one of enforce, warn, audit)",
                "multi.yaml:13:16: spec.tags.deny: expected a list, got a string (\"latest\")"),
                render("multi.yaml", yaml));
    }

    @Test
    void aDuplicateNameInOneFileNamesBothPlaces() {
        String doc = "apiVersion: ecrgate.dev/v1\nkind: ImagePolicy\nmetadata:\n  name: twice\n";
        assertEquals(List.of("twice.yaml:9:9: metadata.name: duplicate policy name \"twice\" (also defined at"
                + " twice.yaml:4:9)"), render("twice.yaml", doc + "---\n" + doc));
    }

    @Test
    void textWithoutAnyDocumentIsNotAPolicySet() {
        assertEquals(List.of("empty.yaml: no policies found in empty.yaml (a webhook without policies would admit"
                + " every image)"), render("empty.yaml", "# nothing yet\n---\n"));
    }

    @Test
    void aLocationlessErrorRendersWithoutLineAndField() {
        assertEquals("dir: no policies", new PolicyError("dir", 0, 0, "", "no policies").toString());
    }

    private static List<String> render(String yaml) {
        return render(PolicySnippets.FILE, yaml);
    }

    private static List<String> render(String file, String yaml) {
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyLoader.parse(file, yaml));
        return e.errors().stream().map(PolicyError::toString).toList();
    }
}
