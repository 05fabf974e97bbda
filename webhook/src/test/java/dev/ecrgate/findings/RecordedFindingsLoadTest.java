package dev.ecrgate.findings;

import static dev.ecrgate.findings.RecordedFindingsTest.API_142;
import static dev.ecrgate.findings.RecordedFindingsTest.ecr;
import static dev.ecrgate.findings.RecordedFindingsTest.resource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which files {@link RecordedFindings#load(Path)} reads, and how it reports the ones it cannot use. */
class RecordedFindingsLoadTest {

    static Stream<Arguments> badFiles() {
        return Stream.of(
                Arguments.of("malformed JSON is reported with its line and column", "malformed.json",
                        "malformed.json:8:5: not valid JSON: Unexpected character"),
                Arguments.of("the output of another command is reported with its top-level keys",
                        "describe-registry.json", "describe-registry.json: not the output of "
                                + "describe-image-scan-findings, describe-images, describe-repositories or"
                                + " batch-get-image (top-level keys: registryId, replicationConfiguration)"),
                Arguments.of("a timestamp that is not one is reported with its field", "bad-timestamp.json",
                        "bad-timestamp.json: imageScanFindings.imageScanCompletedAt: not a timestamp"),
                Arguments.of("a scan status ECR does not have is reported", "unknown-status.json",
                        "unknown-status.json: imageScanStatus.status: \"DONE\" is not a scan status"),
                Arguments.of("a tag mutability ECR does not have is reported", "unknown-mutability.json",
                        "unknown-mutability.json: repositories[0].imageTagMutability: \"SOMETIMES\" is not one of"),
                Arguments.of("an empty file is reported", "empty.json", "empty.json: empty file"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void reportsFilesItCannotUse(String sentence, String file, String message, @TempDir Path dir) throws Exception {
        Files.copy(resource("errors/" + file), dir.resolve(file));
        Files.copy(resource("recorded/describe-repositories.json"), dir.resolve("a-good-file.json"));
        FindingsLoadException e = assertThrows(FindingsLoadException.class, () -> RecordedFindings.load(dir));
        assertEquals(dir.resolve(file), e.file());
        assertTrue(e.getMessage().startsWith(dir.resolve(file).toString()), e::getMessage);
        assertTrue(e.getMessage().contains(message), () -> e.getMessage() + "\nshould contain\n" + message);
    }

    @Test
    void aMissingDirectoryIsReported(@TempDir Path dir) {
        FindingsLoadException e = assertThrows(FindingsLoadException.class,
                () -> RecordedFindings.load(dir.resolve("nowhere")));
        assertEquals(dir.resolve("nowhere") + ": no such file or directory", e.getMessage());
    }

    static Stream<Arguments> timestamps() {
        return Stream.of(
                Arguments.of("ISO-8601 in UTC with Z", "\"2024-05-01T10:00:00Z\"", "2024-05-01T10:00:00Z"),
                Arguments.of("the CLI's microseconds with +00:00", "\"2024-05-01T10:00:00.123000+00:00\"",
                        "2024-05-01T10:00:00.123Z"),
                Arguments.of("ISO-8601 with a negative offset", "\"2024-05-01T03:00:00-07:00\"",
                        "2024-05-01T10:00:00Z"),
                Arguments.of("whole epoch seconds", "1714557600", "2024-05-01T10:00:00Z"),
                Arguments.of("fractional epoch seconds", "1714557600.25", "2024-05-01T10:00:00.250Z"),
                Arguments.of("epoch seconds in a string", "\"1714557600.5\"", "2024-05-01T10:00:00.500Z"));
    }

    @ParameterizedTest(name = "a timestamp in {0} is read")
    @MethodSource("timestamps")
    void readsTimestamps(String form, String json, String instant, @TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("images.json"), describeImagesPushedAt(json));
        RecordedFindings findings = RecordedFindings.load(dir);
        assertEquals(Optional.of(Instant.parse(instant)),
                findings.factsFor(ecr("us-east-1", "team-blue/api", ":1.4.2")).scan().completedAt());
    }

    static Stream<Arguments> badTimestamps() {
        return Stream.of(
                Arguments.of("words", "\"last Tuesday\""),
                Arguments.of("a date without a time", "\"2024-05-01\""),
                Arguments.of("a local time without an offset", "\"2024-05-01T10:00:00\""),
                Arguments.of("a boolean", "true"),
                Arguments.of("an object", "{\"seconds\": 1}"));
    }

    @ParameterizedTest(name = "a timestamp given as {0} is a load error naming the field")
    @MethodSource("badTimestamps")
    void refusesBadTimestamps(String form, String json, @TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("images.json"), describeImagesPushedAt(json));
        FindingsLoadException e = assertThrows(FindingsLoadException.class, () -> RecordedFindings.load(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve("images.json")
                + ": imageDetails[0].imageScanFindingsSummary.imageScanCompletedAt: not a timestamp"), e::getMessage);
    }

    private static String describeImagesPushedAt(String completedAt) {
        return """
                {
                    "imageDetails": [
                        {
                            "registryId": "111122223333",
                            "repositoryName": "team-blue/api",
                            "imageDigest": "%s",
                            "imageTags": ["1.4.2"],
                            "imageScanStatus": {"status": "COMPLETE"},
                            "imageScanFindingsSummary": {
                                "imageScanCompletedAt": %s,
                                "findingSeverityCounts": {"HIGH": 1}
                            }
                        }
                    ]
                }
                """.formatted(API_142, completedAt);
    }

    /**
     * A ConfigMap volume: the files live in a timestamped {@code ..2024_...} directory, {@code ..data} links to it,
     * and each visible name links through {@code ..data}. Each file must be read once, under its visible name.
     */
    @Test
    void readsAConfigMapMountOnceThroughItsVisibleLinks(@TempDir Path mount) throws Exception {
        Path data = Files.createDirectory(mount.resolve("..2024_05_01_10_00_00.123456789"));
        Files.copy(resource("recorded/scan-team-blue-api-1.4.2.json"), data.resolve("api.json"));
        Files.copy(resource("recorded/describe-repositories.json"), data.resolve("repositories.json"));
        Files.createSymbolicLink(mount.resolve("..data"), data.getFileName());
        Files.createSymbolicLink(mount.resolve("api.json"), Path.of("..data/api.json"));
        Files.createSymbolicLink(mount.resolve("repositories.json"), Path.of("..data/repositories.json"));

        RecordedFindings findings = RecordedFindings.load(mount);

        assertEquals("2 files: 1 scan, 0 images, 5 repositories", findings.summary());
        assertEquals(ScanStatus.COMPLETE,
                findings.factsFor(ecr("us-east-1", "team-blue/api", "@" + API_142)).scan().status());
    }

    @Test
    void followsLinkedDirectoriesWithoutLooping(@TempDir Path root) throws Exception {
        Path dir = Files.createDirectory(root.resolve("findings"));
        Path elsewhere = Files.createDirectory(root.resolve("elsewhere"));
        Files.copy(resource("recorded/scan-team-blue-api-1.4.2.json"), elsewhere.resolve("api.json"));
        Files.createSymbolicLink(dir.resolve("linked"), elsewhere);
        Files.createSymbolicLink(dir.resolve("loop"), dir);
        Files.createDirectory(dir.resolve(".git"));
        Files.writeString(dir.resolve(".git/not-findings.json"), "not JSON at all");
        Files.writeString(dir.resolve("README.md"), "# recorded findings\n");

        RecordedFindings findings = RecordedFindings.load(dir);

        assertEquals("1 file: 1 scan, 0 images, 0 repositories", findings.summary());
    }

    @Test
    void aRegionDirectoryScopesItsFilesToThatRegion(@TempDir Path dir) throws Exception {
        Path scoped = Files.createDirectories(dir.resolve("accounts/us-west-2/team-blue"));
        Files.copy(resource("recorded/scan-team-blue-api-1.4.2.json"), scoped.resolve("api.json"));

        RecordedFindings findings = RecordedFindings.load(dir);

        assertEquals(ScanStatus.COMPLETE,
                findings.factsFor(ecr("us-west-2", "team-blue/api", ":1.4.2")).scan().status());
        assertEquals(ScanStatus.NOT_FOUND,
                findings.factsFor(ecr("us-east-1", "team-blue/api", ":1.4.2")).scan().status());
    }

    @Test
    void loadsASingleFile() throws Exception {
        RecordedFindings findings = RecordedFindings.load(resource("recorded/describe-images-team-blue-api.json"));
        assertEquals("1 file: 0 scans, 3 images, 0 repositories", findings.summary());
    }

    @Test
    void anEmptyDirectoryHasNothing(@TempDir Path dir) throws Exception {
        assertEquals("0 files: 0 scans, 0 images, 0 repositories", RecordedFindings.load(dir).summary());
    }
}
