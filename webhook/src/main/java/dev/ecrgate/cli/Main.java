package dev.ecrgate.cli;

import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ecrgate}: the command line. Each subcommand has {@code --help} with examples. */
@Command(name = "ecrgate", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Admits container images into Kubernetes by what Amazon ECR knows about them.",
        subcommands = {ServeCommand.class, CertsCommand.class, PolicyCommand.class, ExplainCommand.class,
                CheckCommand.class, AuditCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements java.util.concurrent.Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code: 0 success, 1 failure, 2 usage error. */
    public static int execute(String... args) {
        Map<String, String> env = System.getenv();
        ConfigDefaults defaults;
        try {
            defaults = ConfigDefaults.from(args, env);
        } catch (ConfigDefaults.ConfigException e) {
            System.err.println("ecrgate: " + e.getMessage());
            return 2;
        }
        CommandLine cli = new CommandLine(new Main(), new Commands(env)).setDefaultValueProvider(defaults);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("ecrgate: " + e.getMessage());
            return 1;
        });
        return cli.execute(args);
    }

    /** Without a subcommand there is nothing to do: the usage, on stderr, and exit code 2 as for any usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /** Makes the commands that read the environment with the one read here, at the edge; picocli makes the rest. */
    private record Commands(Map<String, String> env) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            if (type == ServeCommand.class) {
                return type.cast(new ServeCommand(env));
            }
            if (type == CheckCommand.class) {
                return type.cast(new CheckCommand(env));
            }
            if (type == ExplainCommand.class) {
                return type.cast(new ExplainCommand(env));
            }
            if (type == AuditCommand.class) {
                return type.cast(new AuditCommand(env));
            }
            return CommandLine.defaultFactory().create(type);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"ecrgate " + (v == null ? "(development build)" : v)};
        }
    }
}
