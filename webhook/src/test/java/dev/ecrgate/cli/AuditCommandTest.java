package dev.ecrgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code ecrgate audit} without a cluster: what cannot be used is said in one line with exit code 2, before any
 * cluster is asked. The cluster itself is {@code AuditCommandIT}'s.
 */
class AuditCommandTest {
    static Stream<Arguments> unusable() {
        return Stream.of(
                Arguments.of("an unknown output format", List.of("-o", "yaml"),
                        "ecrgate audit: unknown --output yaml: use text or json"),
                Arguments.of("a namespace and all namespaces", List.of("-n", "team-blue", "-A"),
                        "ecrgate audit: --namespace and --all-namespaces exclude each other"),
                Arguments.of("an empty namespace", List.of("-n", " "), "ecrgate audit: --namespace must not be empty"),
                Arguments.of("a deadline of zero", List.of("--deadline", "0s"),
                        "ecrgate audit: invalid --deadline 0s: it must be positive"),
                Arguments.of("a time that is none", List.of("--now", "tomorrow"),
                        "ecrgate audit: invalid --now \"tomorrow\": expected a date such as 2027-01-31 or a time"
                                + " such as 2027-01-31T12:00:00Z"),
                Arguments.of("policies that cannot be read", List.of("--policies=/nonexistent"),
                        "ecrgate audit: /nonexistent: cannot read policy directory: no such file or directory"),
                Arguments.of("a kubeconfig that does not exist", List.of("--kubeconfig", "/nonexistent/kubeconfig"),
                        "ecrgate audit: cannot read kubeconfig /nonexistent/kubeconfig: no such file or directory"));
    }

    @ParameterizedTest(name = "{0} is one line and exit code 2")
    @MethodSource("unusable")
    void whatCannotBeUsedIsOneLineAndExitCodeTwo(String name, List<String> args, String message) {
        List<String> all = new java.util.ArrayList<>(List.of("audit", "--findings", "../examples/findings"));
        all.addAll(args);
        if (args.stream().noneMatch(a -> a.startsWith("--policies"))) {
            all.addAll(List.of("--policies", "../policies"));
        }
        CommandOutput r = CommandOutput.run(all.toArray(String[]::new));
        assertEquals(2, r.exit(), r.toString());
        assertEquals("", r.out());
        assertEquals(message + "\n", r.err());
    }

    @ParameterizedTest(name = "ecrgate audit {0} is a usage error")
    @MethodSource("usage")
    void optionsItDoesNotKnowAreUsageErrors(List<String> args) {
        List<String> all = new java.util.ArrayList<>(List.of("audit"));
        all.addAll(args);
        assertEquals(2, CommandOutput.run(all.toArray(String[]::new)).exit());
    }

    static List<List<String>> usage() {
        return List.of(List.of("--no-such-option"), List.of("a-positional-argument"), List.of("--namespace"));
    }
}
