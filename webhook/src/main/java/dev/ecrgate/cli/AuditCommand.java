package dev.ecrgate.cli;

import dev.ecrgate.audit.AuditNamespaces;
import dev.ecrgate.audit.AuditedReport;
import dev.ecrgate.audit.Owners;
import dev.ecrgate.audit.Workload;
import dev.ecrgate.policy.PolicyLoadException;
import dev.ecrgate.policy.PolicyLoader;
import dev.ecrgate.policy.PolicySet;
import dev.ecrgate.text.OutsideText;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ecrgate audit}: the background audit, once, for a person. It lists the cluster's Pods and workloads (no
 * informers, no watch), finds each running image's owner and decides every owner exactly as {@code serve --audit}
 * does (the same namespaces, the admission decision without UPDATE grace, one lookup of all facts), and prints the
 * results. It never writes to the cluster.
 *
 * <p>Exit codes: 0 when no result fails or errs (warnings and skips included), 1 when any fails or errs (a rule
 * that could not be checked), 2 when there is no answer: a usage error, or a kubeconfig, cluster, policies or
 * findings that cannot be used.
 */
@Command(name = "audit", mixinStandardHelpOptions = true, usageHelpWidth = 110,
        description = {"Decides once on what a cluster runs now, as the background audit (serve --audit) does:"
                + " every Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob and"
                + " ReplicationController, each image under its top owner, with the admission decision and no"
                + " UPDATE grace. Prints one row per owner, container image, policy and rule. Reads the cluster"
                + " (list and get only); writes nothing.",
                "",
                "Exit codes: 0 nothing fails (warnings too), 1 something fails or could not be checked, 2 usage error"
                        + " or no answer (kubeconfig, cluster, policies or findings unusable)."},
        footer = {"", "Examples:",
                "  Audit the cluster of the current kubeconfig context with the live ECR API:",
                "    ecrgate audit --policies policies",
                "  One namespace of another context, with every passing policy on its own row:",
                "    ecrgate audit --context prod -n team-blue -v",
                "  Against recorded findings, as JSON (the results as the audit's Reports hold them):",
                "    ecrgate audit --kubeconfig kind.yaml --findings examples/findings -o json"})
final class AuditCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The process environment, read once by {@link Main}; empty when a test builds the command itself. */
    private final Map<String, String> environment;

    AuditCommand() {
        this(Map.of());
    }

    AuditCommand(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "The kubeconfig file (default: KUBECONFIG, else ~/.kube/config, else the pod's service"
                    + " account).")
    Path kubeconfig;

    @Option(names = "--context", paramLabel = "NAME",
            description = "The kubeconfig context to use (default: its current-context).")
    String context;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS",
            description = "Audit only this namespace.")
    String namespace;

    @Option(names = {"-A", "--all-namespaces"},
            description = "Audit every namespace (the default).")
    boolean allNamespaces;

    @Option(names = "--skip-namespaces", paramLabel = "NS", split = ",",
            defaultValue = "kube-system,kube-node-lease,ecrgate",
            description = "Namespaces never audited, besides those labelled ecrgate.dev/ignore=true: serve's"
                    + " --audit-skip-namespaces and ecrgate's own namespace (default: ${DEFAULT-VALUE}).")
    List<String> skipNamespaces;

    @Option(names = "--policies", paramLabel = "DIR", defaultValue = "policies",
            description = "Directory of ImagePolicy YAML files (default: ${DEFAULT-VALUE}).")
    Path policies;

    @Option(names = "--findings", paramLabel = "DIR",
            description = "Directory of recorded AWS CLI output to read image facts from, instead of the live ECR"
                    + " API (which uses the AWS default credentials chain).")
    Path findings;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
            description = "text or json (default: ${DEFAULT-VALUE}).")
    String output;

    @Option(names = {"-v", "--verbose"},
            description = "Show every passing policy on its own row (by default an image's passes share one).")
    boolean verbose;

    @Option(names = "--deadline", paramLabel = "DURATION", defaultValue = "3s",
            description = "How long the lookup of every image's facts may wait for ECR, as one audit run does"
                    + " (default: ${DEFAULT-VALUE}).")
    String deadline;

    @Option(names = "--now", paramLabel = "TIME", description = DecisionTime.HELP)
    String decideAt;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            return run(spec.commandLine().getOut(), err);
        } catch (NoAnswer e) {
            err.println("ecrgate audit: " + e.getMessage());
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("ecrgate audit: interrupted");
            return 2;
        } finally {
            err.flush();
        }
    }

    private int run(PrintWriter out, PrintWriter err) throws NoAnswer, InterruptedException {
        boolean json = switch (output.strip().toLowerCase(Locale.ROOT)) {
            case "text" -> false;
            case "json" -> true;
            default -> throw new NoAnswer("unknown --output " + OutsideText.shown(output) + ": use text or json");
        };
        Duration wait = deadline(deadline);
        Instant now;
        try {
            now = DecisionTime.parse(Optional.ofNullable(decideAt), Instant.now());
        } catch (IllegalArgumentException e) {
            throw new NoAnswer(e.getMessage());
        }
        if (namespace != null && allNamespaces) {
            throw new NoAnswer("--namespace and --all-namespaces exclude each other");
        }
        if (namespace != null && namespace.isBlank()) {
            throw new NoAnswer("--namespace must not be empty");
        }
        Optional<String> only = Optional.ofNullable(namespace).map(String::strip);
        Set<String> skipped = new LinkedHashSet<>();
        for (String n : skipNamespaces == null ? List.<String>of() : skipNamespaces) {
            if (!n.isBlank()) {
                skipped.add(n.strip());
            }
        }
        PolicySet policySet;
        try {
            policySet = PolicyLoader.loadDirectory(policies);
        } catch (PolicyLoadException e) {
            throw new NoAnswer(e.describe(policies.toString()));
        }
        Config config;
        try {
            config = Kubeconfig.resolve(Optional.ofNullable(kubeconfig), Optional.ofNullable(context), environment);
        } catch (Kubeconfig.Unusable e) {
            throw new NoAnswer(e.getMessage());
        }

        List<AuditedReport> reports;
        try (Evaluation evaluation = open(wait)) {
            ClusterSnapshot cluster;
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
                cluster = ClusterSnapshot.read(client, only, note -> err.println("ecrgate audit: " + note));
            } catch (ClusterSnapshot.Unreadable e) {
                throw new NoAnswer(e.getMessage());
            }
            AuditNamespaces audited = new AuditNamespaces(skipped, cluster.ignored());
            only.filter(n -> !audited.test(n)).ifPresent(n -> err.println("ecrgate audit: namespace "
                    + OutsideText.quoted(n) + " is not audited: " + (skipped.contains(n) ? "--skip-namespaces names it"
                    : "it is labelled " + AuditNamespaces.IGNORE_LABEL + "=true")));
            List<Workload> workloads = cluster.workloads();
            List<Owners.Owned> owned = Owners.of(workloads, audited);
            reports = evaluation.audit(owned, policySet, now);
        } catch (NoAnswer | InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new NoAnswer(String.valueOf(e.getMessage()).replaceAll("[\\r\\n]+", " ").strip());
        }
        out.print(json ? AuditTable.json(reports, now) : AuditTable.text(reports, verbose));
        out.flush();
        // a rule that could not be checked (ECR had no answer) is no pass: a gate must not go green on an outage
        return reports.stream().anyMatch(r -> r.failing() || r.summary().get(AuditedReport.Verdict.ERROR) > 0)
                ? 1 : 0;
    }

    private Evaluation open(Duration wait) throws NoAnswer {
        try {
            return Evaluation.open(Optional.ofNullable(findings), wait, environment);
        } catch (Exception e) {
            String why = String.valueOf(e.getMessage()).replaceAll("[\\r\\n]+", " ").strip();
            throw new NoAnswer(findings == null ? "cannot use the ECR API: " + why
                    : "cannot read findings from " + findings + ": " + why);
        }
    }

    private static Duration deadline(String text) throws NoAnswer {
        try {
            Duration d = ServeCommand.Durations.parse(text);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("it must be positive");
            }
            return d;
        } catch (RuntimeException e) {
            throw new NoAnswer("invalid --deadline " + OutsideText.shown(text) + ": " + e.getMessage());
        }
    }

    /** The command has no answer to give: the message, one line, is all the user sees. */
    private static final class NoAnswer extends Exception {
        private static final long serialVersionUID = 1L;

        NoAnswer(String message) {
            super(message, null, false, false);
        }
    }
}
