package dev.ecrgate.findings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.ecrgate.findings.CliOutputReader.Scan;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads one {@code aws ecr describe-image-scan-findings} output: the scan state and, when the scan finished, its
 * findings, basic ({@code findings}) and enhanced ({@code enhancedFindings}, closed and suppressed ones left out),
 * with the severity counts, counted from the findings when the output has none.
 */
final class ScanFindingsReader {
    private final CliFields json;
    private final Optional<String> region;
    private final int order;

    /** A reader for outputs of one file, scoped to {@code region} by its directory, {@code order} in load order. */
    ScanFindingsReader(CliFields json, Optional<String> region, int order) {
        this.json = json;
        this.region = region;
        this.order = order;
    }

    /** The one {@code describe-image-scan-findings} output in {@code node}, at {@code where} in the file. */
    Scan read(JsonNode node, String where) throws FindingsLoadException {
        String account = json.text(node, "registryId", where);
        String repository = json.text(node, "repositoryName", where);
        JsonNode imageId = json.object(node, "imageId", where);
        String idWhere = CliFields.join(where, "imageId");
        Optional<String> digest = json.optionalText(imageId, "imageDigest", idWhere);
        Optional<String> tag = json.optionalText(imageId, "imageTag", idWhere);
        if (digest.isEmpty() && tag.isEmpty()) {
            throw json.fail(idWhere, "has neither imageDigest nor imageTag");
        }
        JsonNode status = json.object(node, "imageScanStatus", where);
        String statusWhere = CliFields.join(where, "imageScanStatus");
        ScanStatus scanStatus = json.status(status, statusWhere);
        Optional<String> description = json.optionalText(status, "description", statusWhere);

        Optional<Instant> completedAt = Optional.empty();
        Map<Severity, Integer> counts = Map.of();
        Optional<List<Finding>> findings = Optional.empty();
        JsonNode scanFindings = node.get("imageScanFindings");
        if (CliFields.present(scanFindings)) {
            String findingsWhere = CliFields.join(where, "imageScanFindings");
            json.requireObject(scanFindings, findingsWhere);
            completedAt = json.timestamp(scanFindings, "imageScanCompletedAt", findingsWhere);
            List<Finding> all = new ArrayList<>();
            basicFindings(scanFindings, findingsWhere, all);
            enhancedFindings(scanFindings, findingsWhere, all);
            findings = Optional.of(all);
            JsonNode countsNode = scanFindings.get("findingSeverityCounts");
            counts = CliFields.present(countsNode) ? json.counts(countsNode, CliFields.join(findingsWhere, "findingSeverityCounts"))
                    : CliFields.countsOf(all);
        }
        return new Scan(account, repository, region, digest, tag,
                new ScanResult(scanStatus, description, completedAt, counts, findings), order);
    }

    private void basicFindings(JsonNode scanFindings, String where, List<Finding> into)
            throws FindingsLoadException {
        List<JsonNode> list = json.array(scanFindings, "findings", where);
        for (int i = 0; i < list.size(); i++) {
            JsonNode finding = list.get(i);
            String at = CliFields.join(where, "findings") + "[" + i + "]";
            json.requireObject(finding, at);
            String packageName = "";
            String packageVersion = "";
            List<JsonNode> attributes = json.array(finding, "attributes", at);
            for (int a = 0; a < attributes.size(); a++) {
                JsonNode attribute = attributes.get(a);
                String attributeAt = CliFields.join(at, "attributes") + "[" + a + "]";
                json.requireObject(attribute, attributeAt);
                String key = json.optionalText(attribute, "key", attributeAt).orElse("");
                if (key.equals("package_name")) {
                    packageName = json.optionalText(attribute, "value", attributeAt).orElse("");
                } else if (key.equals("package_version")) {
                    packageVersion = json.optionalText(attribute, "value", attributeAt).orElse("");
                }
            }
            into.add(new Finding(json.text(finding, "name", at), Severity.parse(json.optionalText(finding, "severity", at)
                    .orElse(null)), packageName, packageVersion, Optional.empty(), FixAvailable.UNKNOWN, false));
        }
    }

    private void enhancedFindings(JsonNode scanFindings, String where, List<Finding> into)
            throws FindingsLoadException {
        List<JsonNode> list = json.array(scanFindings, "enhancedFindings", where);
        for (int i = 0; i < list.size(); i++) {
            JsonNode finding = list.get(i);
            String at = CliFields.join(where, "enhancedFindings") + "[" + i + "]";
            json.requireObject(finding, at);
            String status = json.optionalText(finding, "status", at).orElse("ACTIVE");
            if (status.equalsIgnoreCase("CLOSED") || status.equalsIgnoreCase("SUPPRESSED")) {
                continue;
            }
            String detailsAt = CliFields.join(at, "packageVulnerabilityDetails");
            JsonNode details = finding.get("packageVulnerabilityDetails");
            if (CliFields.present(details)) {
                json.requireObject(details, detailsAt);
            } else {
                details = MissingNode.getInstance();
            }
            Optional<String> id = json.optionalText(details, "vulnerabilityId", detailsAt)
                    .or(() -> CliFields.optionalTextOrEmpty(finding, "title"));
            if (id.isEmpty()) {
                throw json.fail(at, "has neither packageVulnerabilityDetails.vulnerabilityId nor title");
            }
            String packageName = "";
            String packageVersion = "";
            Optional<String> fixedIn = Optional.empty();
            List<JsonNode> packages = json.array(details, "vulnerablePackages", detailsAt);
            if (!packages.isEmpty()) {
                JsonNode first = packages.get(0);
                String packageAt = CliFields.join(detailsAt, "vulnerablePackages") + "[0]";
                json.requireObject(first, packageAt);
                packageName = json.optionalText(first, "name", packageAt).orElse("");
                packageVersion = json.optionalText(first, "version", packageAt).orElse("");
                fixedIn = json.optionalText(first, "fixedInVersion", packageAt)
                        .filter(v -> !v.isBlank() && !v.equals("NotAvailable"));
            }
            FixAvailable fix = json.optionalText(finding, "fixAvailable", at).map(ScanFindingsReader::fixAvailable)
                    .orElse(FixAvailable.UNKNOWN);
            into.add(new Finding(id.get(), Severity.parse(json.optionalText(finding, "severity", at).orElse(null)),
                    packageName, packageVersion, fixedIn, fix, true));
        }
    }

    static FixAvailable fixAvailable(String text) {
        return switch (text.trim().toUpperCase(Locale.ROOT)) {
            case "YES" -> FixAvailable.YES;
            case "NO" -> FixAvailable.NO;
            case "PARTIAL" -> FixAvailable.PARTIAL;
            default -> FixAvailable.UNKNOWN;
        };
    }
}
