package dev.ecrgate.policy.rules;

/**
 * One kind of rule of an {@code ImagePolicy}, checked against one container's image. Each implementation owns one
 * policy field (named first in its javadoc, as {@link dev.ecrgate.policy.Rule#field()} names it in messages) and the
 * words it uses: its details and its next-step hints sit beside the test that produces them, so "where is rule X
 * decided" is one file.
 *
 * <p>Sealed, in a package of its own, because the set of rules is closed: a policy file can only say what the
 * validator knows, and {@link dev.ecrgate.policy.Decider} runs every check in a fixed order that fixes the order of
 * violations in messages. Java wants a sealed interface's implementations beside it (there is no module), and the
 * rules would otherwise double the size of {@code policy}.
 *
 * <p>Contract: implementations are stateless singletons, thread safe, and pure: they read the {@link Target}, never
 * the clock or the network, and report only through {@link Target#add} and {@link Target#notice}. A check that does
 * not apply to the target (another registry, a rule the policy does not set, facts a rule before it already
 * reported on) adds nothing.
 */
public sealed interface Check permits Exemptions, EcrRegistries, Repositories, OtherRegistries, DeniedTags,
        RequiredDigest, ImmutableOrDigest, AllowedTagPatterns, LookupFailure, StaleFacts, ScanStatuses,
        Vulnerabilities, PlatformScans {

    /** Adds to {@code target} every violation and notice this rule has about it. */
    void check(Target target);
}
