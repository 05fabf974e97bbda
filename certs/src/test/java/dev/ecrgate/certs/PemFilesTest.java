package dev.ecrgate.certs;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class PemFilesTest {
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    private static final CertificateAuthority CA = CertificateAuthority.generate(CaSpec.defaults(), NOW);

    private static final TlsMaterial SERVER = CA.issue(ServerCertificateSpec.forNames("ecrgate.ecrgate.svc"), NOW);

    /** Makes the file a case reads, in the case's own temporary directory. */
    @FunctionalInterface
    interface FileMaker {
        Path make(Path directory) throws Exception;
    }

    /**
     * A key file as OpenSSL writes it: the commands that make {@code key.pem}, the algorithm the JDK key must have,
     * and the first PEM line, to prove the case exercises the form it claims to.
     */
    record KeyForm(String description, String algorithm, String firstLine, List<List<String>> commands) {
        @Override
        public String toString() {
            return description;
        }
    }

    static Stream<KeyForm> keyForms() {
        return Stream.of(
                new KeyForm("an RSA key in PKCS#1 form, as openssl genrsa -traditional writes it",
                        "RSA", "-----BEGIN RSA PRIVATE KEY-----",
                        List.of(List.of("genrsa", "-traditional", "-out", "key.pem", "2048"))),
                new KeyForm("an RSA key in PKCS#8 form, as openssl genpkey writes it",
                        "RSA", "-----BEGIN PRIVATE KEY-----",
                        List.of(List.of("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                                "-out", "key.pem"))),
                new KeyForm("an RSA key converted from PKCS#1 by openssl pkcs8 -topk8 -nocrypt",
                        "RSA", "-----BEGIN PRIVATE KEY-----",
                        List.of(List.of("genrsa", "-traditional", "-out", "pkcs1.pem", "2048"),
                                List.of("pkcs8", "-topk8", "-nocrypt", "-in", "pkcs1.pem", "-out", "key.pem"))),
                new KeyForm("an EC key after an EC PARAMETERS block, as openssl ecparam -genkey writes it",
                        "EC", "-----BEGIN EC PARAMETERS-----",
                        List.of(List.of("ecparam", "-genkey", "-name", "prime256v1", "-out", "key.pem"))),
                new KeyForm("an EC key in SEC1 form alone, as openssl ecparam -genkey -noout writes it",
                        "EC", "-----BEGIN EC PRIVATE KEY-----",
                        List.of(List.of("ecparam", "-genkey", "-noout", "-name", "prime256v1", "-out", "key.pem"))),
                new KeyForm("an EC key converted from SEC1 by openssl pkcs8 -topk8 -nocrypt",
                        "EC", "-----BEGIN PRIVATE KEY-----",
                        List.of(List.of("ecparam", "-genkey", "-noout", "-name", "prime256v1", "-out", "sec1.pem"),
                                List.of("pkcs8", "-topk8", "-nocrypt", "-in", "sec1.pem", "-out", "key.pem"))),
                new KeyForm("a P-384 EC key in PKCS#8 form, as openssl genpkey writes it",
                        "EC", "-----BEGIN PRIVATE KEY-----",
                        List.of(List.of("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384",
                                "-out", "key.pem"))));
    }

    @ParameterizedTest(name = "reads {0}")
    @MethodSource("keyForms")
    void readsEveryKeyFormOpenSslWrites(KeyForm form, @TempDir Path directory) throws Exception {
        assumeTrue(OpenSsl.available(), "openssl is not installed");
        for (List<String> command : form.commands()) {
            OpenSsl.succeed(directory, command.toArray(String[]::new));
        }
        OpenSsl.succeed(directory, "req", "-new", "-x509", "-key", "key.pem", "-subj", "/CN=openssl",
                "-days", "1", "-out", "cert.pem");
        Path keyFile = directory.resolve("key.pem");
        assertEquals(form.firstLine(), Files.readAllLines(keyFile).get(0), "the file is in the form the case names");

        PrivateKey key = PemFiles.readPrivateKey(keyFile);
        X509Certificate certificate = PemFiles.readCertificates(directory.resolve("cert.pem")).get(0);

        assertAll(
                () -> assertEquals(form.algorithm(), key.getAlgorithm()),
                () -> assertTrue(TlsMaterial.matches(key, certificate), "the key is the one openssl certified"),
                () -> assertArrayEquals(key.getEncoded(), readBack(directory, PemFiles.toPem(key)).getEncoded(),
                        "the key survives writing as PKCS#8 and reading back"));
    }

    @ParameterizedTest(name = "openssl reads the PKCS#8 written for a {0} key")
    @EnumSource(KeyType.class)
    void opensslReadsWrittenKeys(KeyType keyType, @TempDir Path directory) throws Exception {
        assumeTrue(OpenSsl.available(), "openssl is not installed");
        PrivateKey key = keyType.generate(new SecureRandom()).getPrivate();
        Files.writeString(directory.resolve("key.pem"), PemFiles.toPem(key));

        OpenSsl.succeed(directory, "pkey", "-in", "key.pem", "-check", "-noout");
    }

    /** A file that is not a usable key, whether it needs openssl to make it, and what the error must say. */
    record BadKeyFile(String description, boolean needsOpenSsl, FileMaker maker, String expectedProblem) {
        @Override
        public String toString() {
            return description;
        }
    }

    static Stream<BadKeyFile> badKeyFiles() {
        return Stream.of(
                new BadKeyFile("a file that does not exist", false,
                        dir -> dir.resolve("missing.pem"), "does not exist"),
                new BadKeyFile("an empty file", false,
                        dir -> write(dir, ""), "the key file is empty"),
                new BadKeyFile("text without any PEM block", false,
                        dir -> write(dir, "this is not a key\n"), "not a PEM file"),
                new BadKeyFile("binary DER bytes", false,
                        dir -> Files.write(dir.resolve("key.der"), SERVER.key().getEncoded()), "binary DER?"),
                new BadKeyFile("a PEM block whose body is not base64", false,
                        dir -> write(dir, "-----BEGIN PRIVATE KEY-----\n!!not base64!!\n-----END PRIVATE KEY-----\n"),
                        "PEM block 1 is malformed or of an unsupported kind"),
                new BadKeyFile("a PEM block that is cut off", false,
                        dir -> write(dir, PemFiles.toPem(SERVER.key()).lines().limit(2)
                                .reduce("", (a, b) -> a + b + "\n")),
                        "PEM block 1 is malformed or of an unsupported kind"),
                new BadKeyFile("a certificate passed as a key", false,
                        dir -> write(dir, PemFiles.toPem(SERVER.leaf())),
                        "no private key found (the file holds a certificate)"),
                new BadKeyFile("two private keys in one file", false,
                        dir -> write(dir, PemFiles.toPem(SERVER.key()) + PemFiles.toPem(CA.ca().key())),
                        "holds 2 private keys"),
                new BadKeyFile("a public key passed as a private key", true,
                        dir -> openssl(dir, "ecparam", "-genkey", "-noout", "-name", "prime256v1", "-out", "k.pem")
                                .then("pkey", "-in", "k.pem", "-pubout", "-out", "key.pem").done(),
                        "no private key found (the file holds a public key)"),
                new BadKeyFile("EC parameters without a key", true,
                        dir -> openssl(dir, "ecparam", "-name", "prime256v1", "-out", "key.pem").done(),
                        "no private key found (the file holds EC parameters)"),
                new BadKeyFile("a PKCS#8 key encrypted with a passphrase", true,
                        dir -> openssl(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                                "-aes256", "-pass", "pass:secret", "-out", "key.pem").done(),
                        "the private key is encrypted"),
                new BadKeyFile("a PKCS#1 RSA key encrypted with a passphrase", true,
                        dir -> openssl(dir, "genrsa", "-traditional", "-aes256", "-passout", "pass:secret",
                                "-out", "key.pem", "2048").done(),
                        "the private key is encrypted"),
                new BadKeyFile("an EC key on secp256k1, a curve the JDK does not support", true,
                        dir -> openssl(dir, "ecparam", "-genkey", "-noout", "-name", "secp256k1", "-out", "key.pem")
                                .done(),
                        "unsupported private key"));
    }

    @ParameterizedTest(name = "refuses {0} with a message naming the file")
    @MethodSource("badKeyFiles")
    void refusesFilesThatHoldNoUsableKey(BadKeyFile bad, @TempDir Path directory) throws Exception {
        assumeTrue(!bad.needsOpenSsl() || OpenSsl.available(), "openssl is not installed");
        Path file = bad.maker().make(directory);

        PemFileException e = assertThrows(PemFileException.class, () -> PemFiles.readPrivateKey(file));

        assertAll(
                () -> assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage()),
                () -> assertTrue(e.getMessage().contains(bad.expectedProblem()), e.getMessage()),
                () -> assertEquals(file, e.file()));
    }

    @Test
    void readsAChainInFileOrder(@TempDir Path directory) throws Exception {
        Path file = write(directory, PemFiles.toPem(SERVER.leaf(), CA.certificate()));

        assertEquals(List.of(SERVER.leaf(), CA.certificate()), PemFiles.readCertificates(file));
    }

    @Test
    void readsCertificatesFromAFileThatAlsoHoldsTheKey(@TempDir Path directory) throws Exception {
        Path file = write(directory, PemFiles.toPem(SERVER.key()) + PemFiles.toPem(SERVER.chain()));

        assertAll(
                () -> assertEquals(SERVER.chain(), PemFiles.readCertificates(file)),
                () -> assertEquals(SERVER.key(), PemFiles.readPrivateKey(file)));
    }

    @Test
    void readsCertificatesAfterExplanatoryText(@TempDir Path directory) throws Exception {
        Path file = write(directory, "subject=CN = ecrgate.ecrgate.svc\n" + PemFiles.toPem(SERVER.leaf()));

        assertEquals(SERVER.chain(), PemFiles.readCertificates(file));
    }

    static Stream<BadKeyFile> badCertificateFiles() {
        return Stream.of(
                new BadKeyFile("a file that does not exist", false,
                        dir -> dir.resolve("missing.pem"), "cannot read certificate file: it does not exist"),
                new BadKeyFile("an empty file", false, dir -> write(dir, ""), "the certificate file is empty"),
                new BadKeyFile("a key passed as a certificate", false, dir -> write(dir, PemFiles.toPem(SERVER.key())),
                        "no certificate found (the file holds a private key)"),
                new BadKeyFile("a certificate block with a corrupted body", false,
                        dir -> write(dir, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
                        "PEM block 1 is malformed or of an unsupported kind"));
    }

    @ParameterizedTest(name = "refuses {0} as certificates with a message naming the file")
    @MethodSource("badCertificateFiles")
    void refusesFilesThatHoldNoCertificate(BadKeyFile bad, @TempDir Path directory) throws Exception {
        Path file = bad.maker().make(directory);

        PemFileException e = assertThrows(PemFileException.class, () -> PemFiles.readCertificates(file));

        assertAll(
                () -> assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage()),
                () -> assertTrue(e.getMessage().contains(bad.expectedProblem()), e.getMessage()));
    }

    @Test
    void writesPemWithStandardHeadersAndLineLength() {
        String pem = PemFiles.toPem(SERVER.leaf(), CA.certificate()) + PemFiles.toPem(SERVER.key());

        assertAll(
                () -> assertEquals(2, pem.split("-----BEGIN CERTIFICATE-----\n", -1).length - 1),
                () -> assertTrue(pem.contains("-----BEGIN PRIVATE KEY-----\n"), pem),
                () -> assertTrue(pem.lines().allMatch(line -> line.length() <= 64 || line.startsWith("-----"))),
                () -> assertTrue(!pem.contains("\r"), "line ends are \\n"),
                () -> assertTrue(pem.endsWith("-----END PRIVATE KEY-----\n")));
    }

    @Test
    void refusesToWriteNoCertificates() {
        assertThrows(IllegalArgumentException.class, PemFiles::toPem);
    }

    private static PrivateKey readBack(Path directory, String pem) throws Exception {
        return PemFiles.readPrivateKey(Files.writeString(directory.resolve("written.pem"), pem));
    }

    private static Path write(Path directory, String content) throws Exception {
        return Files.writeString(directory.resolve("key.pem"), content, StandardCharsets.US_ASCII);
    }

    /** A chain of openssl commands run in one directory; {@code key.pem} there is the result. */
    private static Steps openssl(Path directory, String... args) throws Exception {
        return new Steps(directory).then(args);
    }

    private record Steps(Path directory) {
        Steps then(String... args) throws Exception {
            OpenSsl.succeed(directory, args);
            return this;
        }

        Path done() {
            return directory.resolve("key.pem");
        }
    }
}
