package dev.ecrgate.findings;

/**
 * Which facts of an image a decision needs, so that a source reads only those.
 *
 * @param scan       the scan (and with it the tag's digest)
 * @param repository the repository's tag mutability
 */
public record FactNeeds(boolean scan, boolean repository) {
    public static final FactNeeds ALL = new FactNeeds(true, true);

    public FactNeeds and(FactNeeds other) {
        return new FactNeeds(scan || other.scan, repository || other.repository);
    }
}
