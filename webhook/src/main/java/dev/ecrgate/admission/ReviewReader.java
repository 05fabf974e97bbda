package dev.ecrgate.admission;

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
 * Reads an AdmissionReview request in one pass over its bytes ({@link JsonCursor}), keeping only what the decision
 * needs: the request's identity and the names and images of the pod spec's containers. Everything else
 * (managedFields, env, volumes, status...) is skipped without being built, its syntax checked as it is skipped,
 * which makes this several times cheaper than binding the whole object to the Kubernetes model, and is what the
 * webhook's hot path uses. {@link Subjects} reads the same from the bound model, for the command line; tests (and a
 * fuzz target) keep the two in agreement.
 *
 * <p>Same rules as {@link AdmissionCodec#decode} and {@link Subjects#of}: the codec's parser limits, duplicate keys
 * refused among the fields read, {@code admission.k8s.io/v1} only, a uid required, and the same kinds, operations
 * and subresources checked. Fields that do not matter to the decision are not validated beyond JSON's grammar.
 * Thread safe.
 */
public final class ReviewReader {
    /** The pod specs of every {@link WorkloadKind}: their container lists are read. */
    private static final Set<String> POD_SPECS = Arrays.stream(WorkloadKind.values())
            .map(WorkloadKind::podSpecPath).filter(p -> !p.isEmpty()).collect(Collectors.toUnmodifiableSet());
    /** The objects the walk descends into: metadata, and every object on the way to a pod spec. */
    private static final Set<String> DESCEND = Stream.concat(Stream.of("", "metadata"), POD_SPECS.stream()
            .flatMap(ReviewReader::withParents)).collect(Collectors.toUnmodifiableSet());

    private static final JsonCursor.Names TOP = new JsonCursor.Names("apiVersion", "kind", "request");
    private static final int API_VERSION = 0;
    private static final int KIND = 1;
    private static final int REQUEST = 2;
    private static final JsonCursor.Names REQUEST_FIELDS = new JsonCursor.Names("uid", "kind", "operation",
            "subResource", "name", "namespace", "dryRun", "userInfo", "object", "oldObject");
    private static final JsonCursor.Names GVK = new JsonCursor.Names("group", "version", "kind");
    private static final JsonCursor.Names USER = new JsonCursor.Names("username");
    /** The names on the way to a pod spec's containers, and the object's own name. */
    private static final JsonCursor.Names OBJECT_FIELDS = new JsonCursor.Names("metadata", "spec", "template",
            "jobTemplate", "containers", "initContainers", "ephemeralContainers", "name", "generateName");
    private static final JsonCursor.Names CONTAINER = new JsonCursor.Names("name", "image");

    /** @param codec whose limits (nesting depth, number length) the reader shares */
    public ReviewReader(AdmissionCodec codec) {
        java.util.Objects.requireNonNull(codec, "codec");
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
        JsonCursor p = new JsonCursor(body);
        if (p.peek() != '{') {
            if (p.atEnd()) {
                throw new BadAdmissionRequestException("request body is not a valid AdmissionReview: unexpected"
                        + " JSON value at the top level");
            }
            // a value of another kind is refused as such, after its own syntax is checked
            p.skipValue();
            throw new BadAdmissionRequestException("request body is not a valid AdmissionReview: unexpected JSON"
                    + " value at the top level");
        }
        p.beginObject();
        String apiVersion = null;
        String kind = null;
        RequestCapture request = null;
        while (p.nextField()) {
            switch (p.field(TOP)) {
                case API_VERSION -> apiVersion = p.text("apiVersion");
                case KIND -> kind = p.text("kind");
                case REQUEST -> request = p.nullValue() ? null : request(p);
                default -> p.skipValue();
            }
        }
        if (!p.atEnd()) {
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

    private static RequestCapture request(JsonCursor p) throws BadAdmissionRequestException {
        expectObject(p, "request");
        RequestCapture r = new RequestCapture();
        while (p.nextField()) {
            switch (p.field(REQUEST_FIELDS)) {
                case 0 -> r.uid = p.text("request.uid");
                case 1 -> {
                    if (p.peek() == '{') {
                        p.beginObject();
                        while (p.nextField()) {
                            switch (p.field(GVK)) {
                                case 0 -> r.group = orEmpty(p.text("request.kind.group"));
                                case 1 -> r.version = orEmpty(p.text("request.kind.version"));
                                case 2 -> r.kind = p.text("request.kind.kind");
                                default -> p.skipValue();
                            }
                        }
                        if (r.kind == null) {
                            r.kind = "";
                        }
                    } else if (!p.nullValue()) {
                        throw unexpected("request.kind");
                    }
                }
                case 2 -> r.operation = orEmpty(p.text("request.operation"));
                case 3 -> r.subResource = orEmpty(p.text("request.subResource"));
                case 4 -> r.name = orEmpty(p.text("request.name"));
                case 5 -> r.namespace = orEmpty(p.text("request.namespace"));
                case 6 -> {
                    if (!p.trueValue()) {
                        r.dryRun = false;
                        p.skipValue();
                    } else {
                        r.dryRun = true;
                    }
                }
                case 7 -> {
                    if (p.peek() == '{') {
                        p.beginObject();
                        while (p.nextField()) {
                            if (p.field(USER) == 0) {
                                r.user = orEmpty(p.text("request.userInfo.username"));
                            } else {
                                p.skipValue();
                            }
                        }
                    } else {
                        p.skipValue();
                    }
                }
                case 8 -> r.object = p.nullValue() ? null : object(p, "request.object");
                case 9 -> r.oldObject = p.nullValue() ? null : object(p, "request.oldObject");
                default -> p.skipValue();
            }
        }
        return r;
    }

    private static ObjectCapture object(JsonCursor p, String where) throws BadAdmissionRequestException {
        expectObject(p, where);
        ObjectCapture capture = new ObjectCapture();
        walk(p, "", capture, where);
        return capture;
    }

    /** Reads the object at {@code path} (the cursor is past its opening brace), descending only where specs live. */
    private static void walk(JsonCursor p, String path, ObjectCapture capture, String where)
            throws BadAdmissionRequestException {
        capture.objects.add(path);
        while (p.nextField()) {
            int name = p.field(OBJECT_FIELDS);
            if (name < 0) {
                p.skipValue();
                continue;
            }
            String field = OBJECT_FIELDS.name(name);
            String child = path.isEmpty() ? field : path + "." + field;
            if (path.equals("metadata") && (field.equals("name") || field.equals("generateName"))) {
                String s = orEmpty(p.text(where + "." + child));
                if (field.equals("name")) {
                    capture.name = s;
                } else {
                    capture.generateName = s;
                }
            } else if (isContainerList(path, field)) {
                if (p.peek() == '[') {
                    capture.containers.put(child, containers(p, kindOf(field), where + "." + child));
                } else if (!p.nullValue()) {
                    throw unexpected(where + "." + child);
                }
            } else if (p.peek() == '{' && DESCEND.contains(child)) {
                p.beginObject();
                walk(p, child, capture, where);
            } else {
                p.skipValue();
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

    private static List<ContainerImage> containers(JsonCursor p, ContainerKind kind, String where)
            throws BadAdmissionRequestException {
        List<ContainerImage> out = new ArrayList<>();
        p.beginArray();
        while (p.nextElement()) {
            if (p.nullValue()) {
                continue;
            }
            if (p.peek() != '{') {
                throw unexpected(where + "[" + out.size() + "]");
            }
            p.beginObject();
            String name = "";
            String image = "";
            while (p.nextField()) {
                switch (p.field(CONTAINER)) {
                    case 0 -> name = orEmpty(p.text(where + "[" + out.size() + "].name"));
                    case 1 -> image = orEmpty(p.text(where + "[" + out.size() + "].image"));
                    default -> p.skipValue();
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

    private static void expectObject(JsonCursor p, String where) throws BadAdmissionRequestException {
        if (p.peek() != '{') {
            throw unexpected(where);
        }
        p.beginObject();
    }

    private static BadAdmissionRequestException unexpected(String where) {
        return new BadAdmissionRequestException("request body is not a valid AdmissionReview: unexpected JSON value"
                + " at " + where);
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String quote(String s) {
        return s == null ? "(none)" : "\"" + AdmissionCodec.oneLine(s) + "\"";
    }
}
