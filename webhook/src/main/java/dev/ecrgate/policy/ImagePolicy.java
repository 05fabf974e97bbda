package dev.ecrgate.policy;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code ImagePolicy} document, validated. Every policy whose namespaces match a request applies on its own.
 *
 * @param name              {@code metadata.name}, unique in a {@link PolicySet}
 * @param origin            where it was written, {@code file:line}, for logs and messages
 * @param namespaces        globs on the request's namespace; empty means every namespace
 * @param excludeNamespaces globs that win over {@code namespaces}
 * @param mode              enforce, warn or audit
 * @param helpText          appended to this policy's denials
 * @param registries        which registries images may come from
 * @param repositories      which ECR repository paths are allowed
 * @param vulnerabilities   the scan rules; empty when the policy has none (then no scan is looked up for it)
 * @param tags              the tag rules
 * @param exemptions        images that this policy lets through whatever its rules say
 * @param onLookupFailure   the outcome when a fact a rule needs cannot be read from ECR in time (and no earlier
 *                          answer is known)
 * @param allowNamespacedExceptions whether {@code ImageException}s in the request's namespace may lift this
 *                          policy's rules ({@code spec.exceptions.allowNamespaced})
 */
public record ImagePolicy(String name, String origin, List<Glob> namespaces, List<Glob> excludeNamespaces, Mode mode,
                          Optional<String> helpText, RegistryRules registries, RepositoryRules repositories,
                          Optional<VulnerabilityRules> vulnerabilities, TagRules tags, List<Exemption> exemptions,
                          Outcome onLookupFailure, boolean allowNamespacedExceptions) {
    public ImagePolicy {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(origin, "origin");
        namespaces = List.copyOf(namespaces);
        excludeNamespaces = List.copyOf(excludeNamespaces);
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(helpText, "helpText");
        Objects.requireNonNull(registries, "registries");
        Objects.requireNonNull(repositories, "repositories");
        Objects.requireNonNull(vulnerabilities, "vulnerabilities");
        Objects.requireNonNull(tags, "tags");
        exemptions = List.copyOf(exemptions);
        Objects.requireNonNull(onLookupFailure, "onLookupFailure");
    }

    /** A policy that honours no namespaced {@link ImageException}. */
    public ImagePolicy(String name, String origin, List<Glob> namespaces, List<Glob> excludeNamespaces, Mode mode,
                       Optional<String> helpText, RegistryRules registries, RepositoryRules repositories,
                       Optional<VulnerabilityRules> vulnerabilities, TagRules tags, List<Exemption> exemptions,
                       Outcome onLookupFailure) {
        this(name, origin, namespaces, excludeNamespaces, mode, helpText, registries, repositories, vulnerabilities,
                tags, exemptions, onLookupFailure, false);
    }

    /** This policy in another mode. */
    public ImagePolicy withMode(Mode value) {
        return new ImagePolicy(name, origin, namespaces, excludeNamespaces, value, helpText, registries, repositories,
                vulnerabilities, tags, exemptions, onLookupFailure, allowNamespacedExceptions);
    }

    /** This policy as read from somewhere else. */
    public ImagePolicy withOrigin(String value) {
        return new ImagePolicy(name, value, namespaces, excludeNamespaces, mode, helpText, registries, repositories,
                vulnerabilities, tags, exemptions, onLookupFailure, allowNamespacedExceptions);
    }

    /** This policy, honouring namespaced exceptions or not. */
    public ImagePolicy withExceptions(boolean allowNamespaced) {
        return new ImagePolicy(name, origin, namespaces, excludeNamespaces, mode, helpText, registries, repositories,
                vulnerabilities, tags, exemptions, onLookupFailure, allowNamespaced);
    }

    /** Whether this policy applies to requests in {@code namespace}. */
    public boolean appliesTo(String namespace) {
        for (Glob g : excludeNamespaces) {
            if (g.matches(namespace)) {
                return false;
            }
        }
        if (namespaces.isEmpty()) {
            return true;
        }
        for (Glob g : namespaces) {
            if (g.matches(namespace)) {
                return true;
            }
        }
        return false;
    }
}
