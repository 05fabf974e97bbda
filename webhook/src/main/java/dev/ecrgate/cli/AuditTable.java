package dev.ecrgate.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.ecrgate.audit.AuditedReport;
import dev.ecrgate.audit.AuditedReport.Result;
import dev.ecrgate.audit.AuditedReport.Verdict;
import dev.ecrgate.audit.ReportResource;
import dev.ecrgate.text.OutsideText;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What {@code ecrgate audit} prints: the background audit's reports, once. Pure: the reports and the time in, text
 * out. Reports without results (no policy applies in the owner's namespace) are left out, as the audit writes no
 * Report for them, and counted in the summary.
 *
 * <p>{@link #text} is for people: one aligned row per owner, container image, policy and rule (NAMESPACE, OWNER,
 * CONTAINER, IMAGE, POLICY, RULE, RESULT, MESSAGE), the passes of one image folded into one row that names the
 * policies it passes (every pass on its own row when verbose), then a summary line. The message leaves out the
 * container and image its row already shows. {@link #json} is for scripts: an array of owners, each with the
 * {@code scope}, {@code summary} and {@code results} of the Report the audit keeps for it, field for field.
 */
final class AuditTable {
    static final List<String> HEADER = List.of("NAMESPACE", "OWNER", "CONTAINER", "IMAGE", "POLICY", "RULE",
            "RESULT", "MESSAGE");
    private static final String GAP = "  ";
    private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT)
            // ASCII only (other characters as \\u escapes): the bytes are right whatever the console's encoding
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII).disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET).build();

    private AuditTable() {
    }

    /** The table, or only the summary line when nothing is reported; every line ends with a newline. */
    static String text(List<AuditedReport> reports, boolean verbose) {
        List<List<String>> rows = new ArrayList<>();
        for (AuditedReport report : reports) {
            rows.addAll(rows(report, verbose));
        }
        StringBuilder out = new StringBuilder();
        if (!rows.isEmpty()) {
            rows.add(0, HEADER);
            int[] widths = new int[HEADER.size()];
            for (List<String> row : rows) {
                for (int i = 0; i < widths.length; i++) {
                    widths[i] = Math.max(widths[i], width(row.get(i)));
                }
            }
            for (List<String> row : rows) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < row.size(); i++) {
                    line.append(row.get(i));
                    if (i < row.size() - 1) {
                        line.append(" ".repeat(widths[i] - width(row.get(i)))).append(GAP);
                    }
                }
                out.append(line.toString().stripTrailing()).append('\n');
            }
            out.append('\n');
        }
        return out.append(summary(reports)).append('\n').toString();
    }

    /** The owners as JSON, results stamped with {@code now} as the Reports' are; ends with a newline. */
    static String json(List<AuditedReport> reports, Instant now) {
        List<Map<String, Object>> owners = new ArrayList<>();
        for (AuditedReport report : reports) {
            if (report.isEmpty()) {
                continue;
            }
            GenericKubernetesResource resource = ReportResource.of(report, now);
            Map<String, Object> owner = new LinkedHashMap<>();
            for (String field : List.of("scope", "summary", "results")) {
                owner.put(field, resource.getAdditionalProperties().get(field));
            }
            owners.add(owner);
        }
        try {
            return JSON.writeValueAsString(owners) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException("plain maps and strings always serialize", e);
        }
    }

    /**
     * {@code 3 owners, 1 failing; results: 4 pass, 1 fail, 1 warn, 0 error, 0 skip}, and how many owners are in
     * namespaces that no policy applies to, when there are some.
     */
    static String summary(List<AuditedReport> reports) {
        List<AuditedReport> reported = reports.stream().filter(r -> !r.isEmpty()).toList();
        Map<Verdict, Integer> counts = new EnumMap<>(Verdict.class);
        for (Verdict v : Verdict.values()) {
            counts.put(v, 0);
        }
        reported.forEach(r -> r.summary().forEach((v, n) -> counts.merge(v, n, Integer::sum)));
        long failing = reported.stream().filter(AuditedReport::failing).count();
        int unpoliced = reports.size() - reported.size();
        return reported.size() + (reported.size() == 1 ? " owner, " : " owners, ") + failing + " failing; results: "
                + counts.entrySet().stream().map(e -> e.getValue() + " " + e.getKey().wire())
                .collect(Collectors.joining(", "))
                + (unpoliced == 0 ? "" : "; " + unpoliced + (unpoliced == 1 ? " owner" : " owners")
                + " where no policy applies");
    }

    /** The rows of one owner, in its results' order; a folded pass row stands where the image's first pass was. */
    static List<List<String>> rows(AuditedReport report, boolean verbose) {
        String namespace = OutsideText.shown(report.owner().namespace());
        String owner = OutsideText.shown(report.owner().kind() + "/" + report.owner().name());
        Map<List<String>, List<Result>> passes = new LinkedHashMap<>();
        if (!verbose) {
            for (Result r : report.results()) {
                if (r.verdict() == Verdict.PASS) {
                    passes.computeIfAbsent(image(r), k -> new ArrayList<>()).add(r);
                }
            }
        }
        List<List<String>> rows = new ArrayList<>();
        for (Result r : report.results()) {
            List<String> image = image(r);
            if (r.verdict() == Verdict.PASS && !verbose) {
                List<Result> folded = passes.remove(image);
                if (folded != null) {
                    rows.add(row(namespace, owner, image, folded.stream().map(p -> OutsideText.shown(p.policy()))
                            .collect(Collectors.joining(",")), r));
                }
            } else {
                rows.add(row(namespace, owner, image, OutsideText.shown(r.policy()), r));
            }
        }
        return rows;
    }

    private static List<String> row(String namespace, String owner, List<String> image, String policies, Result r) {
        return List.of(namespace, owner, image.get(0), image.get(1), policies, r.rule().isEmpty() ? "-"
                : OutsideText.shown(r.rule()), r.verdict().wire(), OutsideText.shown(detail(r), Integer.MAX_VALUE));
    }

    /** The container and image of a result, as its properties show them. */
    private static List<String> image(Result r) {
        return List.of(OutsideText.shown(r.properties().getOrDefault("container", "-")),
                OutsideText.shown(r.properties().getOrDefault("image", "-")));
    }

    /**
     * The message without the {@code container "api" image IMAGE (digest ...): } it starts with: the row shows
     * both, and what is left is what is wrong and what to do. A message of another shape is shown whole.
     */
    static String detail(Result r) {
        String message = r.message();
        String image = r.properties().get("image");
        int at = image == null ? -1 : message.indexOf(" image " + image);
        if (at >= 0) {
            int colon = message.indexOf(": ", at + " image ".length() + image.length());
            if (colon >= 0) {
                return message.substring(colon + 2);
            }
        }
        return message;
    }

    private static int width(String text) {
        return text.codePointCount(0, text.length());
    }
}
