package dev.ecrgate.policy;

import java.util.List;

/**
 * Every policy in force, in the order they were loaded (file name, then document), and the namespaced exceptions.
 * Immutable.
 */
public record PolicySet(List<ImagePolicy> policies, List<ImageException> exceptions) {
    public PolicySet {
        policies = List.copyOf(policies);
        exceptions = List.copyOf(exceptions);
    }

    /** Policies without exceptions. */
    public PolicySet(List<ImagePolicy> policies) {
        this(policies, List.of());
    }

    /** The exceptions made in {@code namespace}. */
    public List<ImageException> exceptionsIn(String namespace) {
        if (exceptions.isEmpty()) {
            return List.of();
        }
        return exceptions.stream().filter(e -> e.namespace().equals(namespace)).toList();
    }

    /**
     * These policies with every {@code enforce} one in {@code warn} mode ({@code serve --warn-only}): what they would
     * refuse becomes a warning, and nothing is denied. {@code audit} policies stay as they are.
     */
    public PolicySet warnOnly() {
        return new PolicySet(policies.stream().map(p -> p.mode() == Mode.ENFORCE ? p.withMode(Mode.WARN) : p)
                .toList(), exceptions);
    }

    public static final PolicySet EMPTY = new PolicySet(List.of());
}
