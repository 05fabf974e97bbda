package dev.ecrgate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What a rule's outcome does under each mode, for a new image and for one the old object already ran. */
class ModeTest {
    static Stream<Arguments> effects() {
        return Stream.of(
                effect("enforce denies a new image", Mode.ENFORCE, Outcome.DENY, false, Effect.DENY),
                effect("enforce only warns for an image that already ran", Mode.ENFORCE, Outcome.DENY, true,
                        Effect.WARN),
                effect("enforce keeps a warning a warning", Mode.ENFORCE, Outcome.WARN, false, Effect.WARN),
                effect("warn mode turns a denial into a warning", Mode.WARN, Outcome.DENY, false, Effect.WARN),
                effect("warn mode warns for an image that already ran", Mode.WARN, Outcome.WARN, true, Effect.WARN),
                effect("audit mode only logs a denial", Mode.AUDIT, Outcome.DENY, false, Effect.AUDIT),
                effect("audit mode only logs a warning", Mode.AUDIT, Outcome.WARN, true, Effect.AUDIT));
    }

    static Arguments effect(String sentence, Mode mode, Outcome outcome, boolean preExisting, Effect effect) {
        return Arguments.of(sentence, mode, outcome, preExisting, effect);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("effects")
    void turnsAnOutcomeIntoAnEffect(String sentence, Mode mode, Outcome outcome, boolean preExisting, Effect effect) {
        assertEquals(effect, mode.effect(outcome, preExisting));
    }

    @Test
    void anAllowedOutcomeHasNoEffect() {
        assertThrows(IllegalArgumentException.class, () -> Mode.ENFORCE.effect(Outcome.ALLOW, false));
    }
}
