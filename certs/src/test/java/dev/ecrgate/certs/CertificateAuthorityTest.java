package dev.ecrgate.certs;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class CertificateAuthorityTest {
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00.750Z");

    private static final Instant NOW_SECONDS = Instant.parse("2025-06-01T12:00:00Z");

    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

    private static final CertificateAuthority CA = CertificateAuthority.generate(CaSpec.defaults(), NOW);

    private static final int DIGITAL_SIGNATURE = 0;
    private static final int KEY_ENCIPHERMENT = 2;
    private static final int KEY_CERT_SIGN = 5;
    private static final int CRL_SIGN = 6;

    @ParameterizedTest(name = "a generated {0} CA is a self-signed root that may sign only leaf certificates")
    @EnumSource(KeyType.class)
    void generatesASelfSignedRootCa(KeyType keyType) throws Exception {
        CertificateAuthority ca = CertificateAuthority.generate(CaSpec.defaults().withKeyType(keyType), NOW);
        X509Certificate certificate = ca.certificate();
        boolean[] keyUsage = certificate.getKeyUsage();

        assertAll(
                () -> assertDoesNotThrow(() -> certificate.verify(certificate.getPublicKey())),
                () -> assertEquals(keyType.algorithm(), certificate.getPublicKey().getAlgorithm()),
                () -> assertEquals("CN=ecrgate CA", certificate.getSubjectX500Principal().getName()),
                () -> assertEquals(certificate.getSubjectX500Principal(), certificate.getIssuerX500Principal()),
                () -> assertEquals(3, certificate.getVersion()),
                () -> assertEquals(0, certificate.getBasicConstraints(), "CA:true, pathlen:0"),
                () -> assertTrue(keyUsage[KEY_CERT_SIGN] && keyUsage[CRL_SIGN], "keyCertSign, cRLSign"),
                () -> assertTrue(!keyUsage[DIGITAL_SIGNATURE] && !keyUsage[KEY_ENCIPHERMENT]),
                () -> assertEquals(Set.of(Extension.basicConstraints.getId(), Extension.keyUsage.getId()),
                        certificate.getCriticalExtensionOIDs()),
                () -> assertEquals(20, subjectKeyIdentifier(certificate).length),
                () -> assertEquals(NOW_SECONDS.minus(Duration.ofMinutes(5)), certificate.getNotBefore().toInstant()),
                () -> assertEquals(NOW_SECONDS.plus(Duration.ofDays(3650)), certificate.getNotAfter().toInstant()),
                () -> assertTrue(TlsMaterial.matches(ca.ca().key(), certificate)));
    }

    @Test
    void generatesACaWithTheNameAndValidityAskedFor() {
        CaSpec spec = CaSpec.defaults().withCommonName("ecrgate CA, staging").withValidity(Duration.ofDays(30));

        X509Certificate certificate = CertificateAuthority.generate(spec, NOW).certificate();

        assertAll(
                () -> assertEquals("CN=ecrgate CA\\, staging", certificate.getSubjectX500Principal().getName()),
                () -> assertEquals(NOW_SECONDS.plus(Duration.ofDays(30)), certificate.getNotAfter().toInstant()));
    }

    static Stream<Arguments> keyTypePairs() {
        return Stream.of(
                Arguments.of(KeyType.EC_P256, KeyType.EC_P256),
                Arguments.of(KeyType.EC_P256, KeyType.RSA_2048),
                Arguments.of(KeyType.RSA_2048, KeyType.EC_P256),
                Arguments.of(KeyType.RSA_3072, KeyType.RSA_3072));
    }

    @ParameterizedTest(name = "a {0} CA issues a {1} serving certificate with the names, usages and validity asked for")
    @MethodSource("keyTypePairs")
    void issuesAServingCertificate(KeyType caKeyType, KeyType serverKeyType) throws Exception {
        CertificateAuthority ca = CertificateAuthority.generate(CaSpec.defaults().withKeyType(caKeyType), NOW);
        ServerCertificateSpec spec = ServerCertificateSpec.forNames(
                "ecrgate.ecrgate.svc", "ecrgate.ecrgate.svc.cluster.local", "10.96.0.10", "::1", "fd00:ec::1")
                .withKeyType(serverKeyType);

        TlsMaterial issued = ca.issue(spec, NOW);
        X509Certificate leaf = issued.leaf();
        boolean[] keyUsage = leaf.getKeyUsage();
        boolean rsa = serverKeyType != KeyType.EC_P256;

        assertAll(
                () -> assertDoesNotThrow(() -> leaf.verify(ca.certificate().getPublicKey())),
                () -> assertEquals(List.of(leaf), issued.chain()),
                () -> assertEquals(serverKeyType.algorithm(), leaf.getPublicKey().getAlgorithm()),
                () -> assertEquals("CN=ecrgate.ecrgate.svc", leaf.getSubjectX500Principal().getName()),
                () -> assertEquals(ca.certificate().getSubjectX500Principal(), leaf.getIssuerX500Principal()),
                () -> assertEquals(List.of("dns:ecrgate.ecrgate.svc", "dns:ecrgate.ecrgate.svc.cluster.local",
                        "ip:10.96.0.10", "ip:0:0:0:0:0:0:0:1", "ip:fd00:ec:0:0:0:0:0:1"), subjectAltNames(leaf)),
                () -> assertEquals(List.of(SERVER_AUTH), leaf.getExtendedKeyUsage()),
                () -> assertEquals(-1, leaf.getBasicConstraints(), "CA:false"),
                () -> assertTrue(keyUsage[DIGITAL_SIGNATURE], "digitalSignature"),
                () -> assertEquals(rsa, keyUsage[KEY_ENCIPHERMENT], "keyEncipherment for RSA keys only"),
                () -> assertTrue(!keyUsage[KEY_CERT_SIGN] && !keyUsage[CRL_SIGN]),
                () -> assertEquals(Set.of(Extension.basicConstraints.getId(), Extension.keyUsage.getId()),
                        leaf.getCriticalExtensionOIDs()),
                () -> assertArrayEquals(subjectKeyIdentifier(ca.certificate()), authorityKeyIdentifier(leaf)),
                () -> assertEquals(20, subjectKeyIdentifier(leaf).length),
                () -> assertEquals(1, leaf.getSerialNumber().signum()),
                () -> assertTrue(leaf.getSerialNumber().bitLength() <= 128),
                () -> assertEquals(NOW_SECONDS.minus(Duration.ofMinutes(5)), leaf.getNotBefore().toInstant()),
                () -> assertEquals(NOW_SECONDS.plus(Duration.ofDays(365)), leaf.getNotAfter().toInstant()),
                () -> assertValidPkixPath(leaf, ca.certificate(), NOW));
    }

    @Test
    void takesTheCommonNameFromTheFirstIpAddressWhenThereIsNoDnsName() {
        X509Certificate leaf = CA.issue(ServerCertificateSpec.forNames("192.0.2.7"), NOW).leaf();

        assertEquals("CN=192.0.2.7", leaf.getSubjectX500Principal().getName());
    }

    @Test
    void givesEveryCertificateItsOwnSerialNumberAndKey() {
        ServerCertificateSpec spec = ServerCertificateSpec.forNames("ecrgate.ecrgate.svc");

        TlsMaterial first = CA.issue(spec, NOW);
        TlsMaterial second = CA.issue(spec, NOW);

        assertAll(
                () -> assertNotEquals(first.leaf().getSerialNumber(), second.leaf().getSerialNumber()),
                () -> assertNotEquals(first.leaf().getPublicKey(), second.leaf().getPublicKey()));
    }

    @Test
    void issuesForTheValidityAskedFor() {
        ServerCertificateSpec spec = ServerCertificateSpec.forNames("ecrgate.ecrgate.svc")
                .withValidity(Duration.ofHours(1));

        X509Certificate leaf = CA.issue(spec, NOW).leaf();

        assertEquals(NOW_SECONDS.plus(Duration.ofHours(1)), leaf.getNotAfter().toInstant());
    }

    @Test
    void refusesACertificateThatWouldOutliveItsCa() {
        CertificateAuthority shortLived = CertificateAuthority.generate(
                CaSpec.defaults().withValidity(Duration.ofDays(30)), NOW);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> shortLived.issue(ServerCertificateSpec.forNames("ecrgate.ecrgate.svc"), NOW));

        assertTrue(e.getMessage().contains("would outlive its CA"), e.getMessage());
    }

    @Test
    void refusesToIssueBeforeTheCaIsValid() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CA.issue(ServerCertificateSpec.forNames("ecrgate.ecrgate.svc"), NOW.minus(Duration.ofDays(1))));

        assertTrue(e.getMessage().startsWith("the CA certificate is not valid at 2025-05-31T12:00:00.750Z"),
                e.getMessage());
    }

    @Test
    void issuesFromACaReadBackFromItsFiles(@TempDir Path directory) throws Exception {
        Path keyFile = Files.writeString(directory.resolve("ca.key"), PemFiles.toPem(CA.ca().key()));
        Path certificateFile = Files.writeString(directory.resolve("ca.crt"), PemFiles.toPem(CA.certificate()));
        IssuedCa stored = new IssuedCa(
                PemFiles.readPrivateKey(keyFile), PemFiles.readCertificates(certificateFile).get(0));

        X509Certificate leaf = CertificateAuthority.of(stored)
                .issue(ServerCertificateSpec.forNames("ecrgate.ecrgate.svc"), NOW).leaf();

        assertAll(
                () -> assertDoesNotThrow(() -> leaf.verify(CA.certificate().getPublicKey())),
                () -> assertArrayEquals(subjectKeyIdentifier(CA.certificate()), authorityKeyIdentifier(leaf)));
    }

    @Test
    void refusesToUseALeafCertificateAsACa() {
        TlsMaterial leaf = CA.issue(ServerCertificateSpec.forNames("ecrgate.ecrgate.svc"), NOW);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CertificateAuthority.of(new IssuedCa(leaf.key(), leaf.leaf())));

        assertTrue(e.getMessage().contains("is not a CA certificate"), e.getMessage());
    }

    @Test
    void refusesACaKeyThatIsNotTheCertificates() {
        CertificateAuthority other = CertificateAuthority.generate(CaSpec.defaults(), NOW);

        assertThrows(IllegalArgumentException.class, () -> new IssuedCa(other.ca().key(), CA.certificate()));
    }

    @ParameterizedTest(name = "refuses \"{0}\" as a DNS name")
    @ValueSource(strings = {"", "ecrgate..svc", "-ecrgate.svc", "ecrgate.svc-", "ecr gate.svc", "ecrgate.*.svc",
            "fe80::1%eth0", "ecrgate_svc"})
    void refusesNamesThatAreNeitherHostNamesNorIpAddresses(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerCertificateSpec.forNames("ecrgate.ecrgate.svc", name));

        assertTrue(e.getMessage().contains("\"" + name + "\" is not a valid DNS name"), e.getMessage());
    }

    @Test
    void acceptsAWildcardInTheFirstLabel() {
        assertEquals(List.of("*.ecrgate.svc"), ServerCertificateSpec.forNames("*.ecrgate.svc").dnsNames());
    }

    @Test
    void refusesASpecWithoutNames() {
        assertThrows(IllegalArgumentException.class, ServerCertificateSpec::forNames);
    }

    @Test
    void refusesAValidityThatIsNotPositive() {
        assertAll(
                () -> assertThrows(IllegalArgumentException.class,
                        () -> ServerCertificateSpec.forNames("a.svc").withValidity(Duration.ZERO)),
                () -> assertThrows(IllegalArgumentException.class,
                        () -> CaSpec.defaults().withValidity(Duration.ofDays(-1))),
                () -> assertThrows(IllegalArgumentException.class, () -> CaSpec.defaults().withCommonName(" ")));
    }

    private static void assertValidPkixPath(X509Certificate leaf, X509Certificate ca, Instant at) throws Exception {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
        parameters.setRevocationEnabled(false);
        parameters.setDate(Date.from(at));
        CertPathValidator.getInstance("PKIX")
                .validate(CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), parameters);
    }

    private static List<String> subjectAltNames(X509Certificate certificate) throws Exception {
        List<String> names = new ArrayList<>();
        for (List<?> name : certificate.getSubjectAlternativeNames()) {
            int type = (Integer) name.get(0);
            String value = (String) name.get(1);
            names.add(switch (type) {
                case 2 -> "dns:" + value;
                case 7 -> "ip:" + InetAddress.getByName(value).getHostAddress();
                default -> "type " + type + ":" + value;
            });
        }
        return names;
    }

    private static byte[] subjectKeyIdentifier(X509Certificate certificate) throws Exception {
        return SubjectKeyIdentifier.getInstance(JcaX509ExtensionUtils.parseExtensionValue(
                certificate.getExtensionValue(Extension.subjectKeyIdentifier.getId()))).getKeyIdentifier();
    }

    private static byte[] authorityKeyIdentifier(X509Certificate certificate) throws Exception {
        return AuthorityKeyIdentifier.getInstance(JcaX509ExtensionUtils.parseExtensionValue(
                certificate.getExtensionValue(Extension.authorityKeyIdentifier.getId()))).getKeyIdentifierOctets();
    }
}
