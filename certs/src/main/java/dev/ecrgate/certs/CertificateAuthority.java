package dev.ecrgate.certs;

import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A small certificate authority for one job: signing the serving certificate a Kubernetes API server checks when it
 * calls the webhook. It makes one self-signed root with {@code pathlen:0} and issues leaf certificates from it
 * directly; there are no intermediates, CRLs or OCSP.
 *
 * <p>Every method that depends on time takes the current instant, so results are reproducible apart from keys and
 * serial numbers. Validity starts {@link #CLOCK_SKEW} before that instant, so a peer whose clock is a little behind
 * still accepts a certificate issued just now.
 *
 * <p>Keys are generated and certificates signed by the JDK's own providers (SunEC, SunRsaSign); BouncyCastle only
 * builds the X.509 structures and is never registered as a JCA provider. Instances are immutable and thread-safe.
 */
public final class CertificateAuthority {
    /** How far before the given instant a certificate's validity starts. */
    public static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    private final IssuedCa ca;
    private final SecureRandom random;

    private CertificateAuthority(IssuedCa ca, SecureRandom random) {
        this.ca = ca;
        this.random = random;
    }

    /**
     * Generates a new CA: a fresh key and a self-signed certificate with basicConstraints {@code CA:true,
     * pathlen:0} and keyUsage {@code keyCertSign, cRLSign}, both critical, and a subject key identifier.
     *
     * @param spec what to generate; not null
     * @param now  the current instant; not null
     */
    public static CertificateAuthority generate(CaSpec spec, Instant now) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(now, "now");
        SecureRandom random = new SecureRandom();
        KeyPair keyPair = spec.keyType().generate(random);
        X500Name subject = commonName(spec.commonName());
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    subject, serialNumber(random), notBefore(now), notAfter(now, spec.validity()),
                    subject, keyPair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(keyPair.getPublic()));
            X509Certificate certificate = sign(builder, keyPair.getPrivate());
            return new CertificateAuthority(new IssuedCa(keyPair.getPrivate(), certificate), random);
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot create the CA certificate: " + e.getMessage(), e);
        }
    }

    /**
     * Issues from an existing CA, e.g. one read from a secret.
     *
     * @param ca not null
     * @throws IllegalArgumentException if the certificate is not a CA certificate allowed to sign certificates
     */
    public static CertificateAuthority of(IssuedCa ca) {
        Objects.requireNonNull(ca, "ca");
        X509Certificate certificate = ca.certificate();
        boolean[] keyUsage = certificate.getKeyUsage();
        if (certificate.getBasicConstraints() < 0 || (keyUsage != null && !keyUsage[5])) {
            throw new IllegalArgumentException("certificate " + certificate.getSubjectX500Principal().getName()
                    + " is not a CA certificate that may sign certificates (needs basicConstraints CA:true and, "
                    + "if keyUsage is present, keyCertSign)");
        }
        return new CertificateAuthority(ca, new SecureRandom());
    }

    /** The CA's key and certificate, e.g. to store them. */
    public IssuedCa ca() {
        return ca;
    }

    /** The CA's certificate: what clients trust, and what a webhook configuration's {@code caBundle} holds. */
    public X509Certificate certificate() {
        return ca.certificate();
    }

    /**
     * Issues a serving certificate with a fresh key: subject alternative names from the spec, extendedKeyUsage
     * {@code serverAuth}, keyUsage {@code digitalSignature} (and {@code keyEncipherment} for RSA), basicConstraints
     * {@code CA:false}, subject and authority key identifiers and a random 128-bit serial number.
     *
     * @param spec what to issue; not null
     * @param now  the current instant; not null
     * @return the new key and a chain holding just the new certificate (the CA is the client's trust anchor, so
     *         servers need not send it)
     * @throws IllegalArgumentException if the CA is not valid at {@code now} or expires before the certificate
     *                                  would
     */
    public TlsMaterial issue(ServerCertificateSpec spec, Instant now) {
        Objects.requireNonNull(spec, "spec");
        return issue(spec.keyType(), commonName(spec.commonName()), KeyPurposeId.id_kp_serverAuth,
                subjectAltNames(spec), spec.validity(), now, spec.commonName());
    }

    /**
     * Issues a client certificate (extendedKeyUsage {@code clientAuth}), for a caller that authenticates to a server
     * trusting this CA: the API server calling ecrgate with {@code --client-ca}, or an admin calling an API server,
     * which reads the organizations as groups.
     *
     * @param commonName    the subject's CN (a Kubernetes user name)
     * @param organizations the subject's O values (Kubernetes groups); may be empty
     * @param validity      how long it is valid
     * @param now           the current instant
     */
    public TlsMaterial issueClient(String commonName, List<String> organizations, Duration validity, Instant now) {
        Objects.requireNonNull(commonName, "commonName");
        X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE);
        for (String o : organizations) {
            subject.addRDN(BCStyle.O, o);
        }
        subject.addRDN(BCStyle.CN, commonName);
        return issue(KeyType.EC_P256, subject.build(), KeyPurposeId.id_kp_clientAuth, null, validity, now,
                commonName);
    }

    private TlsMaterial issue(KeyType keyType, X500Name subject, KeyPurposeId purpose, GeneralNames altNames,
                              Duration validity, Instant now, String what) {
        Objects.requireNonNull(now, "now");
        X509Certificate caCertificate = ca.certificate();
        Date notBefore = notBefore(now);
        Date notAfter = notAfter(now, validity);
        if (now.isBefore(caCertificate.getNotBefore().toInstant())
                || now.isAfter(caCertificate.getNotAfter().toInstant())) {
            throw new IllegalArgumentException("the CA certificate is not valid at " + now + " (valid "
                    + caCertificate.getNotBefore().toInstant() + " to " + caCertificate.getNotAfter().toInstant()
                    + ")");
        }
        if (notAfter.after(caCertificate.getNotAfter())) {
            throw new IllegalArgumentException("a certificate valid until " + notAfter.toInstant()
                    + " would outlive its CA, which expires " + caCertificate.getNotAfter().toInstant()
                    + "; shorten the validity or renew the CA");
        }
        KeyPair keyPair = keyType.generate(random);
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            int keyUsage = KeyUsage.digitalSignature | (keyType.isRsa() ? KeyUsage.keyEncipherment : 0);
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    caCertificate, serialNumber(random), notBefore, notAfter, subject, keyPair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(keyPair.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            authorityKeyIdentifier(extensions, caCertificate));
            if (altNames != null) {
                builder.addExtension(Extension.subjectAlternativeName, false, altNames);
            }
            X509Certificate certificate = sign(builder, ca.key());
            return new TlsMaterial(keyPair.getPrivate(), List.of(certificate));
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot issue a certificate for " + what + ": " + e.getMessage(), e);
        }
    }

    private static X500Name commonName(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    }

    private static GeneralNames subjectAltNames(ServerCertificateSpec spec) {
        List<GeneralName> names = new ArrayList<>();
        for (String dnsName : spec.dnsNames()) {
            names.add(new GeneralName(GeneralName.dNSName, dnsName));
        }
        for (InetAddress address : spec.ipAddresses()) {
            names.add(new GeneralName(GeneralName.iPAddress, new DEROctetString(address.getAddress())));
        }
        return new GeneralNames(names.toArray(GeneralName[]::new));
    }

    /** The CA's own subject key identifier when it has one, so the two match however the CA computed it. */
    private static AuthorityKeyIdentifier authorityKeyIdentifier(JcaX509ExtensionUtils extensions,
            X509Certificate caCertificate) {
        byte[] extension = caCertificate.getExtensionValue(Extension.subjectKeyIdentifier.getId());
        if (extension != null) {
            byte[] keyIdentifier = SubjectKeyIdentifier
                    .getInstance(ASN1OctetString.getInstance(extension).getOctets()).getKeyIdentifier();
            return new AuthorityKeyIdentifier(keyIdentifier);
        }
        return extensions.createAuthorityKeyIdentifier(caCertificate.getPublicKey());
    }

    /** Positive, non-zero and at most 128 bits, as RFC 5280 and the CA/Browser Forum ask. */
    private static BigInteger serialNumber(SecureRandom random) {
        BigInteger serial;
        do {
            serial = new BigInteger(128, random);
        } while (serial.signum() == 0);
        return serial;
    }

    /** X.509 times have whole seconds; truncating here keeps what the certificate says equal to what we computed. */
    private static Date notBefore(Instant now) {
        return Date.from(now.minus(CLOCK_SKEW).truncatedTo(ChronoUnit.SECONDS));
    }

    private static Date notAfter(Instant now, Duration validity) {
        return Date.from(now.plus(validity).truncatedTo(ChronoUnit.SECONDS));
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signingKey)
            throws CertificateException {
        try {
            ContentSigner signer = new JcaContentSignerBuilder(signatureAlgorithm(signingKey)).build(signingKey);
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot sign with the " + signingKey.getAlgorithm() + " CA key: "
                    + e.getMessage(), e);
        }
    }

    /** SHA-256 for RSA and P-256; a stronger hash for larger EC curves, matching their security level. */
    private static String signatureAlgorithm(PrivateKey key) {
        return switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> {
                int fieldSize = key instanceof ECKey ec ? ec.getParams().getCurve().getField().getFieldSize() : 256;
                yield fieldSize > 384 ? "SHA512withECDSA" : fieldSize > 256 ? "SHA384withECDSA" : "SHA256withECDSA";
            }
            default -> throw new IllegalArgumentException("cannot sign certificates with a "
                    + key.getAlgorithm() + " key");
        };
    }
}
