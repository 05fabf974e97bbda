package dev.ecrgate.certs;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * Turns TLS material into in-memory JDK key stores, for a {@code KeyManagerFactory} on the server side or a
 * {@code TrustManagerFactory} on the client side. Nothing is written to disk. Static, thread-safe; each call
 * returns a new, mutable store that the caller owns.
 */
public final class KeyStores {
    /** The alias of the one key entry in a store from {@link #toKeyStore}. */
    public static final String KEY_ALIAS = "ecrgate";

    private KeyStores() {
    }

    /**
     * A PKCS#12 key store holding the material's key and chain under {@link #KEY_ALIAS}, protected by
     * {@code password}; pass the same password to {@code KeyManagerFactory.init}.
     *
     * @param material not null
     * @param password not null; may be empty; not retained
     */
    public static KeyStore toKeyStore(TlsMaterial material, char[] password) {
        Objects.requireNonNull(material, "material");
        Objects.requireNonNull(password, "password");
        KeyStore store = emptyPkcs12();
        try {
            store.setKeyEntry(KEY_ALIAS, material.key(), password,
                    material.chain().toArray(X509Certificate[]::new));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot put the " + material.key().getAlgorithm()
                    + " key into a PKCS#12 key store: " + e.getMessage(), e);
        }
        return store;
    }

    /**
     * A PKCS#12 store of trusted certificates, aliased {@code ca-0}, {@code ca-1}, ...
     *
     * @param cas the trust anchors; not null, at least one, none null
     * @throws IllegalArgumentException if no certificate is given
     */
    public static KeyStore trustStore(X509Certificate... cas) {
        Objects.requireNonNull(cas, "cas");
        if (cas.length == 0) {
            throw new IllegalArgumentException("a trust store needs at least one CA certificate");
        }
        KeyStore store = emptyPkcs12();
        try {
            for (int i = 0; i < cas.length; i++) {
                store.setCertificateEntry("ca-" + i, Objects.requireNonNull(cas[i], "ca"));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot put a CA certificate into a PKCS#12 trust store: "
                    + e.getMessage(), e);
        }
        return store;
    }

    private static KeyStore emptyPkcs12() {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("this JDK cannot create a PKCS#12 key store: " + e.getMessage(), e);
        }
    }
}
