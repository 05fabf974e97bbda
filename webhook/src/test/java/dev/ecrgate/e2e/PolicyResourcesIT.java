package dev.ecrgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ecrgate.kube.KubeControlPlane;
import dev.ecrgate.kube.ProcessResult;
import dev.ecrgate.server.RunningWebhook;
import dev.ecrgate.server.ServeConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Policies and exceptions as Kubernetes objects, on the real kube-apiserver of the cluster suite: the CRDs of
 * deploy/base, {@code serve --policies-from cluster} in-process (facts from the recorded examples), objects applied
 * and edited with kubectl, and the answers to AdmissionReviews posted to the webhook.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PolicyResourcesIT {
    static final Path ROOT = RunningWebhook.ROOT;
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SUFFIX = Long.toString(System.currentTimeMillis(), 36);
    static final String BLUE = "team-pr-blue-" + SUFFIX;
    static final String RED = "team-pr-red-" + SUFFIX;
    static final String WEB = "111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/web:1.0.0";

    static KubeControlPlane kube;
    static RunningWebhook server;

    @BeforeAll
    static void start() throws Exception {
        kube = KubeControlPlane.shared();
        for (String crd : new String[] {"crd-imagepolicy.yaml", "crd-imageexception.yaml"}) {
            ProcessResult r = kube.kubectl("apply", "--server-side", "-f", ROOT.resolve("deploy/base/" + crd)
                    .toString());
            assertTrue(r.succeeded(), r::toString);
        }
        ProcessResult established = kube.kubectl("wait", "--for", "condition=established", "--timeout=30s",
                "crd/imagepolicies.ecrgate.dev", "crd/imageexceptions.ecrgate.dev");
        assertTrue(established.succeeded(), established::toString);
        kube.namespace(BLUE);
        kube.namespace(RED);
        System.setProperty("kubeconfig", kube.kubeconfig().toString());
        server = RunningWebhook.start(RunningWebhook.examples(ROOT.resolve("policies"))
                .policiesFrom(ServeConfig.PoliciesFrom.CLUSTER).build(), Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        System.clearProperty("kubeconfig");
        if (kube != null) {
            kube.kubectl("delete", "imagepolicies.ecrgate.dev", "--all", "--ignore-not-found");
            kube.kubectl("delete", "imageexceptions.ecrgate.dev", "--all", "--all-namespaces", "--ignore-not-found");
        }
    }

    static ProcessResult kubectl(String stdin, String... args) {
        ProcessResult r = kube.kubectl(stdin, Duration.ofSeconds(60), args);
        assertTrue(r.succeeded(), r::toString);
        return r;
    }

    /** allow-pod.json with another image, in another namespace. */
    static JsonNode admit(String namespace, String image) throws Exception {
        String review = new String(RunningWebhook.example("allow-pod.json"), StandardCharsets.UTF_8)
                .replace("\"namespace\": \"team-blue\"", "\"namespace\": \"" + namespace + "\"")
                .replace("111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/api:1.4.2", image);
        var response = server.post(review.getBytes(StandardCharsets.UTF_8));
        assertEquals(200, response.statusCode(), response::body);
        return JSON.readTree(response.body()).path("response");
    }

    static String ready(String... resource) {
        String[] args = new String[resource.length + 3];
        args[0] = "get";
        System.arraycopy(resource, 0, args, 1, resource.length);
        args[resource.length + 1] = "-o";
        args[resource.length + 2] = 
                "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}|{.status.conditions[?(@.type==\"Ready\")]"
                        + ".message}|{.status.observedGeneration}|{.metadata.generation}";
        return kube.kubectl(args).stdout();
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError(what + " did not happen within 20 s");
            }
            Thread.sleep(50);
        }
    }

    static boolean allowed(String namespace, String image) {
        try {
            return admit(namespace, image).path("allowed").asBoolean();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    @Order(1)
    void appliedPoliciesAreReadyAndTheNextAdmissionUsesThem() throws Exception {
        assertTrue(allowed(BLUE, WEB), "no ImagePolicy yet: everything is admitted");

        kubectl(null, "apply", "-f", ROOT.resolve("deploy/base/policies").toString());

        await("baseline Ready", () -> ready("imagepolicy/baseline").startsWith("True|in force (enforce)|1|1"));
        await("the web image denied", () -> !allowed(BLUE, WEB));
        String message = admit(BLUE, WEB).path("status").path("message").asText();
        assertTrue(message.contains("[baseline, team-namespaces] vulnerabilities.maxCounts: too many"
                + " vulnerabilities: CRITICAL 3"), message);
        String table = kubectl(null, "get", "imagepolicies").stdout();
        assertTrue(table.lines().anyMatch(l -> l.startsWith("baseline") && l.contains("True")), table);
    }

    @Test
    @Order(2)
    void aBrokenPolicyIsNotReady_withTheLoadersFieldPath_andTheOldDecisionStays() throws Exception {
        kubectl(null, "patch", "imagepolicy", "baseline", "--type=merge", "-p",
                "{\"spec\":{\"vulnerabilities\":{\"platforms\":[\"linux\"]}}}");

        await("baseline not Ready", () -> ready("imagepolicy/baseline").startsWith("False|"));
        String status = ready("imagepolicy/baseline");
        assertTrue(status.contains("ImagePolicy/baseline:") && status.contains(": spec.vulnerabilities.platforms[0]:"
                + " \"linux\" is not a platform"), status);
        assertTrue(status.contains("(the last good version stays in force)"), status);
        assertTrue(status.endsWith("|2|2"), status);
        String message = admit(BLUE, WEB).path("status").path("message").asText();
        assertTrue(message.contains("[baseline, team-namespaces]"), "the last good baseline still denies: "
                + message);

        kubectl(null, "patch", "imagepolicy", "baseline", "--type=json", "-p",
                "[{\"op\":\"remove\",\"path\":\"/spec/vulnerabilities/platforms\"}]");
        await("baseline Ready again", () -> ready("imagepolicy/baseline").startsWith("True|"));
    }

    static String exception(String namespace, String expires) {
        return "apiVersion: ecrgate.dev/v1alpha1\nkind: ImageException\nmetadata:\n  name: openssh-waiver\n"
                + "  namespace: " + namespace + "\n  labels:\n    ecrgate.dev/approved-by: alice\nspec:\n"
                + "  repositories: [team-blue/web]\n"
                + "  cves: [CVE-2024-6387, CVE-2023-38545, CVE-2024-37371]\n"
                + "  reason: patched in the next release\n  expires: \"" + expires + "\"\n";
    }

    @Test
    @Order(3)
    void anExceptionInOneNamespaceAllowsTheCvesThere_andNotInAnother_untilItExpires() throws Exception {
        kubectl(null, "delete", "-f", ROOT.resolve("deploy/base/policies").toString());
        kubectl("apiVersion: ecrgate.dev/v1\nkind: ImagePolicy\nmetadata:\n  name: pr-critical\nspec:\n"
                + "  namespaces: [\"team-pr-*\"]\n  exceptions: {allowNamespaced: true}\n"
                + "  vulnerabilities:\n    maxCounts: {CRITICAL: 0}\n", "apply", "-f", "-");
        await("pr-critical denies", () -> !allowed(BLUE, WEB) && !allowed(RED, WEB));

        Instant expires = Instant.now().plusSeconds(6).truncatedTo(ChronoUnit.SECONDS);
        kubectl(exception(BLUE, expires.toString()), "apply", "-f", "-");

        await("the exception Ready", () -> ready("imageexception/openssh-waiver", "-n", BLUE).startsWith("True"));
        await("allowed in " + BLUE, () -> allowed(BLUE, WEB));
        assertFalse(allowed(RED, WEB), "an exception applies only in its own namespace");
        String table = kubectl(null, "get", "imageexceptions", "-n", BLUE).stdout();
        assertTrue(table.contains("alice") && table.contains(expires.toString()), table);

        await("expired", () -> Instant.now().isAfter(expires.plusMillis(200)));
        JsonNode after = admit(BLUE, WEB);
        assertFalse(after.path("allowed").asBoolean(), after::toString);
        assertTrue(after.path("status").path("message").asText().contains("the ImageException " + BLUE
                + "/openssh-waiver expired at " + expires), after.toString());
    }

    @Test
    @Order(4)
    void aDeletedPolicyNoLongerApplies() throws Exception {
        kubectl(null, "delete", "imagepolicy", "pr-critical");

        await("admitted again", () -> allowed(RED, WEB));
    }
}
