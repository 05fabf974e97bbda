package dev.ecrgate.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonFactory;
import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.policy.Decision;
import dev.ecrgate.policy.Effect;
import dev.ecrgate.policy.Violation;
import java.io.IOException;
import java.io.StringWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One structured log line (JSON) per decision that denies, warns or audits; allowed decisions without findings
 * only at debug level. Strings from the request are JSON-escaped, so a crafted image name cannot split or forge a
 * line. Never logs the request body.
 */
public final class DecisionLog {
    private static final Logger LOG = LoggerFactory.getLogger("ecrgate.decision");
    private final JsonFactory json = new JsonFactory();

    public void record(Decision decision) {
        if (decision.violations().isEmpty()) {
            if (LOG.isDebugEnabled()) {
                LOG.debug(line(decision));
            }
            return;
        }
        if (decision.allowed()) {
            LOG.info(line(decision));
        } else {
            LOG.warn(line(decision));
        }
    }

    String line(Decision decision) {
        StringWriter out = new StringWriter(256);
        AdmissionSubject s = decision.subject();
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("decision", decision.allowed()
                    ? (decision.withEffect(Effect.WARN).isEmpty() ? "allowed" : "allowed-with-warnings") : "denied");
            g.writeStringField("uid", s.uid());
            g.writeStringField("kind", s.kind());
            g.writeStringField("namespace", s.namespace());
            g.writeStringField("name", s.name());
            g.writeStringField("operation", s.operation());
            if (s.dryRun()) {
                g.writeBooleanField("dryRun", true);
            }
            g.writeArrayFieldStart("violations");
            for (Violation v : decision.violations()) {
                g.writeStartObject();
                g.writeStringField("policy", v.policy());
                g.writeStringField("rule", v.rule().field());
                g.writeStringField("effect", v.effect().name().toLowerCase());
                g.writeStringField("container", v.container().containerName());
                g.writeStringField("image", v.container().image());
                if (v.digest().isPresent()) {
                    g.writeStringField("digest", v.digest().get());
                }
                g.writeStringField("detail", v.detail());
                g.writeEndObject();
            }
            g.writeEndArray();
            if (!decision.exemptions().isEmpty()) {
                g.writeArrayFieldStart("exemptions");
                for (String e : decision.exemptions()) {
                    g.writeString(e);
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        } catch (IOException e) {
            return "{\"decision\":\"unloggable\"}";
        }
        return out.toString();
    }
}
