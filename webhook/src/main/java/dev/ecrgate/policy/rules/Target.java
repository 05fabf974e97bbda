package dev.ecrgate.policy.rules;

import dev.ecrgate.admission.ContainerImage;
import dev.ecrgate.findings.Finding;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.ScanResult;
import dev.ecrgate.image.ImageReference;
import dev.ecrgate.policy.ImageException;
import dev.ecrgate.policy.ImagePolicy;
import dev.ecrgate.policy.Outcome;
import dev.ecrgate.policy.Rule;
import dev.ecrgate.policy.Violation;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One container's image under one policy: what every {@link Check} reads, and where it reports. Built once per image
 * and policy, so that the checks themselves can be stateless; not thread safe ({@code out} is the decision's list).
 *
 * @param container the container
 * @param ref       its image, parsed
 * @param digest    the image's digest: the reference's, or the one its tag points to, when known
 * @param facts     what ECR said about the image; empty when it was not looked up (or ECR had no answer)
 * @param policy    the policy
 * @param namespace the request's namespace
 * @param today     the UTC day of {@code now}, for expiry dates
 * @param now       the time of the decision
 * @param out       where violations go, in the order they are added
 * @param exceptions what the namespace's ImageExceptions lift for this image under this policy
 */
public record Target(ContainerImage container, ImageReference ref, Optional<String> digest,
                     Optional<ImageFacts> facts, ImagePolicy policy, String namespace, LocalDate today, Instant now,
                     List<Violation> out, ExceptionScope exceptions) {
    /** The scan of an image that was not looked up or that ECR does not know. */
    private static final ScanResult UNKNOWN = ScanResult.notFound("ECR has no record of this image");
    private static final Optional<String> LATEST = Optional.of("latest");

    public Target {
        Objects.requireNonNull(container, "container");
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(facts, "facts");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(today, "today");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(exceptions, "exceptions");
    }

    /** A target with no exception in scope. */
    public Target(ContainerImage container, ImageReference ref, Optional<String> digest, Optional<ImageFacts> facts,
                  ImagePolicy policy, String namespace, LocalDate today, Instant now, List<Violation> out) {
        this(container, ref, digest, facts, policy, namespace, today, now, out, ExceptionScope.NONE);
    }

    /**
     * The tag the image is pulled by: as written, or {@code latest} when the reference has neither tag nor digest;
     * empty for an image pinned by digest alone.
     */
    Optional<String> tag() {
        if (ref.tag().isPresent()) {
            return ref.tag();
        }
        return ref.digest().isEmpty() ? LATEST : Optional.empty();
    }

    /** Whether the image's tag is {@code latest} only because the reference has neither tag nor digest. */
    boolean impliedLatest() {
        return ref.tag().isEmpty() && ref.digest().isEmpty();
    }

    /** Whether the policy's vulnerability rules apply: it has some, and the image is in ECR. */
    boolean checksScan() {
        return ref.ecr().isPresent() && policy.vulnerabilities().isPresent();
    }

    /** Whether the scan rules have a scan they can trust: they apply and the scan was read. */
    boolean hasScan() {
        return checksScan() && facts.flatMap(ImageFacts::scanFailure).isEmpty();
    }

    /** Whether the image is an image index, whose platform images {@link PlatformScans} judges. */
    boolean isIndex() {
        return facts.map(ImageFacts::isIndex).orElse(false);
    }

    /** The image's scan; {@link dev.ecrgate.findings.ScanStatus#NOT_FOUND} when nothing is known. */
    ScanResult scan() {
        return facts.isPresent() ? facts.get().scan() : UNKNOWN;
    }

    /** {@code ": name@digest"} when the digest is known, for hints that say to pin the image; else empty. */
    String pinHint() {
        return digest.isPresent() ? ": " + ref.name() + "@" + digest.get() : "";
    }

    /**
     * Reports that the image breaks {@code rule}, with the outcome the policy gives it; {@link Outcome#ALLOW} reports
     * nothing. The policy's mode and the UPDATE grace decide the violation's effect.
     */
    void add(Rule rule, Outcome outcome, String detail, List<Finding> worst, Optional<String> hint) {
        if (outcome == Outcome.ALLOW || exceptions.rules().contains(rule.field())) {
            return;
        }
        out.add(new Violation(container, digest, policy.name(), rule, policy.mode().effect(outcome,
                container.preExisting()), exceptions.expired().isEmpty() ? detail
                : detail + expiredExceptions(rule, worst), worst, hint));
    }

    /** The exceptions that would have lifted this violation but have expired, said after its detail. */
    private String expiredExceptions(Rule rule, List<Finding> worst) {
        StringBuilder b = new StringBuilder();
        for (ImageException e : exceptions.expired()) {
            boolean would = e.rules().contains(rule.field())
                    || worst.stream().anyMatch(f -> e.cves().contains(f.id().toUpperCase(java.util.Locale.ROOT)));
            if (would) {
                b.append("; the ImageException ").append(e.id()).append(" expired at ").append(e.expires());
            }
        }
        return b.toString();
    }

    /** Whether a namespaced ImageException in force lifts {@code id} from the count. */
    boolean excepted(Finding f) {
        return !exceptions.cves().isEmpty() && exceptions.cves().contains(f.id().toUpperCase(java.util.Locale.ROOT));
    }

    /** Reports something the admin should know that does not refuse the image: a warning at most. */
    void notice(Rule rule, String detail, Optional<String> hint) {
        add(rule, Outcome.WARN, detail, List.of(), hint);
    }
}
