package dev.ecrgate.cli.check;

import dev.ecrgate.policy.Decision;
import dev.ecrgate.policy.DecisionText;
import dev.ecrgate.text.OutsideText;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code ecrgate check} found for one manifest: the webhook's decision on its CREATE, or nothing when ecrgate
 * does not check its kind.
 *
 * @param manifest  the object as read
 * @param namespace the namespace it was checked in (its own, else {@code --namespace}, else {@code default})
 * @param decision  the decision, or empty when the kind is not checked
 */
public record Checked(Manifest manifest, String namespace, Optional<Decision> decision) {
    public Checked {
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(decision, "decision");
    }

    /** The outcome, in the words of the webhook's {@code decision} audit annotation, plus {@code skipped}. */
    public enum Outcome {
        ALLOWED("allowed"), WARNED("allowed-with-warnings"), DENIED("denied"), SKIPPED("skipped");

        private final String word;

        Outcome(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }
    }

    public Outcome outcome() {
        if (decision.isEmpty()) {
            return Outcome.SKIPPED;
        }
        if (!decision.get().allowed()) {
            return Outcome.DENIED;
        }
        return warnings().isEmpty() ? Outcome.ALLOWED : Outcome.WARNED;
    }

    /**
     * {@code Deployment team-blue/worker}; {@code Namespace team-blue} for a kind that lives in no namespace. The
     * parts come from a file, so they are shown by {@link OutsideText}'s rule: a report cannot be made to read
     * differently from what the file says.
     */
    public String title() {
        String name = manifest.name().isEmpty() ? "(no name)" : manifest.name();
        return OutsideText.shown(manifest.kind() + " " + (clusterScoped() ? "" : namespace + "/") + name);
    }

    /**
     * Whether the object is of a built-in kind that lives in no namespace (Namespace, ClusterRole, webhook
     * configurations, ...). Such objects are never checked; a custom resource's scope is unknown here and it is
     * shown as namespaced.
     */
    public boolean clusterScoped() {
        String group = manifest.apiVersion().contains("/")
                ? manifest.apiVersion().substring(0, manifest.apiVersion().indexOf('/')) : "";
        return CLUSTER_SCOPED.contains(group + "/" + manifest.kind());
    }

    /** Built-in cluster-scoped kinds, as {@code group/Kind} ({@code /Kind} for the core group). */
    private static final java.util.Set<String> CLUSTER_SCOPED = java.util.Set.of(
            "/Namespace", "/Node", "/PersistentVolume", "/ComponentStatus",
            "rbac.authorization.k8s.io/ClusterRole", "rbac.authorization.k8s.io/ClusterRoleBinding",
            "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
            "admissionregistration.k8s.io/MutatingWebhookConfiguration",
            "admissionregistration.k8s.io/ValidatingAdmissionPolicy",
            "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
            "admissionregistration.k8s.io/MutatingAdmissionPolicy",
            "admissionregistration.k8s.io/MutatingAdmissionPolicyBinding",
            "apiextensions.k8s.io/CustomResourceDefinition", "apiregistration.k8s.io/APIService",
            "storage.k8s.io/StorageClass", "storage.k8s.io/CSIDriver", "storage.k8s.io/CSINode",
            "storage.k8s.io/VolumeAttachment", "scheduling.k8s.io/PriorityClass",
            "node.k8s.io/RuntimeClass", "networking.k8s.io/IngressClass", "networking.k8s.io/IPAddress",
            "networking.k8s.io/ServiceCIDR", "certificates.k8s.io/CertificateSigningRequest",
            "flowcontrol.apiserver.k8s.io/FlowSchema",
            "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration",
            "resource.k8s.io/DeviceClass", "ecrgate.dev/ImagePolicy");

    /** The webhook's denial message, as kubectl prints it after "denied the request: ". */
    public Optional<String> message() {
        return decision.filter(d -> !d.allowed()).map(DecisionText::message);
    }

    /** The webhook's warnings, whole: kubectl would cut each to 120 characters after "Warning: ". */
    public List<String> warnings() {
        return decision.map(DecisionText::warningLines).orElse(List.of());
    }

    /** How many of each outcome, for the summary line. */
    public record Summary(int resources, int allowed, int warned, int denied, int skipped) {
        public static Summary of(List<Checked> checked) {
            int[] n = new int[Outcome.values().length];
            for (Checked c : checked) {
                n[c.outcome().ordinal()]++;
            }
            return new Summary(checked.size(), n[0], n[1], n[2], n[3]);
        }

        /** {@code 3 resources: 1 allowed, 1 warned, 1 denied, 0 skipped}. */
        @Override
        public String toString() {
            return resources + (resources == 1 ? " resource: " : " resources: ") + allowed + " allowed, " + warned
                    + " warned, " + denied + " denied, " + skipped + " skipped";
        }
    }
}
