package dev.ecrgate.image;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A private Amazon ECR registry, as named by an image host such as
 * {@code 111122223333.dkr.ecr.us-east-1.amazonaws.com}.
 *
 * <p>Recognised host forms (case-insensitive, and only as the whole host, never with a port):
 * <ul>
 *   <li>{@code <account>.dkr.ecr.<region>.<suffix>} and FIPS {@code <account>.dkr.ecr-fips.<region>.<suffix>}, where
 *       the suffix is {@code amazonaws.com} (commercial and GovCloud), {@code amazonaws.com.cn} (China),
 *       {@code amazonaws.eu} (European Sovereign Cloud), or an isolated partition's {@code c2s.ic.gov},
 *       {@code sc2s.sgov.gov}, {@code cloud.adc-e.uk}, {@code csp.hci.ic.gov};</li>
 *   <li>dual-stack {@code <account>.dkr-ecr.<region>.on.aws} and {@code <account>.dkr-ecr-fips.<region>.on.aws},
 *       and China dual-stack {@code <account>.dkr-ecr.<region>.on.amazonwebservices.com.cn}.</li>
 * </ul>
 * The account is 12 digits and the region looks like a region ({@code us-east-1}, {@code us-gov-west-1},
 * {@code eusc-de-east-1}). Which regions exist in which partition is not checked: every name under these suffixes
 * belongs to AWS, so a region that does not exist cannot be spoofed, only fail to resolve. {@code public.ecr.aws}
 * is ECR Public, not a private registry, and is not recognised.
 *
 * @param account   the 12-digit AWS account ID (the {@code registryId} of ECR API calls)
 * @param region    the AWS region, lowercase, for example {@code us-east-1}
 * @param dnsSuffix the partition's DNS suffix, lowercase, for example {@code amazonaws.com},
 *                  {@code amazonaws.com.cn}, {@code on.aws}, {@code sc2s.sgov.gov}
 * @param fips      whether the host is a FIPS endpoint ({@code dkr.ecr-fips} or {@code dkr-ecr-fips})
 * @param dualStack whether the host is a dual-stack endpoint ({@code dkr-ecr.<region>.on.aws} and its forms)
 */
public record EcrRegistry(String account, String region, String dnsSuffix, boolean fips, boolean dualStack) {

    private static final Set<String> SUFFIXES = Set.of(
            "amazonaws.com", "amazonaws.com.cn", "amazonaws.eu",
            "c2s.ic.gov", "sc2s.sgov.gov", "cloud.adc-e.uk", "csp.hci.ic.gov");
    private static final Set<String> DUAL_STACK_SUFFIXES = Set.of("on.aws", "on.amazonwebservices.com.cn");

    /** Two to four letters covers every partition's prefix, including {@code eusc} of the EU sovereign cloud. */
    private static final Pattern REGION = Pattern.compile("[a-z]{2,4}(?:-[a-z]+)+-[0-9]+");
    private static final int REGION_MAX_LENGTH = 32;
    private static final int ACCOUNT_LENGTH = 12;
    private static final int HOST_MAX_LENGTH = 253;

    public EcrRegistry {
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(dnsSuffix, "dnsSuffix");
    }

    /**
     * The private ECR registry that {@code host} names, or empty when it names none (including when it carries a
     * port, is null, or is merely a lookalike such as {@code <ecr host>.evil.io}). Never throws.
     */
    public static Optional<EcrRegistry> fromHost(String host) {
        if (host == null || host.length() > HOST_MAX_LENGTH) {
            return Optional.empty();
        }
        String[] labels = host.toLowerCase(Locale.ROOT).split("\\.", -1);
        if (labels.length < 4 || !isAccount(labels[0])) {
            return Optional.empty();
        }
        boolean dualStack;
        boolean fips;
        int regionAt;
        if (labels[1].equals("dkr") && (labels[2].equals("ecr") || labels[2].equals("ecr-fips"))) {
            dualStack = false;
            fips = labels[2].equals("ecr-fips");
            regionAt = 3;
        } else if (labels[1].equals("dkr-ecr") || labels[1].equals("dkr-ecr-fips")) {
            dualStack = true;
            fips = labels[1].equals("dkr-ecr-fips");
            regionAt = 2;
        } else {
            return Optional.empty();
        }
        if (regionAt + 1 >= labels.length) {
            return Optional.empty();
        }
        String region = labels[regionAt];
        String suffix = String.join(".", Arrays.copyOfRange(labels, regionAt + 1, labels.length));
        Set<String> suffixes = dualStack ? DUAL_STACK_SUFFIXES : SUFFIXES;
        if (!suffixes.contains(suffix) || !isRegion(region)) {
            return Optional.empty();
        }
        return Optional.of(new EcrRegistry(labels[0], region, suffix, fips, dualStack));
    }

    /** The registry's host in lowercase, in the form it was recognised from. */
    public String host() {
        String endpoint = dualStack ? (fips ? "dkr-ecr-fips" : "dkr-ecr") : (fips ? "dkr.ecr-fips" : "dkr.ecr");
        return account + "." + endpoint + "." + region + "." + dnsSuffix;
    }

    private static boolean isAccount(String label) {
        return label.length() == ACCOUNT_LENGTH && label.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static boolean isRegion(String label) {
        return label.length() <= REGION_MAX_LENGTH && REGION.matcher(label).matches();
    }
}
