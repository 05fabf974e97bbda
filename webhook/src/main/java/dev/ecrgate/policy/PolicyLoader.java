package dev.ecrgate.policy;

import dev.ecrgate.text.OutsideText;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code ImagePolicy} documents from YAML files into a validated {@link PolicySet}.
 *
 * <p>Loading is all or nothing: either every document in every file is a valid policy, or a
 * {@link PolicyLoadException} lists every error found, each with its file, line, column and field. There is no
 * partial policy set, because a webhook that dropped a broken policy would admit what that policy was written to
 * refuse.
 *
 * <p>Stateless and thread safe. Files are read with limits (see {@link #MAX_FILE_BYTES}), so that a hostile file
 * cannot exhaust memory.
 */
public final class PolicyLoader {
    /** The largest policy file read: 1 MiB. Policies are a few kilobytes; anything far larger is a mistake. */
    public static final int MAX_FILE_BYTES = YamlTree.MAX_DOCUMENT_CHARS;

    private PolicyLoader() {
    }

    /**
     * Loads every policy in {@code dir}: each file whose name ends in {@code .yaml} or {@code .yml}, in name order,
     * each holding one or more YAML documents separated by {@code ---} (empty documents are skipped).
     *
     * <p>The directory is not searched recursively, and names starting with {@code .} are skipped. Symbolic links
     * are followed: a Kubernetes ConfigMap mounted as a volume shows each key as a link into a hidden
     * {@code ..data/} directory, so every policy is read once, through its link.
     *
     * <p>A directory without a single policy is an error rather than an empty set: a webhook with no policy would
     * admit every image, silently.
     *
     * @throws PolicyLoadException when the directory cannot be read, holds no policy, or any document in it is not a
     *                             valid policy, or two policies share a name; it lists every error found
     */
    public static PolicySet loadDirectory(Path dir) throws PolicyLoadException {
        Loading loading = new Loading();
        loading.addDirectory(dir);
        return loading.finish(dir.toString(), "no policies found in " + dir);
    }

    /**
     * Loads the policies of several paths as one set, as {@code ecrgate policy validate a b} checks them: each path
     * is a directory (read as {@link #loadDirectory} reads it) or a single policy file. A name defined twice is an
     * error across paths as within one.
     *
     * @throws PolicyLoadException when a path cannot be read, none holds a policy, any document is not a valid
     *                             policy, or two policies share a name; it lists every error found
     */
    public static PolicySet loadPaths(List<Path> paths) throws PolicyLoadException {
        Loading loading = new Loading();
        for (Path path : paths) {
            if (Files.isDirectory(path)) {
                loading.addDirectory(path);
            } else {
                loading.addFile(path);
            }
        }
        return loading.finish(paths.stream().map(Path::toString).collect(java.util.stream.Collectors.joining(", ")),
                "no policies found in " + paths.stream().map(Path::toString)
                        .collect(java.util.stream.Collectors.joining(", ")));
    }

    /**
     * Loads the policies in one YAML text, as if read from a file called {@code fileName} (used only in messages and
     * {@link ImagePolicy#origin()}). For tests and tools; the webhook loads directories.
     *
     * @throws PolicyLoadException when the text holds no policy, or any document in it is not a valid policy
     */
    public static PolicySet parse(String fileName, String yamlText) throws PolicyLoadException {
        Loading loading = new Loading();
        loading.add(fileName, yamlText);
        return loading.finish(fileName, "no policies found in " + fileName);
    }

    private static String read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new IOException("file is " + size + " bytes, more than the limit of " + MAX_FILE_BYTES);
        }
        byte[] bytes = Files.readAllBytes(file);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IOException("not UTF-8 text", e);
        }
    }

    private static String describe(IOException e) {
        return dev.ecrgate.text.FileErrors.plain(e);
    }

    /** The policies and errors of one load, accumulated file by file. */
    private static final class Loading {
        private final List<ImagePolicy> policies = new ArrayList<>();
        private final List<ImageException> exceptions = new ArrayList<>();
        private final Map<String, String> exceptionOrigins = new HashMap<>();
        private final List<PolicyError> errors = new ArrayList<>();
        private final Map<String, String> nameOrigins = new HashMap<>();

        void addDirectory(Path dir) {
            List<Path> files = new ArrayList<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path entry : entries) {
                    String name = entry.getFileName().toString();
                    if (!name.startsWith(".") && (name.endsWith(".yaml") || name.endsWith(".yml"))
                            && !Files.isDirectory(entry)) {
                        files.add(entry);
                    }
                }
            } catch (IOException e) {
                errors.add(new PolicyError(dir.toString(), 0, 0, "", "cannot read policy directory: "
                        + describe(e)));
                return;
            }
            files.sort(Comparator.comparing(f -> f.getFileName().toString()));
            files.forEach(this::addFile);
        }

        void addFile(Path file) {
            try {
                add(file.toString(), read(file));
            } catch (IOException e) {
                // a dangling link is an error too: skipping it would drop a policy without a word
                errors.add(new PolicyError(file.toString(), 0, 0, "", "cannot read: " + describe(e)));
            }
        }

        void add(String file, String text) {
            YamlTree.Documents documents = YamlTree.read(file, text);
            List<PolicyError> fileErrors = new ArrayList<>(documents.errors());
            for (YamlTree.Node document : documents.documents()) {
                PolicyValidator.Result result = PolicyValidator.validate(file, document);
                fileErrors.addAll(result.errors());
                result.name().ifPresent(name -> {
                    String here = file + ":" + name.position().line() + ":" + name.position().column();
                    String first = nameOrigins.putIfAbsent(name.value(), here);
                    if (first != null) {
                        fileErrors.add(new PolicyError(file, name.position().line(), name.position().column(),
                                "metadata.name", "duplicate policy name " + OutsideText.quoted(name.value())
                                + " (also defined at " + first + ")"));
                    }
                });
                result.policy().ifPresent(policies::add);
                result.exception().ifPresent(e -> {
                    String first = exceptionOrigins.putIfAbsent(e.id(), e.origin());
                    if (first != null) {
                        int line = Integer.parseInt(e.origin().substring(e.origin().lastIndexOf(':') + 1));
                        fileErrors.add(new PolicyError(file, line, 1, "metadata.name", "duplicate exception "
                                + OutsideText.quoted(e.id()) + " (also defined at " + first + ")"));
                    } else {
                        exceptions.add(e);
                    }
                });
            }
            // in the order they appear in the file, which is the order people fix them in
            fileErrors.sort(Comparator.comparingInt(PolicyError::line).thenComparingInt(PolicyError::column));
            errors.addAll(fileErrors);
        }

        PolicySet finish(String where, String noPolicies) throws PolicyLoadException {
            if (errors.isEmpty() && policies.isEmpty() && exceptions.isEmpty()) {
                errors.add(new PolicyError(where, 0, 0, "", noPolicies
                        + " (a webhook without policies would admit every image)"));
            }
            if (!errors.isEmpty()) {
                throw new PolicyLoadException(errors);
            }
            return new PolicySet(policies, exceptions);
        }
    }
}
