package dev.ecrgate.policy.rules;

import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.policy.Rule;
import java.util.List;
import java.util.Optional;

/**
 * {@code onLookupFailure}: the outcome when a fact a rule needs could not be read from ECR in time (and no earlier
 * answer is known). The rule that needed the fact is then not checked: it would decide on a guess.
 *
 * <p>As a check, this reports a scan that could not be read, for the vulnerability rules ({@link ScanStatuses},
 * {@link Vulnerabilities} and {@link StaleFacts} then stay silent); {@link ImmutableOrDigest} reports its own
 * repository lookup through {@link #report}.
 */
public final class LookupFailure implements Check {
    public LookupFailure() {
    }

    @Override
    public void check(Target t) {
        if (!t.checksScan()) {
            return;
        }
        // an index whose platform images were listed: PlatformScans reports each image's own failure
        Optional<String> failure = t.facts().flatMap(ImageFacts::scanFailure);
        if (failure.isPresent()) {
            report(t, "the scan of this image", failure.get());
        }
    }

    /** Reports that {@code what} could not be read from ECR because of {@code why}, as the policy's outcome says. */
    static void report(Target t, String what, String why) {
        t.add(Rule.LOOKUP_FAILED, t.policy().onLookupFailure(), "could not read " + what + " from ECR: " + why,
                List.of(), Optional.of("retry in a moment: ECR answers are cached as soon as they arrive"));
    }
}
