package dev.ecrgate.findings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.ecrgate.image.EcrRegistry;
import dev.ecrgate.text.OutsideText;
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
    private static final String KINDS = "describe-image-scan-findings, describe-images, describe-repositories or"
            + " batch-get-image";

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

    /** One image index of {@code batch-get-image}'s {@code images} (single-image manifests are not kept). */
    record Index(String account, String repository, Optional<String> region, String digest, ImageIndex index,
                 int order) {
    }

    /** Everything one file held. */
    record Contents(List<Scan> scans, List<Image> images, List<Repository> repositories, List<Index> indexes) {
    }

    private final Path file;
    private final CliFields json;
    private final Optional<String> region;
    private final int order;
    private final List<Scan> scans = new ArrayList<>();
    private final List<Image> images = new ArrayList<>();
    private final List<Repository> repositories = new ArrayList<>();
    private final List<Index> indexes = new ArrayList<>();

    private CliOutputReader(Path file, Optional<String> region, int order) {
        this.file = file;
        this.json = new CliFields(file);
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
        return new Contents(List.copyOf(reader.scans), List.copyOf(reader.images), List.copyOf(reader.repositories),
                List.copyOf(reader.indexes));
    }

    private void output(JsonNode node, String where) throws FindingsLoadException {
        if (node.has("imageDetails")) {
            describeImages(node, where);
        } else if (node.has("repositories")) {
            describeRepositories(node, where);
        } else if (node.has("images") && node.has("failures")) {
            batchGetImage(node, where);
        } else if (node.has("imageScanStatus") || node.has("imageScanFindings")) {
            scans.add(new ScanFindingsReader(json, region, order).read(node, where));
        } else {
            String shape = node.isObject() ? "top-level keys: " + String.join(", ", CliFields.names(node))
                    : "a JSON " + node.getNodeType().name().toLowerCase(Locale.ROOT);
            throw new FindingsLoadException(file, file + ": " + (where.isEmpty() ? "" : where + ": ")
                    + "not the output of " + KINDS + " (" + shape + ")");
        }
    }

    private void describeImages(JsonNode node, String where) throws FindingsLoadException {
        List<JsonNode> details = json.array(node, "imageDetails", where);
        for (int i = 0; i < details.size(); i++) {
            JsonNode image = details.get(i);
            String at = CliFields.join(where, "imageDetails") + "[" + i + "]";
            json.requireObject(image, at);
            List<String> tags = new ArrayList<>();
            List<JsonNode> tagNodes = json.array(image, "imageTags", at);
            for (int t = 0; t < tagNodes.size(); t++) {
                if (!tagNodes.get(t).isTextual()) {
                    throw json.fail(CliFields.join(at, "imageTags") + "[" + t + "]", "not a string");
                }
                tags.add(tagNodes.get(t).asText());
            }
            Optional<ScanResult> scan = Optional.empty();
            JsonNode status = image.get("imageScanStatus");
            JsonNode summary = image.get("imageScanFindingsSummary");
            if (CliFields.present(status)) {
                String statusAt = CliFields.join(at, "imageScanStatus");
                json.requireObject(status, statusAt);
                Optional<Instant> completedAt = Optional.empty();
                Map<Severity, Integer> counts = Map.of();
                if (CliFields.present(summary)) {
                    String summaryAt = CliFields.join(at, "imageScanFindingsSummary");
                    json.requireObject(summary, summaryAt);
                    completedAt = json.timestamp(summary, "imageScanCompletedAt", summaryAt);
                    JsonNode countsNode = summary.get("findingSeverityCounts");
                    if (CliFields.present(countsNode)) {
                        counts = json.counts(countsNode, CliFields.join(summaryAt, "findingSeverityCounts"));
                    }
                }
                scan = Optional.of(new ScanResult(json.status(status, statusAt),
                        json.optionalText(status, "description", statusAt), completedAt, counts, Optional.empty()));
            } else if (CliFields.present(summary)) {
                throw json.fail(CliFields.join(at, "imageScanFindingsSummary"), "present without imageScanStatus");
            }
            images.add(new Image(json.text(image, "registryId", at), json.text(image, "repositoryName", at), region,
                    json.text(image, "imageDigest", at), List.copyOf(tags), json.timestamp(image, "imagePushedAt", at), scan,
                    order));
        }
    }

    private void describeRepositories(JsonNode node, String where) throws FindingsLoadException {
        List<JsonNode> list = json.array(node, "repositories", where);
        for (int i = 0; i < list.size(); i++) {
            JsonNode repository = list.get(i);
            String at = CliFields.join(where, "repositories") + "[" + i + "]";
            json.requireObject(repository, at);
            Optional<String[]> arn = json.optionalText(repository, "repositoryArn", at).map(a -> a.split(":", 6))
                    .filter(parts -> parts.length == 6 && parts[0].equals("arn"));
            Optional<String> account = json.optionalText(repository, "registryId", at)
                    .or(() -> arn.map(parts -> parts[4]).filter(a -> !a.isEmpty()));
            if (account.isEmpty()) {
                throw json.fail(CliFields.join(at, "registryId"), "missing");
            }
            Optional<String> repositoryRegion = arn.map(parts -> parts[3]).filter(EcrRegistry::isRegion)
                    .or(() -> CliFields.optionalTextOrEmpty(repository, "repositoryUri")
                            .flatMap(CliOutputReader::regionOfUri))
                    .or(() -> region);
            String mutabilityText = json.text(repository, "imageTagMutability", at);
            TagMutability mutability = TagMutability.parse(mutabilityText).orElseThrow(() -> json.fail(
                    CliFields.join(at, "imageTagMutability"), OutsideText.quoted(mutabilityText) + " is not one of "
                            + Arrays.toString(TagMutability.values())));
            List<String> filters = new ArrayList<>();
            List<JsonNode> filterNodes = json.array(repository, "imageTagMutabilityExclusionFilters", at);
            for (int f = 0; f < filterNodes.size(); f++) {
                JsonNode filter = filterNodes.get(f);
                String filterAt = CliFields.join(at, "imageTagMutabilityExclusionFilters") + "[" + f + "]";
                json.requireObject(filter, filterAt);
                String type = json.optionalText(filter, "filterType", filterAt).orElse("WILDCARD");
                if (!type.equals("WILDCARD")) {
                    throw json.fail(CliFields.join(filterAt, "filterType"), OutsideText.quoted(type) + " is not WILDCARD");
                }
                filters.add(json.text(filter, "filter", filterAt));
            }
            repositories.add(new Repository(account.get(), json.text(repository, "repositoryName", at), repositoryRegion,
                    new RepositoryFacts(mutability, filters), order));
        }
    }

    private void batchGetImage(JsonNode node, String where) throws FindingsLoadException {
        List<JsonNode> list = json.array(node, "images", where);
        for (int i = 0; i < list.size(); i++) {
            JsonNode image = list.get(i);
            String at = CliFields.join(where, "images") + "[" + i + "]";
            json.requireObject(image, at);
            JsonNode id = image.get("imageId");
            String idAt = CliFields.join(at, "imageId");
            json.requireObject(id, idAt);
            String digest = json.text(id, "imageDigest", idAt);
            String manifest = json.text(image, "imageManifest", at);
            Optional<String> mediaType = json.optionalText(image, "imageManifestMediaType", at);
            Optional<ImageIndex> index;
            try {
                index = ImageIndex.parse(manifest, mediaType.orElse(null));
            } catch (IllegalArgumentException e) {
                throw json.fail(CliFields.join(at, "imageManifest"), e.getMessage());
            }
            if (index.isPresent()) {
                indexes.add(new Index(json.text(image, "registryId", at), json.text(image, "repositoryName", at),
                        region, digest, index.get(), order));
            }
        }
    }

    /**
     * The region of a repository URI such as {@code 111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/api}, when
     * its host is a private ECR registry's as {@link EcrRegistry#fromHost} recognises it.
     */
    private static Optional<String> regionOfUri(String uri) {
        int slash = uri.indexOf('/');
        return EcrRegistry.fromHost(slash < 0 ? uri : uri.substring(0, slash)).map(EcrRegistry::region);
    }
}
