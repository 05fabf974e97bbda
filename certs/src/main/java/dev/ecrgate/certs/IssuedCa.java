package dev.ecrgate.certs;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * A certificate authority as stored: its private key and its self-signed certificate. The certificate is what goes
 * into a webhook configuration's {@code caBundle}; the key never leaves the process or its secret.
 *
 * <p>Immutable and thread-safe. Use {@link CertificateAuthority#of(IssuedCa)} to issue certificates with it.
 *
 * @param key         the CA's private key; not null
 * @param certificate the CA's certificate; not null
 */
public record IssuedCa(PrivateKey key, X509Certificate certificate) {
    /** @throws IllegalArgumentException if the key does not belong to the certificate */
    public IssuedCa {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(certificate, "certificate");
        if (!TlsMaterial.matches(key, certificate)) {
            throw new IllegalArgumentException("the CA key is not the key of CA certificate "
                    + certificate.getSubjectX500Principal().getName());
        }
    }
}
