package dev.ecrgate.policy.rules;

import dev.ecrgate.policy.Glob;
import dev.ecrgate.policy.Outcome;
import dev.ecrgate.policy.Rule;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@code repositories.allow}: when set, an ECR image's repository path must match one of these globs, where
 * {@code {namespace}} stands for the request's namespace.
 */
public final class Repositories implements Check {
    public Repositories() {
    }

    @Override
    public void check(Target t) {
        Optional<List<String>> allowed = t.policy().repositories().allow();
        if (t.ref().ecr().isEmpty() || allowed.isEmpty()) {
            return;
        }
        String namespace = t.namespace();
        for (String pattern : allowed.get()) {
            if (Glob.of(pattern.replace("{namespace}", namespace)).matches(t.ref().path())) {
                return;
            }
        }
        String list = allowed.get().stream().map(p -> p.replace("{namespace}", namespace))
                .collect(Collectors.joining(", "));
        t.add(Rule.REPOSITORY, Outcome.DENY, "repository " + t.ref().path() + " is not allowed in namespace "
                + namespace + " (allowed: " + list + ")", List.of(),
                Optional.of("use an image from an allowed repository"));
    }
}
