package dev.ecrgate.fuzz;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ecrgate.findings.FindingsLoadException;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.RecordedFindings;
import dev.ecrgate.image.ImageReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link RecordedFindings#load} on a directory holding one file with any content. Seeds: the recorded AWS CLI outputs
 * of {@code examples/findings/} and of the findings tests.
 *
 * <p>Properties: the only failure is {@link FindingsLoadException}, with a message; and the facts of a loaded file
 * answer for the images the seeds record without throwing, with no negative count.
 */
class RecordedFindingsFuzzTest {
    static final List<String> IMAGES = List.of(
            "111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/api:1.4.2",
            "111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/web:1.0.0",
            "111122223333.dkr.ecr.eu-west-1.amazonaws.com/team-blue/worker:2.0.1",
            "111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/api@sha256:" + "a".repeat(64));

    static Path dir;
    static Path file;
    static List<ImageReference> images;

    @BeforeAll
    static void setUp() throws Exception {
        dir = Files.createTempDirectory("ecrgate-findings-fuzz");
        file = dir.resolve("recorded.json");
        images = IMAGES.stream().map(RecordedFindingsFuzzTest::parse).toList();
    }

    @AfterAll
    static void tearDown() throws Exception {
        Files.deleteIfExists(file);
        Files.deleteIfExists(dir);
    }

    @FuzzTest(maxDuration = "30s")
    void load(byte[] content) throws Exception {
        Files.write(file, content);
        RecordedFindings findings;
        try {
            findings = RecordedFindings.load(dir);
        } catch (FindingsLoadException e) {
            assertNotNull(e.getMessage(), "a load error says what is wrong");
            return;
        }
        for (ImageReference image : images) {
            ImageFacts facts = findings.factsFor(image);
            facts.scan().severityCounts().forEach((severity, n) ->
                    assertTrue(n >= 0, () -> image.original() + ": negative count " + severity + " " + n));
        }
    }

    private static ImageReference parse(String text) {
        try {
            return ImageReference.parse(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
