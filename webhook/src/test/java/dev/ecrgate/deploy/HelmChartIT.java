package dev.ecrgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.ecrgate.kube.ProcessResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Helm chart {@code deploy/helm/ecrgate} against the kustomize manifests it mirrors: rendered with the values
 * of a variant, it gives the very objects {@code kustomize build} gives for that variant, field by field; it lints
 * clean; its copies of deploy/ files are equal to them; and each value changes what it says and nothing it should not.
 *
 * <p>What the parity comparison ignores, and only that: the labels Helm adds ({@link #HELM_LABELS}, wherever a label
 * map or selector holds them), and a content-hash suffix kustomize's configMapGenerator would append to a ConfigMap
 * or Secret name (and every reference to that name), should one be turned on.
 */
class HelmChartIT {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path CHART = ROOT.resolve(Helm.CHART);
    /** The label keys the chart adds to every object and selector, which deploy/ does not have. */
    static final Set<String> HELM_LABELS = Set.of("helm.sh/chart", "app.kubernetes.io/managed-by",
            "app.kubernetes.io/instance", "app.kubernetes.io/version");
    /** kustomize's name hash: a dash and ten characters of its alphabet. */
    static final Pattern HASH_SUFFIX = Pattern.compile("^(.+)-[bcdfghkmt2-9]{10}$");
    static final Pattern SOURCE = Pattern.compile("(?m)^# Source: (\\S+)$");

    static Helm helm;
    static Kustomize kustomize;

    @BeforeAll
    static void install() {
        helm = Helm.install();
        kustomize = Kustomize.install();
    }

    /** The chart rendered as release ecrgate in namespace ecrgate, as deploy/ installs. */
    static Manifests render(String... args) {
        return Manifests.parse(helm.template("ecrgate", "ecrgate", CHART, args));
    }

    // ---- parity with kustomize -----------------------------------------------------------------------------------

    /** A kustomize variant and the values that make the chart render the same. */
    record Variant(String directory, List<String> args) {
        @Override
        public String toString() {
            return "helm template " + String.join(" ", args) + " renders what kustomize build " + directory + " does";
        }
    }

    static Stream<Variant> variants() {
        return Stream.of(
                new Variant("deploy", List.of()),
                new Variant("deploy/cert-manager", List.of("--set", "certificates.mode=cert-manager")),
                new Variant("deploy/first-install",
                        List.of("--set", "warnOnly=true", "--set", "webhook.failurePolicy=Ignore")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void theChartRendersTheObjectsOfTheKustomization(Variant variant) {
        String rendered = helm.template("ecrgate", "ecrgate", CHART, variant.args().toArray(String[]::new));
        Map<String, String> sources = sources(rendered);
        Map<String, JsonNode> fromHelm = byIdentity(Manifests.parse(rendered).documents());
        List<JsonNode> kustomized = Manifests.parse(kustomize.build(ROOT.resolve(variant.directory()))).documents();
        Map<String, JsonNode> fromKustomize = byIdentity(withoutHashSuffixes(kustomized, fromHelm.keySet()));

        List<String> differences = new ArrayList<>();
        for (String identity : union(fromKustomize.keySet(), fromHelm.keySet())) {
            JsonNode expected = fromKustomize.get(identity);
            JsonNode actual = fromHelm.get(identity);
            if (actual == null) {
                differences.add(identity + ": in kustomize build " + variant.directory() + ", not rendered by the chart");
            } else if (expected == null) {
                differences.add(identity + " (" + sources.get(identity) + "): rendered by the chart, not in "
                        + variant.directory());
            } else {
                List<String> fields = new ArrayList<>();
                diff("", withoutHelmLabels(expected), withoutHelmLabels(actual), fields);
                for (String field : fields) {
                    differences.add(identity + " (" + sources.get(identity) + ") " + field);
                }
            }
        }
        if (!differences.isEmpty()) {
            fail(differences.size() + " differences between the chart and " + variant.directory() + " (adapt the "
                    + "template named, see deploy/helm/ecrgate/README.md, \"Parity\"):\n  "
                    + String.join("\n  ", differences));
        }
    }

    @Test
    void everyFileOfTheKustomizeBaseHasATemplateOfTheSameName() throws IOException {
        List<String> missing = new ArrayList<>();
        try (Stream<Path> files = Files.list(ROOT.resolve("deploy/base"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                String name = file.getFileName().toString();
                if (name.equals("kustomization.yaml")) {
                    continue;
                }
                Path counterpart = CHART.resolve(name.startsWith("crd-") ? "crds" : "templates").resolve(name);
                if (!Files.exists(counterpart)) {
                    missing.add("deploy/base/" + name + " has no " + ROOT.relativize(counterpart));
                }
            }
        }
        assertTrue(Files.exists(CHART.resolve("templates/policies.yaml")), "the ConfigMap of base/policies/");
        assertEquals(List.of(), missing);
    }

    static Stream<String[]> copies() {
        return Stream.of(
                new String[] {"deploy/prometheus-rules.yaml", "files/prometheus-rules.yaml"},
                new String[] {"deploy/grafana-dashboard.json", "files/grafana-dashboard.json"},
                new String[] {"deploy/base/crd-openreports-report.yaml", "crds/crd-openreports-report.yaml"});
    }

    @ParameterizedTest(name = "the chart''s {1} is a copy of {0}")
    @MethodSource("copies")
    void theChartsCopiesOfDeployFilesAreEqualToThem(String original, String copy) throws IOException {
        assertEquals(Files.readString(ROOT.resolve(original)), Files.readString(CHART.resolve(copy)),
                "re-sync with: cp " + original + " deploy/helm/ecrgate/" + copy);
    }

    @Test
    void theChartsBuiltInPoliciesAreTheFilesOfTheKustomizeBase() throws IOException {
        Map<String, String> base = readAll(ROOT.resolve("deploy/base/policies"));
        assertEquals(base, readAll(CHART.resolve("files/policies")),
                "re-sync with: rm deploy/helm/ecrgate/files/policies/* && cp deploy/base/policies/*.yaml "
                        + "deploy/helm/ecrgate/files/policies/");
    }

    // ---- lint ----------------------------------------------------------------------------------------------------

    static Stream<List<String>> lintedValues() {
        return Stream.of(List.of(),
                List.of("--set", "certificates.mode=cert-manager"),
                List.of("--set", "certificates.mode=existing-secret", "--set", "certificates.existingSecret.name=t"),
                List.of("--set", "policies.source=cluster", "--set", "audit.enabled=false"),
                List.of("--set", "metrics.serviceMonitor.enabled=true", "--set", "metrics.prometheusRule.enabled=true",
                        "--set", "grafanaDashboard.enabled=true"));
    }

    @ParameterizedTest(name = "helm lint --strict is clean with {0}")
    @MethodSource("lintedValues")
    void helmLintIsClean(List<String> values) {
        List<String> command = new ArrayList<>(List.of("lint", "--strict", CHART.toString()));
        command.addAll(values);
        ProcessResult r = helm.run(command.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.stdout().contains("1 chart(s) linted, 0 chart(s) failed"), r.toString());
        assertFalse(r.stdout().contains("[WARNING]") || r.stdout().contains("[ERROR]"), r.toString());
    }

    // ---- values --------------------------------------------------------------------------------------------------

    /** A set of values and what must then be true of the rendered chart. */
    record Rendering(String sentence, List<String> args, Consumer<Manifests> check) {
        @Override
        public String toString() {
            return sentence;
        }
    }

    static Rendering rendering(String sentence, List<String> args, Consumer<Manifests> check) {
        return new Rendering(sentence, args, check);
    }

    static Stream<Rendering> renderings() {
        return Stream.of(
                rendering("cert-manager mode renders the Issuers and Certificates of deploy/cert-manager",
                        List.of("--set", "certificates.mode=cert-manager"), m -> {
                            assertEquals(Set.of("Certificate ecrgate/ecrgate-ca", "Certificate ecrgate/ecrgate-serving",
                                    "Issuer ecrgate/ecrgate-ca", "Issuer ecrgate/ecrgate-selfsigned"),
                                    m.identities().stream().filter(i -> i.startsWith("Certificate ")
                                            || i.startsWith("Issuer ")).collect(Collectors.toSet()));
                            assertEquals("ecrgate/ecrgate-serving", m.get("ValidatingWebhookConfiguration", "ecrgate")
                                    .at("/metadata/annotations").path("cert-manager.io/inject-ca-from").asText());
                        }),
                rendering("existing-secret mode mounts the Secret, sets the caBundle and drops the CA's RBAC",
                        List.of("--set", "certificates.mode=existing-secret",
                                "--set", "certificates.existingSecret.name=my-tls",
                                "--set", "certificates.existingSecret.caBundle=Q0E="), m -> {
                            JsonNode pod = m.get("Deployment", "ecrgate").at("/spec/template/spec");
                            assertTrue(args(m).containsAll(List.of("--tls-cert=/tls/tls.crt", "--tls-key=/tls/tls.key")));
                            assertTrue(args(m).stream().noneMatch(a -> a.startsWith("--ca-secret")
                                    || a.startsWith("--webhook-config")), args(m).toString());
                            assertEquals("my-tls", volume(pod, "tls").at("/secret/secretName").asText());
                            assertEquals("/tls", mount(pod, "tls").path("mountPath").asText());
                            assertEquals("Q0E=", m.get("ValidatingWebhookConfiguration", "ecrgate")
                                    .at("/webhooks/0/clientConfig/caBundle").asText());
                            assertEquals(Set.of("ClusterRole ecrgate-audit", "ClusterRoleBinding ecrgate-audit",
                                    "Role ecrgate/ecrgate-audit", "RoleBinding ecrgate/ecrgate-audit"), rbac(m));
                            assertTrue(m.all("Certificate").isEmpty());
                        }),
                rendering("audit off removes --audit=true and the audit's RBAC, and keeps the CA's",
                        List.of("--set", "audit.enabled=false", "--set", "audit.interval=5m"), m -> {
                            assertTrue(args(m).stream().noneMatch(a -> a.startsWith("--audit")), args(m).toString());
                            assertEquals(Set.of("ClusterRole ecrgate", "ClusterRoleBinding ecrgate", "Role ecrgate/ecrgate",
                                    "RoleBinding ecrgate/ecrgate"), rbac(m));
                        }),
                rendering("audit.interval and more excluded namespaces become --audit-interval and "
                                + "--audit-skip-namespaces, and the webhook skips the same namespaces",
                        List.of("--set", "audit.interval=5m", "--set-json",
                                "webhook.excludeNamespaces=[\"kube-system\",\"kube-node-lease\",\"istio-system\"]"),
                        m -> {
                            assertTrue(args(m).containsAll(List.of("--audit=true", "--audit-interval=5m",
                                    "--audit-skip-namespaces=kube-system,kube-node-lease,istio-system")),
                                    args(m).toString());
                            assertEquals(Manifests.yaml("[kube-system, kube-node-lease, istio-system, ecrgate]"),
                                    m.get("ValidatingWebhookConfiguration", "ecrgate")
                                            .at("/webhooks/0/namespaceSelector/matchExpressions/0/values"));
                        }),
                rendering("policies from the cluster: --policies-from=cluster, no ConfigMap, no mount, read access "
                                + "to ImagePolicy and ImageException and their status, the built-in policies as objects",
                        List.of("--set", "policies.source=cluster"), m -> {
                            assertTrue(args(m).contains("--policies-from=cluster"), args(m).toString());
                            assertTrue(args(m).stream().noneMatch(a -> a.startsWith("--policies=")));
                            assertTrue(m.all("ConfigMap").isEmpty(), m.identities().toString());
                            JsonNode pod = m.get("Deployment", "ecrgate").at("/spec/template/spec");
                            assertTrue(volume(pod, "policies").isMissingNode());
                            assertEquals(Manifests.yaml("[imagepolicies, imageexceptions]"),
                                    m.get("ClusterRole", "ecrgate-policies").at("/rules/0/resources"));
                            assertEquals(Manifests.yaml("[imagepolicies/status, imageexceptions/status]"),
                                    m.get("ClusterRole", "ecrgate-policies").at("/rules/1/resources"));
                            assertEquals(List.of("baseline", "team-namespaces", "production-strict",
                                    "medium-findings-rollout"), m.all("ImagePolicy").stream()
                                    .map(p -> p.at("/metadata/name").asText()).toList(),
                                    "the built-in policies as objects");
                        }),
                rendering("inline policy files replace the built-in ones when builtin is false",
                        List.of("--set", "policies.builtin=false", "--set-string",
                                "policies.files.40-mine\\.yaml=apiVersion: ecrgate.dev/v1alpha1\nkind: Policy\n"), m ->
                                assertEquals(Manifests.yaml("{40-mine.yaml: \"apiVersion: ecrgate.dev/v1alpha1\\n"
                                                + "kind: Policy\\n\"}"),
                                        m.get("ConfigMap", "ecrgate-policies").path("data"))),
                rendering("ECR options, roles and events queues become serve flags, whole numbers without exponent",
                        List.of("--set", "ecr.deadline=2s", "--set", "ecr.rateLimit=50",
                                "--set", "ecr.cache.maxFindings=2000000", "--set", "ecr.cache.maxStale=30m",
                                "--set-json", "ecr.roles=[\"444455556666=arn:aws:iam::444455556666:role/r\"]",
                                "--set-json", "events.queues=[\"https://sqs.eu-west-1.amazonaws.com/1/a\","
                                        + "\"https://sqs.eu-west-1.amazonaws.com/1/b\"]",
                                "--set", "logFormat=text"), m ->
                                assertEquals(List.of("--cache-max-findings=2000000", "--cache-max-stale=30m",
                                                "--deadline=2s", "--ecr-rate-limit=50", "--log-format=text",
                                                "--ecr-role=444455556666=arn:aws:iam::444455556666:role/r",
                                                "--events-queue=https://sqs.eu-west-1.amazonaws.com/1/a",
                                                "--events-queue=https://sqs.eu-west-1.amazonaws.com/1/b"),
                                        args(m).subList(7, args(m).size()))),
                rendering("aws.irsaRoleArn annotates the service account for IRSA",
                        List.of("--set", "aws.irsaRoleArn=arn:aws:iam::111122223333:role/ecrgate"), m ->
                                assertEquals("arn:aws:iam::111122223333:role/ecrgate",
                                        m.get("ServiceAccount", "ecrgate").at("/metadata/annotations")
                                                .path("eks.amazonaws.com/role-arn").asText())),
                rendering("replicas, resources, no PDB and no spread are rendered as asked",
                        List.of("--set", "replicas=5", "--set", "resources.limits.memory=1Gi",
                                "--set", "podDisruptionBudget.enabled=false", "--set-json", "topologySpread=[]",
                                "--set", "webhook.timeoutSeconds=5"), m -> {
                            JsonNode deployment = m.get("Deployment", "ecrgate");
                            assertEquals(5, deployment.at("/spec/replicas").asInt());
                            assertEquals("1Gi", deployment.at("/spec/template/spec/containers/0/resources/limits/memory")
                                    .asText());
                            assertTrue(deployment.at("/spec/template/spec/topologySpreadConstraints").isMissingNode());
                            assertTrue(m.all("PodDisruptionBudget").isEmpty());
                            assertEquals(5, m.get("ValidatingWebhookConfiguration", "ecrgate")
                                    .at("/webhooks/0/timeoutSeconds").asInt());
                        }),
                rendering("no ServiceMonitor, PrometheusRule or dashboard by default", List.of(), m -> {
                    assertTrue(m.all("ServiceMonitor").isEmpty());
                    assertTrue(m.all("PrometheusRule").isEmpty());
                    assertEquals(Set.of("ConfigMap ecrgate/ecrgate-policies"),
                            m.all("ConfigMap").stream().map(Manifests::identity).collect(Collectors.toSet()));
                }),
                rendering("the ServiceMonitor scrapes https /metrics trusting the self-managed CA",
                        List.of("--set", "metrics.serviceMonitor.enabled=true",
                                "--set", "metrics.serviceMonitor.labels.release=kps"), m -> {
                            JsonNode monitor = m.get("ServiceMonitor", "ecrgate");
                            assertEquals("kps", monitor.at("/metadata/labels/release").asText());
                            assertEquals(Manifests.yaml("""
                                    port: https
                                    scheme: https
                                    path: /metrics
                                    tlsConfig:
                                      serverName: ecrgate.ecrgate.svc
                                      ca: {secret: {name: ecrgate-ca, key: ca.crt}}
                                    """), monitor.at("/spec/endpoints/0"));
                            assertEquals("ecrgate", monitor.at("/spec/selector/matchLabels")
                                    .path("app.kubernetes.io/name").asText());
                        }),
                rendering("the PrometheusRule has the rules of deploy/prometheus-rules.yaml",
                        List.of("--set", "metrics.prometheusRule.enabled=true",
                                "--set", "metrics.prometheusRule.labels.release=kps"), m -> {
                            JsonNode rule = m.get("PrometheusRule", "ecrgate");
                            assertEquals(prometheusRulesFile().path("spec"), rule.path("spec"));
                            assertEquals("kps", rule.at("/metadata/labels/release").asText());
                        }),
                rendering("the Grafana dashboard ConfigMap holds deploy/grafana-dashboard.json, with the sidecar label",
                        List.of("--set", "grafanaDashboard.enabled=true", "--set", "grafanaDashboard.namespace=monitoring"),
                        m -> {
                            JsonNode dashboard = m.get("ConfigMap", "ecrgate-dashboard");
                            assertEquals("monitoring", dashboard.at("/metadata/namespace").asText());
                            assertEquals("1", dashboard.at("/metadata/labels/grafana_dashboard").asText());
                            assertEquals(read("deploy/grafana-dashboard.json"),
                                    dashboard.at("/data/ecrgate.json").asText());
                        }),
                rendering("the image digest wins over the tag",
                        List.of("--set", "image.digest=sha256:" + "ab".repeat(32)), m ->
                                assertEquals("ghcr.io/ecrgate/ecrgate@sha256:" + "ab".repeat(32),
                                        m.get("Deployment", "ecrgate").at("/spec/template/spec/containers/0/image")
                                                .asText())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void aValueRendersWhatItSays(Rendering rendering) {
        rendering.check().accept(render(rendering.args().toArray(String[]::new)));
    }

    @Test
    void anotherReleaseNameAndNamespaceNameEveryObjectAndReferenceAfterTheRelease() {
        Manifests m = Manifests.parse(helm.template("gate", "security", CHART));
        assertTrue(m.identities().contains("Deployment security/gate-ecrgate"), m.identities().toString());
        assertEquals("security", m.get("Namespace", "security").at("/metadata/name").asText());
        List<String> args = argsOf(m.get("Deployment", "gate-ecrgate"));
        assertTrue(args.containsAll(List.of("--ca-secret=gate-ecrgate-ca", "--service=gate-ecrgate",
                "--webhook-config=gate-ecrgate")), args.toString());
        assertEquals(Manifests.yaml("[gate-ecrgate-ca]"),
                m.get("Role", "gate-ecrgate").at("/rules/0/resourceNames"));
        assertEquals(Manifests.yaml("[gate-ecrgate]"),
                m.get("ClusterRole", "gate-ecrgate").at("/rules/0/resourceNames"));
        JsonNode webhook = m.get("ValidatingWebhookConfiguration", "gate-ecrgate").at("/webhooks/0");
        assertEquals(Manifests.yaml("{namespace: security, name: gate-ecrgate, path: /validate, port: 443}"),
                webhook.at("/clientConfig/service"));
        assertEquals(Manifests.yaml("[kube-system, kube-node-lease, security]"),
                webhook.at("/namespaceSelector/matchExpressions/0/values"));
        assertEquals("security", m.get("ClusterRoleBinding", "gate-ecrgate-audit").at("/subjects/0/namespace")
                .asText());
    }

    // ---- refusals ------------------------------------------------------------------------------------------------

    static Stream<String[]> refusedValues() {
        return Stream.of(
                new String[] {"replicas=three", "at '/replicas': got string, want integer"},
                new String[] {"webhook.failurePolicy=Sometimes", "/webhook/failurePolicy"},
                new String[] {"certificates.mode=vault", "/certificates/mode"},
                new String[] {"policies.source=git", "/policies/source"},
                new String[] {"audit.interval=often", "/audit/interval"},
                new String[] {"replica=3", "additional properties 'replica' not allowed"},
                new String[] {"certificates.mode=existing-secret", "/certificates/existingSecret/name"});
    }

    @ParameterizedTest(name = "values.schema.json refuses --set {0}")
    @MethodSource("refusedValues")
    void theSchemaRefusesAWrongValue(String value, String message) {
        ProcessResult r = helm.run("template", "ecrgate", CHART.toString(), "--namespace", "ecrgate", "--set", value);
        assertNotEquals(0, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains(message), r.toString());
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    static List<String> args(Manifests m) {
        return argsOf(m.get("Deployment", "ecrgate"));
    }

    static List<String> argsOf(JsonNode deployment) {
        List<String> args = new ArrayList<>();
        deployment.at("/spec/template/spec/containers/0/args").forEach(a -> args.add(a.asText()));
        return args;
    }

    static Set<String> rbac(Manifests m) {
        return m.identities().stream().filter(i -> i.startsWith("Role") || i.startsWith("ClusterRole"))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    static JsonNode volume(JsonNode podSpec, String name) {
        for (JsonNode v : podSpec.path("volumes")) {
            if (name.equals(v.path("name").asText())) {
                return v;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    static JsonNode mount(JsonNode podSpec, String name) {
        for (JsonNode v : podSpec.at("/containers/0/volumeMounts")) {
            if (name.equals(v.path("name").asText())) {
                return v;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    static JsonNode prometheusRulesFile() {
        return Manifests.parse(read("deploy/prometheus-rules.yaml")).documents().get(0);
    }

    static String read(String file) {
        try {
            return Files.readString(ROOT.resolve(file));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> readAll(Path directory) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(directory)) {
            for (Path f : list.toList()) {
                files.put(f.getFileName().toString(), Files.readString(f));
            }
        }
        return files;
    }

    /** Which chart file rendered each object, from helm's "# Source:" comments. */
    static Map<String, String> sources(String rendered) {
        Map<String, String> sources = new HashMap<>();
        for (String document : rendered.split("(?m)^---\\s*$")) {
            Matcher source = SOURCE.matcher(document);
            if (source.find()) {
                for (JsonNode d : Manifests.parse(document).documents()) {
                    sources.put(Manifests.identity(d), source.group(1).replaceFirst("^[^/]+/", ""));
                }
            }
        }
        return sources;
    }

    static Map<String, JsonNode> byIdentity(List<JsonNode> documents) {
        Map<String, JsonNode> map = new TreeMap<>();
        for (JsonNode d : documents) {
            if (map.put(Manifests.identity(d), d) != null) {
                fail("rendered twice: " + Manifests.identity(d));
            }
        }
        return map;
    }

    static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }

    /**
     * kustomize's documents with a configMapGenerator's hash suffix taken off the names of ConfigMaps and Secrets
     * that the chart renders without it, and off every string equal to such a name (the references to it).
     */
    static List<JsonNode> withoutHashSuffixes(List<JsonNode> documents, Set<String> chartIdentities) {
        Map<String, String> renames = new HashMap<>();
        for (JsonNode d : documents) {
            String kind = d.path("kind").asText();
            String name = d.at("/metadata/name").asText();
            Matcher hashed = HASH_SUFFIX.matcher(name);
            if ((kind.equals("ConfigMap") || kind.equals("Secret")) && hashed.matches()
                    && chartIdentities.contains(Manifests.identity(d).replace(name, hashed.group(1)))) {
                renames.put(name, hashed.group(1));
            }
        }
        if (renames.isEmpty()) {
            return documents;
        }
        List<JsonNode> renamed = new ArrayList<>();
        for (JsonNode d : documents) {
            JsonNode copy = d.deepCopy();
            rename(copy, renames);
            renamed.add(copy);
        }
        return renamed;
    }

    private static void rename(JsonNode node, Map<String, String> renames) {
        if (node instanceof ObjectNode object) {
            for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (field.getValue().isTextual() && renames.containsKey(field.getValue().asText())) {
                    field.setValue(TextNode.valueOf(renames.get(field.getValue().asText())));
                } else {
                    rename(field.getValue(), renames);
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                if (array.get(i).isTextual() && renames.containsKey(array.get(i).asText())) {
                    array.set(i, TextNode.valueOf(renames.get(array.get(i).asText())));
                } else {
                    rename(array.get(i), renames);
                }
            }
        }
    }

    /** A copy without the {@link #HELM_LABELS} keys, wherever they are (label maps and selectors). */
    static JsonNode withoutHelmLabels(JsonNode node) {
        JsonNode copy = node.deepCopy();
        strip(copy);
        return copy;
    }

    private static void strip(JsonNode node) {
        if (node instanceof ObjectNode object) {
            object.remove(HELM_LABELS);
            object.forEach(HelmChartIT::strip);
        } else if (node instanceof ArrayNode array) {
            array.forEach(HelmChartIT::strip);
        }
    }

    /** One line per field that differs, as "/path: kustomize X, chart Y" (a missing side is "(none)"). */
    static void diff(String path, JsonNode expected, JsonNode actual, List<String> out) {
        if (expected != null && actual != null && expected.isObject() && actual.isObject()) {
            for (String key : union(fieldNames(expected), fieldNames(actual))) {
                diff(path + "/" + key.replace("~", "~0").replace("/", "~1"), expected.get(key), actual.get(key), out);
            }
        } else if (expected != null && actual != null && expected.isArray() && actual.isArray()) {
            for (int i = 0; i < Math.max(expected.size(), actual.size()); i++) {
                diff(path + "/" + i, expected.get(i), actual.get(i), out);
            }
        } else if (expected == null || !expected.equals(actual)) {
            out.add(path + ": kustomize " + show(expected) + ", chart " + show(actual));
        }
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String show(JsonNode node) {
        if (node == null) {
            return "(none)";
        }
        String text = node.toString();
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }
}
