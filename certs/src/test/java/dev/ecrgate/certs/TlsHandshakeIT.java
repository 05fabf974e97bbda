package dev.ecrgate.certs;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real TLS handshakes over loopback between JDK sockets: the server presents issued material through a
 * {@link KeyManagerFactory}, the client trusts one CA through a {@link TrustManagerFactory} and checks the server's
 * name as HTTPS clients (the Kubernetes API server among them) do.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TlsHandshakeIT {
    private static final int SOCKET_TIMEOUT_MILLIS = 5_000;

    /** The JDK checks certificate validity against its own clock, so these certificates are issued for it. */
    private static final Instant NOW = Instant.now();

    private static final CertificateAuthority CA = CertificateAuthority.generate(CaSpec.defaults(), NOW);

    private static final CertificateAuthority OTHER_CA = CertificateAuthority.generate(CaSpec.defaults(), NOW);

    private static final ExecutorService SERVER_THREAD = Executors.newSingleThreadExecutor();

    /** A connection attempt; {@code refusal} is null when the handshake succeeds, else what the JDK says. */
    record Case(String description, KeyType keyType, X509Certificate trusted, String host, String refusal) {
        @Override
        public String toString() {
            return description;
        }
    }

    static Stream<Case> cases() {
        X509Certificate ca = CA.certificate();
        return Stream.of(
                new Case("a client trusting the CA completes a handshake with an EC server at 127.0.0.1",
                        KeyType.EC_P256, ca, "127.0.0.1", null),
                new Case("a client trusting the CA completes a handshake with an RSA server at 127.0.0.1",
                        KeyType.RSA_2048, ca, "127.0.0.1", null),
                new Case("a client trusting the CA completes a handshake with a server it reaches by DNS name",
                        KeyType.EC_P256, ca, "ecrgate.ecrgate.svc", null),
                new Case("a client trusting another CA refuses the server",
                        KeyType.EC_P256, OTHER_CA.certificate(), "127.0.0.1", "PKIX path"),
                new Case("a client that reaches the server by a name not in its certificate refuses it",
                        KeyType.EC_P256, ca, "other.ecrgate.svc",
                        "No subject alternative DNS name matching other.ecrgate.svc"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void handshake(Case c) throws Exception {
        TlsMaterial material = CA.issue(
                ServerCertificateSpec.forNames("ecrgate.ecrgate.svc", "127.0.0.1").withKeyType(c.keyType()), NOW);
        try (SSLServerSocket server = listen(material)) {
            Future<String> served = SERVER_THREAD.submit(() -> serveOnce(server));

            if (c.refusal() == null) {
                String peer = connect(server.getLocalPort(), c.trusted(), c.host());
                assertAll(
                        () -> assertEquals(material.leaf().getSubjectX500Principal().getName(), peer),
                        () -> assertEquals("handshake done", served.get(SOCKET_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)));
            } else {
                SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
                        () -> connect(server.getLocalPort(), c.trusted(), c.host()));
                assertTrue(String.valueOf(e.getMessage()).contains(c.refusal()), e.getMessage());
                served.cancel(true);
            }
        }
    }

    @AfterAll
    static void stopServerThread() {
        SERVER_THREAD.shutdownNow();
    }

    private static SSLServerSocket listen(TlsMaterial material) throws Exception {
        char[] password = "in-memory".toCharArray();
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(KeyStores.toKeyStore(material, password), password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers.getKeyManagers(), null, null);
        SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress());
        server.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
        return server;
    }

    private static String serveOnce(SSLServerSocket server) throws IOException {
        try (SSLSocket socket = (SSLSocket) server.accept()) {
            socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
            socket.startHandshake();
            socket.getOutputStream().write('!');
            socket.getOutputStream().flush();
            return "handshake done";
        }
    }

    /** Connects to loopback, telling TLS the server is {@code host}; returns the server certificate's subject. */
    private static String connect(int port, X509Certificate trusted, String host) throws Exception {
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(KeyStores.trustStore(trusted));
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers.getTrustManagers(), null);
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), SOCKET_TIMEOUT_MILLIS);
        plain.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true)) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            assertEquals('!', socket.getInputStream().read());
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
        }
    }
}
