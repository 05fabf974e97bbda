package dev.ecrgate.audit;

import io.fabric8.kubernetes.api.model.Namespace;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which namespaces the audit looks at: every one but those configured to be skipped and those labelled
 * {@value #IGNORE_LABEL}{@code =true}, as the webhook's namespaceSelector leaves them alone. One rule for the serve
 * loop (which takes a value per run from what its informers saw) and {@code ecrgate audit} (from what it listed).
 * An immutable value; pure.
 *
 * @param skipped namespaces never audited (configured, and ecrgate's own)
 * @param ignored namespaces labelled {@value #IGNORE_LABEL}{@code =true}
 */
public record AuditNamespaces(Set<String> skipped, Set<String> ignored) implements Predicate<String> {
    /** Namespaces with this label set to {@code true} are left alone, as the webhook leaves them. */
    public static final String IGNORE_LABEL = "ecrgate.dev/ignore";

    public AuditNamespaces {
        skipped = Set.copyOf(skipped);
        ignored = Set.copyOf(ignored);
    }

    /** Whether {@code namespace} asks to be left alone by its label. */
    public static boolean ignores(Namespace namespace) {
        Map<String, String> labels = namespace.getMetadata() == null ? null : namespace.getMetadata().getLabels();
        return labels != null && "true".equals(labels.get(IGNORE_LABEL));
    }

    /** Whether the workloads of {@code namespace} are audited. */
    @Override
    public boolean test(String namespace) {
        return !skipped.contains(namespace) && !ignored.contains(namespace);
    }
}
