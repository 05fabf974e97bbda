package dev.ecrgate.policy.rules;

import dev.ecrgate.policy.Glob;
import dev.ecrgate.policy.Outcome;
import dev.ecrgate.policy.Rule;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * {@code repositories.allow}: when set, an ECR image's repository path must match one of these globs, where
 * {@code {namespace}} stands for the request's namespace.
 */
public final class Repositories implements Check {
    /** More globs than any set of policies has; past it (after many reloads) the cache starts again. */
    private static final int CACHED_GLOBS = 4096;
    /** Each allowed glob compiled once, with {@code {namespace}} left for matching, not once per request. */
    private final Map<String, Glob> globs = new ConcurrentHashMap<>();

    public Repositories() {
    }

    private Glob compiled(String pattern) {
        Glob g = globs.get(pattern);
        if (g == null) {
            if (globs.size() >= CACHED_GLOBS) {
                globs.clear();
            }
            g = Glob.template(pattern);
            globs.put(pattern, g);
        }
        return g;
    }

    @Override
    public void check(Target t) {
        Optional<List<String>> allowed = t.policy().repositories().allow();
        if (t.ref().ecr().isEmpty() || allowed.isEmpty()) {
            return;
        }
        String namespace = t.namespace();
        for (String pattern : allowed.get()) {
            if (compiled(pattern).matches(t.ref().path(), namespace)) {
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
