package dev.ecrgate.admission;

/**
 * A request body that is not an AdmissionReview ecrgate can answer. The message is one line for the caller;
 * the server answers it with HTTP 400.
 */
public final class BadAdmissionRequestException extends Exception {
    private static final long serialVersionUID = 1L;

    public BadAdmissionRequestException(String message) {
        super(message);
    }

    public BadAdmissionRequestException(String message, Throwable cause) {
        super(message, cause);
    }
}
