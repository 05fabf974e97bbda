package dev.ecrgate.kube;

import java.util.List;
import java.util.Objects;

/**
 * What a finished child process (here: kubectl) left behind.
 *
 * @param command  the command line, for messages
 * @param exitCode the exit code
 * @param stdout   everything it wrote to standard output, UTF-8
 * @param stderr   everything it wrote to standard error, UTF-8
 */
public record ProcessResult(List<String> command, int exitCode, String stdout, String stderr) {
    public ProcessResult {
        command = List.copyOf(command);
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
    }

    /** Whether the process exited with 0. */
    public boolean succeeded() {
        return exitCode == 0;
    }

    /** The command, its exit code and both outputs: what an assertion message should show. */
    @Override
    public String toString() {
        return String.join(" ", command) + " exited with " + exitCode + "\n--- stdout\n" + stdout
                + "\n--- stderr\n" + stderr;
    }
}
