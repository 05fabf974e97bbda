package dev.ecrgate.deploy;

import static dev.ecrgate.deploy.Manifests.yaml;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The manifests in {@code deploy/} as {@code kubectl apply -k} would send them: both variants are rendered with a
 * pinned kustomize ({@link Kustomize}) and checked field by field against the contract with the server (flags,
 * ports, paths, mounts), the webhook registration, the security settings and least-privilege RBAC. The policy copies
 * in {@code deploy/base/policies/} are checked against {@code policies/} without kustomize.
 *
 * <p>Whether a real API server accepts the manifests ({@code kubectl apply --dry-run=server}) is not checked here.
 */
class DeployManifestsIT {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path POLICIES = ROOT.resolve("policies");
    static final Path POLICY_COPIES = ROOT.resolve("deploy/base/policies");
    static final String RESYNC = "re-sync the copies with: rm deploy/base/policies/*.yaml && cp policies/*.yaml "
            + "deploy/base/policies/ (and list every file under configMapGenerator in deploy/base/kustomization.yaml)";

    static final JsonNode ABSENT = MissingNode.getInstance();
    static final String POD = "/spec/template/spec";
    static final String CONTAINER = POD + "/containers/0";
    static final String WEBHOOK = "/webhooks/0";

    /** The two ways to install, by kustomization directory. Each is rendered once, on first use. */
    enum Variant {
        DEFAULT("deploy"),
        CERT_MANAGER("deploy/cert-manager");

        private static final Map<Variant, Manifests> RENDERED = new ConcurrentHashMap<>();
        private static Kustomize kustomize;

        final String directory;

        Variant(String directory) {
            this.directory = directory;
        }

        Manifests rendered() {
            return RENDERED.computeIfAbsent(this, v -> Manifests.parse(kustomize().build(ROOT.resolve(v.directory))));
        }

        private static synchronized Kustomize kustomize() {
            if (kustomize == null) {
                kustomize = Kustomize.install();
            }
            return kustomize;
        }

        @Override
        public String toString() {
            return directory;
        }
    }

    // ---- which resources ---------------------------------------------------------------------------------------

    static Stream<Arguments> resourceSets() {
        Set<String> common = Set.of("Namespace ecrgate", "ServiceAccount ecrgate/ecrgate",
                "ConfigMap ecrgate/ecrgate-policies", "Service ecrgate/ecrgate", "Deployment ecrgate/ecrgate",
                "PodDisruptionBudget ecrgate/ecrgate", "NetworkPolicy ecrgate/ecrgate",
                "ValidatingWebhookConfiguration ecrgate", "CustomResourceDefinition imagepolicies.ecrgate.dev",
                "CustomResourceDefinition imageexceptions.ecrgate.dev");
        Set<String> rbac = Set.of("Role ecrgate/ecrgate", "RoleBinding ecrgate/ecrgate", "ClusterRole ecrgate",
                "ClusterRoleBinding ecrgate");
        Set<String> audit = Set.of("CustomResourceDefinition reports.openreports.io", "ClusterRole ecrgate-audit",
                "ClusterRoleBinding ecrgate-audit", "Role ecrgate/ecrgate-audit", "RoleBinding ecrgate/ecrgate-audit");
        Set<String> certManager = Set.of("Issuer ecrgate/ecrgate-selfsigned", "Certificate ecrgate/ecrgate-ca",
                "Issuer ecrgate/ecrgate-ca", "Certificate ecrgate/ecrgate-serving");
        return Stream.of(
                arguments("the default installs namespace, service account, RBAC, policies ConfigMap (no hash "
                        + "suffix), the ImagePolicy and ImageException CRDs, Deployment, Service, PDB, NetworkPolicy, webhook, and the audit's Report CRD and "
                        + "RBAC, and nothing else", Variant.DEFAULT, union(common, union(rbac, audit))),
                arguments("the cert-manager overlay installs the same without the certificates' RBAC (the audit's "
                        + "stays), plus two issuers and two certificates", Variant.CERT_MANAGER,
                        union(common, union(audit, certManager))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("resourceSets")
    void rendersExactlyTheseResources(String sentence, Variant variant, Set<String> expected) {
        assertEquals(new TreeSet<>(expected), variant.rendered().identities());
    }

    // ---- fields, exactly ---------------------------------------------------------------------------------------

    static Stream<Arguments> fields() {
        List<Arguments> rows = new ArrayList<>();
        // The webhook registration: the same in both variants (cert-manager only adds an annotation).
        both(rows, "the webhook is named images.ecrgate.dev",
                "ValidatingWebhookConfiguration", "ecrgate", WEBHOOK + "/name", "images.ecrgate.dev");
        both(rows, "there is no second webhook",
                "ValidatingWebhookConfiguration", "ecrgate", "/webhooks/1", null);
        both(rows, "the webhook takes admission.k8s.io/v1 reviews only",
                "ValidatingWebhookConfiguration", "ecrgate", WEBHOOK + "/admissionReviewVersions", "[v1]");
        both(rows, "the webhook declares no side effects, so dry-run requests are sent too",
                "ValidatingWebhookConfiguration", "ecrgate", WEBHOOK + "/sideEffects", "None");
        both(rows, "the webhook fails closed",
                "ValidatingWebhookConfiguration", "ecrgate", WEBHOOK + "/failurePolicy", "Fail");
        both(rows, "the webhook waits 10 seconds",
                "ValidatingWebhookConfiguration", "ecrgate", WEBHOOK + "/timeoutSeconds", "10");
        both(rows, "the webhook also sees requests through equivalent API versions",
                "ValidatingWebhookConfiguration", "ecrgate", WEBHOOK + "/matchPolicy", "Equivalent");
        both(rows, "the webhook calls POST /validate on service ecrgate/ecrgate port 443, with no caBundle in "
                        + "the manifest (filled in at run time)",
                "ValidatingWebhookConfiguration", "ecrgate", WEBHOOK + "/clientConfig", """
                        service: {namespace: ecrgate, name: ecrgate, path: /validate, port: 443}
                        """);
        both(rows, "the webhook skips kube-system, kube-node-lease, ecrgate and namespaces labelled "
                        + "ecrgate.dev/ignore=true",
                "ValidatingWebhookConfiguration", "ecrgate", WEBHOOK + "/namespaceSelector", """
                        matchExpressions:
                          - {key: kubernetes.io/metadata.name, operator: NotIn,
                             values: [kube-system, kube-node-lease, ecrgate]}
                          - {key: ecrgate.dev/ignore, operator: NotIn, values: ["true"]}
                        """);
        both(rows, "the webhook has no object selector",
                "ValidatingWebhookConfiguration", "ecrgate", WEBHOOK + "/objectSelector", null);
        one(rows, Variant.DEFAULT, "the webhook has no annotations (ecrgate writes its own caBundle)",
                "ValidatingWebhookConfiguration", "ecrgate", "/metadata/annotations", null);
        one(rows, Variant.CERT_MANAGER, "cert-manager injects the serving certificate's CA into the webhook",
                "ValidatingWebhookConfiguration", "ecrgate", "/metadata/annotations", """
                        cert-manager.io/inject-ca-from: ecrgate/ecrgate-serving
                        """);

        // The Deployment.
        both(rows, "the Deployment runs 3 replicas", "Deployment", "ecrgate", "/spec/replicas", "3");
        both(rows, "a rollout never takes a ready replica away first", "Deployment", "ecrgate",
                "/spec/strategy", "{type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}");
        both(rows, "the pods run as service account ecrgate", "Deployment", "ecrgate",
                POD + "/serviceAccountName", "ecrgate");
        both(rows, "the pods get 30 seconds to drain (ecrgate's --drain is 10 s)", "Deployment", "ecrgate",
                POD + "/terminationGracePeriodSeconds", "30");
        both(rows, "the pods run as non-root user 65532 with the runtime's seccomp profile", "Deployment", "ecrgate",
                POD + "/securityContext", """
                        runAsNonRoot: true
                        runAsUser: 65532
                        runAsGroup: 65532
                        fsGroup: 65532
                        seccompProfile: {type: RuntimeDefault}
                        """);
        both(rows, "the pods have no priority class (system-cluster-critical is refused outside kube-system on "
                + "some clusters)", "Deployment", "ecrgate", POD + "/priorityClassName", null);
        both(rows, "the pods share nothing with the node", "Deployment", "ecrgate", POD + "/hostNetwork", null);
        both(rows, "the pods spread over zones and nodes, preferred rather than required", "Deployment", "ecrgate",
                POD + "/topologySpreadConstraints", """
                        - maxSkew: 1
                          topologyKey: topology.kubernetes.io/zone
                          whenUnsatisfiable: ScheduleAnyway
                          labelSelector: {matchLabels: {app.kubernetes.io/name: ecrgate}}
                          matchLabelKeys: [pod-template-hash]
                        - maxSkew: 1
                          topologyKey: kubernetes.io/hostname
                          whenUnsatisfiable: ScheduleAnyway
                          labelSelector: {matchLabels: {app.kubernetes.io/name: ecrgate}}
                          matchLabelKeys: [pod-template-hash]
                        """);
        both(rows, "the pods have one container, ecrgate", "Deployment", "ecrgate", POD + "/containers/1", null);
        both(rows, "the container is named ecrgate", "Deployment", "ecrgate", CONTAINER + "/name", "ecrgate");
        both(rows, "the container runs the placeholder image", "Deployment", "ecrgate", CONTAINER + "/image",
                "ghcr.io/ecrgate/ecrgate:0.1.0");
        both(rows, "the container runs the jar with the Serial collector, half the memory limit as heap and the"
                + " Tier4 thresholds", "Deployment", "ecrgate", CONTAINER + "/command", """
                        [java, -XX:SharedArchiveFile=/app/ecrgate.jsa, -XX:+UseSerialGC, -XX:InitialRAMPercentage=50,
                         -XX:MaxRAMPercentage=50, -XX:Tier4InvocationThreshold=15000,
                         -XX:Tier4MinInvocationThreshold=1800, -XX:Tier4CompileThreshold=45000,
                         -XX:Tier4BackEdgeThreshold=120000, -jar, /app/ecrgate.jar]""");
        one(rows, Variant.DEFAULT, "the container serves with the self-managed CA in Secret ecrgate-ca",
                "Deployment", "ecrgate", CONTAINER + "/args", """
                        [serve, --policies=/etc/ecrgate/policies, --ca-secret=ecrgate-ca, --service=ecrgate,
                         --webhook-config=ecrgate, --port=8443, --audit=true]
                        """);
        one(rows, Variant.CERT_MANAGER, "the container serves cert-manager's certificate, without --ca-secret, "
                        + "--service and --webhook-config, with the audit on",
                "Deployment", "ecrgate", CONTAINER + "/args", """
                        [serve, --policies=/etc/ecrgate/policies, --tls-cert=/tls/tls.crt, --tls-key=/tls/tls.key,
                         --port=8443, --audit=true]
                        """);
        both(rows, "the container knows its namespace, its pod's name (the audit Lease's holder) and keeps "
                        + "temporary files in /tmp", "Deployment", "ecrgate", CONTAINER + "/env", """
                        - name: POD_NAMESPACE
                          valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
                        - name: POD_NAME
                          valueFrom: {fieldRef: {fieldPath: metadata.name}}
                        - name: JAVA_TOOL_OPTIONS
                          value: -Djava.io.tmpdir=/tmp
                        """);
        both(rows, "the container listens on 8443 only", "Deployment", "ecrgate", CONTAINER + "/ports",
                "[{name: https, containerPort: 8443, protocol: TCP}]");
        both(rows, "the container cannot escalate, write its root filesystem or use any capability",
                "Deployment", "ecrgate", CONTAINER + "/securityContext", """
                        runAsNonRoot: true
                        runAsUser: 65532
                        runAsGroup: 65532
                        readOnlyRootFilesystem: true
                        allowPrivilegeEscalation: false
                        capabilities: {drop: [ALL]}
                        seccompProfile: {type: RuntimeDefault}
                        """);
        both(rows, "the container requests 100m CPU and 256Mi and is limited to 1 CPU and 512Mi",
                "Deployment", "ecrgate", CONTAINER + "/resources", """
                        requests: {cpu: 100m, memory: 256Mi}
                        limits: {cpu: "1", memory: 512Mi}
                        """);
        both(rows, "liveness is GET /healthz over HTTPS", "Deployment", "ecrgate",
                CONTAINER + "/livenessProbe/httpGet", "{path: /healthz, port: https, scheme: HTTPS}");
        both(rows, "readiness is GET /readyz over HTTPS", "Deployment", "ecrgate",
                CONTAINER + "/readinessProbe/httpGet", "{path: /readyz, port: https, scheme: HTTPS}");
        both(rows, "start-up is GET /healthz over HTTPS, so a slow JVM start is not killed", "Deployment", "ecrgate",
                CONTAINER + "/startupProbe/httpGet", "{path: /healthz, port: https, scheme: HTTPS}");
        both(rows, "there is no preStop hook (ecrgate drains on SIGTERM, and the image has no shell)",
                "Deployment", "ecrgate", CONTAINER + "/lifecycle", null);
        one(rows, Variant.DEFAULT, "the container mounts the policies read-only and an emptyDir at /tmp",
                "Deployment", "ecrgate", CONTAINER + "/volumeMounts", """
                        - {name: policies, mountPath: /etc/ecrgate/policies, readOnly: true}
                        - {name: tmp, mountPath: /tmp}
                        """);
        one(rows, Variant.CERT_MANAGER, "the container mounts the policies, /tmp, and the TLS Secret read-only at /tls",
                "Deployment", "ecrgate", CONTAINER + "/volumeMounts", """
                        - {name: policies, mountPath: /etc/ecrgate/policies, readOnly: true}
                        - {name: tmp, mountPath: /tmp}
                        - {name: tls, mountPath: /tls, readOnly: true}
                        """);
        one(rows, Variant.DEFAULT, "the volumes are the ConfigMap ecrgate-policies and a small emptyDir",
                "Deployment", "ecrgate", POD + "/volumes", """
                        - {name: policies, configMap: {name: ecrgate-policies}}
                        - {name: tmp, emptyDir: {sizeLimit: 64Mi}}
                        """);
        one(rows, Variant.CERT_MANAGER, "the volumes add the Secret ecrgate-tls",
                "Deployment", "ecrgate", POD + "/volumes", """
                        - {name: policies, configMap: {name: ecrgate-policies}}
                        - {name: tmp, emptyDir: {sizeLimit: 64Mi}}
                        - {name: tls, secret: {secretName: ecrgate-tls}}
                        """);
        one(rows, Variant.DEFAULT, "the pods get an API token (ecrgate manages its CA and audits through the API)",
                "Deployment", "ecrgate", POD + "/automountServiceAccountToken", null);
        one(rows, Variant.CERT_MANAGER, "the pods get an API token (the audit reads and writes through the API)",
                "Deployment", "ecrgate", POD + "/automountServiceAccountToken", null);

        // Around the Deployment.
        both(rows, "the service account has no placeholder IRSA role", "ServiceAccount", "ecrgate",
                "/metadata/annotations", null);
        both(rows, "the Service maps 443 to the container's https port", "Service", "ecrgate", "/spec/ports",
                "[{name: https, protocol: TCP, port: 443, targetPort: https}]");
        both(rows, "the Service selects ecrgate's pods", "Service", "ecrgate", "/spec/selector",
                "{app.kubernetes.io/name: ecrgate}");
        both(rows, "the PodDisruptionBudget lets one replica go at a time", "PodDisruptionBudget", "ecrgate",
                "/spec", """
                        maxUnavailable: 1
                        unhealthyPodEvictionPolicy: AlwaysAllow
                        selector: {matchLabels: {app.kubernetes.io/name: ecrgate}}
                        """);
        both(rows, "the NetworkPolicy admits TCP 8443 only, from anywhere", "NetworkPolicy", "ecrgate",
                "/spec/ingress", "[{ports: [{protocol: TCP, port: 8443}]}]");
        both(rows, "the NetworkPolicy lets out DNS, HTTPS and the Pod Identity agent only", "NetworkPolicy",
                "ecrgate", "/spec/egress", """
                        - ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
                        - ports: [{protocol: TCP, port: 443}, {protocol: TCP, port: 6443}]
                        - to: [{ipBlock: {cidr: 169.254.170.23/32}}, {ipBlock: {cidr: "fd00:ec2::23/128"}}]
                          ports: [{protocol: TCP, port: 80}]
                        """);
        both(rows, "the NetworkPolicy restricts both directions of ecrgate's pods", "NetworkPolicy", "ecrgate",
                "/spec", """
                        {podSelector: {matchLabels: {app.kubernetes.io/name: ecrgate}}, policyTypes: [Ingress, Egress]}
                        """, "/podSelector", "/policyTypes");

        // RBAC: exactly what the self-managed CA needs.
        one(rows, Variant.DEFAULT, "the Role allows get and update of Secret ecrgate-ca, and creating Secrets",
                "Role", "ecrgate", "/rules", """
                        - {apiGroups: [""], resources: [secrets], resourceNames: [ecrgate-ca], verbs: [get, update]}
                        - {apiGroups: [""], resources: [secrets], verbs: [create]}
                        """);
        one(rows, Variant.DEFAULT, "the ClusterRole allows get, update and patch of webhook configuration ecrgate",
                "ClusterRole", "ecrgate", "/rules", """
                        - apiGroups: [admissionregistration.k8s.io]
                          resources: [validatingwebhookconfigurations]
                          resourceNames: [ecrgate]
                          verbs: [get, update, patch]
                        """);
        one(rows, Variant.DEFAULT, "the Role is bound to service account ecrgate/ecrgate only",
                "RoleBinding", "ecrgate", "", """
                        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: ecrgate}
                        subjects: [{kind: ServiceAccount, name: ecrgate, namespace: ecrgate}]
                        """, "/roleRef", "/subjects");
        one(rows, Variant.DEFAULT, "the ClusterRole is bound to service account ecrgate/ecrgate only",
                "ClusterRoleBinding", "ecrgate", "", """
                        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ecrgate}
                        subjects: [{kind: ServiceAccount, name: ecrgate, namespace: ecrgate}]
                        """, "/roleRef", "/subjects");

        // RBAC of the audit, the same in both variants.
        both(rows, "the audit may read pods, workloads and namespaces everywhere, write Reports and create Events",
                "ClusterRole", "ecrgate-audit", "/rules", """
                        - {apiGroups: [""], resources: [pods, replicationcontrollers, namespaces],
                           verbs: [get, list, watch]}
                        - {apiGroups: [apps], resources: [deployments, replicasets, statefulsets, daemonsets],
                           verbs: [get, list, watch]}
                        - {apiGroups: [batch], resources: [jobs, cronjobs], verbs: [get, list, watch]}
                        - {apiGroups: [openreports.io], resources: [reports],
                           verbs: [get, list, watch, create, update, patch, delete]}
                        - {apiGroups: [""], resources: [events], verbs: [create, patch]}
                        """);
        both(rows, "the audit's Role allows get, update and patch of Lease ecrgate-audit, and creating Leases",
                "Role", "ecrgate-audit", "/rules", """
                        - {apiGroups: [coordination.k8s.io], resources: [leases], resourceNames: [ecrgate-audit],
                           verbs: [get, update, patch]}
                        - {apiGroups: [coordination.k8s.io], resources: [leases], verbs: [create]}
                        """);
        both(rows, "the audit's ClusterRole is bound to service account ecrgate/ecrgate only",
                "ClusterRoleBinding", "ecrgate-audit", "", """
                        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ecrgate-audit}
                        subjects: [{kind: ServiceAccount, name: ecrgate, namespace: ecrgate}]
                        """, "/roleRef", "/subjects");
        both(rows, "the audit's Role is bound to service account ecrgate/ecrgate only",
                "RoleBinding", "ecrgate-audit", "", """
                        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: ecrgate-audit}
                        subjects: [{kind: ServiceAccount, name: ecrgate, namespace: ecrgate}]
                        """, "/roleRef", "/subjects");

        // The Report CRD (openreports.io/v1alpha1), the same in both variants.
        String crd = "reports.openreports.io";
        String version = "/spec/versions/0";
        String report = version + "/schema/openAPIV3Schema";
        String result = report + "/properties/results/items";
        String objectReference = """
                type: object
                properties:
                  apiVersion: {type: string}
                  kind: {type: string}
                  name: {type: string}
                  namespace: {type: string}
                  uid: {type: string}
                """;
        both(rows, "the CRD defines the namespaced kind Report (reports, short name reps) in openreports.io",
                "CustomResourceDefinition", crd, "/spec", """
                        group: openreports.io
                        scope: Namespaced
                        names: {kind: Report, listKind: ReportList, plural: reports, singular: report,
                                shortNames: [reps]}
                        """, "/group", "/scope", "/names");
        both(rows, "the CRD serves and stores v1alpha1, its only version, without subresources",
                "CustomResourceDefinition", crd, "/spec/versions", """
                        - {name: v1alpha1, served: true, storage: true}
                        """, "/0/name", "/0/served", "/0/storage", "/0/subresources", "/1");
        both(rows, "kubectl get reports shows the scope's kind and name, the five counts and the age",
                "CustomResourceDefinition", crd, version + "/additionalPrinterColumns", """
                        - {name: Kind, type: string, jsonPath: .scope.kind}
                        - {name: Name, type: string, jsonPath: .scope.name}
                        - {name: Pass, type: integer, jsonPath: .summary.pass}
                        - {name: Fail, type: integer, jsonPath: .summary.fail}
                        - {name: Warn, type: integer, jsonPath: .summary.warn}
                        - {name: Error, type: integer, jsonPath: .summary.error}
                        - {name: Skip, type: integer, jsonPath: .summary.skip}
                        - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
                        """);
        both(rows, "a Report is an object, with nothing required at the top level",
                "CustomResourceDefinition", crd, report, "{type: object}", "/type", "/required",
                "/x-kubernetes-preserve-unknown-fields");
        both(rows, "a Report's scope is an ObjectReference (apiVersion, kind, name, namespace, uid)",
                "CustomResourceDefinition", crd, report + "/properties/scope", objectReference, "/type",
                "/properties");
        both(rows, "a Report's source is a string",
                "CustomResourceDefinition", crd, report + "/properties/source/type", "string");
        both(rows, "a Report's summary counts pass, fail, warn, error and skip, none below 0",
                "CustomResourceDefinition", crd, report + "/properties/summary", """
                        type: object
                        properties:
                          pass: {type: integer, minimum: 0}
                          fail: {type: integer, minimum: 0}
                          warn: {type: integer, minimum: 0}
                          error: {type: integer, minimum: 0}
                          skip: {type: integer, minimum: 0}
                        """, "/type", "/properties");
        both(rows, "a Report's results are an array of objects",
                "CustomResourceDefinition", crd, report + "/properties/results/type", "array");
        both(rows, "a result must name its policy",
                "CustomResourceDefinition", crd, result, "{type: object, required: [policy]}", "/type",
                "/required");
        both(rows, "a result's source, policy, rule, category and message are strings and scored is a boolean",
                "CustomResourceDefinition", crd, result + "/properties", """
                        source: {type: string}
                        policy: {type: string}
                        rule: {type: string}
                        category: {type: string}
                        message: {type: string}
                        scored: {type: boolean}
                        """, "/source", "/policy", "/rule", "/category", "/message", "/scored");
        both(rows, "a result's severity is critical, high, medium, low or info",
                "CustomResourceDefinition", crd, result + "/properties/severity", """
                        {type: string, enum: [critical, high, medium, low, info]}
                        """, "/type", "/enum");
        both(rows, "a result is pass, fail, warn, error or skip",
                "CustomResourceDefinition", crd, result + "/properties/result", """
                        {type: string, enum: [pass, fail, warn, error, skip]}
                        """, "/type", "/enum");
        both(rows, "a result's timestamp is seconds (int64) and nanos (int32, 0 to 999999999)",
                "CustomResourceDefinition", crd, result + "/properties/timestamp", """
                        type: object
                        properties:
                          seconds: {type: integer, format: int64}
                          nanos: {type: integer, format: int32, minimum: 0, maximum: 999999999}
                        """, "/type", "/properties");
        both(rows, "a result's subjects are ObjectReferences",
                "CustomResourceDefinition", crd, result + "/properties/subjects", "{type: array, items: "
                        + yaml(objectReference) + "}", "/type", "/items/type", "/items/properties");
        both(rows, "a result's properties map strings to strings",
                "CustomResourceDefinition", crd, result + "/properties/properties", """
                        {type: object, additionalProperties: {type: string}}
                        """, "/type", "/additionalProperties", "/properties");

        // cert-manager: a CA of ecrgate's own signs the serving certificate.
        one(rows, Variant.CERT_MANAGER, "the serving certificate is for every name of the Service, ECDSA P-256, "
                        + "renewed a month early, in Secret ecrgate-tls",
                "Certificate", "ecrgate-serving", "/spec", """
                        secretName: ecrgate-tls
                        dnsNames: [ecrgate, ecrgate.ecrgate, ecrgate.ecrgate.svc, ecrgate.ecrgate.svc.cluster.local]
                        privateKey: {algorithm: ECDSA, size: 256, rotationPolicy: Always}
                        renewBefore: 720h
                        issuerRef: {kind: Issuer, name: ecrgate-ca}
                        """, "/secretName", "/dnsNames", "/privateKey", "/renewBefore", "/issuerRef");
        one(rows, Variant.CERT_MANAGER, "the issuer ecrgate-ca signs with the CA certificate's Secret",
                "Issuer", "ecrgate-ca", "/spec", "{ca: {secretName: ecrgate-root-ca}}");
        one(rows, Variant.CERT_MANAGER, "the CA certificate is self-signed into Secret ecrgate-root-ca",
                "Certificate", "ecrgate-ca", "/spec", """
                        isCA: true
                        secretName: ecrgate-root-ca
                        issuerRef: {kind: Issuer, name: ecrgate-selfsigned}
                        """, "/isCA", "/secretName", "/issuerRef");
        one(rows, Variant.CERT_MANAGER, "the issuer ecrgate-selfsigned is self-signed",
                "Issuer", "ecrgate-selfsigned", "/spec", "{selfSigned: {}}");
        return rows.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fields")
    void fieldIsExactly(String sentence, Variant variant, String kind, String name, String pointer,
            JsonNode expected) {
        JsonNode actual = variant.rendered().get(kind, name).at(pointer);
        assertEquals(expected, actual, () -> variant + ": " + kind + " " + name + " at " + pointer);
    }

    // ---- what the webhook is sent ------------------------------------------------------------------------------

    /** Every resource ecrgate judges, as group/resource (core group empty), all at version v1. */
    static final List<String> JUDGED = List.of("/pods", "/pods/ephemeralcontainers", "/replicationcontrollers",
            "apps/deployments", "apps/replicasets", "apps/statefulsets", "apps/daemonsets", "batch/jobs",
            "batch/cronjobs");

    static Stream<Arguments> judgedResources() {
        return Stream.of(Variant.values()).flatMap(variant -> JUDGED.stream().map(resource -> arguments(
                variant + ": CREATE and UPDATE of " + resource.replaceFirst("^/", "core/") + " v1 go to ecrgate",
                variant, resource)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("judgedResources")
    void webhookIsSent(String sentence, Variant variant, String groupResource) {
        assertTrue(webhookRules(variant.rendered()).contains(groupResource + " v1 CREATE,UPDATE Namespaced"),
                () -> "no rule sends " + groupResource + " v1 CREATE,UPDATE Namespaced; rules: "
                        + webhookRules(variant.rendered()));
    }

    static Stream<Variant> variants() {
        return Stream.of(Variant.values());
    }

    @ParameterizedTest(name = "{0}: the webhook is sent those resources and nothing else, no wildcards, no DELETE")
    @MethodSource("variants")
    void webhookIsSentNothingElse(Variant variant) {
        Set<String> expected = JUDGED.stream().map(r -> r + " v1 CREATE,UPDATE Namespaced")
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expected, webhookRules(variant.rendered()));
    }

    /** Each (group, version, resource) of every rule as {@code group/resource version OPS scope}. */
    static Set<String> webhookRules(Manifests manifests) {
        Set<String> rules = new TreeSet<>();
        for (JsonNode rule : manifests.get("ValidatingWebhookConfiguration", "ecrgate").at(WEBHOOK + "/rules")) {
            String operations = strings(rule.path("operations")).stream().collect(Collectors.joining(","));
            for (String group : strings(rule.path("apiGroups"))) {
                for (String version : strings(rule.path("apiVersions"))) {
                    for (String resource : strings(rule.path("resources"))) {
                        rules.add(group + "/" + resource + " " + version + " " + operations + " "
                                + rule.path("scope").asText("(no scope)"));
                    }
                }
            }
        }
        return rules;
    }

    // ---- how the pieces fit together ---------------------------------------------------------------------------

    record Check(String sentence, Variant variant, Consumer<Manifests> check) {
        @Override
        public String toString() {
            return variant + ": " + sentence;
        }
    }

    static Stream<Check> fit() {
        List<Check> checks = new ArrayList<>();
        for (Variant variant : Variant.values()) {
            checks.add(new Check("the webhook's timeout leaves room beyond ecrgate's own 3 s deadline, within the "
                    + "API's 30 s", variant, m -> {
                        int timeout = m.get("ValidatingWebhookConfiguration", "ecrgate")
                                .at(WEBHOOK + "/timeoutSeconds").asInt();
                        assertTrue(timeout > 3 && timeout <= 30, "timeoutSeconds " + timeout);
                    }));
            checks.add(new Check("the Deployment, Service, PDB and NetworkPolicy all select the pod template's "
                    + "labels", variant, m -> {
                        JsonNode labels = m.get("Deployment", "ecrgate").at("/spec/template/metadata/labels");
                        assertSelects(labels, m.get("Deployment", "ecrgate").at("/spec/selector/matchLabels"));
                        assertSelects(labels, m.get("Service", "ecrgate").at("/spec/selector"));
                        assertSelects(labels, m.get("PodDisruptionBudget", "ecrgate").at("/spec/selector/matchLabels"));
                        assertSelects(labels, m.get("NetworkPolicy", "ecrgate").at("/spec/podSelector/matchLabels"));
                    }));
            checks.add(new Check("the webhook calls the rendered Service, whose port reaches container port 8443",
                    variant, m -> {
                        JsonNode service = m.get("ValidatingWebhookConfiguration", "ecrgate")
                                .at(WEBHOOK + "/clientConfig/service");
                        JsonNode target = m.get("Service", service.path("name").asText());
                        assertEquals(service.path("namespace").asText(), target.at("/metadata/namespace").asText());
                        JsonNode port = target.at("/spec/ports/0");
                        assertEquals(service.path("port").asInt(), port.path("port").asInt());
                        assertEquals(8443, containerPort(m, port.path("targetPort")));
                    }));
            checks.add(new Check("every probe reaches container port 8443", variant, m -> {
                for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                    JsonNode port = m.get("Deployment", "ecrgate").at(CONTAINER + "/" + probe + "/httpGet/port");
                    assertEquals(8443, containerPort(m, port), probe);
                }
            }));
            checks.add(new Check("--policies is where the ConfigMap ecrgate-policies is mounted", variant, m -> {
                JsonNode pod = m.get("Deployment", "ecrgate").at(POD);
                assertEquals("/etc/ecrgate/policies", mountOf(pod, "configMap", "name", "ecrgate-policies"));
                assertTrue(strings(pod.at("/containers/0/args")).contains("--policies=/etc/ecrgate/policies"));
            }));
            checks.add(new Check("/tmp is a writable emptyDir under the read-only root filesystem", variant, m -> {
                JsonNode pod = m.get("Deployment", "ecrgate").at(POD);
                assertEquals("/tmp", mountOf(pod, "emptyDir", null, null));
                assertEquals(true, pod.at("/containers/0/securityContext/readOnlyRootFilesystem").asBoolean());
            }));
            checks.add(new Check("every document has an apiVersion, a kind and a name, and every namespaced one is "
                    + "in ecrgate", variant, m -> {
                        for (JsonNode d : m.documents()) {
                            assertTrue(d.hasNonNull("apiVersion") && d.hasNonNull("kind")
                                    && d.at("/metadata/name").isTextual(), Manifests.identity(d));
                            String namespace = d.at("/metadata/namespace").asText("");
                            Set<String> clusterScoped = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding",
                                    "ValidatingWebhookConfiguration", "CustomResourceDefinition");
                            assertEquals(clusterScoped.contains(d.path("kind").asText()) ? "" : "ecrgate", namespace,
                                    Manifests.identity(d));
                        }
                    }));
            checks.add(new Check("the audit may get, list and watch every kind the webhook is sent", variant, m -> {
                Set<String> audited = auditReads(m);
                for (String rule : webhookRules(m)) {
                    String groupResource = rule.substring(0, rule.indexOf(' '));
                    if (groupResource.indexOf('/') == groupResource.lastIndexOf('/')) {   // not a subresource
                        assertTrue(audited.contains(groupResource), () -> groupResource + " not in " + audited);
                    }
                }
            }));
            checks.add(new Check("the audit may read namespaces, to skip those the webhook's namespaceSelector "
                    + "skips", variant, m -> assertTrue(auditReads(m).contains("/namespaces"), auditReads(m)::toString)));
            checks.add(new Check("the audit writes Reports of the group and plural the CRD defines", variant, m -> {
                JsonNode crd = m.get("CustomResourceDefinition", "reports.openreports.io");
                assertEquals(crd.at("/spec/names/plural").asText() + "." + crd.at("/spec/group").asText(),
                        crd.at("/metadata/name").asText());
                JsonNode rule = ruleFor(m.get("ClusterRole", "ecrgate-audit"), crd.at("/spec/group").asText(),
                        crd.at("/spec/names/plural").asText(), false);
                assertTrue(strings(rule.path("verbs")).containsAll(List.of("create", "update", "delete")),
                        rule::toString);
            }));
            checks.add(new Check("the audit Lease's Role is in the pods' namespace (POD_NAMESPACE), and the pods "
                    + "know their name (POD_NAME)", variant, m -> {
                        JsonNode deployment = m.get("Deployment", "ecrgate");
                        assertEquals(deployment.at("/metadata/namespace").asText(),
                                m.get("Role", "ecrgate-audit").at("/metadata/namespace").asText());
                        Map<String, String> fields = new TreeMap<>();
                        deployment.at(CONTAINER + "/env").forEach(e -> fields.put(e.path("name").asText(),
                                e.at("/valueFrom/fieldRef/fieldPath").asText()));
                        assertEquals("metadata.namespace", fields.get("POD_NAMESPACE"));
                        assertEquals("metadata.name", fields.get("POD_NAME"));
                        assertEquals(List.of("ecrgate-audit"), strings(ruleFor(m.get("Role", "ecrgate-audit"),
                                "coordination.k8s.io", "leases", true).path("resourceNames")));
                    }));
            checks.add(new Check("the audit is switched on exactly once", variant, m -> {
                List<String> audit = strings(m.get("Deployment", "ecrgate").at(CONTAINER + "/args")).stream()
                        .filter(a -> a.startsWith("--audit")).toList();
                assertEquals(List.of("--audit=true"), audit);
            }));
            checks.add(new Check("the Report schema has the fields of openreports.io/v1alpha1, and no others",
                    variant, m -> {
                        JsonNode report = m.get("CustomResourceDefinition", "reports.openreports.io")
                                .at("/spec/versions/0/schema/openAPIV3Schema");
                        JsonNode result = report.at("/properties/results/items");
                        Set<String> objectReference = Set.of("apiVersion", "kind", "name", "namespace", "uid");
                        assertEquals(Set.of("apiVersion", "kind", "metadata", "scope", "source", "summary",
                                "results"), fieldNames(report));
                        assertEquals(objectReference, fieldNames(report.at("/properties/scope")));
                        assertEquals(Set.of("pass", "fail", "warn", "error", "skip"),
                                fieldNames(report.at("/properties/summary")));
                        assertEquals(Set.of("source", "policy", "rule", "category", "severity", "timestamp",
                                "result", "scored", "subjects", "message", "properties"), fieldNames(result));
                        assertEquals(Set.of("seconds", "nanos"), fieldNames(result.at("/properties/timestamp")));
                        assertEquals(objectReference, fieldNames(result.at("/properties/subjects/items")));
                    }));
        }
        checks.add(new Check("--ca-secret, --service and --webhook-config name what the RBAC grants and what is "
                + "rendered", Variant.DEFAULT, m -> {
                    List<String> args = strings(m.get("Deployment", "ecrgate").at(CONTAINER + "/args"));
                    assertTrue(args.contains("--ca-secret=ecrgate-ca"), args::toString);
                    assertEquals(List.of("ecrgate-ca"), strings(m.get("Role", "ecrgate").at("/rules/0/resourceNames")));
                    assertTrue(args.contains("--service=ecrgate"), args::toString);
                    m.get("Service", "ecrgate");
                    assertTrue(args.contains("--webhook-config=ecrgate"), args::toString);
                    m.get("ValidatingWebhookConfiguration", "ecrgate");
                    assertEquals(List.of("ecrgate"), strings(m.get("ClusterRole", "ecrgate").at("/rules/0/resourceNames")));
                }));
        checks.add(new Check("no argument of the self-managed CA is left", Variant.CERT_MANAGER, m -> {
            List<String> args = strings(m.get("Deployment", "ecrgate").at(CONTAINER + "/args"));
            for (String arg : args) {
                assertTrue(!arg.startsWith("--ca-secret") && !arg.startsWith("--service")
                        && !arg.startsWith("--webhook-config"), args::toString);
            }
        }));
        checks.add(new Check("inject-ca-from names the serving Certificate, whose Secret is mounted at /tls where "
                + "--tls-cert and --tls-key read it", Variant.CERT_MANAGER, m -> {
                    String[] ref = m.get("ValidatingWebhookConfiguration", "ecrgate")
                            .at("/metadata/annotations/cert-manager.io~1inject-ca-from").asText().split("/");
                    JsonNode certificate = m.get("Certificate", ref[1]);
                    assertEquals(ref[0], certificate.at("/metadata/namespace").asText());
                    String secret = certificate.at("/spec/secretName").asText();
                    JsonNode pod = m.get("Deployment", "ecrgate").at(POD);
                    String mount = mountOf(pod, "secret", "secretName", secret);
                    List<String> args = strings(pod.at("/containers/0/args"));
                    assertTrue(args.contains("--tls-cert=" + mount + "/tls.crt"), args::toString);
                    assertTrue(args.contains("--tls-key=" + mount + "/tls.key"), args::toString);
                }));
        checks.add(new Check("the serving certificate names the webhook's Service in every DNS form",
                Variant.CERT_MANAGER, m -> {
                    JsonNode service = m.get("ValidatingWebhookConfiguration", "ecrgate")
                            .at(WEBHOOK + "/clientConfig/service");
                    String base = service.path("name").asText() + "." + service.path("namespace").asText();
                    assertEquals(List.of(service.path("name").asText(), base, base + ".svc",
                                    base + ".svc.cluster.local"),
                            strings(m.get("Certificate", "ecrgate-serving").at("/spec/dnsNames")));
                }));
        return checks.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fit")
    void piecesFit(Check check) {
        check.check().accept(check.variant().rendered());
    }

    // ---- leaving the Report CRD out -----------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} with the component without-report-crd: everything but the Report CRD")
    @ValueSource(strings = {"deploy", "deploy/cert-manager", "deploy/first-install"})
    void theComponentWithoutReportCrdLeavesOutTheCrdAndNothingElse(String directory) throws IOException {
        // an overlay as a user would write it; kustomize takes only relative paths to other kustomizations
        Path overlay = Path.of("target", "without-report-crd", directory.replace('/', '-')).toAbsolutePath();
        Files.createDirectories(overlay);
        Files.writeString(overlay.resolve("kustomization.yaml"), """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources: [%s]
                components: [%s]
                """.formatted(overlay.relativize(ROOT.resolve(directory)),
                overlay.relativize(ROOT.resolve("deploy/components/without-report-crd"))));
        Manifests with = Manifests.parse(Variant.kustomize().build(ROOT.resolve(directory)));
        Manifests without = Manifests.parse(Variant.kustomize().build(overlay));
        List<JsonNode> expected = with.documents().stream()
                .filter(d -> !(d.path("kind").asText().equals("CustomResourceDefinition")
                        && d.at("/metadata/name").asText().equals("reports.openreports.io")))
                .toList();
        assertEquals(expected.size() + 1, with.documents().size(), () -> with.identities().toString());
        assertEquals(expected, without.documents());
    }

    // ---- the policies ------------------------------------------------------------------------------------------

    @Test
    @DisplayName("deploy/base/policies/ holds a copy of every policies/*.yaml and nothing else")
    void policyCopiesAreTheSameFiles() {
        assertEquals(policyFiles(POLICIES).keySet(), policyFiles(POLICY_COPIES).keySet(),
                "deploy/base/policies/*.yaml and policies/*.yaml are not the same files; " + RESYNC);
    }

    static Stream<Arguments> policies() {
        return policyFiles(POLICIES).keySet().stream()
                .map(name -> arguments("deploy/base/policies/" + name + " is a byte-for-byte copy of policies/" + name,
                        name));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("policies")
    void policyCopyIsIdentical(String sentence, String name) throws IOException {
        Path copy = POLICY_COPIES.resolve(name);
        assertTrue(Files.exists(copy), () -> "deploy/base/policies/" + name + " is missing; " + RESYNC);
        assertArrayEquals(Files.readAllBytes(POLICIES.resolve(name)), Files.readAllBytes(copy),
                () -> "deploy/base/policies/" + name + " differs from policies/" + name + "; " + RESYNC);
    }

    @ParameterizedTest(name = "{0}: the ConfigMap ecrgate-policies holds every policy file as it is")
    @MethodSource("variants")
    void configMapHoldsThePolicies(Variant variant) {
        JsonNode data = variant.rendered().get("ConfigMap", "ecrgate-policies").path("data");
        Map<String, String> rendered = new TreeMap<>();
        data.properties().forEach(e -> rendered.put(e.getKey(), e.getValue().asText()));
        assertEquals(policyFiles(POLICIES), rendered, "the ConfigMap ecrgate-policies does not hold policies/*.yaml "
                + "as they are; " + RESYNC);
    }

    /** File name to content (UTF-8) of every {@code *.yaml} directly in the directory, sorted by name. */
    static Map<String, String> policyFiles(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            Map<String, String> contents = new TreeMap<>();
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".yaml")).toList()) {
                contents.put(file.getFileName().toString(), Files.readString(file, StandardCharsets.UTF_8));
            }
            return contents;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + directory + "; " + RESYNC, e);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /** Adds one row for each variant, named with the variant. */
    private static void both(List<Arguments> rows, String sentence, String kind, String name, String pointer,
            String expectedYaml, String... onlyKeys) {
        for (Variant variant : Variant.values()) {
            one(rows, variant, sentence, kind, name, pointer, expectedYaml, onlyKeys);
        }
    }

    /**
     * Adds a row: the value at {@code pointer} equals {@code expectedYaml} ({@code null}: is absent). With
     * {@code onlyKeys}, the expectation is split into one row per sub-pointer, so that fields that are not part of
     * the contract (labels, durations) may differ.
     */
    private static void one(List<Arguments> rows, Variant variant, String sentence, String kind, String name,
            String pointer, String expectedYaml, String... onlyKeys) {
        JsonNode expected = expectedYaml == null ? ABSENT : yaml(expectedYaml);
        if (onlyKeys.length == 0) {
            rows.add(arguments(variant + ": " + sentence, variant, kind, name, pointer, expected));
            return;
        }
        for (String key : onlyKeys) {
            rows.add(arguments(variant + ": " + sentence + " (" + key.substring(1) + ")", variant, kind, name,
                    pointer + key, expected.at(key)));
        }
    }

    private static void assertSelects(JsonNode podLabels, JsonNode matchLabels) {
        assertTrue(matchLabels.isObject() && !matchLabels.isEmpty(), "empty selector");
        matchLabels.properties().forEach(e -> assertEquals(e.getValue(), podLabels.path(e.getKey()),
                "selector " + matchLabels + " does not match pod labels " + podLabels));
    }

    /** The container port a Service targetPort or probe port means: a number, or the name of a container port. */
    private static int containerPort(Manifests m, JsonNode port) {
        if (port.isInt()) {
            return port.asInt();
        }
        for (JsonNode p : m.get("Deployment", "ecrgate").at(CONTAINER + "/ports")) {
            if (port.asText().equals(p.path("name").asText())) {
                return p.path("containerPort").asInt();
            }
        }
        throw new AssertionError("no container port named " + port);
    }

    /** The mount path of the pod's volume of this type (and, when given, with field = value). */
    private static String mountOf(JsonNode pod, String type, String field, String value) {
        for (JsonNode volume : pod.path("volumes")) {
            JsonNode source = volume.path(type);
            if (source.isObject() && (field == null || value.equals(source.path(field).asText()))) {
                for (JsonNode mount : pod.at("/containers/0/volumeMounts")) {
                    if (volume.path("name").asText().equals(mount.path("name").asText())) {
                        return mount.path("mountPath").asText();
                    }
                }
                throw new AssertionError("volume " + volume.path("name").asText() + " is not mounted");
            }
        }
        throw new AssertionError("no " + type + " volume" + (field == null ? "" : " with " + field + " " + value));
    }

    /** {@code group/resource} (core group empty) of every resource the audit's ClusterRole may get, list and watch. */
    private static Set<String> auditReads(Manifests m) {
        Set<String> reads = new TreeSet<>();
        for (JsonNode rule : m.get("ClusterRole", "ecrgate-audit").path("rules")) {
            if (strings(rule.path("verbs")).containsAll(List.of("get", "list", "watch"))) {
                for (String group : strings(rule.path("apiGroups"))) {
                    for (String resource : strings(rule.path("resources"))) {
                        reads.add(group + "/" + resource);
                    }
                }
            }
        }
        return reads;
    }

    /** The one rule of the role about this group and resource, limited to resourceNames or not. */
    private static JsonNode ruleFor(JsonNode role, String group, String resource, boolean byName) {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode rule : role.path("rules")) {
            if (strings(rule.path("apiGroups")).contains(group) && strings(rule.path("resources")).contains(resource)
                    && rule.has("resourceNames") == byName) {
                found.add(rule);
            }
        }
        assertEquals(1, found.size(), () -> "rules for " + group + "/" + resource + " in " + role.path("rules"));
        return found.get(0);
    }

    /** The names under {@code properties} of an object schema. */
    private static Set<String> fieldNames(JsonNode schema) {
        Set<String> names = new TreeSet<>();
        schema.path("properties").fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    private static Set<String> union(Set<String> some, Set<String> more) {
        return Stream.concat(some.stream(), more.stream()).collect(Collectors.toSet());
    }
}
