package dev.ecrgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Option values that the command line does not give: from the environment ({@code --tls-cert} is
 * {@code ECRGATE_TLS_CERT}), else from the YAML config file ({@code tls-cert: ...}) named by {@code --config} or
 * {@code ECRGATE_CONFIG}, else the option's own default. Flags win over both.
 */
final class ConfigDefaults implements CommandLine.IDefaultValueProvider {
    private final Map<String, String> env;
    private final Map<String, String> file;

    private ConfigDefaults(Map<String, String> env, Map<String, String> file) {
        this.env = env;
        this.file = file;
    }

    static ConfigDefaults from(String[] args, Map<String, String> env) throws ConfigException {
        String path = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                path = args[i + 1];
            } else if (args[i].startsWith("--config=")) {
                path = args[i].substring("--config=".length());
            }
        }
        if (path == null) {
            path = env.get("ECRGATE_CONFIG");
        }
        return new ConfigDefaults(env, path == null ? Map.of() : readFile(Path.of(path)));
    }

    private static Map<String, String> readFile(Path path) throws ConfigException {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(path));
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + path + ": " + e.getMessage().lines()
                    .findFirst().orElse(""));
        }
        Map<String, String> values = new HashMap<>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return values;
        }
        if (!root.isObject()) {
            throw new ConfigException("config file " + path + " must be a YAML mapping of option names to values");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isValueNode()) {
                throw new ConfigException("config file " + path + ": " + e.getKey() + " must be a single value");
            }
            values.put(e.getKey(), e.getValue().asText());
        }
        return values;
    }

    /** The config file keys that no option of {@code spec} knows, for a clear error. */
    java.util.List<String> unknownKeys(CommandLine.Model.CommandSpec spec) {
        return file.keySet().stream().filter(k -> spec.findOption("--" + k) == null).sorted().toList();
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || !option.longestName().startsWith("--")) {
            return null;
        }
        String name = option.longestName().substring(2);
        if (name.equals("config") || name.equals("help") || name.equals("version")) {
            return null;
        }
        String fromEnv = env.get("ECRGATE_" + name.toUpperCase(Locale.ROOT).replace('-', '_'));
        if (fromEnv != null) {
            return fromEnv;
        }
        String fromFile = file.get(name);
        return fromFile != null ? fromFile : option.defaultValue();
    }

    static final class ConfigException extends Exception {
        private static final long serialVersionUID = 1L;

        ConfigException(String message) {
            super(message);
        }
    }
}
