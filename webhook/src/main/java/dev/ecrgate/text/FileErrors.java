package dev.ecrgate.text;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * Says in plain words why a file could not be read, for messages that already name the file. The JDK's
 * {@code NoSuchFileException} has only the path as its message, so {@code "cannot read " + path + ": " +
 * e.getMessage()} prints the path twice and never says what was wrong; a class name is no better for a user.
 */
public final class FileErrors {
    private FileErrors() {
    }

    /** {@code no such file or directory}, {@code permission denied}, ...: never the path, never a class name. */
    public static String plain(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof FileSystemLoopException) {
            return "a loop of symbolic links";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "the file exists already";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "the directory is not empty";
        }
        if (e instanceof FileSystemException fs) {
            // the reason is the part that is not a path, such as "Is a directory" or "Too many open files"
            return fs.getReason() == null ? "cannot be read" : lowerFirst(fs.getReason());
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? "cannot be read" : message.lines().findFirst().orElse("");
    }

    private static String lowerFirst(String s) {
        return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }
}
