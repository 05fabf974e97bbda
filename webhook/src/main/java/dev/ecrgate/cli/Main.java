package dev.ecrgate.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ecrgate}: the command line. Each subcommand has {@code --help} with examples. */
@Command(name = "ecrgate", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Admits container images into Kubernetes by what Amazon ECR knows about them.")
public final class Main implements java.util.concurrent.Callable<Integer> {
    /**
     * The subcommands, in the order the usage lists them. Added by {@link #commandLine} rather than named in the
     * annotation: picocli builds the whole model of every subcommand it is given (their annotations, options and
     * option types, by reflection, from classes the class-data-sharing archive cannot hold, since picocli's are Java 5
     * class files), and {@code ecrgate serve} needs its own only.
     */
    static final Map<String, Class<?>> SUBCOMMANDS = subcommands();

    private static Map<String, Class<?>> subcommands() {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        m.put("serve", ServeCommand.class);
        m.put("certs", CertsCommand.class);
        m.put("policy", PolicyCommand.class);
        m.put("explain", ExplainCommand.class);
        m.put("check", CheckCommand.class);
        m.put("audit", AuditCommand.class);
        m.put("help", CommandLine.HelpCommand.class);
        return java.util.Collections.unmodifiableMap(m);
    }

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
        CommandLine cli = commandLine(env, args).setDefaultValueProvider(defaults);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("ecrgate: " + e.getMessage());
            return 1;
        });
        return cli.execute(args);
    }

    /**
     * The command line for {@code args}: with only the subcommand {@code args} start with when they name one (other
     * than {@code help}, which lists them all), else with all of them, so that the usage, {@code help} and picocli's
     * suggestions for a mistyped name see every subcommand.
     */
    static CommandLine commandLine(Map<String, String> env, String... args) {
        CommandLine cli = new CommandLine(new Main(), new Commands(env));
        Class<?> only = args.length > 0 && !args[0].equals("help") ? SUBCOMMANDS.get(args[0]) : null;
        SUBCOMMANDS.forEach((name, type) -> {
            if (only == null || type == only) {
                cli.addSubcommand(name, type);
            }
        });
        return cli;
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
