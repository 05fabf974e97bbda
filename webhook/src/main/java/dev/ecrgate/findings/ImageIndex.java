package dev.ecrgate.findings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ecrgate.image.Platform;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An image index (OCI image index, or Docker manifest list): the platform images it lists. Attestation manifests
 * (BuildKit's provenance and SBOM, listed as {@code unknown/unknown} with
 * {@code vnd.docker.reference.type: attestation-manifest}) are no platform and are left out. Pure.
 *
 * @param platforms the platform images, in the index's order
 */
public record ImageIndex(List<Entry> platforms) {
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    /** What ecrgate asks BatchGetImage for: an index as an index, a single image as itself. */
    public static final List<String> ACCEPTED = List.of(OCI_INDEX, DOCKER_MANIFEST_LIST, OCI_MANIFEST,
            DOCKER_MANIFEST);

    private static final Set<String> INDEX_TYPES = Set.of(OCI_INDEX, DOCKER_MANIFEST_LIST);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DIGEST = Pattern.compile("sha256:[a-f0-9]{64}");

    /** One platform image of the index. */
    public record Entry(Platform platform, String digest) {
        public Entry {
            Objects.requireNonNull(platform, "platform");
            Objects.requireNonNull(digest, "digest");
        }
    }

    public ImageIndex {
        platforms = List.copyOf(platforms);
    }

    /** Whether a manifest of this media type is an index. */
    public static boolean isIndex(String mediaType) {
        return mediaType != null && INDEX_TYPES.contains(mediaType);
    }

    /**
     * Reads a manifest as ECR's BatchGetImage returns it; empty when it is a single image's manifest.
     *
     * @param mediaType the media type ECR reports for it (the manifest's own {@code mediaType} field is used when
     *                  this is null)
     * @throws IllegalArgumentException when it is not JSON, or an index entry has no usable digest or platform
     */
    public static Optional<ImageIndex> parse(String manifest, String mediaType) {
        JsonNode root;
        try {
            root = JSON.readTree(manifest);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the image manifest is not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("the image manifest is not a JSON object");
        }
        String type = mediaType != null ? mediaType : root.path("mediaType").asText(null);
        if (!isIndex(type) && !(type == null && root.has("manifests"))) {
            return Optional.empty();
        }
        List<Entry> out = new ArrayList<>();
        for (JsonNode m : root.path("manifests")) {
            String digest = m.path("digest").asText("");
            if (!DIGEST.matcher(digest).matches()) {
                throw new IllegalArgumentException("an entry of the image index has no sha256 digest: " + digest);
            }
            JsonNode p = m.path("platform");
            String os = p.path("os").asText("unknown");
            String architecture = p.path("architecture").asText("unknown");
            boolean attestation = "attestation-manifest".equals(m.path("annotations")
                    .path("vnd.docker.reference.type").asText());
            if (attestation || os.equals("unknown") || architecture.equals("unknown")) {
                continue;
            }
            String variant = p.path("variant").asText("");
            Platform platform;
            try {
                platform = Platform.parse(os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the image index lists the platform " + os + "/" + architecture
                        + ": " + e.getMessage());
            }
            out.add(new Entry(platform, digest));
        }
        return Optional.of(new ImageIndex(out));
    }
}
