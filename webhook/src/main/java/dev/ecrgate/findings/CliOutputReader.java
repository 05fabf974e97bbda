package dev.ecrgate.findings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads the JSON of one recorded AWS CLI command into the facts it holds. The kind of output is told by its top-level
 * keys. Fields ecrgate uses are checked and a wrong one fails the load, naming the field; every other field is
 * ignored, because AWS adds fields over time.
 */
final class CliOutputReader {
    /** An AWS region name, such as {@code us-east-1}, {@code us-gov-west-1} or {@code eu-isoe-west-1}. */
    static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d+");

    private static final String KINDS = "describe-image-scan-findings, describe-images or describe-repositories";

    /** One {@code describe-image-scan-findings} output. {@code digest} or {@code tag} (or both) is present. */
    record Scan(String account, String repository, Optional<String> region, Optional<String> digest,
                Optional<String> tag, ScanResult result, int order) {
    }

    /** One entry of {@code describe-images}' {@code imageDetails}; {@code scan} holds the summary only. */
    record Image(String account, String repository, Optional<String> region, String digest, List<String> tags,
                 Optional<Instant> pushedAt, Optional<ScanResult> scan, int order) {
    }

    /** One entry of {@code describe-repositories}' {@code repositories}. */
    record Repository(String account, String repository, Optional<String> region, RepositoryFacts facts, int order) {
    }

    /** Everything one file held. */
    record Contents(List<Scan> scans, List<Image> images, List<Repository> repositories) {
    }

    private final Path file;
    private final Optional<String> region;
    private final int order;
    private final List<Scan> scans = new ArrayList<>();
    private final List<Image> images = new ArrayList<>();
    private final List<Repository> repositories = new ArrayList<>();

    private CliOutputReader(Path file, Optional<String> region, int order) {
        this.file = file;
        this.region = region;
        this.order = order;
    }

    /**
     * The facts in {@code root}, the JSON of {@code file}: one command's output, or a JSON array of several.
     *
     * @param region the region the file is scoped to by its directory, if any
     * @param order  the file's place in load order, later files having larger numbers
     */
    static Contents read(Path file, JsonNode root, Optional<String> region, int order) throws FindingsLoadException {
        CliOutputReader reader = new CliOutputReader(file, region, order);
        if (root.isArray()) {
            for (int i = 0; i < root.size(); i++) {
                reader.output(root.get(i), "[" + i + "]");
            }
        } else {
            reader.output(root, "");
        }
        return new Contents(List.copyOf(reader.scans), List.copyOf(reader.images), List.copyOf(reader.repositories));
    }

    private void output(JsonNode node, String where) throws FindingsLoadException {
        if (node.has("imageDetails")) {
            describeImages(node, where);
        } else if (node.has("repositories")) {
            describeRepositories(node, where);
        } else if (node.has("imageScanStatus") || node.has("imageScanFindings")) {
            describeImageScanFindings(node, where);
        } else {
            String shape = node.isObject() ? "top-level keys: " + String.join(", ", names(node))
                    : "a JSON " + node.getNodeType().name().toLowerCase(Locale.ROOT);
            throw new FindingsLoadException(file, file + ": " + (where.isEmpty() ? "" : where + ": ")
                    + "not the output of " + KINDS + " (" + shape + ")");
        }
    }

    private void describeImageScanFindings(JsonNode node, String where) throws FindingsLoadException {
        String account = text(node, "registryId", where);
        String repository = text(node, "repositoryName", where);
        JsonNode imageId = object(node, "imageId", where);
        String idWhere = join(where, "imageId");
        Optional<String> digest = optionalText(imageId, "imageDigest", idWhere);
        Optional<String> tag = optionalText(imageId, "imageTag", idWhere);
        if (digest.isEmpty() && tag.isEmpty()) {
            throw fail(idWhere, "has neither imageDigest nor imageTag");
        }
        JsonNode status = object(node, "imageScanStatus", where);
        String statusWhere = join(where, "imageScanStatus");
        ScanStatus scanStatus = status(status, statusWhere);
        Optional<String> description = optionalText(status, "description", statusWhere);

        Optional<Instant> completedAt = Optional.empty();
        Map<Severity, Integer> counts = Map.of();
        Optional<List<Finding>> findings = Optional.empty();
        JsonNode scanFindings = node.get("imageScanFindings");
        if (present(scanFindings)) {
            String findingsWhere = join(where, "imageScanFindings");
            requireObject(scanFindings, findingsWhere);
            completedAt = timestamp(scanFindings, "imageScanCompletedAt", findingsWhere);
            List<Finding> all = new ArrayList<>();
            basicFindings(scanFindings, findingsWhere, all);
            enhancedFindings(scanFindings, findingsWhere, all);
            findings = Optional.of(all);
            JsonNode countsNode = scanFindings.get("findingSeverityCounts");
            counts = present(countsNode) ? counts(countsNode, join(findingsWhere, "findingSeverityCounts"))
                    : countsOf(all);
        }
        scans.add(new Scan(account, repository, region, digest, tag,
                new ScanResult(scanStatus, description, completedAt, counts, findings), order));
    }

    private void basicFindings(JsonNode scanFindings, String where, List<Finding> into)
            throws FindingsLoadException {
        List<JsonNode> list = array(scanFindings, "findings", where);
        for (int i = 0; i < list.size(); i++) {
            JsonNode finding = list.get(i);
            String at = join(where, "findings") + "[" + i + "]";
            requireObject(finding, at);
            String packageName = "";
            String packageVersion = "";
            List<JsonNode> attributes = array(finding, "attributes", at);
            for (int a = 0; a < attributes.size(); a++) {
                JsonNode attribute = attributes.get(a);
                String attributeAt = join(at, "attributes") + "[" + a + "]";
                requireObject(attribute, attributeAt);
                String key = optionalText(attribute, "key", attributeAt).orElse("");
                if (key.equals("package_name")) {
                    packageName = optionalText(attribute, "value", attributeAt).orElse("");
                } else if (key.equals("package_version")) {
                    packageVersion = optionalText(attribute, "value", attributeAt).orElse("");
                }
            }
            into.add(new Finding(text(finding, "name", at), Severity.parse(optionalText(finding, "severity", at)
                    .orElse(null)), packageName, packageVersion, Optional.empty(), FixAvailable.UNKNOWN, false));
        }
    }

    private void enhancedFindings(JsonNode scanFindings, String where, List<Finding> into)
            throws FindingsLoadException {
        List<JsonNode> list = array(scanFindings, "enhancedFindings", where);
        for (int i = 0; i < list.size(); i++) {
            JsonNode finding = list.get(i);
            String at = join(where, "enhancedFindings") + "[" + i + "]";
            requireObject(finding, at);
            String status = optionalText(finding, "status", at).orElse("ACTIVE");
            if (status.equalsIgnoreCase("CLOSED") || status.equalsIgnoreCase("SUPPRESSED")) {
                continue;
            }
            String detailsAt = join(at, "packageVulnerabilityDetails");
            JsonNode details = finding.get("packageVulnerabilityDetails");
            if (present(details)) {
                requireObject(details, detailsAt);
            } else {
                details = MissingNode.getInstance();
            }
            Optional<String> id = optionalText(details, "vulnerabilityId", detailsAt)
                    .or(() -> optionalTextOrEmpty(finding, "title"));
            if (id.isEmpty()) {
                throw fail(at, "has neither packageVulnerabilityDetails.vulnerabilityId nor title");
            }
            String packageName = "";
            String packageVersion = "";
            Optional<String> fixedIn = Optional.empty();
            List<JsonNode> packages = array(details, "vulnerablePackages", detailsAt);
            if (!packages.isEmpty()) {
                JsonNode first = packages.get(0);
                String packageAt = join(detailsAt, "vulnerablePackages") + "[0]";
                requireObject(first, packageAt);
                packageName = optionalText(first, "name", packageAt).orElse("");
                packageVersion = optionalText(first, "version", packageAt).orElse("");
                fixedIn = optionalText(first, "fixedInVersion", packageAt)
                        .filter(v -> !v.isBlank() && !v.equals("NotAvailable"));
            }
            FixAvailable fix = optionalText(finding, "fixAvailable", at).map(CliOutputReader::fixAvailable)
                    .orElse(FixAvailable.UNKNOWN);
            into.add(new Finding(id.get(), Severity.parse(optionalText(finding, "severity", at).orElse(null)),
                    packageName, packageVersion, fixedIn, fix, true));
        }
    }

    private void describeImages(JsonNode node, String where) throws FindingsLoadException {
        List<JsonNode> details = array(node, "imageDetails", where);
        for (int i = 0; i < details.size(); i++) {
            JsonNode image = details.get(i);
            String at = join(where, "imageDetails") + "[" + i + "]";
            requireObject(image, at);
            List<String> tags = new ArrayList<>();
            List<JsonNode> tagNodes = array(image, "imageTags", at);
            for (int t = 0; t < tagNodes.size(); t++) {
                if (!tagNodes.get(t).isTextual()) {
                    throw fail(join(at, "imageTags") + "[" + t + "]", "not a string");
                }
                tags.add(tagNodes.get(t).asText());
            }
            Optional<ScanResult> scan = Optional.empty();
            JsonNode status = image.get("imageScanStatus");
            JsonNode summary = image.get("imageScanFindingsSummary");
            if (present(status)) {
                String statusAt = join(at, "imageScanStatus");
                requireObject(status, statusAt);
                Optional<Instant> completedAt = Optional.empty();
                Map<Severity, Integer> counts = Map.of();
                if (present(summary)) {
                    String summaryAt = join(at, "imageScanFindingsSummary");
                    requireObject(summary, summaryAt);
                    completedAt = timestamp(summary, "imageScanCompletedAt", summaryAt);
                    JsonNode countsNode = summary.get("findingSeverityCounts");
                    if (present(countsNode)) {
                        counts = counts(countsNode, join(summaryAt, "findingSeverityCounts"));
                    }
                }
                scan = Optional.of(new ScanResult(status(status, statusAt),
                        optionalText(status, "description", statusAt), completedAt, counts, Optional.empty()));
            } else if (present(summary)) {
                throw fail(join(at, "imageScanFindingsSummary"), "present without imageScanStatus");
            }
            images.add(new Image(text(image, "registryId", at), text(image, "repositoryName", at), region,
                    text(image, "imageDigest", at), List.copyOf(tags), timestamp(image, "imagePushedAt", at), scan,
                    order));
        }
    }

    private void describeRepositories(JsonNode node, String where) throws FindingsLoadException {
        List<JsonNode> list = array(node, "repositories", where);
        for (int i = 0; i < list.size(); i++) {
            JsonNode repository = list.get(i);
            String at = join(where, "repositories") + "[" + i + "]";
            requireObject(repository, at);
            Optional<String[]> arn = optionalText(repository, "repositoryArn", at).map(a -> a.split(":", 6))
                    .filter(parts -> parts.length == 6 && parts[0].equals("arn"));
            Optional<String> account = optionalText(repository, "registryId", at)
                    .or(() -> arn.map(parts -> parts[4]).filter(a -> !a.isEmpty()));
            if (account.isEmpty()) {
                throw fail(join(at, "registryId"), "missing");
            }
            Optional<String> repositoryRegion = arn.map(parts -> parts[3]).filter(r -> REGION.matcher(r).matches())
                    .or(() -> optionalTextOrEmpty(repository, "repositoryUri").flatMap(CliOutputReader::regionOfUri))
                    .or(() -> region);
            String mutabilityText = text(repository, "imageTagMutability", at);
            TagMutability mutability = TagMutability.parse(mutabilityText).orElseThrow(() -> fail(
                    join(at, "imageTagMutability"), "\"" + mutabilityText + "\" is not one of "
                            + Arrays.toString(TagMutability.values())));
            List<String> filters = new ArrayList<>();
            List<JsonNode> filterNodes = array(repository, "imageTagMutabilityExclusionFilters", at);
            for (int f = 0; f < filterNodes.size(); f++) {
                JsonNode filter = filterNodes.get(f);
                String filterAt = join(at, "imageTagMutabilityExclusionFilters") + "[" + f + "]";
                requireObject(filter, filterAt);
                String type = optionalText(filter, "filterType", filterAt).orElse("WILDCARD");
                if (!type.equals("WILDCARD")) {
                    throw fail(join(filterAt, "filterType"), "\"" + type + "\" is not WILDCARD");
                }
                filters.add(text(filter, "filter", filterAt));
            }
            repositories.add(new Repository(account.get(), text(repository, "repositoryName", at), repositoryRegion,
                    new RepositoryFacts(mutability, filters), order));
        }
    }

    /** The region of a repository URI such as {@code 111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/api}. */
    private static Optional<String> regionOfUri(String uri) {
        int slash = uri.indexOf('/');
        String host = slash < 0 ? uri : uri.substring(0, slash);
        String[] labels = host.split("\\.");
        for (int i = 1; i < labels.length; i++) {
            if (REGION.matcher(labels[i]).matches()) {
                return Optional.of(labels[i]);
            }
        }
        return Optional.empty();
    }

    private static FixAvailable fixAvailable(String text) {
        return switch (text.trim().toUpperCase(Locale.ROOT)) {
            case "YES" -> FixAvailable.YES;
            case "NO" -> FixAvailable.NO;
            case "PARTIAL" -> FixAvailable.PARTIAL;
            default -> FixAvailable.UNKNOWN;
        };
    }

    private ScanStatus status(JsonNode imageScanStatus, String where) throws FindingsLoadException {
        String text = text(imageScanStatus, "status", where);
        return ScanStatus.parse(text).filter(s -> s != ScanStatus.NOT_FOUND).orElseThrow(() -> fail(
                join(where, "status"), "\"" + text + "\" is not a scan status ecrgate knows"));
    }

    private Map<Severity, Integer> counts(JsonNode node, String where) throws FindingsLoadException {
        requireObject(node, where);
        Map<Severity, Integer> counts = new EnumMap<>(Severity.class);
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            JsonNode value = entry.getValue();
            if (!value.canConvertToExactIntegral() || !value.canConvertToInt() || value.asInt() < 0) {
                throw fail(join(where, entry.getKey()), "not a count: " + value);
            }
            // several keys can name one severity ("HIGH", "high", unknown ones as UNDEFINED): their sum saturates
            // rather than overflowing into a negative count that no limit would catch
            counts.merge(Severity.parse(entry.getKey()), value.asInt(),
                    (a, b) -> (int) Math.min((long) a + b, Integer.MAX_VALUE));
        }
        return counts;
    }

    private static Map<Severity, Integer> countsOf(List<Finding> findings) {
        Map<Severity, Integer> counts = new EnumMap<>(Severity.class);
        for (Finding finding : findings) {
            counts.merge(finding.severity(), 1, Integer::sum);
        }
        return counts;
    }

    /**
     * The timestamp in {@code parent.field}: ISO-8601 with an offset ({@code 2024-05-01T10:00:00Z},
     * {@code 2024-05-01T10:00:00.123000+00:00}) or epoch seconds, possibly fractional, as a number or a string.
     */
    private Optional<Instant> timestamp(JsonNode parent, String field, String where) throws FindingsLoadException {
        JsonNode node = parent.get(field);
        if (!present(node)) {
            return Optional.empty();
        }
        try {
            if (node.isNumber()) {
                return Optional.of(epochSeconds(node.decimalValue()));
            }
            if (node.isTextual()) {
                String text = node.asText().trim();
                if (text.matches("-?\\d+(\\.\\d+)?")) {
                    return Optional.of(epochSeconds(new BigDecimal(text)));
                }
                return Optional.of(OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant());
            }
        } catch (DateTimeException | ArithmeticException e) {
            // reported below
        }
        throw fail(join(where, field), "not a timestamp (ISO-8601 with an offset, or epoch seconds): " + node);
    }

    private static Instant epochSeconds(BigDecimal seconds) {
        BigDecimal whole = seconds.setScale(0, RoundingMode.FLOOR);
        int nanos = seconds.subtract(whole).movePointRight(9).setScale(0, RoundingMode.HALF_UP).intValueExact();
        return Instant.ofEpochSecond(whole.longValueExact(), nanos);
    }

    private String text(JsonNode parent, String field, String where) throws FindingsLoadException {
        return optionalText(parent, field, where).orElseThrow(() -> fail(join(where, field), "missing"));
    }

    private Optional<String> optionalText(JsonNode parent, String field, String where) throws FindingsLoadException {
        JsonNode node = parent.get(field);
        if (!present(node)) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw fail(join(where, field), "not a string: " + node);
        }
        return Optional.of(node.asText());
    }

    private static Optional<String> optionalTextOrEmpty(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        return present(node) && node.isTextual() && !node.asText().isBlank() ? Optional.of(node.asText())
                : Optional.empty();
    }

    private JsonNode object(JsonNode parent, String field, String where) throws FindingsLoadException {
        JsonNode node = parent.get(field);
        if (!present(node)) {
            throw fail(join(where, field), "missing");
        }
        requireObject(node, join(where, field));
        return node;
    }

    private List<JsonNode> array(JsonNode parent, String field, String where) throws FindingsLoadException {
        JsonNode node = parent.get(field);
        if (!present(node)) {
            return List.of();
        }
        if (!node.isArray()) {
            throw fail(join(where, field), "not a JSON array");
        }
        List<JsonNode> list = new ArrayList<>(node.size());
        node.forEach(list::add);
        return list;
    }

    private void requireObject(JsonNode node, String where) throws FindingsLoadException {
        if (!node.isObject()) {
            throw fail(where, "not a JSON object");
        }
    }

    private static boolean present(JsonNode node) {
        return node != null && !node.isNull() && !node.isMissingNode();
    }

    private FindingsLoadException fail(String where, String problem) {
        return new FindingsLoadException(file, file + ": " + (where.isEmpty() ? "" : where + ": ") + problem);
    }

    private static String join(String where, String field) {
        return where.isEmpty() ? field : where + "." + field;
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.properties().forEach(entry -> names.add(entry.getKey()));
        return names;
    }
}
