package dev.ecrgate.policy;

import dev.ecrgate.findings.ScanStatus;
import dev.ecrgate.findings.Severity;
import dev.ecrgate.policy.RegistryRules.EcrRegistryRule;
import dev.ecrgate.policy.VulnerabilityRules.IgnoreRule;
import dev.ecrgate.policy.YamlTree.Entry;
import dev.ecrgate.policy.YamlTree.Mapping;
import dev.ecrgate.policy.YamlTree.Node;
import dev.ecrgate.policy.YamlTree.Position;
import dev.ecrgate.policy.YamlTree.Scalar;
import dev.ecrgate.policy.YamlTree.ScalarType;
import dev.ecrgate.policy.YamlTree.Sequence;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Turns one YAML document into an {@link ImagePolicy}, checking it against the policy format on the way and
 * collecting every error rather than stopping at the first. The format is described for people by the examples
 * in {@code policies/} and for machines by {@code policies/ecrgate-policy.schema.json}; the two must agree with
 * what this class accepts.
 *
 * <p>A policy is strict YAML: unknown fields are errors (a misspelt field would otherwise be a rule silently not
 * applied), strings must be strings (an unquoted account ID is a number to YAML), and a list that would mean
 * "everything" when empty must be left out instead of written empty.
 */
final class PolicyValidator {
    static final String API_VERSION = "ecrgate.dev/v1";
    static final String KIND = "ImagePolicy";

    /** Severities in the order people think of them, for messages. */
    static final List<String> SEVERITY_NAMES =
            List.of("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL", "UNDEFINED", "UNTRIAGED");

    /** The scan states a policy assigns an outcome to: all but the two whose findings are counted. */
    static final List<ScanStatus> OUTCOME_STATES = List.of(ScanStatus.PENDING, ScanStatus.IN_PROGRESS,
            ScanStatus.FAILED, ScanStatus.UNSUPPORTED_IMAGE, ScanStatus.SCAN_ELIGIBILITY_EXPIRED,
            ScanStatus.FINDINGS_UNAVAILABLE, ScanStatus.LIMIT_EXCEEDED, ScanStatus.IMAGE_ARCHIVED,
            ScanStatus.NOT_FOUND);

    // The patterns below are repeated in the JSON schema; keep them in step.
    static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    static final int NAME_MAX = 253;
    static final Pattern ACCOUNT = Pattern.compile("[0-9]{12}");
    static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]{1,2}");
    static final Pattern DATE = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}");
    static final Pattern SHORT_DURATION = Pattern.compile("([0-9]{1,9})([wdhm])");
    static final Pattern ISO_DURATION =
            Pattern.compile("P(?:[0-9]{1,9}D)?(?:T(?=[0-9])(?:[0-9]{1,9}H)?(?:[0-9]{1,9}M)?(?:[0-9]{1,9}S)?)?");
    static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)}");

    private final String file;
    private final List<PolicyError> errors = new ArrayList<>();

    private PolicyValidator(String file) {
        this.file = file;
    }

    /**
     * The outcome of reading one document.
     *
     * @param policy       the policy, when the document has no errors
     * @param name         {@code metadata.name} when it could be read (even if other fields are wrong), and where
     * @param errors       every error found
     */
    record Result(Optional<ImagePolicy> policy, Optional<Located<String>> name, List<PolicyError> errors) {
        Result {
            errors = List.copyOf(errors);
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
            error("", document.position(), "expected an ImagePolicy document (a mapping), got " + document.describe());
            return new Result(Optional.empty(), Optional.empty(), errors);
        }
        Fields f = fields(root, "", "apiVersion", "kind", "metadata", "spec");
        f.required("apiVersion").flatMap(n -> string(n, "apiVersion")).ifPresent(v -> {
            if (!v.equals(API_VERSION)) {
                error("apiVersion", root.entries().get("apiVersion").value().position(),
                        "unsupported apiVersion " + quote(v) + " (expected " + quote(API_VERSION) + ")");
            }
        });
        f.required("kind").flatMap(n -> string(n, "kind")).ifPresent(v -> {
            if (!v.equals(KIND)) {
                error("kind", root.entries().get("kind").value().position(),
                        "unsupported kind " + quote(v) + " (expected " + quote(KIND) + ")");
            }
        });
        Optional<Located<String>> name = f.required("metadata").flatMap(n -> mapping(n, "metadata"))
                .flatMap(metadata -> {
                    Fields m = fields(metadata, "metadata", "name", "labels", "annotations");
                    // labels and annotations are for GitOps tooling; ecrgate only checks their shape
                    m.optional("labels").ifPresent(n -> mapping(n, "metadata.labels"));
                    m.optional("annotations").ifPresent(n -> mapping(n, "metadata.annotations"));
                    return m.required("name");
                })
                .flatMap(n -> string(n, "metadata.name").map(s -> new Located<>(s, n.position())));
        name.ifPresent(n -> {
            if (n.value().length() > NAME_MAX || !NAME.matcher(n.value()).matches()) {
                error("metadata.name", n.position(), "invalid name " + quote(n.value())
                        + " (expected a DNS-1123 subdomain: lower case letters, digits, '-' and '.', starting and"
                        + " ending with a letter or digit, at most " + NAME_MAX + " characters)");
            }
        });
        Spec spec = f.optional("spec").flatMap(n -> mapping(n, "spec")).map(this::spec).orElseGet(Spec::new);

        if (!errors.isEmpty() || name.isEmpty()) {
            return new Result(Optional.empty(), name, errors);
        }
        ImagePolicy policy = new ImagePolicy(name.get().value(), file + ":" + root.position().line(),
                spec.namespaces, spec.excludeNamespaces, spec.mode, spec.helpText, spec.registries,
                spec.repositories, spec.vulnerabilities, spec.tags, spec.exemptions, spec.onLookupFailure);
        return new Result(Optional.of(policy), name, errors);
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
    }

    private Spec spec(Mapping m) {
        Spec s = new Spec();
        Fields f = fields(m, "spec", "namespaces", "excludeNamespaces", "mode", "helpText", "registries",
                "repositories", "vulnerabilities", "tags", "exemptions", "onLookupFailure");
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

    private Optional<String> account(Node node, String path) {
        if (node instanceof Scalar s && s.type() == ScalarType.INTEGER) {
            error(path, node.position(), "the account ID must be a string: quote it (\"" + s.text() + "\"),"
                    + " because YAML reads unquoted digits as a number and drops leading zeros");
            return Optional.empty();
        }
        return string(node, path).filter(v -> check(ACCOUNT.matcher(v).matches(), path, node,
                "invalid account ID " + quote(v) + " (expected exactly 12 digits)"));
    }

    private Optional<String> region(Node node, String path) {
        return string(node, path).filter(v -> check(REGION.matcher(v).matches(), path, node,
                "invalid region " + quote(v) + " (expected an AWS region such as \"us-east-1\")"));
    }

    private RepositoryRules repositories(Mapping m) {
        Fields f = fields(m, "spec.repositories", "allow");
        return new RepositoryRules(f.optional("allow")
                .flatMap(n -> list(n, "spec.repositories.allow", "to allow any repository", this::repositoryGlob)));
    }

    private Optional<String> repositoryGlob(Node node, String path) {
        return nonEmptyString(node, path).filter(v -> {
            Matcher placeholder = PLACEHOLDER.matcher(v);
            while (placeholder.find()) {
                if (!placeholder.group(1).equals("namespace")) {
                    error(path, node.position(), "unknown placeholder " + quote(placeholder.group())
                            + " (only {namespace} is allowed)");
                    return false;
                }
            }
            String rest = placeholder.replaceAll("");
            return check(rest.indexOf('{') < 0 && rest.indexOf('}') < 0,
                    path, node, "unbalanced brace in " + quote(v) + " (only {namespace} is allowed)");
        });
    }

    private VulnerabilityRules vulnerabilities(Mapping m) {
        String path = "spec.vulnerabilities";
        Fields f = fields(m, path, "maxCounts", "onlyFixable", "maxScanAge", "ignore", "scanStatus");
        Map<Severity, Integer> maxCounts = f.optional("maxCounts").flatMap(n -> mapping(n, path + ".maxCounts"))
                .map(this::maxCounts).orElse(Map.of());
        boolean onlyFixable = f.optional("onlyFixable").flatMap(n -> bool(n, path + ".onlyFixable")).orElse(false);
        Optional<Duration> maxScanAge = f.optional("maxScanAge").flatMap(n -> duration(n, path + ".maxScanAge"));
        List<IgnoreRule> ignore = f.optional("ignore").flatMap(n -> list(n, path + ".ignore", null, this::ignoreRule))
                .orElse(List.of());
        Map<ScanStatus, Outcome> scanStatus = VulnerabilityRules.defaultScanStatus();
        f.optional("scanStatus").flatMap(n -> mapping(n, path + ".scanStatus"))
                .ifPresent(s -> scanStatus.putAll(scanStatus(s)));
        return new VulnerabilityRules(maxCounts, onlyFixable, maxScanAge, ignore, scanStatus);
    }

    private Map<Severity, Integer> maxCounts(Mapping m) {
        Map<Severity, Integer> counts = new EnumMap<>(Severity.class);
        for (Entry e : m.entries().values()) {
            String path = "spec.vulnerabilities.maxCounts." + e.key();
            if (!Severity.isName(e.key())) {
                String hint = Severity.isName(e.key().toUpperCase(Locale.ROOT))
                        ? ": did you mean " + quote(e.key().toUpperCase(Locale.ROOT)) + "?" : "";
                error(path, e.keyPosition(), "unknown severity " + quote(e.key()) + hint + " (expected one of "
                        + String.join(", ", SEVERITY_NAMES) + ")");
                continue;
            }
            count(e.value(), path).ifPresent(c -> counts.put(Severity.valueOf(e.key()), c));
        }
        return counts;
    }

    private Optional<Integer> count(Node node, String path) {
        if (node instanceof Scalar s && s.type() == ScalarType.INTEGER) {
            if (s.integer().signum() < 0) {
                error(path, node.position(), "expected a non-negative integer, got " + s.text());
                return Optional.empty();
            }
            if (s.integer().compareTo(BigInteger.valueOf(Integer.MAX_VALUE)) > 0) {
                error(path, node.position(), "count " + s.text() + " is too large (at most " + Integer.MAX_VALUE
                        + "; leave the severity out for no limit)");
                return Optional.empty();
            }
            return Optional.of(s.integer().intValue());
        }
        error(path, node.position(), "expected a non-negative integer, got " + node.describe());
        return Optional.empty();
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
                            ? ": did you mean " + quote(upper) + "?" : "";
                    error(path, e.keyPosition(), "unknown scan status " + quote(e.key()) + hint
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

    private Optional<String> tag(Node node, String path) {
        return string(node, path).filter(v -> check(TAG.matcher(v).matches(), path, node, "invalid tag " + quote(v)
                + " (expected a tag as in an image reference: letters, digits, '_', '.' and '-', not starting with"
                + " '.' or '-', at most 128 characters, without the ':')"));
    }

    private Optional<Pattern> regex(Node node, String path) {
        return nonEmptyString(node, path).flatMap(v -> {
            try {
                return Optional.of(Pattern.compile(v));
            } catch (PatternSyntaxException e) {
                error(path, node.position(), "invalid regular expression " + quote(v) + ": " + e.getDescription()
                        + (e.getIndex() >= 0 ? " near index " + e.getIndex() : ""));
                return Optional.empty();
            }
        });
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

    // ---- scalars and shapes

    private Optional<List<Glob>> globs(Node node, String path, String emptyHint) {
        return list(node, path, emptyHint, this::glob);
    }

    private Optional<Glob> glob(Node node, String path) {
        return nonEmptyString(node, path).map(Glob::of);
    }

    /**
     * A list whose items are read by {@code item}; empty when it or any item is wrong. {@code emptyHint}, when not
     * null, makes an empty list an error: it says what to do instead (usually: leave the field out).
     */
    private <T> Optional<List<T>> list(Node node, String path, String emptyHint,
                                       ItemReader<T> item) {
        if (!(node instanceof Sequence sequence)) {
            error(path, node.position(), "expected a list, got " + node.describe());
            return Optional.empty();
        }
        if (sequence.items().isEmpty() && emptyHint != null) {
            error(path, node.position(), "must not be empty ("
                    + (emptyHint.startsWith("to ") ? "leave the field out " + emptyHint : emptyHint) + ")");
            return Optional.empty();
        }
        List<T> values = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < sequence.items().size(); i++) {
            Optional<T> value = item.read(sequence.items().get(i), path + "[" + i + "]");
            if (value.isPresent()) {
                values.add(value.get());
            } else {
                ok = false;
            }
        }
        return ok ? Optional.of(values) : Optional.empty();
    }

    @FunctionalInterface
    private interface ItemReader<T> {
        Optional<T> read(Node node, String path);
    }

    private Optional<Mapping> mapping(Node node, String path) {
        if (node instanceof Mapping m) {
            return Optional.of(m);
        }
        error(path, node.position(), "expected a mapping, got " + node.describe());
        return Optional.empty();
    }

    private Optional<String> string(Node node, String path) {
        if (node instanceof Scalar s && s.type() == ScalarType.STRING) {
            return Optional.of(s.text());
        }
        String hint = node instanceof Scalar s && s.type() != ScalarType.NULL ? " (quote it to make it a string)" : "";
        error(path, node.position(), "expected a string, got " + node.describe() + hint);
        return Optional.empty();
    }

    private Optional<String> nonEmptyString(Node node, String path) {
        return string(node, path).filter(v -> check(!v.isEmpty(), path, node, "must not be empty"));
    }

    private Optional<Boolean> bool(Node node, String path) {
        if (node instanceof Scalar s && s.type() == ScalarType.BOOLEAN) {
            return Optional.of(s.integer().signum() != 0);
        }
        error(path, node.position(), "expected true or false, got " + node.describe());
        return Optional.empty();
    }

    /** An enum value written in any case: {@code enforce}, {@code ENFORCE}. */
    private <E extends Enum<E>> Optional<E> choice(Node node, String path, String what, Class<E> type) {
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT));
        }
        return string(node, path).flatMap(v -> {
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(v)) {
                    return Optional.of(e);
                }
            }
            error(path, node.position(), "unknown " + what + " " + quote(v) + " (expected one of "
                    + String.join(", ", names) + ")");
            return Optional.empty();
        });
    }

    private Optional<LocalDate> date(Node node, String path) {
        return string(node, path).flatMap(v -> {
            if (DATE.matcher(v).matches()) {
                try {
                    return Optional.of(LocalDate.parse(v));
                } catch (DateTimeException e) {
                    error(path, node.position(), "invalid date " + quote(v) + " (no such day)");
                    return Optional.empty();
                }
            }
            error(path, node.position(), "invalid date " + quote(v) + " (expected YYYY-MM-DD)");
            return Optional.empty();
        });
    }

    /** {@code 30d}, {@code 12h}, {@code 90m}, {@code 2w}, or ISO-8601 days, hours, minutes, seconds: {@code P30D}. */
    static Optional<Duration> parseDuration(String text) {
        Matcher shortForm = SHORT_DURATION.matcher(text);
        Duration d;
        if (shortForm.matches()) {
            long n = Long.parseLong(shortForm.group(1));
            d = switch (shortForm.group(2)) {
                case "w" -> Duration.ofDays(7 * n);
                case "d" -> Duration.ofDays(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofMinutes(n);
            };
        } else if (ISO_DURATION.matcher(text).matches() && text.length() > 1) {
            d = Duration.parse(text);
        } else {
            return Optional.empty();
        }
        return Optional.of(d);
    }

    private Optional<Duration> duration(Node node, String path) {
        return string(node, path).flatMap(v -> {
            Optional<Duration> d = parseDuration(v);
            if (d.isEmpty()) {
                error(path, node.position(), "invalid duration " + quote(v)
                        + " (expected a number and a unit, w, d, h or m, as in \"30d\"; or ISO-8601, as in \"P30D\")");
            } else if (d.get().isZero()) {
                error(path, node.position(), "duration " + quote(v) + " must be positive");
                return Optional.empty();
            }
            return d;
        });
    }

    // ---- mappings with known fields

    private Fields fields(Mapping m, String path, String... known) {
        List<String> knownFields = List.of(known);
        for (Entry e : m.entries().values()) {
            if (!knownFields.contains(e.key())) {
                String fieldPath = path.isEmpty() ? e.key() : path + "." + e.key();
                Optional<String> suggestion = closest(e.key(), knownFields);
                error(fieldPath, e.keyPosition(), "unknown field " + quote(e.key()) + suggestion
                        .map(s -> ": did you mean " + quote(s) + "?")
                        .orElse(" (expected one of " + String.join(", ", knownFields) + ")"));
            }
        }
        return new Fields(m, path);
    }

    /** The known fields of one mapping, looked up by name. */
    private final class Fields {
        private final Mapping mapping;
        private final String path;

        Fields(Mapping mapping, String path) {
            this.mapping = mapping;
            this.path = path;
        }

        Optional<Node> optional(String key) {
            return Optional.ofNullable(mapping.entries().get(key)).map(Entry::value);
        }

        Optional<Node> required(String key) {
            Optional<Node> node = optional(key);
            if (node.isEmpty()) {
                error(path.isEmpty() ? key : path + "." + key, mapping.position(), "required field is missing");
            }
            return node;
        }
    }

    /** The known field closest to a misspelt one, when it is close enough to be what was meant. */
    static Optional<String> closest(String key, List<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = editDistance(key.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        int allowed = Math.min(key.length(), best == null ? 0 : best.length()) >= 6 ? 2 : 1;
        return bestDistance <= allowed ? Optional.of(best) : Optional.empty();
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }

    // ---- errors

    private boolean check(boolean ok, String path, Node node, String message) {
        if (!ok) {
            error(path, node.position(), message);
        }
        return ok;
    }

    private void error(String path, Position position, String message) {
        errors.add(new PolicyError(file, position.line(), position.column(), path, message));
    }

    static String quote(String s) {
        StringBuilder q = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                case '\n' -> q.append("\\n");
                case '\t' -> q.append("\\t");
                default -> {
                    if (c < 0x20) {
                        q.append(String.format("\\u%04x", (int) c));
                    } else {
                        q.append(c);
                    }
                }
            }
        }
        return q.append('"').toString();
    }
}
