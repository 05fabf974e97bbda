package dev.ecrgate.cli;

import dev.ecrgate.policy.ImagePolicy;
import dev.ecrgate.policy.PolicyError;
import dev.ecrgate.policy.PolicyLoadException;
import dev.ecrgate.policy.PolicyLoader;
import dev.ecrgate.policy.PolicySet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code ecrgate policy}: tools for policy files. */
@Command(name = "policy", mixinStandardHelpOptions = true, description = "Tools for ImagePolicy files.",
        subcommands = {PolicyCommand.Validate.class})
final class PolicyCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Without a subcommand: the usage, on stderr, and exit code 2. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /** {@code ecrgate policy validate}: the checks {@code serve} applies at load and reload, without serving. */
    @Command(name = "validate", mixinStandardHelpOptions = true, usageHelpWidth = 110,
            description = {"Checks policy files exactly as `ecrgate serve` loads them, and lists every error with"
                    + " file, line, column and field.", "",
                    "Exit code: 0 when every file is valid, 1 when any error is found, 2 when a path cannot be read."},
            footer = {"", "Examples:",
                    "  ecrgate policy validate policies/",
                    "  ecrgate policy validate policies/20-production-strict.yaml"})
    static final class Validate implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "PATH", arity = "1..*",
                description = "Policy directories (every *.yaml and *.yml in them) or single files.")
        List<Path> paths;

        @Override
        public Integer call() {
            for (Path path : paths) {
                if (!Files.isReadable(path)) {
                    spec.commandLine().getErr().println("ecrgate policy validate: cannot read " + path + ": "
                            + (Files.exists(path) ? "permission denied" : "no such file or directory"));
                    return 2;
                }
            }
            PolicySet set;
            try {
                set = PolicyLoader.loadPaths(paths);
            } catch (PolicyLoadException e) {
                for (PolicyError error : e.errors()) {
                    spec.commandLine().getErr().println(error);
                }
                int n = e.errors().size();
                spec.commandLine().getErr().println(n + (n == 1 ? " error" : " errors"));
                return 1;
            }
            for (ImagePolicy p : set.policies()) {
                spec.commandLine().getOut().println(p.origin() + ": policy " + p.name() + " is valid ("
                        + p.mode().name().toLowerCase(java.util.Locale.ROOT) + ")");
            }
            for (dev.ecrgate.policy.ImageException x : set.exceptions()) {
                spec.commandLine().getOut().println(x.origin() + ": exception " + x.id() + " is valid (until "
                        + x.expires() + x.approvedBy().map(a -> ", approved by " + a).orElse("") + ")");
            }
            int policies = set.policies().size();
            int exceptions = set.exceptions().size();
            spec.commandLine().getOut().println(policies + (policies == 1 ? " policy" : " policies")
                    + (exceptions == 0 ? "" : " and " + exceptions + (exceptions == 1 ? " exception" : " exceptions"))
                    + " valid");
            return 0;
        }
    }
}
