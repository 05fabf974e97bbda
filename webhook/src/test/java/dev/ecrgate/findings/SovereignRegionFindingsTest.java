package dev.ecrgate.findings;

import static dev.ecrgate.findings.RecordedFindingsTest.ecr;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ecrgate.image.EcrRegistry;
import dev.ecrgate.image.ImageReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17: recorded findings in a directory named for the EU sovereign cloud's region, {@code eusc-de-east-1},
 * were not scoped to that region, because the findings side had its own region grammar, narrower than the image
 * side's; and a repository's region came from a hand-written reading of its URI.
 */
class SovereignRegionFindingsTest {
    private static final String ACCOUNT = "111122223333";
    private static final String DIGEST = "sha256:" + "ab".repeat(32);
    private static final String SCAN = """
            {"registryId": "111122223333", "repositoryName": "team-blue/api",
             "imageId": {"imageDigest": "%s", "imageTag": "1.0"},
             "imageScanStatus": {"status": "COMPLETE"},
             "imageScanFindings": {"imageScanCompletedAt": "2024-05-01T10:00:00Z", "findings": [],
                                   "findingSeverityCounts": {"HIGH": %d}}}
            """;
    private static final String REPOSITORIES = """
            {"repositories": [{"registryId": "111122223333", "repositoryName": "team-blue/api",
              "repositoryUri": "111122223333.dkr.ecr.eusc-de-east-1.amazonaws.eu/team-blue/api",
              "imageTagMutability": "IMMUTABLE"}]}
            """;

    @Test
    void aRegionDirectoryOfTheSovereignCloudScopesItsFiles(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("eusc-de-east-1"));
        Files.writeString(dir.resolve("eusc-de-east-1/scan.json"), SCAN.formatted(DIGEST, 2));
        Files.writeString(dir.resolve("scan-everywhere.json"), SCAN.formatted(DIGEST, 7));
        Files.writeString(dir.resolve("repositories.json"), REPOSITORIES);
        RecordedFindings recorded = RecordedFindings.load(dir);

        ImageReference sovereign =
                ImageReference.parse(ACCOUNT + ".dkr.ecr.eusc-de-east-1.amazonaws.eu/team-blue/api:1.0");
        assertEquals(Optional.of("eusc-de-east-1"), sovereign.ecr().map(EcrRegistry::region));
        ImageFacts facts = recorded.factsFor(sovereign);
        assertEquals(2, facts.scan().severityCounts().get(Severity.HIGH), "the region's own scan answers");
        assertEquals(Optional.of(TagMutability.IMMUTABLE), facts.repository().map(RepositoryFacts::mutability),
                "the repository's region is read from its URI");

        ImageFacts elsewhere = recorded.factsFor(ecr("us-east-1", "team-blue/api", ":1.0"));
        assertEquals(7, elsewhere.scan().severityCounts().get(Severity.HIGH), "other regions see the shared file");
        assertEquals(Optional.empty(), elsewhere.repository(), "the repository is only in the sovereign region");
    }
}
