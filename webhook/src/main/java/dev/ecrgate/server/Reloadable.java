package dev.ecrgate.server;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A value loaded from a directory and loaded again when the directory changes: the policies, or the recorded
 * findings.
 *
 * <p>Changes are found by polling a fingerprint of the directory (every file's path, size and modification time,
 * following symbolic links) rather than by a {@code WatchService}: a mounted ConfigMap changes by swapping a
 * {@code ..data} symlink, which file watches report unreliably or not at all, while a poll sees the new files.
 * Loading runs on a worker thread, never on the event loop. A load that fails keeps the last good value in force
 * and is logged; the next change is tried again. {@link #current()} is lock-free and thread safe.
 *
 * @param <T> the loaded value
 */
public final class Reloadable<T> {
    /** Loads the value from the directory; throws with a message naming file, line and field. */
    @FunctionalInterface
    public interface Loader<T> {
        T load(Path dir) throws Exception;
    }

    private static final Logger LOG = LoggerFactory.getLogger(Reloadable.class);

    private final String what;
    private final Path dir;
    private final Loader<T> loader;
    private final Metrics metrics;
    private final AtomicReference<T> current = new AtomicReference<>();
    private volatile String fingerprint;
    private volatile boolean checking;

    private Reloadable(String what, Path dir, Loader<T> loader, Metrics metrics, T initial, String fingerprint) {
        this.what = what;
        this.dir = dir;
        this.loader = loader;
        this.metrics = metrics;
        this.current.set(initial);
        this.fingerprint = fingerprint;
    }

    /** Loads the value now, on the calling thread; fails when it cannot be loaded. */
    public static <T> Reloadable<T> load(String what, Path dir, Loader<T> loader) throws Exception {
        return load(what, dir, loader, Metrics.of(new SimpleMeterRegistry()));
    }

    /**
     * Loads the value now, on the calling thread; fails when it cannot be loaded. Every reload, and the time of the
     * last good load, go to {@code metrics} under the label {@code what}.
     */
    public static <T> Reloadable<T> load(String what, Path dir, Loader<T> loader, Metrics metrics) throws Exception {
        String fp = fingerprint(dir);
        T initial = loader.load(dir);
        Reloadable<T> r = new Reloadable<>(what, dir, loader, metrics, Objects.requireNonNull(initial), fp);
        metrics.loaded(what, true, true, Instant.now());
        return r;
    }

    public T current() {
        return current.get();
    }

    /** Starts polling every {@code intervalMillis}; returns the timer id. */
    public long watch(Vertx vertx, long intervalMillis) {
        return vertx.setPeriodic(intervalMillis, id -> {
            if (checking) {
                return;
            }
            checking = true;
            vertx.executeBlocking(this::reloadIfChanged, false)
                    .onComplete(ar -> checking = false);
        });
    }

    /** Loads again if the directory changed; returns whether a new value is in force. Blocking. */
    public boolean reloadIfChanged() {
        String fp;
        try {
            fp = fingerprint(dir);
        } catch (IOException e) {
            LOG.warn("cannot read {} directory {}: {}", what, dir, e.toString());
            return false;
        }
        if (fp.equals(fingerprint)) {
            return false;
        }
        fingerprint = fp;
        try {
            T value = loader.load(dir);
            current.set(Objects.requireNonNull(value));
            metrics.loaded(what, true, false, Instant.now());
            LOG.info("reloaded {} from {}", what, dir);
            return true;
        } catch (Exception e) {
            metrics.loaded(what, false, false, Instant.now());
            LOG.error("reloading {} from {} failed; the last good {} stay in force:\n{}", what, dir, what,
                    e.getMessage());
            return false;
        }
    }

    static String fingerprint(Path dir) throws IOException {
        StringBuilder b = new StringBuilder();
        try (Stream<Path> files = Files.walk(dir, 8, FileVisitOption.FOLLOW_LINKS)) {
            for (Path p : (Iterable<Path>) files.sorted()::iterator) {
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    if (a.isRegularFile()) {
                        b.append(dir.relativize(p)).append('\0').append(a.size()).append('\0')
                                .append(a.lastModifiedTime()).append('\n');
                    }
                } catch (IOException vanished) {
                    b.append(dir.relativize(p)).append("\0gone\n");
                }
            }
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        return b.toString();
    }
}
