package dev.ecrgate.certs;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.util.List;
import java.util.Objects;

/**
 * What a TLS server presents: its private key and its certificate chain, leaf first.
 *
 * <p>Immutable and thread-safe (the JDK's key and certificate objects are). Construction checks that the key
 * belongs to the leaf certificate, so a server never starts with a pair that no client could complete a handshake
 * with. The chain's order and signatures beyond the leaf are not checked.
 *
 * @param key   the leaf certificate's private key; not null
 * @param chain the leaf certificate, then any intermediates; not null, not empty, copied
 */
public record TlsMaterial(PrivateKey key, List<X509Certificate> chain) {
    /**
     * @throws IllegalArgumentException if the chain is empty or the key does not belong to the leaf certificate
     */
    public TlsMaterial {
        Objects.requireNonNull(key, "key");
        chain = List.copyOf(Objects.requireNonNull(chain, "chain"));
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a TLS certificate chain needs at least the leaf certificate");
        }
        if (!matches(key, chain.get(0))) {
            throw new IllegalArgumentException(mismatch(key, chain.get(0)));
        }
    }

    /**
     * Reads a certificate chain file and its key file, as Kubernetes puts them in a {@code kubernetes.io/tls}
     * secret ({@code tls.crt}, {@code tls.key}).
     *
     * @throws PemFileException if either file cannot be read (see {@link PemFiles}) or the key does not belong to
     *                          the first certificate; the message then names both files
     */
    public static TlsMaterial read(Path certificateFile, Path keyFile) throws PemFileException {
        List<X509Certificate> chain = PemFiles.readCertificates(certificateFile);
        PrivateKey key = PemFiles.readPrivateKey(keyFile);
        if (!matches(key, chain.get(0))) {
            throw new PemFileException(keyFile, "this key does not belong to the first certificate in "
                    + certificateFile + ": " + mismatch(key, chain.get(0)));
        }
        return new TlsMaterial(key, chain);
    }

    /** The certificate the server is identified by: the chain's first. */
    public X509Certificate leaf() {
        return chain.get(0);
    }

    /**
     * Whether {@code key} is the private half of {@code certificate}'s public key, proved by signing a random
     * challenge and verifying it with the certificate's key. Works for RSA, EC and EdDSA keys.
     *
     * @param key         not null
     * @param certificate not null
     * @return false if the keys differ in algorithm, curve or value, or the JDK cannot sign with the key
     */
    public static boolean matches(PrivateKey key, X509Certificate certificate) {
        Objects.requireNonNull(key, "key");
        PublicKey publicKey = Objects.requireNonNull(certificate, "certificate").getPublicKey();
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        if (key instanceof RSAKey rsaKey && publicKey instanceof RSAKey rsaPublic
                && !rsaKey.getModulus().equals(rsaPublic.getModulus())) {
            return false;
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> key.getAlgorithm();
            default -> null;
        };
        if (algorithm == null) {
            return false;
        }
        try {
            byte[] challenge = new byte[32];
            SecureRandom random = new SecureRandom();
            random.nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key, random);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static String mismatch(PrivateKey key, X509Certificate certificate) {
        return "the " + describe(key) + " private key is not the key of certificate "
                + certificate.getSubjectX500Principal().getName() + " (a " + describe(certificate.getPublicKey())
                + " public key)";
    }

    private static String describe(Key key) {
        if (key instanceof RSAKey rsa) {
            return "RSA " + rsa.getModulus().bitLength() + "-bit";
        } else if (key instanceof ECKey ec) {
            return "EC " + ec.getParams().getCurve().getField().getFieldSize() + "-bit";
        }
        return key.getAlgorithm();
    }
}
