package dev.ecrgate.server;

import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;

/**
 * The TLS settings of the webhook server: TLS 1.2 and 1.3 only, forward-secret AEAD cipher suites only, and the
 * serving key and chain handed to Vert.x as a JDK {@link KeyManagerFactory} (the PEM files are read by the certs
 * module with BouncyCastle, which accepts more key formats than Vert.x's own PEM reader).
 */
public final class ServerTls {
    public static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");
    public static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private ServerTls() {
    }

    /** Applies TLS with {@code key} and {@code chain} (leaf first) to {@code options}. */
    public static HttpServerOptions apply(HttpServerOptions options, PrivateKey key, List<X509Certificate> chain)
            throws GeneralSecurityException {
        options.setSsl(true)
                .setKeyCertOptions(keyCertOptions(key, chain))
                .setEnabledSecureTransportProtocols(PROTOCOLS);
        for (String suite : CIPHER_SUITES) {
            options.addEnabledCipherSuite(suite);
        }
        return options;
    }

    static KeyCertOptions keyCertOptions(PrivateKey key, List<X509Certificate> chain)
            throws GeneralSecurityException {
        char[] password = "ecrgate".toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException(e);
        }
        store.setKeyEntry("serving", key, password, chain.toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, password);
        return KeyCertOptions.wrap(kmf);
    }
}
