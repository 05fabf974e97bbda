package dev.ecrgate.bench.jmh;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository's example files are, from wherever the benchmark runs. */
public final class Fixtures {
    private Fixtures() {
    }

    public static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("policies"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("run the benchmarks inside the ecrgate repository");
        }
        return dir;
    }
}
