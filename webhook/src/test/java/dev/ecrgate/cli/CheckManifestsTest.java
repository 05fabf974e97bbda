package dev.ecrgate.cli;

import static dev.ecrgate.cli.CheckRun.check;
import static dev.ecrgate.cli.CheckRun.withStdin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** How {@code ecrgate check} reads manifests: the shapes kubectl, kustomize and helm produce. */
class CheckManifestsTest {
    private static final String API = "111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/api:1.4.2";

    record Input(String description, String stdin, List<String> expected) {
        @Override
        public String toString() {
            return description;
        }
    }

    static Stream<Input> inputs() {
        return Stream.of(
                new Input("a stream of JSON objects", """
                        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "team-blue"},
                         "spec": {"containers": [{"name": "a", "image": "%s"}]}}
                        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "team-blue"}}
                        """.formatted(API), List.of("Pod team-blue/a allowed 1", "Secret team-blue/s skipped 2")),
                new Input("YAML anchors and aliases, expanded as kubectl expands them", """
                        apiVersion: batch/v1
                        kind: Job
                        metadata: {name: migrate, namespace: team-blue}
                        spec:
                          template:
                            spec:
                              restartPolicy: Never
                              initContainers:
                                - &app {name: wait, image: "nginx:latest"}
                              containers:
                                - *app
                        """, List.of("Job team-blue/migrate denied 1")),
                new Input("a List with no items", "apiVersion: v1\nkind: List\nitems: []\n", List.of()),
                new Input("a DeploymentList, as kubectl get -o yaml prints one kind", """
                        apiVersion: apps/v1
                        kind: DeploymentList
                        items:
                          - apiVersion: apps/v1
                            kind: Deployment
                            metadata: {name: d, namespace: team-blue}
                            spec:
                              selector: {matchLabels: {app: d}}
                              template:
                                metadata: {labels: {app: d}}
                                spec: {containers: [{name: d, image: "%s"}]}
                        """.formatted(API), List.of("Deployment team-blue/d allowed 1")),
                new Input("a kind ecrgate does not check with a field it would not understand", """
                        apiVersion: example.com/v1
                        kind: Widget
                        metadata: {name: w}
                        spec: {containers: 7}
                        """, List.of("Widget default/w skipped 1")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inputs")
    void readsWhatKubectlReads(Input input) throws Exception {
        CheckRun run = withStdin(input.stdin(), "-f", "-", "--output", "json");
        List<String> got = new ArrayList<>();
        for (JsonNode r : new ObjectMapper().readTree(run.out()).get("resources")) {
            got.add(r.get("kind").asText() + " " + r.get("namespace").asText() + "/" + r.get("name").asText() + " "
                    + r.get("decision").asText().replace("allowed-with-warnings", "warned") + " "
                    + r.get("document").asInt());
        }
        assertEquals(input.expected(), got, run::toString);
    }

    @Test
    void aDirectoryIsWalkedForYamlYmlAndJsonLeavingOutHiddenNamesAndOtherFiles(@TempDir Path dir) throws Exception {
        String pod = "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"%s\", \"namespace\":"
                + " \"team-blue\"}, \"spec\": {\"containers\": [{\"name\": \"c\", \"image\": \"" + API + "\"}]}}";
        Files.createDirectories(dir.resolve("b/nested"));
        Files.createDirectories(dir.resolve(".git"));
        Files.writeString(dir.resolve("b/nested/c.yml"), pod.formatted("c"));
        Files.writeString(dir.resolve("b/a.json"), pod.formatted("a"));
        Files.writeString(dir.resolve("z.yaml"), pod.formatted("z"));
        Files.writeString(dir.resolve("README.md"), "not a manifest");
        Files.writeString(dir.resolve(".hidden.yaml"), pod.formatted("hidden"));
        Files.writeString(dir.resolve(".git/config.yaml"), pod.formatted("git"));
        CheckRun run = check("-f", dir.toString());
        assertEquals(0, run.exit(), run::toString);
        assertEquals(List.of("Pod team-blue/a", "Pod team-blue/c", "Pod team-blue/z"),
                CheckCommandTest.headers(run.out()).stream().map(h -> h.substring(0, h.indexOf(':'))).toList());
    }

    @Test
    void anAliasBombIsRefusedNotExpanded() {
        StringBuilder yaml = new StringBuilder("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n");
        yaml.append("  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 9; i++) {
            yaml.append("  a").append(i).append(": &a").append(i).append(" [");
            for (int j = 0; j < 10; j++) {
                yaml.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
            }
            yaml.append("]\n");
        }
        CheckRun run = withStdin(yaml.toString(), "-f", "-");
        assertEquals(2, run.exit(), run::toString);
        assertTrue(run.err().startsWith("ecrgate check: stdin:"), run::toString);
    }
}
