package dev.ecrgate.admission;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Reads {@code admission.k8s.io/v1} AdmissionReview requests and writes their responses.
 *
 * <p>Parsing is bounded by parser limits (nesting depth, string and number lengths) so that hostile input gets a
 * {@link BadAdmissionRequestException}, never a {@link StackOverflowError} or an unbounded allocation. Duplicate
 * keys are refused: kube-apiserver never sends them, and a reader that took the first and a reader that took the
 * last could see different images. Thread safe.
 */
public final class AdmissionCodec {
    public static final String API_VERSION = "admission.k8s.io/v1";
    public static final String KIND = "AdmissionReview";
    /** Deep enough for any pod spec with managedFields; far from what a recursive reader would choke on. */
    public static final int MAX_NESTING_DEPTH = 200;
    /** The longest number in characters: no Kubernetes field needs more, and a long one costs to convert. */
    public static final int MAX_NUMBER_LENGTH = 100;

    private final ObjectMapper mapper;

    public AdmissionCodec() {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .maxNumberLength(MAX_NUMBER_LENGTH)
                        .build())
                .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        this.mapper = JsonMapper.builder(factory)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
    }

    /** The mapper with the same limits, for other readers of Kubernetes objects. */
    public ObjectMapper mapper() {
        return mapper;
    }

    /**
     * Reads an AdmissionReview request.
     *
     * @throws BadAdmissionRequestException when {@code body} is not JSON, exceeds a parser limit, is not an
     *                                      {@code admission.k8s.io/v1} AdmissionReview, or has no request uid;
     *                                      the message is one line naming what is wrong
     */
    public AdmissionReview decode(byte[] body) throws BadAdmissionRequestException {
        AdmissionReview review;
        try {
            review = mapper.readValue(body, AdmissionReview.class);
        } catch (JsonProcessingException e) {
            throw new BadAdmissionRequestException("request body is not a valid AdmissionReview: " + brief(e), e);
        } catch (IOException e) {
            throw new BadAdmissionRequestException("request body could not be read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // fabric8's deserializers report some shape errors as unchecked exceptions
            throw new BadAdmissionRequestException("request body is not a valid AdmissionReview: "
                    + oneLine(String.valueOf(e.getMessage())), e);
        }
        if (review == null) {
            throw new BadAdmissionRequestException("request body is not a valid AdmissionReview: it is JSON null");
        }
        if (!KIND.equals(review.getKind())) {
            throw new BadAdmissionRequestException("expected kind AdmissionReview, got "
                    + quote(review.getKind()));
        }
        if (!API_VERSION.equals(review.getApiVersion())) {
            throw new BadAdmissionRequestException("unsupported apiVersion " + quote(review.getApiVersion())
                    + ": ecrgate answers admission.k8s.io/v1 (set admissionReviewVersions: [\"v1\"])");
        }
        AdmissionRequest request = review.getRequest();
        if (request == null) {
            throw new BadAdmissionRequestException("AdmissionReview has no request");
        }
        if (request.getUid() == null || request.getUid().isBlank()) {
            throw new BadAdmissionRequestException("AdmissionReview request has no uid");
        }
        return review;
    }

    /** Writes the AdmissionReview response for the request with {@code uid}. */
    public byte[] encode(String uid, AdmissionAnswer answer) {
        int size = 256 + answer.message().map(String::length).orElse(0);
        for (String w : answer.warnings()) {
            size += w.length() + 4;
        }
        for (Map.Entry<String, String> e : answer.auditAnnotations().entrySet()) {
            size += e.getKey().length() + e.getValue().length() + 6;
        }
        // a little over the characters: escapes and non-ASCII take more bytes than characters
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + size / 8);
        try (JsonGenerator g = mapper.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("apiVersion", API_VERSION);
            g.writeStringField("kind", KIND);
            g.writeObjectFieldStart("response");
            g.writeStringField("uid", uid);
            g.writeBooleanField("allowed", answer.allowed());
            if (!answer.allowed()) {
                g.writeObjectFieldStart("status");
                g.writeStringField("status", "Failure");
                g.writeNumberField("code", 403);
                g.writeStringField("reason", "Forbidden");
                g.writeStringField("message", answer.message().orElse("denied by ecrgate"));
                g.writeEndObject();
            }
            if (!answer.warnings().isEmpty()) {
                g.writeArrayFieldStart("warnings");
                for (String w : answer.warnings()) {
                    g.writeString(w);
                }
                g.writeEndArray();
            }
            if (!answer.auditAnnotations().isEmpty()) {
                g.writeObjectFieldStart("auditAnnotations");
                for (Map.Entry<String, String> e : new java.util.TreeMap<>(answer.auditAnnotations()).entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A one-line JSON error body: {@code {"error": "..."}}. */
    public byte[] encodeError(String message) {
        try {
            return mapper.writeValueAsBytes(Map.of("error", message));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String brief(JsonProcessingException e) {
        if (e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m) {
            // Jackson's own text names Java classes; say what was wrong in the JSON instead
            StringBuilder path = new StringBuilder();
            for (com.fasterxml.jackson.databind.JsonMappingException.Reference r : m.getPath()) {
                if (r.getFieldName() != null) {
                    path.append(path.length() == 0 ? "" : ".").append(r.getFieldName());
                } else if (r.getIndex() >= 0) {
                    path.append('[').append(r.getIndex()).append(']');
                }
            }
            return "unexpected JSON value " + (path.length() == 0 ? "at the top level" : "at " + oneLine(
                    path.toString())) + (m.getLocation() == null ? "" : " (line " + m.getLocation().getLineNr()
                    + ", column " + m.getLocation().getColumnNr() + ")");
        }
        String location = e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
        return oneLine(e.getOriginalMessage()) + location;
    }

    static String oneLine(String text) {
        String s = text.replaceAll("[\\r\\n\\t]+", " ").replaceAll("\\[Source: [^\\]]*\\]; ", "").strip();
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }

    private static String quote(String s) {
        return s == null ? "(none)" : "\"" + oneLine(s) + "\"";
    }
}
