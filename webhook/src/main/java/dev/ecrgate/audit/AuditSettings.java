package dev.ecrgate.audit;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * How the background audit runs.
 *
 * @param interval          how often every owner is decided again even when nothing was seen to change (which also
 *                          keeps its facts refreshing through the cache)
 * @param deadline          how long one run waits for image facts, as an admission does
 * @param skippedNamespaces namespaces never audited, like the webhook's namespaceSelector leaves them alone (besides
 *                          those labelled {@value AuditNamespaces#IGNORE_LABEL}{@code =true})
 * @param namespace         where the leader-election Lease lives (ecrgate's own namespace)
 * @param instance          this replica's name (the pod's), for the Lease and the Events' reportingInstance
 */
public record AuditSettings(Duration interval, Duration deadline, Set<String> skippedNamespaces, String namespace,
                            String instance) {
    public static final String LEASE = "ecrgate-audit";

    public AuditSettings {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(deadline, "deadline");
        skippedNamespaces = Set.copyOf(skippedNamespaces);
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(instance, "instance");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("--audit-interval must be positive, got " + interval);
        }
    }
}
