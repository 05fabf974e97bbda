package dev.ecrgate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Reading policy directories and files: layout, documents, names, limits. */
class PolicyLoaderTest {
    /** The example policies at the repository root; tests run in the webhook module's directory. */
    static final Path EXAMPLES = Path.of("..", "policies").normalize();

    @TempDir
    Path dir;

    static Stream<Path> examples() throws IOException {
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "the example {0} loads as it is")
    @MethodSource("examples")
    void everyExampleLoads(Path example) throws Exception {
        PolicySet set = PolicyLoader.parse(example.toString(), Files.readString(example));
        assertEquals(1, set.policies().size());
    }

    @Test
    void theExampleDirectoryLoadsInFileNameOrder() throws Exception {
        PolicySet set = PolicyLoader.loadDirectory(EXAMPLES);
        assertEquals(List.of("baseline", "team-namespaces", "production-strict", "medium-findings-rollout"),
                names(set));
        assertEquals(Path.of("..", "policies", "00-baseline.yaml").normalize() + ":3",
                set.policies().get(0).origin());
    }

    @Test
    void everyDocumentOfAFileIsAPolicyAndEmptyDocumentsAreSkipped() throws Exception {
        PolicySet set = PolicyLoader.parse("multi-document.yaml", PolicyMappingTest.resource("multi-document.yaml"));
        assertEquals(List.of("first", "second"), names(set));
        assertEquals("multi-document.yaml:10", set.policies().get(1).origin());
        assertEquals(Mode.WARN, set.policies().get(1).mode());
    }

    @Test
    void onlyYamlFilesAreReadAndHiddenOnesAreSkipped() throws Exception {
        write("b.yml", policy("b"));
        write("a.yaml", policy("a"));
        write(".hidden.yaml", policy("hidden"));
        write("notes.txt", "not a policy");
        write("schema.json", "{}");
        Files.createDirectories(dir.resolve("nested.yaml"));
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub").resolve("c.yaml"), policy("c"));
        assertEquals(List.of("a", "b"), names(PolicyLoader.loadDirectory(dir)));
    }

    @Test
    void aConfigMapVolumeLoadsEachPolicyOnceThroughItsLink() throws Exception {
        // the layout the kubelet writes: real files in a timestamped directory, "..data" linking to it, and one
        // link per key pointing through "..data"
        Path timestamped = Files.createDirectories(dir.resolve("..2026_05_01_10_00_00.123456789"));
        Files.writeString(timestamped.resolve("00-baseline.yaml"), policy("baseline"));
        Files.writeString(timestamped.resolve("10-teams.yaml"), policy("teams"));
        Files.createSymbolicLink(dir.resolve("..data"), dir.relativize(timestamped));
        Files.createSymbolicLink(dir.resolve("00-baseline.yaml"), Path.of("..data", "00-baseline.yaml"));
        Files.createSymbolicLink(dir.resolve("10-teams.yaml"), Path.of("..data", "10-teams.yaml"));

        PolicySet set = PolicyLoader.loadDirectory(dir);

        assertEquals(List.of("baseline", "teams"), names(set));
        assertEquals(dir.resolve("00-baseline.yaml") + ":1", set.policies().get(0).origin());
    }

    @Test
    void aDanglingLinkIsAnErrorNotASilentlyMissingPolicy() throws Exception {
        write("a.yaml", policy("a"));
        Files.createSymbolicLink(dir.resolve("b.yaml"), Path.of("..data", "b.yaml"));
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyLoader.loadDirectory(dir));
        assertEquals(1, e.errors().size());
        assertTrue(e.errors().get(0).toString().startsWith(dir.resolve("b.yaml") + ": cannot read: "),
                e.getMessage());
    }

    @Test
    void aDirectoryWithoutPoliciesIsAnError() throws Exception {
        write("README.md", "policies go here");
        write("empty.yaml", "# to do\n");
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyLoader.loadDirectory(dir));
        assertEquals(dir + ": no policies found in " + dir + " (a webhook without policies would admit every image)",
                e.getMessage());
    }

    @Test
    void aMissingDirectoryIsAnError() {
        PolicyLoadException e = assertThrows(PolicyLoadException.class,
                () -> PolicyLoader.loadDirectory(dir.resolve("absent")));
        assertTrue(e.getMessage().startsWith(dir.resolve("absent") + ": cannot read policy directory: "),
                e.getMessage());
    }

    @Test
    void aNameUsedInTwoFilesIsAnErrorNamingBothPlaces() throws Exception {
        write("a.yaml", policy("shared"));
        write("b.yaml", "# the same name again\n" + policy("shared"));
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyLoader.loadDirectory(dir));
        assertEquals(List.of(dir.resolve("b.yaml") + ":5:9: metadata.name: duplicate policy name \"shared\""
                + " (also defined at " + dir.resolve("a.yaml") + ":4:9)"), rendered(e));
    }

    @Test
    void errorsOfEveryFileAreReportedTogether() throws Exception {
        write("a.yaml", policy("a") + "spec:\n  mode: loud\n");
        write("b.yaml", policy("b") + "spec:\n  tags: {latest: true}\n");
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyLoader.loadDirectory(dir));
        assertEquals(List.of(
                dir.resolve("a.yaml") + ":6:9: spec.mode: unknown mode \"loud\" (expected one of enforce, warn,"
                        + " audit)",
                dir.resolve("b.yaml") + ":6:10: spec.tags.latest: unknown field \"latest\" (expected one of deny,"
                        + " requireDigest, immutableOrDigest, allowedPatterns)"), rendered(e));
    }

    @Test
    void aYamlAliasBombIsRefusedQuickly() throws Exception {
        String bomb = PolicyMappingTest.resource("billion-laughs.yaml");
        PolicyLoadException e = assertTimeoutPreemptively(Duration.ofSeconds(2),
                () -> assertThrows(PolicyLoadException.class, () -> PolicyLoader.parse("bomb.yaml", bomb)));
        assertEquals(List.of("bomb.yaml:2:4: a: YAML anchors (&a) are not allowed in policies"), rendered(e));
    }

    @Test
    void aFileLargerThanTheLimitIsNotRead() throws Exception {
        write("huge.yaml", policy("huge") + "#".repeat(PolicyLoader.MAX_FILE_BYTES));
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyLoader.loadDirectory(dir));
        assertEquals(List.of(dir.resolve("huge.yaml") + ": cannot read: file is "
                + Files.size(dir.resolve("huge.yaml")) + " bytes, more than the limit of 1048576"), rendered(e));
    }

    @Test
    void textLargerThanTheLimitIsNotParsed() {
        PolicyLoadException e = assertThrows(PolicyLoadException.class,
                () -> PolicyLoader.parse("huge.yaml", "#".repeat(PolicyLoader.MAX_FILE_BYTES + 1)));
        assertEquals(List.of("huge.yaml: file is larger than the limit of 1048576 characters"), rendered(e));
    }

    @Test
    void nestingDeeperThanTheLimitIsRefused() {
        String deep = "x: " + "[".repeat(200) + "]".repeat(200) + "\n";
        PolicyLoadException e = assertTimeoutPreemptively(Duration.ofSeconds(2),
                () -> assertThrows(PolicyLoadException.class, () -> PolicyLoader.parse("deep.yaml", deep)));
        assertEquals(1, e.errors().size(), e.getMessage());
        assertTrue(e.getMessage().startsWith("deep.yaml:1:"), e.getMessage());
    }

    @Test
    void textThatIsNotUtf8IsAnError() throws Exception {
        Files.write(dir.resolve("latin1.yaml"), new byte[] {'#', ' ', (byte) 0xE9, '\n'});
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyLoader.loadDirectory(dir));
        assertEquals(List.of(dir.resolve("latin1.yaml") + ": cannot read: not UTF-8 text"),
                rendered(e));
    }

    private void write(String name, String text) throws IOException {
        Files.writeString(dir.resolve(name), text);
    }

    private static String policy(String name) {
        return "apiVersion: ecrgate.dev/v1\nkind: ImagePolicy\nmetadata:\n  name: " + name + "\n";
    }

    private static List<String> names(PolicySet set) {
        return set.policies().stream().map(ImagePolicy::name).toList();
    }

    private static List<String> rendered(PolicyLoadException e) {
        return e.errors().stream().map(PolicyError::toString).toList();
    }
}
