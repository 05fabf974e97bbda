package dev.ecrgate.policy;

import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.admission.ContainerImage;
import dev.ecrgate.findings.FactNeeds;
import dev.ecrgate.findings.Finding;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.ScanResult;
import dev.ecrgate.findings.ScanStatus;
import dev.ecrgate.findings.Severity;
import dev.ecrgate.image.EcrRegistry;
import dev.ecrgate.image.ImageReference;
import dev.ecrgate.image.InvalidImageReferenceException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The admission decision: a pure function of the request's images, the policies, the image facts and the time.
 * No I/O, no clock: callers pass {@code now}. Thread safe (stateless).
 *
 * <p>Use in two steps: {@link #plan} parses the images and says which need ECR facts (only those whose applicable
 * policies have rules that depend on them), then {@link #decide(Plan, Map)} decides once the facts are in.
 */
public final class Decider {
    /** How many of the worst findings a violation carries. */
    public static final int WORST_FINDINGS = 3;

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
     */
    public record Plan(AdmissionSubject subject, List<ImagePolicy> policies, List<PlannedImage> images,
                       Map<ImageReference, FactNeeds> lookups, Instant now) {
        public Plan {
            policies = List.copyOf(policies);
            images = List.copyOf(images);
            lookups = Map.copyOf(lookups);
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
        Map<ImageReference, FactNeeds> lookups = new java.util.LinkedHashMap<>();
        for (ContainerImage c : subject.images()) {
            PlannedImage planned = parse(c);
            images.add(planned);
            planned.reference().filter(r -> r.ecr().isPresent()).ifPresent(ref -> {
                for (ImagePolicy p : applicable) {
                    if (exemption(p, ref, subject.namespace(), today).isEmpty()) {
                        needs(p, ref).ifPresent(n -> lookups.merge(ref, n, FactNeeds::and));
                    }
                }
            });
        }
        return new Plan(subject, applicable, images, lookups, now);
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
        String namespace = plan.subject().namespace();
        LocalDate today = today(plan.now());
        for (PlannedImage image : plan.images()) {
            ContainerImage c = image.container();
            if (image.reference().isEmpty()) {
                violations.add(new Violation(c, Optional.empty(), "ecrgate", Rule.INVALID_REFERENCE,
                        c.preExisting() ? Effect.WARN : Effect.DENY, image.error().orElse("invalid image reference"),
                        List.of(), Optional.of("fix the image reference in the container spec")));
                continue;
            }
            ImageReference ref = image.reference().get();
            Optional<ImageFacts> known = Optional.ofNullable(facts.get(ref));
            Optional<String> digest = ref.digest().or(() -> known.flatMap(ImageFacts::digest));
            for (ImagePolicy policy : plan.policies()) {
                Check check = new Check(c, ref, digest, known, policy, namespace, today, plan.now());
                Optional<Exemption> exempt = exemption(policy, ref, namespace, today);
                if (exempt.isPresent()) {
                    exemptions.add(policy.name() + ": " + exempt.get().reason());
                    continue;
                }
                for (Exemption expired : expiredExemptions(policy, ref, namespace, today)) {
                    check.notice(Rule.EXPIRED_EXEMPTION, "the exemption \"" + expired.reason() + "\" expired on "
                            + expired.expires().orElseThrow() + " and no longer applies", Optional.of(
                            "renew the exemption in the policy, or fix the image"));
                }
                check.run();
                violations.addAll(check.violations);
            }
        }
        boolean allowed = violations.stream().noneMatch(v -> v.effect() == Effect.DENY);
        return new Decision(plan.subject(), allowed, violations,
                plan.policies().stream().map(ImagePolicy::name).toList(), exemptions,
                plan.policies().stream().filter(p -> p.helpText().isPresent())
                        .collect(Collectors.toMap(ImagePolicy::name, p -> p.helpText().get(), (a, b) -> a)));
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

    private static Optional<Exemption> exemption(ImagePolicy policy, ImageReference ref, String namespace,
                                                 LocalDate today) {
        for (Exemption e : policy.exemptions()) {
            if (matches(e, ref, namespace) && e.expires().map(d -> !today.isAfter(d)).orElse(true)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    private static List<Exemption> expiredExemptions(ImagePolicy policy, ImageReference ref, String namespace,
                                                     LocalDate today) {
        return policy.exemptions().stream()
                .filter(e -> e.expires().map(today::isAfter).orElse(false) && matches(e, ref, namespace))
                .toList();
    }

    private static boolean matches(Exemption e, ImageReference ref, String namespace) {
        if (!e.namespaces().isEmpty() && e.namespaces().stream().noneMatch(g -> g.matches(namespace))) {
            return false;
        }
        List<String> forms = imageForms(ref);
        return e.images().stream().anyMatch(g -> forms.stream().anyMatch(g::matches));
    }

    /** The strings an image glob is matched against: as written, and every normalised form. */
    static List<String> imageForms(ImageReference ref) {
        List<String> forms = new ArrayList<>(5);
        forms.add(ref.original());
        forms.add(ref.name());
        forms.add(ref.canonical());
        ref.tag().ifPresent(t -> forms.add(ref.name() + ":" + t));
        ref.digest().ifPresent(d -> forms.add(ref.name() + "@" + d));
        if (ref.tag().isEmpty() && ref.digest().isEmpty()) {
            forms.add(ref.name() + ":latest");
        }
        return forms;
    }

    private static LocalDate today(Instant now) {
        return LocalDate.ofInstant(now, ZoneOffset.UTC);
    }

    /** The rules of one policy applied to one container's image. */
    private static final class Check {
        final ContainerImage container;
        final ImageReference ref;
        final Optional<String> digest;
        final Optional<ImageFacts> facts;
        final ImagePolicy policy;
        final String namespace;
        final LocalDate today;
        final Instant now;
        final List<Violation> violations = new ArrayList<>(2);

        Check(ContainerImage container, ImageReference ref, Optional<String> digest, Optional<ImageFacts> facts,
              ImagePolicy policy, String namespace, LocalDate today, Instant now) {
            this.container = container;
            this.ref = ref;
            this.digest = digest;
            this.facts = facts;
            this.policy = policy;
            this.namespace = namespace;
            this.today = today;
            this.now = now;
        }

        void run() {
            Optional<EcrRegistry> ecr = ref.ecr();
            if (ecr.isPresent()) {
                registry(ecr.get());
                repository();
            } else if (policy.registries().others() != Outcome.ALLOW) {
                add(Rule.OTHER_REGISTRY, policy.registries().others(), ref.domain()
                                + " is not a private Amazon ECR registry",
                        List.of(), Optional.of("copy the image into ECR (push it, or use a pull-through cache rule)"
                                + " and deploy it from there"));
            }
            tags();
            if (ecr.isPresent()) {
                policy.vulnerabilities().ifPresent(this::vulnerabilities);
            }
        }

        private void registry(EcrRegistry registry) {
            Optional<List<RegistryRules.EcrRegistryRule>> allowed = policy.registries().ecr();
            if (allowed.isEmpty()) {
                return;
            }
            for (RegistryRules.EcrRegistryRule r : allowed.get()) {
                if (r.account().equals(registry.account())
                        && (r.regions().isEmpty() || r.regions().contains(registry.region()))) {
                    return;
                }
            }
            String list = allowed.get().stream()
                    .map(r -> r.account() + (r.regions().isEmpty() ? "" : " in " + String.join(", ", r.regions())))
                    .collect(Collectors.joining("; "));
            add(Rule.REGISTRY, Outcome.DENY, "ECR registry of account " + registry.account() + " in "
                    + registry.region() + " is not allowed (allowed: " + list + ")", List.of(),
                    Optional.of("push the image to an allowed registry and deploy it from there"));
        }

        private void repository() {
            Optional<List<String>> allowed = policy.repositories().allow();
            if (allowed.isEmpty()) {
                return;
            }
            for (String pattern : allowed.get()) {
                if (Glob.of(pattern.replace("{namespace}", namespace)).matches(ref.path())) {
                    return;
                }
            }
            String list = allowed.get().stream().map(p -> p.replace("{namespace}", namespace))
                    .collect(Collectors.joining(", "));
            add(Rule.REPOSITORY, Outcome.DENY, "repository " + ref.path() + " is not allowed in namespace "
                    + namespace + " (allowed: " + list + ")", List.of(),
                    Optional.of("use an image from an allowed repository"));
        }

        private void tags() {
            TagRules rules = policy.tags();
            Optional<String> tag = ref.tag().or(() -> ref.digest().isEmpty() ? Optional.of("latest")
                    : Optional.empty());
            boolean implied = ref.tag().isEmpty() && ref.digest().isEmpty();
            // a digest pins the image, so its tag is only a label: tags.deny guards against moving tags
            if (tag.isPresent() && ref.digest().isEmpty() && rules.deny().contains(tag.get())) {
                add(Rule.TAG_DENIED, Outcome.DENY, (implied ? "the image has no tag, which means :latest, and "
                        : "tag \"" + tag.get() + "\" ") + (implied ? "that tag is not allowed" : "is not allowed"),
                        List.of(), Optional.of("deploy a versioned tag, or pin the image by digest" + pinHint()));
            }
            if (rules.requireDigest() && ref.digest().isEmpty()) {
                add(Rule.DIGEST_REQUIRED, Outcome.DENY, "the image is not pinned by digest", List.of(),
                        Optional.of("pin the image by digest" + pinHint()));
            }
            if (rules.immutableOrDigest() && ref.digest().isEmpty()) {
                immutableOrDigest(tag.orElse("latest"));
            }
            if (!rules.allowedPatterns().isEmpty() && tag.isPresent()) {
                boolean ok = false;
                for (Pattern p : rules.allowedPatterns()) {
                    if (p.matcher(tag.get()).find()) {
                        ok = true;
                        break;
                    }
                }
                if (!ok) {
                    add(Rule.TAG_PATTERN, Outcome.DENY, "tag \"" + tag.get() + "\" does not match the allowed"
                                    + " patterns (" + rules.allowedPatterns().stream().map(Pattern::pattern)
                                    .collect(Collectors.joining(", ")) + ")", List.of(),
                            Optional.of("deploy a tag that matches, for example a release version"));
                }
            }
        }

        private void immutableOrDigest(String tag) {
            String why;
            if (ref.ecr().isEmpty()) {
                why = "tag \"" + tag + "\" on " + ref.domain() + " can be overwritten (only an ECR repository can"
                        + " make a tag immutable), and the image is not pinned by digest";
            } else {
                Optional<dev.ecrgate.findings.RepositoryFacts> repo = facts.flatMap(ImageFacts::repository);
                if (repo.isPresent() && repo.get().isImmutable(tag)) {
                    return;
                }
                Optional<String> failure = facts.flatMap(ImageFacts::repositoryFailure);
                if (repo.isEmpty() && failure.isPresent()) {
                    lookupFailed("the tag mutability of repository " + ref.path(), failure.get());
                    return;
                }
                why = repo.map(r -> "tag \"" + tag + "\" can be overwritten: repository " + ref.path() + " is "
                                + r.mutability() + (r.exclusionFilters().isEmpty() ? ""
                                : " (exclusions: " + String.join(", ", r.exclusionFilters()) + ")"))
                        .orElse("the tag mutability of repository " + ref.path() + " is unknown to ECR")
                        + ", and the image is not pinned by digest";
            }
            add(Rule.IMMUTABLE_OR_DIGEST, Outcome.DENY, why, List.of(),
                    Optional.of("pin the image by digest" + pinHint()
                            + (ref.ecr().isPresent() ? ", or make the repository's tags immutable" : "")));
        }

        private String pinHint() {
            return digest.map(d -> ": " + ref.name() + "@" + d).orElse("");
        }

        private void vulnerabilities(VulnerabilityRules rules) {
            Optional<String> failure = facts.flatMap(ImageFacts::scanFailure);
            if (failure.isPresent()) {
                lookupFailed("the scan of this image", failure.get());
                return;
            }
            facts.flatMap(ImageFacts::stale).ifPresent(why -> notice(Rule.STALE_FACTS,
                    "the scan findings may be out of date: " + why, Optional.empty()));
            ScanResult scan = facts.map(ImageFacts::scan)
                    .orElseGet(() -> ScanResult.notFound("ECR has no record of this image"));
            if (!scan.status().hasFindings()) {
                Outcome outcome = rules.scanStatus().getOrDefault(scan.status(), Outcome.DENY);
                add(Rule.SCAN_STATUS, outcome, statusDetail(scan), List.of(), Optional.of(statusHint(scan.status())));
                return;
            }
            if (rules.maxScanAge().isPresent() && scan.completedAt().isPresent()) {
                Duration age = Duration.between(scan.completedAt().get(), now);
                if (age.compareTo(rules.maxScanAge().get()) > 0) {
                    Outcome outcome = rules.scanStatus().getOrDefault(ScanStatus.NOT_FOUND, Outcome.DENY);
                    add(Rule.SCAN_AGE, outcome, "the last scan completed " + age.toDays() + " days ago ("
                                    + LocalDate.ofInstant(scan.completedAt().get(), ZoneOffset.UTC)
                                    + "), longer ago than maxScanAge " + human(rules.maxScanAge().get())
                                    + ", so it counts as no scan", List.of(),
                            Optional.of("scan the image again (enhanced scanning rescans continuously), or rebuild"
                                    + " and push it"));
                    return;
                }
            }
            Map<Severity, Integer> counts;
            List<Finding> counted = List.of();
            if (scan.findings().isPresent()) {
                counted = countedFindings(scan.findings().get(), rules);
                counts = new EnumMap<>(Severity.class);
                for (Finding f : counted) {
                    counts.merge(f.severity(), 1, Integer::sum);
                }
            } else {
                counts = scan.severityCounts();
                if (rules.needsFindingDetail()) {
                    notice(Rule.SUMMARY_ONLY, "only the scan summary is known, so ignore and onlyFixable could not"
                            + " be applied; every finding counts", Optional.empty());
                }
            }
            List<String> over = new ArrayList<>();
            Set<Severity> overSeverities = java.util.EnumSet.noneOf(Severity.class);
            for (Severity s : descending()) {
                Integer max = rules.maxCounts().get(s);
                int n = counts.getOrDefault(s, 0);
                if (max != null && n > max) {
                    over.add(s + " " + n + " (max " + max + ")");
                    overSeverities.add(s);
                }
            }
            if (over.isEmpty()) {
                return;
            }
            List<Finding> worst = counted.stream().filter(f -> overSeverities.contains(f.severity()))
                    .sorted(WORST_FIRST).limit(WORST_FINDINGS).toList();
            String fixable = rules.onlyFixable() ? "fixable " : "";
            add(Rule.VULNERABILITIES, Outcome.DENY, "too many " + fixable + "vulnerabilities: "
                            + String.join(", ", over), worst,
                    Optional.of("update the affected packages or the base image to fixed versions, push, and"
                            + " deploy the new image"));
        }

        private List<Finding> countedFindings(List<Finding> all, VulnerabilityRules rules) {
            List<Finding> out = new ArrayList<>(all.size());
            Set<String> expiredReported = new java.util.HashSet<>();
            for (Finding f : all) {
                if (rules.onlyFixable() && !f.fixAvailable().countsAsFixable()) {
                    continue;
                }
                boolean ignored = false;
                for (VulnerabilityRules.IgnoreRule rule : rules.ignore()) {
                    if (!rule.id().equalsIgnoreCase(f.id()) || !inScope(rule)) {
                        continue;
                    }
                    if (rule.expires().map(today::isAfter).orElse(false)) {
                        if (expiredReported.add(rule.id())) {
                            notice(Rule.EXPIRED_IGNORE, "the ignore entry for " + rule.id() + " (\"" + rule.reason()
                                    + "\") expired on " + rule.expires().get() + " and no longer applies",
                                    Optional.of("fix " + rule.id() + " or renew the ignore entry"));
                        }
                        continue;
                    }
                    ignored = true;
                    break;
                }
                if (!ignored) {
                    out.add(f);
                }
            }
            return out;
        }

        private boolean inScope(VulnerabilityRules.IgnoreRule rule) {
            return rule.repositories().isEmpty() || rule.repositories().stream().anyMatch(g -> g.matches(ref.path()));
        }

        private void lookupFailed(String what, String why) {
            add(Rule.LOOKUP_FAILED, policy.onLookupFailure(), "could not read " + what + " from ECR: " + why,
                    List.of(), Optional.of("retry in a moment: ECR answers are cached as soon as they arrive"));
        }

        void notice(Rule rule, String detail, Optional<String> hint) {
            add(rule, Outcome.WARN, detail, List.of(), hint);
        }

        private void add(Rule rule, Outcome outcome, String detail, List<Finding> worst, Optional<String> hint) {
            if (outcome == Outcome.ALLOW) {
                return;
            }
            Effect effect = switch (policy.mode()) {
                case AUDIT -> Effect.AUDIT;
                case WARN -> Effect.WARN;
                case ENFORCE -> outcome == Outcome.DENY && !container.preExisting() ? Effect.DENY : Effect.WARN;
            };
            violations.add(new Violation(container, digest, policy.name(), rule, effect, detail, worst, hint));
        }
    }

    private static final Comparator<Finding> WORST_FIRST = Comparator
            .comparing(Finding::severity, Comparator.reverseOrder())
            .thenComparing(f -> f.fixedInVersion().isEmpty())
            .thenComparing(Finding::id, Comparator.reverseOrder());

    private static List<Severity> descending() {
        List<Severity> out = new ArrayList<>(List.of(Severity.values()));
        java.util.Collections.reverse(out);
        return out;
    }

    private static String statusDetail(ScanResult scan) {
        String what = switch (scan.status()) {
            case NOT_FOUND -> "ECR has no scan of this image";
            case IN_PROGRESS -> "the ECR scan of this image is still in progress";
            case PENDING -> "the ECR scan of this image has not started yet";
            case FAILED -> "the ECR scan of this image failed";
            case UNSUPPORTED_IMAGE -> "ECR cannot scan this image (unsupported image)";
            case SCAN_ELIGIBILITY_EXPIRED -> "ECR no longer scans this image (scan eligibility expired)";
            case FINDINGS_UNAVAILABLE -> "ECR has no findings available for this image";
            case LIMIT_EXCEEDED -> "ECR could not scan this image (scan limit exceeded)";
            case IMAGE_ARCHIVED -> "the image is archived in ECR";
            case COMPLETE, ACTIVE -> "the image was scanned";
        };
        return what + " (scan status " + scan.status() + ")"
                + scan.description().filter(d -> !d.isBlank()).map(d -> ": " + d).orElse("");
    }

    private static String statusHint(ScanStatus status) {
        return switch (status) {
            case IN_PROGRESS, PENDING -> "wait a few minutes for the scan to finish, then retry";
            case NOT_FOUND -> "check the image name and tag, and that scanning is on for the repository"
                    + " (scan on push, or enhanced scanning)";
            case SCAN_ELIGIBILITY_EXPIRED -> "push a fresh build of the image so that it is scanned again";
            case IMAGE_ARCHIVED -> "restore the image from archive, or deploy a current image";
            default -> "scan the image again, or ask your platform team";
        };
    }

    private static String human(Duration d) {
        if (d.toDays() > 0 && d.equals(Duration.ofDays(d.toDays()))) {
            return d.toDays() + "d";
        }
        if (d.toHours() > 0 && d.equals(Duration.ofHours(d.toHours()))) {
            return d.toHours() + "h";
        }
        return d.toMinutes() + "m";
    }
}
