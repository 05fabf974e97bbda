package dev.ecrgate.policy;

import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

/**
 * Images that a policy lets through whatever its rules say.
 *
 * @param images     globs on the image reference: matched against the reference as written and its normalised
 *                   forms ({@code name:tag}, {@code name@digest}, {@code name:tag@digest})
 * @param namespaces globs on the namespace it is limited to; empty means every namespace the policy covers
 * @param reason     why, for the audit trail
 * @param expires    the last day (UTC) on which it applies; after it a warning says so
 */
public record Exemption(List<Glob> images, List<Glob> namespaces, String reason, Optional<LocalDate> expires) {
    public Exemption {
        images = List.copyOf(images);
        namespaces = List.copyOf(namespaces);
    }
}
