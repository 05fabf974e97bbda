package dev.ecrgate.policy;

import dev.ecrgate.text.OutsideText;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * YAML documents as trees whose every key and value knows the line and column it was written at, so that every
 * error in a policy can point at its cause. Built from Jackson's streaming YAML parser rather than a
 * {@code JsonNode}, which forgets positions and silently keeps the last of two duplicate keys.
 *
 * <p>Policy files are read with limits, so that a hostile or broken file cannot exhaust memory: at most
 * {@link #MAX_DOCUMENT_CHARS} characters, nesting at most {@link #MAX_DEPTH} levels deep, and no anchors or aliases
 * at all (policies have no use for them, and refusing them rules out "billion laughs" alias bombs outright; the
 * SnakeYAML alias limit is set too, as a second line).
 */
final class YamlTree {
    /** The most characters a policy file may have: 1 MiB, far more than any policy needs. */
    static final int MAX_DOCUMENT_CHARS = 1 << 20;
    /** The deepest nesting of mappings and lists a policy file may have. */
    static final int MAX_DEPTH = 100;

    private static final YAMLFactory FACTORY = newFactory();

    private YamlTree() {
    }

    /** Where a key or value starts, 1-based. */
    record Position(int line, int column) {
    }

    /** A mapping, a list or a scalar, with its position. */
    sealed interface Node permits Mapping, Sequence, Scalar {
        Position position();

        /** What the node is, for "expected X, got Y" messages. */
        String describe();
    }

    /** A mapping with string keys, in the order written; a duplicate key keeps the first value. */
    record Mapping(Map<String, Entry> entries, Position position) implements Node {
        Mapping {
            entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }

        @Override
        public String describe() {
            return "a mapping";
        }
    }

    /** One key of a mapping: where the key was written, and its value. */
    record Entry(String key, Position keyPosition, Node value) {
    }

    record Sequence(List<Node> items, Position position) implements Node {
        Sequence {
            items = List.copyOf(items);
        }

        @Override
        public String describe() {
            return "a list";
        }
    }

    /** The YAML types a plain scalar resolves to; a quoted scalar is always a STRING. */
    enum ScalarType {
        STRING("a string"), INTEGER("a number"), FLOAT("a number"), BOOLEAN("a boolean"), NULL("an empty value");

        private final String description;

        ScalarType(String description) {
            this.description = description;
        }
    }

    /**
     * A scalar: its text as written (for numbers, the digits as written) and, for an INTEGER, its value; for a
     * BOOLEAN, 1 for true and 0 for false.
     */
    record Scalar(ScalarType type, String text, BigInteger integer, Position position) implements Node {
        @Override
        public String describe() {
            if (type == ScalarType.NULL) {
                return type.description;
            }
            String shown = text.length() > 40 ? text.substring(0, 40) + "..." : text;
            return type.description + " (" + (type == ScalarType.STRING ? OutsideText.quoted(shown) : shown) + ")";
        }
    }

    /**
     * The documents of one YAML stream, and the errors found reading it. A syntax error ends the reading: the
     * documents before it are kept.
     *
     * @param documents the root node of every document, empty documents left out
     */
    record Documents(List<Node> documents, List<PolicyError> errors) {
        Documents {
            documents = List.copyOf(documents);
            errors = List.copyOf(errors);
        }
    }

    /** Reads every document of {@code yaml}; {@code file} names it in errors. */
    static Documents read(String file, String yaml) {
        Reader reader = new Reader(file, yaml);
        if (yaml.length() > MAX_DOCUMENT_CHARS) {
            reader.errors.add(new PolicyError(file, 0, 0, "",
                    "file is larger than the limit of " + MAX_DOCUMENT_CHARS + " characters"));
            return new Documents(List.of(), reader.errors);
        }
        try (JsonParser parser = FACTORY.createParser(yaml)) {
            reader.parser = (YAMLParser) parser;
            reader.readAll();
        } catch (Abort e) {
            // already recorded
        } catch (JsonProcessingException e) {
            reader.syntaxError(e);
        } catch (IOException | RuntimeException e) {
            // SnakeYAML reports some limits (code points, aliases) as unchecked exceptions without a location
            reader.errors.add(new PolicyError(file, 0, 0, "", "cannot read YAML: " + firstLine(e.getMessage())));
        }
        return new Documents(reader.documents, reader.errors);
    }

    private static YAMLFactory newFactory() {
        LoaderOptions loader = new LoaderOptions();
        loader.setCodePointLimit(MAX_DOCUMENT_CHARS);
        loader.setMaxAliasesForCollections(10);
        loader.setAllowRecursiveKeys(false);
        loader.setNestingDepthLimit(MAX_DEPTH);
        loader.setAllowDuplicateKeys(true); // reported by the Reader, with both positions
        return YAMLFactory.builder()
                .loaderOptions(loader)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_DEPTH)
                        .maxDocumentLength(MAX_DOCUMENT_CHARS)
                        .maxStringLength(MAX_DOCUMENT_CHARS)
                        .maxNumberLength(100)
                        .maxNameLength(10_000)
                        .build())
                .build();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).trim();
    }

    /** Thrown to stop reading a stream after a fatal error that is already recorded. */
    private static final class Abort extends RuntimeException {
        Abort() {
            super(null, null, false, false);
        }
    }

    private static final class Reader {
        private final String file;
        private final String yaml;
        private final List<Node> documents = new ArrayList<>();
        private final List<PolicyError> errors = new ArrayList<>();
        private YAMLParser parser;

        Reader(String file, String yaml) {
            this.file = file;
            this.yaml = yaml;
        }

        void readAll() throws IOException {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                Node root = readValue(token, "", 1);
                // an empty document: "---" and nothing, or only comments
                if (!(root instanceof Scalar s && s.type() == ScalarType.NULL)) {
                    documents.add(root);
                }
            }
        }

        private Node readValue(JsonToken token, String path, int depth) throws IOException {
            Position position = position(parser.currentTokenLocation());
            refuseAnchorsAndAliases(path, position);
            if (depth > MAX_DEPTH) {
                fatal(path, position, "nested deeper than the limit of " + MAX_DEPTH + " levels");
            }
            switch (token) {
                case START_OBJECT -> {
                    Map<String, Entry> entries = new LinkedHashMap<>();
                    JsonToken t;
                    while ((t = parser.nextToken()) == JsonToken.FIELD_NAME) {
                        String key = parser.currentName();
                        Position keyPosition = position(parser.currentTokenLocation());
                        String keyPath = path.isEmpty() ? key : path + "." + key;
                        Node value = readValue(parser.nextToken(), keyPath, depth + 1);
                        Entry first = entries.get(key);
                        if (first == null) {
                            entries.put(key, new Entry(key, keyPosition, value));
                        } else {
                            errors.add(error(keyPath, keyPosition, "duplicate key \"" + key
                                    + "\" (first at line " + first.keyPosition().line() + ")"));
                        }
                    }
                    expect(t, JsonToken.END_OBJECT);
                    return new Mapping(entries, position);
                }
                case START_ARRAY -> {
                    List<Node> items = new ArrayList<>();
                    JsonToken t;
                    while ((t = parser.nextToken()) != JsonToken.END_ARRAY && t != null) {
                        items.add(readValue(t, path + "[" + items.size() + "]", depth + 1));
                    }
                    expect(t, JsonToken.END_ARRAY);
                    return new Sequence(items, position);
                }
                case VALUE_STRING -> {
                    String text = parser.getText();
                    if (text.isEmpty() && !quoted(parser.currentTokenLocation())) {
                        // Jackson reads a key with nothing after it ("spec:") as "", YAML as null
                        return new Scalar(ScalarType.NULL, "null", null, position);
                    }
                    return new Scalar(ScalarType.STRING, text, null, position);
                }
                case VALUE_NUMBER_INT -> {
                    return new Scalar(ScalarType.INTEGER, parser.getText(), parser.getBigIntegerValue(), position);
                }
                case VALUE_NUMBER_FLOAT -> {
                    return new Scalar(ScalarType.FLOAT, parser.getText(), null, position);
                }
                case VALUE_TRUE, VALUE_FALSE -> {
                    // YAML 1.1 booleans: true, yes, on and their opposites; the text says what was written
                    return new Scalar(ScalarType.BOOLEAN, parser.getText(),
                            token == JsonToken.VALUE_TRUE ? BigInteger.ONE : BigInteger.ZERO, position);
                }
                case VALUE_NULL -> {
                    return new Scalar(ScalarType.NULL, "null", null, position);
                }
                default -> {
                    fatal(path, position, "unsupported YAML value (" + token + ")");
                    throw new AssertionError();
                }
            }
        }

        private boolean quoted(JsonLocation location) {
            long offset = location.getCharOffset();
            if (offset < 0 || offset >= yaml.length()) {
                return false;
            }
            char c = yaml.charAt((int) offset);
            return c == '"' || c == '\'';
        }

        private void refuseAnchorsAndAliases(String path, Position position) throws IOException {
            if (parser.isCurrentAlias()) {
                fatal(path, position, "YAML aliases (*" + parser.getText() + ") are not allowed in policies");
            }
            Object anchor = parser.getObjectId(); // YAML anchors are Jackson's object ids
            if (anchor != null) {
                fatal(path, position, "YAML anchors (&" + anchor + ") are not allowed in policies");
            }
        }

        private void expect(JsonToken actual, JsonToken expected) {
            if (actual != expected) {
                // the parser guarantees balanced structures; this guards the tree against a parser bug
                throw new IllegalStateException("expected " + expected + " but got " + actual);
            }
        }

        private void fatal(String path, Position position, String message) {
            errors.add(error(path, position, message));
            throw new Abort();
        }

        private PolicyError error(String path, Position position, String message) {
            return new PolicyError(file, position.line(), position.column(), path, message);
        }

        void syntaxError(JsonProcessingException e) {
            int line = 0;
            int column = 0;
            String message;
            if (e.getCause() instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
                line = marked.getProblemMark().getLine() + 1;
                column = marked.getProblemMark().getColumn() + 1;
                message = (marked.getContext() == null ? "" : marked.getContext() + ": ") + marked.getProblem();
            } else {
                // Jackson's own limits (StreamConstraintsException) carry no location: use the parser's
                JsonLocation location = e.getLocation() != null ? e.getLocation() : parser.currentLocation();
                if (location != null && location.getLineNr() > 0) {
                    line = location.getLineNr();
                    column = Math.max(location.getColumnNr(), 0);
                }
                message = firstLine(e.getOriginalMessage());
            }
            String kind = e instanceof StreamConstraintsException ? "YAML exceeds a limit: " : "invalid YAML: ";
            errors.add(new PolicyError(file, line, column, "", kind + message));
        }

        private static Position position(JsonLocation location) {
            return new Position(location.getLineNr(), location.getColumnNr());
        }
    }
}
