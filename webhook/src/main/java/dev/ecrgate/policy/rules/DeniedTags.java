package dev.ecrgate.policy.rules;

import dev.ecrgate.policy.Outcome;
import dev.ecrgate.policy.Rule;
import java.util.List;
import java.util.Optional;

/**
 * {@code tags.deny}: tags that are refused; an image with neither tag nor digest counts as {@code latest}.
 *
 * <p>A digest pins the image, so its tag is only a label: the rule guards against tags that move, and an image
 * pinned by digest passes whatever its tag.
 */
public final class DeniedTags implements Check {
    public DeniedTags() {
    }

    @Override
    public void check(Target t) {
        Optional<String> tag = t.tag();
        if (tag.isEmpty() || t.ref().digest().isPresent() || !t.policy().tags().deny().contains(tag.get())) {
            return;
        }
        String detail = t.impliedLatest() ? "the image has no tag, which means :latest, and that tag is not allowed"
                : "tag \"" + tag.get() + "\" is not allowed";
        t.add(Rule.TAG_DENIED, Outcome.DENY, detail, List.of(),
                Optional.of("deploy a versioned tag, or pin the image by digest" + t.pinHint()));
    }
}
