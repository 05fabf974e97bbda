package dev.ecrgate.kube;

import dev.ecrgate.certs.CaSpec;
import dev.ecrgate.certs.CertificateAuthority;
import dev.ecrgate.certs.KeyStores;
import dev.ecrgate.certs.KeyType;
import dev.ecrgate.certs.PemFileException;
import dev.ecrgate.certs.PemFiles;
import dev.ecrgate.certs.TlsMaterial;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Kubernetes control plane for tests: etcd and kube-apiserver as child processes on free loopback ports,
 * started the way controller-runtime's envtest starts them, with an admin user (client certificate, group
 * {@code system:masters}) for the fabric8 client and for kubectl. There are no nodes, controllers or scheduler:
 * objects are stored and admitted (admission webhooks included) but Pods never run.
 *
 * <p>The binaries come from {@code src/test/peers/kube.sh}, which builds them from Go modules once and caches them
 * (see {@link KubeBinaries}). With {@code ECRGATE_SKIP_KUBE=1} in the environment the calling test is skipped (a
 * JUnit assumption); otherwise a failed build or a control plane that does not become ready fails the test with
 * the tails of the logs, so CI never skips silently. Logs go to {@code target/kube/<secure port>/}; data, keys and
 * the kubeconfig live in a temporary directory that {@link #close()} deletes.
 *
 * <p>Two ways to get one:
 * <ul>
 *   <li>{@link #shared()}: one control plane per JVM, started by the first caller and stopped by a shutdown hook.
 *       This is what test classes should use: start-up costs seconds, and failsafe runs all {@code *IT} classes in
 *       one JVM. Classes sharing it must not depend on a clean cluster: create uniquely named namespaces and
 *       cluster-scoped objects, and delete the cluster-scoped ones (webhook configurations) when done.</li>
 *   <li>{@link #start()}: a private control plane that the caller closes, for a test that needs a clean cluster or
 *       different state.</li>
 * </ul>
 *
 * <p>Thread safe: the accessors are plain getters, {@link #kubectl} starts a new process per call.
 */
public final class KubeControlPlane implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration KUBECTL_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Path LOGS = Path.of("target", "kube").toAbsolutePath();

    private static KubeControlPlane shared;
    private static RuntimeException sharedFailure;

    private final Path binDir;
    private final Path workDir;
    private final Path logDir;
    private final URI server;
    private final Path kubeconfig;
    private final List<Process> processes;
    private final boolean isShared;
    private final Thread shutdownHook;
    private KubernetesClient client;
    private boolean closed;

    private KubeControlPlane(Path binDir, Path workDir, Path logDir, URI server, Path kubeconfig,
                             List<Process> processes, boolean isShared) {
        this.binDir = binDir;
        this.workDir = workDir;
        this.logDir = logDir;
        this.server = server;
        this.kubeconfig = kubeconfig;
        this.processes = List.copyOf(processes);
        this.isShared = isShared;
        this.shutdownHook = new Thread(this::stop, "kube-control-plane-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * The control plane of this JVM, started on the first call. Do not close it: {@link #close()} on it does
     * nothing, a shutdown hook stops it when the JVM exits. A failed start is remembered, so later callers fail at
     * once with the same message instead of trying again.
     */
    public static synchronized KubeControlPlane shared() {
        skipIfAsked();
        if (sharedFailure != null) {
            throw sharedFailure;
        }
        if (shared == null) {
            try {
                String external = System.getenv("ECRGATE_E2E_KUBECONFIG");
                shared = external == null || external.isBlank() ? start(true) : external(Path.of(external));
            } catch (RuntimeException | Error e) {
                sharedFailure = new IllegalStateException("the shared control plane did not start: "
                        + e.getMessage(), e);
                throw e;
            }
        }
        return shared;
    }

    /**
     * Builds the binaries if they are not cached, starts etcd and kube-apiserver, and waits until {@code /readyz}
     * answers 200. The caller owns the result and must {@link #close()} it.
     *
     * @throws org.opentest4j.TestAbortedException       when {@code ECRGATE_SKIP_KUBE=1}
     * @throws org.opentest4j.AssertionFailedError when the binaries cannot be built or the control plane does
     *                                                    not become ready, with the logs' tails
     */
    public static KubeControlPlane start() {
        skipIfAsked();
        return start(false);
    }

    private static void skipIfAsked() {
        Assumptions.assumeFalse("1".equals(System.getenv("ECRGATE_SKIP_KUBE")),
                "ECRGATE_SKIP_KUBE=1: tests against a Kubernetes control plane are skipped");
    }

    /**
     * An existing cluster (kind, EKS, ...) named by {@code ECRGATE_E2E_KUBECONFIG}, instead of a control plane of our
     * own: the tests run against it with the kubectl built here. Nothing is started or stopped; use a disposable
     * cluster, since the tests create namespaces, RBAC and a webhook configuration.
     */
    private static KubeControlPlane external(Path kubeconfig) {
        try {
            Path binDir = KubeBinaries.binDir(LOGS);
            Path workDir = Files.createTempDirectory("ecrgate-kube-");
            String server = Config.fromKubeconfig(Files.readString(kubeconfig)).getMasterUrl();
            return new KubeControlPlane(binDir, workDir, Files.createDirectories(LOGS.resolve("external")),
                    URI.create(server), kubeconfig.toAbsolutePath(), List.of(), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use the cluster of " + kubeconfig, e);
        }
    }

    private static KubeControlPlane start(boolean isShared) {
        Path binDir = KubeBinaries.binDir(LOGS);
        long started = System.nanoTime();
        List<Process> processes = new ArrayList<>();
        Path workDir = null;
        try {
            workDir = Files.createTempDirectory("ecrgate-kube-");
            int etcdPort = freePort();
            int etcdPeerPort = freePort();
            int securePort = freePort();
            Path logDir = Files.createDirectories(LOGS.resolve(Integer.toString(securePort)));
            URI server = URI.create("https://127.0.0.1:" + securePort);

            Instant now = Instant.now();
            CertificateAuthority clientCa = CertificateAuthority.generate(
                    CaSpec.defaults().withCommonName("ecrgate test client CA"), now);
            TlsMaterial admin = ClientCertificates.issue(clientCa.ca(), "admin", List.of("system:masters"), now);
            KeyPair serviceAccountKey = KeyType.EC_P256.generate(new SecureRandom());
            Path clientCaFile = write(workDir.resolve("client-ca.crt"), PemFiles.toPem(clientCa.certificate()));
            Path saKeyFile = write(workDir.resolve("sa.key"), PemFiles.toPem(serviceAccountKey.getPrivate()));
            Path saPubFile = write(workDir.resolve("sa.pub"), publicKeyPem(serviceAccountKey.getPublic()));
            Path certDir = Files.createDirectories(workDir.resolve("apiserver-certs"));

            // etcd and kube-apiserver start together: the API server retries etcd until it answers, and waiting for
            // etcd first would only add its start-up time to ours.
            String etcdUrl = "http://127.0.0.1:" + etcdPort;
            String peerUrl = "http://127.0.0.1:" + etcdPeerPort;
            processes.add(launch(logDir.resolve("etcd.log"),
                    binDir.resolve("etcd").toString(),
                    "--name", "default",
                    "--data-dir", workDir.resolve("etcd").toString(),
                    "--listen-client-urls", etcdUrl,
                    "--advertise-client-urls", etcdUrl,
                    "--listen-peer-urls", peerUrl,
                    "--initial-advertise-peer-urls", peerUrl,
                    "--initial-cluster", "default=" + peerUrl,
                    "--unsafe-no-fsync=true"));
            processes.add(launch(logDir.resolve("kube-apiserver.log"),
                    binDir.resolve("kube-apiserver").toString(),
                    "--etcd-servers", etcdUrl,
                    "--secure-port", Integer.toString(securePort),
                    "--bind-address", "127.0.0.1",
                    "--advertise-address", "127.0.0.1",
                    "--cert-dir", certDir.toString(),
                    "--service-cluster-ip-range", "10.0.0.0/24",
                    "--service-account-issuer", server + "/",
                    "--service-account-key-file", saPubFile.toString(),
                    "--service-account-signing-key-file", saKeyFile.toString(),
                    "--client-ca-file", clientCaFile.toString(),
                    "--authorization-mode", "RBAC",
                    "--disable-admission-plugins", "ServiceAccount",
                    "--allow-privileged=true"));

            List<X509Certificate> servingCas = awaitServingCa(certDir, processes, logDir);
            awaitReady(server, admin, servingCas, processes, logDir);
            Path kubeconfig = write(workDir.resolve("kubeconfig"), kubeconfig(server, servingCas, admin));
            KubeControlPlane controlPlane = new KubeControlPlane(binDir, workDir, logDir, server, kubeconfig,
                    processes, isShared);
            System.err.printf("Kubernetes %s control plane ready at %s in %d ms (logs in %s)%n",
                    KubeBinaries.version(binDir), server, (System.nanoTime() - started) / 1_000_000, logDir);
            return controlPlane;
        } catch (IOException e) {
            stop(processes, workDir);
            return Assertions.fail("cannot start the Kubernetes control plane: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop(processes, workDir);
            return Assertions.fail("interrupted while starting the Kubernetes control plane", e);
        } catch (RuntimeException | Error e) {
            stop(processes, workDir);
            throw e;
        }
    }

    // ---- what tests use ---------------------------------------------------------------------------------------

    /** The admin kubeconfig (client certificate of user {@code admin} in group {@code system:masters}). */
    public Path kubeconfig() {
        return kubeconfig;
    }

    /** {@code https://127.0.0.1:PORT}, the API server's address. */
    public String serverUrl() {
        return server.toString();
    }

    /** Where {@code kube-apiserver}, {@code kubectl} and {@code etcd} are. */
    public Path binDir() {
        return binDir;
    }

    /** Where the logs of etcd ({@code etcd.log}) and kube-apiserver ({@code kube-apiserver.log}) go. */
    public Path logDir() {
        return logDir;
    }

    /** The Kubernetes version of the binaries, e.g. {@code v1.34.4}, as kube.sh pins it. */
    public String version() {
        return KubeBinaries.version(binDir);
    }

    /** A fabric8 client for the admin user, made on first use and closed with the control plane. */
    public synchronized KubernetesClient client() {
        if (client == null) {
            try {
                String text = Files.readString(kubeconfig);
                client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(text)).build();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + kubeconfig, e);
            }
        }
        return client;
    }

    /**
     * Makes sure namespace {@code name} exists and is Active, creating it when absent. The suites share one control
     * plane that runs no namespace controller, so a deleted namespace stays Terminating for good: a test that deletes a
     * namespace must own a unique name, and this fails at once, naming the namespace, when one did not.
     */
    public void namespace(String name) {
        var namespaces = client().namespaces();
        if (namespaces.withName(name).get() == null) {
            try {
                namespaces.resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                        .withNewMetadata().withName(name).endMetadata().build()).create();
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        }
        var found = namespaces.withName(name).get();
        String phase = found == null || found.getStatus() == null ? null : found.getStatus().getPhase();
        if (found == null || found.getMetadata().getDeletionTimestamp() != null || "Terminating".equals(phase)) {
            throw new AssertionError("namespace " + name + " is being deleted on the shared control plane (phase "
                    + phase + "); some test deleted a namespace it does not own");
        }
    }

    /** Runs kubectl as the admin user with a 60 s timeout; see {@link #kubectl(String, Duration, String...)}. */
    public ProcessResult kubectl(String... args) {
        return kubectl(null, KUBECTL_TIMEOUT, args);
    }

    /**
     * Runs {@code kubectl --kubeconfig <admin kubeconfig> ARGS}, with its discovery cache in the control plane's
     * temporary directory and no {@code KUBECONFIG} from the environment.
     *
     * @param stdin   what kubectl reads from standard input (for {@code -f -}), or null for none
     * @param timeout after which kubectl is killed and the call fails
     * @throws org.opentest4j.AssertionFailedError when kubectl does not finish in time
     */
    public ProcessResult kubectl(String stdin, Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of(binDir.resolve("kubectl").toString(),
                "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        Path out = null;
        Path err = null;
        Path in = null;
        try {
            out = Files.createTempFile(workDir, "kubectl-", ".out");
            err = Files.createTempFile(workDir, "kubectl-", ".err");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            if (stdin == null) {
                builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            } else {
                in = write(Files.createTempFile(workDir, "kubectl-", ".in"), stdin);
                builder.redirectInput(in.toFile());
            }
            builder.environment().remove("KUBECONFIG");
            builder.environment().put("KUBECACHEDIR", workDir.resolve("kubectl-cache").toString());
            Process kubectl = builder.start();
            if (!kubectl.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kubectl.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                Assertions.fail(String.join(" ", command) + " did not finish within " + timeout + "\n--- stdout\n"
                        + Files.readString(out) + "\n--- stderr\n" + Files.readString(err));
            }
            return new ProcessResult(command, kubectl.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running kubectl", e);
        } finally {
            for (Path file : new Path[] {out, err, in}) {
                deleteQuietly(file);
            }
        }
    }

    /**
     * Stops kube-apiserver, then etcd (each with SIGTERM, then SIGKILL after 10 s, their children too), closes the
     * client and deletes the temporary directory; the logs stay. Idempotent. Does nothing on the {@link #shared()}
     * control plane, which its shutdown hook stops.
     */
    @Override
    public void close() {
        if (isShared) {
            return;
        }
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private synchronized void stop() {
        if (closed) {
            return;
        }
        closed = true;
        if (client != null) {
            client.close();
        }
        stop(processes, workDir);
    }

    // ---- plumbing ----------------------------------------------------------------------------------------------

    private static Process launch(Path log, String... command) throws IOException {
        return new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    /**
     * kube-apiserver writes a self-signed CA and a serving certificate signed by it to {@code apiserver.crt} in
     * {@code --cert-dir} (leaf first, then the CA) before it listens. Answers the CA certificates in that file, once
     * it is complete.
     */
    private static List<X509Certificate> awaitServingCa(Path certDir, List<Process> processes, Path logDir)
            throws InterruptedException {
        Path file = certDir.resolve("apiserver.crt");
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            checkAlive(processes, logDir);
            if (Files.exists(file) && Files.exists(certDir.resolve("apiserver.key"))) {
                try {
                    List<X509Certificate> certificates = PemFiles.readCertificates(file);
                    List<X509Certificate> cas = certificates.stream()
                            .filter(c -> c.getBasicConstraints() >= 0).toList();
                    if (!cas.isEmpty()) {
                        return cas;
                    }
                } catch (PemFileException partlyWritten) {
                    // read again
                }
            }
            Thread.sleep(50);
        }
        return Assertions.fail("kube-apiserver wrote no serving certificate to " + file + " within " + READY_TIMEOUT
                + "; " + logTails(logDir));
    }

    private static void awaitReady(URI server, TlsMaterial admin, List<X509Certificate> servingCas,
                                   List<Process> processes, Path logDir) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder()
                .sslContext(sslContext(admin, servingCas))
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        HttpRequest probe = HttpRequest.newBuilder(server.resolve("/readyz")).timeout(Duration.ofSeconds(5)).GET()
                .build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            checkAlive(processes, logDir);
            try {
                HttpResponse<String> answer = http.send(probe, HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() == 200) {
                    return;
                }
                last = answer.statusCode() + " " + answer.body();
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            Thread.sleep(100);
        }
        Assertions.fail("kube-apiserver did not answer GET /readyz with 200 within " + READY_TIMEOUT + " (last: "
                + last + "); " + logTails(logDir));
    }

    private static SSLContext sslContext(TlsMaterial admin, List<X509Certificate> servingCas) {
        try {
            char[] password = new char[0];
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(KeyStores.toKeyStore(admin, password), password);
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(KeyStores.trustStore(servingCas.toArray(X509Certificate[]::new)));
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS for the readiness probe: " + e.getMessage(), e);
        }
    }

    private static void checkAlive(List<Process> processes, Path logDir) {
        for (Process process : processes) {
            if (!process.isAlive()) {
                Assertions.fail(process.info().command().orElse("a control plane process") + " exited with "
                        + process.exitValue() + "; " + logTails(logDir));
            }
        }
    }

    private static String logTails(Path logDir) {
        return Logs.tail(logDir.resolve("kube-apiserver.log")) + "\n" + Logs.tail(logDir.resolve("etcd.log"));
    }

    /** The admin kubeconfig, every credential inline so the file stands alone. */
    private static String kubeconfig(URI server, List<X509Certificate> servingCas, TlsMaterial admin) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: ecrgate-test
                  cluster:
                    server: %s
                    certificate-authority-data: %s
                users:
                - name: admin
                  user:
                    client-certificate-data: %s
                    client-key-data: %s
                contexts:
                - name: ecrgate-test
                  context:
                    cluster: ecrgate-test
                    user: admin
                current-context: ecrgate-test
                """.formatted(server, base64(PemFiles.toPem(servingCas)), base64(PemFiles.toPem(admin.chain())),
                base64(ecPrivateKeyPem(admin)));
    }

    /**
     * The admin's P-256 key as a SEC 1 {@code EC PRIVATE KEY} block with its curve and public key, which both Go and
     * fabric8 read: fabric8 takes a PKCS#8 {@code PRIVATE KEY} block for RSA, and the JDK's PKCS#8 encoding leaves
     * the curve out of the inner SEC 1 structure, which Go then cannot read.
     */
    private static String ecPrivateKeyPem(TlsMaterial material) {
        try {
            var key = (java.security.interfaces.ECPrivateKey) material.key();
            ASN1Encodable curve = PrivateKeyInfo.getInstance(key.getEncoded()).getPrivateKeyAlgorithm().getParameters();
            var publicKey = SubjectPublicKeyInfo.getInstance(material.leaf().getPublicKey().getEncoded())
                    .getPublicKeyData();
            byte[] sec1 = new ECPrivateKey(key.getParams().getOrder().bitLength(), key.getS(), publicKey, curve)
                    .getEncoded();
            return pem("EC PRIVATE KEY", sec1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the admin key", e);
        }
    }

    private static String publicKeyPem(PublicKey key) {
        return pem("PUBLIC KEY", key.getEncoded());
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static Path write(Path file, String text) throws IOException {
        return Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Stops the processes in reverse order of start (kube-apiserver before etcd), then deletes {@code workDir}. */
    private static void stop(List<Process> processes, Path workDir) {
        for (int i = processes.size() - 1; i >= 0; i--) {
            stop(processes.get(i));
        }
        if (workDir != null) {
            try (Stream<Path> files = Files.walk(workDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(KubeControlPlane::deleteQuietly);
            } catch (IOException e) {
                System.err.println("cannot delete " + workDir + ": " + e.getMessage());
            }
        }
    }

    private static void stop(Process process) {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a temporary file; the directory goes with close()
        }
    }
}
