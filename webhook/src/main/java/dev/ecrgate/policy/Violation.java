package dev.ecrgate.policy;

import dev.ecrgate.admission.ContainerImage;
import dev.ecrgate.findings.Finding;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One rule of one policy that one container's image breaks, or a notice about the policy (an expired exemption).
 *
 * @param container the container
 * @param digest    the image's digest, when known
 * @param policy    the policy's name; {@code ecrgate} for an invalid reference, which no policy can allow
 * @param rule      the rule
 * @param effect    what it does to the request, after the policy's mode and the UPDATE grace are applied
 * @param detail    what is wrong, in a developer's words, without the container or policy (the message adds them)
 * @param worst     the worst findings that count against the limits, at most a few
 * @param hint      what to do next
 */
public record Violation(ContainerImage container, Optional<String> digest, String policy, Rule rule, Effect effect,
                        String detail, List<Finding> worst, Optional<String> hint) {
    public Violation {
        Objects.requireNonNull(container, "container");
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(effect, "effect");
        Objects.requireNonNull(detail, "detail");
        worst = List.copyOf(worst);
        Objects.requireNonNull(hint, "hint");
    }
}
