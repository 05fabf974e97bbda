package dev.ecrgate.policy;

import static dev.ecrgate.policy.Policies.policy;
import static dev.ecrgate.policy.Policies.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ecrgate.findings.Finding;
import dev.ecrgate.findings.FixAvailable;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.PlatformImage;
import dev.ecrgate.findings.ScanResult;
import dev.ecrgate.findings.ScanStatus;
import dev.ecrgate.findings.Severity;
import dev.ecrgate.image.ImageReference;
import dev.ecrgate.image.Platform;
import dev.ecrgate.policy.VulnerabilityRules.Platforms;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An image index under {@code vulnerabilities.platforms}: amd64 clean, arm64 with a CRITICAL (the index's attestation
 * manifest is no platform and never gets here). Each case gives the policy, the platform images, and the violations
 * as {@code rule/effect: detail}.
 */
class PlatformScansTest {
    static final String INDEX = "sha256:" + "1d".repeat(32);
    static final String AMD64 = "sha256:" + "a6".repeat(32);
    static final String ARM64 = "sha256:" + "a7".repeat(32);
    static final Finding CRITICAL = new Finding("CVE-2026-40001", Severity.CRITICAL, "openssl", "3.0.15",
            Optional.of("3.0.16"), FixAvailable.YES, true);

    static ScanResult complete(Finding... findings) {
        Map<Severity, Integer> counts = new HashMap<>();
        for (Finding f : findings) {
            counts.merge(f.severity(), 1, Integer::sum);
        }
        return new ScanResult(ScanStatus.COMPLETE, Optional.empty(),
                Optional.of(DeciderTest.NOW.minus(Duration.ofHours(1))), counts, Optional.of(List.of(findings)));
    }

    static PlatformImage image(String platform, String digest, ScanResult scan) {
        return new PlatformImage(Platform.parse(platform), digest, scan, Optional.empty());
    }

    static final List<PlatformImage> ARM64_CRITICAL = List.of(image("linux/amd64", AMD64, complete()),
            image("linux/arm64/v8", ARM64, complete(CRITICAL)));

    static ImageFacts index(List<PlatformImage> platforms) {
        return new ImageFacts(Optional.of(INDEX), ScanResult.notFound("an image index has no scan of its own"),
                Optional.empty()).withPlatforms(platforms);
    }

    static PolicySet critical0(Platforms platforms) {
        return set(policy("baseline").maxCounts(Severity.CRITICAL, 0).platforms(platforms));
    }

    static Platforms listed(String... platforms) {
        return new Platforms(Platforms.Kind.LISTED, Stream.of(platforms).map(Platform::parse).toList());
    }

    static Stream<Arguments> cases() {
        String arm64 = "linux/arm64/v8 (sha256:a7a7a7a7a7a7…): ";
        return Stream.of(
                Arguments.of("under all (the default) the arm64 CRITICAL denies, naming the platform and its digest",
                        critical0(Platforms.ALL), ARM64_CRITICAL, false, List.of("vulnerabilities.maxCounts/DENY: "
                                + arm64 + "too many vulnerabilities: CRITICAL 1 (max 0)")),
                Arguments.of("under [linux/amd64] it is allowed, with the arm64 CRITICAL as a warning",
                        critical0(listed("linux/amd64")), ARM64_CRITICAL, true, List.of("vulnerabilities.maxCounts/WARN: "
                                + arm64 + "too many vulnerabilities: CRITICAL 1 (max 0) (not required by"
                                + " vulnerabilities.platforms [linux/amd64])")),
                Arguments.of("[linux/arm64] is served by linux/arm64/v8, and denies",
                        critical0(listed("linux/arm64")), ARM64_CRITICAL, false, List.of(
                                "vulnerabilities.maxCounts/DENY: " + arm64 + "too many vulnerabilities: CRITICAL 1"
                                        + " (max 0)")),
                Arguments.of("under any, amd64 passes, so arm64's CRITICAL is a warning", critical0(Platforms.ANY),
                        ARM64_CRITICAL, true, List.of("vulnerabilities.maxCounts/WARN: " + arm64 + "too many"
                                + " vulnerabilities: CRITICAL 1 (max 0) (not required: vulnerabilities.platforms is"
                                + " any, and another platform passes)")),
                Arguments.of("under any, when every platform fails, each denies", critical0(Platforms.ANY),
                        List.of(image("linux/amd64", AMD64, complete(CRITICAL)),
                                image("linux/arm64/v8", ARM64, complete(CRITICAL))), false, List.of(
                                "vulnerabilities.maxCounts/DENY: linux/amd64 (sha256:a6a6a6a6a6a6…): too many"
                                        + " vulnerabilities: CRITICAL 1 (max 0)",
                                "vulnerabilities.maxCounts/DENY: " + arm64 + "too many vulnerabilities: CRITICAL 1"
                                        + " (max 0)")),
                Arguments.of("a required platform the index lacks denies, naming what it has",
                        critical0(listed("linux/amd64", "linux/s390x")), ARM64_CRITICAL, false, List.of(
                                "vulnerabilities.platforms/DENY: the image index has no linux/s390x image, which"
                                        + " vulnerabilities.platforms requires; it has linux/amd64, linux/arm64/v8",
                                "vulnerabilities.maxCounts/WARN: " + arm64 + "too many vulnerabilities: CRITICAL 1"
                                        + " (max 0) (not required by vulnerabilities.platforms [linux/amd64,"
                                        + " linux/s390x])")),
                Arguments.of("a platform image without a scan gets the scan-status outcome, for that platform",
                        critical0(Platforms.ALL), List.of(image("linux/amd64", AMD64, complete()),
                                image("linux/arm64/v8", ARM64, new ScanResult(ScanStatus.IN_PROGRESS, Optional.empty(),
                                        Optional.empty(), Map.of(), Optional.empty()))), false, List.of(
                                "vulnerabilities.scanStatus/DENY: " + arm64 + "the ECR scan of this image is still in"
                                        + " progress (scan status IN_PROGRESS)")),
                Arguments.of("a platform image whose scan could not be read is a lookup failure for it",
                        critical0(Platforms.ALL), List.of(image("linux/amd64", AMD64, complete()),
                                new PlatformImage(Platform.parse("linux/arm64/v8"), ARM64, ScanResult.notFound(
                                        "lookup failed"), Optional.of("ThrottlingException: Rate exceeded"))), false,
                        List.of("onLookupFailure/DENY: " + arm64 + "could not read the scan of this image from ECR:"
                                + " ThrottlingException: Rate exceeded")),
                Arguments.of("a warn policy warns for every platform that breaks it, required or not",
                        set(policy("baseline").mode(Mode.WARN).maxCounts(Severity.CRITICAL, 0)
                                .platforms(Platforms.ALL)), ARM64_CRITICAL, true, List.of(
                                "vulnerabilities.maxCounts/WARN: " + arm64 + "too many vulnerabilities: CRITICAL 1"
                                        + " (max 0)")),
                Arguments.of("every platform clean: allowed, nothing said", critical0(Platforms.ALL),
                        List.of(image("linux/amd64", AMD64, complete()), image("linux/arm64/v8", ARM64, complete())),
                        true, List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void judgesEachPlatformImage(String name, PolicySet policies, List<PlatformImage> platforms, boolean allowed,
                                 List<String> violations) throws Exception {
        String image = DeciderTest.ECR + "/team-blue/api:2.0.0";
        Decision d = Decider.decide(DeciderTest.subject("team-blue", image, false), policies,
                Map.of(ImageReference.parse(image), index(platforms)), DeciderTest.NOW);

        assertEquals(violations, d.violations().stream().map(v -> v.rule().field() + "/" + v.effect() + ": "
                + v.detail()).toList());
        assertEquals(allowed, d.allowed());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aViolationCarriesTheIndexDigestAndNamesThePlatformImagesOwn(String name, PolicySet policies,
                                                                     List<PlatformImage> platforms, boolean allowed,
                                                                     List<String> violations) throws Exception {
        String image = DeciderTest.ECR + "/team-blue/api:2.0.0";
        Decision d = Decider.decide(DeciderTest.subject("team-blue", image, false), policies,
                Map.of(ImageReference.parse(image), index(platforms)), DeciderTest.NOW);

        for (Violation v : d.violations()) {
            assertEquals(Optional.of(INDEX), v.digest(), v::toString);
            if (v.rule() != Rule.PLATFORMS) {
                String own = v.detail().startsWith("linux/amd64") ? AMD64 : ARM64;
                assertTrue(v.detail().contains(own.substring(0, 19) + "…"), v::toString);
            }
        }
        assertEquals(violations.size(), d.violations().size());
    }
}
