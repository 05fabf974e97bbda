package dev.ecrgate.server;

import dev.ecrgate.certs.TlsMaterial;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the serving certificate and key files ({@code --tls-cert}, {@code --tls-key}) and hands new material to
 * the server when they change, so that new TLS handshakes use the new certificate without a restart.
 *
 * <p>Changes are found by polling a hash of both files' contents, which sees the symlink swap of a mounted Secret
 * (cert-manager's renewals) as well as edits in place. A pair that does not load, or whose key does not match its
 * certificate (one file written, the other not yet), keeps the current certificate in force and is tried again at
 * the next poll. Blocking; run {@link #reloadIfChanged()} on a worker thread.
 */
final class TlsFilesWatch {
    private static final Logger LOG = LoggerFactory.getLogger(TlsFilesWatch.class);

    private final Path cert;
    private final Path key;
    private final Consumer<TlsMaterial> apply;
    private volatile String loaded;

    TlsFilesWatch(Path cert, Path key, Consumer<TlsMaterial> apply) {
        this.cert = cert;
        this.key = key;
        this.apply = apply;
    }

    /** Reads the files now; fails when they do not hold a matching certificate and key. */
    TlsMaterial load() throws Exception {
        String fp = fingerprint();
        TlsMaterial material = TlsMaterial.read(cert, key);
        loaded = fp;
        return material;
    }

    /** Loads and applies the files if they changed since the last good load; returns whether it did. */
    boolean reloadIfChanged() {
        String fp;
        try {
            fp = fingerprint();
        } catch (IOException e) {
            LOG.warn("cannot read the TLS files {} and {}: {}", cert, key, e.toString());
            return false;
        }
        if (fp.equals(loaded)) {
            return false;
        }
        try {
            TlsMaterial material = TlsMaterial.read(cert, key);
            apply.accept(material);
            loaded = fp;
            LOG.info("serving a new certificate from {}: {}, valid until {}", cert,
                    material.leaf().getSubjectX500Principal().getName(), material.leaf().getNotAfter().toInstant());
            return true;
        } catch (Exception e) {
            LOG.warn("the TLS files changed but do not load yet, keeping the current certificate: {}",
                    e.getMessage());
            return false;
        }
    }

    private String fingerprint() throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(Files.readAllBytes(cert));
            sha.update((byte) 0);
            sha.update(Files.readAllBytes(key));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
