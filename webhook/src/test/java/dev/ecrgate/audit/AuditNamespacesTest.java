package dev.ecrgate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The one namespace rule of the audit, for serve --audit and ecrgate audit alike. */
class AuditNamespacesTest {
    static final AuditNamespaces RULE = new AuditNamespaces(Set.of("kube-system", "ecrgate"), Set.of("ops"));

    static Stream<Arguments> namespaces() {
        return Stream.of(
                Arguments.of("a namespace of no list is audited", "team-blue", true),
                Arguments.of("a configured one is skipped", "kube-system", false),
                Arguments.of("ecrgate's own is skipped", "ecrgate", false),
                Arguments.of("one labelled to be left alone is skipped", "ops", false),
                Arguments.of("names are matched whole", "kube-system-extra", true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("namespaces")
    void onlyTheNamespacesTheWebhookChecksAreAudited(String name, String namespace, boolean audited) {
        assertEquals(audited, RULE.test(namespace));
    }

    static Stream<Arguments> labels() {
        return Stream.of(
                Arguments.of("labelled true, it is left alone", Map.of(AuditNamespaces.IGNORE_LABEL, "true"), true),
                Arguments.of("labelled anything else, it is not", Map.of(AuditNamespaces.IGNORE_LABEL, "yes"), false),
                Arguments.of("without the label, it is not", Map.of("team", "blue"), false),
                Arguments.of("without labels, it is not", Map.of(), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("labels")
    void theIgnoreLabelIsReadAsTheWebhooksSelectorReadsIt(String name, Map<String, String> labels, boolean ignored) {
        Namespace ns = new NamespaceBuilder().withNewMetadata().withName("n").withLabels(labels.isEmpty() ? null
                : labels).endMetadata().build();
        assertEquals(ignored, AuditNamespaces.ignores(ns));
    }
}
