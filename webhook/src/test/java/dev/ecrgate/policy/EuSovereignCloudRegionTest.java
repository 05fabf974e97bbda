package dev.ecrgate.policy;

import static dev.ecrgate.policy.DecisionTextTest.NOW;
import static dev.ecrgate.policy.DecisionTextTest.container;
import static dev.ecrgate.policy.DecisionTextTest.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 17: the image side recognised the EU sovereign cloud's region {@code eusc-de-east-1} while the policy
 * loader refused it, so no policy could allow or limit that registry. Loaded from YAML, as an operator writes it.
 */
class EuSovereignCloudRegionTest {
    private static final String POLICY = """
            apiVersion: ecrgate.dev/v1
            kind: ImagePolicy
            metadata:
              name: sovereign
            spec:
              registries:
                ecr:
                  - account: "111122223333"
                    regions: ["eusc-de-east-1"]
                others: deny
            """;

    static Stream<Arguments> images() {
        return Stream.of(
                Arguments.of("an image in the allowed sovereign region is allowed",
                        "111122223333.dkr.ecr.eusc-de-east-1.amazonaws.eu/team-blue/api:1.0", true),
                Arguments.of("an image of the same account in a commercial region is denied",
                        "111122223333.dkr.ecr.eu-central-1.amazonaws.com/team-blue/api:1.0", false),
                Arguments.of("an image of another account in the sovereign region is denied",
                        "444455556666.dkr.ecr.eusc-de-east-1.amazonaws.eu/team-blue/api:1.0", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void aPolicyNamingTheRegionLoadsAndMatches(String name, String image, boolean allowed) throws Exception {
        PolicySet set = PolicyLoader.parse("sovereign.yaml", POLICY);
        Decision d = Decider.decide(pod(container("api", image)), set, Map.of(), NOW);
        assertEquals(allowed, d.allowed(), () -> d.violations().toString());
    }
}
