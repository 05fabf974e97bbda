package dev.ecrgate.server;

import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.net.TrustOptions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS settings of the webhook server: TLS 1.2 and 1.3 only, forward-secret AEAD cipher suites only, the serving
 * key and chain handed to Vert.x as a JDK {@link KeyManagerFactory} (the PEM files are read by the certs module with
 * BouncyCastle, which accepts more key formats than Vert.x's own PEM reader), and optionally the CAs whose client
 * certificates are accepted.
 *
 * <p>Client certificates are <em>requested</em>, not required, at the TLS layer: kubelet's HTTPS probes of
 * {@code /healthz} and {@code /readyz} present none. A certificate that is presented must chain to a client CA or
 * the handshake fails; {@code /validate} then refuses requests that presented none.
 */
public final class ServerTls {
    public static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");
    public static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /** The JDK's count of PBKDF2 rounds that protect a private key put into a PKCS#12 store. */
    public static final String PKCS12_KEY_PBE_ITERATION_COUNT = "keystore.pkcs12.keyPbeIterationCount";

    private ServerTls() {
    }

    /**
     * Tells the JDK that the PKCS#12 stores of this process live in memory only, so that the password protecting a
     * private key put into one is derived with one PBKDF2 round instead of 10,000, unless the operator set the count.
     * Netty builds two such stores when its TLS classes load (a probe in {@code JdkSslServerContext}) and
     * {@link #keyCertOptions} one: four derivations of 10,000 HMAC-SHA256 rounds each, run in the interpreter and
     * then compiled by C2, cost about 0.3 s of the start on one core. Call only in a process that never writes a key
     * store to disk ({@code ecrgate serve} does not), before the first TLS class loads.
     *
     * @return whether the count was set here (false if it was already set)
     */
    public static boolean inMemoryKeyStoresOnly() {
        return SystemProperties.setUnlessSet(PKCS12_KEY_PBE_ITERATION_COUNT, "1");
    }

    /** The SSL options for serving {@code chain} (leaf first) with {@code key}, accepting {@code clientCas}. */
    public static ServerSSLOptions sslOptions(PrivateKey key, List<X509Certificate> chain,
                                              List<X509Certificate> clientCas) throws GeneralSecurityException {
        ServerSSLOptions ssl = new ServerSSLOptions()
                .setKeyCertOptions(keyCertOptions(key, chain))
                .setEnabledSecureTransportProtocols(PROTOCOLS);
        for (String suite : CIPHER_SUITES) {
            ssl.addEnabledCipherSuite(suite);
        }
        trustOptions(clientCas).ifPresent(trust -> ssl.setTrustOptions(trust).setClientAuth(ClientAuth.REQUEST));
        return ssl;
    }

    /** Applies {@code ssl} to the options a server starts with, on the JDK engine of {@link ServerSslEngine}. */
    public static HttpServerOptions apply(HttpServerOptions options, ServerSSLOptions ssl) {
        options.setSsl(true)
                .setSslEngineOptions(new ServerSslEngine())
                .setKeyCertOptions(ssl.getKeyCertOptions())
                .setEnabledSecureTransportProtocols(ssl.getEnabledSecureTransportProtocols());
        for (String suite : ssl.getEnabledCipherSuites()) {
            options.addEnabledCipherSuite(suite);
        }
        if (ssl.getTrustOptions() != null) {
            options.setTrustOptions(ssl.getTrustOptions()).setClientAuth(ssl.getClientAuth());
        }
        return options;
    }

    static KeyCertOptions keyCertOptions(PrivateKey key, List<X509Certificate> chain)
            throws GeneralSecurityException {
        char[] password = "ecrgate".toCharArray();
        KeyStore store = emptyStore();
        store.setKeyEntry("serving", key, password, chain.toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, password);
        return KeyCertOptions.wrap(kmf);
    }

    private static Optional<TrustOptions> trustOptions(List<X509Certificate> cas) throws GeneralSecurityException {
        if (cas.isEmpty()) {
            return Optional.empty();
        }
        KeyStore store = emptyStore();
        for (int i = 0; i < cas.size(); i++) {
            store.setCertificateEntry("client-ca-" + i, cas.get(i));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        return Optional.of(TrustOptions.wrap(tmf));
    }

    private static KeyStore emptyStore() throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException(e);
        }
        return store;
    }
}
