package dev.ecrgate.policy.rules;

import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.policy.Rule;
import java.util.Optional;

/**
 * A notice for the vulnerability rules: the scan they check is older than it should be, because refreshing it from
 * ECR failed. The rules still decide on it (an old answer beats a guess), and the developer is told.
 */
public final class StaleFacts implements Check {
    public StaleFacts() {
    }

    @Override
    public void check(Target t) {
        if (!t.hasScan()) {
            return;
        }
        Optional<String> stale = t.facts().flatMap(ImageFacts::stale);
        if (stale.isPresent()) {
            t.notice(Rule.STALE_FACTS, "the scan findings may be out of date: " + stale.get(), Optional.empty());
        }
    }
}
