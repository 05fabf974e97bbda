package dev.ecrgate.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ecrgate.admission.AdmissionCodec;
import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.admission.BadAdmissionRequestException;
import dev.ecrgate.admission.Subjects;
import dev.ecrgate.findings.FindingsSource;
import dev.ecrgate.findings.RecordedFindings;
import dev.ecrgate.policy.PolicyLoader;
import dev.ecrgate.policy.PolicySet;
import dev.ecrgate.server.AdmissionHandler;
import dev.ecrgate.server.DecisionLog;
import dev.ecrgate.server.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The admission path on any request body: first the codec and the image extraction on their own, then the whole
 * {@link AdmissionHandler} with the example policies and recorded findings, as the server calls it. Seeds: the
 * AdmissionReviews in {@code examples/requests/}.
 *
 * <p>Properties: a body is either answered with an AdmissionReview response carrying the request's uid, or refused
 * with {@link BadAdmissionRequestException} (the server's 400); nothing else is thrown (a 500), and no input
 * overflows the stack.
 */
class AdmissionFuzzTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);
    static final AdmissionCodec CODEC = new AdmissionCodec();
    static final dev.ecrgate.admission.ReviewReader READER = new dev.ecrgate.admission.ReviewReader(CODEC);
    static final ObjectMapper JSON = new ObjectMapper();

    static Vertx vertx;
    static AdmissionHandler handler;

    @BeforeAll
    static void start() throws Exception {
        // every denial is a WARN line of the decision log: millions of them would only slow the fuzzer down
        System.setProperty("org.slf4j.simpleLogger.log.ecrgate.decision", "error");
        PolicySet policies = PolicyLoader.loadDirectory(ROOT.resolve("policies"));
        FindingsSource findings = RecordedFindings.load(ROOT.resolve("examples/findings"));
        vertx = Vertx.vertx();
        handler = new AdmissionHandler(vertx, CODEC, () -> policies, () -> findings, CLOCK, new DecisionLog(),
                Metrics.of(new SimpleMeterRegistry()), Duration.ofSeconds(2));
    }

    @AfterAll
    static void stop() throws Exception {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void decodeAndFindImages(byte[] body) {
        try {
            AdmissionReview review = CODEC.decode(body);
            Optional<AdmissionSubject> subject = Subjects.of(review.getRequest());
            subject.ifPresent(s -> assertEquals(review.getRequest().getUid(), s.uid(), "subject uid"));
        } catch (BadAdmissionRequestException e) {
            assertNotNull(e.getMessage(), "a 400 says what is wrong");
        }
    }

    @FuzzTest(maxDuration = "30s")
    void handle(byte[] body) throws Exception {
        // the server reads reviews with the streaming reader, which skips fields the decision does not use (the
        // bound model refuses a mistyped one of those); the uid it reads is the one the answer must carry
        Optional<String> uid;
        try {
            uid = Optional.of(READER.read(body).uid());
        } catch (BadAdmissionRequestException e) {
            uid = Optional.empty();
        }
        byte[] response;
        try {
            response = handler.handle(body).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof BadAdmissionRequestException)) {
                throw new AssertionError("a 500: the handler failed with " + e.getCause(), e.getCause());
            }
            return;
        }
        if (uid.isEmpty()) {
            fail("answered a body that the reader refuses");
        }
        JsonNode answer = JSON.readTree(response);
        assertEquals(AdmissionCodec.API_VERSION, answer.path("apiVersion").asText());
        assertEquals(AdmissionCodec.KIND, answer.path("kind").asText());
        assertEquals(uid.get(), answer.path("response").path("uid").asText(), "response uid");
        assertTrue(answer.path("response").path("allowed").isBoolean(), "response.allowed is a boolean");
    }

    /** Jackson with the codec's limits but no duplicate detection, refusing trailing values: is it JSON at all? */
    static final ObjectMapper JSON_ONLY = com.fasterxml.jackson.databind.json.JsonMapper.builder(
                    com.fasterxml.jackson.core.JsonFactory.builder().streamReadConstraints(
                            com.fasterxml.jackson.core.StreamReadConstraints.builder()
                                    .maxNestingDepth(AdmissionCodec.MAX_NESTING_DEPTH)
                                    .maxNumberLength(AdmissionCodec.MAX_NUMBER_LENGTH).build()).build())
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    /**
     * The server's reader against Jackson and the bound model: what it reads is JSON (it is no more lenient than
     * Jackson), and a review that Jackson and the bound model read gives the reader the same uid and the same strings
     * (namespace, each container's image), or a refusal that is not about syntax (the reader checks more of the
     * fields it reads than the bound model does).
     */
    @FuzzTest(maxDuration = "30s")
    void readerAgreesWithJackson(byte[] body) {
        Optional<dev.ecrgate.admission.ReviewReader.Review> read;
        String refusal = "";
        try {
            read = Optional.of(READER.read(body));
        } catch (BadAdmissionRequestException e) {
            read = Optional.empty();
            refusal = e.getMessage();
        }
        boolean json;
        try {
            JsonNode tree = JSON_ONLY.readTree(body);
            json = tree != null && !tree.isMissingNode();
        } catch (Exception e) {
            json = false;
        }
        if (read.isPresent() && !json) {
            fail("the reader read a body that is not JSON");
        }
        Optional<AdmissionSubject> bound;
        String uid;
        try {
            JSON_ONLY.readTree(body);
            AdmissionReview review = CODEC.decode(body);
            bound = Subjects.of(review.getRequest());
            uid = review.getRequest().getUid();
        } catch (Exception e) {
            return;
        }
        if (read.isEmpty()) {
            // the reader may be stricter about what it reads (the type of a field, a kind the bound model defaults)
            // and about a parser limit, never about JSON's syntax: its syntax errors are the ones with a location.
            // UTF-8: Jackson once let a field name with byte 0xFF through in this test and refuses the same name in
            // a document of its own, so a name's UTF-8 is left out of this direction (not of the other one).
            if (refusal.contains("(line ") && !refusal.contains("exceeds the maximum allowed")
                    && !refusal.contains("UTF-8")) {
                fail("Jackson and the bound model read a review whose syntax the reader refuses: " + refusal);
            }
            return;
        }
        assertEquals(uid, read.get().uid(), "uid");
        // the strings both read are decoded alike; which containers each finds in a mangled object may differ (the
        // bound model types an object by its own kind and apiVersion, the reader by the request's kind)
        if (bound.isPresent() && read.get().subject().isPresent()) {
            assertEquals(bound.get().namespace(), read.get().subject().get().namespace(), "namespace");
            java.util.Map<String, String> images = new java.util.HashMap<>();
            bound.get().images().forEach(i -> images.put(i.kind() + " " + i.containerName(), i.image()));
            for (dev.ecrgate.admission.ContainerImage i : read.get().subject().get().images()) {
                String same = images.get(i.kind() + " " + i.containerName());
                if (same != null) {
                    assertEquals(same, i.image(), "image of " + i.containerName());
                }
            }
        }
    }
}
