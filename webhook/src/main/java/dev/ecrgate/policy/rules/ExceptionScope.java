package dev.ecrgate.policy.rules;

import dev.ecrgate.image.ImageReference;
import dev.ecrgate.policy.ImageException;
import dev.ecrgate.policy.ImagePolicy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the namespaced {@link ImageException}s of one request do to one image under one policy: the CVEs not
 * counted and the rules not checked, from those in force, and those that would apply but have expired (a denial
 * says so). Immutable.
 *
 * @param cves    vulnerability IDs not counted, upper case
 * @param rules   rule fields not checked
 * @param applied the exceptions in force, for the decision log
 * @param expired the matching exceptions that have expired
 */
public record ExceptionScope(Set<String> cves, Set<String> rules, List<ImageException> applied,
                             List<ImageException> expired) {
    public static final ExceptionScope NONE = new ExceptionScope(Set.of(), Set.of(), List.of(), List.of());

    public ExceptionScope {
        cves = Set.copyOf(cves);
        rules = Set.copyOf(rules);
        applied = List.copyOf(applied);
        expired = List.copyOf(expired);
    }

    /**
     * The scope of {@code exceptions} (those of the request's namespace) for {@code ref} under {@code policy} at
     * {@code now}; {@link #NONE} when the policy does not allow namespaced exceptions.
     */
    public static ExceptionScope of(List<ImageException> exceptions, ImagePolicy policy, ImageReference ref,
                                    String namespace, Instant now) {
        if (!policy.allowNamespacedExceptions() || exceptions.isEmpty()) {
            return NONE;
        }
        Set<String> cves = new HashSet<>();
        Set<String> rules = new HashSet<>();
        List<ImageException> applied = new ArrayList<>();
        List<ImageException> expired = new ArrayList<>();
        List<String> forms = null;
        for (ImageException e : exceptions) {
            if (!e.namespace().equals(namespace)
                    || !e.policies().isEmpty() && !e.policies().contains(policy.name())) {
                continue;
            }
            if (forms == null) {
                forms = Exemptions.imageForms(ref);
            }
            List<String> imageForms = forms;
            boolean covers = e.images().stream().anyMatch(g -> imageForms.stream().anyMatch(g::matches))
                    || ref.ecr().isPresent() && e.repositories().stream().anyMatch(g -> g.matches(ref.path()));
            if (!covers) {
                continue;
            }
            if (e.inForce(now)) {
                cves.addAll(e.cves());
                rules.addAll(e.rules());
                applied.add(e);
            } else {
                expired.add(e);
            }
        }
        return applied.isEmpty() && expired.isEmpty() ? NONE : new ExceptionScope(cves, rules, applied, expired);
    }
}
