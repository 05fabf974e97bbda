package dev.ecrgate.cli;

import dev.ecrgate.audit.AuditNamespaces;
import dev.ecrgate.audit.Workload;
import dev.ecrgate.text.OutsideText;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Listable;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/**
 * One reading of the cluster for {@code ecrgate audit}: what the audit keeps ({@link Workload}) of every Pod and
 * workload object, and which namespaces are labelled {@value AuditNamespaces#IGNORE_LABEL}{@code =true}. It lists in
 * pages, keeping only the slim values, so a large cluster's objects are never all in memory; it never watches and
 * never writes.
 *
 * @param workloads the Pods and workload objects, of every kind the webhook checks
 * @param ignored   the namespaces labelled to be left alone
 */
record ClusterSnapshot(List<Workload> workloads, Set<String> ignored) {
    private static final long PAGE = 500;

    ClusterSnapshot {
        workloads = List.copyOf(workloads);
        ignored = Set.copyOf(ignored);
    }

    /**
     * Lists the cluster's workloads, in {@code namespace} or in every namespace.
     *
     * @param notes told what the reading could not see but went on without (namespace labels it may not read)
     * @throws Unreadable with the message for the user when the API server cannot be reached or refuses a list
     */
    static ClusterSnapshot read(KubernetesClient client, Optional<String> namespace, Consumer<String> notes)
            throws Unreadable {
        Set<String> ignored = new HashSet<>();
        try {
            if (namespace.isPresent()) {
                Namespace ns = client.namespaces().withName(namespace.get()).get();
                if (ns == null) {
                    throw new Unreadable("namespace " + OutsideText.quoted(namespace.get()) + " not found at "
                            + server(client));
                }
                if (AuditNamespaces.ignores(ns)) {
                    ignored.add(namespace.get());
                }
            } else {
                String next = null;
                do {
                    NamespaceList page = client.namespaces().list(options(next));
                    page.getItems().stream().filter(AuditNamespaces::ignores)
                            .forEach(ns -> ignored.add(ns.getMetadata().getName()));
                    next = next(page);
                } while (next != null);
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() != 403) {
                throw new Unreadable("cannot read namespaces from " + server(client) + ": " + describe(e));
            }
            notes.accept("cannot read namespace labels (" + describe(e) + "): namespaces labelled "
                    + AuditNamespaces.IGNORE_LABEL + "=true are audited too");
        }
        List<Workload> workloads = new ArrayList<>();
        list(client, client.pods(), "pods", namespace, workloads);
        list(client, client.apps().deployments(), "deployments", namespace, workloads);
        list(client, client.apps().replicaSets(), "replicasets", namespace, workloads);
        list(client, client.apps().statefulSets(), "statefulsets", namespace, workloads);
        list(client, client.apps().daemonSets(), "daemonsets", namespace, workloads);
        list(client, client.batch().v1().jobs(), "jobs", namespace, workloads);
        list(client, client.batch().v1().cronjobs(), "cronjobs", namespace, workloads);
        list(client, client.replicationControllers(), "replicationcontrollers", namespace, workloads);
        return new ClusterSnapshot(workloads, ignored);
    }

    private static <T extends HasMetadata, L extends KubernetesResourceList<T>> void list(
            KubernetesClient client, MixedOperation<T, L, ?> kind, String plural, Optional<String> namespace,
            List<Workload> into) throws Unreadable {
        Listable<L> listable = namespace.isPresent() ? kind.inNamespace(namespace.get()) : kind.inAnyNamespace();
        try {
            String next = null;
            do {
                L page = listable.list(options(next));
                for (T item : page.getItems()) {
                    Workload.of(item).ifPresent(into::add);
                }
                next = next(page);
            } while (next != null);
        } catch (KubernetesClientException e) {
            throw new Unreadable("cannot list " + plural + namespace.map(n -> " in namespace " + OutsideText.quoted(n))
                    .orElse("") + " from " + server(client) + ": " + describe(e));
        }
    }

    private static io.fabric8.kubernetes.api.model.ListOptions options(String next) {
        return new ListOptionsBuilder().withLimit(PAGE).withContinue(next).build();
    }

    private static String next(KubernetesResourceList<?> page) {
        String next = page.getMetadata() == null ? null : page.getMetadata().getContinue();
        return next == null || next.isEmpty() ? null : next;
    }

    private static String server(KubernetesClient client) {
        return OutsideText.shown(String.valueOf(client.getConfiguration().getMasterUrl()).replaceAll("/$", ""));
    }

    /**
     * Why a request failed, in a few words: the API server's own message for an answer (403 names the user and the
     * permission), else what the connection met.
     */
    static String describe(KubernetesClientException e) {
        if (e.getCode() > 0) {
            String message = e.getStatus() != null && e.getStatus().getMessage() != null
                    && !e.getStatus().getMessage().isBlank() ? e.getStatus().getMessage() : "no message";
            return "HTTP " + e.getCode() + ": " + OutsideText.shown(message.strip(), 240);
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return "connection refused";
            }
            if (t instanceof UnknownHostException) {
                return "unknown host" + (t.getMessage() == null ? "" : " " + OutsideText.shown(t.getMessage()));
            }
            if (t instanceof HttpTimeoutException) {
                return "timed out";
            }
            if (t instanceof SSLException) {
                return "TLS failed: " + OutsideText.shown(String.valueOf(t.getMessage()), 240);
            }
            if (t instanceof InterruptedException) {
                return "interrupted";
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        return OutsideText.shown(m == null || m.isBlank() ? root.getClass().getSimpleName()
                : m.lines().findFirst().orElse(m), 240);
    }

    /** The cluster could not be read: the message is all the user sees. */
    static final class Unreadable extends Exception {
        private static final long serialVersionUID = 1L;

        Unreadable(String message) {
            super(message, null, false, false);
        }
    }
}
