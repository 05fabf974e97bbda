package dev.ecrgate.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ecrgate}: the command line. Each subcommand has {@code --help} with examples. */
@Command(name = "ecrgate", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Admits container images into Kubernetes by what Amazon ECR knows about them.",
        subcommands = {ServeCommand.class, CertsCommand.class, PolicyCommand.class, ExplainCommand.class,
                CheckCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements java.util.concurrent.Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code: 0 success, 1 failure, 2 usage error. */
    public static int execute(String... args) {
        ConfigDefaults defaults;
        try {
            defaults = ConfigDefaults.from(args, System.getenv());
        } catch (ConfigDefaults.ConfigException e) {
            System.err.println("ecrgate: " + e.getMessage());
            return 2;
        }
        CommandLine cli = new CommandLine(new Main()).setDefaultValueProvider(defaults);
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

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"ecrgate " + (v == null ? "(development build)" : v)};
        }
    }
}
