package dev.ecrgate.certs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/** Checks the written PEM files with {@code openssl verify}, an implementation that shares no code with ours. */
class OpenSslVerifyTest {
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    private static final CertificateAuthority CA = CertificateAuthority.generate(CaSpec.defaults(), NOW);

    private static final CertificateAuthority RSA_CA = CertificateAuthority.generate(
            CaSpec.defaults().withKeyType(KeyType.RSA_2048), NOW);

    private static final CertificateAuthority OTHER_CA = CertificateAuthority.generate(CaSpec.defaults(), NOW);

    private static final ServerCertificateSpec SPEC = ServerCertificateSpec.forNames(
            "ecrgate.ecrgate.svc", "10.96.0.10", "::1");

    record Case(String description, CertificateAuthority issuer, KeyType keyType, CertificateAuthority trusted,
            List<String> checks, Instant at, boolean verifies) {
        @Override
        public String toString() {
            return description;
        }
    }

    static Stream<Case> cases() {
        List<String> none = List.of();
        return Stream.of(
                new Case("an EC certificate from an EC CA verifies as an SSL server", CA, KeyType.EC_P256, CA,
                        none, NOW, true),
                new Case("an RSA certificate from an RSA CA verifies as an SSL server", RSA_CA, KeyType.RSA_2048,
                        RSA_CA, none, NOW, true),
                new Case("the certificate verifies for its DNS name", CA, KeyType.EC_P256, CA,
                        List.of("-verify_hostname", "ecrgate.ecrgate.svc"), NOW, true),
                new Case("the certificate verifies for its IPv4 address", CA, KeyType.EC_P256, CA,
                        List.of("-verify_ip", "10.96.0.10"), NOW, true),
                new Case("the certificate verifies for its IPv6 address", CA, KeyType.EC_P256, CA,
                        List.of("-verify_ip", "::1"), NOW, true),
                new Case("the certificate verifies four minutes before it was issued, for clock skew", CA,
                        KeyType.EC_P256, CA, none, NOW.minusSeconds(240), true),
                new Case("the certificate does not verify for a name it does not carry", CA, KeyType.EC_P256, CA,
                        List.of("-verify_hostname", "other.ecrgate.svc"), NOW, false),
                new Case("the certificate does not verify against another CA", CA, KeyType.EC_P256, OTHER_CA,
                        none, NOW, false),
                new Case("the certificate does not verify after a year", CA, KeyType.EC_P256, CA,
                        none, NOW.plusSeconds(366L * 24 * 3600), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void opensslVerifiesWhatWeIssue(Case c, @TempDir Path directory) throws Exception {
        assumeTrue(OpenSsl.available(), "openssl is not installed");
        TlsMaterial issued = c.issuer().issue(SPEC.withKeyType(c.keyType()), NOW);
        Files.writeString(directory.resolve("ca.pem"), PemFiles.toPem(c.trusted().certificate()));
        Files.writeString(directory.resolve("leaf.pem"), PemFiles.toPem(issued.chain()));
        List<String> command = new ArrayList<>(List.of(
                "verify", "-attime", Long.toString(c.at().getEpochSecond()), "-purpose", "sslserver"));
        command.addAll(c.checks());
        command.addAll(List.of("-CAfile", "ca.pem", "leaf.pem"));

        OpenSsl.Result result = OpenSsl.run(directory, command.toArray(String[]::new));

        if (c.verifies()) {
            assertEquals(0, result.exitCode(), result.output());
            assertEquals("leaf.pem: OK", result.output().strip());
        } else {
            assertNotEquals(0, result.exitCode(), result.output());
        }
    }
}
