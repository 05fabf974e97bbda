package dev.ecrgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code ecrgate explain}: what ecrgate knows and concludes about one image. */
class ExplainCommandTest {
    static final String HOST = "111122223333.dkr.ecr.us-east-1.amazonaws.com";

    static CommandOutput explain(String image, String namespace) {
        return CommandOutput.run("explain", image, "--namespace", namespace, "--policies", "../policies",
                "--findings", "../examples/findings");
    }

    @Test
    void showsTheFactsAndWhatEachPolicySaysOfAVulnerableImage() {
        CommandOutput r = explain(HOST + "/team-blue/web:1.0.0", "team-blue");
        assertEquals(1, r.exit(), r.err());
        String out = r.out();
        assertTrue(out.contains("registry    private ECR, account 111122223333, region us-east-1"), out);
        assertTrue(out.contains("tags        MUTABLE"), out);
        assertTrue(out.contains("digest      sha256:ac9da485d6eac8c161117ecd4155cf50bdb330c8241234d669aef1edba265a06"),
                out);
        assertTrue(out.contains("counts      CRITICAL 3, HIGH 4, MEDIUM 1"), out);
        assertTrue(out.contains("  CVE-2024-6387 CRITICAL openssh-server 1:9.2p1-2+deb12u2, fixed in"
                + " 1:9.2p1-2+deb12u3"), out);
        assertTrue(out.contains("policies in namespace team-blue: baseline (enforce), team-namespaces (enforce),"
                + " medium-findings-rollout (warn)"), out);
        assertTrue(out.contains("  baseline: denies: vulnerabilities.maxCounts: too many vulnerabilities: CRITICAL 3"
                + " (max 0)"), out);
        assertTrue(out.contains("  medium-findings-rollout: warns:"), out);
        assertTrue(out.endsWith("verdict     denied\n"), out);
    }

    @Test
    void showsEachPlatformImageOfAnIndexWithItsOwnCounts() {
        CommandOutput r = CommandOutput.run("explain", HOST + "/team-blue/api:2.1.0", "-n", "team-blue",
                "--policies", "../examples/multiarch/policies", "--findings", "../examples/multiarch/findings");
        assertEquals(0, r.exit(), r.err());
        String out = r.out();
        assertTrue(out.contains("digest      sha256:c590e8141a7818b95cd564a4b48f1a3e926a33f8612f5c5403c51915163f370f"
                + " (image index)"), out);
        assertTrue(out.contains("platform    linux/amd64  sha256:68f1261eae8b6e5884e253731ec36eca629c02c3397e5ef0b62eb1249"
                + "d17fe9c\n  scan      COMPLETE"), out);
        assertTrue(out.contains("  counts    MEDIUM 1\n"), out);
        assertTrue(out.contains("platform    linux/arm64/v8  sha256:cb491f52c2f0"), out);
        assertTrue(out.contains("  counts    CRITICAL 1, MEDIUM 1\n    CVE-2026-21001 CRITICAL libgcrypt20 1.10.1-3"),
                out);
        assertTrue(out.contains("amd64-cluster: warns: vulnerabilities.maxCounts: linux/arm64/v8 (sha256:cb491f52c2f0…):"
                + " too many vulnerabilities: CRITICAL 1 (max 0) (not required by vulnerabilities.platforms"
                + " [linux/amd64])"), out);
        assertTrue(out.endsWith("verdict     allowed, with warnings\n"), out);
    }

    @Test
    void theNamespaceHasTheShortFlagThatCheckAndKubectlHave() {
        CommandOutput r = CommandOutput.run("explain", HOST + "/team-blue/api:1.4.2", "-n", "team-blue",
                "--policies", "../policies", "--findings", "../examples/findings");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("policies in namespace team-blue: "), r.out());
    }

    @Test
    void policiesThatCannotBeReadAreSaidInPlainWords() {
        CommandOutput r = CommandOutput.run("explain", "nginx", "--policies", "/nonexistent");
        assertEquals(2, r.exit());
        assertEquals("ecrgate explain: /nonexistent: cannot read policy directory: no such file or directory\n",
                r.err());
    }

    @Test
    void nowShowsWhatMaxScanAgeWillDoToARecordedScan() {
        String[] args = {"explain", HOST + "/team-blue/api:1.4.2", "-n", "prod-payments", "--policies", "../policies",
                "--findings", "../examples/findings", "--now", ""};
        args[args.length - 1] = "2026-12-01";
        CommandOutput fresh = CommandOutput.run(args);
        assertEquals(0, fresh.exit(), fresh.out() + fresh.err());
        assertTrue(fresh.out().contains("  production-strict: allows it"), fresh.out());
        args[args.length - 1] = "2027-01-31T00:00:00Z";
        CommandOutput old = CommandOutput.run(args);
        assertEquals(1, old.exit(), old.out());
        assertTrue(old.out().contains("  production-strict: denies: vulnerabilities.maxScanAge: the last scan completed"
                + " 64 days ago (2026-11-27), longer ago than maxScanAge 14d, so it counts as no scan"), old.out());
    }

    @Test
    void aCleanImageIsAllowedByEveryPolicy() {
        CommandOutput r = explain(HOST + "/team-blue/api:1.4.2", "team-blue");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("  baseline: allows it"), r.out());
        assertTrue(r.out().endsWith("verdict     allowed\n"), r.out());
    }

    @Test
    void anotherRegistryIsJudgedOnRegistryAndTagRulesOnly() {
        CommandOutput r = explain("nginx", "team-blue");
        assertEquals(1, r.exit());
        assertTrue(r.out().contains("reference   docker.io/library/nginx  (registry docker.io, repository"
                + " library/nginx)"), r.out());
        assertTrue(r.out().contains("registry    not a private ECR registry"), r.out());
        assertTrue(r.out().contains("  baseline: denies: tags.deny: the image has no tag, which means :latest"),
                r.out());
    }

    @Test
    void refusesAnInvalidReferenceAsAUsageError() {
        CommandOutput r = explain("Bad Image", "team-blue");
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("ecrgate explain: invalid image reference"), r.err());
    }
}
