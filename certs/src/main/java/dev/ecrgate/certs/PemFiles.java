package dev.ecrgate.certs;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads and writes PEM files: private keys in the forms OpenSSL writes, and certificate chains.
 *
 * <p>Keys are accepted as PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}) and SEC1
 * EC ({@code BEGIN EC PRIVATE KEY}, also after an {@code EC PARAMETERS} block as {@code openssl ecparam -genkey}
 * writes it). Encrypted keys are refused: a webhook has nobody to type a passphrase, and a passphrase stored next
 * to the key protects nothing. Keys are converted with the JDK's own providers, so EC keys must be on a curve the
 * JDK supports (P-256, P-384, P-521).
 *
 * <p>All methods are static, thread-safe and never return null. Every failure to read a file is a
 * {@link PemFileException} whose message names the file and the problem.
 */
public final class PemFiles {
    /** Shared converters are stateless once built; both use the JDK's default providers, not BouncyCastle's. */
    private static final JcaPEMKeyConverter KEY_CONVERTER = new JcaPEMKeyConverter();

    private static final JcaX509CertificateConverter CERTIFICATE_CONVERTER = new JcaX509CertificateConverter();

    /**
     * The JDK 17 key factory accepts keys on curves its signature code has dropped (secp256k1, brainpool), so a key
     * on one would read fine and fail only in the TLS handshake. Curves are told apart by their group order.
     */
    private static final Set<BigInteger> SUPPORTED_CURVES = Set.of(
            curveOrder("secp256r1"), curveOrder("secp384r1"), curveOrder("secp521r1"));

    private PemFiles() {
    }

    /**
     * Reads the one private key in a PEM file. Certificates and EC parameter blocks beside the key are skipped.
     *
     * @param file the PEM file; not null
     * @return the key, for the JDK's providers
     * @throws PemFileException if the file cannot be read, is empty, is not PEM, holds no private key or more than
     *                          one, holds an encrypted key, or holds a key the JDK cannot use
     */
    public static PrivateKey readPrivateKey(Path file) throws PemFileException {
        return privateKey(readPemObjects(file, "key"), file);
    }

    /**
     * Reads the one private key in PEM text held elsewhere than in a file (a Kubernetes Secret, say), with the
     * same rules as {@link #readPrivateKey(Path)}; {@code source} names it in error messages.
     */
    public static PrivateKey parsePrivateKey(String pem, String source) throws PemFileException {
        Path name = Path.of(source);
        return privateKey(parsePemObjects(pem, name, "key"), name);
    }

    /** Reads the certificates in PEM text, with the same rules as {@link #readCertificates(Path)}. */
    public static List<X509Certificate> parseCertificates(String pem, String source) throws PemFileException {
        Path name = Path.of(source);
        return certificates(parsePemObjects(pem, name, "certificate"), name);
    }

    private static PrivateKey privateKey(List<Object> objects, Path file) throws PemFileException {
        List<PrivateKey> keys = new ArrayList<>();
        for (Object object : objects) {
            if (object instanceof PEMEncryptedKeyPair || object instanceof PKCS8EncryptedPrivateKeyInfo) {
                throw new PemFileException(file, "the private key is encrypted, and ecrgate does not support "
                        + "encrypted keys; write it unencrypted, e.g. with `openssl pkey -in "
                        + file.getFileName() + " -out key.pem`, and protect the file instead");
            }
            try {
                if (object instanceof PEMKeyPair pair) {
                    keys.add(KEY_CONVERTER.getKeyPair(pair).getPrivate());
                } else if (object instanceof PrivateKeyInfo info) {
                    keys.add(KEY_CONVERTER.getPrivateKey(info));
                }
            } catch (IOException e) {
                throw new PemFileException(file, "unsupported private key (" + rootMessage(e)
                        + "); ecrgate reads RSA keys and EC keys on P-256, P-384 or P-521", e);
            }
        }
        if (keys.isEmpty()) {
            throw new PemFileException(file, "no private key found " + foundInstead(objects)
                    + "; expected a PEM block BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY");
        }
        if (keys.size() > 1) {
            throw new PemFileException(file, "holds " + keys.size() + " private keys; expected exactly one");
        }
        PrivateKey key = keys.get(0);
        if (key instanceof ECKey ec && !SUPPORTED_CURVES.contains(ec.getParams().getOrder())) {
            throw new PemFileException(file, "unsupported private key: its EC curve is not one the JDK signs with; "
                    + "ecrgate reads RSA keys and EC keys on P-256, P-384 or P-521");
        }
        return key;
    }

    /**
     * Reads the certificates in a PEM file, in file order: for a serving certificate chain, leaf first. Other PEM
     * objects (a key in a combined file) are skipped.
     *
     * @param file the PEM file; not null
     * @return an unmodifiable, non-empty list
     * @throws PemFileException if the file cannot be read, is empty, is not PEM, holds no certificate, or holds a
     *                          certificate the JDK cannot parse
     */
    public static List<X509Certificate> readCertificates(Path file) throws PemFileException {
        return certificates(readPemObjects(file, "certificate"), file);
    }

    private static List<X509Certificate> certificates(List<Object> objects, Path file) throws PemFileException {
        List<X509Certificate> certificates = new ArrayList<>();
        for (Object object : objects) {
            if (object instanceof X509CertificateHolder holder) {
                try {
                    certificates.add(CERTIFICATE_CONVERTER.getCertificate(holder));
                } catch (CertificateException e) {
                    throw new PemFileException(file, "certificate " + (certificates.size() + 1)
                            + " cannot be parsed: " + rootMessage(e), e);
                }
            }
        }
        if (certificates.isEmpty()) {
            throw new PemFileException(file, "no certificate found " + foundInstead(objects)
                    + "; expected one or more PEM blocks BEGIN CERTIFICATE");
        }
        return List.copyOf(certificates);
    }

    /**
     * Writes certificates as PEM, one {@code CERTIFICATE} block each, in the order given.
     *
     * @param certificates not null, none null
     * @return PEM text with {@code \n} line ends
     * @throws IllegalArgumentException if no certificates are given or one cannot be encoded
     */
    public static String toPem(X509Certificate... certificates) {
        Objects.requireNonNull(certificates, "certificates");
        if (certificates.length == 0) {
            throw new IllegalArgumentException("no certificates to write");
        }
        StringBuilder pem = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            Objects.requireNonNull(certificate, "certificate");
            try {
                appendBlock(pem, "CERTIFICATE", certificate.getEncoded());
            } catch (CertificateEncodingException e) {
                throw new IllegalArgumentException("certificate " + certificate.getSubjectX500Principal()
                        + " cannot be encoded: " + e.getMessage(), e);
            }
        }
        return pem.toString();
    }

    /** Writes a certificate chain as PEM; see {@link #toPem(X509Certificate...)}. */
    public static String toPem(List<X509Certificate> certificates) {
        return toPem(certificates.toArray(X509Certificate[]::new));
    }

    /**
     * Writes a private key as an unencrypted PKCS#8 {@code PRIVATE KEY} block.
     *
     * @param key not null
     * @return PEM text with {@code \n} line ends
     * @throws IllegalArgumentException if the key does not expose a PKCS#8 encoding (a hardware-held key)
     */
    public static String toPem(PrivateKey key) {
        Objects.requireNonNull(key, "key");
        byte[] encoded = key.getEncoded();
        if (encoded == null || !"PKCS#8".equals(key.getFormat())) {
            throw new IllegalArgumentException("the " + key.getAlgorithm() + " key has no PKCS#8 encoding");
        }
        StringBuilder pem = new StringBuilder();
        appendBlock(pem, "PRIVATE KEY", encoded);
        return pem.toString();
    }

    /** Written by hand rather than with BouncyCastle's PemWriter so line ends are {@code \n} on every platform. */
    private static void appendBlock(StringBuilder pem, String type, byte[] der) {
        pem.append("-----BEGIN ").append(type).append("-----\n");
        pem.append(Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)).append('\n');
        pem.append("-----END ").append(type).append("-----\n");
    }

    private static List<Object> readPemObjects(Path file, String what) throws PemFileException {
        Objects.requireNonNull(file, "file");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new PemFileException(file, "cannot read " + what + " file: it does not exist", e);
        } catch (IOException e) {
            throw new PemFileException(file, "cannot read " + what + " file: " + e, e);
        }
        if (bytes.length == 0) {
            throw new PemFileException(file, "the " + what + " file is empty");
        }
        // PEM is ASCII; Latin-1 maps every byte, so a binary (DER) file reaches the parser, which finds no PEM in it.
        return parsePemObjects(new String(bytes, StandardCharsets.ISO_8859_1), file, what);
    }

    private static List<Object> parsePemObjects(String text, Path file, String what) throws PemFileException {
        if (text.isEmpty()) {
            throw new PemFileException(file, "the " + what + " is empty");
        }
        List<Object> objects = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                objects.add(object);
            }
        } catch (IOException | RuntimeException e) {
            // BouncyCastle signals bad base64 and unknown block types with IOException, bad DER with runtime ones.
            throw new PemFileException(file, "PEM block " + (objects.size() + 1)
                    + " is malformed or of an unsupported kind: " + rootMessage(e), e);
        }
        if (objects.isEmpty()) {
            throw new PemFileException(file, "not a PEM file: no -----BEGIN ...----- block found"
                    + (text.indexOf('\0') >= 0 ? " (binary DER? convert it with openssl to PEM)" : ""));
        }
        return objects;
    }

    private static BigInteger curveOrder(String name) {
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec(name));
            return parameters.getParameterSpec(ECParameterSpec.class).getOrder();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK does not know the EC curve " + name, e);
        }
    }

    private static String foundInstead(List<Object> objects) {
        Set<String> kinds = new LinkedHashSet<>();
        for (Object object : objects) {
            kinds.add(describe(object));
        }
        return "(the file holds " + String.join(", ", kinds) + ")";
    }

    private static String describe(Object object) {
        if (object instanceof X509CertificateHolder) {
            return "a certificate";
        } else if (object instanceof PEMKeyPair || object instanceof PrivateKeyInfo) {
            return "a private key";
        } else if (object instanceof PEMEncryptedKeyPair || object instanceof PKCS8EncryptedPrivateKeyInfo) {
            return "an encrypted private key";
        } else if (object instanceof SubjectPublicKeyInfo) {
            return "a public key";
        } else if (object instanceof ASN1ObjectIdentifier || object instanceof X9ECParameters) {
            return "EC parameters";
        }
        return "an unsupported " + object.getClass().getSimpleName();
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return message == null ? root.getClass().getSimpleName() : message;
    }
}
