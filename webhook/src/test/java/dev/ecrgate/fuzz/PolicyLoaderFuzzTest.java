package dev.ecrgate.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ecrgate.policy.ImagePolicy;
import dev.ecrgate.policy.PolicyError;
import dev.ecrgate.policy.PolicyLoadException;
import dev.ecrgate.policy.PolicyLoader;
import dev.ecrgate.policy.PolicySet;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link PolicyLoader#parse} on any text. Seeds: the example policies in {@code policies/}, as UTF-8 text.
 *
 * <p>Properties: the only failure is {@link PolicyLoadException}, whose every error has a line and column of at least
 * 0 (0 meaning "no position"), the file name and a message; and a text that loads gives a non-empty policy set whose
 * policies all have distinct, non-empty names.
 *
 * <p>Jazzer's regular expression injection detector is off for this test: {@code tags.allowedPatterns} are regular
 * expressions by design, written by the policy's admin, and an invalid one is a {@link PolicyLoadException} like
 * any other mistake. The setting is read when the agent is configured, by the first fuzz test of a run, so it takes
 * effect when this test is the one being fuzzed (in regression mode the saved inputs have no invalid expression).
 */
class PolicyLoaderFuzzTest {
    static final String FILE = "fuzz.yaml";

    @BeforeAll
    static void allowInvalidRegularExpressions() {
        System.setProperty("jazzer.disabled_hooks", "com.code_intelligence.jazzer.sanitizers.RegexInjection");
    }

    @FuzzTest(maxDuration = "30s")
    void parse(byte[] input) {
        String yaml = new String(input, StandardCharsets.UTF_8);
        PolicySet set;
        try {
            set = PolicyLoader.parse(FILE, yaml);
        } catch (PolicyLoadException e) {
            assertFalse(e.errors().isEmpty(), "a load error lists its errors");
            for (PolicyError error : e.errors()) {
                assertTrue(error.line() >= 0 && error.column() >= 0, () -> "negative position: " + error);
                assertTrue(error.line() > 0 || error.column() == 0, () -> "column without a line: " + error);
                assertEquals(FILE, error.file());
                assertNotNull(error.message());
                assertFalse(error.message().isBlank(), () -> "blank message: " + error);
            }
            return;
        }
        assertFalse(set.policies().isEmpty(), "a loaded set has policies");
        for (ImagePolicy p : set.policies()) {
            assertFalse(p.name().isEmpty(), "policy without a name");
        }
        assertEquals(set.policies().size(), set.policies().stream().map(ImagePolicy::name).distinct().count(),
                "policy names are unique");
    }
}
