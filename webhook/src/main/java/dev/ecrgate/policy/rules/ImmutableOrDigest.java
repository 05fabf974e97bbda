package dev.ecrgate.policy.rules;

import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.RepositoryFacts;
import dev.ecrgate.policy.Outcome;
import dev.ecrgate.policy.Rule;
import java.util.List;
import java.util.Optional;

/**
 * {@code tags.immutableOrDigest}: the tag must be immutable in its ECR repository, otherwise the image must be
 * pinned by digest. Whether a tag is immutable is {@link RepositoryFacts#isImmutable}'s to say; a tag outside ECR
 * can never be shown immutable.
 */
public final class ImmutableOrDigest implements Check {
    public ImmutableOrDigest() {
    }

    @Override
    public void check(Target t) {
        if (!t.policy().tags().immutableOrDigest() || t.ref().digest().isPresent()) {
            return;
        }
        String tag = t.tag().orElse("latest");
        String path = t.ref().path();
        String why;
        if (t.ref().ecr().isEmpty()) {
            why = "tag \"" + tag + "\" on " + t.ref().domain() + " can be overwritten (only an ECR repository can"
                    + " make a tag immutable), and the image is not pinned by digest";
        } else {
            Optional<RepositoryFacts> repo = t.facts().flatMap(ImageFacts::repository);
            if (repo.isPresent() && repo.get().isImmutable(tag)) {
                return;
            }
            Optional<String> failure = t.facts().flatMap(ImageFacts::repositoryFailure);
            if (repo.isEmpty() && failure.isPresent()) {
                LookupFailure.report(t, "the tag mutability of repository " + path, failure.get());
                return;
            }
            why = (repo.isPresent() ? "tag \"" + tag + "\" can be overwritten: repository " + path + " is "
                    + repo.get().describe() : "the tag mutability of repository " + path + " is unknown to ECR")
                    + ", and the image is not pinned by digest";
        }
        t.add(Rule.IMMUTABLE_OR_DIGEST, Outcome.DENY, why, List.of(), Optional.of("pin the image by digest"
                + t.pinHint() + (t.ref().ecr().isPresent() ? ", or make the repository's tags immutable" : "")));
    }
}
