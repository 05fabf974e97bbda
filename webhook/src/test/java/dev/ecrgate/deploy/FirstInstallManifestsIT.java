package dev.ecrgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/first-install}, the install that cannot lock a cluster: rendered by kustomize, it is the default
 * install with exactly two differences, every policy warning ({@code --warn-only}) and {@code failurePolicy: Ignore}.
 * Anything else that differed would be a second install to keep in step by hand.
 */
class FirstInstallManifestsIT {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static Manifests defaults;
    static Manifests firstInstall;

    @BeforeAll
    static void render() {
        Kustomize kustomize = Kustomize.install();
        defaults = Manifests.parse(kustomize.build(ROOT.resolve("deploy")));
        firstInstall = Manifests.parse(kustomize.build(ROOT.resolve("deploy/first-install")));
    }

    @Test
    void theWebhookFailsOpenWhileNoReplicaAnswers() {
        assertEquals("Ignore", firstInstall.get("ValidatingWebhookConfiguration", "ecrgate")
                .at("/webhooks/0/failurePolicy").asText());
    }

    @Test
    void ecrgateServesWithEveryPolicyWarning() {
        JsonNode args = firstInstall.get("Deployment", "ecrgate").at("/spec/template/spec/containers/0/args");
        assertEquals("--warn-only", args.get(args.size() - 1).asText(), args::toString);
    }

    @Test
    void everythingElseIsTheDefaultInstall() {
        List<JsonNode> expected = new ArrayList<>();
        for (JsonNode d : defaults.documents()) {
            JsonNode copy = d.deepCopy();
            if (Manifests.identity(d).equals("ValidatingWebhookConfiguration ecrgate")) {
                ((ObjectNode) copy.at("/webhooks/0")).set("failurePolicy", TextNode.valueOf("Ignore"));
            }
            if (Manifests.identity(d).equals("Deployment ecrgate/ecrgate")) {
                ((ArrayNode) copy.at("/spec/template/spec/containers/0/args")).add("--warn-only");
            }
            expected.add(copy);
        }
        assertEquals(expected, firstInstall.documents());
    }
}
