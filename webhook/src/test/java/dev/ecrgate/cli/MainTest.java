package dev.ecrgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

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

    static List<Arguments> subcommandsBuilt() {
        List<String> all = List.copyOf(Main.SUBCOMMANDS.keySet());
        return List.of(
                arguments(List.of("serve", "--port=8443"), List.of("serve")),
                arguments(List.of("policy", "validate", "policies"), List.of("policy")),
                arguments(List.of("check", "--help"), List.of("check")),
                arguments(List.of("help", "serve"), all),
                arguments(List.of("--help"), all),
                arguments(List.of("serv"), all),
                arguments(List.of(), all));
    }

    @ParameterizedTest(name = "ecrgate {0} builds the model of {1}")
    @MethodSource("subcommandsBuilt")
    void onlyTheSubcommandThatRunsIsBuilt(List<String> args, List<String> built) {
        CommandLine cli = Main.commandLine(Map.of(), args.toArray(String[]::new));
        assertEquals(built, List.copyOf(cli.getSubcommands().keySet()));
    }

    @Test
    void theUsageListsEverySubcommand() {
        CommandOutput r = CommandOutput.run("--help");
        for (String name : Main.SUBCOMMANDS.keySet()) {
            assertTrue(r.out().contains("\n  " + name + " "), name + " is missing from\n" + r.out());
        }
    }
}
