package dev.ecrgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ecrgate.certs.PemFiles;
import dev.ecrgate.certs.TlsMaterial;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ecrgate certs}: the files an admin commits to GitOps (the keys sealed) to run ecrgate with its own CA. */
class CertsCommandTest {
    @TempDir
    Path out;

    @Test
    void writesACaAServingCertificateForTheServiceNamesAndTheCaBundle() throws Exception {
        assertEquals(0, Main.execute("certs", "--service", "ecrgate", "--namespace", "ecrgate", "--out",
                out.toString(), "--san", "ecrgate.example.com", "--san", "10.0.0.7"));
        X509Certificate ca = PemFiles.readCertificates(out.resolve("ca.crt")).get(0);
        TlsMaterial serving = TlsMaterial.read(out.resolve("tls.crt"), out.resolve("tls.key"));
        serving.leaf().verify(ca.getPublicKey());
        List<String> names = new ArrayList<>();
        for (List<?> san : serving.leaf().getSubjectAlternativeNames()) {
            names.add(String.valueOf(san.get(1)));
        }
        assertEquals(List.of("ecrgate", "ecrgate.ecrgate", "ecrgate.ecrgate.svc", "ecrgate.ecrgate.svc.cluster.local",
                "ecrgate.example.com", "10.0.0.7"), names);
        assertEquals("EC", serving.key().getAlgorithm());
        String bundle = new String(Base64.getDecoder().decode(Files.readString(out.resolve("cabundle.b64")).strip()),
                StandardCharsets.US_ASCII);
        assertEquals(Files.readString(out.resolve("ca.crt")), bundle);
        PemFiles.readPrivateKey(out.resolve("ca.key"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("tls.key"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("ca.key"))));
    }

    @Test
    void neverOverwritesWithoutForce() throws Exception {
        String[] args = {"certs", "--service", "ecrgate", "--namespace", "ecrgate", "--out", out.toString()};
        assertEquals(0, Main.execute(args));
        String first = Files.readString(out.resolve("ca.crt"));
        assertEquals(1, Main.execute(args));
        assertEquals(first, Files.readString(out.resolve("ca.crt")));
        String[] forced = {"certs", "--service", "ecrgate", "--namespace", "ecrgate", "--out", out.toString(),
                "--force", "--key-type", "RSA_2048"};
        assertEquals(0, Main.execute(forced));
        assertTrue(!first.equals(Files.readString(out.resolve("ca.crt"))));
        assertEquals("RSA", PemFiles.readPrivateKey(out.resolve("tls.key")).getAlgorithm());
    }

    @Test
    void explainsAMissingOptionAsAUsageError() {
        assertEquals(2, Main.execute("certs", "--service", "ecrgate"));
    }
}
