package dev.ecrgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reloading a directory as Kubernetes updates a mounted ConfigMap: by swapping the {@code ..data} symlink. */
class ReloadableTest {
    @TempDir
    Path dir;

    static String concat(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> !p.getFileName().toString().startsWith(".")).sorted()
                    .map(p -> {
                        try {
                            return Files.readString(p);
                        } catch (IOException e) {
                            throw new IllegalStateException("unreadable " + p, e);
                        }
                    }).collect(Collectors.joining());
        }
    }

    /** Writes a new version the way the kubelet does: a new timestamped dir, then an atomic rename of ..data. */
    void publish(String version, String content) throws IOException {
        Path versioned = dir.resolve("..2026_11_30_" + version);
        Files.createDirectories(versioned);
        Files.writeString(versioned.resolve("policy.yaml"), content);
        Path tmpLink = dir.resolve("..data_tmp");
        Files.deleteIfExists(tmpLink);
        Files.createSymbolicLink(tmpLink, versioned.getFileName());
        Files.move(tmpLink, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (!Files.exists(dir.resolve("policy.yaml"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(dir.resolve("policy.yaml"), Path.of("..data/policy.yaml"));
        }
    }

    @Test
    void seesASymlinkSwapOfAMountedConfigMap() throws Exception {
        publish("v1", "one");
        Reloadable<String> r = Reloadable.load("test", dir, ReloadableTest::concat);
        assertEquals("one", r.current());
        assertFalse(r.reloadIfChanged(), "nothing changed");
        publish("v2", "two, longer");
        assertTrue(r.reloadIfChanged());
        assertEquals("two, longer", r.current());
    }

    @Test
    void keepsTheLastGoodValueWhenALoadFails() throws Exception {
        Files.writeString(dir.resolve("a.yaml"), "good");
        Reloadable<String> r = Reloadable.load("test", dir, d -> {
            String s = concat(d);
            if (s.contains("bad")) {
                throw new IllegalArgumentException("a.yaml:1:1: bad");
            }
            return s;
        });
        Files.writeString(dir.resolve("a.yaml"), "bad edit");
        assertFalse(r.reloadIfChanged());
        assertEquals("good", r.current());
        Files.writeString(dir.resolve("a.yaml"), "fixed again");
        assertTrue(r.reloadIfChanged());
        assertEquals("fixed again", r.current());
    }
}
