package dev.ecrgate.policy;

/**
 * What a rule setting says about an image that breaks it ({@code registries.others}, {@code scanStatus.*},
 * {@code onLookupFailure}; the other rules always say DENY): let it through silently, let it through with a warning,
 * or refuse it. Policy files write these words, and the validator lists these constants, in this order, when it
 * meets another word.
 *
 * <p>Not the same set as {@link Effect}: a setting can say ALLOW (then there is no violation at all) but never
 * AUDIT, which only a policy's {@link Mode} makes. {@link Mode#effect} turns one into the other.
 */
public enum Outcome {
    ALLOW, WARN, DENY
}
