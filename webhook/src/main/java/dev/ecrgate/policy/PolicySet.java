package dev.ecrgate.policy;

import java.util.List;

/** Every policy in force, in the order they were loaded (file name, then document). Immutable. */
public record PolicySet(List<ImagePolicy> policies) {
    public PolicySet {
        policies = List.copyOf(policies);
    }

    public static final PolicySet EMPTY = new PolicySet(List.of());
}
