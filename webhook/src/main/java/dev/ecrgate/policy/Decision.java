package dev.ecrgate.policy;

import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.admission.ContainerImage;
import java.util.List;
import java.util.Map;

/**
 * The outcome of checking one admission request against the policies in force.
 *
 * @param subject    what was checked
 * @param allowed    false when any violation has {@link Effect#DENY}
 * @param violations every violation and notice, in container order, then policy order
 * @param policies   the names of the policies that applied to the request's namespace
 * @param exemptions the exemptions that let an image through, as {@code policy: reason}
 * @param helpTexts  the help text of each applied policy that has one, by policy name
 * @param exempted   which container's image each exemption let through, for reports that list every image
 */
public record Decision(AdmissionSubject subject, boolean allowed, List<Violation> violations, List<String> policies,
                       List<String> exemptions, Map<String, String> helpTexts, List<Exempted> exempted) {
    public Decision {
        violations = List.copyOf(violations);
        policies = List.copyOf(policies);
        exemptions = List.copyOf(exemptions);
        helpTexts = Map.copyOf(helpTexts);
        exempted = List.copyOf(exempted);
    }

    /** Without the structured exemptions. */
    public Decision(AdmissionSubject subject, boolean allowed, List<Violation> violations, List<String> policies,
                    List<String> exemptions, Map<String, String> helpTexts) {
        this(subject, allowed, violations, policies, exemptions, helpTexts, List.of());
    }

    /**
     * One container's image that a policy's exemption let through: no rule of that policy was checked for it.
     *
     * @param container the container
     * @param policy    the policy's name
     * @param reason    the exemption's reason
     */
    public record Exempted(ContainerImage container, String policy, String reason) {
    }

    public List<Violation> withEffect(Effect effect) {
        return violations.stream().filter(v -> v.effect() == effect).toList();
    }
}
