package dev.ecrgate.admission;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads an AdmissionReview request in one streaming pass, keeping only what the decision needs: the request's
 * identity and the names and images of the pod spec's containers. Everything else (managedFields, env, volumes,
 * status...) is skipped without being built, which makes this several times cheaper than binding the whole object
 * to the Kubernetes model, and is what the webhook's hot path uses. {@link Subjects} reads the same from the bound
 * model, for the command line; a test keeps the two in agreement.
 *
 * <p>Same rules as {@link AdmissionCodec#decode} and {@link Subjects#of}: the parser limits and duplicate-key
 * refusal of the codec's factory, {@code admission.k8s.io/v1} only, a uid required, and the same kinds, operations
 * and subresources checked. Fields that do not matter to the decision are not validated. Thread safe.
 */
public final class ReviewReader {
    /** The pod specs of every {@link WorkloadKind}: their container lists are read. */
    private static final Set<String> POD_SPECS = Arrays.stream(WorkloadKind.values())
            .map(WorkloadKind::podSpecPath).filter(p -> !p.isEmpty()).collect(Collectors.toUnmodifiableSet());
    /** The objects the walk descends into: metadata, and every object on the way to a pod spec. */
    private static final Set<String> DESCEND = Stream.concat(Stream.of("", "metadata"), POD_SPECS.stream()
            .flatMap(ReviewReader::withParents)).collect(Collectors.toUnmodifiableSet());

    private final JsonFactory factory;

    public ReviewReader(AdmissionCodec codec) {
        this.factory = codec.mapper().getFactory();
    }

    /**
     * A request read from the wire.
     *
     * @param uid       the request's uid, for the response
     * @param kind      the request's kind, for metrics ({@code Deployment}); empty if absent
     * @param operation the operation, for metrics
     * @param user      {@code userInfo.username}, for the decision log
     * @param subject   what ecrgate checks, or empty when the request is not ecrgate's business
     */
    public record Review(String uid, String kind, String operation, String user, Optional<AdmissionSubject> subject) {
    }

    /** The containers of the pod specs found in one object, by path ({@code spec.template.spec}). */
    private static final class ObjectCapture {
        String name = "";
        String generateName = "";
        final Set<String> objects = new HashSet<>();
        final Map<String, List<ContainerImage>> containers = new HashMap<>();
    }

    public Review read(byte[] body) throws BadAdmissionRequestException {
        try (JsonParser p = factory.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadAdmissionRequestException("request body is not a valid AdmissionReview: unexpected JSON"
                        + " value at the top level");
            }
            String apiVersion = null;
            String kind = null;
            RequestCapture request = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "apiVersion" -> apiVersion = text(p, value, "apiVersion");
                    case "kind" -> kind = text(p, value, "kind");
                    case "request" -> request = value == JsonToken.VALUE_NULL ? null : request(p, value);
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw new BadAdmissionRequestException("request body is not a valid AdmissionReview: more than one"
                        + " JSON value");
            }
            if (!AdmissionCodec.KIND.equals(kind)) {
                throw new BadAdmissionRequestException("expected kind AdmissionReview, got " + quote(kind));
            }
            if (!AdmissionCodec.API_VERSION.equals(apiVersion)) {
                throw new BadAdmissionRequestException("unsupported apiVersion " + quote(apiVersion)
                        + ": ecrgate answers admission.k8s.io/v1 (set admissionReviewVersions: [\"v1\"])");
            }
            if (request == null) {
                throw new BadAdmissionRequestException("AdmissionReview has no request");
            }
            if (request.uid == null || request.uid.isBlank()) {
                throw new BadAdmissionRequestException("AdmissionReview request has no uid");
            }
            return new Review(request.uid, request.kind == null ? "" : request.kind, request.operation,
                    request.user, subject(request));
        } catch (JsonProcessingException e) {
            String location = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")";
            throw new BadAdmissionRequestException("request body is not a valid AdmissionReview: "
                    + AdmissionCodec.oneLine(e.getOriginalMessage()) + location, e);
        } catch (IOException e) {
            throw new BadAdmissionRequestException("request body could not be read: " + e.getMessage(), e);
        }
    }

    private static final class RequestCapture {
        String uid;
        String group = "";
        String version = "";
        String kind;
        String operation = "";
        String subResource = "";
        String name = "";
        String namespace = "";
        String user = "";
        boolean dryRun;
        ObjectCapture object;
        ObjectCapture oldObject;
    }

    private RequestCapture request(JsonParser p, JsonToken start) throws IOException, BadAdmissionRequestException {
        expect(start, JsonToken.START_OBJECT, "request");
        RequestCapture r = new RequestCapture();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "uid" -> r.uid = text(p, value, "request.uid");
                case "kind" -> {
                    if (value == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String f = p.currentName();
                            JsonToken v = p.nextToken();
                            switch (f) {
                                case "group" -> r.group = orEmpty(text(p, v, "request.kind.group"));
                                case "version" -> r.version = orEmpty(text(p, v, "request.kind.version"));
                                case "kind" -> r.kind = text(p, v, "request.kind.kind");
                                default -> p.skipChildren();
                            }
                        }
                        if (r.kind == null) {
                            r.kind = "";
                        }
                    } else {
                        expect(value, JsonToken.VALUE_NULL, "request.kind");
                    }
                }
                case "operation" -> r.operation = orEmpty(text(p, value, "request.operation"));
                case "subResource" -> r.subResource = orEmpty(text(p, value, "request.subResource"));
                case "name" -> r.name = orEmpty(text(p, value, "request.name"));
                case "namespace" -> r.namespace = orEmpty(text(p, value, "request.namespace"));
                case "dryRun" -> r.dryRun = value == JsonToken.VALUE_TRUE;
                case "userInfo" -> {
                    if (value == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String f = p.currentName();
                            JsonToken v = p.nextToken();
                            if (f.equals("username")) {
                                r.user = orEmpty(text(p, v, "request.userInfo.username"));
                            } else {
                                p.skipChildren();
                            }
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                case "object" -> r.object = value == JsonToken.VALUE_NULL ? null : object(p, value, "request.object");
                case "oldObject" -> r.oldObject = value == JsonToken.VALUE_NULL ? null
                        : object(p, value, "request.oldObject");
                default -> p.skipChildren();
            }
        }
        return r;
    }

    private ObjectCapture object(JsonParser p, JsonToken start, String where)
            throws IOException, BadAdmissionRequestException {
        expect(start, JsonToken.START_OBJECT, where);
        ObjectCapture capture = new ObjectCapture();
        walk(p, "", capture, where);
        return capture;
    }

    /** Reads the object at {@code path} (the parser is past its START_OBJECT), descending only where specs live. */
    private void walk(JsonParser p, String path, ObjectCapture capture, String where)
            throws IOException, BadAdmissionRequestException {
        capture.objects.add(path);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            String child = path.isEmpty() ? field : path + "." + field;
            if (path.equals("metadata") && (field.equals("name") || field.equals("generateName"))) {
                String s = orEmpty(text(p, value, where + "." + child));
                if (field.equals("name")) {
                    capture.name = s;
                } else {
                    capture.generateName = s;
                }
            } else if (isContainerList(path, field)) {
                if (value == JsonToken.START_ARRAY) {
                    capture.containers.put(child, containers(p, kindOf(field), where + "." + child));
                } else {
                    expect(value, JsonToken.VALUE_NULL, where + "." + child);
                }
            } else if (value == JsonToken.START_OBJECT && DESCEND.contains(child)) {
                walk(p, child, capture, where);
            } else {
                p.skipChildren();
            }
        }
    }

    /** {@code spec.template.spec}, {@code spec.template}, {@code spec}. */
    private static Stream<String> withParents(String path) {
        return Stream.iterate(path, p -> !p.isEmpty(), p -> p.contains(".") ? p.substring(0, p.lastIndexOf('.'))
                : "");
    }

    private static boolean isContainerList(String path, String field) {
        boolean podSpec = POD_SPECS.contains(path);
        return (podSpec && (field.equals("containers") || field.equals("initContainers")
                || field.equals("ephemeralContainers"))) || (path.isEmpty() && field.equals("ephemeralContainers"));
    }

    private static ContainerKind kindOf(String field) {
        return switch (field) {
            case "initContainers" -> ContainerKind.INIT_CONTAINER;
            case "ephemeralContainers" -> ContainerKind.EPHEMERAL_CONTAINER;
            default -> ContainerKind.CONTAINER;
        };
    }

    private static List<ContainerImage> containers(JsonParser p, ContainerKind kind, String where)
            throws IOException, BadAdmissionRequestException {
        List<ContainerImage> out = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == JsonToken.VALUE_NULL) {
                continue;
            }
            expect(t, JsonToken.START_OBJECT, where + "[" + out.size() + "]");
            String name = "";
            String image = "";
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("name")) {
                    name = orEmpty(text(p, value, where + "[" + out.size() + "].name"));
                } else if (field.equals("image")) {
                    image = orEmpty(text(p, value, where + "[" + out.size() + "].image"));
                } else {
                    p.skipChildren();
                }
            }
            out.add(new ContainerImage(kind, name, image, false));
        }
        return out;
    }

    private static Optional<AdmissionSubject> subject(RequestCapture r) throws BadAdmissionRequestException {
        if (!r.operation.equals("CREATE") && !r.operation.equals("UPDATE")) {
            return Optional.empty();
        }
        if (r.kind == null) {
            throw new BadAdmissionRequestException("AdmissionReview request has no kind");
        }
        Optional<WorkloadKind> kind = WorkloadKind.of(r.group, r.version, r.kind);
        if (kind.isEmpty() || !r.subResource.isEmpty() && !(r.subResource.equals("ephemeralcontainers")
                && kind.get().hasEphemeralContainersSubresource())) {
            return Optional.empty();
        }
        String path = kind.get().podSpecPath();
        if (r.object == null) {
            throw new BadAdmissionRequestException("AdmissionReview request for " + r.kind + " has no object");
        }
        if (!r.object.objects.contains(path)) {
            throw new BadAdmissionRequestException("AdmissionReview request object is not a " + r.kind
                    + " with a pod spec");
        }
        Set<String> old = new HashSet<>();
        if (r.operation.equals("UPDATE") && r.oldObject != null) {
            for (ContainerImage c : images(r.oldObject, path)) {
                old.add(c.kind().name() + " " + c.image());
            }
        }
        List<ContainerImage> images = new ArrayList<>();
        for (ContainerImage c : images(r.object, path)) {
            images.add(new ContainerImage(c.kind(), c.containerName(), c.image(),
                    old.contains(c.kind().name() + " " + c.image())));
        }
        String name = !r.name.isEmpty() ? r.name : !r.object.name.isEmpty() ? r.object.name
                : !r.object.generateName.isEmpty() ? r.object.generateName + "*" : "";
        return Optional.of(new AdmissionSubject(r.uid, r.kind, r.namespace, name, r.operation, r.dryRun, images));
    }

    /** The images of the pod spec at {@code path}, in the order kube-apiserver's pod spec has them. */
    private static List<ContainerImage> images(ObjectCapture o, String path) {
        String prefix = path.isEmpty() ? "" : path + ".";
        List<ContainerImage> out = new ArrayList<>();
        if (!path.isEmpty()) {
            out.addAll(o.containers.getOrDefault(prefix + "initContainers", List.of()));
            out.addAll(o.containers.getOrDefault(prefix + "containers", List.of()));
        }
        out.addAll(o.containers.getOrDefault(prefix + "ephemeralContainers", List.of()));
        return out;
    }

    private static String text(JsonParser p, JsonToken value, String where)
            throws IOException, BadAdmissionRequestException {
        if (value == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        throw new BadAdmissionRequestException("request body is not a valid AdmissionReview: unexpected JSON value"
                + " at " + where);
    }

    private static void expect(JsonToken got, JsonToken wanted, String where) throws BadAdmissionRequestException {
        if (got != wanted) {
            throw new BadAdmissionRequestException("request body is not a valid AdmissionReview: unexpected JSON"
                    + " value at " + where);
        }
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String quote(String s) {
        return s == null ? "(none)" : "\"" + AdmissionCodec.oneLine(s) + "\"";
    }
}
