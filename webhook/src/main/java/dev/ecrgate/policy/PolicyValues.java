package dev.ecrgate.policy;

import dev.ecrgate.text.OutsideText;
import dev.ecrgate.image.EcrRegistry;
import dev.ecrgate.image.ImageReference;
import dev.ecrgate.policy.YamlTree.Node;
import dev.ecrgate.policy.YamlTree.Scalar;
import dev.ecrgate.policy.YamlTree.ScalarType;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The checks of single policy values: an account ID, a region, a tag, a repository glob, a count, a regular
 * expression, a date, a duration. Each reads one node and either returns its value or records an error and returns
 * empty. The account, region and tag grammar is not written here but asked of its owner in {@code dev.ecrgate.image}
 * ({@link EcrRegistry#isAccount}, {@link EcrRegistry#isRegion}, {@link ImageReference#isTag}), so that a policy can
 * name every registry and tag the image side recognises, and no other.
 */
abstract class PolicyValues extends FieldReader {
    // repeated in the JSON schema, and a test keeps them in step
    static final Pattern DATE = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}");
    static final Pattern SHORT_DURATION = Pattern.compile("([0-9]{1,9})([wdhm])");
    static final Pattern ISO_DURATION =
            Pattern.compile("P(?:[0-9]{1,9}D)?(?:T(?=[0-9])(?:[0-9]{1,9}H)?(?:[0-9]{1,9}M)?(?:[0-9]{1,9}S)?)?");
    static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)}");

    PolicyValues(String file) {
        super(file);
    }

    Optional<String> account(Node node, String path) {
        if (node instanceof Scalar s && s.type() == ScalarType.INTEGER) {
            error(path, node.position(), "the account ID must be a string: quote it (\"" + s.text() + "\"),"
                    + " because YAML reads unquoted digits as a number and drops leading zeros");
            return Optional.empty();
        }
        return string(node, path).filter(v -> check(EcrRegistry.isAccount(v), path, node,
                "invalid account ID " + OutsideText.quoted(v) + " (expected exactly 12 digits)"));
    }

    Optional<String> region(Node node, String path) {
        return string(node, path).filter(v -> check(EcrRegistry.isRegion(v), path, node,
                "invalid region " + OutsideText.quoted(v) + " (expected an AWS region such as \"us-east-1\")"));
    }

    Optional<String> repositoryGlob(Node node, String path) {
        return nonEmptyString(node, path).filter(v -> {
            Matcher placeholder = PLACEHOLDER.matcher(v);
            while (placeholder.find()) {
                if (!placeholder.group(1).equals("namespace")) {
                    error(path, node.position(), "unknown placeholder " + OutsideText.quoted(placeholder.group())
                            + " (only {namespace} is allowed)");
                    return false;
                }
            }
            String rest = placeholder.replaceAll("");
            return check(rest.indexOf('{') < 0 && rest.indexOf('}') < 0,
                    path, node, "unbalanced brace in " + OutsideText.quoted(v) + " (only {namespace} is allowed)");
        });
    }

    Optional<Integer> count(Node node, String path) {
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

    Optional<String> tag(Node node, String path) {
        return string(node, path).filter(v -> check(ImageReference.isTag(v), path, node, "invalid tag " + OutsideText.quoted(v)
                + " (expected a tag as in an image reference: letters, digits, '_', '.' and '-', not starting with"
                + " '.' or '-', at most 128 characters, without the ':')"));
    }

    Optional<Pattern> regex(Node node, String path) {
        return nonEmptyString(node, path).flatMap(v -> {
            try {
                return Optional.of(Pattern.compile(v));
            } catch (PatternSyntaxException e) {
                error(path, node.position(), "invalid regular expression " + OutsideText.quoted(v) + ": " + e.getDescription()
                        + (e.getIndex() >= 0 ? " near index " + e.getIndex() : ""));
                return Optional.empty();
            }
        });
    }

    Optional<List<Glob>> globs(Node node, String path, String emptyHint) {
        return list(node, path, emptyHint, this::glob);
    }

    Optional<Glob> glob(Node node, String path) {
        return nonEmptyString(node, path).map(Glob::of);
    }

    Optional<LocalDate> date(Node node, String path) {
        return string(node, path).flatMap(v -> {
            if (DATE.matcher(v).matches()) {
                try {
                    return Optional.of(LocalDate.parse(v));
                } catch (DateTimeException e) {
                    error(path, node.position(), "invalid date " + OutsideText.quoted(v) + " (no such day)");
                    return Optional.empty();
                }
            }
            error(path, node.position(), "invalid date " + OutsideText.quoted(v) + " (expected YYYY-MM-DD)");
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

    Optional<Duration> duration(Node node, String path) {
        return string(node, path).flatMap(v -> {
            Optional<Duration> d = parseDuration(v);
            if (d.isEmpty()) {
                error(path, node.position(), "invalid duration " + OutsideText.quoted(v)
                        + " (expected a number and a unit, w, d, h or m, as in \"30d\"; or ISO-8601, as in \"P30D\")");
            } else if (d.get().isZero()) {
                error(path, node.position(), "duration " + OutsideText.quoted(v) + " must be positive");
                return Optional.empty();
            }
            return d;
        });
    }
}
