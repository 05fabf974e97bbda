package dev.ecrgate.findings.events;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One change in an ECR registry that cached image facts may depend on, as an EventBridge event told it: a scan
 * that finished, an image pushed or deleted (by hand or by a lifecycle policy), an Inspector finding that was
 * created, updated or closed.
 *
 * <p>An event is a hint, never a fact: ecrgate does not take findings or digests from it, it reads again, from the
 * ECR API, the cached entries the event concerns ({@link #effects()}). So a misread or out-of-order event costs one
 * call at most, and the answer is always what ECR says now.
 *
 * @param id         the EventBridge event id, for logs
 * @param kind       what happened
 * @param time       when it happened, as EventBridge stamps it (to the second)
 * @param account    the registry's account
 * @param region     the registry's region
 * @param repository the repository name (no registry host)
 * @param digests    the image digests concerned (a lifecycle policy expires several at once)
 * @param tags       the tags concerned, where the event names them
 */
public record RegistryEvent(String id, Kind kind, Instant time, String account, String region, String repository,
                            List<String> digests, List<String> tags) {

    /** What happened, with its name in metrics. */
    public enum Kind {
        SCAN("scan"),
        PUSH("push"),
        DELETE("delete"),
        LIFECYCLE_EXPIRY("lifecycle_expiry"),
        INSPECTOR_FINDING("inspector_finding"),
        INSPECTOR_SCAN("inspector_scan");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** A cached entry to read again: the scan of a digest, the digest of a tag, or every tag cached at a digest. */
    public record Effect(Target target, String account, String region, String repository, String value) {
        public enum Target { SCAN, TAG, TAGS_AT }

        public Effect {
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(account, "account");
            Objects.requireNonNull(region, "region");
            Objects.requireNonNull(repository, "repository");
            Objects.requireNonNull(value, "value");
        }
    }

    public RegistryEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(repository, "repository");
        digests = List.copyOf(digests);
        tags = List.copyOf(tags);
    }

    /**
     * The cached entries this event makes doubtful. A scan or finding changes the scan of its digests; a push moves
     * its tag (and may create a digest that a pinned reference found missing); a delete or an expiry removes the
     * digests and every tag that pointed at them.
     */
    public List<Effect> effects() {
        List<Effect> out = new ArrayList<>();
        for (String digest : digests) {
            out.add(new Effect(Effect.Target.SCAN, account, region, repository, digest));
        }
        if (kind == Kind.PUSH || kind == Kind.DELETE || kind == Kind.LIFECYCLE_EXPIRY) {
            for (String tag : tags) {
                out.add(new Effect(Effect.Target.TAG, account, region, repository, tag));
            }
        }
        if (kind == Kind.DELETE || kind == Kind.LIFECYCLE_EXPIRY) {
            for (String digest : digests) {
                out.add(new Effect(Effect.Target.TAGS_AT, account, region, repository, digest));
            }
        }
        return out;
    }
}
