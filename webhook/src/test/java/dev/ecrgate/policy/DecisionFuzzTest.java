package dev.ecrgate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ecrgate.admission.AdmissionAnswer;
import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.admission.ContainerImage;
import dev.ecrgate.admission.ContainerKind;
import dev.ecrgate.findings.Finding;
import dev.ecrgate.findings.FixAvailable;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.RepositoryFacts;
import dev.ecrgate.findings.ScanResult;
import dev.ecrgate.findings.ScanStatus;
import dev.ecrgate.findings.Severity;
import dev.ecrgate.findings.TagMutability;
import dev.ecrgate.image.ImageReference;
import dev.ecrgate.image.InvalidImageReferenceException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@link Decider#decide} on random policies, images and ECR facts, built from the fuzzer's bytes through the model's
 * constructors (as {@link Policies} does).
 *
 * <p>Properties: whenever a fresh (not already deployed) image breaks, under an enforce-mode policy that applies to
 * the namespace and has no exemption in force, one of a few simple rules — computed here independently of the
 * decider — the request is denied; and {@link DecisionText#answer} never throws, agrees with the decision, and keeps
 * every warning within {@value DecisionText#MAX_WARNING} characters.
 */
class DecisionFuzzTest {
    static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
    static final LocalDate TODAY = LocalDate.ofInstant(NOW, ZoneOffset.UTC);
    static final String DIGEST = "sha256:" + "ab".repeat(32);

    static final String[] NAMESPACES = {"team-blue", "team-red", "prod", "kube-system", "ops", ""};
    static final String[] NAMESPACE_GLOBS = {"team-*", "prod", "kube-system", "*", "**", "ops", "team-blue"};
    static final String[] ACCOUNTS = {"111122223333", "444455556666"};
    static final String[] REGIONS = {"us-east-1", "eu-west-1"};
    static final String[] HOSTS = {
            "111122223333.dkr.ecr.us-east-1.amazonaws.com", "444455556666.dkr.ecr.eu-west-1.amazonaws.com",
            "111122223333.dkr-ecr.us-east-1.on.aws", "111122223333.dkr.ecr-fips.us-gov-west-1.amazonaws.com",
            "111122223333.dkr.ecr.us-east-1.amazonaws.com.evil.io", "public.ecr.aws", "docker.io", "quay.io",
            "localhost:5000", ""};
    static final String[] REPOSITORIES = {"team-blue/api", "team-red/web", "base/debug", "nginx", "library/busybox",
            "prod/api/v2"};
    static final String[] TAGS = {"latest", "dev", "1.0", "v1.2.3", "1.27.0-alpine", "main"};
    static final String[] REPOSITORY_GLOBS = {"{namespace}/**", "base/*", "**", "team-blue/api", "prod/**"};
    static final String[] PATTERNS = {"^v?[0-9]+[.][0-9]+[.][0-9]+$", "^1\\.", "alpine", "^main$"};
    static final String[] IMAGE_GLOBS = {"**/debug:*", "docker.io/library/busybox:*", "**", "nginx",
            "111122223333.dkr.ecr.us-east-1.amazonaws.com/**", "*/team-blue/api:latest"};
    static final String[] CVES = {"CVE-2024-6387", "CVE-2024-3094", "CVE-2023-44487", "cve-2023-38545"};

    /** The private ECR hosts (README, "What is checked"), written here independently of the image package. */
    static final Pattern ECR_HOST = Pattern.compile("(?i)[0-9]{12}\\.(?:dkr\\.ecr(?:-fips)?\\.[a-z0-9-]+\\."
            + "(?:amazonaws\\.com(?:\\.cn)?|amazonaws\\.eu|c2s\\.ic\\.gov|sc2s\\.sgov\\.gov|cloud\\.adc-e\\.uk"
            + "|csp\\.hci\\.ic\\.gov)|dkr-ecr(?:-fips)?\\.[a-z0-9-]+\\.(?:on\\.aws|on\\.amazonwebservices\\.com\\.cn))");

    @FuzzTest(maxDuration = "30s")
    void decide(FuzzedDataProvider data) {
        String namespace = data.consumeBoolean() ? data.pickValue(NAMESPACES) : data.consumeAsciiString(12);
        List<ImagePolicy> policies = new ArrayList<>();
        int policyCount = data.consumeInt(1, 4);
        for (int i = 0; i < policyCount; i++) {
            policies.add(policy(data, "p" + i));
        }
        List<ContainerImage> containers = new ArrayList<>();
        int containerCount = data.consumeInt(1, 4);
        for (int i = 0; i < containerCount; i++) {
            containers.add(new ContainerImage(data.pickValue(ContainerKind.values()), "c" + i, image(data),
                    data.consumeBoolean()));
        }
        Map<ImageReference, ImageFacts> facts = new HashMap<>();
        for (ContainerImage c : containers) {
            parsed(c.image()).filter(r -> r.ecr().isPresent() && data.consumeInt(0, 5) > 0)
                    .ifPresent(r -> facts.put(r, facts(data)));
        }
        AdmissionSubject subject = new AdmissionSubject("uid-1", "Pod", namespace, "web", "CREATE", false,
                containers);
        Decision decision = Decider.decide(subject, new PolicySet(policies), facts, NOW);

        for (ContainerImage c : containers) {
            Optional<ImageReference> ref = parsed(c.image());
            if (ref.isEmpty() || c.preExisting()) {
                continue;
            }
            for (ImagePolicy p : policies) {
                Optional<String> broken = brokenRule(p, ref.get(), namespace, Optional.ofNullable(facts.get(ref.get())));
                if (broken.isPresent()) {
                    assertFalse(decision.allowed(), () -> "allowed, but container " + c.containerName() + " image "
                            + c.image() + " breaks " + broken.get() + " of enforce policy " + p.name());
                }
            }
        }

        AdmissionAnswer answer = DecisionText.answer(decision);
        assertEquals(decision.allowed(), answer.allowed());
        assertEquals(!decision.allowed(), answer.message().isPresent(), "a denial has a message");
        assertTrue(answer.warnings().size() <= DecisionText.MAX_WARNINGS, "too many warnings");
        for (String w : answer.warnings()) {
            assertTrue(w.length() <= DecisionText.MAX_WARNING, () -> "warning longer than "
                    + DecisionText.MAX_WARNING + " characters: " + w);
        }
    }

    /**
     * A rule of {@code p} that {@code ref} breaks for sure when {@code p} is in force for it, computed from the rule's
     * words in the README; empty when none of these rules is broken or {@code p} is not in force.
     */
    static Optional<String> brokenRule(ImagePolicy p, ImageReference ref, String namespace,
                                       Optional<ImageFacts> facts) {
        boolean inForce = p.mode() == Mode.ENFORCE && p.appliesTo(namespace)
                && p.exemptions().stream().allMatch(e -> e.expires().map(TODAY::isAfter).orElse(false));
        if (!inForce) {
            return Optional.empty();
        }
        boolean ecr = ECR_HOST.matcher(ref.domain()).matches();
        if (ref.digest().isEmpty() && p.tags().deny().contains(ref.tag().orElse("latest"))) {
            return Optional.of("tags.deny");
        }
        if (ref.digest().isEmpty() && p.tags().requireDigest()) {
            return Optional.of("tags.requireDigest");
        }
        if (!ecr && p.registries().others() == Outcome.DENY) {
            return Optional.of("registries.others");
        }
        if (ecr && p.vulnerabilities().isPresent() && facts.isPresent()) {
            VulnerabilityRules v = p.vulnerabilities().get();
            ImageFacts f = facts.get();
            Integer max = v.maxCounts().get(Severity.CRITICAL);
            if (max != null && f.scanFailure().isEmpty() && f.scan().status().hasFindings()
                    && f.scan().findings().isPresent() && v.ignore().isEmpty() && !v.onlyFixable()
                    && v.maxScanAge().isEmpty()) {
                long critical = f.scan().findings().get().stream()
                        .filter(x -> x.severity() == Severity.CRITICAL).count();
                if (critical > max) {
                    return Optional.of("vulnerabilities.maxCounts CRITICAL " + critical + " > " + max);
                }
            }
        }
        return Optional.empty();
    }

    static ImagePolicy policy(FuzzedDataProvider data, String name) {
        Policies p = Policies.policy(name);
        if (data.consumeBoolean()) {
            p.namespaces(pick(data, NAMESPACE_GLOBS, 3));
        }
        if (data.consumeInt(0, 3) == 0) {
            p.exclude(pick(data, NAMESPACE_GLOBS, 2));
        }
        p.mode(data.pickValue(Mode.values()));
        if (data.consumeBoolean()) {
            p.help(data.consumeString(40));
        }
        if (data.consumeBoolean()) {
            int rules = data.consumeInt(1, 2);
            for (int i = 0; i < rules; i++) {
                p.ecr(data.pickValue(ACCOUNTS), data.consumeBoolean() ? new String[0] : pick(data, REGIONS, 2));
            }
        }
        p.others(data.pickValue(Outcome.values()));
        if (data.consumeBoolean()) {
            p.repositories(pick(data, REPOSITORY_GLOBS, 2));
        }
        if (data.consumeBoolean()) {
            List<String> deny = data.consumeBoolean() ? List.of() : List.of(pick(data, TAGS, 3));
            p.tags(deny, data.consumeBoolean(),
                    data.consumeBoolean(), data.consumeBoolean() ? new String[0] : pick(data, PATTERNS, 2));
        }
        if (data.consumeBoolean()) {
            Object[] counts = new Object[4];
            counts[0] = Severity.CRITICAL;
            counts[1] = data.consumeInt(0, 3);
            counts[2] = data.pickValue(Severity.values());
            counts[3] = data.consumeInt(0, 3);
            p.maxCounts(counts);
            if (data.consumeInt(0, 3) == 0) {
                p.onlyFixable();
            }
            if (data.consumeInt(0, 3) == 0) {
                p.maxScanAge(Duration.ofDays(data.consumeInt(1, 60)));
            }
            if (data.consumeInt(0, 3) == 0) {
                p.ignore(data.pickValue(CVES), data.consumeBoolean() ? null : date(data),
                        data.consumeBoolean() ? new String[0] : new String[] {"team-blue/**"});
            }
            if (data.consumeBoolean()) {
                p.scanStatus(data.pickValue(ScanStatus.values()), data.pickValue(Outcome.values()));
            }
        }
        if (data.consumeInt(0, 3) == 0) {
            p.exempt(data.pickValue(IMAGE_GLOBS), data.consumeBoolean() ? null : data.pickValue(NAMESPACE_GLOBS),
                    data.consumeBoolean() ? null : date(data));
        }
        p.onLookupFailure(data.pickValue(Outcome.values()));
        return p.build();
    }

    static String image(FuzzedDataProvider data) {
        if (data.consumeInt(0, 7) == 0) {
            return data.consumeString(60);
        }
        String host = data.pickValue(HOSTS);
        StringBuilder b = new StringBuilder();
        if (!host.isEmpty()) {
            b.append(host).append('/');
        }
        b.append(data.pickValue(REPOSITORIES));
        if (data.consumeBoolean()) {
            b.append(':').append(data.pickValue(TAGS));
        }
        if (data.consumeInt(0, 2) == 0) {
            b.append('@').append(data.consumeBoolean() ? DIGEST : "sha256:" + "cd".repeat(32));
        }
        return b.toString();
    }

    static ImageFacts facts(FuzzedDataProvider data) {
        if (data.consumeInt(0, 9) == 0) {
            return ImageFacts.failed("timeout");
        }
        ScanStatus status = data.pickValue(ScanStatus.values());
        Optional<Instant> completedAt = data.consumeBoolean()
                ? Optional.of(NOW.minus(Duration.ofHours(data.consumeInt(0, 24 * 90)))) : Optional.empty();
        Optional<List<Finding>> findings = Optional.empty();
        Map<Severity, Integer> counts = new EnumMap<>(Severity.class);
        if (data.consumeInt(0, 3) > 0) {
            List<Finding> list = new ArrayList<>();
            int n = data.consumeInt(0, 6);
            for (int i = 0; i < n; i++) {
                Finding f = new Finding(data.pickValue(CVES), data.pickValue(Severity.values()),
                        data.consumeBoolean() ? "openssl" : "", data.consumeBoolean() ? "3.0.1" : "",
                        data.consumeBoolean() ? Optional.of("3.0.2") : Optional.empty(),
                        data.pickValue(FixAvailable.values()), data.consumeBoolean());
                list.add(f);
                counts.merge(f.severity(), 1, Integer::sum);
            }
            findings = Optional.of(list);
        } else {
            counts.put(data.pickValue(Severity.values()), data.consumeInt(0, 5));
        }
        Optional<RepositoryFacts> repository = data.consumeBoolean()
                ? Optional.of(new RepositoryFacts(data.pickValue(TagMutability.values()),
                        data.consumeBoolean() ? List.of() : List.of("release-*", "v*")))
                : Optional.empty();
        return new ImageFacts(data.consumeBoolean() ? Optional.of(DIGEST) : Optional.empty(),
                new ScanResult(status, Optional.empty(), completedAt, counts, findings), repository,
                Optional.empty(), data.consumeInt(0, 5) == 0 ? Optional.of("throttled") : Optional.empty(),
                data.consumeInt(0, 5) == 0 ? Optional.of("3 minutes old: throttled") : Optional.empty());
    }

    static String date(FuzzedDataProvider data) {
        return TODAY.plusDays(data.consumeInt(-30, 30)).toString();
    }

    static String[] pick(FuzzedDataProvider data, String[] values, int max) {
        int n = data.consumeInt(1, max);
        String[] out = new String[n];
        for (int i = 0; i < n; i++) {
            out[i] = data.pickValue(values);
        }
        return out;
    }

    static Optional<ImageReference> parsed(String image) {
        try {
            return Optional.of(ImageReference.parse(image));
        } catch (InvalidImageReferenceException e) {
            return Optional.empty();
        }
    }
}
