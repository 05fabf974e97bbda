package dev.ecrgate.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Which requests ecrgate checks, and the images it finds in each kind's pod spec. */
class SubjectsTest {
    static final AdmissionCodec CODEC = new AdmissionCodec();
    static final ReviewReader READER = new ReviewReader(CODEC);

    /**
     * The subject as the bound model gives it, checked against the streaming reader the server uses: the two must
     * always agree.
     */
    static Optional<AdmissionSubject> subjectOf(String review) throws Exception {
        byte[] bytes = review.getBytes(StandardCharsets.UTF_8);
        Optional<AdmissionSubject> bound = Subjects.of(CODEC.decode(bytes).getRequest());
        assertEquals(bound, READER.read(bytes).subject(), "the streaming reader agrees with the bound model");
        return bound;
    }
    static final String SPEC = "{\"initContainers\":[{\"name\":\"init\",\"image\":\"busybox:1.36\"}],"
            + "\"containers\":[{\"name\":\"app\",\"image\":\"nginx:1.27\"},{\"name\":\"side\",\"image\":\"envoy\"}],"
            + "\"ephemeralContainers\":[{\"name\":\"dbg\",\"image\":\"alpine\"}]}";
    static final String TEMPLATE = "{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":" + SPEC + "}";
    static final List<String> ALL = List.of("INIT_CONTAINER init busybox:1.36", "CONTAINER app nginx:1.27",
            "CONTAINER side envoy", "EPHEMERAL_CONTAINER dbg alpine");

    static String review(String group, String version, String kind, String operation, String subResource,
                         String object, String oldObject) {
        String apiVersion = group.isEmpty() ? version : group + "/" + version;
        return "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{"
                + "\"uid\":\"u-1\",\"kind\":{\"group\":\"" + group + "\",\"version\":\"" + version + "\",\"kind\":\""
                + kind + "\"},\"namespace\":\"team-blue\",\"name\":\"x\",\"operation\":\"" + operation + "\","
                + (subResource == null ? "" : "\"subResource\":\"" + subResource + "\",")
                + "\"userInfo\":{\"username\":\"alice\"},\"dryRun\":false,"
                + "\"object\":" + object.replace("$AV", apiVersion).replace("$K", kind)
                + (oldObject == null ? "" : ",\"oldObject\":" + oldObject.replace("$AV", apiVersion)
                .replace("$K", kind)) + "}}";
    }

    static String object(String specPath) {
        return "{\"apiVersion\":\"$AV\",\"kind\":\"$K\",\"metadata\":{\"name\":\"x\"}," + specPath + "}";
    }

    static Stream<Arguments> kinds() {
        String pod = object("\"spec\":" + SPEC);
        String templated = object("\"spec\":{\"selector\":{},\"template\":" + TEMPLATE + "}");
        String cron = object("\"spec\":{\"schedule\":\"* * * * *\",\"jobTemplate\":{\"spec\":{\"template\":"
                + TEMPLATE + "}}}");
        return Stream.of(
                Arguments.of("a Pod", review("", "v1", "Pod", "CREATE", null, pod, null), ALL),
                Arguments.of("a Deployment", review("apps", "v1", "Deployment", "CREATE", null, templated, null), ALL),
                Arguments.of("a ReplicaSet", review("apps", "v1", "ReplicaSet", "CREATE", null, templated, null), ALL),
                Arguments.of("a StatefulSet", review("apps", "v1", "StatefulSet", "CREATE", null, templated, null),
                        ALL),
                Arguments.of("a DaemonSet", review("apps", "v1", "DaemonSet", "CREATE", null, templated, null), ALL),
                Arguments.of("a Job", review("batch", "v1", "Job", "CREATE", null, templated, null), ALL),
                Arguments.of("a CronJob", review("batch", "v1", "CronJob", "CREATE", null, cron, null), ALL),
                Arguments.of("a ReplicationController",
                        review("", "v1", "ReplicationController", "CREATE", null, templated, null), ALL),
                Arguments.of("an UPDATE of a Pod", review("", "v1", "Pod", "UPDATE", null, pod, pod), ALL),
                Arguments.of("the ephemeralcontainers subresource of a Pod",
                        review("", "v1", "Pod", "UPDATE", "ephemeralcontainers", pod, null), ALL));
    }

    @ParameterizedTest(name = "finds every image of {0}")
    @MethodSource("kinds")
    void findsEveryImage(String name, String review, List<String> expected) throws Exception {
        AdmissionSubject s = subjectOf(review).orElseThrow();
        assertEquals(expected, s.images().stream().map(i -> i.kind() + " " + i.containerName() + " " + i.image())
                .toList());
        assertEquals("team-blue", s.namespace());
    }

    static Stream<Arguments> ignored() {
        String pod = object("\"spec\":" + SPEC);
        return Stream.of(
                Arguments.of("a ConfigMap", review("", "v1", "ConfigMap", "CREATE", null,
                        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"data\":{}}", null)),
                Arguments.of("a DELETE", review("", "v1", "Pod", "DELETE", null, pod, null)),
                Arguments.of("a CONNECT", review("", "v1", "Pod", "CONNECT", null, pod, null)),
                Arguments.of("the status subresource", review("", "v1", "Pod", "UPDATE", "status", pod, null)),
                Arguments.of("the scale subresource", review("apps", "v1", "Deployment", "UPDATE", "scale",
                        "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"Scale\",\"spec\":{\"replicas\":3}}", null)));
    }

    @ParameterizedTest(name = "leaves {0} alone")
    @MethodSource("ignored")
    void leavesOtherRequestsAlone(String name, String review) throws Exception {
        assertEquals(Optional.empty(), subjectOf(review));
    }

    @Test
    void marksImagesTheOldObjectAlreadyRanInTheSameList() throws Exception {
        String old = object("\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"nginx:1.27\"},"
                + "{\"name\":\"side\",\"image\":\"busybox:1.36\"}]}");
        String pod = object("\"spec\":" + SPEC);
        AdmissionSubject s = subjectOf(review("", "v1", "Pod", "UPDATE", null, pod, old)).orElseThrow();
        assertEquals(List.of("init false", "app true", "side false", "dbg false"),
                s.images().stream().map(i -> i.containerName() + " " + i.preExisting()).toList(),
                "busybox ran as a container before, not as an init container");
    }

    @Test
    void aCreateHasNothingPreExistingEvenWithAnOldObject() throws Exception {
        String pod = object("\"spec\":" + SPEC);
        AdmissionSubject s = subjectOf(review("", "v1", "Pod", "CREATE", null, pod, pod)).orElseThrow();
        assertTrue(s.images().stream().noneMatch(ContainerImage::preExisting));
    }

    @ParameterizedTest(name = "reads {0} as the bound model does")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"allow-pod.json", "warn-deployment.json",
            "deny-pod.json", "update-scale-deployment.json"})
    void readsTheExamplesAsTheBoundModelDoes(String example) throws Exception {
        String review = java.nio.file.Files.readString(java.nio.file.Path.of("../examples/requests/" + example));
        AdmissionSubject s = subjectOf(review).orElseThrow();
        ReviewReader.Review read = READER.read(review.getBytes(StandardCharsets.UTF_8));
        assertEquals(s.uid(), read.uid());
        assertEquals("alice@example.com", read.user());
    }

    @Test
    void aCheckedKindWithoutAnObjectIsABadRequest() throws Exception {
        String r = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\","
                + "\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},\"operation\":\"CREATE\"}}";
        assertThrows(BadAdmissionRequestException.class,
                () -> Subjects.of(CODEC.decode(r.getBytes(StandardCharsets.UTF_8)).getRequest()));
        assertThrows(BadAdmissionRequestException.class, () -> READER.read(r.getBytes(StandardCharsets.UTF_8)));
    }
}
