package dev.ecrgate.policy;

import java.util.List;
import java.util.Optional;

/**
 * Which ECR repository paths a policy admits.
 *
 * @param allow globs on the repository path, as written: {@code {namespace}} stands for the request's namespace and
 *              is substituted before matching; empty means any repository
 */
public record RepositoryRules(Optional<List<String>> allow) {
    public RepositoryRules {
        allow = allow.map(List::copyOf);
    }

    public static final RepositoryRules ANY = new RepositoryRules(Optional.empty());
}
