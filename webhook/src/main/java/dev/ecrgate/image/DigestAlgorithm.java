package dev.ecrgate.image;

import dev.ecrgate.text.OutsideText;
import java.util.Optional;

/**
 * The digest algorithms kubelet and containerd accept. The grammar allows any algorithm name, but go-digest
 * only validates algorithms that the binary registers, and kubelet and containerd register exactly these three;
 * a digest with any other algorithm is refused as unsupported.
 */
enum DigestAlgorithm {
    SHA256("sha256", 64),
    SHA384("sha384", 96),
    SHA512("sha512", 128);

    private final String label;
    private final int hexLength;

    DigestAlgorithm(String label, int hexLength) {
        this.label = label;
        this.hexLength = hexLength;
    }

    /** The algorithm with exactly this name; names are case-sensitive, as in go-digest. */
    static Optional<DigestAlgorithm> named(String name) {
        for (DigestAlgorithm algorithm : values()) {
            if (algorithm.label.equals(name)) {
                return Optional.of(algorithm);
            }
        }
        return Optional.empty();
    }

    /**
     * Why {@code digest} is not a digest kubelet would accept, in words for a developer, or empty when it is one.
     * Never throws.
     */
    static Optional<String> problemWith(String digest) {
        int colon = digest.indexOf(':');
        if (colon < 0) {
            return Optional.of("a digest is algorithm:hex, for example sha256: followed by 64 hex characters");
        }
        String algorithmName = digest.substring(0, colon);
        String hex = digest.substring(colon + 1);
        Optional<DigestAlgorithm> known = named(algorithmName);
        if (known.isPresent()) {
            return known.get().problemWithHex(hex);
        }
        if (!ReferenceGrammar.isDigestAlgorithm(algorithmName) || !ReferenceGrammar.isDigestHex(hex)) {
            return Optional.of("a digest is algorithm:hex, for example sha256: followed by 64 hex characters");
        }
        return Optional.of("digest algorithm " + OutsideText.quoted(algorithmName)
                + " is not supported; use sha256, sha384 or sha512");
    }

    private Optional<String> problemWithHex(String hex) {
        if (hex.length() == hexLength && ReferenceGrammar.isLowercaseHex(hex)) {
            return Optional.empty();
        }
        String found = hex.length() == hexLength
                ? "this one has characters other than 0-9 and a-f"
                : "this one has " + hex.length();
        return Optional.of(label + " digests have " + hexLength + " hex characters (0-9, a-f); " + found);
    }
}
