package dev.ecrgate.image;

/** An image reference that kubelet would not accept; the message says what is wrong, for a developer to read. */
public final class InvalidImageReferenceException extends Exception {
    private static final long serialVersionUID = 1L;

    public InvalidImageReferenceException(String message) {
        super(message);
    }
}
