package dev.ecrgate.cli.check;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads Kubernetes manifests the way {@code kubectl apply -f} takes them: files of several YAML documents or JSON
 * values, directories (recursively: {@code *.yaml}, {@code *.yml}, {@code *.json}, in path order, hidden names left
 * out), standard input, and {@code kind: List} (or any {@code *List} with {@code items}) unpacked into its items.
 * Every key's line is kept, so reports can point at the {@code image:} line that broke a rule.
 *
 * <p>Input is bounded ({@link #MAX_FILE_CHARS} per file, nesting {@link #MAX_DEPTH} deep, YAML aliases expanded
 * into at most {@link #MAX_NODES} nodes per file) so that hostile input gets an error, not an exhausted JVM.
 * Duplicate keys are errors, as they are for kubectl's strict decoding and for the webhook. Not thread safe: one
 * reader per run.
 */
public final class ManifestReader {
    public static final int MAX_FILE_CHARS = 32 << 20;
    public static final int MAX_DEPTH = 200;
    public static final int MAX_NODES = 2_000_000;

    private final Path workingDirectory;
    private final List<String> errors = new ArrayList<>();

    public ManifestReader(Path workingDirectory) {
        this.workingDirectory = workingDirectory.toAbsolutePath().normalize();
    }

    /**
     * Reads every source: a file, a directory, or {@code -} for {@code stdin} (named {@code stdinName} in reports).
     *
     * @throws ManifestException naming every file that could not be read or parsed, one {@code file:line:col:
     *                           problem} line each
     */
    public List<Manifest> read(List<String> sources, InputStream stdin, String stdinName) throws ManifestException {
        List<Manifest> out = new ArrayList<>();
        boolean stdinRead = false;
        for (String source : sources) {
            if (source.equals("-")) {
                if (!stdinRead) {
                    stdinRead = true;
                    try {
                        String text = decode(stdin.readNBytes(MAX_FILE_CHARS + 1), stdinName);
                        String start = text.stripLeading();
                        out.addAll(parse(stdinName, text, start.startsWith("{") || start.startsWith("[")));
                    } catch (IOException e) {
                        errors.add(stdinName + ": cannot read: " + describe(e));
                    }
                }
                continue;
            }
            Path path = Path.of(source);
            if (Files.isDirectory(path)) {
                for (Path file : filesBelow(path)) {
                    readFile(file, out);
                }
            } else {
                readFile(path, out);
            }
        }
        if (!errors.isEmpty()) {
            throw new ManifestException(errors);
        }
        return out;
    }

    private List<Path> filesBelow(Path dir) {
        try (Stream<Path> walk = Files.walk(dir, FileVisitOption.FOLLOW_LINKS)) {
            return walk.filter(p -> !p.equals(dir))
                    .filter(p -> !hidden(dir.relativize(p)))
                    .filter(p -> {
                        String n = p.getFileName().toString();
                        return (n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json"))
                                && Files.isRegularFile(p);
                    })
                    .sorted()
                    .toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            errors.add(display(dir) + ": cannot read directory: " + (e instanceof IOException io ? describe(io)
                    : describe(((java.io.UncheckedIOException) e).getCause())));
            return List.of();
        }
    }

    private static boolean hidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private void readFile(Path file, List<Manifest> out) {
        String name = display(file);
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_CHARS) {
                errors.add(name + ": file is " + size + " bytes, more than the limit of " + MAX_FILE_CHARS);
                return;
            }
            String text = decode(Files.readAllBytes(file), name);
            out.addAll(parse(name, text, name.endsWith(".json")));
        } catch (NoSuchFileException e) {
            errors.add(name + ": no such file or directory");
        } catch (IOException e) {
            errors.add(name + ": cannot read: " + describe(e));
        }
    }

    /** The path as the user wrote it, or relative to the working directory when it is below it. */
    private String display(Path path) {
        Path p = path.normalize();
        if (p.isAbsolute()) {
            Path abs = p.normalize();
            if (abs.startsWith(workingDirectory) && !abs.equals(workingDirectory)) {
                p = workingDirectory.relativize(abs);
            }
        }
        return p.toString().replace('\\', '/');
    }

    private static String decode(byte[] bytes, String name) throws IOException {
        if (bytes.length > MAX_FILE_CHARS) {
            throw new IOException("more than the limit of " + MAX_FILE_CHARS + " bytes");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException("not UTF-8 text", e);
        }
    }

    private static String describe(IOException e) {
        return dev.ecrgate.text.FileErrors.plain(e);
    }

    /** The manifests of one file's text; errors are recorded, and the documents before a syntax error kept. */
    List<Manifest> parse(String file, String text, boolean json) {
        List<Manifest> out = new ArrayList<>();
        Manifest.KeyLines lines = new Manifest.KeyLines();
        TreeBuilder builder = new TreeBuilder(file, text, lines);
        try (JsonParser parser = json ? JSON.createParser(text) : YAML.createParser(text)) {
            builder.parser = parser;
            JsonToken token;
            int document = 0;
            while ((token = parser.nextToken()) != null) {
                document++;
                int line = parser.currentTokenLocation().getLineNr();
                JsonNode root = builder.value(token, 1);
                if (root.isNull()) {
                    continue; // an empty document: "---" alone, or only comments
                }
                if (!root.isObject()) {
                    errors.add(file + ":" + line + ":1: document " + document + " is not a Kubernetes object"
                            + " (a mapping with apiVersion and kind)");
                    continue;
                }
                addObject(out, file, document, OptionalInt.empty(), (ObjectNode) root, line, lines);
            }
        } catch (Abort e) {
            // recorded
        } catch (JsonProcessingException e) {
            errors.add(syntaxError(file, e, json));
        } catch (IOException | RuntimeException e) {
            // SnakeYAML reports some limits (code points, aliases) as unchecked exceptions without a location
            errors.add(file + ": cannot read " + (json ? "JSON" : "YAML") + ": " + firstLine(e.getMessage()));
        }
        return out;
    }

    private void addObject(List<Manifest> out, String file, int document, OptionalInt item, ObjectNode object,
                           int line, Manifest.KeyLines lines) {
        Manifest m = new Manifest(file, document, item, object, line, lines);
        if (m.kind().isEmpty() || m.apiVersion().isEmpty()) {
            errors.add(file + ":" + line + ":1: " + (item.isPresent() ? "item " + item.getAsInt() + " of " : "")
                    + "document " + document + " is not a Kubernetes object: it has no "
                    + (m.apiVersion().isEmpty() ? "apiVersion" : "kind"));
            return;
        }
        JsonNode items = object.get("items");
        if (item.isEmpty() && m.kind().endsWith("List") && (items == null || items.isArray() || items.isNull())) {
            int i = 0;
            for (JsonNode each : items == null || items.isNull() ? List.<JsonNode>of() : items) {
                i++;
                Integer at = lines.start(each);
                int itemLine = at == null ? line : at;
                if (!each.isObject()) {
                    errors.add(file + ":" + itemLine + ":1: item " + i + " of document " + document
                            + " is not a Kubernetes object");
                    continue;
                }
                addObject(out, file, document, OptionalInt.of(i), (ObjectNode) each, itemLine, lines);
            }
            return;
        }
        out.add(m);
    }

    private static String syntaxError(String file, JsonProcessingException e, boolean json) {
        int line = 0;
        int column = 0;
        String message;
        if (e.getCause() instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
            line = marked.getProblemMark().getLine() + 1;
            column = marked.getProblemMark().getColumn() + 1;
            message = (marked.getContext() == null ? "" : marked.getContext() + ": ") + marked.getProblem();
        } else {
            JsonLocation location = e.getLocation();
            if (location != null && location.getLineNr() > 0) {
                line = location.getLineNr();
                column = Math.max(location.getColumnNr(), 0);
            }
            message = firstLine(e.getOriginalMessage());
        }
        return file + ":" + line + ":" + column + ": invalid " + (json ? "JSON" : "YAML") + ": " + message;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).strip();
    }

    private static final YAMLFactory YAML = yamlFactory();
    private static final JsonFactory JSON = JsonFactory.builder().streamReadConstraints(constraints()).build();

    private static StreamReadConstraints constraints() {
        return StreamReadConstraints.builder()
                .maxNestingDepth(MAX_DEPTH)
                .maxDocumentLength(MAX_FILE_CHARS)
                .maxStringLength(MAX_FILE_CHARS)
                .maxNumberLength(100)
                .build();
    }

    private static YAMLFactory yamlFactory() {
        LoaderOptions loader = new LoaderOptions();
        loader.setCodePointLimit(MAX_FILE_CHARS);
        loader.setMaxAliasesForCollections(1000);
        loader.setAllowRecursiveKeys(false);
        loader.setNestingDepthLimit(MAX_DEPTH);
        loader.setAllowDuplicateKeys(true); // reported by the TreeBuilder, with both lines
        return YAMLFactory.builder().loaderOptions(loader).streamReadConstraints(constraints()).build();
    }

    /** Thrown to stop reading a file after an error that is already recorded. */
    private static final class Abort extends RuntimeException {
        Abort() {
            super(null, null, false, false);
        }
    }

    /** Builds Jackson trees from the token stream, recording key lines and expanding YAML aliases. */
    private final class TreeBuilder {
        private final String file;
        private final String text;
        private final Manifest.KeyLines lines;
        private final Map<String, JsonNode> anchors = new HashMap<>();
        private JsonParser parser;
        private int nodes;

        TreeBuilder(String file, String text, Manifest.KeyLines lines) {
            this.file = file;
            this.text = text;
            this.lines = lines;
        }

        JsonNode value(JsonToken token, int depth) throws IOException {
            JsonLocation at = parser.currentTokenLocation();
            if (depth > MAX_DEPTH) {
                fail(at, "nested deeper than the limit of " + MAX_DEPTH + " levels");
            }
            if (parser instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
                JsonNode anchored = anchors.get(yaml.getText());
                if (anchored == null) {
                    fail(at, "unknown YAML alias *" + yaml.getText());
                }
                count(at, size(anchored));
                return anchored.deepCopy();
            }
            Object anchor = parser.getObjectId();
            JsonNode node = switch (token) {
                case START_OBJECT -> {
                    ObjectNode object = JsonNodeFactory.instance.objectNode();
                    lines.start(object, at.getLineNr());
                    JsonToken t;
                    while ((t = parser.nextToken()) == JsonToken.FIELD_NAME) {
                        String key = parser.currentName();
                        JsonLocation keyAt = parser.currentTokenLocation();
                        JsonNode value = value(parser.nextToken(), depth + 1);
                        Integer first = lines.of(object).get(key);
                        if (first != null) {
                            fail(keyAt, "duplicate key \"" + key + "\" (first at line " + first + ")");
                        }
                        lines.put(object, key, keyAt.getLineNr());
                        object.set(key, value);
                    }
                    yield object;
                }
                case START_ARRAY -> {
                    ArrayNode array = JsonNodeFactory.instance.arrayNode();
                    lines.start(array, at.getLineNr());
                    JsonToken t;
                    while ((t = parser.nextToken()) != JsonToken.END_ARRAY && t != null) {
                        array.add(value(t, depth + 1));
                    }
                    yield array;
                }
                case VALUE_STRING -> {
                    String s = parser.getText();
                    // Jackson reads a YAML key with nothing after it ("image:") as "", YAML as null
                    yield s.isEmpty() && parser instanceof YAMLParser && !quoted(at)
                            ? JsonNodeFactory.instance.nullNode() : JsonNodeFactory.instance.textNode(s);
                }
                case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                    // as Jackson's own tree reader types them: fabric8's IntOrString takes only an int node
                    case INT -> JsonNodeFactory.instance.numberNode(parser.getIntValue());
                    case LONG -> JsonNodeFactory.instance.numberNode(parser.getLongValue());
                    default -> JsonNodeFactory.instance.numberNode(parser.getBigIntegerValue());
                };
                case VALUE_NUMBER_FLOAT -> JsonNodeFactory.instance.numberNode(parser.getDecimalValue());
                case VALUE_TRUE -> JsonNodeFactory.instance.booleanNode(true);
                case VALUE_FALSE -> JsonNodeFactory.instance.booleanNode(false);
                case VALUE_NULL -> JsonNodeFactory.instance.nullNode();
                default -> {
                    fail(at, "unsupported value (" + token + ")");
                    throw new AssertionError();
                }
            };
            count(at, 1);
            if (anchor != null) {
                anchors.put(anchor.toString(), node);
            }
            return node;
        }

        private boolean quoted(JsonLocation location) {
            long offset = location.getCharOffset();
            if (offset < 0 || offset >= text.length()) {
                return false;
            }
            char c = text.charAt((int) offset);
            return c == '"' || c == '\'';
        }

        private void count(JsonLocation at, int n) {
            nodes += n;
            if (nodes > MAX_NODES) {
                fail(at, "more than " + MAX_NODES + " values (YAML aliases expand to copies)");
            }
        }

        private int size(JsonNode node) {
            int n = 1;
            for (JsonNode child : node) {
                n += size(child);
                if (n > MAX_NODES) {
                    break;
                }
            }
            return n;
        }

        private void fail(JsonLocation at, String message) {
            errors.add(file + ":" + at.getLineNr() + ":" + at.getColumnNr() + ": " + message);
            throw new Abort();
        }
    }
}
