package dev.ecrgate.findings;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A recorded findings file that ecrgate cannot use. The message is for the person who wrote or recorded the file: it
 * starts with the file's path (and, for a JSON syntax error, {@code :line:column}) and says what is wrong, for example
 * {@code findings/api.json:12:5: not valid JSON: Unexpected character ('}' (code 125))}.
 */
public final class FindingsLoadException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public FindingsLoadException(Path file, String message) {
        this(file, message, null);
    }

    public FindingsLoadException(Path file, String message, Throwable cause) {
        super(message, cause);
        this.file = Objects.requireNonNull(file, "file");
    }

    /** The file (or directory) the message is about. */
    public Path file() {
        return file;
    }
}
