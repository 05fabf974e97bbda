package dev.ecrgate.cli;

import dev.ecrgate.text.FileErrors;
import dev.ecrgate.text.OutsideText;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Where a command that reads the cluster finds it, in kubectl's order: {@code --kubeconfig FILE}; else the file that
 * {@code KUBECONFIG} names (the first that exists, when it names several: files are not merged); else
 * {@code ~/.kube/config}; else, in a pod, its service account ({@code KUBERNETES_SERVICE_HOST} and the token that
 * Kubernetes mounts). The environment is the one {@link Main} read; fabric8 parses the file, and applies its own
 * {@code KUBERNETES_*} system property and variable overrides as it always does.
 *
 * <p>A command line asks once while someone waits, so the client does not retry, connects within 10 s and waits
 * 30 s for an answer (fabric8's defaults retry ten times with growing pauses: a minute and more before an
 * unreachable server is reported).
 */
final class Kubeconfig {
    /** Where Kubernetes mounts a pod's service account token and the cluster's CA. */
    static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");
    private static final int CONNECT_MILLIS = 10_000;
    private static final int REQUEST_MILLIS = 30_000;

    private Kubeconfig() {
    }

    /**
     * The client configuration for {@code file}, else the environment's, in the order above.
     *
     * @param context the kubeconfig context to use instead of its current-context
     * @throws Unusable with the message for the user when no configuration is found or it cannot be read
     */
    static Config resolve(Optional<Path> file, Optional<String> context, Map<String, String> environment)
            throws Unusable {
        return resolve(file, context, environment, SERVICE_ACCOUNT);
    }

    /** {@link #resolve(Optional, Optional, Map)} with the service account's files in {@code serviceAccount}. */
    static Config resolve(Optional<Path> file, Optional<String> context, Map<String, String> environment,
                          Path serviceAccount) throws Unusable {
        Config config;
        if (file.isPresent()) {
            config = load(file.get(), context);
        } else if (!environment.getOrDefault("KUBECONFIG", "").isBlank()) {
            List<Path> named = Arrays.stream(environment.get("KUBECONFIG").split(File.pathSeparator))
                    .filter(s -> !s.isBlank()).map(Path::of).toList();
            Path first = named.stream().filter(Files::exists).findFirst()
                    .orElseThrow(() -> new Unusable("no file that KUBECONFIG names exists: " + OutsideText.shown(
                            environment.get("KUBECONFIG"))));
            config = load(first, context);
        } else if (Files.exists(home(environment).resolve(".kube/config"))) {
            config = load(home(environment).resolve(".kube/config"), context);
        } else if (!environment.getOrDefault("KUBERNETES_SERVICE_HOST", "").isBlank()
                && Files.exists(serviceAccount.resolve("token"))) {
            if (context.isPresent()) {
                throw new Unusable("--context needs a kubeconfig; in the pod there is only its service account");
            }
            config = inCluster(environment, serviceAccount);
        } else {
            throw new Unusable("no cluster to read: give --kubeconfig FILE, set KUBECONFIG, create ~/.kube/config,"
                    + " or run in a pod with a service account");
        }
        config.setConnectionTimeout(CONNECT_MILLIS);
        config.setRequestTimeout(REQUEST_MILLIS);
        config.setRequestRetryBackoffLimit(0);
        return config;
    }

    private static Config load(Path file, Optional<String> context) throws Unusable {
        String shownFile = OutsideText.shown(file.toString());
        if (Files.isDirectory(file)) {
            // Files.readString's message for a directory is a bare, capitalised "Is a directory"
            throw new Unusable("cannot read kubeconfig " + shownFile + ": is a directory");
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new Unusable("cannot read kubeconfig " + shownFile + ": " + FileErrors.plain(e));
        }
        Config config;
        try {
            config = Config.fromKubeconfig(context.orElse(null), text, file.toString());
        } catch (RuntimeException e) {
            throw new Unusable("kubeconfig " + shownFile + " is not a kubeconfig: " + OutsideText.shown(
                    firstLine(e.getMessage())));
        }
        List<String> contexts = Optional.ofNullable(config.getContexts()).orElse(List.of()).stream()
                .map(NamedContext::getName).sorted().toList();
        if (context.isPresent() && !contexts.contains(context.get())) {
            // fabric8 would quietly use the current context instead
            throw new Unusable("kubeconfig " + shownFile + " has no context " + OutsideText.quoted(context.get())
                    + (contexts.isEmpty() ? "" : " (it has " + contexts.stream().map(OutsideText::quoted)
                    .collect(Collectors.joining(", ")) + ")"));
        }
        if (config.getCurrentContext() == null) {
            throw new Unusable("kubeconfig " + shownFile + " sets no current-context: give --context NAME");
        }
        return config;
    }

    private static Config inCluster(Map<String, String> environment, Path serviceAccount) throws Unusable {
        String host = environment.get("KUBERNETES_SERVICE_HOST").strip();
        String port = environment.getOrDefault("KUBERNETES_SERVICE_PORT", "443").strip();
        String token;
        try {
            token = Files.readString(serviceAccount.resolve("token")).strip();
        } catch (IOException e) {
            throw new Unusable("cannot read the service account token " + serviceAccount.resolve("token") + ": "
                    + FileErrors.plain(e));
        }
        ConfigBuilder b = new ConfigBuilder(Config.empty())
                .withMasterUrl("https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port)
                .withOauthToken(token);
        Path ca = serviceAccount.resolve("ca.crt");
        if (Files.exists(ca)) {
            b.withCaCertFile(ca.toString());
        }
        return b.build();
    }

    private static Path home(Map<String, String> environment) {
        String home = environment.getOrDefault("HOME", "");
        return Path.of(home.isBlank() ? System.getProperty("user.home") : home);
    }

    private static String firstLine(String text) {
        return text == null ? "unreadable" : text.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst()
                .orElse("unreadable");
    }

    /** No usable configuration: the message is all the user sees. */
    static final class Unusable extends Exception {
        private static final long serialVersionUID = 1L;

        Unusable(String message) {
            super(message, null, false, false);
        }
    }
}
