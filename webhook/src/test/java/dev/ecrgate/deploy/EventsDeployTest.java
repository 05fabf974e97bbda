package dev.ecrgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * deploy/events/: the EventBridge rule sends ecrgate every event shape it reads and nothing it would only count and
 * delete; the CloudFormation template, the JSON files and the IAM policy say the same.
 */
class EventsDeployTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path EVENTS = ROOT.resolve("deploy/events");
    static final Path SAMPLES = ROOT.resolve("webhook/src/test/resources/events");
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode json(Path p) throws IOException {
        return JSON.readTree(Files.readString(p));
    }

    static JsonNode template() throws IOException {
        return new YAMLMapper().readTree(Files.readString(EVENTS.resolve("cloudformation.yaml")));
    }

    @Test
    void theTemplatesRuleIsTheRuleFile() throws IOException {
        assertEquals(json(EVENTS.resolve("eventbridge-rule.json")),
                template().path("Resources").path("Rule").path("Properties").path("EventPattern"));
    }

    @Test
    void theTemplatesQueuePolicyLetsEventBridgeSendAsTheQueuePolicyFileDoes() throws IOException {
        JsonNode file = json(EVENTS.resolve("sqs-queue-policy.json")).path("Statement").get(0);
        JsonNode cfn = template().path("Resources").path("EventsPolicy").path("Properties").path("PolicyDocument")
                .path("Statement").get(0);
        assertEquals(file.path("Sid"), cfn.path("Sid"));
        assertEquals(file.path("Principal"), cfn.path("Principal"));
        assertEquals(file.path("Action"), cfn.path("Action"));
    }

    @Test
    void ecrgatesRoleMayDoWhatTheConsumerCalls() throws IOException {
        List<String> consumer = List.of("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes");
        List<String> granted = new java.util.ArrayList<>();
        for (JsonNode statement : json(ROOT.resolve("deploy/iam-policy.json")).path("Statement")) {
            statement.path("Action").forEach(a -> granted.add(a.asText()));
        }
        assertTrue(granted.containsAll(consumer), granted::toString);
        List<String> inTemplate = new java.util.ArrayList<>();
        template().path("Resources").path("EventsPolicy").path("Properties").path("PolicyDocument")
                .path("Statement").get(1).path("Action").forEach(a -> inTemplate.add(a.asText()));
        assertEquals(consumer, inTemplate);
    }

    static Stream<Arguments> samples() throws IOException {
        String scan = Files.readString(SAMPLES.resolve("ecr-image-scan.json"));
        return Stream.of(
                Arguments.of("an ECR scan", Files.readString(SAMPLES.resolve("ecr-image-scan.json")), true),
                Arguments.of("an ECR push", Files.readString(SAMPLES.resolve("ecr-image-push.json")), true),
                Arguments.of("an ECR delete", Files.readString(SAMPLES.resolve("ecr-image-delete.json")), true),
                Arguments.of("a lifecycle expiry", Files.readString(SAMPLES.resolve("ecr-lifecycle-expiry.json")),
                        true),
                Arguments.of("an Inspector finding on an ECR image",
                        Files.readString(SAMPLES.resolve("inspector2-finding.json")), true),
                Arguments.of("an Inspector scan", Files.readString(SAMPLES.resolve("inspector2-scan.json")), true),
                Arguments.of("an Inspector finding on an EC2 instance",
                        Files.readString(SAMPLES.resolve("inspector2-finding-ec2.json")), false),
                Arguments.of("another CloudTrail service event of ECR", Files.readString(SAMPLES.resolve(
                        "ecr-lifecycle-expiry.json")).replace("PolicyExecutionEvent", "KmsKeyRotated"), false),
                Arguments.of("a repository's scan frequency change",
                        scan.replace("ECR Image Scan", "ECR Scan Resource Change"), false),
                Arguments.of("an S3 event", scan.replace("aws.ecr", "aws.s3"), false));
    }

    @ParameterizedTest(name = "{0}: sent {2}")
    @MethodSource("samples")
    void theRuleSendsWhatEcrgateReads(String name, String event, boolean sent) throws IOException {
        assertEquals(sent, matches(json(EVENTS.resolve("eventbridge-rule.json")), JSON.readTree(event)));
    }

    /**
     * EventBridge's matching, for the parts the rule uses: {@code $or}, exact string values, nested fields, and
     * arrays in the event (a field matches when any element does).
     */
    static boolean matches(JsonNode pattern, JsonNode event) {
        if (event.isArray()) {
            for (JsonNode e : event) {
                if (matches(pattern, e)) {
                    return true;
                }
            }
            return false;
        }
        var fields = pattern.fields();
        while (fields.hasNext()) {
            var f = fields.next();
            if (f.getKey().equals("$or")) {
                boolean any = false;
                for (JsonNode alternative : f.getValue()) {
                    any |= matches(alternative, event);
                }
                if (!any) {
                    return false;
                }
            } else if (f.getValue().isArray()) {
                JsonNode value = event.path(f.getKey());
                boolean any = false;
                for (JsonNode allowed : f.getValue()) {
                    if (value.isArray()) {
                        for (JsonNode v : value) {
                            any |= v.equals(allowed);
                        }
                    } else {
                        any |= value.equals(allowed);
                    }
                }
                if (!any) {
                    return false;
                }
            } else if (!event.has(f.getKey()) || !matches(f.getValue(), event.path(f.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
