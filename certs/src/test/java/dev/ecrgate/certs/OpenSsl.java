package dev.ecrgate.certs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the {@code openssl} command line tool for tests that check interoperability with it. */
final class OpenSsl {
    private static final boolean AVAILABLE = probe();

    private OpenSsl() {
    }

    /** Whether {@code openssl} is on the PATH; tests use it in {@code assumeTrue} so they skip without it. */
    static boolean available() {
        return AVAILABLE;
    }

    /** The result of one run: exit code and combined output. */
    record Result(int exitCode, String output) {
    }

    /** Runs {@code openssl args...} in {@code directory}, waiting at most 60 seconds. */
    static Result run(Path directory, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .start();
        process.getOutputStream().close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", command));
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(process.exitValue(), output);
    }

    /** Runs like {@link #run} and fails unless openssl exits with 0. */
    static String succeed(Path directory, String... args) throws IOException, InterruptedException {
        Result result = run(directory, args);
        if (result.exitCode() != 0) {
            throw new AssertionError("openssl " + String.join(" ", args) + " exited with " + result.exitCode()
                    + ":\n" + result.output());
        }
        return result.output();
    }

    private static boolean probe() {
        try {
            Process process = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
