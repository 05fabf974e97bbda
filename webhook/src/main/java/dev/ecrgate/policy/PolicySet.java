package dev.ecrgate.policy;

import java.util.List;

/** Every policy in force, in the order they were loaded (file name, then document). Immutable. */
public record PolicySet(List<ImagePolicy> policies) {
    public PolicySet {
        policies = List.copyOf(policies);
    }

    /**
     * These policies with every {@code enforce} one in {@code warn} mode ({@code serve --warn-only}): what they would
     * refuse becomes a warning, and nothing is denied. {@code audit} policies stay as they are.
     */
    public PolicySet warnOnly() {
        return new PolicySet(policies.stream().map(p -> p.mode() == Mode.ENFORCE ? p.withMode(Mode.WARN) : p)
                .toList());
    }

    public static final PolicySet EMPTY = new PolicySet(List.of());
}
