package dev.ecrgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ecrgate.policy.PolicyLoadException;
import dev.ecrgate.policy.PolicyLoader;
import dev.ecrgate.policy.PolicySet;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An object as the informer delivers it, rendered as the document a file holds: it loads as the file does, and
 * errors name the object and the field as for a file.
 */
class ClusterPoliciesRenderTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    static GenericKubernetesResource object(String yaml) {
        return Serialization.unmarshal(yaml, GenericKubernetesResource.class);
    }

    @Test
    void aShippedPolicyAsAnObjectLoadsAsItsFileDoes() throws Exception {
        String file = Files.readString(ROOT.resolve("policies/00-baseline.yaml"));
        PolicySet fromObject = PolicyLoader.parse("ImagePolicy/baseline",
                ClusterPolicies.render(object(file), "ImagePolicy"));
        PolicySet fromFile = PolicyLoader.parse("policies/00-baseline.yaml", file);

        assertEquals(fromFile.policies().get(0).withOrigin("x"), fromObject.policies().get(0).withOrigin("x"));
    }

    @Test
    void aBrokenObjectIsRefusedNamingItsField() throws Exception {
        GenericKubernetesResource broken = object(Files.readString(ROOT.resolve("policies/00-baseline.yaml")));
        @SuppressWarnings("unchecked")
        Map<String, Object> vulnerabilities = (Map<String, Object>) ((Map<String, Object>) broken
                .getAdditionalProperties().get("spec")).get("vulnerabilities");
        vulnerabilities.put("platforms", java.util.List.of("linux"));

        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyLoader.parse(
                "ImagePolicy/baseline", ClusterPolicies.render(broken, "ImagePolicy")));

        assertEquals("ImagePolicy/baseline:24:7: spec.vulnerabilities.platforms[0]: \"linux\" is not a platform:"
                + " expected os/architecture or os/architecture/variant, like linux/amd64 or linux/arm64/v8",
                e.getMessage());
    }
}
