package dev.ecrgate.findings;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Whether a tag is immutable: every mode, with and without exclusion filters, and how a filter's stars match. */
class RepositoryFactsTest {
    static Stream<Arguments> tags() {
        return Stream.of(
                tag("IMMUTABLE makes every tag immutable", TagMutability.IMMUTABLE, "1.0.0", true),
                tag("IMMUTABLE ignores filters", TagMutability.IMMUTABLE, "dev-1", true, "dev-*"),
                tag("MUTABLE makes every tag mutable", TagMutability.MUTABLE, "1.0.0", false),
                tag("MUTABLE ignores filters", TagMutability.MUTABLE, "dev-1", false, "dev-*"),
                tag("IMMUTABLE_WITH_EXCLUSION without filters keeps every tag immutable",
                        TagMutability.IMMUTABLE_WITH_EXCLUSION, "latest", true),
                tag("IMMUTABLE_WITH_EXCLUSION keeps a tag outside the filters immutable",
                        TagMutability.IMMUTABLE_WITH_EXCLUSION, "1.0.0", true, "latest", "dev-*"),
                tag("IMMUTABLE_WITH_EXCLUSION makes a tag equal to a literal filter mutable",
                        TagMutability.IMMUTABLE_WITH_EXCLUSION, "latest", false, "latest", "dev-*"),
                tag("IMMUTABLE_WITH_EXCLUSION makes a tag matching a later filter mutable",
                        TagMutability.IMMUTABLE_WITH_EXCLUSION, "dev-1234", false, "latest", "dev-*"),
                tag("MUTABLE_WITH_EXCLUSION without filters keeps every tag mutable",
                        TagMutability.MUTABLE_WITH_EXCLUSION, "v1", false),
                tag("MUTABLE_WITH_EXCLUSION makes a tag matching a filter immutable",
                        TagMutability.MUTABLE_WITH_EXCLUSION, "release-2024.05", true, "release-*"),
                tag("MUTABLE_WITH_EXCLUSION leaves a tag outside the filters mutable",
                        TagMutability.MUTABLE_WITH_EXCLUSION, "weekly", false, "release-*"),
                tag("a lone star matches every tag", TagMutability.MUTABLE_WITH_EXCLUSION, "anything", true, "*"),
                tag("a star matches the empty run", TagMutability.MUTABLE_WITH_EXCLUSION, "dev-", true, "dev-*"),
                tag("a leading star matches a suffix", TagMutability.MUTABLE_WITH_EXCLUSION, "1.0-rc", true, "*-rc"),
                tag("a leading star still needs the suffix", TagMutability.MUTABLE_WITH_EXCLUSION, "1.0-rc1", false,
                        "*-rc"),
                tag("stars in the middle match pieces in order", TagMutability.MUTABLE_WITH_EXCLUSION,
                        "v1-rc2-linux", true, "v*-rc*-linux"),
                tag("pieces out of order do not match", TagMutability.MUTABLE_WITH_EXCLUSION, "v1-linux-rc2", false,
                        "v*-rc*-linux"),
                tag("prefix and suffix may not overlap", TagMutability.MUTABLE_WITH_EXCLUSION, "a", false, "a*a"),
                tag("prefix and suffix may meet", TagMutability.MUTABLE_WITH_EXCLUSION, "aa", true, "a*a"),
                tag("a middle piece may not reach into the suffix", TagMutability.MUTABLE_WITH_EXCLUSION, "ab", false,
                        "a*b*b"),
                tag("a filter without a star must equal the whole tag", TagMutability.MUTABLE_WITH_EXCLUSION,
                        "release-1", false, "release"),
                tag("a dot is only a dot", TagMutability.MUTABLE_WITH_EXCLUSION, "v1x0", false, "v1.0"),
                tag("regular expression characters are literal", TagMutability.MUTABLE_WITH_EXCLUSION, "v1.0+b",
                        true, "v1.0+*"),
                tag("matching is case sensitive", TagMutability.MUTABLE_WITH_EXCLUSION, "Release-1", false,
                        "release-*"));
    }

    static Arguments tag(String sentence, TagMutability mode, String tag, boolean immutable, String... filters) {
        return Arguments.of(sentence, mode, List.of(filters), tag, immutable);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tags")
    void decidesWhetherATagIsImmutable(String sentence, TagMutability mode, List<String> filters, String tag,
                                       boolean immutable) {
        assertEquals(immutable, new RepositoryFacts(mode, filters).isImmutable(tag));
    }

    static Stream<Arguments> descriptions() {
        return Stream.of(
                Arguments.of("a mode without filters is the mode", new RepositoryFacts(TagMutability.MUTABLE,
                        List.of()), "MUTABLE"),
                Arguments.of("filters follow the mode in order", new RepositoryFacts(
                        TagMutability.IMMUTABLE_WITH_EXCLUSION, List.of("latest", "dev-*")),
                        "IMMUTABLE_WITH_EXCLUSION (exclusions: latest, dev-*)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("descriptions")
    void describesTheModeAsMessagesShowIt(String sentence, RepositoryFacts facts, String text) {
        assertEquals(text, facts.describe());
    }
}
