package dev.ecrgate.findings.ecr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Loads recorded AWS CLI output (as in {@code examples/findings}) into a test peer, so that the live source can be
 * compared with the recorded one on the same facts.
 */
public final class RecordedFacts {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RecordedFacts() {
    }

    /** Programs {@code ecr} with every repository, image and scan recorded below {@code dir}. */
    public static void load(Path dir, EcrDouble ecr) throws IOException {
        List<JsonNode> files = new ArrayList<>();
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.filter(f -> f.toString().endsWith(".json")).sorted()::iterator) {
                files.add(JSON.readTree(p.toFile()));
            }
        }
        for (JsonNode f : files) {
            for (JsonNode r : f.path("repositories")) {
                List<String> filters = new ArrayList<>();
                r.path("imageTagMutabilityExclusionFilters").forEach(x -> filters.add(x.path("filter").asText()));
                ecr.repository(r.path("registryId").asText(), r.path("repositoryName").asText(),
                        r.path("imageTagMutability").asText("MUTABLE"), filters.toArray(String[]::new));
            }
        }
        for (JsonNode f : files) {
            for (JsonNode i : f.path("imageDetails")) {
                List<String> tags = new ArrayList<>();
                i.path("imageTags").forEach(t -> tags.add(t.asText()));
                ecr.image(i.path("registryId").asText(), i.path("repositoryName").asText(),
                        i.path("imageDigest").asText(), tags.toArray(String[]::new));
            }
        }
        for (JsonNode f : files) {
            // batch-get-image: image indexes, with their platform images (attestations as unknown/unknown)
            for (JsonNode i : f.path("images")) {
                JsonNode manifest = JSON.readTree(i.path("imageManifest").asText("{}"));
                if (!manifest.has("manifests")) {
                    continue;
                }
                java.util.Map<String, String> platforms = new java.util.LinkedHashMap<>();
                for (JsonNode m : manifest.path("manifests")) {
                    JsonNode p = m.path("platform");
                    platforms.put(p.path("os").asText() + "/" + p.path("architecture").asText()
                            + (p.hasNonNull("variant") ? "/" + p.path("variant").asText() : ""),
                            m.path("digest").asText());
                }
                JsonNode id = i.path("imageId");
                ecr.index(i.path("registryId").asText(), i.path("repositoryName").asText(),
                        id.path("imageDigest").asText(), platforms, id.hasNonNull("imageTag")
                                ? new String[] {id.path("imageTag").asText()} : new String[0]);
            }
        }
        for (JsonNode f : files) {
            if (!f.has("imageScanFindings")) {
                continue;
            }
            JsonNode findings = f.path("imageScanFindings");
            List<EcrDouble.BasicFinding> basic = new ArrayList<>();
            for (JsonNode b : findings.path("findings")) {
                String name = "";
                String version = "";
                for (JsonNode a : b.path("attributes")) {
                    if (a.path("key").asText().equals("package_name")) {
                        name = a.path("value").asText();
                    } else if (a.path("key").asText().equals("package_version")) {
                        version = a.path("value").asText();
                    }
                }
                basic.add(new EcrDouble.BasicFinding(b.path("name").asText(), b.path("severity").asText(), name,
                        version));
            }
            List<EcrDouble.EnhancedFinding> enhanced = new ArrayList<>();
            for (JsonNode e : findings.path("enhancedFindings")) {
                JsonNode details = e.path("packageVulnerabilityDetails");
                JsonNode pkg = details.path("vulnerablePackages").path(0);
                String fixedIn = pkg.path("fixedInVersion").asText("");
                enhanced.add(new EcrDouble.EnhancedFinding(details.path("vulnerabilityId").asText(),
                        e.path("severity").asText(), pkg.path("name").asText(), pkg.path("version").asText(),
                        fixedIn.isEmpty() || fixedIn.equals("NotAvailable") ? Optional.empty()
                                : Optional.of(fixedIn)));
            }
            ecr.scan(f.path("registryId").asText(), f.path("repositoryName").asText(),
                    f.path("imageId").path("imageDigest").asText(), f.path("imageScanStatus").path("status").asText(),
                    Instant.parse(findings.path("imageScanCompletedAt").asText()), basic, enhanced);
        }
    }
}
