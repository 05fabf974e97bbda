package dev.ecrgate.policy;

/** What a violation does to the request: refuse it, add a warning, or only appear in the log. */
public enum Effect {
    DENY, WARN, AUDIT
}
