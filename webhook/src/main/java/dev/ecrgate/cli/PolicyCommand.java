package dev.ecrgate.cli;

import dev.ecrgate.policy.ImagePolicy;
import dev.ecrgate.policy.PolicyError;
import dev.ecrgate.policy.PolicyLoadException;
import dev.ecrgate.policy.PolicyLoader;
import dev.ecrgate.policy.PolicySet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code ecrgate policy}: tools for policy files. */
@Command(name = "policy", mixinStandardHelpOptions = true, description = "Tools for ImagePolicy files.",
        subcommands = {PolicyCommand.Validate.class})
final class PolicyCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
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
            List<PolicyError> errors = new ArrayList<>();
            int policies = 0;
            for (Path path : paths) {
                try {
                    PolicySet set = Files.isDirectory(path) ? PolicyLoader.loadDirectory(path)
                            : PolicyLoader.parse(path.toString(), Files.readString(path, StandardCharsets.UTF_8));
                    policies += set.policies().size();
                    for (ImagePolicy p : set.policies()) {
                        spec.commandLine().getOut().println(p.origin() + ": policy " + p.name() + " is valid ("
                                + p.mode().name().toLowerCase() + ")");
                    }
                } catch (PolicyLoadException e) {
                    errors.addAll(e.errors());
                } catch (java.io.IOException e) {
                    spec.commandLine().getErr().println("ecrgate policy validate: cannot read " + path + ": "
                            + e.getMessage());
                    return 2;
                }
            }
            for (PolicyError e : errors) {
                spec.commandLine().getErr().println(e);
            }
            if (!errors.isEmpty()) {
                spec.commandLine().getErr().println(errors.size() + (errors.size() == 1 ? " error" : " errors"));
                return 1;
            }
            spec.commandLine().getOut().println(policies + (policies == 1 ? " policy" : " policies") + " valid");
            return 0;
        }
    }
}
