package dev.ecrgate.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ecrgate.image.EcrRegistry;
import dev.ecrgate.image.ImageReference;
import dev.ecrgate.image.InvalidImageReferenceException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@link ImageReference#parse} on any text. Seeds: every input of the distribution/reference test tables
 * ({@code image/distribution-reference-cases.json}), one file each, as UTF-8 text.
 *
 * <p>Properties: the only failure is {@link InvalidImageReferenceException}, with a bounded, single-line message;
 * the canonical form parses back to the same parts; and a reference is taken for private ECR exactly when its host
 * is a private ECR host, judged here by a pattern written from the README, independently of {@link EcrRegistry}.
 */
class ImageReferenceFuzzTest {
    /** The private ECR host forms of the README's "What is checked", as one pattern (hosts are case-insensitive). */
    static final Pattern ECR_HOST = Pattern.compile("(?i)[0-9]{12}\\.(?:"
            + "dkr\\.ecr(?:-fips)?\\.([a-z0-9-]+)\\."
            + "(?:amazonaws\\.com|amazonaws\\.com\\.cn|amazonaws\\.eu|c2s\\.ic\\.gov|sc2s\\.sgov\\.gov"
            + "|cloud\\.adc-e\\.uk|csp\\.hci\\.ic\\.gov)"
            + "|dkr-ecr(?:-fips)?\\.([a-z0-9-]+)\\.(?:on\\.aws|on\\.amazonwebservices\\.com\\.cn))");
    /** Region names as AWS writes them: {@code us-east-1}, {@code us-gov-west-1}, {@code eusc-de-east-1}. */
    static final Pattern REAL_REGION = Pattern.compile("(?i)[a-z]{2,4}(?:-[a-z]+)+-[0-9]{1,2}");

    @FuzzTest(maxDuration = "30s")
    void parse(byte[] input) throws InvalidImageReferenceException {
        String text = new String(input, StandardCharsets.UTF_8);
        ImageReference ref;
        try {
            ref = ImageReference.parse(text);
        } catch (InvalidImageReferenceException e) {
            String message = e.getMessage();
            assertTrue(message != null && message.length() <= 1000, () -> "message too long: " + message.length());
            assertTrue(message.chars().noneMatch(Character::isISOControl), "message has a control character");
            return;
        }
        checkEcr(ref);
        ImageReference again = ImageReference.parse(ref.canonical());
        assertEquals(ref.domain(), again.domain(), "domain after the round trip");
        assertEquals(ref.path(), again.path(), "path after the round trip");
        assertEquals(ref.tag(), again.tag(), "tag after the round trip");
        assertEquals(ref.digest(), again.digest(), "digest after the round trip");
        assertEquals(ref.ecr(), again.ecr(), "ecr after the round trip");
        assertEquals(ref.canonical(), again.canonical(), "canonical form is a fixed point");
    }

    static void checkEcr(ImageReference ref) {
        var host = ECR_HOST.matcher(ref.domain());
        boolean looksLikeEcr = host.matches();
        Optional<EcrRegistry> ecr = ref.ecr();
        if (ecr.isPresent()) {
            if (!looksLikeEcr) {
                fail("taken for private ECR, but " + ref.domain() + " is not an ECR host");
            }
            String domain = ref.domain().toLowerCase(Locale.ROOT);
            assertEquals(domain.substring(0, 12), ecr.get().account(), "account");
            assertEquals(domain, ecr.get().host(), "host of the registry");
            String region = host.group(1) != null ? host.group(1) : host.group(2);
            assertEquals(region.toLowerCase(Locale.ROOT), ecr.get().region(), "region");
        } else if (looksLikeEcr) {
            String region = host.group(1) != null ? host.group(1) : host.group(2);
            if (region.length() <= 32 && REAL_REGION.matcher(region).matches()) {
                fail(ref.domain() + " is a private ECR host, but was not taken for one");
            }
        }
    }
}
