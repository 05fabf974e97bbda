package dev.ecrgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ecrgate.admission.AdmissionCodec;
import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.admission.Subjects;
import dev.ecrgate.findings.FactNeeds;
import dev.ecrgate.findings.FindingsSource;
import dev.ecrgate.findings.ImageFacts;
import dev.ecrgate.image.ImageReference;
import dev.ecrgate.policy.Decision;
import dev.ecrgate.policy.DecisionText;
import dev.ecrgate.policy.PolicyLoader;
import dev.ecrgate.policy.PolicySet;
import dev.ecrgate.server.AdmissionHandler;
import dev.ecrgate.server.DecisionLog;
import dev.ecrgate.server.Metrics;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code ecrgate serve} (the admission handler on its event loop) and the command line ({@link Evaluation}) take
 * their facts through the same deadline step, so a lookup that timed out or failed reads the same in both.
 */
class FailureWordingTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Duration DEADLINE = Duration.ofMillis(200);
    static final AdmissionCodec CODEC = new AdmissionCodec();
    static Vertx vertx;
    static Metrics metrics;
    static PolicySet policies;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        metrics = Metrics.prometheus();
        policies = PolicyLoader.loadDirectory(ROOT.resolve("policies"));
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
        metrics.close();
    }

    /** A source whose every lookup ends as {@code answer} says. */
    record Source(java.util.function.Supplier<CompletionStage<ImageFacts>> answer) implements FindingsSource {
        @Override
        public CompletionStage<ImageFacts> facts(ImageReference image, FactNeeds needs) {
            return answer.get();
        }
    }

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of("a lookup without an answer at the deadline",
                        new Source(CompletableFuture::new), "no answer within the 200 ms deadline"),
                Arguments.of("a lookup that failed",
                        new Source(() -> CompletableFuture.failedFuture(new IllegalStateException(
                                "ECR said no\nand a second line"))), "IllegalStateException: ECR said no"));
    }

    @ParameterizedTest(name = "{0} reads the same from serve and from the command line")
    @MethodSource("failures")
    void serveAndTheCommandLineDescribeItIdentically(String name, FindingsSource source, String wording)
            throws Exception {
        byte[] body = Files.readAllBytes(ROOT.resolve("examples/requests/allow-pod.json"));

        AdmissionHandler handler = new AdmissionHandler(vertx, CODEC, () -> policies, () -> source,
                Clock.systemUTC(), new DecisionLog(), metrics, DEADLINE);
        byte[] answer = handler.handle(body).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        JsonNode response = new ObjectMapper().readTree(answer).path("response");
        String served = response.path("status").path("message").asText();

        AdmissionSubject subject = Subjects.of(CODEC.decode(body).getRequest()).orElseThrow();
        Decision decision;
        try (Evaluation evaluation = Evaluation.over(source, DEADLINE)) {
            decision = evaluation.decide(subject, policies, java.time.Instant.now());
        }

        assertFalse(response.path("allowed").asBoolean(true), response::toString);
        assertFalse(decision.allowed());
        assertEquals(served, DecisionText.message(decision));
        assertTrue(served.contains(wording), served);
        assertFalse(served.contains("and a second line"), served);
    }
}
