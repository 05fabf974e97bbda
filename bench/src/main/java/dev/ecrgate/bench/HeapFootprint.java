package dev.ecrgate.bench;

import dev.ecrgate.findings.FactNeeds;
import dev.ecrgate.findings.ecr.EcrDouble;
import dev.ecrgate.findings.ecr.EcrFacts;
import dev.ecrgate.findings.ecr.EcrSettings;
import dev.ecrgate.image.ImageReference;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Heap held per cached image result: fills the live source's cache with N scans (digests asked directly, each
 * with a few findings, as real scans of maintained images have) through the ECR double, then compares the live
 * heap after a full GC with the heap before, as the class histogram of {@code jcmd GC.class_histogram} counts it.
 *
 * <p>{@code java -cp bench.jar dev.ecrgate.bench.HeapFootprint N [FINDINGS_PER_IMAGE]}
 */
public final class HeapFootprint {
    private HeapFootprint() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int findings = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String account = "111122223333";
        String host = account + ".dkr.ecr.us-east-1.amazonaws.com";
        try (EcrDouble ecr = EcrDouble.start()) {
            ecr.repository(account, "team-blue/heap", "MUTABLE");
            List<EcrDouble.EnhancedFinding> list = new ArrayList<>();
            for (int f = 0; f < findings; f++) {
                list.add(EcrDouble.EnhancedFinding.fixed("CVE-2026-" + (10000 + f), f == 0 ? "HIGH" : "MEDIUM",
                        "package-" + f, "1.2." + f, "1.3." + f));
            }
            List<String> digests = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String digest = "sha256:" + String.format("%064x", i + 1);
                digests.add(digest);
                ecr.image(account, "team-blue/heap", digest);
                ecr.scan(account, "team-blue/heap", digest, "ACTIVE", Instant.now(), List.of(), list);
            }
            try (EcrFacts facts = EcrFacts.create(EcrSettings.defaults().withRateLimit(1_000_000)
                            .withEndpoint(Optional.of(ecr.endpoint())),
                    StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDBENCH", "secret")),
                    System::nanoTime)) {
                facts.facts(ImageReference.parse(host + "/team-blue/heap@" + digests.get(0)), FactNeeds.ALL)
                        .toCompletableFuture().get(30, TimeUnit.SECONDS);
                long before = liveHeap();
                List<CompletableFuture<?>> inFlight = new ArrayList<>();
                for (int i = 1; i < n; i++) {
                    inFlight.add(facts.facts(ImageReference.parse(host + "/team-blue/heap@" + digests.get(i)),
                            new FactNeeds(true, false)).toCompletableFuture());
                    if (inFlight.size() == 64) {
                        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                        inFlight.clear();
                    }
                }
                CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                ecr.reset(); // the double's own records are not ecrgate's heap
                long after = liveHeap();
                long entries = facts.cachedEntries();
                long perEntry = (after - before) / Math.max(1, n - 1);
                System.out.println("HEAP entries=" + entries + " findings_per_image=" + findings
                        + " bytes_per_entry=" + perEntry + " total_mb=" + (after - before) / (1024 * 1024));
            }
        }
    }

    /** The live heap after a full collection, from the class histogram's total (what jcmd GC.class_histogram shows). */
    private static long liveHeap() throws Exception {
        var diagnostic = ManagementFactory.getPlatformMBeanServer();
        var name = new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand");
        String histogram = (String) diagnostic.invoke(name, "gcClassHistogram", new Object[] {new String[0]},
                new String[] {String[].class.getName()});
        String total = histogram.lines().filter(l -> l.startsWith("Total")).findFirst().orElseThrow();
        String[] parts = total.trim().split("\\s+");
        return Long.parseLong(parts[2]);
    }
}
