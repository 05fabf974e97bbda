package dev.ecrgate.kube;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The ends of child processes' log files, for failure messages. */
final class Logs {
    private static final int LINES = 40;

    private Logs() {
    }

    /** The last lines of {@code file}, headed by its path; says so when there is no such file. */
    static String tail(Path file) {
        try {
            List<String> lines = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
            return "last lines of " + file + ":\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - LINES), lines.size()));
        } catch (IOException e) {
            return "no log at " + file;
        }
    }
}
