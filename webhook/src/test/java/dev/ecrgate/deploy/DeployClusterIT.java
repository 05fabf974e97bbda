package dev.ecrgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.ecrgate.kube.KubeControlPlane;
import dev.ecrgate.kube.ProcessResult;
import dev.ecrgate.server.ClusterCertificates;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionCondition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shipped manifests against a real kube-apiserver: every object is accepted ({@code kubectl apply
 * --dry-run=server}); the Report CRD is installed for real and its schema keeps what the audit writes and refuses
 * what it must not; and the shipped RBAC, run as ecrgate's service account (impersonated), lets ecrgate run its
 * self-managed certificates and its background audit, and nothing more.
 *
 * <p>The control plane may be shared with other test classes: the audit's objects live in a namespace of this
 * class's own, and what is created elsewhere (the CRD when it was not there before, the cluster roles, the leases) is
 * deleted afterwards.
 */
class DeployClusterIT {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final YAMLMapper YAML = new YAMLMapper();
    static final ObjectMapper JSON = new ObjectMapper();

    static final String SERVICE_ACCOUNT = "system:serviceaccount:ecrgate:ecrgate";
    static final String CRD = "reports.openreports.io";
    static final ResourceDefinitionContext REPORTS = new ResourceDefinitionContext.Builder()
            .withGroup("openreports.io").withVersion("v1alpha1").withKind("Report").withPlural("reports")
            .withNamespaced(true).build();
    static final String LEASE = "ecrgate-audit";
    static final String OTHER_LEASE = "ecrgate-not-the-audit";
    /** Where the audit's workloads, Reports and Events go: unique, since the control plane may be shared. */
    static final String NAMESPACE = "deploy-audit-" + Long.toString(System.currentTimeMillis(), 36);

    static KubeControlPlane kube;
    static Kustomize kustomize;
    static KubernetesClient asEcrgate;
    static boolean crdWasThere;
    static String webUid;

    @BeforeAll
    static void start() throws Exception {
        kube = KubeControlPlane.shared();
        kustomize = Kustomize.install();
        // objects in the namespace are only accepted once it exists, even in a dry run
        kube.namespace("ecrgate");

        // The Report CRD for real, and the service account and RBAC exactly as shipped.
        crdWasThere = kube.client().apiextensions().v1().customResourceDefinitions().withName(CRD).get() != null;
        List<JsonNode> apply = new ArrayList<>();
        for (JsonNode d : documents(kustomize.build(ROOT.resolve("deploy")))) {
            String kind = d.path("kind").asText();
            if (kind.equals("CustomResourceDefinition") || kind.equals("ServiceAccount") || kind.contains("Role")) {
                apply.add(d);
            }
        }
        ProcessResult applied = kube.kubectl(yaml(apply), Duration.ofSeconds(60), "apply", "-f", "-");
        assertEquals(0, applied.exitCode(), applied.stdout() + applied.stderr());
        ProcessResult established = kube.kubectl(null, Duration.ofSeconds(70), "wait",
                "--for=condition=Established", "--timeout=60s", "customresourcedefinition/" + CRD);
        assertEquals(0, established.exitCode(), established.stdout() + established.stderr());

        // A workload for the audit to report on. The namespace opts out of ecrgate, so that a webhook configuration
        // another test registered cannot intercept it; replicas 0, so that no cluster tries to run it.
        kube.namespace(NAMESPACE);
        kube.kubectl("label", "namespace", NAMESPACE, "ecrgate.dev/ignore=true");
        Deployment web = new DeploymentBuilder()
                .withNewMetadata().withName("web").withNamespace(NAMESPACE).endMetadata()
                .withNewSpec().withReplicas(0)
                .withNewSelector().addToMatchLabels("app", "web").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
                .withNewSpec().addNewContainer().withName("api")
                .withImage("111122223333.dkr.ecr.eu-west-1.amazonaws.com/team-blue/api:1.4.2").endContainer()
                .endSpec().endTemplate().endSpec()
                .build();
        webUid = kube.client().resource(web).create().getMetadata().getUid();

        Config config = Config.fromKubeconfig(Files.readString(kube.kubeconfig()));
        config.setImpersonateUsername(SERVICE_ACCOUNT);
        config.setImpersonateGroups("system:serviceaccounts", "system:serviceaccounts:ecrgate",
                "system:authenticated");
        asEcrgate = new KubernetesClientBuilder().withConfig(config).build();
    }

    @AfterAll
    static void cleanUp() {
        if (asEcrgate != null) {
            asEcrgate.close();
        }
        if (kube == null) {
            return;
        }
        kube.kubectl("-n", "ecrgate", "delete", "lease", LEASE, OTHER_LEASE, "--ignore-not-found");
        kube.kubectl("delete", "namespace", NAMESPACE, "--ignore-not-found", "--wait=false");
        kube.kubectl("delete", "clusterrolebinding", "ecrgate", "ecrgate-audit", "ecrgate-policies",
                "--ignore-not-found");
        kube.kubectl("delete", "clusterrole", "ecrgate", "ecrgate-audit", "ecrgate-policies", "--ignore-not-found");
        if (!crdWasThere) {
            // waits until the API server has deleted every Report, so that a later test can create the CRD again
            kube.kubectl(null, Duration.ofSeconds(60), "delete", "customresourcedefinition", CRD,
                    "--ignore-not-found");
        }
    }

    // ---- every object ------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "every object of {0} is accepted by the API server")
    @ValueSource(strings = {"deploy", "deploy/cert-manager", "deploy/first-install"})
    void everyObjectIsAcceptedByTheApiServer(String variant) throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        for (JsonNode d : documents(kustomize.build(ROOT.resolve(variant)))) {
            // cert-manager's own kinds need its CRDs, which this bare control plane does not have
            if (!d.path("apiVersion").asText().startsWith("cert-manager.io/")) {
                docs.add(d);
            }
        }
        ProcessResult r = kube.kubectl(yaml(docs), Duration.ofSeconds(60), "apply", "--dry-run=server", "-f", "-");
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("validatingwebhookconfiguration.admissionregistration.k8s.io/ecrgate"),
                r.stdout());
        assertTrue(r.stdout().contains("customresourcedefinition.apiextensions.k8s.io/" + CRD), r.stdout());
    }

    // ---- the Report CRD ----------------------------------------------------------------------------------------

    @Test
    void theReportCrdIsEstablishedWithItsNamesAccepted() {
        CustomResourceDefinition crd = kube.client().apiextensions().v1().customResourceDefinitions()
                .withName(CRD).get();
        for (String type : List.of("Established", "NamesAccepted")) {
            assertEquals("True", crd.getStatus().getConditions().stream()
                    .filter(c -> type.equals(c.getType()))
                    .map(CustomResourceDefinitionCondition::getStatus)
                    .findFirst().orElse("(no condition " + type + ")"), type);
        }
        assertEquals(List.of("v1alpha1"), crd.getStatus().getStoredVersions());
    }

    @Test
    void aReportAsTheAuditWritesItIsStoredWithEveryField() throws Exception {
        JsonNode sample = sampleReport("deployment-web");
        try {
            reports(asEcrgate).resource(generic(sample)).create();

            ProcessResult got = kube.kubectl("-n", NAMESPACE, "get", CRD, "deployment-web", "-o", "json");
            assertEquals(0, got.exitCode(), got.stderr());
            JsonNode stored = JSON.readTree(got.stdout());
            for (String field : List.of("scope", "source", "summary", "results")) {
                assertEquals(sample.path(field), stored.path(field), field + " was changed or pruned");
            }
            assertEquals(sample.at("/metadata/ownerReferences"), stored.at("/metadata/ownerReferences"));

            // the printer columns, through the short name
            ProcessResult table = kube.kubectl("-n", NAMESPACE, "get", "reps");
            assertEquals(0, table.exitCode(), table.stderr());
            List<String[]> rows = table.stdout().lines().map(l -> l.trim().split("\\s+")).toList();
            assertEquals(List.of("NAME", "KIND", "NAME", "PASS", "FAIL", "WARN", "ERROR", "SKIP", "AGE"),
                    List.of(rows.get(0)), table.stdout());
            assertEquals(List.of("deployment-web", "Deployment", "web", "1", "1", "0", "0", "0"),
                    List.of(rows.get(1)).subList(0, 8), table.stdout());
        } finally {
            kube.kubectl("-n", NAMESPACE, "delete", CRD, "deployment-web", "--ignore-not-found");
        }
    }

    record Breakage(String sentence, Consumer<ObjectNode> change, String refusal) {
        @Override
        public String toString() {
            return sentence;
        }
    }

    static Stream<Breakage> brokenReports() {
        return Stream.of(
                new Breakage("a result that is not pass, fail, warn, error or skip is refused",
                        r -> result(r).put("result", "broken"), "results[0].result: Unsupported value: \"broken\""),
                new Breakage("a severity that is not critical, high, medium, low or info is refused",
                        r -> result(r).put("severity", "urgent"),
                        "results[0].severity: Unsupported value: \"urgent\""),
                new Breakage("a result without a policy is refused",
                        r -> result(r).remove("policy"), "results[0].policy: Required value"),
                new Breakage("a property that is not a string is refused",
                        r -> ((ObjectNode) result(r).path("properties")).set("critical", IntNode.valueOf(3)),
                        "results[0].properties.critical: Invalid value"),
                new Breakage("a timestamp whose seconds are not a number is refused",
                        r -> ((ObjectNode) result(r).path("timestamp")).put("seconds", "yesterday"),
                        "results[0].timestamp.seconds: Invalid value"),
                new Breakage("a negative count is refused",
                        r -> ((ObjectNode) r.path("summary")).put("fail", -1), "summary.fail: Invalid value: -1"),
                new Breakage("a field the schema does not have is refused (under kubectl's strict validation)",
                        r -> r.putObject("spec").put("policies", 2), "unknown field \"spec\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenReports")
    void theSchemaRefusesABrokenReport(Breakage breakage) throws Exception {
        ObjectNode report = (ObjectNode) sampleReport("deployment-web-broken");
        breakage.change().accept(report);
        try {
            ProcessResult r = kube.kubectl(JSON.writeValueAsString(report), Duration.ofSeconds(60), "create",
                    "-f", "-");
            assertNotEquals(0, r.exitCode(), "created: " + r.stdout());
            assertTrue(r.stderr().contains(breakage.refusal()), r.stderr());
        } finally {
            kube.kubectl("-n", NAMESPACE, "delete", CRD, "deployment-web-broken", "--ignore-not-found");
        }
    }

    // ---- the RBAC: self-managed certificates -------------------------------------------------------------------

    @Test
    void theShippedRbacLetsEcrgateManageItsCertificatesAndNothingMore() throws Exception {
        List<JsonNode> apply = new ArrayList<>();
        for (JsonNode d : documents(kustomize.build(ROOT.resolve("deploy")))) {
            if (d.path("kind").asText().equals("ValidatingWebhookConfiguration")) {
                // the real configuration, but intercepting nothing: no ecrgate runs in this control plane
                ((ObjectNode) d.path("webhooks").get(0)).putArray("rules");
                apply.add(d);
            }
        }
        ProcessResult r = kube.kubectl(yaml(apply), Duration.ofSeconds(60), "apply", "-f", "-");
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        try {
            ClusterCertificates certs = new ClusterCertificates(asEcrgate,
                    ClusterCertificates.Settings.of("ecrgate", "ecrgate-ca", "ecrgate", "ecrgate"));
            ClusterCertificates.CaState state = certs.ensureCa(Instant.now());
            certs.syncCaBundle(state);
            assertEquals(state.ca().certificate(), certs.ensureCa(Instant.now()).ca().certificate());
            String bundle = kube.client().admissionRegistration().v1().validatingWebhookConfigurations()
                    .withName("ecrgate").get().getWebhooks().get(0).getClientConfig().getCaBundle();
            assertEquals(Base64.getEncoder().encodeToString(state.bundlePem().getBytes(StandardCharsets.US_ASCII)),
                    bundle);

            assertForbidden(() -> asEcrgate.secrets().inNamespace("ecrgate").list());
            assertForbidden(() -> asEcrgate.secrets().inNamespace("kube-system").withName("anything").get());
            assertForbidden(() -> asEcrgate.admissionRegistration().v1().validatingWebhookConfigurations().list());
        } finally {
            kube.kubectl("delete", "validatingwebhookconfiguration", "ecrgate", "--ignore-not-found");
            kube.kubectl("-n", "ecrgate", "delete", "secret", "ecrgate-ca", "--ignore-not-found");
        }
    }

    // ---- the RBAC: the background audit ------------------------------------------------------------------------

    /** One question to the API server's authorizer, as ecrgate: may it VERB (group/)RESOURCE [NAME] in NAMESPACE? */
    record Access(String verb, String group, String resource, String namespace, String name, boolean allowed) {
        @Override
        public String toString() {
            return (allowed ? "may " : "may not ") + verb + " " + (group.isEmpty() ? "" : group + "/") + resource
                    + (name.isEmpty() ? "" : " " + name)
                    + (namespace.isEmpty() ? " in every namespace" : " in " + namespace);
        }
    }

    static Stream<Access> auditAccess() {
        List<Access> rows = new ArrayList<>();
        // What the audit watches, in every namespace (informers list and watch across all namespaces).
        List<String> watched = List.of("/pods", "/replicationcontrollers", "/namespaces", "apps/deployments",
                "apps/replicasets", "apps/statefulsets", "apps/daemonsets", "batch/jobs", "batch/cronjobs");
        for (String groupResource : watched) {
            String[] parts = groupResource.split("/");
            for (String verb : List.of("get", "list", "watch")) {
                rows.add(new Access(verb, parts[0], parts[1], "", "", true));
            }
        }
        // ...and none of it can it change.
        for (String verb : List.of("create", "update", "patch", "delete")) {
            rows.add(new Access(verb, "", "pods", NAMESPACE, "", false));
            rows.add(new Access(verb, "apps", "deployments", NAMESPACE, "", false));
            rows.add(new Access(verb, "", "namespaces", "", NAMESPACE, false));
        }
        rows.add(new Access("create", "", "pods/exec", NAMESPACE, "", false));
        // Its Reports, in any namespace; nobody else's report kinds.
        for (String verb : List.of("get", "list", "watch", "create", "update", "patch", "delete")) {
            rows.add(new Access(verb, "openreports.io", "reports", NAMESPACE, "", true));
        }
        rows.add(new Access("list", "openreports.io", "clusterreports", "", "", false));
        rows.add(new Access("create", "wgpolicyk8s.io", "policyreports", NAMESPACE, "", false));
        // Events: created and patched (a repeated event's count), never read or deleted.
        rows.add(new Access("create", "", "events", NAMESPACE, "", true));
        rows.add(new Access("patch", "", "events", NAMESPACE, "", true));
        rows.add(new Access("list", "", "events", NAMESPACE, "", false));
        rows.add(new Access("delete", "", "events", NAMESPACE, "", false));
        // The Lease ecrgate-audit in its own namespace, and no other.
        for (String verb : List.of("get", "update", "patch")) {
            rows.add(new Access(verb, "coordination.k8s.io", "leases", "ecrgate", LEASE, true));
            rows.add(new Access(verb, "coordination.k8s.io", "leases", "ecrgate", OTHER_LEASE, false));
            rows.add(new Access(verb, "coordination.k8s.io", "leases", "kube-system", LEASE, false));
        }
        rows.add(new Access("create", "coordination.k8s.io", "leases", "ecrgate", "", true));
        rows.add(new Access("create", "coordination.k8s.io", "leases", "kube-system", "", false));
        rows.add(new Access("delete", "coordination.k8s.io", "leases", "ecrgate", LEASE, false));
        rows.add(new Access("list", "coordination.k8s.io", "leases", "ecrgate", "", false));
        // Still no Secrets beyond ecrgate-ca.
        rows.add(new Access("list", "", "secrets", "", "", false));
        rows.add(new Access("get", "", "secrets", NAMESPACE, "anything", false));
        rows.add(new Access("watch", "", "secrets", "ecrgate", "", false));
        return rows.stream();
    }

    static Stream<Access> policyAccess() {
        List<Access> rows = new ArrayList<>();
        for (String verb : List.of("get", "list", "watch")) {
            rows.add(new Access(verb, "ecrgate.dev", "imagepolicies", "", "", true));
            rows.add(new Access(verb, "ecrgate.dev", "imageexceptions", "", "", true));
            rows.add(new Access(verb, "ecrgate.dev", "imageexceptions", NAMESPACE, "", true));
        }
        for (String verb : List.of("patch", "update")) {
            rows.add(new Access(verb, "ecrgate.dev", "imagepolicies/status", "", "baseline", true));
            rows.add(new Access(verb, "ecrgate.dev", "imageexceptions/status", NAMESPACE, "x", true));
            rows.add(new Access(verb, "ecrgate.dev", "imagepolicies", "", "baseline", false));
            rows.add(new Access(verb, "ecrgate.dev", "imageexceptions", NAMESPACE, "x", false));
        }
        for (String verb : List.of("create", "delete")) {
            rows.add(new Access(verb, "ecrgate.dev", "imagepolicies", "", "", false));
            rows.add(new Access(verb, "ecrgate.dev", "imageexceptions", NAMESPACE, "", false));
        }
        return rows.stream();
    }

    /** components/policies-from-cluster's RBAC: read the objects, write only their status. */
    @ParameterizedTest(name = "with policies from the cluster, ecrgate {0}")
    @MethodSource("policyAccess")
    void thePoliciesFromClusterRbacReadsTheObjectsAndWritesOnlyTheirStatus(Access access) throws Exception {
        synchronized (DeployClusterIT.class) {
            if (!policyRbacApplied) {
                ProcessResult r = kube.kubectl("apply", "-f", ROOT.resolve(
                        "deploy/components/policies-from-cluster/rbac.yaml").toString());
                assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
                policyRbacApplied = true;
            }
        }
        theShippedRbacGrantsTheAuditExactlyWhatItNeeds(access);
    }

    static boolean policyRbacApplied;

    @ParameterizedTest(name = "ecrgate {0}")
    @MethodSource("auditAccess")
    void theShippedRbacGrantsTheAuditExactlyWhatItNeeds(Access access) {
        SelfSubjectAccessReview review = asEcrgate.authorization().v1().selfSubjectAccessReview().create(
                new SelfSubjectAccessReviewBuilder().withNewSpec().withNewResourceAttributes()
                        .withVerb(access.verb()).withGroup(access.group())
                        .withResource(access.resource().replaceFirst("/.*", ""))
                        .withSubresource(access.resource().contains("/")
                                ? access.resource().replaceFirst(".*/", "") : null)
                        .withNamespace(access.namespace()).withName(access.name())
                        .endResourceAttributes().endSpec().build());
        assertEquals(access.allowed(), review.getStatus().getAllowed(), () -> access + ": "
                + review.getStatus().getReason());
    }

    @Test
    void asEcrgateTheAuditsInformersSyncOverEveryNamespace() {
        try (SharedIndexInformer<Pod> pods = asEcrgate.pods().inAnyNamespace().inform();
             SharedIndexInformer<Deployment> deployments = asEcrgate.apps().deployments().inAnyNamespace().inform();
             SharedIndexInformer<Namespace> namespaces = asEcrgate.namespaces().inform()) {
            assertTrue(pods.hasSynced() && deployments.hasSynced() && namespaces.hasSynced());
            assertTrue(deployments.getStore().list().stream()
                    .anyMatch(d -> webUid.equals(d.getMetadata().getUid())), "the Deployment web is not seen");
            assertEquals("true", namespaces.getStore().list().stream()
                    .filter(n -> NAMESPACE.equals(n.getMetadata().getName()))
                    .map(n -> n.getMetadata().getLabels().get("ecrgate.dev/ignore"))
                    .findFirst().orElse("(namespace not seen)"));
        }
        assertForbidden(() -> asEcrgate.secrets().inAnyNamespace().list());
    }

    @Test
    void asEcrgateTheAuditCreatesUpdatesAndDeletesReportsAndEmitsEvents() throws Exception {
        var reports = reports(asEcrgate);
        GenericKubernetesResource created = reports.resource(generic(sampleReport("deployment-web-lifecycle")))
                .create();
        try {
            // a new decision: replaced whole (PUT), as a writer that keeps the object does
            @SuppressWarnings("unchecked")
            Map<String, Object> summary = (Map<String, Object>) created.getAdditionalProperties().get("summary");
            summary.put("fail", 0);
            summary.put("pass", 2);
            GenericKubernetesResource updated = reports.resource(created).update();
            assertNotEquals(created.getMetadata().getResourceVersion(), updated.getMetadata().getResourceVersion());
            // and merged (PATCH)
            reports.withName("deployment-web-lifecycle").patch(PatchContext.of(PatchType.JSON_MERGE),
                    "{\"summary\": {\"warn\": 1}}");
            assertEquals(Map.of("pass", 2, "fail", 0, "warn", 1, "error", 0, "skip", 0),
                    kube.client().genericKubernetesResources(REPORTS).inNamespace(NAMESPACE)
                            .withName("deployment-web-lifecycle").get().getAdditionalProperties().get("summary"));
        } finally {
            reports.withName("deployment-web-lifecycle").delete();
        }
        assertTrue(kube.client().genericKubernetesResources(REPORTS).inNamespace(NAMESPACE)
                .withName("deployment-web-lifecycle").get() == null, "the Report was not deleted");

        // a Warning Event on the owner that starts failing, then counted up again
        Event event = asEcrgate.v1().events().inNamespace(NAMESPACE).resource(new EventBuilder()
                .withNewMetadata().withGenerateName("web.").withNamespace(NAMESPACE).endMetadata()
                .withNewInvolvedObject().withApiVersion("apps/v1").withKind("Deployment").withName("web")
                .withNamespace(NAMESPACE).withUid(webUid).endInvolvedObject()
                .withType("Warning").withReason("ImagePolicyFailed")
                .withMessage("container \"api\": too many vulnerabilities: CRITICAL 3 (at most 0)")
                .withCount(1).withNewSource().withComponent("ecrgate").endSource()
                .build()).create();
        // resource(event), not withName(name): fabric8 then patches without reading the Event first (no get)
        Event counted = asEcrgate.v1().events().inNamespace(NAMESPACE).resource(event)
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"count\": 2}");
        assertEquals(2, counted.getCount());
        assertForbidden(() -> asEcrgate.v1().events().inNamespace(NAMESPACE).list());
    }

    @Test
    void asEcrgateTheAuditElectsItsLeaderWithTheLeaseEcrgateAuditAndTouchesNoOtherLease() throws Exception {
        kube.kubectl("-n", "ecrgate", "delete", "lease", LEASE, "--ignore-not-found");
        CountDownLatch leading = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        // fabric8's LeaderElector, as the audit runs it: get, then create (the Lease is missing), then renew
        CompletableFuture<?> election = asEcrgate.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName(LEASE)
                .withLock(new LeaseLock("ecrgate", LEASE, "ecrgate-5d8f7c9b4-x2v9q"))
                .withLeaseDuration(Duration.ofSeconds(10))
                .withRenewDeadline(Duration.ofSeconds(6))
                .withRetryPeriod(Duration.ofSeconds(1))
                .withLeaderCallbacks(new LeaderCallbacks(leading::countDown, stopped::countDown, leader -> { }))
                .build()).build().start();
        try {
            assertTrue(leading.await(30, TimeUnit.SECONDS), "ecrgate did not become the leader");
            Resource<Lease> lease = kube.client().leases().inNamespace("ecrgate").withName(LEASE);
            assertEquals("ecrgate-5d8f7c9b4-x2v9q", lease.get().getSpec().getHolderIdentity());
            String renewed = lease.get().getSpec().getRenewTime().toString();
            assertTrue(waitFor(Duration.ofSeconds(20),
                    () -> !renewed.equals(lease.get().getSpec().getRenewTime().toString())),
                    "the Lease was not renewed");
            assertEquals(1, stopped.getCount(), "ecrgate stopped leading: it could not renew the Lease");
        } finally {
            election.cancel(true);
        }

        // another Lease in the same namespace: not readable, not writable
        kube.kubectl("-n", "ecrgate", "delete", "lease", OTHER_LEASE, "--ignore-not-found");
        kube.client().leases().inNamespace("ecrgate").resource(new LeaseBuilder()
                .withNewMetadata().withName(OTHER_LEASE).endMetadata()
                .withNewSpec().withHolderIdentity("someone-else").withLeaseDurationSeconds(15).endSpec()
                .build()).create();
        Resource<Lease> other = asEcrgate.leases().inNamespace("ecrgate").withName(OTHER_LEASE);
        assertForbidden(other::get);
        assertForbidden(() -> other.patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"spec\": {\"holderIdentity\": \"ecrgate\"}}"));
        assertForbidden(() -> asEcrgate.leases().inNamespace("ecrgate").list());
        assertForbidden(() -> asEcrgate.leases().inNamespace("kube-node-lease").list());
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /** The sample Report (test resource), named and placed in {@link #NAMESPACE} with the Deployment web's uid. */
    static JsonNode sampleReport(String name) throws Exception {
        try (InputStream in = Objects.requireNonNull(DeployClusterIT.class.getResourceAsStream(
                "/dev/ecrgate/deploy/report-deployment-web.yaml"), "report-deployment-web.yaml")) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .replace("${namespace}", NAMESPACE)
                    .replace("${uid}", webUid);
            ObjectNode report = (ObjectNode) YAML.readTree(text);
            ((ObjectNode) report.path("metadata")).put("name", name);
            return report;
        }
    }

    static ObjectNode result(ObjectNode report) {
        return (ObjectNode) report.path("results").get(0);
    }

    /** The Reports in {@link #NAMESPACE}, through the client's identity. */
    static NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList,
            Resource<GenericKubernetesResource>> reports(KubernetesClient client) {
        return client.genericKubernetesResources(REPORTS).inNamespace(NAMESPACE);
    }

    static GenericKubernetesResource generic(JsonNode resource) throws Exception {
        return asEcrgate.getKubernetesSerialization().unmarshal(JSON.writeValueAsString(resource),
                GenericKubernetesResource.class);
    }

    static List<JsonNode> documents(String rendered) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(rendered)) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && doc.isObject()) {
                    out.add(doc);
                }
            }
        }
        return out;
    }

    static String yaml(List<JsonNode> docs) throws Exception {
        StringBuilder b = new StringBuilder();
        for (JsonNode d : docs) {
            b.append("---\n").append(YAML.writeValueAsString(d).replaceFirst("^---\\n", ""));
        }
        return b.toString();
    }

    private static boolean waitFor(Duration timeout, BooleanSupplier condition)
            throws InterruptedException {
        Instant end = Instant.now().plus(timeout);
        while (Instant.now().isBefore(end)) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(200);
        }
        return condition.getAsBoolean();
    }

    private static void assertForbidden(Runnable call) {
        KubernetesClientException e = assertThrows(KubernetesClientException.class, call::run);
        assertEquals(403, e.getCode(), e.getMessage());
    }
}
