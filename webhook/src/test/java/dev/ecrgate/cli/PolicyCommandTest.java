package dev.ecrgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ecrgate policy validate}: the load-time checks of {@code serve}, with file, line, column and field. */
class PolicyCommandTest {
    @TempDir
    Path dir;

    @Test
    void acceptsTheShippedPolicies() {
        CommandOutput r = CommandOutput.run("policy", "validate", "../policies");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().endsWith("4 policies valid\n"), r.out());
        assertTrue(r.out().contains("policy baseline is valid (enforce)"), r.out());
    }

    @Test
    void validatesImageExceptionsBesideThePolicies() {
        CommandOutput r = CommandOutput.run("policy", "validate", "../examples/exceptions", "../policies");

        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("team-blue-web-openssh.yaml:5: exception team-blue/web-openssh is valid (until"
                + " 2027-01-01T00:00:00Z, approved by platform-team)"), r.out());
        assertTrue(r.out().endsWith("4 policies and 1 exception valid\n"), r.out());
    }

    @Test
    void listsEveryErrorWithFileLineColumnAndField() throws Exception {
        Path file = dir.resolve("broken.yaml");
        Files.writeString(file, """
                apiVersion: ecrgate.dev/v1
                kind: ImagePolicy
                metadata:
                  name: broken
                spec:
                  mode: sometimes
                  vulnerabilities:
                    maxCount: {CRITICAL: 0}
                """);
        CommandOutput r = CommandOutput.run("policy", "validate", file.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains(file + ":6:9: spec.mode: unknown mode \"sometimes\""), r.err());
        assertTrue(r.err().contains(file + ":8:5: spec.vulnerabilities.maxCount: unknown field \"maxCount\": did you"
                + " mean \"maxCounts\"?"), r.err());
        assertTrue(r.err().endsWith("2 errors\n"), r.err());
    }

    @Test
    void saysWhenAPathCannotBeRead() {
        Path missing = dir.resolve("missing.yaml");
        CommandOutput r = CommandOutput.run("policy", "validate", missing.toString());
        assertEquals(2, r.exit());
        assertEquals("ecrgate policy validate: cannot read " + missing + ": no such file or directory\n", r.err());
        assertEquals(2, CommandOutput.run("policy", "validate").exit(), "a path is required");
    }

    @Test
    void findsAPolicyNameDefinedInTwoPaths() throws Exception {
        String policy = """
                apiVersion: ecrgate.dev/v1
                kind: ImagePolicy
                metadata:
                  name: same
                spec:
                  tags: {deny: [latest]}
                """;
        Path a = Files.createDirectories(dir.resolve("a")).resolve("one.yaml");
        Path b = dir.resolve("two.yaml");
        Files.writeString(a, policy);
        Files.writeString(b, policy);
        CommandOutput r = CommandOutput.run("policy", "validate", a.getParent().toString(), b.toString());
        assertEquals(1, r.exit(), r.out());
        assertEquals(b + ":4:9: metadata.name: duplicate policy name \"same\" (also defined at " + a + ":4:9)\n"
                + "1 error\n", r.err());
    }
}
