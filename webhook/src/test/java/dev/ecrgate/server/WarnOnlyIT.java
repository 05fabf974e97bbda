package dev.ecrgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code serve --warn-only}, the first install's mode: what the example policies refuse is admitted, and every
 * violation that would have denied is a warning kubectl prints.
 */
class WarnOnlyIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theDeniedExampleIsAdmittedWithEveryViolationAsAWarning() throws Exception {
        try (RunningWebhook server = RunningWebhook.start(RunningWebhook.examples().warnOnly(true).build(),
                Clock.systemUTC())) {
            HttpResponse<String> r = server.post(RunningWebhook.example("deny-pod.json"));
            assertEquals(200, r.statusCode(), r.body());
            JsonNode response = JSON.readTree(r.body()).path("response");
            assertTrue(response.path("allowed").asBoolean(), r.body());
            assertFalse(response.has("status"), r.body());
            List<String> warnings = new ArrayList<>();
            response.path("warnings").forEach(w -> warnings.add(w.asText()));
            assertTrue(warnings.contains("[baseline, team-namespaces] container \"web\": too many vulnerabilities:"
                    + " CRITICAL 3 (max 0)"), warnings::toString);
            assertTrue(warnings.contains("[baseline] container \"proxy\": tag \"latest\" is not allowed"),
                    warnings::toString);
            assertEquals("allowed-with-warnings", response.path("auditAnnotations").path("decision").asText());
        }
    }
}
