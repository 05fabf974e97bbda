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

    /**
     * What an AWS account ID looks like, as a regular expression over the whole text; the policy schema uses the
     * same text, and a test keeps them equal.
     */
    public static final String ACCOUNT_PATTERN = "[0-9]{12}";
    /**
     * What an AWS region name looks like, as a regular expression over the whole text, of at most
     * {@value #REGION_MAX_LENGTH} characters. Two to four letters covers every partition's prefix, including
     * {@code eusc} of the EU sovereign cloud; the policy schema uses the same text, and a test keeps them equal.
     */
    public static final String REGION_PATTERN = "[a-z]{2,4}(?:-[a-z]+)+-[0-9]+";
    /** The longest region name accepted: longer than any that exists, short enough to bound the work. */
    public static final int REGION_MAX_LENGTH = 32;

    private static final Pattern REGION = Pattern.compile(REGION_PATTERN);
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

    /** Whether {@code text} is an AWS account ID: exactly 12 ASCII digits ({@link #ACCOUNT_PATTERN}). Null is not. */
    public static boolean isAccount(String text) {
        return text != null && text.length() == ACCOUNT_LENGTH && text.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /**
     * Whether {@code text} looks like an AWS region name ({@link #REGION_PATTERN}, at most
     * {@value #REGION_MAX_LENGTH} characters), such as {@code us-east-1}, {@code us-gov-west-1},
     * {@code eu-isoe-west-1} or {@code eusc-de-east-1}. Whether the region exists is not checked. Null is not.
     */
    public static boolean isRegion(String text) {
        return text != null && text.length() <= REGION_MAX_LENGTH && REGION.matcher(text).matches();
    }
}
