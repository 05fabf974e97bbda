package dev.ecrgate.policy;

import dev.ecrgate.admission.AdmissionSubject;
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
 */
public record Decision(AdmissionSubject subject, boolean allowed, List<Violation> violations, List<String> policies,
                       List<String> exemptions, Map<String, String> helpTexts) {
    public Decision {
        violations = List.copyOf(violations);
        policies = List.copyOf(policies);
        exemptions = List.copyOf(exemptions);
        helpTexts = Map.copyOf(helpTexts);
    }

    public List<Violation> withEffect(Effect effect) {
        return violations.stream().filter(v -> v.effect() == effect).toList();
    }
}
