package dev.ecrgate.policy.rules;

import dev.ecrgate.policy.Outcome;
import dev.ecrgate.policy.Rule;
import java.util.List;
import java.util.Optional;

/** {@code registries.others}: the outcome for an image that is not in a private Amazon ECR registry. */
public final class OtherRegistries implements Check {
    public OtherRegistries() {
    }

    @Override
    public void check(Target t) {
        Outcome others = t.policy().registries().others();
        if (t.ref().ecr().isPresent() || others == Outcome.ALLOW) {
            return;
        }
        t.add(Rule.OTHER_REGISTRY, others, t.ref().domain() + " is not a private Amazon ECR registry", List.of(),
                Optional.of("copy the image into ECR (push it, or use a pull-through cache rule) and deploy it from"
                        + " there"));
    }
}
