package dev.ecrgate.policy;

/** The rule a {@link Violation} breaks, named as in the policy file so that admins can find it. */
public enum Rule {
    INVALID_REFERENCE("image"),
    REGISTRY("registries.ecr"),
    OTHER_REGISTRY("registries.others"),
    REPOSITORY("repositories.allow"),
    TAG_DENIED("tags.deny"),
    DIGEST_REQUIRED("tags.requireDigest"),
    IMMUTABLE_OR_DIGEST("tags.immutableOrDigest"),
    TAG_PATTERN("tags.allowedPatterns"),
    SCAN_STATUS("vulnerabilities.scanStatus"),
    SCAN_AGE("vulnerabilities.maxScanAge"),
    VULNERABILITIES("vulnerabilities.maxCounts"),
    PLATFORMS("vulnerabilities.platforms"),
    EXPIRED_IGNORE("vulnerabilities.ignore"),
    SUMMARY_ONLY("vulnerabilities.ignore"),
    EXPIRED_EXEMPTION("exemptions"),
    LOOKUP_FAILED("onLookupFailure"),
    STALE_FACTS("vulnerabilities");

    private final String field;

    Rule(String field) {
        this.field = field;
    }

    /** The policy field that holds the rule, for example {@code tags.deny}. */
    public String field() {
        return field;
    }
}
