package dev.ecrgate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Who answers for each running image: a table of clusters and the owners and images they report. */
class OwnersTest {
    static PodSpec spec(String... images) {
        PodSpecBuilder b = new PodSpecBuilder();
        for (int i = 0; i < images.length; i++) {
            b.addNewContainer().withName("c" + i).withImage(images[i]).endContainer();
        }
        return b.build();
    }

    static io.fabric8.kubernetes.api.model.OwnerReference controller(String kind, String name) {
        return new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind(kind).withName(name)
                .withUid("uid-" + name).withController(true).build();
    }

    static HasMetadata deployment(String name, String... images) {
        return new DeploymentBuilder().withNewMetadata().withNamespace("team").withName(name).withUid("uid-" + name)
                .endMetadata().withNewSpec().withNewTemplate().withSpec(spec(images)).endTemplate().endSpec().build();
    }

    static HasMetadata replicaSet(String name, String deployment, String... images) {
        return new ReplicaSetBuilder().withNewMetadata().withNamespace("team").withName(name).withUid("uid-" + name)
                .addToOwnerReferences(controller("Deployment", deployment)).endMetadata().withNewSpec()
                .withNewTemplate().withSpec(spec(images)).endTemplate().endSpec().build();
    }

    static Pod pod(String name, Optional<io.fabric8.kubernetes.api.model.OwnerReference> owner, String phase,
                   String... images) {
        PodBuilder b = new PodBuilder().withNewMetadata().withNamespace("team").withName(name).withUid("uid-" + name)
                .endMetadata().withSpec(spec(images)).withNewStatus().withPhase(phase).endStatus();
        owner.ifPresent(o -> b.editMetadata().addToOwnerReferences(o).endMetadata());
        return b.build();
    }

    static Pod podOf(String kind, String owner, String name, String... images) {
        return pod(name, Optional.of(controller(kind, owner)), "Running", images);
    }

    static Arguments cluster(String name, List<HasMetadata> objects, List<String> expected) {
        return Arguments.of(name, objects, expected);
    }

    static Stream<Arguments> clusters() {
        return Stream.of(
                cluster("a bare pod answers for itself",
                        List.of(pod("web", Optional.empty(), "Running", "r/web:1")),
                        List.of("Pod web: c0=r/web:1")),
                cluster("a deployment answers for its replica sets' pods, template first, each image once",
                        List.of(deployment("api", "r/api:2"), replicaSet("api-1", "api", "r/api:1"),
                                podOf("ReplicaSet", "api-1", "api-1-a", "r/api:1"),
                                podOf("ReplicaSet", "api-1", "api-1-b", "r/api:1")),
                        List.of("Deployment api: c0=r/api:2 c0=r/api:1")),
                cluster("an old replica set's template adds nothing when no pod of it runs",
                        List.of(deployment("api", "r/api:2"), replicaSet("api-0", "api", "r/api:0")),
                        List.of("Deployment api: c0=r/api:2")),
                cluster("a finished pod runs nothing",
                        List.of(pod("done", Optional.empty(), "Succeeded", "r/once:1"),
                                pod("failed", Optional.empty(), "Failed", "r/once:1")),
                        List.of()),
                cluster("a cron job answers for its jobs' pods",
                        List.of(new CronJobBuilder().withNewMetadata().withNamespace("team").withName("nightly")
                                        .withUid("uid-nightly").endMetadata().withNewSpec().withNewJobTemplate()
                                        .withNewSpec().withNewTemplate().withSpec(spec("r/job:1")).endTemplate()
                                        .endSpec().endJobTemplate().endSpec().build(),
                                new JobBuilder().withNewMetadata().withNamespace("team").withName("nightly-1")
                                        .withUid("uid-nightly-1").addToOwnerReferences(controller("CronJob",
                                                "nightly")).endMetadata().withNewSpec().withNewTemplate()
                                        .withSpec(spec("r/job:1")).endTemplate().endSpec().build(),
                                podOf("Job", "nightly-1", "nightly-1-x", "r/job:1", "r/sidecar:1")),
                        List.of("CronJob nightly: c0=r/job:1 c1=r/sidecar:1")),
                cluster("a pod whose known-kind owner is not seen yet waits for it",
                        List.of(podOf("ReplicaSet", "unseen", "orphan-a", "r/api:1")),
                        List.of()),
                cluster("a pod of an operator's resource answers for itself",
                        List.of(pod("db-0", Optional.of(new OwnerReferenceBuilder().withApiVersion("acid.zalan.do/v1")
                                .withKind("postgresql").withName("db").withUid("uid-db").withController(true)
                                .build()), "Running", "r/pg:16")),
                        List.of("Pod db-0: c0=r/pg:16")),
                cluster("a cycle of controllers ends, leaving its pods out",
                        List.of(replicaSet("a", "b-dep"), new ReplicaSetBuilder().withNewMetadata()
                                        .withNamespace("team").withName("b-dep").withUid("uid-b-dep")
                                        .addToOwnerReferences(controller("ReplicaSet", "a")).endMetadata().build(),
                                podOf("ReplicaSet", "a", "looped", "r/x:1")),
                        List.of()),
                cluster("a skipped namespace is not audited",
                        List.of(new PodBuilder().withNewMetadata().withNamespace("kube-system").withName("dns")
                                .withUid("uid-dns").endMetadata().withSpec(spec("r/dns:1")).build()),
                        List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clusters")
    void findsTheOwnersAndTheirImages(String name, List<HasMetadata> objects, List<String> expected) {
        List<Workload> workloads = new ArrayList<>();
        for (HasMetadata o : objects) {
            Workload.of(o).ifPresent(workloads::add);
        }
        List<String> seen = Owners.of(workloads, ns -> !ns.equals("kube-system")).stream()
                .map(o -> o.owner().kind() + " " + o.owner().name() + ":" + o.images().stream()
                        .map(i -> " " + i.containerName() + "=" + i.image()).reduce("", String::concat))
                .toList();
        assertEquals(expected, seen);
    }
}
