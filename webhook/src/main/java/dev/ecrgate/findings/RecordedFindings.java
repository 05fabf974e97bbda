package dev.ecrgate.findings;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.ecrgate.findings.CliOutputReader.Contents;
import dev.ecrgate.findings.CliOutputReader.Image;
import dev.ecrgate.findings.CliOutputReader.Index;
import dev.ecrgate.findings.CliOutputReader.Repository;
import dev.ecrgate.findings.CliOutputReader.Scan;
import dev.ecrgate.image.EcrRegistry;
import dev.ecrgate.image.ImageReference;
import java.io.IOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Image facts read from recorded AWS CLI output: {@code ecrgate serve --findings DIR}, for trying ecrgate without an
 * AWS account and for testing policies offline.
 *
 * <h2>Files</h2>
 * {@link #load(Path)} reads every {@code *.json} file below the directory, in sorted path order. Each holds the JSON
 * that one of these commands prints (or a JSON array of such outputs); which one is told by its top-level keys, and
 * fields ecrgate does not use (including {@code nextToken}) are ignored:
 * <ul>
 *   <li>{@code aws ecr describe-image-scan-findings}: the scan of one image, with its findings. Both
 *       {@code findings} (basic) and {@code enhancedFindings} (Inspector) are read. Enhanced findings whose
 *       {@code status} is {@code CLOSED} or {@code SUPPRESSED} are left out; those that are {@code ACTIVE} or have no
 *       status count. {@code findingSeverityCounts} is taken as ECR printed it; only when it is absent is it counted
 *       from the findings.</li>
 *   <li>{@code aws ecr describe-images}: which tags point at which digest, and each image's scan summary (a
 *       {@link ScanResult} without findings).</li>
 *   <li>{@code aws ecr describe-repositories}: each repository's tag mutability.</li>
 *   <li>{@code aws ecr batch-get-image --accepted-media-types ...}: image manifests; those that are image indexes
 *       make their digest (and the tags pointing at it) a multi-arch image, whose platform images (attestations left
 *       out) are answered with their own scans, recorded as above under their own digests.</li>
 * </ul>
 * Timestamps are ISO-8601 with an offset ({@code 2024-05-01T10:00:00.123000+00:00}, {@code 2024-05-01T10:00:00Z}) or
 * epoch seconds, possibly fractional.
 *
 * <p>Symbolic links are followed, so a Kubernetes ConfigMap or Secret mount works; files and directories whose names
 * start with {@code .} are skipped, so the {@code ..data} and {@code ..2024_...} directories of such a mount are not
 * read a second time, and a link that loops back is not followed again.
 *
 * <h2>Regions</h2>
 * The output of {@code describe-image-scan-findings} and {@code describe-images} does not name a region, so facts from
 * those files apply to an image in any region, unless the file lies below a directory (inside {@code DIR}) named like
 * an AWS region, such as {@code DIR/us-east-1/api.json}: then they apply to that region only (the nearest such
 * directory counts). Repository facts take their region from {@code repositoryArn}, else {@code repositoryUri}, else
 * the directory in the same way.
 *
 * <h2>Answers</h2>
 * For an ECR image ({@code registryId} is the registry's account, {@code repositoryName} the reference's path):
 * <ol>
 *   <li>The digest is the reference's own; else the one its tag points to, by {@code describe-images}, or failing
 *       that, by the {@code imageId} of a {@code describe-image-scan-findings} file.</li>
 *   <li>The scan is the {@code describe-image-scan-findings} of that digest, or of the reference's tag (or a tag that
 *       {@code describe-images} lists for that digest) when the file names only a tag; else the
 *       {@code describe-images} summary of that digest; else {@link ScanStatus#NOT_FOUND}, saying whether the image
 *       is known but has no scan, or is not recorded at all.</li>
 *   <li>The repository facts are those of {@code describe-repositories}, when recorded.</li>
 * </ol>
 * When several recorded facts fit, the one chosen is, in this order: one matched by digest over one matched by tag;
 * one scoped to the image's region over one that applies to every region; the most recent (scan
 * {@code imageScanCompletedAt}, or for a tag, {@code imagePushedAt}), a known time winning over none; and last, the
 * one from the file later in sorted path order.
 *
 * <p>Instances are immutable and thread safe. {@link #facts(ImageReference)} answers at once, on the calling thread.
 */
public final class RecordedFindings implements FindingsSource {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** The recorded facts of one repository. */
    private record Recorded(List<Scan> scans, List<Image> images, List<Repository> repositories,
                            List<Index> indexes) {
    }

    private record RepositoryKey(String account, String repository) {
    }

    /** Orders times oldest first, an unknown time before any known one. */
    private static final Comparator<Optional<Instant>> LATEST = Comparator.comparing(t -> t.orElse(Instant.MIN));

    /** Of several facts that fit, the greatest wins: region-scoped, then most recent, then from the later file. */
    private static final Comparator<Scan> SCAN_PRECEDENCE = Comparator.comparing((Scan s) -> s.region().isPresent())
            .thenComparing(s -> s.result().completedAt(), LATEST)
            .thenComparingInt(Scan::order);
    private static final Comparator<Image> SUMMARY_PRECEDENCE =
            Comparator.comparing((Image i) -> i.region().isPresent())
                    .thenComparing(i -> i.scan().flatMap(ScanResult::completedAt), LATEST)
                    .thenComparingInt(Image::order);
    private static final Comparator<Image> TAG_PRECEDENCE = Comparator.comparing((Image i) -> i.region().isPresent())
            .thenComparing(Image::pushedAt, LATEST)
            .thenComparingInt(Image::order);
    private static final Comparator<Repository> REPOSITORY_PRECEDENCE =
            Comparator.comparing((Repository r) -> r.region().isPresent()).thenComparingInt(Repository::order);

    private static final Recorded NOTHING = new Recorded(List.of(), List.of(), List.of(), List.of());
    private static final Comparator<Index> INDEX_PRECEDENCE =
            Comparator.comparing((Index x) -> x.region().isPresent()).thenComparingInt(Index::order);

    private final int files;
    private final int scans;
    private final int images;
    private final int repositories;
    private final int indexes;
    private final Map<RepositoryKey, Recorded> byRepository;

    private RecordedFindings(int files, List<Scan> scans, List<Image> images, List<Repository> repositories,
                             List<Index> indexes) {
        this.files = files;
        this.scans = scans.size();
        this.images = images.size();
        this.repositories = repositories.size();
        this.indexes = indexes.size();
        Map<RepositoryKey, List<Scan>> scansBy = group(scans, s -> new RepositoryKey(s.account(), s.repository()));
        Map<RepositoryKey, List<Image>> imagesBy = group(images, i -> new RepositoryKey(i.account(), i.repository()));
        Map<RepositoryKey, List<Repository>> repositoriesBy =
                group(repositories, r -> new RepositoryKey(r.account(), r.repository()));
        Map<RepositoryKey, List<Index>> indexesBy = group(indexes, x -> new RepositoryKey(x.account(), x.repository()));
        Map<RepositoryKey, Recorded> index = new HashMap<>();
        for (RepositoryKey key : union(scansBy, imagesBy, repositoriesBy, indexesBy)) {
            index.put(key, new Recorded(scansBy.getOrDefault(key, List.of()), imagesBy.getOrDefault(key, List.of()),
                    repositoriesBy.getOrDefault(key, List.of()), indexesBy.getOrDefault(key, List.of())));
        }
        this.byRepository = Map.copyOf(index);
    }

    /**
     * Reads every {@code *.json} file below {@code dir} (or {@code dir} itself, if it is a file).
     *
     * @throws FindingsLoadException if {@code dir} cannot be read, or a file is not valid JSON, is not the output of
     *                               one of the three commands, or has a field ecrgate uses that it cannot read; the
     *                               message names the file
     */
    public static RecordedFindings load(Path dir) throws FindingsLoadException {
        List<Path> relative = jsonFiles(dir);
        List<Scan> scans = new ArrayList<>();
        List<Image> images = new ArrayList<>();
        List<Repository> repositories = new ArrayList<>();
        List<Index> indexes = new ArrayList<>();
        for (int order = 0; order < relative.size(); order++) {
            Path rel = relative.get(order);
            Path file = rel.toString().isEmpty() ? dir : dir.resolve(rel);
            Contents contents = CliOutputReader.read(file, parse(file), regionOfDirectory(rel), order);
            scans.addAll(contents.scans());
            images.addAll(contents.images());
            repositories.addAll(contents.repositories());
            indexes.addAll(contents.indexes());
        }
        return new RecordedFindings(relative.size(), scans, images, repositories, indexes);
    }

    /** The facts of {@code image}, already known: the returned future is complete. */
    @Override
    public CompletableFuture<ImageFacts> facts(ImageReference image, FactNeeds needs) {
        return CompletableFuture.completedFuture(factsFor(image));
    }

    /**
     * The facts of {@code image}. An image that is not an ECR image ({@code image.ecr()} is empty), or of which
     * nothing is recorded, has scan status {@link ScanStatus#NOT_FOUND}.
     */
    public ImageFacts factsFor(ImageReference image) {
        if (image.ecr().isEmpty()) {
            return new ImageFacts(image.digest(), ScanResult.notFound(image.original() + " is not an ECR image"),
                    Optional.empty());
        }
        EcrRegistry ecr = image.ecr().get();
        String region = ecr.region();
        Recorded recorded = byRepository.getOrDefault(new RepositoryKey(ecr.account(), image.path()), NOTHING);
        List<Scan> scansHere = inRegion(recorded.scans(), Scan::region, region);
        List<Image> imagesHere = inRegion(recorded.images(), Image::region, region);

        Optional<String> digest = image.digest()
                .or(() -> image.tag().flatMap(tag -> digestOf(tag, imagesHere, scansHere)));
        Optional<RepositoryFacts> repository = inRegion(recorded.repositories(), Repository::region, region).stream()
                .max(REPOSITORY_PRECEDENCE)
                .map(Repository::facts);
        Optional<ImageIndex> index = digest.flatMap(d -> inRegion(recorded.indexes(), Index::region, region).stream()
                .filter(x -> x.digest().equals(d)).max(INDEX_PRECEDENCE).map(Index::index));
        if (index.isPresent()) {
            // ECR scans the platform images, each under its own digest; the index has no scan of its own
            List<PlatformImage> platforms = new ArrayList<>();
            for (ImageIndex.Entry e : index.get().platforms()) {
                platforms.add(new PlatformImage(e.platform(), e.digest(), scanOf(image.original() + " for "
                        + e.platform(), Optional.of(e.digest()), Optional.empty(), scansHere, imagesHere),
                        Optional.empty()));
            }
            return new ImageFacts(digest, ScanResult.notFound("an image index has no scan of its own"), repository)
                    .withPlatforms(platforms);
        }
        return new ImageFacts(digest, scanOf(image.original(), digest, image.tag(), scansHere, imagesHere),
                repository);
    }

    /** The scan of {@code digest}, or of its tags, as recorded; NOT_FOUND saying what is missing. */
    private static ScanResult scanOf(String name, Optional<String> digest, Optional<String> tag, List<Scan> scansHere,
                                     List<Image> imagesHere) {
        List<Image> sameDigest = imagesHere.stream()
                .filter(i -> digest.isPresent() && i.digest().equals(digest.get())).toList();
        List<String> tags = new ArrayList<>();
        tag.ifPresent(tags::add);
        sameDigest.forEach(i -> tags.addAll(i.tags()));

        Optional<ScanResult> scan = scansHere.stream()
                .filter(s -> s.digest().isPresent() ? s.digest().equals(digest)
                        : s.tag().isPresent() && tags.contains(s.tag().get()))
                .max(Comparator.comparing((Scan s) -> s.digest().isPresent()).thenComparing(SCAN_PRECEDENCE))
                .map(Scan::result)
                .or(() -> sameDigest.stream().filter(i -> i.scan().isPresent()).max(SUMMARY_PRECEDENCE)
                        .flatMap(Image::scan));
        return scan.orElseGet(() -> sameDigest.isEmpty()
                ? ScanResult.notFound("no recorded findings for " + name)
                : ScanResult.notFound("image " + name + " (" + digest.get() + ") has no scan"));
    }

    /** For the startup log, for example {@code 12 files: 5 scans, 9 images, 3 repositories}. */
    public String summary() {
        return count(files, "file") + ": " + count(scans, "scan") + ", " + count(images, "image") + ", "
                + count(repositories, "repository") + (indexes == 0 ? "" : indexes == 1 ? ", 1 image index"
                : ", " + indexes + " image indexes");
    }

    @Override
    public String toString() {
        return "RecordedFindings[" + summary() + "]";
    }

    /** The digest {@code tag} points to: by describe-images, else by the imageId of a scan. */
    private static Optional<String> digestOf(String tag, List<Image> images, List<Scan> scans) {
        return images.stream().filter(i -> i.tags().contains(tag)).max(TAG_PRECEDENCE).map(Image::digest)
                .or(() -> scans.stream().filter(s -> s.digest().isPresent() && s.tag().equals(Optional.of(tag)))
                        .max(SCAN_PRECEDENCE).flatMap(Scan::digest));
    }

    private static <T> List<T> inRegion(List<T> facts, Function<T, Optional<String>> regionOf, String region) {
        return facts.stream().filter(f -> regionOf.apply(f).map(region::equals).orElse(true)).toList();
    }

    private static List<Path> jsonFiles(Path dir) throws FindingsLoadException {
        if (!Files.exists(dir)) {
            throw new FindingsLoadException(dir, dir + ": no such file or directory");
        }
        if (!Files.isDirectory(dir)) {
            return List.of(Path.of(""));
        }
        List<Path> found = new ArrayList<>();
        try {
            Files.walkFileTree(dir, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                            return d.equals(dir) || !hidden(d) ? FileVisitResult.CONTINUE
                                    : FileVisitResult.SKIP_SUBTREE;
                        }

                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                            String name = file.getFileName().toString();
                            if (!hidden(file) && !attrs.isDirectory()
                                    && name.toLowerCase(Locale.ROOT).endsWith(".json")) {
                                found.add(dir.relativize(file));
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                            if (e instanceof FileSystemLoopException) {
                                return FileVisitResult.CONTINUE;
                            }
                            throw e;
                        }
                    });
        } catch (IOException e) {
            throw new FindingsLoadException(dir, dir + ": cannot read: " + dev.ecrgate.text.FileErrors.plain(e), e);
        }
        found.sort(Comparator.comparing(p -> p.toString().replace('\\', '/')));
        return found;
    }

    private static boolean hidden(Path path) {
        return path.getFileName().toString().startsWith(".");
    }

    private static JsonNode parse(Path file) throws FindingsLoadException {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : ":" + at.getLineNr() + ":" + at.getColumnNr();
            throw new FindingsLoadException(file, file + where + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new FindingsLoadException(file, file + ": cannot read: " + dev.ecrgate.text.FileErrors.plain(e), e);
        }
        if (root == null || root.isMissingNode()) {
            throw new FindingsLoadException(file,
                    file + ": empty file, expected the JSON output of an aws ecr command");
        }
        return root;
    }

    /** The region named by the nearest directory of {@code relative} (a path inside the loaded directory). */
    private static Optional<String> regionOfDirectory(Path relative) {
        for (Path d = relative.getParent(); d != null; d = d.getParent()) {
            String name = d.getFileName().toString();
            if (EcrRegistry.isRegion(name)) {
                return Optional.of(name);
            }
        }
        return Optional.empty();
    }

    private static <K, T> Map<K, List<T>> group(List<T> facts, Function<T, K> key) {
        return facts.stream().collect(Collectors.groupingBy(key, Collectors.toUnmodifiableList()));
    }

    @SafeVarargs
    private static <K> Set<K> union(Map<K, ?>... maps) {
        Set<K> keys = new HashSet<>();
        for (Map<K, ?> map : maps) {
            keys.addAll(map.keySet());
        }
        return keys;
    }

    private static String count(int n, String noun) {
        String plural = noun.endsWith("y") ? noun.substring(0, noun.length() - 1) + "ies" : noun + "s";
        return n + " " + (n == 1 ? noun : plural);
    }
}
