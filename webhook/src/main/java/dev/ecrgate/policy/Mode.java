package dev.ecrgate.policy;

/** What a policy does with what it finds: deny the request, add warnings, or only log. */
public enum Mode {
    ENFORCE, WARN, AUDIT
}
