package dev.ecrgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric8.kubernetes.client.Config;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Where {@code ecrgate audit} finds its cluster: the flag, then KUBECONFIG, then ~/.kube/config, then the service
 * account, all from the environment {@link Main} passes down; and the one line it says when none can be used.
 */
class KubeconfigTest {
    @TempDir
    static Path dir;
    static Path flag;
    static Path fromEnvironment;
    static Path home;
    static Path serviceAccount;

    static String kubeconfig(String server, String... more) {
        StringBuilder contexts = new StringBuilder("contexts:\n- name: main\n  context: {cluster: c, user: u}\n");
        for (String name : more) {
            contexts.append("- name: ").append(name).append("\n  context: {cluster: other, user: u}\n");
        }
        return "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"" + server + "\"}\n"
                + "- name: other\n  cluster: {server: \"https://other.example:6443\"}\n"
                + "users:\n- name: u\n  user: {token: abc}\n" + contexts + "current-context: main\n";
    }

    @BeforeEach
    void files() throws Exception {
        flag = Files.writeString(dir.resolve("flag.yaml"), kubeconfig("https://flag.example:6443", "prod"));
        fromEnvironment = Files.writeString(dir.resolve("env.yaml"), kubeconfig("https://env.example:6443"));
        home = Files.createDirectories(dir.resolve("home"));
        Files.createDirectories(home.resolve(".kube"));
        Files.writeString(home.resolve(".kube/config"), kubeconfig("https://home.example:6443"));
        serviceAccount = Files.createDirectories(dir.resolve("serviceaccount"));
        Files.writeString(serviceAccount.resolve("token"), "token-of-the-pod\n");
    }

    static Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    static Stream<Arguments> sources() {
        return Stream.of(
                Arguments.of("--kubeconfig wins over everything", true, Optional.empty(),
                        env("KUBECONFIG", "ENV", "HOME", "HOME", "KUBERNETES_SERVICE_HOST", "10.0.0.1"),
                        "https://flag.example:6443/"),
                Arguments.of("--context chooses a context of the file", true, Optional.of("prod"), env(),
                        "https://other.example:6443/"),
                Arguments.of("KUBECONFIG comes next", false, Optional.empty(), env("KUBECONFIG", "ENV", "HOME", "HOME"),
                        "https://env.example:6443/"),
                Arguments.of("KUBECONFIG naming several files uses the first that exists", false, Optional.empty(),
                        env("KUBECONFIG", "MISSING" + File.pathSeparator + "ENV", "HOME", "HOME"),
                        "https://env.example:6443/"),
                Arguments.of("then ~/.kube/config", false, Optional.empty(),
                        env("HOME", "HOME", "KUBERNETES_SERVICE_HOST", "10.0.0.1"), "https://home.example:6443/"),
                Arguments.of("then the pod's service account", false, Optional.empty(),
                        env("HOME", "NOWHERE", "KUBERNETES_SERVICE_HOST", "10.0.0.1", "KUBERNETES_SERVICE_PORT", "443"),
                        "https://10.0.0.1:443/"),
                Arguments.of("an IPv6 service host is bracketed", false, Optional.empty(),
                        env("HOME", "NOWHERE", "KUBERNETES_SERVICE_HOST", "fd00::1", "KUBERNETES_SERVICE_PORT", "443"),
                        "https://[fd00::1]:443/"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sources")
    void theClusterComesFromTheFirstSourceThatIsThere(String name, boolean withFlag, Optional<String> context,
                                                      Map<String, String> env, String server) throws Exception {
        Config config = Kubeconfig.resolve(withFlag ? Optional.of(flag) : Optional.empty(), context, paths(env),
                serviceAccount);
        assertEquals(server, config.getMasterUrl());
        assertEquals(0, config.getRequestRetryBackoffLimit(), "a command line does not retry");
        assertEquals(10_000, config.getConnectionTimeout());
    }

    @Test
    void theServiceAccountsTokenIsTheCredential() throws Exception {
        Config config = Kubeconfig.resolve(Optional.empty(), Optional.empty(),
                paths(env("HOME", "NOWHERE", "KUBERNETES_SERVICE_HOST", "10.0.0.1")), serviceAccount);
        assertEquals("token-of-the-pod", config.getOauthToken());
    }

    static Stream<Arguments> unusable() {
        return Stream.of(
                Arguments.of("a --kubeconfig that does not exist", Optional.of("MISSING"), Optional.empty(), env(),
                        "cannot read kubeconfig MISSING: no such file or directory"),
                Arguments.of("a --kubeconfig that is a directory", Optional.of("HOME"), Optional.empty(), env(),
                        "cannot read kubeconfig HOME: is a directory"),
                Arguments.of("a file that is no kubeconfig", Optional.of("GARBAGE"), Optional.empty(), env(),
                        "kubeconfig GARBAGE is not a kubeconfig: "),
                Arguments.of("a --context the file does not have", Optional.of("FLAG"), Optional.of("staging"), env(),
                        "kubeconfig FLAG has no context \"staging\" (it has \"main\", \"prod\")"),
                Arguments.of("KUBECONFIG naming no file that exists", Optional.empty(), Optional.empty(),
                        env("KUBECONFIG", "MISSING"), "no file that KUBECONFIG names exists: MISSING"),
                Arguments.of("nothing at all", Optional.empty(), Optional.empty(), env("HOME", "NOWHERE"),
                        "no cluster to read: give --kubeconfig FILE, set KUBECONFIG, create ~/.kube/config, or run"
                                + " in a pod with a service account"),
                Arguments.of("--context in a pod", Optional.empty(), Optional.of("main"),
                        env("HOME", "NOWHERE", "KUBERNETES_SERVICE_HOST", "10.0.0.1"),
                        "--context needs a kubeconfig; in the pod there is only its service account"));
    }

    @ParameterizedTest(name = "{0} is one line that says so")
    @MethodSource("unusable")
    void anUnusableConfigurationIsOneLine(String name, Optional<String> file, Optional<String> context,
                                          Map<String, String> env, String message) throws Exception {
        Files.writeString(dir.resolve("garbage.yaml"), "clusters: [\n");
        Optional<Path> path = file.map(f -> Path.of(path(f)));
        Kubeconfig.Unusable e = assertThrows(Kubeconfig.Unusable.class,
                () -> Kubeconfig.resolve(path, context, paths(env), serviceAccount));
        String expected = path(message);
        if (expected.endsWith(": ")) {
            assertEquals(expected, e.getMessage().substring(0, Math.min(expected.length(), e.getMessage().length())));
        } else {
            assertEquals(expected, e.getMessage());
        }
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    /** The environment with the placeholders for this test's files replaced by their paths. */
    static Map<String, String> paths(Map<String, String> env) {
        Map<String, String> out = new HashMap<>();
        env.forEach((k, v) -> out.put(k, path(v)));
        return out;
    }

    static String path(String text) {
        return text.replace("MISSING", dir.resolve("missing.yaml").toString())
                .replace("NOWHERE", dir.resolve("nowhere").toString())
                .replace("GARBAGE", dir.resolve("garbage.yaml").toString())
                .replace("FLAG", flag.toString()).replace("ENV", fromEnvironment.toString())
                .replace("HOME", home.toString());
    }
}
