package dev.ecrgate.policy;

import java.util.List;
import java.util.Optional;

/**
 * Which registries a policy admits images from.
 *
 * @param ecr    the ECR registries allowed; empty means any ECR registry
 * @param others what happens to images from any registry that is not private ECR (including ECR Public)
 */
public record RegistryRules(Optional<List<EcrRegistryRule>> ecr, Outcome others) {
    public RegistryRules {
        ecr = ecr.map(List::copyOf);
    }

    public static final RegistryRules ANY = new RegistryRules(Optional.empty(), Outcome.ALLOW);

    /**
     * One allowed ECR registry.
     *
     * @param account the 12-digit account ID
     * @param regions the allowed regions; empty means any region
     */
    public record EcrRegistryRule(String account, List<String> regions) {
        public EcrRegistryRule {
            regions = List.copyOf(regions);
        }
    }
}
