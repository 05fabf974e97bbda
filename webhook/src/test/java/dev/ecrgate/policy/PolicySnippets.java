package dev.ecrgate.policy;

import java.util.List;
import java.util.stream.Stream;

/**
 * Small policy documents shared by the validation and schema tests: each good one must load, each bad one must be
 * refused with exactly the errors given, and the JSON schema must agree wherever a schema can tell.
 */
final class PolicySnippets {
    static final String FILE = "bad.yaml";

    /** Lines 1 to 5 of every snippet built by {@link #spec}; the spec's first line is line 6. */
    private static final String HEADER = """
            apiVersion: ecrgate.dev/v1
            kind: ImagePolicy
            metadata:
              name: bad
            spec:
            """;

    private PolicySnippets() {
    }

    /**
     * A document that must be refused.
     *
     * @param name     what it shows, as a sentence
     * @param yaml     the whole document
     * @param expected every error, rendered, in order
     * @param schema   whether the JSON schema can tell it is wrong too (it cannot see duplicate keys, aliases, or
     *                 YAML that does not parse)
     */
    record Bad(String name, String yaml, List<String> expected, boolean schema) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A document that must load. */
    record Good(String name, String yaml) {
        @Override
        public String toString() {
            return name;
        }
    }

    static String spec(String... lines) {
        return HEADER + String.join("\n", lines) + "\n";
    }

    private static Bad bad(String name, String yaml, String... expected) {
        return new Bad(name, yaml, List.of(expected), true);
    }

    private static Bad badYamlOnly(String name, String yaml, String... expected) {
        return new Bad(name, yaml, List.of(expected), false);
    }

    static Stream<Good> good() {
        return Stream.of(
                new Good("a policy with only the required fields loads",
                        "apiVersion: ecrgate.dev/v1\nkind: ImagePolicy\nmetadata:\n  name: minimal\n"),
                new Good("enum values are case-insensitive",
                        spec("  mode: WARN", "  registries:", "    others: Deny",
                                "  vulnerabilities:", "    scanStatus: {PENDING: ALLOW}")),
                new Good("an account ID with leading zeros is kept when quoted",
                        spec("  registries:", "    ecr:", "      - account: \"000011112222\"",
                                "        regions: [us-gov-west-1, eu-central-1]")),
                new Good("a region of the EU sovereign cloud loads, as the image side recognises it",
                        spec("  registries:", "    ecr:", "      - account: \"111122223333\"",
                                "        regions: [eusc-de-east-1]")),
                new Good("scan age is accepted in every documented form",
                        spec("  vulnerabilities:", "    maxScanAge: PT12H")),
                new Good("scan age in weeks is accepted", spec("  vulnerabilities:", "    maxScanAge: 2w")),
                new Good("an image index passes when any platform image does",
                        spec("  vulnerabilities:", "    platforms: any")),
                new Good("an image index must pass on the listed platforms",
                        spec("  vulnerabilities:", "    platforms: [linux/amd64, linux/arm64/v8]")),
                new Good("the namespace placeholder may appear more than once",
                        spec("  repositories:", "    allow: [\"{namespace}/**\", \"shared/{namespace}-*\"]")),
                new Good("an unquoted date is a string to YAML and is accepted",
                        spec("  exemptions:", "    - images: [\"*\"]", "      reason: demo",
                                "      expires: 2026-12-31")),
                new Good("an empty spec mapping is a policy without rules", spec("  {}")));
    }

    static Stream<Bad> bad() {
        String severities = "(expected one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL, UNDEFINED, UNTRIAGED)";
        return Stream.of(
                bad("platforms is all, any or a list",
                        spec("  vulnerabilities:", "    platforms: some"),
                        "bad.yaml:7:16: spec.vulnerabilities.platforms: expected all, any, or a list of platforms like"
                                + " [linux/amd64, linux/arm64], got \"some\""),
                bad("a platform is os/architecture",
                        spec("  vulnerabilities:", "    platforms: [linux, linux/arm64]"),
                        "bad.yaml:7:17: spec.vulnerabilities.platforms[0]: \"linux\" is not a platform: expected"
                                + " os/architecture or os/architecture/variant, like linux/amd64 or linux/arm64/v8"),
                bad("an empty list of platforms is refused",
                        spec("  vulnerabilities:", "    platforms: []"),
                        "bad.yaml:7:16: spec.vulnerabilities.platforms: must not be empty (leave the field out to"
                                + " judge every platform)"),
                bad("an unknown severity is named with the list of known ones",
                        spec("  vulnerabilities:", "    maxCounts:", "      HIGHH: 5"),
                        "bad.yaml:8:7: spec.vulnerabilities.maxCounts.HIGHH: unknown severity \"HIGHH\" "
                                + severities),
                bad("a lower-case severity is refused with the upper-case spelling suggested",
                        spec("  vulnerabilities:", "    maxCounts: {critical: 0}"),
                        "bad.yaml:7:17: spec.vulnerabilities.maxCounts.critical: unknown severity \"critical\":"
                                + " did you mean \"CRITICAL\"? " + severities),
                bad("a misspelt field is refused with the closest known field suggested",
                        spec("  vulnerabilities:", "    maxCount: {HIGH: 0}"),
                        "bad.yaml:7:5: spec.vulnerabilities.maxCount: unknown field \"maxCount\":"
                                + " did you mean \"maxCounts\"?"),
                bad("an unknown field far from every known one lists them all",
                        spec("  colour: blue"),
                        "bad.yaml:6:3: spec.colour: unknown field \"colour\" (expected one of namespaces,"
                                + " excludeNamespaces, mode, helpText, registries, repositories, vulnerabilities,"
                                + " tags, exemptions, onLookupFailure, exceptions)"),
                bad("a negative count is refused",
                        spec("  vulnerabilities:", "    maxCounts:", "      HIGH: -1"),
                        "bad.yaml:8:13: spec.vulnerabilities.maxCounts.HIGH: expected a non-negative integer,"
                                + " got -1"),
                bad("a quoted count is a string, not a number",
                        spec("  vulnerabilities:", "    maxCounts:", "      HIGH: \"5\""),
                        "bad.yaml:8:13: spec.vulnerabilities.maxCounts.HIGH: expected a non-negative integer,"
                                + " got a string (\"5\")"),
                bad("a fractional count is refused",
                        spec("  vulnerabilities:", "    maxCounts:", "      HIGH: 1.5"),
                        "bad.yaml:8:13: spec.vulnerabilities.maxCounts.HIGH: expected a non-negative integer,"
                                + " got a number (1.5)"),
                bad("a count beyond an int is refused",
                        spec("  vulnerabilities:", "    maxCounts:", "      HIGH: 3000000000"),
                        "bad.yaml:8:13: spec.vulnerabilities.maxCounts.HIGH: count 3000000000 is too large"
                                + " (at most 2147483647; leave the severity out for no limit)"),
                bad("an unquoted account ID is refused with advice to quote it",
                        spec("  registries:", "    ecr:", "      - account: 111122223333"),
                        "bad.yaml:8:18: spec.registries.ecr[0].account: the account ID must be a string: quote it"
                                + " (\"111122223333\"), because YAML reads unquoted digits as a number and drops"
                                + " leading zeros"),
                bad("an account ID of eleven digits is refused",
                        spec("  registries:", "    ecr:", "      - account: \"11112222333\""),
                        "bad.yaml:8:18: spec.registries.ecr[0].account: invalid account ID \"11112222333\""
                                + " (expected exactly 12 digits)"),
                bad("an ECR registry without an account is refused",
                        spec("  registries:", "    ecr:", "      - regions: [us-east-1]"),
                        "bad.yaml:8:9: spec.registries.ecr[0].account: required field is missing"),
                bad("a region that is not an AWS region is refused",
                        spec("  registries:", "    ecr:", "      - account: \"111122223333\"",
                                "        regions: [\"us-east\"]"),
                        "bad.yaml:9:19: spec.registries.ecr[0].regions[0]: invalid region \"us-east\""
                                + " (expected an AWS region such as \"us-east-1\")"),
                bad("an empty list of ECR registries is refused rather than read as any registry",
                        spec("  registries:", "    ecr: []"),
                        "bad.yaml:7:10: spec.registries.ecr: must not be empty (leave the field out to allow any"
                                + " ECR registry)"),
                bad("an unknown outcome for other registries is refused",
                        spec("  registries:", "    others: block"),
                        "bad.yaml:7:13: spec.registries.others: unknown outcome \"block\" (expected one of allow,"
                                + " warn, deny)"),
                bad("an unknown mode is refused",
                        spec("  mode: enforcing"),
                        "bad.yaml:6:9: spec.mode: unknown mode \"enforcing\" (expected one of enforce, warn, audit)"),
                bad("a single namespace must still be written as a list",
                        spec("  namespaces: team-blue"),
                        "bad.yaml:6:15: spec.namespaces: expected a list, got a string (\"team-blue\")"),
                bad("an empty glob is refused",
                        spec("  namespaces: [\"\"]"),
                        "bad.yaml:6:16: spec.namespaces[0]: must not be empty"),
                bad("an empty list of namespaces is refused rather than read as every namespace",
                        spec("  namespaces: []"),
                        "bad.yaml:6:15: spec.namespaces: must not be empty (leave the field out to cover every"
                                + " namespace)"),
                bad("an empty help text is refused",
                        spec("  helpText: \"\""),
                        "bad.yaml:6:13: spec.helpText: must not be empty"),
                bad("a placeholder other than namespace is refused",
                        spec("  repositories:", "    allow: [\"{ns}/**\"]"),
                        "bad.yaml:7:13: spec.repositories.allow[0]: unknown placeholder \"{ns}\" (only {namespace}"
                                + " is allowed)"),
                bad("a stray brace in a repository glob is refused",
                        spec("  repositories:", "    allow: [\"{namespace/**\"]"),
                        "bad.yaml:7:13: spec.repositories.allow[0]: unbalanced brace in \"{namespace/**\" (only"
                                + " {namespace} is allowed)"),
                bad("a tag pattern that does not compile is refused with the regex error",
                        spec("  tags:", "    allowedPatterns: [\"v[0-9\"]"),
                        "bad.yaml:7:23: spec.tags.allowedPatterns[0]: invalid regular expression \"v[0-9\":"
                                + " Unclosed character class near index 4"),
                bad("a denied tag written with its colon is refused",
                        spec("  tags:", "    deny: [\":latest\"]"),
                        "bad.yaml:7:12: spec.tags.deny[0]: invalid tag \":latest\" (expected a tag as in an image"
                                + " reference: letters, digits, '_', '.' and '-', not starting with '.' or '-', at"
                                + " most 128 characters, without the ':')"),
                bad("a quoted boolean is refused",
                        spec("  tags:", "    requireDigest: \"true\""),
                        "bad.yaml:7:20: spec.tags.requireDigest: expected true or false, got a string (\"true\")"),
                bad("a duration in words is refused",
                        spec("  vulnerabilities:", "    maxScanAge: 30 days"),
                        "bad.yaml:7:17: spec.vulnerabilities.maxScanAge: invalid duration \"30 days\" (expected a"
                                + " number and a unit, w, d, h or m, as in \"30d\"; or ISO-8601, as in \"P30D\")"),
                bad("a zero duration is refused",
                        spec("  vulnerabilities:", "    maxScanAge: 0d"),
                        "bad.yaml:7:17: spec.vulnerabilities.maxScanAge: duration \"0d\" must be positive"),
                bad("an ISO duration in months is refused, because months have no fixed length",
                        spec("  vulnerabilities:", "    maxScanAge: P1M"),
                        "bad.yaml:7:17: spec.vulnerabilities.maxScanAge: invalid duration \"P1M\" (expected a"
                                + " number and a unit, w, d, h or m, as in \"30d\"; or ISO-8601, as in \"P30D\")"),
                bad("an ignore rule without a reason is refused",
                        spec("  vulnerabilities:", "    ignore:", "      - id: CVE-2023-44487"),
                        "bad.yaml:8:9: spec.vulnerabilities.ignore[0].reason: required field is missing"),
                bad("an expiry on a day that does not exist is refused",
                        spec("  vulnerabilities:", "    ignore:", "      - id: CVE-2023-44487", "        reason: x",
                                "        expires: \"2026-02-30\""),
                        "bad.yaml:10:18: spec.vulnerabilities.ignore[0].expires: invalid date \"2026-02-30\""
                                + " (no such day)"),
                bad("an expiry in another date format is refused",
                        spec("  vulnerabilities:", "    ignore:", "      - id: CVE-2023-44487", "        reason: x",
                                "        expires: \"31.12.2026\""),
                        "bad.yaml:10:18: spec.vulnerabilities.ignore[0].expires: invalid date \"31.12.2026\""
                                + " (expected YYYY-MM-DD)"),
                bad("an outcome for a complete scan is refused, because maxCounts judges those",
                        spec("  vulnerabilities:", "    scanStatus:", "      COMPLETE: deny"),
                        "bad.yaml:8:7: spec.vulnerabilities.scanStatus.COMPLETE: a COMPLETE scan has no outcome of"
                                + " its own: its findings are counted against maxCounts"),
                bad("an unknown scan outcome is refused",
                        spec("  vulnerabilities:", "    scanStatus:", "      PENDING: maybe"),
                        "bad.yaml:8:16: spec.vulnerabilities.scanStatus.PENDING: unknown outcome \"maybe\""
                                + " (expected one of allow, warn, deny)"),
                bad("empty vulnerabilities is refused rather than read as no rules",
                        spec("  vulnerabilities:"),
                        "bad.yaml:6:19: spec.vulnerabilities: expected a mapping, got an empty value"),
                bad("an exemption needs images and a reason",
                        spec("  exemptions:", "    - namespaces: [ops]"),
                        "bad.yaml:7:7: spec.exemptions[0].images: required field is missing",
                        "bad.yaml:7:7: spec.exemptions[0].reason: required field is missing"),
                bad("an exemption with an empty image list is refused",
                        spec("  exemptions:", "    - images: []", "      reason: x"),
                        "bad.yaml:7:15: spec.exemptions[0].images: must not be empty (an exemption needs at least"
                                + " one image)"),
                bad("another apiVersion is refused",
                        "apiVersion: ecrgate.dev/v2\nkind: ImagePolicy\nmetadata:\n  name: bad\n",
                        "bad.yaml:1:13: apiVersion: unsupported apiVersion \"ecrgate.dev/v2\" (expected"
                                + " \"ecrgate.dev/v1\" or \"ecrgate.dev/v1alpha1\")"),
                bad("another kind is refused",
                        "apiVersion: ecrgate.dev/v1\nkind: Policy\nmetadata:\n  name: bad\n",
                        "bad.yaml:2:7: kind: unsupported kind \"Policy\" (expected \"ImagePolicy\" or"
                                + " \"ImageException\")"),
                bad("a document without apiVersion and name reports both",
                        "kind: ImagePolicy\nmetadata: {}\n",
                        "bad.yaml:1:1: apiVersion: required field is missing",
                        "bad.yaml:2:11: metadata.name: required field is missing"),
                bad("a name that is not a DNS subdomain is refused",
                        "apiVersion: ecrgate.dev/v1\nkind: ImagePolicy\nmetadata:\n  name: Team_Blue\n",
                        "bad.yaml:4:9: metadata.name: invalid name \"Team_Blue\" (expected a DNS-1123 subdomain:"
                                + " lower case letters, digits, '-' and '.', starting and ending with a letter or"
                                + " digit, at most 253 characters)"),
                bad("a document that is a list is refused",
                        "- apiVersion: ecrgate.dev/v1\n",
                        "bad.yaml:1:1: expected an ImagePolicy or ImageException document (a mapping), got a list"),
                badYamlOnly("a duplicate key is refused, naming the first",
                        spec("  mode: warn", "  mode: enforce"),
                        "bad.yaml:7:3: spec.mode: duplicate key \"mode\" (first at line 6)"),
                badYamlOnly("YAML anchors are refused",
                        spec("  namespaces: &teams [\"team-*\"]", "  excludeNamespaces: *teams"),
                        "bad.yaml:6:15: spec.namespaces: YAML anchors (&teams) are not allowed in policies"),
                badYamlOnly("a YAML syntax error is reported where the parser found it",
                        spec("  mode: [enforce", "  tags: {}"),
                        "bad.yaml:7:7: invalid YAML: while parsing a flow sequence: expected ',' or ']', but got"
                                + " :"));
    }
}
