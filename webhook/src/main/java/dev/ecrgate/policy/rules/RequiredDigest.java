package dev.ecrgate.policy.rules;

import dev.ecrgate.policy.Outcome;
import dev.ecrgate.policy.Rule;
import java.util.List;
import java.util.Optional;

/** {@code tags.requireDigest}: the image must be pinned by digest in the container spec. */
public final class RequiredDigest implements Check {
    public RequiredDigest() {
    }

    @Override
    public void check(Target t) {
        if (!t.policy().tags().requireDigest() || t.ref().digest().isPresent()) {
            return;
        }
        t.add(Rule.DIGEST_REQUIRED, Outcome.DENY, "the image is not pinned by digest", List.of(),
                Optional.of("pin the image by digest" + t.pinHint()));
    }
}
