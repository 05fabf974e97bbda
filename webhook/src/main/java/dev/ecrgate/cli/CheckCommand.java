package dev.ecrgate.cli;

import dev.ecrgate.admission.AdmissionCodec;
import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.admission.BadAdmissionRequestException;
import dev.ecrgate.admission.Subjects;
import dev.ecrgate.cli.check.Checked;
import dev.ecrgate.cli.check.CreateRequest;
import dev.ecrgate.cli.check.Format;
import dev.ecrgate.cli.check.Manifest;
import dev.ecrgate.cli.check.ManifestException;
import dev.ecrgate.cli.check.ManifestReader;
import dev.ecrgate.policy.PolicyLoadException;
import dev.ecrgate.policy.PolicyLoader;
import dev.ecrgate.policy.PolicySet;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ecrgate check}: the webhook's answer for manifests, before they reach a cluster. Each object is decided
 * exactly as the webhook decides its CREATE (the same request shape, policies, facts and texts), so CI fails where
 * {@code kubectl apply} would be refused, with the same message.
 *
 * <p>Exit codes: 0 when every resource is allowed (warnings included), 1 when any is denied, 2 when the input cannot
 * be used (a usage error, a file that cannot be read or parsed, policies or findings that do not load).
 */
@Command(name = "check", mixinStandardHelpOptions = true, usageHelpWidth = 110,
        description = {"Decides on Kubernetes manifests exactly as the webhook would decide their creation, so CI"
                + " gets the webhook's answer before a merge.",
                "",
                "Reads multi-document YAML and JSON, kind: List, directories (recursively: *.yaml, *.yml, *.json)"
                        + " and standard input (-f -). Kinds ecrgate does not check are reported as skipped.",
                "",
                "Exit codes: 0 everything allowed (warnings too), 1 something denied, 2 usage or input error."},
        footer = {"", "Examples:",
                "  Check a directory with the example policies and recorded findings:",
                "    ecrgate check -f k8s/ --policies policies --findings examples/findings",
                "  Check what kustomize renders:",
                "    kubectl kustomize overlays/prod | ecrgate check -f - --namespace team-blue",
                "  Check what a Helm chart renders:",
                "    helm template web charts/web --namespace team-blue | ecrgate check -f - --namespace team-blue"
                        + " --stdin-name charts/web",
                "  A GitHub Actions job (live ECR needs read access; see deploy/iam-policy.json) that shows results"
                        + " inline in pull requests:",
                "    - uses: aws-actions/configure-aws-credentials@v4",
                "      with: {role-to-assume: arn:aws:iam::111122223333:role/ecrgate-ci, aws-region: us-east-1}",
                "    - run: java -jar ecrgate.jar check -f k8s/ --output sarif > ecrgate.sarif",
                "    - uses: github/codeql-action/upload-sarif@v3",
                "      if: always()",
                "      with: {sarif_file: ecrgate.sarif, category: ecrgate}",
                "  A JUnit report for GitLab (artifacts:reports:junit) or Jenkins (junit step):",
                "    ecrgate check -f k8s/ --output junit > ecrgate-junit.xml"})
final class CheckCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The process environment, read once by {@link Main}; empty when a test builds the command itself. */
    private final java.util.Map<String, String> environment;

    CheckCommand() {
        this(java.util.Map.of());
    }

    CheckCommand(java.util.Map<String, String> environment) {
        this.environment = java.util.Map.copyOf(environment);
    }

    @Option(names = {"-f", "--filename"}, required = true, paramLabel = "FILE|DIR|-",
            description = "Manifests to check: a file, a directory (recursively), or - for standard input."
                    + " Repeatable.")
    List<String> files;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", defaultValue = "default",
            description = "Namespace for objects whose manifest names none (default: ${DEFAULT-VALUE}).")
    String namespace;

    @Option(names = "--policies", paramLabel = "DIR", defaultValue = "policies",
            description = "Directory of ImagePolicy YAML files (default: ${DEFAULT-VALUE}).")
    Path policies;

    @Option(names = "--findings", paramLabel = "DIR",
            description = "Directory of recorded AWS CLI output to read image facts from, instead of the live ECR"
                    + " API (which uses the AWS default credentials chain).")
    Path findings;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
            description = "text, json, junit or sarif (default: ${DEFAULT-VALUE}).")
    String output;

    @Option(names = "--deadline", paramLabel = "DURATION", defaultValue = "10s",
            description = "How long one resource's decision may wait for ECR (default: ${DEFAULT-VALUE}).")
    String deadline;

    @Option(names = "--now", paramLabel = "TIME", description = DecisionTime.HELP)
    String decideAt;

    @Option(names = "--stdin-name", paramLabel = "NAME", defaultValue = "stdin",
            description = "The file name reports give to standard input (default: ${DEFAULT-VALUE}).")
    String stdinName;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            return run(spec.commandLine().getOut(), err);
        } catch (InputError e) {
            for (String line : e.getMessage().split("\n")) {
                err.println("ecrgate check: " + line);
            }
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("ecrgate check: interrupted");
            return 2;
        } catch (Exception e) {
            err.println("ecrgate check: " + oneLine(String.valueOf(e.getMessage())));
            return 2;
        } finally {
            err.flush();
        }
    }

    private int run(PrintWriter out, PrintWriter err) throws Exception {
        Format format = format(output);
        Duration wait = duration(deadline);
        Instant now;
        try {
            now = DecisionTime.parse(Optional.ofNullable(decideAt), Instant.now());
        } catch (IllegalArgumentException e) {
            throw new InputError(e.getMessage());
        }
        if (namespace.isBlank()) {
            throw new InputError("--namespace must not be empty");
        }

        List<Manifest> manifests;
        try {
            manifests = new ManifestReader(Path.of("")).read(files, System.in, stdinName);
        } catch (ManifestException e) {
            throw new InputError(e.getMessage());
        }
        PolicySet policySet;
        try {
            policySet = PolicyLoader.loadDirectory(policies);
        } catch (PolicyLoadException e) {
            throw new InputError(e.describe(policies.toString()));
        }

        AdmissionCodec codec = new AdmissionCodec();
        List<String> errors = new ArrayList<>();
        List<Optional<AdmissionSubject>> subjects = new ArrayList<>();
        List<String> namespaces = new ArrayList<>();
        for (Manifest m : manifests) {
            String ns = m.namespace().orElse(namespace);
            namespaces.add(ns);
            try {
                subjects.add(Subjects.of(CreateRequest.of(m, ns, codec.mapper())));
            } catch (IllegalArgumentException | BadAdmissionRequestException e) {
                if (checkedKind(m, ns, codec)) {
                    errors.add(m.file() + ":" + m.line() + ":1: " + m.kind() + " " + ns + "/" + m.name() + ": "
                            + oneLine(e.getMessage()));
                }
                subjects.add(Optional.empty()); // a kind the webhook never sees: its shape is not ours to judge
            }
        }
        if (!errors.isEmpty()) {
            throw new InputError(String.join("\n", errors));
        }

        List<Checked> checked = new ArrayList<>();
        try (Evaluation evaluation = open(wait)) {
            for (int i = 0; i < manifests.size(); i++) {
                Optional<AdmissionSubject> subject = subjects.get(i);
                checked.add(new Checked(manifests.get(i), namespaces.get(i),
                        subject.isPresent() ? Optional.of(evaluation.decide(subject.get(), policySet, now))
                                : Optional.empty()));
            }
        }
        format.write(checked, out);
        out.flush();
        return checked.stream().anyMatch(c -> c.outcome() == Checked.Outcome.DENIED) ? 1 : 0;
    }

    /** Whether the webhook checks {@code m}'s kind at all, asked of the object's identity alone. */
    private static boolean checkedKind(Manifest m, String namespace, AdmissionCodec codec) {
        com.fasterxml.jackson.databind.node.ObjectNode bare = codec.mapper().createObjectNode();
        bare.put("apiVersion", m.apiVersion());
        bare.put("kind", m.kind());
        bare.putObject("metadata").put("name", m.name());
        Manifest identity = new Manifest(m.file(), m.document(), m.item(), bare, m.line(), m.lines());
        try {
            return Subjects.of(CreateRequest.of(identity, namespace, codec.mapper())).isPresent();
        } catch (IllegalArgumentException e) {
            return false;
        } catch (BadAdmissionRequestException e) {
            return true;
        }
    }

    private Evaluation open(Duration wait) throws InputError {
        try {
            return Evaluation.open(Optional.ofNullable(findings), wait, environment);
        } catch (Exception e) {
            throw new InputError(findings == null
                    ? "cannot use the ECR API: " + oneLine(String.valueOf(e.getMessage()))
                    : "cannot read findings from " + findings + ": " + oneLine(String.valueOf(e.getMessage())));
        }
    }

    private static Format format(String name) throws InputError {
        try {
            return Format.valueOf(name.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InputError("unknown --output " + name + ": use text, json, junit or sarif");
        }
    }

    private static Duration duration(String text) throws InputError {
        try {
            Duration d = ServeCommand.Durations.parse(text);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("it must be positive");
            }
            return d;
        } catch (RuntimeException e) {
            throw new InputError("invalid --deadline " + text + ": " + oneLine(String.valueOf(e.getMessage())));
        }
    }

    private static String oneLine(String text) {
        return text.replaceAll("[\\r\\n]+", " ").strip();
    }

    /** An input the command cannot use: the message, one or more lines, is all the user sees. */
    private static final class InputError extends Exception {
        private static final long serialVersionUID = 1L;

        InputError(String message) {
            super(message, null, false, false);
        }
    }
}
