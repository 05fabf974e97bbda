package dev.ecrgate.policy;

/**
 * What a violation does to the request: refuse it, add a warning, or only appear in the log. It is the rule's
 * {@link Outcome} after the policy's {@link Mode} and the UPDATE grace ({@link Mode#effect}); the strongest comes
 * first.
 */
public enum Effect {
    DENY, WARN, AUDIT
}
