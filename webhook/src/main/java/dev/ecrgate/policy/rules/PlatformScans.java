package dev.ecrgate.policy.rules;

import dev.ecrgate.admission.ContainerImage;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.findings.PlatformImage;
import dev.ecrgate.image.Platform;
import dev.ecrgate.policy.Effect;
import dev.ecrgate.policy.Mode;
import dev.ecrgate.policy.Outcome;
import dev.ecrgate.policy.Rule;
import dev.ecrgate.policy.Violation;
import dev.ecrgate.policy.VulnerabilityRules.Platforms;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The vulnerability rules for an image index: each platform image is judged on its own scan by the same checks
 * as a single image ({@link LookupFailure}, {@link ScanStatuses}, {@link Vulnerabilities}), its violations name
 * the platform and its digest, and {@code vulnerabilities.platforms} says which platforms must pass:
 * <ul>
 *   <li>{@code all} (the default): every platform image;</li>
 *   <li>{@code any}: at least one; when one does, what the others break is a warning;</li>
 *   <li>a list: those, each of which the index must have; what the other platforms break is a warning.</li>
 * </ul>
 * A single image (not an index) is left to the checks themselves.
 */
public final class PlatformScans implements Check {
    private static final Check[] PER_PLATFORM = {new LookupFailure(), new ScanStatuses(), new Vulnerabilities()};

    public PlatformScans() {
    }

    @Override
    public void check(Target t) {
        if (!t.checksScan() || !t.facts().map(ImageFacts::isIndex).orElse(false)) {
            return;
        }
        ImageFacts index = t.facts().get();
        Platforms platforms = t.policy().vulnerabilities().orElseThrow().platforms();
        List<PlatformImage> images = index.platforms();
        // which platform images would deny, judged as an enforcing policy on a new image would judge them
        List<Boolean> passes = new ArrayList<>(images.size());
        for (PlatformImage image : images) {
            List<Violation> judged = new ArrayList<>();
            ContainerImage fresh = new ContainerImage(t.container().kind(), t.container().containerName(),
                    t.container().image(), false);
            run(new Target(fresh, t.ref(), Optional.of(image.digest()), Optional.of(facts(index, image)),
                    t.policy().withMode(Mode.ENFORCE), t.namespace(), t.today(), t.now(), judged, t.exceptions()));
            passes.add(judged.stream().noneMatch(v -> v.effect() == Effect.DENY));
        }
        List<Boolean> required = new ArrayList<>(images.size());
        switch (platforms.kind()) {
            case ALL -> images.forEach(i -> required.add(true));
            case ANY -> {
                boolean onePasses = passes.contains(true);
                images.forEach(i -> required.add(!onePasses));
            }
            case LISTED -> {
                for (PlatformImage image : images) {
                    required.add(platforms.listed().stream().anyMatch(image.platform()::serves));
                }
                for (Platform wanted : platforms.listed()) {
                    if (images.stream().noneMatch(i -> i.platform().serves(wanted))) {
                        t.add(Rule.PLATFORMS, Outcome.DENY, "the image index has no " + wanted + " image, which"
                                + " vulnerabilities.platforms requires; it has " + names(images), List.of(),
                                Optional.of("build and push the image for " + wanted + " too (docker buildx build"
                                        + " --platform ...)"));
                    }
                }
            }
        }
        for (int i = 0; i < images.size(); i++) {
            PlatformImage image = images.get(i);
            List<Violation> found = new ArrayList<>();
            run(new Target(t.container(), t.ref(), Optional.of(image.digest()), Optional.of(facts(index, image)),
                    t.policy(), t.namespace(), t.today(), t.now(), found, t.exceptions()));
            String prefix = image.platform() + " (" + short12(image.digest()) + "): ";
            String why = platforms.kind() == Platforms.Kind.ANY
                    ? " (not required: vulnerabilities.platforms is any, and another platform passes)"
                    : " (not required by vulnerabilities.platforms " + platforms + ")";
            for (Violation v : found) {
                boolean downgrade = !required.get(i) && v.effect() == Effect.DENY;
                // the image's digest is the index's; the platform image's is in the detail
                t.out().add(new Violation(v.container(), t.digest(), v.policy(), v.rule(),
                        downgrade ? Effect.WARN : v.effect(), prefix + v.detail() + (downgrade ? why : ""),
                        v.worst(), v.hint()));
            }
        }
    }

    private static void run(Target platform) {
        for (Check c : PER_PLATFORM) {
            c.check(platform);
        }
    }

    /** The facts of one platform image: its own digest and scan, the index's repository and staleness. */
    private static ImageFacts facts(ImageFacts index, PlatformImage image) {
        return new ImageFacts(Optional.of(image.digest()), image.scan(), index.repository(), image.scanFailure(),
                index.repositoryFailure(), index.stale());
    }

    private static String names(List<PlatformImage> images) {
        return images.isEmpty() ? "no platform image"
                : images.stream().map(i -> i.platform().toString()).collect(Collectors.joining(", "));
    }

    private static String short12(String digest) {
        return digest.length() > 19 ? digest.substring(0, 19) + "…" : digest;
    }
}
