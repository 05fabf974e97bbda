package dev.ecrgate.policy;

import dev.ecrgate.text.OutsideText;
import dev.ecrgate.findings.ScanStatus;
import dev.ecrgate.findings.Severity;
import dev.ecrgate.policy.RegistryRules.EcrRegistryRule;
import dev.ecrgate.policy.VulnerabilityRules.IgnoreRule;
import dev.ecrgate.policy.YamlTree.Entry;
import dev.ecrgate.policy.YamlTree.Mapping;
import dev.ecrgate.policy.YamlTree.Node;
import dev.ecrgate.policy.YamlTree.Position;
import java.time.Duration;
import java.time.LocalDate;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns one YAML document into an {@link ImagePolicy}, checking it against the policy format on the way and
 * collecting every error rather than stopping at the first. The format is described for people by the examples
 * in {@code policies/} and for machines by {@code policies/ecrgate-policy.schema.json}; the two must agree with
 * what this class accepts.
 *
 * <p>A policy is strict YAML: unknown fields are errors (a misspelt field would otherwise be a rule silently not
 * applied), strings must be strings (an unquoted account ID is a number to YAML), and a list that would mean
 * "everything" when empty must be left out instead of written empty.
 *
 * <p>This class is the walk over the document's structure; the checks of single values are in
 * {@link PolicyValues} and the reading of YAML shapes and the error list in {@link FieldReader}.
 */
final class PolicyValidator extends PolicyValues {
    static final String API_VERSION = "ecrgate.dev/v1";
    /** The CRD serves the same schema as v1alpha1, so objects of either version read the same. */
    static final String API_VERSION_ALPHA = "ecrgate.dev/v1alpha1";
    static final String KIND = "ImagePolicy";
    static final String EXCEPTION_KIND = "ImageException";
    /** What an exception's {@code rules} may lift: every rule but an invalid reference and the notices. */
    static final List<Rule> LIFTABLE = List.of(Rule.REGISTRY, Rule.OTHER_REGISTRY, Rule.REPOSITORY, Rule.TAG_DENIED,
            Rule.DIGEST_REQUIRED, Rule.IMMUTABLE_OR_DIGEST, Rule.TAG_PATTERN, Rule.SCAN_STATUS, Rule.SCAN_AGE,
            Rule.VULNERABILITIES, Rule.PLATFORMS, Rule.LOOKUP_FAILED);
    private static final Pattern VULNERABILITY_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{2,127}");
    /** metadata fields the API server writes; an object read back with kubectl get -o yaml has them. */
    private static final List<String> SERVER_METADATA = List.of("uid", "resourceVersion", "generation",
            "creationTimestamp", "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds", "finalizers",
            "ownerReferences", "selfLink");

    /** Severities in the order people think of them, for messages. */
    static final List<String> SEVERITY_NAMES =
            List.of("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL", "UNDEFINED", "UNTRIAGED");

    /** The scan states a policy assigns an outcome to: all but the two whose findings are counted. */
    static final List<ScanStatus> OUTCOME_STATES = List.of(ScanStatus.PENDING, ScanStatus.IN_PROGRESS,
            ScanStatus.FAILED, ScanStatus.UNSUPPORTED_IMAGE, ScanStatus.SCAN_ELIGIBILITY_EXPIRED,
            ScanStatus.FINDINGS_UNAVAILABLE, ScanStatus.LIMIT_EXCEEDED, ScanStatus.IMAGE_ARCHIVED,
            ScanStatus.NOT_FOUND);

    // repeated in the JSON schema, and a test keeps them in step
    static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    static final int NAME_MAX = 253;

    private PolicyValidator(String file) {
        super(file);
    }

    /**
     * The outcome of reading one document.
     *
     * @param policy       the policy, when the document has no errors
     * @param name         {@code metadata.name} when it could be read (even if other fields are wrong), and where
     * @param errors       every error found
     */
    record Result(Optional<ImagePolicy> policy, Optional<Located<String>> name, List<PolicyError> errors,
                  Optional<ImageException> exception) {
        Result {
            errors = List.copyOf(errors);
        }

        Result(Optional<ImagePolicy> policy, Optional<Located<String>> name, List<PolicyError> errors) {
            this(policy, name, errors, Optional.empty());
        }
    }

    /** A value and where it was written. */
    record Located<T>(T value, Position position) {
    }

    static Result validate(String file, Node document) {
        return new PolicyValidator(file).document(document);
    }

    private Result document(Node document) {
        if (!(document instanceof Mapping root)) {
            error("", document.position(), "expected an ImagePolicy or ImageException document (a mapping), got "
                    + document.describe());
            return new Result(Optional.empty(), Optional.empty(), errors);
        }
        // status is the cluster's (kubectl get -o yaml prints it): never read
        Fields f = fields(root, "", "apiVersion", "kind", "metadata", "spec", "status");
        f.required("apiVersion").flatMap(n -> string(n, "apiVersion")).ifPresent(v -> {
            if (!v.equals(API_VERSION) && !v.equals(API_VERSION_ALPHA)) {
                error("apiVersion", root.entries().get("apiVersion").value().position(),
                        "unsupported apiVersion " + OutsideText.quoted(v) + " (expected " + OutsideText.quoted(API_VERSION)
                                + " or " + OutsideText.quoted(API_VERSION_ALPHA) + ")");
            }
        });
        Optional<String> kind = f.required("kind").flatMap(n -> string(n, "kind"));
        kind.ifPresent(v -> {
            if (!v.equals(KIND) && !v.equals(EXCEPTION_KIND)) {
                error("kind", root.entries().get("kind").value().position(),
                        "unsupported kind " + OutsideText.quoted(v) + " (expected " + OutsideText.quoted(KIND) + " or "
                                + OutsideText.quoted(EXCEPTION_KIND) + ")");
            }
        });
        boolean exception = kind.filter(EXCEPTION_KIND::equals).isPresent();
        Optional<Located<String>> namespace = Optional.empty();
        Optional<Located<String>> name = Optional.empty();
        Optional<Mapping> metadata = f.required("metadata").flatMap(n -> mapping(n, "metadata"));
        Optional<String> approvedBy = Optional.empty();
        if (metadata.isPresent()) {
            List<String> known = new java.util.ArrayList<>(List.of("name", "namespace", "labels", "annotations"));
            known.addAll(SERVER_METADATA);
            Fields m = fields(metadata.get(), "metadata", known.toArray(String[]::new));
            // labels and annotations are for GitOps tooling; ecrgate only checks their shape
            Optional<Mapping> labels = m.optional("labels").flatMap(n -> mapping(n, "metadata.labels"));
            m.optional("annotations").ifPresent(n -> mapping(n, "metadata.annotations"));
            name = m.required("name").flatMap(n -> string(n, "metadata.name").map(v -> new Located<>(v, n.position())));
            // a policy is cluster-scoped: a namespace (kustomize adds one) is ignored, as the API server ignores it
            Optional<Node> ns = exception ? m.required("namespace") : m.optional("namespace");
            namespace = ns.flatMap(n -> string(n, "metadata.namespace").map(v -> new Located<>(v, n.position())));
            approvedBy = labels.flatMap(l -> Optional.ofNullable(l.entries().get(ImageException.APPROVED_BY)))
                    .map(e -> e.value()).filter(v -> v instanceof YamlTree.Scalar).map(v -> ((YamlTree.Scalar) v).text());
        }
        name.ifPresent(n -> {
            if (n.value().length() > NAME_MAX || !NAME.matcher(n.value()).matches()) {
                error("metadata.name", n.position(), "invalid name " + OutsideText.quoted(n.value())
                        + " (expected a DNS-1123 subdomain: lower case letters, digits, '-' and '.', starting and"
                        + " ending with a letter or digit, at most " + NAME_MAX + " characters)");
            }
        });
        namespace.filter(n -> exception).ifPresent(n -> {
            if (n.value().length() > 63 || !n.value().matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
                error("metadata.namespace", n.position(), "invalid namespace " + OutsideText.quoted(n.value())
                        + " (expected a DNS-1123 label)");
            }
        });
        if (exception) {
            Optional<Mapping> spec = f.required("spec").flatMap(n -> mapping(n, "spec"));
            Optional<ExceptionSpec> read = spec.flatMap(this::exceptionSpec);
            if (!errors.isEmpty() || name.isEmpty() || namespace.isEmpty() || read.isEmpty()) {
                return new Result(Optional.empty(), Optional.empty(), errors);
            }
            ExceptionSpec x = read.get();
            return new Result(Optional.empty(), Optional.empty(), errors, Optional.of(new ImageException(
                    namespace.get().value(), name.get().value(), file + ":" + root.position().line(), x.policies,
                    x.images, x.repositories, x.cves, x.rules, x.reason, x.expires, approvedBy)));
        }
        Spec spec = f.optional("spec").flatMap(n -> mapping(n, "spec")).map(this::spec).orElseGet(Spec::new);

        if (!errors.isEmpty() || name.isEmpty()) {
            return new Result(Optional.empty(), name, errors);
        }
        ImagePolicy policy = new ImagePolicy(name.get().value(), file + ":" + root.position().line(),
                spec.namespaces, spec.excludeNamespaces, spec.mode, spec.helpText, spec.registries,
                spec.repositories, spec.vulnerabilities, spec.tags, spec.exemptions, spec.onLookupFailure,
                spec.allowNamespacedExceptions);
        return new Result(Optional.of(policy), name, errors);
    }

    /** An ImageException's spec, read. */
    private record ExceptionSpec(List<String> policies, List<Glob> images, List<Glob> repositories, Set<String> cves,
                                 Set<String> rules, String reason, java.time.Instant expires) {
    }

    private Optional<ExceptionSpec> exceptionSpec(Mapping m) {
        String path = "spec";
        Fields f = fields(m, path, "policies", "images", "repositories", "cves", "rules", "reason", "expires");
        List<String> policies = f.optional("policies")
                .flatMap(n -> list(n, path + ".policies", "to ask every policy that allows namespaced exceptions",
                        (item, p) -> string(item, p))).orElse(List.of());
        Optional<Node> imagesNode = f.optional("images");
        Optional<Node> repositoriesNode = f.optional("repositories");
        List<Glob> images = imagesNode.flatMap(n -> list(n, path + ".images", "leave the field out", this::glob))
                .orElse(List.of());
        List<Glob> repositories = repositoriesNode
                .flatMap(n -> list(n, path + ".repositories", "leave the field out", this::glob))
                .orElse(List.of());
        if (imagesNode.isEmpty() && repositoriesNode.isEmpty()) {
            error(path, m.position(), "an exception names the images it covers: give images (globs on the image"
                    + " reference) or repositories (globs on the ECR repository path), or both");
        }
        Optional<Node> cvesNode = f.optional("cves");
        Optional<Node> rulesNode = f.optional("rules");
        Set<String> cves = new java.util.LinkedHashSet<>();
        cvesNode.flatMap(n -> list(n, path + ".cves", "leave the field out", (item, p) -> string(item, p)
                .filter(v -> {
                    if (!VULNERABILITY_ID.matcher(v).matches()) {
                        error(p, item.position(), OutsideText.quoted(v) + " is not a vulnerability ID (like"
                                + " CVE-2024-6387 or GHSA-xxxx-xxxx-xxxx)");
                        return false;
                    }
                    return true;
                }))).ifPresent(l -> l.forEach(v -> cves.add(v.toUpperCase(Locale.ROOT))));
        Set<String> rules = new java.util.LinkedHashSet<>();
        List<String> liftable = LIFTABLE.stream().map(Rule::field).distinct().toList();
        rulesNode.flatMap(n -> list(n, path + ".rules", "leave the field out", (item, p) -> string(item, p)
                .filter(v -> {
                    if (!liftable.contains(v)) {
                        error(p, item.position(), "unknown rule " + OutsideText.quoted(v) + " (expected one of "
                                + String.join(", ", liftable) + ")");
                        return false;
                    }
                    return true;
                }))).ifPresent(rules::addAll);
        if (cvesNode.isEmpty() && rulesNode.isEmpty()) {
            error(path, m.position(), "an exception lifts something: give cves (not counted) or rules (not"
                    + " checked), or both");
        }
        Optional<String> reason = f.required("reason").flatMap(n -> nonEmptyString(n, path + ".reason"));
        Optional<java.time.Instant> expires = f.required("expires").flatMap(n -> expiry(n, path + ".expires"));
        if (reason.isEmpty() || expires.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ExceptionSpec(policies, images, repositories, cves, rules, reason.get(),
                expires.get()));
    }

    /** A date (the exception holds through that day, UTC) or an RFC 3339 time. */
    private Optional<java.time.Instant> expiry(Node node, String path) {
        return string(node, path).flatMap(v -> {
            try {
                if (DATE.matcher(v).matches()) {
                    return Optional.of(LocalDate.parse(v).plusDays(1).atStartOfDay(java.time.ZoneOffset.UTC)
                            .toInstant());
                }
                return Optional.of(java.time.OffsetDateTime.parse(v).toInstant());
            } catch (java.time.format.DateTimeParseException e) {
                error(path, node.position(), OutsideText.quoted(v) + " is not a date (2027-03-31) or an RFC 3339 time"
                        + " (2027-03-31T18:00:00Z)");
                return Optional.empty();
            }
        });
    }

    /** The spec's parts, defaults until read. */
    private static final class Spec {
        List<Glob> namespaces = List.of();
        List<Glob> excludeNamespaces = List.of();
        Mode mode = Mode.ENFORCE;
        Optional<String> helpText = Optional.empty();
        RegistryRules registries = RegistryRules.ANY;
        RepositoryRules repositories = RepositoryRules.ANY;
        Optional<VulnerabilityRules> vulnerabilities = Optional.empty();
        TagRules tags = TagRules.NONE;
        List<Exemption> exemptions = List.of();
        Outcome onLookupFailure = Outcome.DENY;
        boolean allowNamespacedExceptions;
    }

    private Spec spec(Mapping m) {
        Spec s = new Spec();
        Fields f = fields(m, "spec", "namespaces", "excludeNamespaces", "mode", "helpText", "registries",
                "repositories", "vulnerabilities", "tags", "exemptions", "onLookupFailure", "exceptions");
        f.optional("exceptions").flatMap(n -> mapping(n, "spec.exceptions")).ifPresent(x -> {
            Fields e = fields(x, "spec.exceptions", "allowNamespaced");
            e.optional("allowNamespaced").flatMap(n -> bool(n, "spec.exceptions.allowNamespaced"))
                    .ifPresent(v -> s.allowNamespacedExceptions = v);
        });
        f.optional("namespaces").flatMap(n -> globs(n, "spec.namespaces", "to cover every namespace"))
                .ifPresent(v -> s.namespaces = v);
        f.optional("excludeNamespaces").flatMap(n -> globs(n, "spec.excludeNamespaces", null))
                .ifPresent(v -> s.excludeNamespaces = v);
        f.optional("mode").flatMap(n -> choice(n, "spec.mode", "mode", Mode.class)).ifPresent(v -> s.mode = v);
        f.optional("helpText").flatMap(n -> nonEmptyString(n, "spec.helpText"))
                .ifPresent(v -> s.helpText = Optional.of(v));
        f.optional("registries").flatMap(n -> mapping(n, "spec.registries")).map(this::registries)
                .ifPresent(v -> s.registries = v);
        f.optional("repositories").flatMap(n -> mapping(n, "spec.repositories")).map(this::repositories)
                .ifPresent(v -> s.repositories = v);
        f.optional("vulnerabilities").flatMap(n -> mapping(n, "spec.vulnerabilities")).map(this::vulnerabilities)
                .ifPresent(v -> s.vulnerabilities = Optional.of(v));
        f.optional("tags").flatMap(n -> mapping(n, "spec.tags")).map(this::tags).ifPresent(v -> s.tags = v);
        f.optional("exemptions").flatMap(n -> list(n, "spec.exemptions", null, this::exemption))
                .ifPresent(v -> s.exemptions = v);
        f.optional("onLookupFailure").flatMap(n -> choice(n, "spec.onLookupFailure", "outcome", Outcome.class))
                .ifPresent(v -> s.onLookupFailure = v);
        return s;
    }

    private RegistryRules registries(Mapping m) {
        Fields f = fields(m, "spec.registries", "ecr", "others");
        Optional<List<EcrRegistryRule>> ecr = f.optional("ecr")
                .flatMap(n -> list(n, "spec.registries.ecr", "to allow any ECR registry", this::ecrRegistry));
        Outcome others = f.optional("others")
                .flatMap(n -> choice(n, "spec.registries.others", "outcome", Outcome.class)).orElse(Outcome.ALLOW);
        return new RegistryRules(ecr, others);
    }

    private Optional<EcrRegistryRule> ecrRegistry(Node node, String path) {
        return mapping(node, path).flatMap(m -> {
            Fields f = fields(m, path, "account", "regions");
            Optional<String> account = f.required("account").flatMap(n -> account(n, path + ".account"));
            List<String> regions = f.optional("regions")
                    .flatMap(n -> list(n, path + ".regions", "to allow any region", this::region))
                    .orElse(List.of());
            return account.map(a -> new EcrRegistryRule(a, regions));
        });
    }

    private RepositoryRules repositories(Mapping m) {
        Fields f = fields(m, "spec.repositories", "allow");
        return new RepositoryRules(f.optional("allow")
                .flatMap(n -> list(n, "spec.repositories.allow", "to allow any repository", this::repositoryGlob)));
    }

    private VulnerabilityRules vulnerabilities(Mapping m) {
        String path = "spec.vulnerabilities";
        Fields f = fields(m, path, "maxCounts", "onlyFixable", "maxScanAge", "ignore", "scanStatus", "platforms");
        Map<Severity, Integer> maxCounts = f.optional("maxCounts").flatMap(n -> mapping(n, path + ".maxCounts"))
                .map(this::maxCounts).orElse(Map.of());
        boolean onlyFixable = f.optional("onlyFixable").flatMap(n -> bool(n, path + ".onlyFixable")).orElse(false);
        Optional<Duration> maxScanAge = f.optional("maxScanAge").flatMap(n -> duration(n, path + ".maxScanAge"));
        List<IgnoreRule> ignore = f.optional("ignore").flatMap(n -> list(n, path + ".ignore", null, this::ignoreRule))
                .orElse(List.of());
        Map<ScanStatus, Outcome> scanStatus = VulnerabilityRules.defaultScanStatus();
        f.optional("scanStatus").flatMap(n -> mapping(n, path + ".scanStatus"))
                .ifPresent(s -> scanStatus.putAll(scanStatus(s)));
        VulnerabilityRules.Platforms platforms = f.optional("platforms").flatMap(n -> platforms(n,
                path + ".platforms")).orElse(VulnerabilityRules.Platforms.ALL);
        return new VulnerabilityRules(maxCounts, onlyFixable, maxScanAge, ignore, scanStatus, platforms);
    }

    /** {@code all}, {@code any}, or a list of {@code os/architecture[/variant]}. */
    private Optional<VulnerabilityRules.Platforms> platforms(Node node, String path) {
        if (node instanceof YamlTree.Scalar scalar) {
            String word = scalar.text();
            if (word.equals("all")) {
                return Optional.of(VulnerabilityRules.Platforms.ALL);
            }
            if (word.equals("any")) {
                return Optional.of(VulnerabilityRules.Platforms.ANY);
            }
            error(path, node.position(), "expected all, any, or a list of platforms like [linux/amd64, linux/arm64],"
                    + " got " + OutsideText.quoted(word));
            return Optional.empty();
        }
        return list(node, path, "to judge every platform", (item, p) -> {
            if (!(item instanceof YamlTree.Scalar s)) {
                error(p, item.position(), "expected a platform like linux/amd64, got " + item.describe());
                return Optional.empty();
            }
            try {
                return Optional.of(dev.ecrgate.image.Platform.parse(s.text()));
            } catch (IllegalArgumentException e) {
                error(p, item.position(), OutsideText.quoted(s.text()) + " is not a platform: " + e.getMessage());
                return Optional.empty();
            }
        }).map(l -> new VulnerabilityRules.Platforms(VulnerabilityRules.Platforms.Kind.LISTED, l));
    }

    private Map<Severity, Integer> maxCounts(Mapping m) {
        Map<Severity, Integer> counts = new EnumMap<>(Severity.class);
        for (Entry e : m.entries().values()) {
            String path = "spec.vulnerabilities.maxCounts." + e.key();
            if (!Severity.isName(e.key())) {
                String hint = Severity.isName(e.key().toUpperCase(Locale.ROOT))
                        ? ": did you mean " + OutsideText.quoted(e.key().toUpperCase(Locale.ROOT)) + "?" : "";
                error(path, e.keyPosition(), "unknown severity " + OutsideText.quoted(e.key()) + hint + " (expected one of "
                        + String.join(", ", SEVERITY_NAMES) + ")");
                continue;
            }
            count(e.value(), path).ifPresent(c -> counts.put(Severity.valueOf(e.key()), c));
        }
        return counts;
    }

    private Map<ScanStatus, Outcome> scanStatus(Mapping m) {
        Map<ScanStatus, Outcome> outcomes = new EnumMap<>(ScanStatus.class);
        for (Entry e : m.entries().values()) {
            String path = "spec.vulnerabilities.scanStatus." + e.key();
            Optional<ScanStatus> state = OUTCOME_STATES.stream().filter(s -> s.name().equals(e.key())).findFirst();
            if (state.isEmpty()) {
                if (e.key().equals("COMPLETE") || e.key().equals("ACTIVE")) {
                    error(path, e.keyPosition(), "a " + e.key() + " scan has no outcome of its own: its findings"
                            + " are counted against maxCounts");
                } else {
                    String upper = e.key().toUpperCase(Locale.ROOT);
                    String hint = OUTCOME_STATES.stream().anyMatch(s -> s.name().equals(upper))
                            ? ": did you mean " + OutsideText.quoted(upper) + "?" : "";
                    error(path, e.keyPosition(), "unknown scan status " + OutsideText.quoted(e.key()) + hint
                            + " (expected one of " + String.join(", ", OUTCOME_STATES.stream().map(Enum::name)
                            .toList()) + ")");
                }
                continue;
            }
            choice(e.value(), path, "outcome", Outcome.class).ifPresent(o -> outcomes.put(state.get(), o));
        }
        return outcomes;
    }

    private Optional<IgnoreRule> ignoreRule(Node node, String path) {
        return mapping(node, path).flatMap(m -> {
            Fields f = fields(m, path, "id", "reason", "expires", "repositories");
            Optional<String> id = f.required("id").flatMap(n -> nonEmptyString(n, path + ".id"));
            Optional<String> reason = f.required("reason").flatMap(n -> nonEmptyString(n, path + ".reason"));
            Optional<LocalDate> expires = f.optional("expires").flatMap(n -> date(n, path + ".expires"));
            List<Glob> repositories = f.optional("repositories")
                    .flatMap(n -> globs(n, path + ".repositories", "to ignore it in every repository"))
                    .orElse(List.of());
            if (id.isEmpty() || reason.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new IgnoreRule(id.get(), reason.get(), expires, repositories));
        });
    }

    private TagRules tags(Mapping m) {
        String path = "spec.tags";
        Fields f = fields(m, path, "deny", "requireDigest", "immutableOrDigest", "allowedPatterns");
        List<String> deny = f.optional("deny").flatMap(n -> list(n, path + ".deny", null, this::tag))
                .orElse(List.of());
        boolean requireDigest = f.optional("requireDigest").flatMap(n -> bool(n, path + ".requireDigest"))
                .orElse(false);
        boolean immutableOrDigest = f.optional("immutableOrDigest")
                .flatMap(n -> bool(n, path + ".immutableOrDigest")).orElse(false);
        List<Pattern> allowedPatterns = f.optional("allowedPatterns")
                .flatMap(n -> list(n, path + ".allowedPatterns", null, this::regex)).orElse(List.of());
        return new TagRules(deny, requireDigest, immutableOrDigest, allowedPatterns);
    }

    private Optional<Exemption> exemption(Node node, String path) {
        return mapping(node, path).flatMap(m -> {
            Fields f = fields(m, path, "images", "namespaces", "reason", "expires");
            Optional<List<Glob>> images = f.required("images")
                    .flatMap(n -> list(n, path + ".images", "an exemption needs at least one image", this::glob));
            List<Glob> namespaces = f.optional("namespaces")
                    .flatMap(n -> globs(n, path + ".namespaces", "to exempt in every namespace the policy covers"))
                    .orElse(List.of());
            Optional<String> reason = f.required("reason").flatMap(n -> nonEmptyString(n, path + ".reason"));
            Optional<LocalDate> expires = f.optional("expires").flatMap(n -> date(n, path + ".expires"));
            if (images.isEmpty() || reason.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new Exemption(images.get(), namespaces, reason.get(), expires));
        });
    }

}
