package dev.ecrgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code ecrgate} itself: a command line without a command to run is a usage error, as in any CLI. */
class MainTest {
    static List<List<String>> withoutACommand() {
        return List.of(List.of(), List.of("policy"));
    }

    @ParameterizedTest(name = "ecrgate {0} prints its usage on stderr and exits 2")
    @MethodSource("withoutACommand")
    void withoutACommandItPrintsTheUsageAndExitsWithTwo(List<String> args) {
        CommandOutput r = CommandOutput.run(args.toArray(String[]::new));
        assertEquals(2, r.exit());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("Usage: ecrgate"), r.err());
    }

    @ParameterizedTest(name = "ecrgate {0} exits 0")
    @MethodSource("help")
    void helpAndVersionExitWithZero(List<String> args) {
        assertEquals(0, CommandOutput.run(args.toArray(String[]::new)).exit());
    }

    static List<List<String>> help() {
        return List.of(List.of("--help"), List.of("--version"), List.of("policy", "--help"), List.of("audit", "--help"));
    }
}
