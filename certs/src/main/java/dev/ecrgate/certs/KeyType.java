package dev.ecrgate.certs;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;

/**
 * The kinds of key ecrgate generates for its CA and serving certificates.
 *
 * <p>ECDSA P-256 is the default: small, fast and accepted by every Kubernetes API server. RSA exists for
 * environments whose policy demands it. Keys come from the JDK's own providers (SunEC, SunRsaSign).
 */
public enum KeyType {
    /** ECDSA on NIST P-256 (secp256r1, prime256v1). */
    EC_P256("EC"),
    /** RSA with a 2048-bit modulus. */
    RSA_2048("RSA"),
    /** RSA with a 3072-bit modulus. */
    RSA_3072("RSA");

    private final String algorithm;

    KeyType(String algorithm) {
        this.algorithm = algorithm;
    }

    /** The JCA key algorithm name: {@code "EC"} or {@code "RSA"}. */
    public String algorithm() {
        return algorithm;
    }

    /** Whether keys of this type encrypt TLS key exchanges (RSA), which adds keyEncipherment to key usage. */
    boolean isRsa() {
        return algorithm.equals("RSA");
    }

    /**
     * Generates a fresh key pair. Thread-safe: every call uses its own generator.
     *
     * @param random the randomness source; not null
     * @throws IllegalStateException if the JDK lacks the algorithm, which a standard JDK 17 never does
     */
    public KeyPair generate(SecureRandom random) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            switch (this) {
                case EC_P256 -> generator.initialize(new ECGenParameterSpec("secp256r1"), random);
                case RSA_2048 -> generator.initialize(2048, random);
                case RSA_3072 -> generator.initialize(3072, random);
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot generate " + this + " keys: " + e.getMessage(), e);
        }
    }
}
