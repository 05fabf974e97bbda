package dev.ecrgate.certs;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A certificate or key file that ecrgate cannot use: unreadable, not PEM, holding the wrong kind of object, an
 * encrypted key, or a key that does not belong to its certificate. The message names the file and says what is
 * wrong, for an operator to read.
 */
public final class PemFileException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    PemFileException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = Objects.requireNonNull(file, "file");
    }

    PemFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = Objects.requireNonNull(file, "file");
    }

    /** The file the problem is in; for a key that does not match its certificate, the key file. */
    public Path file() {
        return file;
    }
}
