package dev.ecrgate.cli;

import dev.ecrgate.certs.CaSpec;
import dev.ecrgate.certs.CertificateAuthority;
import dev.ecrgate.certs.KeyType;
import dev.ecrgate.certs.PemFiles;
import dev.ecrgate.certs.ServerCertificateSpec;
import dev.ecrgate.certs.TlsMaterial;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ecrgate certs}: a CA and a serving certificate as files, for admins who manage secrets through GitOps. */
@Command(name = "certs", mixinStandardHelpOptions = true, usageHelpWidth = 110,
        description = {"Writes a new CA, a serving certificate and key for the ecrgate Service, and the base64 caBundle"
                + " for the ValidatingWebhookConfiguration.",
                "",
                "Files: ca.crt, ca.key (keep it safe: it signs certificates the API server trusts), tls.crt, tls.key,"
                        + " cabundle.b64. Keys are written readable by the owner only."},
        footer = {"", "Examples:",
                "  ecrgate certs --service ecrgate --namespace ecrgate --out ./certs",
                "  kubectl -n ecrgate create secret tls ecrgate-tls --cert=certs/tls.crt --key=certs/tls.key",
                "  # then serve with --tls-cert=/tls/tls.crt --tls-key=/tls/tls.key, and put cabundle.b64 into the"
                        + " webhook's caBundle"})
final class CertsCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--service", required = true, paramLabel = "NAME", description = "The Service in front of ecrgate.")
    String service;

    @Option(names = "--namespace", required = true, paramLabel = "NS", description = "ecrgate's namespace.")
    String namespace;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write the files.")
    Path out;

    @Option(names = "--san", paramLabel = "NAME", description = "A further DNS name or IP address; repeatable.")
    List<String> sans = new ArrayList<>();

    @Option(names = "--key-type", paramLabel = "TYPE", defaultValue = "EC_P256",
            description = "EC_P256 (default), RSA_2048 or RSA_3072.")
    KeyType keyType;

    @Option(names = "--force", description = "Overwrite files that exist.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        List<String> names = new ArrayList<>(List.of(service, service + "." + namespace,
                service + "." + namespace + ".svc", service + "." + namespace + ".svc.cluster.local"));
        names.addAll(sans);
        Instant now = Instant.now();
        CertificateAuthority ca = CertificateAuthority.generate(CaSpec.defaults()
                .withCommonName("ecrgate CA " + namespace).withKeyType(keyType), now);
        TlsMaterial serving = ca.issue(ServerCertificateSpec.forNames(names).withKeyType(keyType), now);
        Files.createDirectories(out);
        for (String f : List.of("ca.crt", "ca.key", "tls.crt", "tls.key", "cabundle.b64")) {
            if (!force && Files.exists(out.resolve(f))) {
                spec.commandLine().getErr().println("ecrgate certs: " + out.resolve(f)
                        + " exists; use --force to overwrite");
                return 1;
            }
        }
        String caPem = PemFiles.toPem(ca.certificate());
        write("ca.crt", caPem, false);
        write("ca.key", PemFiles.toPem(ca.ca().key()), true);
        write("tls.crt", PemFiles.toPem(serving.chain()), false);
        write("tls.key", PemFiles.toPem(serving.key()), true);
        write("cabundle.b64", Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.US_ASCII)) + "\n",
                false);
        spec.commandLine().getOut().println("wrote ca.crt, ca.key, tls.crt, tls.key and cabundle.b64 to " + out
                + " for " + String.join(", ", names) + "; the serving certificate is valid until "
                + serving.leaf().getNotAfter().toInstant());
        return 0;
    }

    private void write(String name, String content, boolean secret) throws IOException {
        Path file = out.resolve(name);
        Files.deleteIfExists(file);
        if (secret) {
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(file);
            }
        }
        Files.writeString(file, content, StandardCharsets.US_ASCII);
    }
}
