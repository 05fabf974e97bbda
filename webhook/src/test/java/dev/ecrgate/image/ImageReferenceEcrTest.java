package dev.ecrgate.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ImageReferenceEcrTest {

    private static final String ACCOUNT = "111122223333";

    private static Arguments ecr(String situation, String image, String path, String region, String suffix,
                                 boolean fips, boolean dualStack) {
        return Arguments.of(situation, image, path,
                Optional.of(new EcrRegistry(ACCOUNT, region, suffix, fips, dualStack)));
    }

    private static Arguments notEcr(String situation, String image, String path) {
        return Arguments.of(situation, image, path, Optional.empty());
    }

    static Stream<Arguments> hosts() {
        return Stream.of(
                ecr("a commercial region host is private ECR",
                        ACCOUNT + ".dkr.ecr.us-east-1.amazonaws.com/team-blue/api:1.4", "team-blue/api",
                        "us-east-1", "amazonaws.com", false, false),
                ecr("a numbered European region is private ECR",
                        ACCOUNT + ".dkr.ecr.eu-central-2.amazonaws.com/api", "api", "eu-central-2", "amazonaws.com", false, false),
                ecr("a GovCloud region uses amazonaws.com",
                        ACCOUNT + ".dkr.ecr.us-gov-west-1.amazonaws.com/api", "api", "us-gov-west-1", "amazonaws.com", false, false),
                ecr("Beijing uses amazonaws.com.cn",
                        ACCOUNT + ".dkr.ecr.cn-north-1.amazonaws.com.cn/api", "api", "cn-north-1", "amazonaws.com.cn", false, false),
                ecr("Ningxia uses amazonaws.com.cn",
                        ACCOUNT + ".dkr.ecr.cn-northwest-1.amazonaws.com.cn/ns/api", "ns/api", "cn-northwest-1",
                        "amazonaws.com.cn", false, false),
                ecr("a FIPS host is private ECR",
                        ACCOUNT + ".dkr.ecr-fips.us-east-1.amazonaws.com/api", "api", "us-east-1", "amazonaws.com", true, false),
                ecr("a GovCloud FIPS host is private ECR",
                        ACCOUNT + ".dkr.ecr-fips.us-gov-west-1.amazonaws.com/api", "api", "us-gov-west-1", "amazonaws.com", true, false),
                ecr("a dual-stack host is private ECR",
                        ACCOUNT + ".dkr-ecr.us-east-1.on.aws/api", "api", "us-east-1", "on.aws", false, true),
                ecr("a dual-stack FIPS host is private ECR",
                        ACCOUNT + ".dkr-ecr-fips.us-west-2.on.aws/api", "api", "us-west-2", "on.aws", true, true),
                ecr("a China dual-stack host is private ECR",
                        ACCOUNT + ".dkr-ecr.cn-north-1.on.amazonwebservices.com.cn/api", "api", "cn-north-1",
                        "on.amazonwebservices.com.cn", false, true),
                ecr("the ISO-B partition host is private ECR",
                        ACCOUNT + ".dkr.ecr.us-isob-east-1.sc2s.sgov.gov/api", "api", "us-isob-east-1", "sc2s.sgov.gov", false, false),
                ecr("the ISO partition host is private ECR",
                        ACCOUNT + ".dkr.ecr.us-iso-east-1.c2s.ic.gov/api", "api", "us-iso-east-1", "c2s.ic.gov", false, false),
                ecr("the ISO-E partition host is private ECR",
                        ACCOUNT + ".dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk/api", "api", "eu-isoe-west-1", "cloud.adc-e.uk", false, false),
                ecr("the ISO-F partition host is private ECR",
                        ACCOUNT + ".dkr.ecr.us-isof-south-1.csp.hci.ic.gov/api", "api", "us-isof-south-1", "csp.hci.ic.gov", false, false),
                ecr("the EU sovereign cloud host is private ECR",
                        ACCOUNT + ".dkr.ecr.eusc-de-east-1.amazonaws.eu/api", "api", "eusc-de-east-1", "amazonaws.eu", false, false),
                ecr("an uppercase host is private ECR, with the region in lowercase",
                        ACCOUNT + ".DKR.ECR.US-EAST-1.AMAZONAWS.COM/api", "api", "us-east-1", "amazonaws.com", false, false),
                ecr("a mixed-case dual-stack FIPS host is private ECR",
                        ACCOUNT + ".Dkr-Ecr-Fips.Us-West-2.On.Aws/api", "api", "us-west-2", "on.aws", true, true),
                ecr("a host with a tag and a digest is still private ECR",
                        ACCOUNT + ".dkr.ecr.us-east-1.amazonaws.com/a/b/c:v1@sha256:" + "0".repeat(64), "a/b/c",
                        "us-east-1", "amazonaws.com", false, false),
                notEcr("a host with a port is not ECR",
                        ACCOUNT + ".dkr.ecr.us-east-1.amazonaws.com:443/api", "api"),
                notEcr("an ECR host under another domain is not ECR",
                        ACCOUNT + ".dkr.ecr.us-east-1.amazonaws.com.evil.io/api", "api"),
                notEcr("an ECR host written as a path is not ECR",
                        "evil.io/" + ACCOUNT + ".dkr.ecr.us-east-1.amazonaws.com/api",
                        ACCOUNT + ".dkr.ecr.us-east-1.amazonaws.com/api"),
                notEcr("a bare ECR host without a repository is a Docker Hub name",
                        ACCOUNT + ".dkr.ecr.us-east-1.amazonaws.com", "library/" + ACCOUNT + ".dkr.ecr.us-east-1.amazonaws.com"),
                notEcr("ECR Public is not private ECR", "public.ecr.aws/nginx/nginx:latest", "nginx/nginx"),
                notEcr("an ECR host under a subdomain is not ECR",
                        "x." + ACCOUNT + ".dkr.ecr.us-east-1.amazonaws.com/api", "api"),
                notEcr("an eleven-digit account is not ECR", "11112222333.dkr.ecr.us-east-1.amazonaws.com/api", "api"),
                notEcr("a thirteen-digit account is not ECR", "1111222233334.dkr.ecr.us-east-1.amazonaws.com/api", "api"),
                notEcr("an account with a letter is not ECR", "11112222333x.dkr.ecr.us-east-1.amazonaws.com/api", "api"),
                notEcr("a region without dashes is not ECR", ACCOUNT + ".dkr.ecr.useast1.amazonaws.com/api", "api"),
                notEcr("a region without a number is not ECR", ACCOUNT + ".dkr.ecr.us-east.amazonaws.com/api", "api"),
                notEcr("a missing region is not ECR", ACCOUNT + ".dkr.ecr.amazonaws.com/api", "api"),
                notEcr("amazonaws.co is not ECR", ACCOUNT + ".dkr.ecr.us-east-1.amazonaws.co/api", "api"),
                notEcr("a dual-stack prefix with the classic suffix is not ECR",
                        ACCOUNT + ".dkr-ecr.us-east-1.amazonaws.com/api", "api"),
                notEcr("the classic prefix with the dual-stack suffix is not ECR",
                        ACCOUNT + ".dkr.ecr.us-east-1.on.aws/api", "api"),
                notEcr("a FIPS label in the wrong place is not ECR",
                        ACCOUNT + ".dkr.ecr.fips.us-east-1.amazonaws.com/api", "api"),
                notEcr("ecr without dkr is not ECR", ACCOUNT + ".ecr.us-east-1.amazonaws.com/api", "api"),
                notEcr("the ECR API endpoint is not a registry", "api.ecr.us-east-1.amazonaws.com/api", "api"),
                notEcr("a suffix of a partition suffix is not ECR", ACCOUNT + ".dkr.ecr.us-east-1.com.cn/api", "api"),
                notEcr("a China suffix with more labels is not ECR",
                        ACCOUNT + ".dkr.ecr.cn-north-1.amazonaws.com.cn.evil/api", "api"),
                notEcr("localhost is not ECR", "localhost:5000/api", "api"),
                notEcr("an IPv6 host is not ECR", "[::1]:5000/api", "api"),
                notEcr("Docker Hub is not ECR", "nginx", "library/nginx"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hosts")
    void recognisesPrivateEcrHostsOnly(String situation, String image, String path, Optional<EcrRegistry> expected)
            throws Exception {
        ImageReference ref = ImageReference.parse(image);
        assertEquals(expected, ref.ecr());
        assertEquals(path, ref.path(), "repository path");
        assertEquals(expected, EcrRegistry.fromHost(ref.domain()), "fromHost of the domain");
        expected.ifPresent(registry -> assertEquals(Optional.of(registry), EcrRegistry.fromHost(registry.host()),
                "host() names the same registry"));
    }

    static Stream<Arguments> oddHosts() {
        return Stream.of(
                Arguments.of("null", null),
                Arguments.of("an empty host", ""),
                Arguments.of("a host with a trailing dot", ACCOUNT + ".dkr.ecr.us-east-1.amazonaws.com."),
                Arguments.of("a host of dots", "....."),
                Arguments.of("a very long region", ACCOUNT + ".dkr.ecr." + "us-".repeat(100) + "1.amazonaws.com"));
    }

    @ParameterizedTest(name = "{0} names no registry")
    @MethodSource("oddHosts")
    void oddHostsNameNoRegistry(String situation, String host) {
        assertEquals(Optional.empty(), EcrRegistry.fromHost(host));
    }
}
