package dev.ecrgate.server;

import dev.ecrgate.admission.AdmissionCodec;
import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.admission.BadAdmissionRequestException;
import dev.ecrgate.findings.FixAvailable;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.RepositoryFacts;
import dev.ecrgate.findings.ScanResult;
import dev.ecrgate.findings.ScanStatus;
import dev.ecrgate.findings.Severity;
import dev.ecrgate.findings.TagMutability;
import dev.ecrgate.image.ImageReference;
import dev.ecrgate.policy.Decider;
import dev.ecrgate.policy.DecisionText;
import dev.ecrgate.policy.PolicySet;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs the decision path on a built-in AdmissionReview before the server reports ready, so that the first real
 * admission does not pay for class loading and interpretation. Uses synthetic facts: it never calls ECR and never
 * writes a decision log line. Blocking; run it on a worker thread.
 */
public final class Warmup {
    private Warmup() {
    }

    /** Decides the built-in review {@code rounds} times against {@code policies}; returns the last answer's size. */
    public static int run(AdmissionCodec codec, PolicySet policies, Instant now, int rounds) {
        byte[] body = sample();
        dev.ecrgate.admission.ReviewReader reader = new dev.ecrgate.admission.ReviewReader(codec);
        int size = 0;
        for (int i = 0; i < rounds; i++) {
            try {
                var review = reader.read(body);
                AdmissionSubject subject = review.subject().orElseThrow();
                Decider.Plan plan = Decider.plan(subject, policies, now);
                Map<ImageReference, ImageFacts> facts = new HashMap<>();
                for (ImageReference ref : plan.lookups().keySet()) {
                    facts.put(ref, syntheticFacts(now));
                }
                size = codec.encode(review.uid(), DecisionText.answer(Decider.decide(plan, facts)))
                        .length;
            } catch (BadAdmissionRequestException e) {
                throw new IllegalStateException("the built-in warm-up review does not decode", e);
            }
        }
        return size;
    }

    private static ImageFacts syntheticFacts(Instant now) {
        var findings = List.of(
                new dev.ecrgate.findings.Finding("CVE-0000-0001", Severity.CRITICAL, "warmup", "1.0",
                        Optional.of("1.1"), FixAvailable.YES, true),
                new dev.ecrgate.findings.Finding("CVE-0000-0002", Severity.HIGH, "warmup", "1.0",
                        Optional.empty(), FixAvailable.NO, true));
        return new ImageFacts(Optional.of("sha256:" + "0".repeat(64)),
                new ScanResult(ScanStatus.ACTIVE, Optional.empty(), Optional.of(now),
                        Map.of(Severity.CRITICAL, 1, Severity.HIGH, 1), Optional.of(findings)),
                Optional.of(new RepositoryFacts(TagMutability.IMMUTABLE, List.of())));
    }

    /** The built-in AdmissionReview the warm-up decides, and the CDS training start posts. */
    static byte[] sample() {
        try (InputStream in = Warmup.class.getResourceAsStream("warmup-review.json")) {
            if (in == null) {
                throw new IllegalStateException("warmup-review.json is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
