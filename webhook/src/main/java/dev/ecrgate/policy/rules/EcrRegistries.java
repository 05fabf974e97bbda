package dev.ecrgate.policy.rules;

import dev.ecrgate.image.EcrRegistry;
import dev.ecrgate.policy.Outcome;
import dev.ecrgate.policy.RegistryRules.EcrRegistryRule;
import dev.ecrgate.policy.Rule;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** {@code registries.ecr}: when set, an ECR image must come from one of these accounts (and regions, if listed). */
public final class EcrRegistries implements Check {
    public EcrRegistries() {
    }

    @Override
    public void check(Target t) {
        Optional<EcrRegistry> ecr = t.ref().ecr();
        Optional<List<EcrRegistryRule>> allowed = t.policy().registries().ecr();
        if (ecr.isEmpty() || allowed.isEmpty()) {
            return;
        }
        EcrRegistry registry = ecr.get();
        for (EcrRegistryRule r : allowed.get()) {
            if (r.account().equals(registry.account())
                    && (r.regions().isEmpty() || r.regions().contains(registry.region()))) {
                return;
            }
        }
        String list = allowed.get().stream()
                .map(r -> r.account() + (r.regions().isEmpty() ? "" : " in " + String.join(", ", r.regions())))
                .collect(Collectors.joining("; "));
        t.add(Rule.REGISTRY, Outcome.DENY, "ECR registry of account " + registry.account() + " in "
                + registry.region() + " is not allowed (allowed: " + list + ")", List.of(),
                Optional.of("push the image to an allowed registry and deploy it from there"));
    }
}
