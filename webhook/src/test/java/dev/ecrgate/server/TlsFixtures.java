package dev.ecrgate.server;

import dev.ecrgate.certs.KeyStores;
import dev.ecrgate.certs.PemFiles;
import dev.ecrgate.certs.TlsMaterial;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** TLS helpers for the socket tests: clients that trust a CA (and present a certificate), Secret-style files. */
public final class TlsFixtures {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private TlsFixtures() {
    }

    static HttpClient client(X509Certificate trusted, TlsMaterial clientCertificate) throws Exception {
        return HttpClient.newBuilder().sslContext(ssl(trusted, clientCertificate))
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** TLS that trusts {@code trusted} and presents {@code clientCertificate} when it is not null. */
    static SSLContext ssl(X509Certificate trusted, TlsMaterial clientCertificate) throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(KeyStores.trustStore(trusted));
        KeyManagerFactory kmf = null;
        if (clientCertificate != null) {
            KeyStore keys = KeyStores.toKeyStore(clientCertificate, "test".toCharArray());
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, "test".toCharArray());
        }
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ssl;
    }

    static HttpResponse<String> validate(HttpClient client, int port, String example)
            throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/validate"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofFile(ROOT.resolve("examples/requests/" + example))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(HttpClient client, int port, String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Publishes a certificate and key the way the kubelet updates a mounted Secret: into a new hidden directory,
     * then an atomic rename of the {@code ..data} symlink; {@code tls.crt} and {@code tls.key} link through it.
     */
    public static void publish(Path dir, String version, TlsMaterial material) throws IOException {
        Path versioned = dir.resolve("..2026_11_30_" + version);
        Files.createDirectories(versioned);
        Files.writeString(versioned.resolve("tls.crt"), PemFiles.toPem(material.chain()));
        Files.writeString(versioned.resolve("tls.key"), PemFiles.toPem(material.key()));
        Path tmp = dir.resolve("..data_tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, versioned.getFileName());
        Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        for (String f : new String[] {"tls.crt", "tls.key"}) {
            if (!Files.exists(dir.resolve(f), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(dir.resolve(f), Path.of("..data", f));
            }
        }
    }
}
