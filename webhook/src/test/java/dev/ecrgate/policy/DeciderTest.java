package dev.ecrgate.policy;

import static dev.ecrgate.policy.Policies.policy;
import static dev.ecrgate.policy.Policies.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decision, rule by rule. Each case: policies, one container image (fresh or already deployed), the facts ECR
 * has, and the expected outcome as {@code allowed} plus the violations as {@code policy/rule/effect}.
 */
class DeciderTest {
    static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
    static final String ECR = "111122223333.dkr.ecr.us-east-1.amazonaws.com";
    static final String DIGEST = "sha256:" + "ab".repeat(32);

    record Case(String name, PolicySet policies, String namespace, String image, boolean preExisting,
                Optional<ImageFacts> facts, boolean allowed, List<String> violations) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case allowed(String name, PolicySet p, String ns, String image, Optional<ImageFacts> facts) {
        return new Case(name, p, ns, image, false, facts, true, List.of());
    }

    static Case outcome(String name, PolicySet p, String ns, String image, Optional<ImageFacts> facts,
                        boolean allowed, String... violations) {
        return new Case(name, p, ns, image, false, facts, allowed, List.of(violations));
    }

    static Case existing(String name, PolicySet p, String ns, String image, Optional<ImageFacts> facts,
                         String... violations) {
        return new Case(name, p, ns, image, true, facts, true, List.of(violations));
    }

    static Optional<ImageFacts> scan(ScanStatus status, Finding... findings) {
        return Optional.of(new ImageFacts(Optional.of(DIGEST), new ScanResult(status, Optional.empty(),
                Optional.of(NOW.minus(Duration.ofDays(1))), counts(findings), Optional.of(List.of(findings))),
                Optional.of(new RepositoryFacts(TagMutability.MUTABLE, List.of()))));
    }

    static Optional<ImageFacts> scannedAt(Instant at, Finding... findings) {
        return Optional.of(new ImageFacts(Optional.of(DIGEST), new ScanResult(ScanStatus.COMPLETE, Optional.empty(),
                Optional.of(at), counts(findings), Optional.of(List.of(findings))), Optional.empty()));
    }

    static Optional<ImageFacts> summaryOnly(Severity s, int n) {
        return Optional.of(new ImageFacts(Optional.of(DIGEST), new ScanResult(ScanStatus.COMPLETE, Optional.empty(),
                Optional.of(NOW), Map.of(s, n), Optional.empty()), Optional.empty()));
    }

    static Optional<ImageFacts> mutability(TagMutability m, String... exclusions) {
        return Optional.of(new ImageFacts(Optional.of(DIGEST), ScanResult.notFound("not scanned"),
                Optional.of(new RepositoryFacts(m, List.of(exclusions)))));
    }

    static Map<Severity, Integer> counts(Finding... findings) {
        Map<Severity, Integer> m = new EnumMap<>(Severity.class);
        for (Finding f : findings) {
            m.merge(f.severity(), 1, Integer::sum);
        }
        return m;
    }

    static Finding cve(String id, Severity s, FixAvailable fix) {
        return new Finding(id, s, "openssl", "3.0.2", fix == FixAvailable.YES ? Optional.of("3.0.14")
                : Optional.empty(), fix, true);
    }

    static final Optional<ImageFacts> NONE = Optional.empty();
    static final List<String> NO_TAGS = List.of();

    static Stream<Case> cases() {
        PolicySet critical0 = set(policy("vulns").maxCounts(Severity.CRITICAL, 0, Severity.HIGH, 1));
        return Stream.of(
                allowed("no policy allows anything valid", PolicySet.EMPTY, "default", "nginx", NONE),
                outcome("an invalid reference is denied even without policies", PolicySet.EMPTY, "default",
                        "Nginx:latest", NONE, false, "ecrgate/image/DENY"),
                outcome("an empty image is denied", PolicySet.EMPTY, "default", "", NONE, false,
                        "ecrgate/image/DENY"),
                existing("an invalid reference that is already deployed only warns", PolicySet.EMPTY, "default",
                        "Nginx", NONE, "ecrgate/image/WARN"),

                // registries
                allowed("an image from an allowed ECR account and region passes",
                        set(policy("r").ecr("111122223333", "us-east-1")), "default", ECR + "/app:1.0", NONE),
                outcome("an image from another ECR account is denied",
                        set(policy("r").ecr("444455556666")), "default", ECR + "/app:1.0", NONE, false,
                        "r/registries.ecr/DENY"),
                outcome("an image from an allowed account in another region is denied",
                        set(policy("r").ecr("111122223333", "eu-west-1")), "default", ECR + "/app:1.0", NONE,
                        false, "r/registries.ecr/DENY"),
                allowed("any region is fine when the rule names none",
                        set(policy("r").ecr("111122223333")), "default", ECR + "/app:1.0", NONE),
                outcome("Docker Hub is denied when others is deny", set(policy("r").others(Outcome.DENY)),
                        "default", "nginx:1.27", NONE, false, "r/registries.others/DENY"),
                outcome("Docker Hub only warns when others is warn", set(policy("r").others(Outcome.WARN)),
                        "default", "nginx:1.27", NONE, true, "r/registries.others/WARN"),
                outcome("ECR Public is another registry", set(policy("r").others(Outcome.DENY)),
                        "default", "public.ecr.aws/nginx/nginx:1.27", NONE, false, "r/registries.others/DENY"),
                outcome("a lookalike ECR host is another registry", set(policy("r").others(Outcome.DENY)),
                        "default", ECR + ".evil.io/app:1", NONE, false, "r/registries.others/DENY"),

                // repositories
                allowed("a repository under the namespace is allowed",
                        set(policy("t").repositories("{namespace}/**", "base/*")), "team-blue",
                        ECR + "/team-blue/api/v2:1.0", NONE),
                allowed("a shared base repository is allowed",
                        set(policy("t").repositories("{namespace}/**", "base/*")), "team-blue",
                        ECR + "/base/python:3.12", NONE),
                outcome("another team's repository is denied",
                        set(policy("t").repositories("{namespace}/**", "base/*")), "team-blue",
                        ECR + "/team-red/api:1.0", NONE, false, "t/repositories.allow/DENY"),
                outcome("one star does not cross a slash",
                        set(policy("t").repositories("base/*")), "team-blue", ECR + "/base/x/y:1.0", NONE, false,
                        "t/repositories.allow/DENY"),

                // tags
                outcome("an explicit latest tag is denied", set(policy("t").tags(List.of("latest"), false, false)),
                        "default", ECR + "/app:latest", NONE, false, "t/tags.deny/DENY"),
                outcome("no tag counts as latest", set(policy("t").tags(List.of("latest"), false, false)),
                        "default", ECR + "/app", NONE, false, "t/tags.deny/DENY"),
                allowed("latest pinned by digest is allowed", set(policy("t").tags(List.of("latest"), false, false)),
                        "default", ECR + "/app:latest@" + DIGEST, NONE),
                outcome("a tag without digest is denied when a digest is required",
                        set(policy("t").tags(NO_TAGS, true, false)), "default", ECR + "/app:1.0", NONE, false,
                        "t/tags.requireDigest/DENY"),
                allowed("a digest satisfies requireDigest", set(policy("t").tags(NO_TAGS, true, false)),
                        "default", ECR + "/app@" + DIGEST, NONE),
                allowed("an immutable repository satisfies immutableOrDigest",
                        set(policy("t").tags(NO_TAGS, false, true)), "default", ECR + "/app:1.0",
                        mutability(TagMutability.IMMUTABLE)),
                outcome("a mutable repository fails immutableOrDigest",
                        set(policy("t").tags(NO_TAGS, false, true)), "default", ECR + "/app:1.0",
                        mutability(TagMutability.MUTABLE), false, "t/tags.immutableOrDigest/DENY"),
                outcome("a tag excluded from immutability fails immutableOrDigest",
                        set(policy("t").tags(NO_TAGS, false, true)), "default", ECR + "/app:dev-7",
                        mutability(TagMutability.IMMUTABLE_WITH_EXCLUSION, "dev-*"), false,
                        "t/tags.immutableOrDigest/DENY"),
                allowed("a tag outside the exclusions of IMMUTABLE_WITH_EXCLUSION is immutable",
                        set(policy("t").tags(NO_TAGS, false, true)), "default", ECR + "/app:1.0",
                        mutability(TagMutability.IMMUTABLE_WITH_EXCLUSION, "dev-*")),
                allowed("a tag matching an exclusion of MUTABLE_WITH_EXCLUSION is immutable",
                        set(policy("t").tags(NO_TAGS, false, true)), "default", ECR + "/app:v1.0",
                        mutability(TagMutability.MUTABLE_WITH_EXCLUSION, "v*")),
                outcome("an unknown repository fails immutableOrDigest",
                        set(policy("t").tags(NO_TAGS, false, true)), "default", ECR + "/app:1.0", NONE, false,
                        "t/tags.immutableOrDigest/DENY"),
                outcome("a Docker Hub tag can never be shown immutable",
                        set(policy("t").tags(NO_TAGS, false, true)), "default", "nginx:1.27", NONE, false,
                        "t/tags.immutableOrDigest/DENY"),
                allowed("a digest satisfies immutableOrDigest without any lookup",
                        set(policy("t").tags(NO_TAGS, false, true)), "default", "nginx@" + DIGEST, NONE),
                allowed("a semver tag matches the allowed pattern",
                        set(policy("t").tags(NO_TAGS, false, false, "^v?[0-9]+[.][0-9]+[.][0-9]+$")), "default",
                        ECR + "/app:v1.2.3", NONE),
                outcome("a branch tag does not match the allowed pattern",
                        set(policy("t").tags(NO_TAGS, false, false, "^v?[0-9]+[.][0-9]+[.][0-9]+$")), "default",
                        ECR + "/app:main", NONE, false, "t/tags.allowedPatterns/DENY"),

                // vulnerabilities
                allowed("findings within the limits pass", critical0, "default", ECR + "/app:1.0",
                        scan(ScanStatus.COMPLETE, cve("CVE-1", Severity.HIGH, FixAvailable.UNKNOWN),
                                cve("CVE-2", Severity.MEDIUM, FixAvailable.UNKNOWN))),
                outcome("a critical finding over a limit of 0 is denied", critical0, "default", ECR + "/app:1.0",
                        scan(ScanStatus.COMPLETE, cve("CVE-1", Severity.CRITICAL, FixAvailable.UNKNOWN)), false,
                        "vulns/vulnerabilities.maxCounts/DENY"),
                outcome("enhanced ACTIVE findings count like basic ones", critical0, "default", ECR + "/app:1.0",
                        scan(ScanStatus.ACTIVE, cve("CVE-1", Severity.HIGH, FixAvailable.YES),
                                cve("CVE-2", Severity.HIGH, FixAvailable.NO)), false,
                        "vulns/vulnerabilities.maxCounts/DENY"),
                allowed("onlyFixable leaves out findings without a fix",
                        set(policy("v").maxCounts(Severity.HIGH, 1).onlyFixable()), "default", ECR + "/app:1.0",
                        scan(ScanStatus.ACTIVE, cve("CVE-1", Severity.HIGH, FixAvailable.YES),
                                cve("CVE-2", Severity.HIGH, FixAvailable.NO))),
                outcome("onlyFixable still counts basic findings, which carry no fix data",
                        set(policy("v").maxCounts(Severity.HIGH, 0).onlyFixable()), "default", ECR + "/app:1.0",
                        scan(ScanStatus.COMPLETE, cve("CVE-1", Severity.HIGH, FixAvailable.UNKNOWN)), false,
                        "v/vulnerabilities.maxCounts/DENY"),
                allowed("an ignored CVE is not counted",
                        set(policy("v").maxCounts(Severity.CRITICAL, 0).ignore("cve-1", "2027-01-01")), "default",
                        ECR + "/app:1.0", scan(ScanStatus.COMPLETE, cve("CVE-1", Severity.CRITICAL,
                                FixAvailable.YES))),
                outcome("an expired ignore entry counts again and warns",
                        set(policy("v").maxCounts(Severity.CRITICAL, 0).ignore("CVE-1", "2026-11-29")), "default",
                        ECR + "/app:1.0", scan(ScanStatus.COMPLETE, cve("CVE-1", Severity.CRITICAL,
                                FixAvailable.YES)), false,
                        "v/vulnerabilities.ignore/WARN", "v/vulnerabilities.maxCounts/DENY"),
                allowed("an ignore entry still applies on its expiry day",
                        set(policy("v").maxCounts(Severity.CRITICAL, 0).ignore("CVE-1", "2026-11-30")), "default",
                        ECR + "/app:1.0", scan(ScanStatus.COMPLETE, cve("CVE-1", Severity.CRITICAL,
                                FixAvailable.YES))),
                outcome("an ignore entry scoped to other repositories does not apply",
                        set(policy("v").maxCounts(Severity.CRITICAL, 0).ignore("CVE-1", null, "team-red/**")),
                        "default", ECR + "/team-blue/app:1.0", scan(ScanStatus.COMPLETE, cve("CVE-1",
                                Severity.CRITICAL, FixAvailable.YES)), false, "v/vulnerabilities.maxCounts/DENY"),
                outcome("a summary without findings is counted as it is", critical0, "default", ECR + "/app:1.0",
                        summaryOnly(Severity.CRITICAL, 3), false, "vulns/vulnerabilities.maxCounts/DENY"),
                outcome("a summary cannot honour an ignore list, and says so",
                        set(policy("v").maxCounts(Severity.CRITICAL, 5).ignore("CVE-1", null)), "default",
                        ECR + "/app:1.0", summaryOnly(Severity.CRITICAL, 3), true,
                        "v/vulnerabilities.ignore/WARN"),
                outcome("a scan in progress is denied by default", critical0, "default", ECR + "/app:1.0",
                        scan(ScanStatus.IN_PROGRESS), false, "vulns/vulnerabilities.scanStatus/DENY"),
                outcome("an unsupported image warns by default", critical0, "default", ECR + "/app:1.0",
                        scan(ScanStatus.UNSUPPORTED_IMAGE), true, "vulns/vulnerabilities.scanStatus/WARN"),
                allowed("a policy can allow a scan in progress",
                        set(policy("v").maxCounts(Severity.CRITICAL, 0)
                                .scanStatus(ScanStatus.IN_PROGRESS, Outcome.ALLOW)),
                        "default", ECR + "/app:1.0", scan(ScanStatus.IN_PROGRESS)),
                outcome("an image ECR does not know is denied", critical0, "default", ECR + "/app:1.0", NONE,
                        false, "vulns/vulnerabilities.scanStatus/DENY"),
                outcome("a scan older than maxScanAge counts as missing",
                        set(policy("v").maxCounts(Severity.CRITICAL, 0).maxScanAge(Duration.ofDays(30))), "default",
                        ECR + "/app:1.0", scannedAt(NOW.minus(Duration.ofDays(31))), false,
                        "v/vulnerabilities.maxScanAge/DENY"),
                allowed("a scan younger than maxScanAge is used",
                        set(policy("v").maxCounts(Severity.CRITICAL, 0).maxScanAge(Duration.ofDays(30))), "default",
                        ECR + "/app:1.0", scannedAt(NOW.minus(Duration.ofDays(29)))),
                allowed("vulnerability rules do not apply to other registries", critical0, "default", "nginx:1.27",
                        NONE),

                // facts that could not be read, or are out of date
                outcome("a scan that could not be read is denied by default", critical0, "default",
                        ECR + "/app:1.0", Optional.of(ImageFacts.failed("ThrottlingException: Rate exceeded")), false,
                        "vulns/onLookupFailure/DENY"),
                outcome("onLookupFailure warn admits with a warning",
                        set(policy("v").maxCounts(Severity.CRITICAL, 0).onLookupFailure(Outcome.WARN)), "default",
                        ECR + "/app:1.0", Optional.of(ImageFacts.failed("no answer within the 3000 ms deadline")),
                        true, "v/onLookupFailure/WARN"),
                allowed("onLookupFailure allow admits silently",
                        set(policy("v").maxCounts(Severity.CRITICAL, 0).onLookupFailure(Outcome.ALLOW)), "default",
                        ECR + "/app:1.0", Optional.of(ImageFacts.failed("no answer"))),
                outcome("a repository that could not be read fails immutableOrDigest by onLookupFailure",
                        set(policy("t").tags(NO_TAGS, false, true).onLookupFailure(Outcome.WARN)), "default",
                        ECR + "/app:1.0", Optional.of(ImageFacts.failed("ServerException")), true,
                        "t/onLookupFailure/WARN"),
                outcome("stale findings are still counted, with a warning", critical0, "default", ECR + "/app:1.0",
                        Optional.of(new ImageFacts(Optional.of(DIGEST), scan(ScanStatus.COMPLETE,
                                cve("CVE-1", Severity.CRITICAL, FixAvailable.YES)).get().scan(), Optional.empty(),
                                Optional.empty(), Optional.empty(), Optional.of("the scan was read 12 min ago"))),
                        false, "vulns/vulnerabilities/WARN", "vulns/vulnerabilities.maxCounts/DENY"),

                // modes, namespaces, UPDATE grace, exemptions
                outcome("a warn policy warns instead of denying",
                        set(policy("w").mode(Mode.WARN).tags(List.of("latest"), false, false)), "default",
                        ECR + "/app", NONE, true, "w/tags.deny/WARN"),
                outcome("an audit policy only records",
                        set(policy("a").mode(Mode.AUDIT).tags(List.of("latest"), false, false)), "default",
                        ECR + "/app", NONE, true, "a/tags.deny/AUDIT"),
                allowed("a policy for other namespaces does not apply",
                        set(policy("t").namespaces("team-*").tags(List.of("latest"), false, false)), "default",
                        ECR + "/app", NONE),
                outcome("a namespace glob selects the policy",
                        set(policy("t").namespaces("team-*").tags(List.of("latest"), false, false)), "team-blue",
                        ECR + "/app", NONE, false, "t/tags.deny/DENY"),
                allowed("excludeNamespaces wins over namespaces",
                        set(policy("t").namespaces("*").exclude("kube-*").tags(List.of("latest"), false, false)),
                        "kube-system", ECR + "/app", NONE),
                existing("an image already deployed that now breaks a rule only warns", critical0, "default",
                        ECR + "/app:1.0", scan(ScanStatus.COMPLETE, cve("CVE-1", Severity.CRITICAL,
                                FixAvailable.YES)), "vulns/vulnerabilities.maxCounts/WARN"),
                allowed("an exemption for the image and namespace lets it through",
                        set(policy("t").tags(List.of("latest"), false, false)
                                .exempt(ECR + "/platform/debug:*", "ops", "2026-12-31")), "ops",
                        ECR + "/platform/debug:latest", NONE),
                outcome("an exemption does not reach other namespaces",
                        set(policy("t").tags(List.of("latest"), false, false)
                                .exempt(ECR + "/platform/debug:*", "ops", "2026-12-31")), "default",
                        ECR + "/platform/debug:latest", NONE, false, "t/tags.deny/DENY"),
                outcome("an expired exemption no longer applies, and says so",
                        set(policy("t").tags(List.of("latest"), false, false)
                                .exempt(ECR + "/platform/debug:*", "ops", "2026-11-01")), "ops",
                        ECR + "/platform/debug:latest", NONE, false, "t/exemptions/WARN", "t/tags.deny/DENY"),
                allowed("an exemption matches the normalised Docker Hub name",
                        set(policy("t").others(Outcome.DENY).exempt("docker.io/library/busybox:*", null, null)),
                        "default", "busybox:1.36", NONE),
                outcome("each policy applies on its own",
                        set(policy("a").tags(List.of("latest"), false, false),
                                policy("b").mode(Mode.WARN).others(Outcome.DENY)), "default", "nginx", NONE, false,
                        "a/tags.deny/DENY", "b/registries.others/WARN"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decides(Case c) {
        AdmissionSubject subject = subject(c.namespace(), c.image(), c.preExisting());
        Decider.Plan plan = Decider.plan(subject, c.policies(), NOW);
        Map<ImageReference, ImageFacts> facts = new HashMap<>();
        c.facts().ifPresent(f -> plan.lookups().keySet().forEach(ref -> facts.put(ref, f)));
        Decision d = Decider.decide(plan, facts);
        List<String> got = d.violations().stream()
                .map(v -> v.policy() + "/" + v.rule().field() + "/" + v.effect()).toList();
        assertEquals(c.violations(), got, () -> "violations: " + d.violations());
        assertEquals(c.allowed(), d.allowed());
    }

    static Stream<Arguments> lookups() {
        PolicySet vulns = set(policy("v").maxCounts(Severity.CRITICAL, 0));
        PolicySet tagsOnly = set(policy("t").tags(List.of("latest"), true, false).repositories("**"));
        PolicySet immutable = set(policy("t").tags(NO_TAGS, false, true));
        PolicySet exempted = set(policy("v").maxCounts(Severity.CRITICAL, 0).exempt(ECR + "/app:*", null, null));
        return Stream.of(
                Arguments.of("a vulnerability rule needs the facts of an ECR image", vulns, ECR + "/app:1", true),
                Arguments.of("tag, registry and repository rules need no lookup", tagsOnly, ECR + "/app:1", false),
                Arguments.of("immutableOrDigest needs the repository of a tagged image", immutable, ECR + "/app:1",
                        true),
                Arguments.of("immutableOrDigest needs nothing for a digest", immutable, ECR + "/app@" + DIGEST,
                        false),
                Arguments.of("an exempted image is not looked up", exempted, ECR + "/app:1", false),
                Arguments.of("an image from another registry is not looked up", vulns, "nginx:1", false),
                Arguments.of("an invalid reference is not looked up", vulns, "UPPER/case", false),
                Arguments.of("no policy means no lookup", PolicySet.EMPTY, ECR + "/app:1", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lookups")
    void looksUpOnlyWhatTheRulesNeed(String name, PolicySet policies, String image, boolean lookedUp) {
        Decider.Plan plan = Decider.plan(subject("default", image, false), policies, NOW);
        assertEquals(lookedUp, !plan.lookups().isEmpty(), plan.lookups()::toString);
    }

    @Test
    void carriesTheWorstFindingsFirstAndAtMostThree() {
        PolicySet p = set(policy("v").maxCounts(Severity.CRITICAL, 0, Severity.HIGH, 0));
        Optional<ImageFacts> facts = scan(ScanStatus.ACTIVE,
                cve("CVE-2024-0001", Severity.HIGH, FixAvailable.YES),
                cve("CVE-2024-0002", Severity.CRITICAL, FixAvailable.NO),
                cve("CVE-2024-0003", Severity.CRITICAL, FixAvailable.YES),
                cve("CVE-2024-0004", Severity.LOW, FixAvailable.YES),
                cve("CVE-2024-0005", Severity.HIGH, FixAvailable.NO));
        AdmissionSubject subject = subject("default", ECR + "/app:1.0", false);
        Decider.Plan plan = Decider.plan(subject, p, NOW);
        Decision d = Decider.decide(plan, Map.of(plan.lookups().keySet().iterator().next(), facts.get()));
        Violation v = d.violations().get(0);
        assertEquals(List.of("CVE-2024-0003", "CVE-2024-0002", "CVE-2024-0001"),
                v.worst().stream().map(Finding::id).toList());
        assertEquals("too many vulnerabilities: CRITICAL 2 (max 0), HIGH 2 (max 0)", v.detail());
        assertEquals(Optional.of(DIGEST), v.digest());
    }

    @Test
    void checksEveryContainerListAndNamesTheContainer() {
        List<ContainerImage> images = new ArrayList<>();
        images.add(new ContainerImage(ContainerKind.INIT_CONTAINER, "init", "busybox", false));
        images.add(new ContainerImage(ContainerKind.CONTAINER, "app", ECR + "/app:1.0", false));
        images.add(new ContainerImage(ContainerKind.EPHEMERAL_CONTAINER, "debug", "alpine:latest", false));
        AdmissionSubject subject = new AdmissionSubject("uid", "Pod", "default", "web", "CREATE", false, images);
        Decision d = Decider.decide(subject, set(policy("t").tags(List.of("latest"), false, false)), Map.of(), NOW);
        assertEquals("init,debug", d.violations().stream().map(v -> v.container().containerName())
                .collect(Collectors.joining(",")));
        assertTrue(!d.allowed());
    }

    /**
     * Containers that share an image are judged once (issue 16) and must read exactly as if each had been judged on
     * its own: the same violations, in container order, under each one's own name, with its own UPDATE grace.
     */
    @Test
    void containersSharingAnImageGetTheSameViolationsUnderTheirOwnNamesAndGrace() {
        PolicySet p = set(policy("v").maxCounts(Severity.CRITICAL, 0), policy("t").tags(List.of("latest"), false,
                false));
        Optional<ImageFacts> facts = scan(ScanStatus.ACTIVE, cve("CVE-2024-0002", Severity.CRITICAL, FixAvailable.YES));
        List<ContainerImage> images = List.of(
                new ContainerImage(ContainerKind.INIT_CONTAINER, "init", ECR + "/app:1.0", false),
                new ContainerImage(ContainerKind.CONTAINER, "a", ECR + "/app:1.0", false),
                new ContainerImage(ContainerKind.CONTAINER, "b", "busybox", false),
                new ContainerImage(ContainerKind.CONTAINER, "c", ECR + "/app:1.0", true),
                new ContainerImage(ContainerKind.CONTAINER, "d", "busybox", false),
                new ContainerImage(ContainerKind.CONTAINER, "e", "no//such", false),
                new ContainerImage(ContainerKind.CONTAINER, "f", "no//such", false));
        AdmissionSubject shared = new AdmissionSubject("uid", "Pod", "default", "web", "UPDATE", false, images);
        Decider.Plan plan = Decider.plan(shared, p, NOW);
        Map<ImageReference, ImageFacts> known = Map.of(plan.lookups().keySet().iterator().next(), facts.get());
        Decision together = Decider.decide(plan, known);

        List<Violation> alone = new ArrayList<>();
        for (ContainerImage c : images) {
            AdmissionSubject one = new AdmissionSubject("uid", "Pod", "default", "web", "UPDATE", false, List.of(c));
            alone.addAll(Decider.decide(Decider.plan(one, p, NOW), known).violations());
        }
        assertEquals(alone, together.violations());
        assertTrue(together.violations().size() >= images.size(), "every container breaks a rule");
        assertEquals(Effect.WARN, together.violations().stream().filter(v -> v.container().containerName().equals("c")
                && v.rule() == Rule.VULNERABILITIES).findFirst().orElseThrow().effect(), "c keeps its grace");
        assertEquals(1, plan.lookups().size(), "one lookup for the shared image");
    }

    static AdmissionSubject subject(String namespace, String image, boolean preExisting) {
        return new AdmissionSubject("uid-1", "Pod", namespace, "web", preExisting ? "UPDATE" : "CREATE", false,
                List.of(new ContainerImage(ContainerKind.CONTAINER, "app", image, preExisting)));
    }
}
