package dev.ecrgate.bench;

import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.admission.ContainerImage;
import dev.ecrgate.admission.ContainerKind;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.ecr.EcrDouble;
import dev.ecrgate.findings.ecr.EcrFacts;
import dev.ecrgate.findings.ecr.EcrSettings;
import dev.ecrgate.image.ImageReference;
import dev.ecrgate.policy.Decider;
import dev.ecrgate.policy.Decision;
import dev.ecrgate.policy.PolicyLoader;
import dev.ecrgate.policy.PolicySet;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The cold path: one admission with N containers of N images ecrgate has never seen, each a tag in its own
 * repository, against the ECR double answering every call after 50 ms. Reports the ECR calls made and the time to
 * decide. One DescribeImages per repository and one DescribeImageScanFindings per digest are the least possible;
 * with the calls in parallel, the time should be about two round trips (tag, then scan), not N.
 *
 * <p>{@code java -cp bench.jar dev.ecrgate.bench.ColdPath N}
 */
public final class ColdPath {
    private ColdPath() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        String account = "111122223333";
        String host = account + ".dkr.ecr.us-east-1.amazonaws.com";
        try (EcrDouble ecr = EcrDouble.start()) {
            List<ContainerImage> images = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String repo = "team-blue/cold-" + i;
                String digest = "sha256:" + String.format("%064x", i + 1);
                ecr.repository(account, repo, "MUTABLE");
                ecr.image(account, repo, digest, "1.0." + i);
                ecr.scan(account, repo, digest, "ACTIVE", Instant.now(), List.of(),
                        List.of(EcrDouble.EnhancedFinding.fixed("CVE-2026-" + (1000 + i), "HIGH", "libfoo", "1.0",
                                "1.1")));
                images.add(new ContainerImage(ContainerKind.CONTAINER, "c" + i, host + "/" + repo + ":1.0." + i,
                        false));
            }
            ecr.latency(Duration.ofMillis(Long.getLong("latency", 50)));
            Path root = Path.of("").toAbsolutePath();
            while (!root.resolve("policies").toFile().isDirectory()) {
                root = root.getParent();
            }
            PolicySet policies = PolicyLoader.loadDirectory(root.resolve("policies"));
            AdmissionSubject subject = new AdmissionSubject("cold", "Pod", "team-blue", "cold", "CREATE", false,
                    images);
            try (EcrFacts facts = EcrFacts.create(EcrSettings.defaults().withRateLimit(1000)
                            .withEndpoint(Optional.of(ecr.endpoint())),
                    StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDBENCH", "secret")),
                    System::nanoTime)) {
                // the SDK and its connections warm up on another image first, as a running server's would be
                warm(facts, host, ecr, account);
                int before = ecr.calls().size();
                long start = System.nanoTime();
                Decider.Plan plan = Decider.plan(subject, policies, Instant.now());
                Map<ImageReference, CompletionStage<ImageFacts>> stages = facts.factsAll(plan.lookups());
                Map<ImageReference, ImageFacts> got = new HashMap<>();
                for (var e : stages.entrySet()) {
                    got.put(e.getKey(), e.getValue().toCompletableFuture().get(30, TimeUnit.SECONDS));
                }
                Decision decision = Decider.decide(plan, got);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                int calls = ecr.calls().size() - before;
                if (System.getenv("COLD_TRACE") != null) {
                    Instant t0 = ecr.calls().get(before).receivedAt();
                    ecr.calls().subList(before, ecr.calls().size()).forEach(c -> System.out.println("  "
                            + c.operation() + " +" + Duration.between(t0, c.receivedAt()).toMillis() + " ms"));
                }
                System.out.println("COLD images=" + n + " ecr_calls=" + calls + " decide_ms=" + ms
                        + " round_trip_ms=50 allowed=" + decision.allowed());
            }
        }
    }

    /** A few lookups like the measured ones, so that the SDK's classes and connections are warm, as in a server. */
    private static void warm(EcrFacts facts, String host, EcrDouble ecr, String account) throws Exception {
        for (int i = 0; i < 50; i++) {
            String repo = "team-blue/warm-" + i;
            String digest = "sha256:" + String.format("%064x", 100_000 + i);
            ecr.repository(account, repo, "MUTABLE");
            ecr.image(account, repo, digest, "1");
            ecr.scan(account, repo, digest, "ACTIVE", Instant.now(), List.of(),
                    List.of(EcrDouble.EnhancedFinding.fixed("CVE-2026-0001", "HIGH", "libfoo", "1.0", "1.1")));
            facts.facts(ImageReference.parse(host + "/" + repo + ":1"), dev.ecrgate.findings.FactNeeds.ALL)
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
