package dev.ecrgate.policy.rules;

import dev.ecrgate.policy.Outcome;
import dev.ecrgate.policy.Rule;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code tags.allowedPatterns}: when not empty, the tag must match one of these regular expressions (found anywhere
 * in the tag, so anchor them to match it whole). An image pinned by digest alone has no tag to check.
 */
public final class AllowedTagPatterns implements Check {
    public AllowedTagPatterns() {
    }

    @Override
    public void check(Target t) {
        List<Pattern> patterns = t.policy().tags().allowedPatterns();
        Optional<String> tag = t.tag();
        if (patterns.isEmpty() || tag.isEmpty()) {
            return;
        }
        for (Pattern p : patterns) {
            if (p.matcher(tag.get()).find()) {
                return;
            }
        }
        t.add(Rule.TAG_PATTERN, Outcome.DENY, "tag \"" + tag.get() + "\" does not match the allowed patterns ("
                        + patterns.stream().map(Pattern::pattern).collect(Collectors.joining(", ")) + ")",
                List.of(), Optional.of("deploy a tag that matches, for example a release version"));
    }
}
