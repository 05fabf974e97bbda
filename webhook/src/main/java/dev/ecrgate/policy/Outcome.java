package dev.ecrgate.policy;

/** The outcome a rule assigns: let it through silently, let it through with a warning, or refuse it. */
public enum Outcome {
    ALLOW, WARN, DENY
}
