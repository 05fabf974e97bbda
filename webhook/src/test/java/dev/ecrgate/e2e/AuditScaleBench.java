package dev.ecrgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ecrgate.certs.CaSpec;
import dev.ecrgate.certs.CertificateAuthority;
import dev.ecrgate.certs.PemFiles;
import dev.ecrgate.certs.ServerCertificateSpec;
import dev.ecrgate.findings.ecr.EcrDouble;
import dev.ecrgate.kube.KubeControlPlane;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The background audit at scale (issue 11): 2,000 pods across 200 Deployments on the real kube-apiserver. Not a
 * test (its name matches neither surefire's nor failsafe's patterns): {@code bench/audit.sh} runs it and prints the
 * figures BENCHMARKS.md states. Measures, in one run: the heap after a full GC with the audit off (the baseline), on
 * with no pods, and on with 2,000 pods; the time until all 200 reports exist and the writes it took; the writes and
 * ECR calls in a quiet window (by ecrgate's counter and, independently, by the reports' resourceVersions); and the
 * writes and time after one image's facts get worse.
 */
class AuditScaleBench {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final String ACCOUNT = "111122223333";
    static final String HOST = ACCOUNT + ".dkr.ecr.us-east-1.amazonaws.com";
    static final int NAMESPACES = 10;
    static final int DEPLOYMENTS = 200;
    static final int PODS_EACH = 10;
    static final int REPOSITORIES = 20;
    static final Duration QUIET = Duration.ofSeconds(Long.getLong("bench.quietSeconds", 60));
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;
    KubeControlPlane kube;
    EcrDouble ecr;
    CertificateAuthority ca;
    final Map<String, Object> results = new java.util.LinkedHashMap<>();

    static String digest(int repo) {
        return "sha256:" + String.format("%064x", repo + 1);
    }

    @Test
    void twoThousandPods() throws Exception {
        kube = KubeControlPlane.shared();
        KubernetesClient client = kube.client();
        kube.kubectl("apply", "-f", ROOT.resolve("deploy/base/crd-openreports-report.yaml").toString());
        kube.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd/reports.openreports.io");
        kube.namespace("ecrgate");
        ecr = EcrDouble.start();
        for (int r = 0; r < REPOSITORIES; r++) {
            ecr.repository(ACCOUNT, "bench/app-" + r, "MUTABLE");
            ecr.image(ACCOUNT, "bench/app-" + r, digest(r), "1.0.0");
            ecr.scan(ACCOUNT, "bench/app-" + r, digest(r), "COMPLETE", Instant.now(), r % 4 == 0
                    ? List.of(new EcrDouble.BasicFinding("CVE-2026-" + (1000 + r), "HIGH", "zlib", "1.2")) : List.of(),
                    List.of());
        }
        ca = CertificateAuthority.generate(CaSpec.defaults().withCommonName("bench CA"), Instant.now());

        try (EcrgateProcess empty = ecrgate("empty", true)) {
            Thread.sleep(5000);
            results.put("heap_mib_audit_on_0_pods", heapMiB(empty));
        }
        long created = System.nanoTime();
        create(client);
        results.put("create_2400_objects_s", seconds(created));
        try (EcrgateProcess off = ecrgate("off", false)) {
            Thread.sleep(5000);
            results.put("heap_mib_audit_off_2000_pods", heapMiB(off));
        }

        int callsBefore = ecr.calls().size();
        long started = System.nanoTime();
        try (EcrgateProcess on = ecrgate("on", true)) {
            while (reports().size() < DEPLOYMENTS && seconds(started) < 300) {
                Thread.sleep(250);
            }
            results.put("all_200_reports_after_s", seconds(started));
            results.put("reports", reports().size());
            Thread.sleep(3000);
            results.put("initial_applies", metric(on, "ecrgate_audit_writes_total", "kind=\"apply\""));
            results.put("initial_deletes", metric(on, "ecrgate_audit_writes_total", "kind=\"delete\""));
            results.put("initial_events", metric(on, "ecrgate_audit_writes_total", "kind=\"event\""));
            results.put("initial_ecr_calls", ecr.calls().size() - callsBefore);
            results.put("heap_mib_audit_on_2000_pods", heapMiB(on));

            Map<String, String> versions = reports();
            double applies = metric(on, "ecrgate_audit_writes_total", "kind=\"apply\"");
            int calls = ecr.calls().size();
            double runs = metric(on, "ecrgate_audit_run_duration_seconds_count", "");
            Thread.sleep(QUIET.toMillis());
            Map<String, String> after = reports();
            int changed = 0;
            for (Map.Entry<String, String> e : versions.entrySet()) {
                if (!e.getValue().equals(after.get(e.getKey()))) {
                    changed++;
                }
            }
            results.put("quiet_window_s", QUIET.toSeconds());
            results.put("quiet_runs", metric(on, "ecrgate_audit_run_duration_seconds_count", "") - runs);
            results.put("quiet_applies_counter", metric(on, "ecrgate_audit_writes_total", "kind=\"apply\"")
                    - applies);
            results.put("quiet_reports_changed_resourceVersion", changed);
            results.put("quiet_ecr_calls", ecr.calls().size() - calls);
            double sum = metric(on, "ecrgate_audit_run_duration_seconds_sum", "");
            double count = metric(on, "ecrgate_audit_run_duration_seconds_count", "");
            results.put("run_mean_ms", Math.round(sum / count * 1000));
            results.put("run_max_ms", Math.round(metric(on, "ecrgate_audit_run_duration_seconds_max", "") * 1000));

            // one image gets a CRITICAL finding: the 10 Deployments running it, and only they, are written
            applies = metric(on, "ecrgate_audit_writes_total", "kind=\"apply\"");
            long worse = System.nanoTime();
            ecr.scan(ACCOUNT, "bench/app-1", digest(1), "COMPLETE", Instant.now(),
                    List.of(new EcrDouble.BasicFinding("CVE-2026-9999", "CRITICAL", "openssl", "3.0.1")), List.of());
            while (metric(on, "ecrgate_audit_workloads", "result=\"fail\"") < DEPLOYMENTS / REPOSITORIES
                    && seconds(worse) < 120) {
                Thread.sleep(100);
            }
            results.put("worse_fail_after_s", seconds(worse));
            Thread.sleep(3000);
            results.put("worse_applies", metric(on, "ecrgate_audit_writes_total", "kind=\"apply\"") - applies);
            results.put("worse_events", metric(on, "ecrgate_audit_writes_total", "kind=\"event\""));
        } finally {
            for (int n = 0; n < NAMESPACES; n++) {
                kube.kubectl("delete", "namespace", "bench-" + n, "--wait=false");
            }
            ecr.close();
        }
        StringBuilder line = new StringBuilder("RESULT");
        results.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
        Path out = Path.of("target", "bench-audit");
        Files.createDirectories(out);
        Files.writeString(out.resolve("results.json"), JSON.writerWithDefaultPrettyPrinter()
                .writeValueAsString(results));
        System.out.println(line);
    }

    /** 10 namespaces, 200 Deployments, each with a ReplicaSet and 10 Pods, as the controllers would make them. */
    void create(KubernetesClient client) throws Exception {
        for (int n = 0; n < NAMESPACES; n++) {
            kube.namespace("bench-" + n);
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int d = 0; d < DEPLOYMENTS; d++) {
            int i = d;
            done.add(pool.submit(() -> {
                String ns = "bench-" + (i % NAMESPACES);
                String name = "app-" + i;
                String image = HOST + "/bench/app-" + (i % REPOSITORIES) + ":1.0.0";
                Deployment dep = client.apps().deployments().inNamespace(ns).resource(new DeploymentBuilder()
                        .withNewMetadata().withName(name).endMetadata().withNewSpec().withReplicas(PODS_EACH)
                        .withNewSelector().addToMatchLabels("app", name).endSelector().withNewTemplate()
                        .withNewMetadata().addToLabels("app", name).endMetadata().withNewSpec().addNewContainer()
                        .withName("app").withImage(image).endContainer().endSpec().endTemplate().endSpec().build())
                        .create();
                ReplicaSet rs = client.apps().replicaSets().inNamespace(ns).resource(new ReplicaSetBuilder()
                        .withNewMetadata().withName(name + "-1").addToOwnerReferences(new OwnerReferenceBuilder()
                                .withApiVersion("apps/v1").withKind("Deployment").withName(name)
                                .withUid(dep.getMetadata().getUid()).withController(true).build()).endMetadata()
                        .withNewSpec().withReplicas(PODS_EACH).withNewSelector().addToMatchLabels("app", name)
                        .endSelector().withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                        .withNewSpec().addNewContainer().withName("app").withImage(image).endContainer().endSpec()
                        .endTemplate().endSpec().build()).create();
                for (int p = 0; p < PODS_EACH; p++) {
                    client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata()
                            .withName(name + "-1-" + p).addToLabels("app", name)
                            .addToOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1")
                                    .withKind("ReplicaSet").withName(rs.getMetadata().getName())
                                    .withUid(rs.getMetadata().getUid()).withController(true).build())
                            .endMetadata().withNewSpec().addNewContainer().withName("app").withImage(image)
                            .endContainer().endSpec().build()).create();
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
    }

    EcrgateProcess ecrgate(String name, boolean audit) throws Exception {
        Path tls = work.resolve("tls-" + name);
        Files.createDirectories(tls);
        var material = ca.issue(ServerCertificateSpec.forNames("127.0.0.1"), Instant.now());
        Files.writeString(tls.resolve("tls.crt"), PemFiles.toPem(material.chain()));
        Files.writeString(tls.resolve("tls.key"), PemFiles.toPem(material.key()));
        Map<String, String> env = new HashMap<>(Map.of("AWS_ACCESS_KEY_ID", "AKIDTEST", "AWS_SECRET_ACCESS_KEY",
                "secret", "AWS_ENDPOINT_URL_ECR", ecr.endpoint().toString(), "KUBECONFIG",
                kube.kubeconfig().toString(), "POD_NAME", "bench-" + name, "POD_NAMESPACE", "ecrgate"));
        return EcrgateProcess.start(EcrgateProcess.freePort(), ca.certificate(), env, work,
                "--policies=" + ROOT.resolve("policies"), "--host=127.0.0.1", "--tls-cert=" + tls.resolve("tls.crt"),
                "--tls-key=" + tls.resolve("tls.key"), "--drain=0s", "--cache-scan-refresh=20s",
                "--audit=" + audit, "--audit-interval=10s");
    }

    /** Every report's resourceVersion, by namespace/name. */
    Map<String, String> reports() throws Exception {
        Map<String, String> out = new HashMap<>();
        JsonNode list = JSON.readTree(kube.kubectl("get", "reports.openreports.io", "-A", "-o", "json").stdout());
        for (JsonNode r : list.path("items")) {
            out.put(r.path("metadata").path("namespace").asText() + "/" + r.path("metadata").path("name").asText(),
                    r.path("metadata").path("resourceVersion").asText());
        }
        return out;
    }

    /** The heap in use after a full GC, by jcmd. */
    static long heapMiB(EcrgateProcess p) throws Exception {
        jcmd(p.pid(), "GC.run");
        Thread.sleep(500);
        jcmd(p.pid(), "GC.run");
        String info = jcmd(p.pid(), "GC.heap_info");
        Matcher m = Pattern.compile("used (\\d+)K").matcher(info);
        if (!m.find()) {
            throw new AssertionError("no heap use in: " + info);
        }
        return Long.parseLong(m.group(1)) / 1024;
    }

    static String jcmd(long pid, String command) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    static double metric(EcrgateProcess p, String name, String labels) throws Exception {
        return AuditClusterIT.metric(p, name, labels);
    }

    static long seconds(long startNanos) {
        return Math.round(Duration.ofNanos(System.nanoTime() - startNanos).toMillis() / 1000.0);
    }
}
