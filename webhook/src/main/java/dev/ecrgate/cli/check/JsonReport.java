package dev.ecrgate.cli.check;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import dev.ecrgate.findings.Finding;
import dev.ecrgate.policy.Decision;
import dev.ecrgate.policy.Violation;
import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.Locale;

/**
 * For scripts: one JSON document, its shape stable (fields always present, in this order; optional ones omitted
 * rather than null): {@code summary} with the counts, and {@code resources}, each with where it was read from, what
 * it is, the decision ({@code allowed}, {@code allowed-with-warnings}, {@code denied}, {@code skipped}), the
 * webhook's {@code message} when denied, its {@code warnings}, and every violation (including audit-only ones) with
 * policy, rule, effect, container, image, detail, worst findings and hint.
 */
final class JsonReport {
    private JsonReport() {
    }

    static void write(List<Checked> checked, Writer out) throws IOException {
        // ASCII only (other characters as \\u escapes): the bytes are right whatever the console's encoding
        try (JsonGenerator g = JsonFactory.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build()
                .createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.setPrettyPrinter(new DefaultPrettyPrinter());
            Checked.Summary s = Checked.Summary.of(checked);
            g.writeStartObject();
            g.writeObjectFieldStart("summary");
            g.writeNumberField("resources", s.resources());
            g.writeNumberField("allowed", s.allowed());
            g.writeNumberField("warned", s.warned());
            g.writeNumberField("denied", s.denied());
            g.writeNumberField("skipped", s.skipped());
            g.writeEndObject();
            g.writeArrayFieldStart("resources");
            for (Checked c : checked) {
                resource(g, c);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        out.write("\n");
    }

    private static void resource(JsonGenerator g, Checked c) throws IOException {
        Manifest m = c.manifest();
        g.writeStartObject();
        g.writeStringField("file", m.file());
        g.writeNumberField("document", m.document());
        if (m.item().isPresent()) {
            g.writeNumberField("item", m.item().getAsInt());
        }
        g.writeNumberField("line", m.line());
        g.writeStringField("apiVersion", m.apiVersion());
        g.writeStringField("kind", m.kind());
        if (!c.clusterScoped()) {
            g.writeStringField("namespace", c.namespace());
        }
        g.writeStringField("name", m.name());
        g.writeStringField("decision", c.outcome().word());
        if (c.message().isPresent()) {
            g.writeStringField("message", c.message().get());
        }
        g.writeArrayFieldStart("warnings");
        for (String w : c.warnings()) {
            g.writeString(w);
        }
        g.writeEndArray();
        List<Violation> violations = c.decision().map(Decision::violations).orElse(List.of());
        g.writeArrayFieldStart("violations");
        for (Violation v : violations) {
            violation(g, m, v);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("policies");
        for (String p : c.decision().map(Decision::policies).orElse(List.of())) {
            g.writeString(p);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("exemptions");
        for (String e : c.decision().map(Decision::exemptions).orElse(List.of())) {
            g.writeString(e);
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void violation(JsonGenerator g, Manifest m, Violation v) throws IOException {
        g.writeStartObject();
        g.writeStringField("policy", v.policy());
        g.writeStringField("rule", v.rule().field());
        g.writeStringField("effect", v.effect().name().toLowerCase(Locale.ROOT));
        g.writeStringField("container", v.container().containerName());
        g.writeStringField("containerList", v.container().kind().field());
        g.writeBooleanField("alreadyDeployed", v.container().preExisting());
        g.writeStringField("image", v.container().image());
        if (v.digest().isPresent()) {
            g.writeStringField("digest", v.digest().get());
        }
        g.writeNumberField("line", m.imageLine(v.container().kind(), v.container().containerName()));
        g.writeStringField("detail", v.detail());
        g.writeArrayFieldStart("worst");
        for (Finding f : v.worst()) {
            g.writeStartObject();
            g.writeStringField("id", f.id());
            g.writeStringField("severity", f.severity().name());
            g.writeStringField("package", f.packageName());
            g.writeStringField("version", f.packageVersion());
            if (f.fixedInVersion().isPresent()) {
                g.writeStringField("fixedInVersion", f.fixedInVersion().get());
            }
            g.writeStringField("fixAvailable", f.fixAvailable().name());
            g.writeEndObject();
        }
        g.writeEndArray();
        if (v.hint().isPresent()) {
            g.writeStringField("hint", v.hint().get());
        }
        g.writeEndObject();
    }
}
