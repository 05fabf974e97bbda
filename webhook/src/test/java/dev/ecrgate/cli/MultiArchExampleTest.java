package dev.ecrgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The README's multi-arch commands on {@code examples/multiarch}, with the answers the README shows. */
class MultiArchExampleTest {
    static final String[] INPUT = {"-f", "../examples/multiarch/deployment.yaml", "--findings",
        "../examples/multiarch/findings"};

    static CommandOutput check(String policies) {
        String[] args = new String[INPUT.length + 3];
        args[0] = "check";
        System.arraycopy(INPUT, 0, args, 1, INPUT.length);
        args[INPUT.length + 1] = "--policies";
        args[INPUT.length + 2] = policies;
        return CommandOutput.run(args);
    }

    @Test
    void theShippedPoliciesDenyTheIndexForItsArm64Image() {
        CommandOutput r = check("../policies");

        assertEquals(1, r.exit(), r.err());
        assertTrue(r.out().contains("image 111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/api:2.1.0 (digest"
                + " sha256:c590e8141a78…)\n  - [baseline, team-namespaces] vulnerabilities.maxCounts: linux/arm64/v8"
                + " (sha256:cb491f52c2f0…): too many vulnerabilities: CRITICAL 1 (max 0)\n    worst: CVE-2026-21001"
                + " CRITICAL libgcrypt20 1.10.1-3"), r.out());
    }

    @Test
    void anAmd64OnlyPolicyAllowsItWithAWarning() {
        CommandOutput r = check("../examples/multiarch/policies");

        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("Deployment team-blue/api: allowed with 1 warning"), r.out());
        assertTrue(r.out().contains("(not required by vulnerabilities.platforms [linux/amd64])"), r.out());
    }
}
