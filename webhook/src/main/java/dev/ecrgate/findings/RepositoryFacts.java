package dev.ecrgate.findings;

import java.util.List;
import java.util.Objects;

/**
 * What ECR knows about a repository: whether its tags can be overwritten. The one owner of "is this tag immutable in
 * this repository", for the decision and for the cache's refresh times alike.
 *
 * <p>A value: immutable, thread safe, equal by mode and filters. Not a record because it also keeps the filters
 * split at their stars, once, when it is built: {@link #isImmutable} runs for every tag of every request and
 * allocates nothing.
 */
public final class RepositoryFacts {
    private final TagMutability mutability;
    private final List<String> exclusionFilters;
    private final List<Wildcard> wildcards;

    /**
     * @param mutability       the repository's {@code imageTagMutability}
     * @param exclusionFilters the {@code WILDCARD} filters of {@code imageTagMutabilityExclusionFilters}: tags
     *                         matching one of them are the exception to the mode ({@code *} matches any run of
     *                         characters, every other character only itself)
     */
    public RepositoryFacts(TagMutability mutability, List<String> exclusionFilters) {
        this.mutability = Objects.requireNonNull(mutability, "mutability");
        this.exclusionFilters = List.copyOf(exclusionFilters);
        this.wildcards = this.exclusionFilters.stream().map(Wildcard::of).toList();
    }

    public TagMutability mutability() {
        return mutability;
    }

    public List<String> exclusionFilters() {
        return exclusionFilters;
    }

    /** Whether ECR refuses to move {@code tag} to another image in this repository. */
    public boolean isImmutable(String tag) {
        return switch (mutability) {
            case IMMUTABLE -> true;
            case MUTABLE -> false;
            case IMMUTABLE_WITH_EXCLUSION -> !matchesExclusion(tag);
            case MUTABLE_WITH_EXCLUSION -> matchesExclusion(tag);
        };
    }

    /** The mode with its filters, as messages show it: {@code MUTABLE_WITH_EXCLUSION (exclusions: v*, release-*)}. */
    public String describe() {
        return mutability + (exclusionFilters.isEmpty() ? "" : " (exclusions: " + String.join(", ", exclusionFilters)
                + ")");
    }

    private boolean matchesExclusion(String tag) {
        for (Wildcard w : wildcards) {
            if (w.matches(tag)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RepositoryFacts r && r.mutability == mutability
                && r.exclusionFilters.equals(exclusionFilters);
    }

    @Override
    public int hashCode() {
        return Objects.hash(mutability, exclusionFilters);
    }

    @Override
    public String toString() {
        return "RepositoryFacts[mutability=" + mutability + ", exclusionFilters=" + exclusionFilters + "]";
    }

    /**
     * One filter split at its stars: the whole tag must start with the first piece, end with the last, and hold the
     * pieces between in order. Leftmost matching of the middle pieces is enough because {@code *} is the only
     * wildcard.
     */
    private record Wildcard(String[] pieces) {
        static Wildcard of(String filter) {
            return new Wildcard(filter.split("\\*", -1));
        }

        boolean matches(String tag) {
            if (pieces.length == 1) {
                return tag.equals(pieces[0]);
            }
            String first = pieces[0];
            String last = pieces[pieces.length - 1];
            int end = tag.length() - last.length();
            if (end < first.length() || !tag.startsWith(first) || !tag.endsWith(last)) {
                return false;
            }
            int from = first.length();
            for (int i = 1; i < pieces.length - 1; i++) {
                int at = tag.indexOf(pieces[i], from);
                if (at < 0 || at + pieces[i].length() > end) {
                    return false;
                }
                from = at + pieces[i].length();
            }
            return true;
        }
    }
}
