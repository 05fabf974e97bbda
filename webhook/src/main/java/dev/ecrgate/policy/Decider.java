package dev.ecrgate.policy;

import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.admission.ContainerImage;
import dev.ecrgate.findings.FactNeeds;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.ScanStatus;
import dev.ecrgate.image.ImageReference;
import dev.ecrgate.image.InvalidImageReferenceException;
import dev.ecrgate.policy.rules.AllowedTagPatterns;
import dev.ecrgate.policy.rules.Check;
import dev.ecrgate.policy.rules.DeniedTags;
import dev.ecrgate.policy.rules.EcrRegistries;
import dev.ecrgate.policy.rules.ExceptionScope;
import dev.ecrgate.policy.rules.Exemptions;
import dev.ecrgate.policy.rules.ImmutableOrDigest;
import dev.ecrgate.policy.rules.LookupFailure;
import dev.ecrgate.policy.rules.OtherRegistries;
import dev.ecrgate.policy.rules.PlatformScans;
import dev.ecrgate.policy.rules.Repositories;
import dev.ecrgate.policy.rules.RequiredDigest;
import dev.ecrgate.policy.rules.ScanStatuses;
import dev.ecrgate.policy.rules.StaleFacts;
import dev.ecrgate.policy.rules.Target;
import dev.ecrgate.policy.rules.Vulnerabilities;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The admission decision: a pure function of the request's images, the policies, the image facts and the time.
 * No I/O, no clock: callers pass {@code now}. Thread safe (stateless).
 *
 * <p>Use in two steps: {@link #plan} parses the images and says which need ECR facts (only those whose applicable
 * policies have rules that depend on them), then {@link #decide(Plan, Map)} decides once the facts are in.
 *
 * <p>This class is the sequence; each rule, with its words, is a {@link Check} in {@code policy.rules}.
 */
public final class Decider {
    /**
     * Every check, in the order their violations are reported: expired exemptions, where the image comes from, its
     * tag, then its scan. An array, not a list: this loop runs for every image and policy of every request.
     */
    private static final Check[] CHECKS = {
        new Exemptions(),
        new EcrRegistries(), new Repositories(), new OtherRegistries(),
        new DeniedTags(), new RequiredDigest(), new ImmutableOrDigest(), new AllowedTagPatterns(),
        new LookupFailure(), new StaleFacts(), new ScanStatuses(), new Vulnerabilities(), new PlatformScans(),
    };

    private Decider() {
    }

    /**
     * A request's images, parsed, with the policies that apply to it.
     *
     * @param subject  the request
     * @param policies the policies whose namespaces match the request's namespace
     * @param images   one entry per container, in order
     * @param lookups  the ECR images whose facts the decision needs, with what it needs of each
     * @param now      the time of the decision
     * @param exceptions the ImageExceptions made in the request's namespace
     */
    public record Plan(AdmissionSubject subject, List<ImagePolicy> policies, List<PlannedImage> images,
                       Map<ImageReference, FactNeeds> lookups, Instant now, List<ImageException> exceptions) {
        public Plan {
            policies = List.copyOf(policies);
            images = List.copyOf(images);
            lookups = Map.copyOf(lookups);
            exceptions = List.copyOf(exceptions);
        }

        /** A plan without namespaced exceptions. */
        public Plan(AdmissionSubject subject, List<ImagePolicy> policies, List<PlannedImage> images,
                    Map<ImageReference, FactNeeds> lookups, Instant now) {
            this(subject, policies, images, lookups, now, List.of());
        }
    }

    /**
     * One container's image: its reference, or why it is not one.
     *
     * @param container the container
     * @param reference the parsed reference, empty when invalid
     * @param error     why the reference is invalid, empty when valid
     */
    public record PlannedImage(ContainerImage container, Optional<ImageReference> reference, Optional<String> error) {
    }

    /** Parses the images of {@code subject} and finds the policies and facts its decision needs. */
    public static Plan plan(AdmissionSubject subject, PolicySet policySet, Instant now) {
        List<ImagePolicy> applicable = policySet.policies().stream()
                .filter(p -> p.appliesTo(subject.namespace())).toList();
        LocalDate today = today(now);
        List<PlannedImage> images = new ArrayList<>(subject.images().size());
        Map<ImageReference, FactNeeds> lookups = new LinkedHashMap<>();
        // a pod's containers often share images: each distinct reference is parsed and planned once
        Map<String, PlannedImage> parsed = new HashMap<>();
        for (ContainerImage c : subject.images()) {
            PlannedImage seen = parsed.get(c.image());
            if (seen != null) {
                images.add(new PlannedImage(c, seen.reference(), seen.error()));
                continue;
            }
            PlannedImage planned = parse(c);
            parsed.put(c.image(), planned);
            images.add(planned);
            planned.reference().filter(r -> r.ecr().isPresent()).ifPresent(ref -> {
                for (ImagePolicy p : applicable) {
                    if (Exemptions.active(p, ref, subject.namespace(), today).isEmpty()) {
                        needs(p, ref).ifPresent(n -> lookups.merge(ref, n, FactNeeds::and));
                    }
                }
            });
        }
        return new Plan(subject, applicable, images, lookups, now, policySet.exceptionsIn(subject.namespace()));
    }

    /** {@link #plan} and {@link #decide(Plan, Map)} in one, for callers that already hold every fact. */
    public static Decision decide(AdmissionSubject subject, PolicySet policies, Map<ImageReference, ImageFacts> facts,
                                  Instant now) {
        return decide(plan(subject, policies, now), facts);
    }

    /**
     * Decides on a planned request. An image in {@link Plan#lookups()} that {@code facts} lacks is treated as
     * unknown to ECR ({@link ScanStatus#NOT_FOUND}).
     */
    public static Decision decide(Plan plan, Map<ImageReference, ImageFacts> facts) {
        List<Violation> violations = new ArrayList<>();
        List<String> exemptions = new ArrayList<>();
        List<Decision.Exempted> exempted = new ArrayList<>();
        String namespace = plan.subject().namespace();
        LocalDate today = today(plan.now());
        // the checks read a container only for its UPDATE grace: containers with the same image and grace are judged
        // once, and the others get the same violations and exemptions under their own name
        Map<JudgedKey, Judged> judged = new HashMap<>();
        for (PlannedImage image : plan.images()) {
            ContainerImage c = image.container();
            if (image.reference().isEmpty()) {
                // no policy can allow an image that cannot be pulled: ecrgate denies it as an enforcing policy would
                violations.add(new Violation(c, Optional.empty(), "ecrgate", Rule.INVALID_REFERENCE,
                        Mode.ENFORCE.effect(Outcome.DENY, c.preExisting()),
                        image.error().orElse("invalid image reference"), List.of(),
                        Optional.of("fix the image reference in the container spec")));
                continue;
            }
            ImageReference ref = image.reference().get();
            JudgedKey key = new JudgedKey(ref, c.preExisting());
            Judged same = judged.get(key);
            if (same != null) {
                same.repeatFor(c, violations, exemptions, exempted);
                continue;
            }
            int firstViolation = violations.size();
            int firstExemption = exemptions.size();
            int firstExempted = exempted.size();
            Optional<ImageFacts> known = Optional.ofNullable(facts.get(ref));
            Optional<String> digest = ref.digest().or(() -> known.flatMap(ImageFacts::digest));
            for (ImagePolicy policy : plan.policies()) {
                Optional<Exemption> exempt = Exemptions.active(policy, ref, namespace, today);
                if (exempt.isPresent()) {
                    exemptions.add(policy.name() + ": " + exempt.get().reason());
                    exempted.add(new Decision.Exempted(c, policy.name(), exempt.get().reason()));
                    continue;
                }
                ExceptionScope scope = ExceptionScope.of(plan.exceptions(), policy, ref, namespace, plan.now());
                scope.applied().forEach(e -> exemptions.add(policy.name() + ": ImageException " + e.id() + ": "
                        + e.reason()));
                Target target = new Target(c, ref, digest, known, policy, namespace, today, plan.now(), violations,
                        scope);
                for (Check check : CHECKS) {
                    check.check(target);
                }
            }
            judged.put(key, new Judged(
                    List.copyOf(violations.subList(firstViolation, violations.size())),
                    List.copyOf(exemptions.subList(firstExemption, exemptions.size())),
                    List.copyOf(exempted.subList(firstExempted, exempted.size()))));
        }
        boolean allowed = violations.stream().noneMatch(v -> v.effect() == Effect.DENY);
        return new Decision(plan.subject(), allowed, violations,
                plan.policies().stream().map(ImagePolicy::name).toList(), exemptions,
                plan.policies().stream().filter(p -> p.helpText().isPresent())
                        .collect(Collectors.toMap(ImagePolicy::name, p -> p.helpText().get(), (a, b) -> a)),
                exempted);
    }

    private record JudgedKey(ImageReference ref, boolean preExisting) {
    }

    /** What the checks said of one container's image under every policy, to be said again of another container. */
    private record Judged(List<Violation> violations, List<String> exemptions, List<Decision.Exempted> exempted) {
        void repeatFor(ContainerImage c, List<Violation> toViolations, List<String> toExemptions,
                       List<Decision.Exempted> toExempted) {
            for (Violation v : violations) {
                toViolations.add(new Violation(c, v.digest(), v.policy(), v.rule(), v.effect(), v.detail(), v.worst(),
                        v.hint()));
            }
            toExemptions.addAll(exemptions);
            for (Decision.Exempted e : exempted) {
                toExempted.add(new Decision.Exempted(c, e.policy(), e.reason()));
            }
        }
    }

    private static PlannedImage parse(ContainerImage c) {
        if (c.image().isEmpty()) {
            return new PlannedImage(c, Optional.empty(), Optional.of("the image is empty"));
        }
        try {
            return new PlannedImage(c, Optional.of(ImageReference.parse(c.image())), Optional.empty());
        } catch (InvalidImageReferenceException e) {
            return new PlannedImage(c, Optional.empty(), Optional.of(e.getMessage()));
        }
    }

    private static Optional<FactNeeds> needs(ImagePolicy p, ImageReference ref) {
        boolean scan = p.vulnerabilities().isPresent();
        boolean repository = p.tags().needsMutability() && ref.digest().isEmpty();
        return scan || repository ? Optional.of(new FactNeeds(scan, repository)) : Optional.empty();
    }

    private static LocalDate today(Instant now) {
        return LocalDate.ofInstant(now, ZoneOffset.UTC);
    }
}
