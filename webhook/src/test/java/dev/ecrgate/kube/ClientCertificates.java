package dev.ecrgate.kube;

import dev.ecrgate.certs.IssuedCa;
import dev.ecrgate.certs.KeyType;
import dev.ecrgate.certs.TlsMaterial;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Client certificates for a test API server: the Kubernetes user is the subject's CN, its groups the O values.
 *
 * <p>The certs module only issues serving certificates (the webhook needs nothing else), so the harness issues its
 * client certificates here, in process, with the same BouncyCastle the certs module builds X.509 structures with:
 * faster than forking openssl and one tool fewer that CI must have.
 */
final class ClientCertificates {
    private static final Duration VALIDITY = Duration.ofDays(1);

    private ClientCertificates() {
    }

    /**
     * Issues a P-256 client certificate (extendedKeyUsage clientAuth) signed by {@code ca}.
     *
     * @param ca     an EC CA
     * @param user   the subject's CN
     * @param groups the subject's O values, in order
     */
    static TlsMaterial issue(IssuedCa ca, String user, List<String> groups, Instant now) {
        X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE);
        groups.forEach(group -> subject.addRDN(BCStyle.O, group));
        subject.addRDN(BCStyle.CN, user);
        SecureRandom random = new SecureRandom();
        KeyPair keyPair = KeyType.EC_P256.generate(random);
        X509Certificate caCertificate = ca.certificate();
        try {
            var builder = new JcaX509v3CertificateBuilder(caCertificate, new BigInteger(127, random).add(BigInteger.ONE),
                    Date.from(now.minus(Duration.ofMinutes(5)).truncatedTo(ChronoUnit.SECONDS)),
                    Date.from(now.plus(VALIDITY).truncatedTo(ChronoUnit.SECONDS)),
                    subject.build(), keyPair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(ca.key());
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(builder.build(signer));
            return new TlsMaterial(keyPair.getPrivate(), List.of(certificate));
        } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot issue a client certificate for " + user + ": " + e.getMessage(), e);
        }
    }
}
