package dev.ecrgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * deploy/components/policies-from-cluster over both variants, as kustomize renders it: serve --policies-from
 * cluster, no ConfigMap and no mount, the CRDs, and RBAC that reads ImagePolicy and ImageException and writes only
 * their status.
 */
class PoliciesFromClusterIT {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"deploy", "deploy/cert-manager"})
    void theComponentSwitchesToPolicyObjects(String variant) throws Exception {
        // an overlay as a user would write it; kustomize takes only relative paths to other kustomizations
        Path overlay = Path.of("target", "policies-from-cluster", variant.replace('/', '-')).toAbsolutePath();
        Files.createDirectories(overlay);
        Files.writeString(overlay.resolve("kustomization.yaml"), "apiVersion: kustomize.config.k8s.io/v1beta1\n"
                + "kind: Kustomization\nresources: [" + overlay.relativize(ROOT.resolve(variant)) + "]\n"
                + "components: [" + overlay.relativize(ROOT.resolve("deploy/components/policies-from-cluster"))
                + "]\n");

        Manifests m = Manifests.parse(Kustomize.install().build(overlay));

        JsonNode pod = m.get("Deployment", "ecrgate").at("/spec/template/spec");
        List<String> args = new ArrayList<>();
        pod.at("/containers/0/args").forEach(a -> args.add(a.asText()));
        assertTrue(args.contains("--policies-from=cluster"), args.toString());
        assertTrue(args.stream().noneMatch(a -> a.startsWith("--policies=")), args.toString());
        assertTrue(m.all("ConfigMap").isEmpty(), m.identities().toString());
        pod.at("/volumes").forEach(v -> assertTrue(!v.path("name").asText().equals("policies"), v.toString()));
        assertTrue(m.identities().contains("CustomResourceDefinition imagepolicies.ecrgate.dev"));
        assertTrue(m.identities().contains("CustomResourceDefinition imageexceptions.ecrgate.dev"));
        assertEquals(Manifests.yaml("[{apiGroups: [ecrgate.dev], resources: [imagepolicies, imageexceptions],"
                        + " verbs: [get, list, watch]}, {apiGroups: [ecrgate.dev], resources: [imagepolicies/status,"
                        + " imageexceptions/status], verbs: [patch, update]}]"),
                m.get("ClusterRole", "ecrgate-policies").path("rules"));
    }
}
