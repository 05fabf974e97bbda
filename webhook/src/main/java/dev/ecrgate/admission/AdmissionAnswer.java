package dev.ecrgate.admission;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The response to one AdmissionReview, before it is encoded.
 *
 * @param allowed          whether the request may proceed
 * @param message          the denial message (only for a denial)
 * @param warnings         lines kubectl prints as {@code Warning: ...}; each at most 120 characters
 * @param auditAnnotations recorded in the API server's audit log, prefixed there with the webhook's name
 */
public record AdmissionAnswer(boolean allowed, Optional<String> message, List<String> warnings,
                              Map<String, String> auditAnnotations) {
    public AdmissionAnswer {
        Objects.requireNonNull(message, "message");
        warnings = List.copyOf(warnings);
        auditAnnotations = Map.copyOf(auditAnnotations);
    }

    public static AdmissionAnswer allow() {
        return new AdmissionAnswer(true, Optional.empty(), List.of(), Map.of());
    }
}
