package dev.ecrgate.cli.check;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import dev.ecrgate.admission.ContainerImage;
import dev.ecrgate.findings.Finding;
import dev.ecrgate.findings.FixAvailable;
import dev.ecrgate.policy.Decision;
import dev.ecrgate.policy.Rule;
import dev.ecrgate.policy.Violation;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * For code scanning (GitHub's {@code upload-sarif}): SARIF 2.1.0 with one rule per policy field ecrgate enforces
 * ({@code vulnerabilities.maxCounts}, {@code tags.deny}, ...) and one result per violation: level {@code error} for
 * a denial, {@code warning} for a warning, {@code note} for audit only, located at the container's {@code image:}
 * line in the manifest (or the object's first line when it is not found), so the result shows inline in a pull
 * request.
 */
final class SarifReport {
    static final String SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

    /** Every rule field, in the order of {@link Rule}, with what it asks for. */
    private static final Map<String, String> RULES = rules();

    private SarifReport() {
    }

    private static Map<String, String> rules() {
        Map<String, String> d = new LinkedHashMap<>();
        for (Rule r : Rule.values()) {
            d.putIfAbsent(r.field(), switch (r) {
                case INVALID_REFERENCE -> "The image reference must be valid";
                case REGISTRY -> "Images must come from an allowed Amazon ECR registry";
                case OTHER_REGISTRY -> "Images from registries other than private Amazon ECR";
                case REPOSITORY -> "The ECR repository must be one the policy allows";
                case TAG_DENIED -> "The image tag must not be a denied tag";
                case DIGEST_REQUIRED -> "The image must be pinned by digest";
                case IMMUTABLE_OR_DIGEST -> "The tag must be immutable in ECR, or the image pinned by digest";
                case TAG_PATTERN -> "The tag must match an allowed pattern";
                case SCAN_STATUS -> "The image must have a usable ECR scan";
                case SCAN_AGE -> "The image's scan must be recent enough";
                case VULNERABILITIES -> "Vulnerability counts must be within the policy's limits";
                case PLATFORMS -> "An image index must have an image for each platform the policy requires";
                case EXPIRED_IGNORE, SUMMARY_ONLY -> "Ignored vulnerabilities: expired entries, or a scan summary"
                        + " they could not be applied to";
                case EXPIRED_EXEMPTION -> "Exemptions that have expired";
                case LOOKUP_FAILED -> "The facts a rule needs must be readable from ECR in time";
                case STALE_FACTS -> "ECR facts that could not be refreshed";
            });
        }
        return d;
    }

    static void write(List<Checked> checked, Writer out) throws IOException {
        List<String> ruleIds = new ArrayList<>(RULES.keySet());
        // ASCII only (other characters as \\u escapes): the bytes are right whatever the console's encoding
        try (JsonGenerator g = JsonFactory.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build()
                .createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.setPrettyPrinter(new DefaultPrettyPrinter());
            g.writeStartObject();
            g.writeStringField("$schema", SCHEMA);
            g.writeStringField("version", "2.1.0");
            g.writeArrayFieldStart("runs");
            g.writeStartObject();
            g.writeObjectFieldStart("tool");
            g.writeObjectFieldStart("driver");
            g.writeStringField("name", "ecrgate");
            String version = SarifReport.class.getPackage().getImplementationVersion();
            if (version != null) {
                g.writeStringField("version", version);
            }
            g.writeArrayFieldStart("rules");
            for (Map.Entry<String, String> r : RULES.entrySet()) {
                g.writeStartObject();
                g.writeStringField("id", r.getKey());
                g.writeStringField("name", ruleName(r.getKey()));
                g.writeObjectFieldStart("shortDescription");
                g.writeStringField("text", r.getValue());
                g.writeEndObject();
                g.writeObjectFieldStart("fullDescription");
                g.writeStringField("text", r.getValue() + " (ImagePolicy spec." + r.getKey() + ").");
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndObject();
            g.writeArrayFieldStart("results");
            for (Checked c : checked) {
                for (Violation v : c.decision().map(Decision::violations).orElse(List.of())) {
                    result(g, c, v, ruleIds.indexOf(v.rule().field()));
                }
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        }
        out.write("\n");
    }

    private static void result(JsonGenerator g, Checked c, Violation v, int ruleIndex) throws IOException {
        Manifest m = c.manifest();
        ContainerImage container = v.container();
        g.writeStartObject();
        g.writeStringField("ruleId", v.rule().field());
        g.writeNumberField("ruleIndex", ruleIndex);
        g.writeStringField("level", switch (v.effect()) {
            case DENY -> "error";
            case WARN -> "warning";
            case AUDIT -> "note";
        });
        g.writeObjectFieldStart("message");
        g.writeStringField("text", text(c, v));
        g.writeEndObject();
        g.writeArrayFieldStart("locations");
        g.writeStartObject();
        g.writeObjectFieldStart("physicalLocation");
        g.writeObjectFieldStart("artifactLocation");
        g.writeStringField("uri", uri(m.file()));
        if (!m.file().startsWith("/")) {
            g.writeStringField("uriBaseId", "%SRCROOT%");
        }
        g.writeEndObject();
        g.writeObjectFieldStart("region");
        g.writeNumberField("startLine", m.imageLine(container.kind(), container.containerName()));
        g.writeEndObject();
        g.writeEndObject();
        g.writeEndObject();
        g.writeEndArray();
        g.writeObjectFieldStart("properties");
        g.writeStringField("policy", v.policy());
        g.writeStringField("effect", v.effect().name().toLowerCase(Locale.ROOT));
        g.writeStringField("resource", c.title());
        g.writeStringField("container", container.containerName());
        g.writeStringField("image", container.image());
        g.writeEndObject();
        g.writeEndObject();
    }

    /** {@code [baseline] Pod team-blue/web, container "web" image ...: detail}, then the worst findings and the hint. */
    private static String text(Checked c, Violation v) {
        ContainerImage container = v.container();
        String list = switch (container.kind()) {
            case CONTAINER -> "container";
            case INIT_CONTAINER -> "init container";
            case EPHEMERAL_CONTAINER -> "ephemeral container";
        };
        StringBuilder b = new StringBuilder()
                .append('[').append(v.policy()).append("] ").append(c.title()).append(", ").append(list)
                .append(" \"").append(container.containerName()).append("\" image ").append(container.image())
                .append(": ").append(v.detail());
        if (!v.worst().isEmpty()) {
            b.append("\nworst: ").append(v.worst().stream().map(SarifReport::finding).collect(Collectors.joining("; ")));
        }
        v.hint().ifPresent(h -> b.append("\nnext: ").append(h));
        return b.toString();
    }

    /** As the webhook's message writes a finding: {@code CVE-2024-3094 CRITICAL xz-utils 5.6.0, fixed in 5.6.1}. */
    private static String finding(Finding f) {
        StringBuilder b = new StringBuilder(f.id()).append(' ').append(f.severity());
        if (!f.packageName().isEmpty()) {
            b.append(' ').append(f.packageName());
            if (!f.packageVersion().isEmpty()) {
                b.append(' ').append(f.packageVersion());
            }
        }
        if (f.fixedInVersion().isPresent()) {
            b.append(", fixed in ").append(f.fixedInVersion().get());
        } else if (f.fixAvailable() == FixAvailable.NO) {
            b.append(", no fix yet");
        }
        return b.toString();
    }

    /** {@code tags.deny} → {@code TagsDeny}. */
    private static String ruleName(String field) {
        StringBuilder b = new StringBuilder();
        for (String part : field.split("\\.")) {
            b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return b.toString();
    }

    /** A URI reference for a path: relative ones stay relative, absolute ones become {@code file:} URIs. */
    private static String uri(String file) {
        StringBuilder b = new StringBuilder(file.startsWith("/") ? "file://" : "");
        file.codePoints().forEach(cp -> {
            if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')
                    || "-._~/!$&'()*+,;=@".indexOf(cp) >= 0) {
                b.appendCodePoint(cp);
            } else {
                for (byte by : new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                    b.append('%').append(String.format("%02X", by & 0xff));
                }
            }
        });
        return b.toString();
    }
}
