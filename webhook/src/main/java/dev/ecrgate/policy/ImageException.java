package dev.ecrgate.policy;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An exception an app team asks for in its own namespace (an {@code ImageException} object, as Kyverno's
 * PolicyException): for the images it names, the CVEs it lists are not counted and the rules it lists are not
 * checked, by the policies that allow namespaced exceptions ({@code spec.exceptions.allowNamespaced}), until it
 * expires. It applies only to requests in its own namespace.
 *
 * @param namespace    where it was made, and the only namespace it applies in
 * @param name         its name
 * @param origin       where it was read: {@code file:line}, or {@code ImageException/NS/NAME}
 * @param policies     the policies it asks of; empty means every policy that allows namespaced exceptions
 * @param images       globs on the image reference, matched as exemptions match them
 * @param repositories globs on the ECR repository path ({@code team-blue/**})
 * @param cves         vulnerability IDs not counted (upper case)
 * @param rules        rule fields not checked, as violations name them ({@code vulnerabilities.scanStatus})
 * @param reason       why, for the audit trail and the decision log
 * @param expires      when it stops applying (the end of the day for a date)
 * @param approvedBy   the {@code ecrgate.dev/approved-by} label, when set
 */
public record ImageException(String namespace, String name, String origin, List<String> policies, List<Glob> images,
                             List<Glob> repositories, Set<String> cves, Set<String> rules, String reason,
                             Instant expires, Optional<String> approvedBy) {
    /** The label that names who approved an exception, for the audit trail. */
    public static final String APPROVED_BY = "ecrgate.dev/approved-by";

    public ImageException {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(origin, "origin");
        policies = List.copyOf(policies);
        images = List.copyOf(images);
        repositories = List.copyOf(repositories);
        cves = Set.copyOf(cves);
        rules = Set.copyOf(rules);
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(expires, "expires");
        Objects.requireNonNull(approvedBy, "approvedBy");
    }

    /** {@code namespace/name}, as kubectl names it. */
    public String id() {
        return namespace + "/" + name;
    }

    /** Whether it still applies at {@code now}. */
    public boolean inForce(Instant now) {
        return now.isBefore(expires);
    }
}
