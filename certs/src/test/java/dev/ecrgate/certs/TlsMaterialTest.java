package dev.ecrgate.certs;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TlsMaterialTest {
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    private static final CertificateAuthority CA = CertificateAuthority.generate(CaSpec.defaults(), NOW);

    private static final TlsMaterial EC = issue(KeyType.EC_P256);

    private static final TlsMaterial OTHER_EC = issue(KeyType.EC_P256);

    private static final TlsMaterial RSA = issue(KeyType.RSA_2048);

    record Pair(String description, PrivateKey key, X509Certificate certificate, boolean matches) {
        @Override
        public String toString() {
            return description;
        }
    }

    static Stream<Pair> pairs() {
        return Stream.of(
                new Pair("an EC key matches its own certificate", EC.key(), EC.leaf(), true),
                new Pair("an RSA key matches its own certificate", RSA.key(), RSA.leaf(), true),
                new Pair("a CA key matches the CA certificate", CA.ca().key(), CA.certificate(), true),
                new Pair("an EC key does not match another EC key's certificate", EC.key(), OTHER_EC.leaf(), false),
                new Pair("an EC key does not match an RSA certificate", EC.key(), RSA.leaf(), false),
                new Pair("an RSA key does not match an EC certificate", RSA.key(), EC.leaf(), false),
                new Pair("a leaf key does not match its CA's certificate", EC.key(), CA.certificate(), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pairs")
    void matchesOnlyAKeyWithItsOwnCertificate(Pair pair) {
        assertEquals(pair.matches(), TlsMaterial.matches(pair.key(), pair.certificate()));
    }

    @Test
    void refusesToHoldAKeyWithAnotherKeysCertificate() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TlsMaterial(EC.key(), RSA.chain()));

        assertEquals("the EC 256-bit private key is not the key of certificate CN=ecrgate.ecrgate.svc "
                + "(a RSA 2048-bit public key)", e.getMessage());
    }

    @Test
    void refusesAnEmptyChain() {
        assertThrows(IllegalArgumentException.class, () -> new TlsMaterial(EC.key(), List.of()));
    }

    @Test
    void readsACertificateAndKeyFilePair(@TempDir Path directory) throws Exception {
        Path certificateFile = Files.writeString(directory.resolve("tls.crt"), PemFiles.toPem(EC.chain()));
        Path keyFile = Files.writeString(directory.resolve("tls.key"), PemFiles.toPem(EC.key()));

        TlsMaterial read = TlsMaterial.read(certificateFile, keyFile);

        assertAll(
                () -> assertEquals(EC.chain(), read.chain()),
                () -> assertEquals(EC.key(), read.key()));
    }

    @Test
    void refusesAKeyFileThatDoesNotBelongToTheCertificateFile(@TempDir Path directory) throws Exception {
        Path certificateFile = Files.writeString(directory.resolve("tls.crt"), PemFiles.toPem(EC.chain()));
        Path keyFile = Files.writeString(directory.resolve("tls.key"), PemFiles.toPem(OTHER_EC.key()));

        PemFileException e = assertThrows(PemFileException.class, () -> TlsMaterial.read(certificateFile, keyFile));

        assertAll(
                () -> assertEquals(keyFile, e.file()),
                () -> assertTrue(e.getMessage().startsWith(keyFile + ": this key does not belong to the first "
                        + "certificate in " + certificateFile), e.getMessage()));
    }

    @Test
    void copiesTheChainSoLaterChangesDoNotLeakIn() {
        List<X509Certificate> chain = new ArrayList<>(EC.chain());
        TlsMaterial material = new TlsMaterial(EC.key(), chain);
        chain.add(CA.certificate());

        assertAll(
                () -> assertEquals(1, material.chain().size()),
                () -> assertFalse(material.chain() == chain));
    }

    private static TlsMaterial issue(KeyType keyType) {
        return CA.issue(ServerCertificateSpec.forNames("ecrgate.ecrgate.svc").withKeyType(keyType), NOW);
    }
}
