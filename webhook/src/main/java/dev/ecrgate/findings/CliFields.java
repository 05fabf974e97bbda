package dev.ecrgate.findings;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ecrgate.text.OutsideText;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Typed reads of the fields of one recorded AWS CLI output: strings, objects, arrays, timestamps, scan states and
 * severity counts. A field that is there but wrong fails the load with a {@link FindingsLoadException} that names
 * the file and the field's path ({@code imageDetails[2].imagePushedAt}); a value from the file is shown in it only
 * through {@link OutsideText}. Stateless apart from the file's name; thread-safe.
 */
final class CliFields {
    private final Path file;

    CliFields(Path file) {
        this.file = file;
    }

    ScanStatus status(JsonNode imageScanStatus, String where) throws FindingsLoadException {
        String text = text(imageScanStatus, "status", where);
        return ScanStatus.parse(text).filter(s -> s != ScanStatus.NOT_FOUND).orElseThrow(() -> fail(
                join(where, "status"), OutsideText.quoted(text) + " is not a scan status ecrgate knows"));
    }

    Map<Severity, Integer> counts(JsonNode node, String where) throws FindingsLoadException {
        requireObject(node, where);
        Map<Severity, Integer> counts = new EnumMap<>(Severity.class);
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            JsonNode value = entry.getValue();
            if (!value.canConvertToExactIntegral() || !value.canConvertToInt() || value.asInt() < 0) {
                throw fail(join(where, entry.getKey()), "not a count: " + OutsideText.shown(value.toString(), OutsideText.QUOTED_LENGTH));
            }
            // several keys can name one severity ("HIGH", "high", unknown ones as UNDEFINED): their sum saturates
            // rather than overflowing into a negative count that no limit would catch
            counts.merge(Severity.parse(entry.getKey()), value.asInt(),
                    (a, b) -> (int) Math.min((long) a + b, Integer.MAX_VALUE));
        }
        return counts;
    }

    static Map<Severity, Integer> countsOf(List<Finding> findings) {
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
    Optional<Instant> timestamp(JsonNode parent, String field, String where) throws FindingsLoadException {
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

    static Instant epochSeconds(BigDecimal seconds) {
        BigDecimal whole = seconds.setScale(0, RoundingMode.FLOOR);
        int nanos = seconds.subtract(whole).movePointRight(9).setScale(0, RoundingMode.HALF_UP).intValueExact();
        return Instant.ofEpochSecond(whole.longValueExact(), nanos);
    }

    String text(JsonNode parent, String field, String where) throws FindingsLoadException {
        return optionalText(parent, field, where).orElseThrow(() -> fail(join(where, field), "missing"));
    }

    Optional<String> optionalText(JsonNode parent, String field, String where) throws FindingsLoadException {
        JsonNode node = parent.get(field);
        if (!present(node)) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw fail(join(where, field), "not a string: " + node);
        }
        return Optional.of(node.asText());
    }

    static Optional<String> optionalTextOrEmpty(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        return present(node) && node.isTextual() && !node.asText().isBlank() ? Optional.of(node.asText())
                : Optional.empty();
    }

    JsonNode object(JsonNode parent, String field, String where) throws FindingsLoadException {
        JsonNode node = parent.get(field);
        if (!present(node)) {
            throw fail(join(where, field), "missing");
        }
        requireObject(node, join(where, field));
        return node;
    }

    List<JsonNode> array(JsonNode parent, String field, String where) throws FindingsLoadException {
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

    void requireObject(JsonNode node, String where) throws FindingsLoadException {
        if (!node.isObject()) {
            throw fail(where, "not a JSON object");
        }
    }

    static boolean present(JsonNode node) {
        return node != null && !node.isNull() && !node.isMissingNode();
    }

    FindingsLoadException fail(String where, String problem) {
        return new FindingsLoadException(file, file + ": " + (where.isEmpty() ? "" : where + ": ") + problem);
    }

    static String join(String where, String field) {
        return where.isEmpty() ? field : where + "." + field;
    }

    static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.properties().forEach(entry -> names.add(entry.getKey()));
        return names;
    }
}
