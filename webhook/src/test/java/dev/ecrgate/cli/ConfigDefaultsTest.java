package dev.ecrgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Where option values come from: flags win over the environment, which wins over the config file. */
class ConfigDefaultsTest {
    @TempDir
    Path dir;

    ServeCommand parse(Map<String, String> env, String... args) throws Exception {
        ServeCommand serve = new ServeCommand();
        CommandLine cli = new CommandLine(serve).setDefaultValueProvider(ConfigDefaults.from(args, env));
        cli.parseArgs(args);
        return serve;
    }

    @Test
    void takesDefaultsWhenNothingIsSaid() throws Exception {
        ServeCommand s = parse(Map.of());
        assertEquals(8443, s.port);
        assertEquals(Path.of("policies"), s.policies);
        assertEquals("2s", s.reloadInterval);
    }

    @Test
    void flagsWinOverEnvironmentWhichWinsOverTheFile() throws Exception {
        Path file = dir.resolve("ecrgate.yaml");
        Files.writeString(file, "port: 9443\npolicies: /from/file\nfindings: /file/findings\n");
        ServeCommand s = parse(Map.of("ECRGATE_POLICIES", "/from/env", "ECRGATE_PORT", "7443"),
                "--config", file.toString(), "--port", "6443");
        assertEquals(6443, s.port, "the flag");
        assertEquals(Path.of("/from/env"), s.policies, "the environment");
        assertEquals(Path.of("/file/findings"), s.findings, "the file");
    }

    @Test
    void readsTheConfigFileNamedInTheEnvironment() throws Exception {
        Path file = dir.resolve("c.yaml");
        Files.writeString(file, "max-body-bytes: 1048576\n");
        assertEquals(1048576L, parse(Map.of("ECRGATE_CONFIG", file.toString())).maxBodyBytes);
    }

    @Test
    void refusesAConfigFileThatIsNotAMappingOfValues() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "port: [1, 2]\n");
        ConfigDefaults.ConfigException e = assertThrows(ConfigDefaults.ConfigException.class,
                () -> ConfigDefaults.from(new String[] {"--config=" + file}, Map.of()));
        assertTrue(e.getMessage().contains("port must be a single value"), e.getMessage());
    }

    @Test
    void namesUnknownKeysOfTheConfigFile() throws Exception {
        Path file = dir.resolve("typo.yaml");
        Files.writeString(file, "polices: /x\n");
        ConfigDefaults d = ConfigDefaults.from(new String[] {"--config", file.toString()}, Map.of());
        CommandLine cli = new CommandLine(new ServeCommand());
        assertEquals(java.util.List.of("polices"), d.unknownKeys(cli.getCommandSpec()));
    }

    @Test
    void exitsWithUsageErrorsAndNoStackTrace() {
        assertEquals(2, Main.execute("serve", "--port", "not-a-number"));
        assertEquals(2, Main.execute("serve", "--reload-interval", "soon", "--findings", "x"));
    }
}
