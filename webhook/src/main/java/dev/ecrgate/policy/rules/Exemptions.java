package dev.ecrgate.policy.rules;

import dev.ecrgate.image.ImageReference;
import dev.ecrgate.policy.Exemption;
import dev.ecrgate.policy.ImagePolicy;
import dev.ecrgate.policy.Rule;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code exemptions}: images a policy lets through whatever its rules say, until the day they expire.
 *
 * <p>An exemption in force is not a check: it ends the policy's checks for the image, so {@link #active} is asked
 * first (when planning, too: an exempt image needs no facts). As a check, this notices exemptions that would match
 * but have expired, so that the admin hears about it rather than wonders why the image is now refused.
 */
public final class Exemptions implements Check {
    public Exemptions() {
    }

    /** The first exemption of {@code policy} that lets {@code ref} through in {@code namespace} on {@code today}. */
    public static Optional<Exemption> active(ImagePolicy policy, ImageReference ref, String namespace,
                                             LocalDate today) {
        for (Exemption e : policy.exemptions()) {
            if (matches(e, ref, namespace) && (e.expires().isEmpty() || !today.isAfter(e.expires().get()))) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    @Override
    public void check(Target t) {
        for (Exemption e : t.policy().exemptions()) {
            if (e.expires().isPresent() && t.today().isAfter(e.expires().get()) && matches(e, t.ref(), t.namespace())) {
                t.notice(Rule.EXPIRED_EXEMPTION, "the exemption \"" + e.reason() + "\" expired on "
                        + e.expires().orElseThrow() + " and no longer applies",
                        Optional.of("renew the exemption in the policy, or fix the image"));
            }
        }
    }

    private static boolean matches(Exemption e, ImageReference ref, String namespace) {
        if (!e.namespaces().isEmpty() && e.namespaces().stream().noneMatch(g -> g.matches(namespace))) {
            return false;
        }
        List<String> forms = imageForms(ref);
        return e.images().stream().anyMatch(g -> forms.stream().anyMatch(g::matches));
    }

    /** The strings an image glob is matched against: as written, and every normalised form. */
    static List<String> imageForms(ImageReference ref) {
        List<String> forms = new ArrayList<>(5);
        forms.add(ref.original());
        forms.add(ref.name());
        forms.add(ref.canonical());
        ref.tag().ifPresent(t -> forms.add(ref.name() + ":" + t));
        ref.digest().ifPresent(d -> forms.add(ref.name() + "@" + d));
        if (ref.tag().isEmpty() && ref.digest().isEmpty()) {
            forms.add(ref.name() + ":latest");
        }
        return forms;
    }
}
