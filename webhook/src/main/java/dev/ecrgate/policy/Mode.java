package dev.ecrgate.policy;

/**
 * What a policy does with what it finds: deny the request, add warnings, or only log.
 *
 * <p>The vocabulary of a decision has three words, one per step: a rule setting says an {@link Outcome}
 * ({@code allow}, {@code warn}, {@code deny}); the policy's {@code Mode} turns an outcome that is not allow into the
 * {@link Effect} of a violation ({@link #effect}); the effects decide the answer.
 */
public enum Mode {
    ENFORCE, WARN, AUDIT;

    /**
     * What a violation with {@code outcome} does under this mode: only enforce denies, and never for an image the
     * old object already ran ({@code preExisting}, the UPDATE grace), so that scaling or editing a running workload
     * never fails because a CVE was published after it was admitted.
     *
     * @param outcome WARN or DENY; ALLOW makes no violation
     * @throws IllegalArgumentException when {@code outcome} is ALLOW
     */
    public Effect effect(Outcome outcome, boolean preExisting) {
        if (outcome == Outcome.ALLOW) {
            throw new IllegalArgumentException("an allowed outcome has no effect");
        }
        return switch (this) {
            case AUDIT -> Effect.AUDIT;
            case WARN -> Effect.WARN;
            case ENFORCE -> outcome == Outcome.DENY && !preExisting ? Effect.DENY : Effect.WARN;
        };
    }
}
