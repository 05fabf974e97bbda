package dev.ecrgate.cli;

import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.admission.ContainerImage;
import dev.ecrgate.admission.ContainerKind;
import dev.ecrgate.findings.FactNeeds;
import dev.ecrgate.findings.Finding;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.ScanResult;
import dev.ecrgate.findings.Severity;
import dev.ecrgate.image.ImageReference;
import dev.ecrgate.image.InvalidImageReferenceException;
import dev.ecrgate.policy.Decision;
import dev.ecrgate.policy.Effect;
import dev.ecrgate.policy.ImagePolicy;
import dev.ecrgate.policy.PolicyLoadException;
import dev.ecrgate.policy.PolicyLoader;
import dev.ecrgate.policy.PolicySet;
import dev.ecrgate.policy.Violation;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ecrgate explain}: what ecrgate knows and concludes about one image. */
@Command(name = "explain", mixinStandardHelpOptions = true, usageHelpWidth = 110,
        description = {"Shows what ecrgate knows and concludes about one image: the parsed reference, the repository's"
                + " tag mutability, the digest, the scan (status, age, counts, worst findings), and what each policy"
                + " that applies in the namespace says about it.", "",
                "Exit code: 0 when the image would be admitted, 1 when it would be denied, 2 on usage errors."},
        footer = {"", "Examples:",
                "  ecrgate explain 111122223333.dkr.ecr.us-east-1.amazonaws.com/team-blue/web:1.0.0 --namespace team-blue",
                "  ecrgate explain nginx --namespace prod-payments --findings examples/findings"})
final class ExplainCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The process environment, read once by {@link Main}; empty when a test builds the command itself. */
    private final java.util.Map<String, String> environment;

    ExplainCommand() {
        this(java.util.Map.of());
    }

    ExplainCommand(java.util.Map<String, String> environment) {
        this.environment = java.util.Map.copyOf(environment);
    }

    @Parameters(paramLabel = "IMAGE", description = "An image reference as written in a pod spec.")
    String image;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", defaultValue = "default",
            description = "The namespace the image would run in (default: ${DEFAULT-VALUE}).")
    String namespace;

    @Option(names = "--policies", paramLabel = "DIR", defaultValue = "policies",
            description = "The policies directory (default: ${DEFAULT-VALUE}).")
    Path policies;

    @Option(names = "--findings", paramLabel = "DIR",
            description = "Recorded AWS CLI output; without it, the live ECR API with the AWS default credentials.")
    Path findings;

    @Option(names = "--deadline", paramLabel = "DURATION", defaultValue = "10s",
            description = "How long to wait for ECR (default: ${DEFAULT-VALUE}).")
    String deadline;

    @Option(names = "--now", paramLabel = "TIME", description = DecisionTime.HELP)
    String decideAt;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ImageReference ref;
        try {
            ref = ImageReference.parse(image);
        } catch (InvalidImageReferenceException e) {
            err.println("ecrgate explain: " + e.getMessage());
            return 2;
        }
        PolicySet set;
        try {
            set = PolicyLoader.loadDirectory(policies);
        } catch (PolicyLoadException e) {
            err.println("ecrgate explain: " + e.describe(policies.toString()));
            return 2;
        }
        Duration wait = ServeCommand.Durations.parse(deadline);
        Instant now;
        try {
            now = DecisionTime.parse(Optional.ofNullable(decideAt), Instant.now());
        } catch (IllegalArgumentException e) {
            err.println("ecrgate explain: " + e.getMessage());
            return 2;
        }
        out.println("image       " + ref.original());
        out.println("reference   " + ref.canonical() + "  (registry " + ref.domain() + ", repository " + ref.path()
                + ref.tag().map(t -> ", tag " + t).orElse("") + ref.digest().map(d -> ", digest " + d).orElse("")
                + ")");
        if (ref.ecr().isPresent()) {
            var r = ref.ecr().get();
            out.println("registry    private ECR, account " + r.account() + ", region " + r.region()
                    + (r.fips() ? ", FIPS" : "") + (r.dualStack() ? ", dual-stack" : ""));
        } else {
            out.println("registry    not a private ECR registry: only registry and tag rules apply");
        }
        try (Evaluation evaluation = Evaluation.open(Optional.ofNullable(findings), wait, environment)) {
            if (ref.ecr().isPresent()) {
                ImageFacts facts = evaluation.source().facts(ref, FactNeeds.ALL).toCompletableFuture()
                        .get(wait.toMillis(), TimeUnit.MILLISECONDS);
                describe(out, facts, now);
            }
            List<ImagePolicy> applicable = set.policies().stream().filter(p -> p.appliesTo(namespace)).toList();
            out.println();
            out.println("policies in namespace " + namespace + ": " + (applicable.isEmpty() ? "none"
                    : applicable.stream().map(p -> p.name() + " (" + p.mode().name().toLowerCase() + ")")
                    .collect(Collectors.joining(", "))));
            AdmissionSubject subject = new AdmissionSubject("explain", "Pod", namespace, "explain", "CREATE", false,
                    List.of(new ContainerImage(ContainerKind.CONTAINER, "explain", image, false)));
            Decision decision = evaluation.decide(subject, set, now);
            for (ImagePolicy p : applicable) {
                List<Violation> own = decision.violations().stream().filter(v -> v.policy().equals(p.name())).toList();
                boolean exempt = decision.exemptions().stream().anyMatch(e -> e.startsWith(p.name() + ": "));
                if (exempt) {
                    out.println("  " + p.name() + ": exempt (" + decision.exemptions().stream()
                            .filter(e -> e.startsWith(p.name() + ": ")).findFirst().orElse("") + ")");
                } else if (own.isEmpty()) {
                    out.println("  " + p.name() + ": allows it");
                }
                for (Violation v : own) {
                    String verb = switch (v.effect()) {
                        case DENY -> "denies";
                        case WARN -> "warns";
                        case AUDIT -> "records (audit)";
                    };
                    out.println("  " + p.name() + ": " + verb + ": " + v.rule().field() + ": " + v.detail());
                }
            }
            decision.violations().stream().filter(v -> v.policy().equals("ecrgate"))
                    .forEach(v -> out.println("  " + v.detail()));
            out.println();
            boolean warned = decision.violations().stream().anyMatch(v -> v.effect() == Effect.WARN);
            out.println("verdict     " + (decision.allowed() ? (warned ? "allowed, with warnings" : "allowed")
                    : "denied"));
            return decision.allowed() ? 0 : 1;
        }
    }

    private static void describe(PrintWriter out, ImageFacts facts, Instant now) {
        facts.repository().ifPresentOrElse(r -> out.println("tags        " + r.describe()),
                () -> out.println("tags        mutability unknown" + facts.repositoryFailure().map(f -> " (" + f + ")")
                        .orElse("")));
        out.println("digest      " + facts.digest().orElse("unknown") + (facts.isIndex() ? " (image index)" : ""));
        if (facts.scanFailure().isPresent()) {
            out.println("scan        could not be read: " + facts.scanFailure().get());
            return;
        }
        facts.stale().ifPresent(s -> out.println("stale       " + s));
        if (facts.isIndex()) {
            // each platform image has its own scan, judged by the policies' vulnerabilities.platforms
            for (dev.ecrgate.findings.PlatformImage p : facts.platforms()) {
                out.println("platform    " + p.platform() + "  " + p.digest());
                if (p.scanFailure().isPresent()) {
                    out.println("  scan      could not be read: " + p.scanFailure().get());
                } else {
                    scan(out, p.scan(), now, "  ");
                }
            }
            return;
        }
        scan(out, facts.scan(), now, "");
    }

    private static void scan(PrintWriter out, ScanResult scan, Instant now, String indent) {
        String scanLabel = indent.isEmpty() ? "scan        " : indent + "scan      ";
        String countsLabel = indent.isEmpty() ? "counts      " : indent + "counts    ";
        out.println(scanLabel + scan.status() + scan.completedAt().map(t -> ", completed " + t + " ("
                + Duration.between(t, now).toDays() + " days ago)").orElse("")
                + scan.description().filter(d -> !d.isBlank()).map(d -> ": " + d).orElse(""));
        if (!scan.severityCounts().isEmpty()) {
            out.println(countsLabel + scan.severityCounts().entrySet().stream()
                    .sorted(java.util.Map.Entry.<Severity, Integer>comparingByKey().reversed())
                    .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
        }
        scan.findings().ifPresent(list -> {
            List<Finding> worst = list.stream().sorted(Comparator.comparing(Finding::severity).reversed()
                    .thenComparing(Finding::id)).limit(5).toList();
            for (Finding f : worst) {
                out.println(indent + "  " + f.id() + " " + f.severity() + " " + f.packageName() + " " + f.packageVersion()
                        + f.fixedInVersion().map(v -> ", fixed in " + v).orElse(""));
            }
            if (list.size() > worst.size()) {
                out.println(indent + "  ... and " + (list.size() - worst.size()) + " more findings");
            }
        });
    }
}
