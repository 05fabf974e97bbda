package dev.ecrgate.audit;

import dev.ecrgate.audit.AuditedReport.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The audit's meters, {@code ecrgate_audit_*}: owners by result, the last run and how long runs take, what was
 * written to the API, and what failed. Thread safe.
 */
public final class AuditMetrics {
    private final Map<Verdict, AtomicInteger> owners = new EnumMap<>(Verdict.class);
    private final AtomicLong lastRun = new AtomicLong();
    private final AtomicInteger leader = new AtomicInteger();
    private final AtomicInteger workloads = new AtomicInteger();
    private final Timer runs;
    private final MeterRegistry registry;

    public AuditMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (Verdict v : Verdict.values()) {
            AtomicInteger n = new AtomicInteger();
            owners.put(v, n);
            if (v != Verdict.SKIP) {
                Gauge.builder("ecrgate_audit_workloads", n, AtomicInteger::get).tag("result", v.wire())
                        .description("Owners (Deployments, ..., bare Pods) by their worst result in the last audit")
                        .register(registry);
            }
        }
        Gauge.builder("ecrgate_audit_last_run_timestamp_seconds", lastRun, AtomicLong::get)
                .description("When the last audit run finished, in seconds since the epoch").register(registry);
        Gauge.builder("ecrgate_audit_leader", leader, AtomicInteger::get)
                .description("1 while this replica runs the audit (holds the lease)").register(registry);
        Gauge.builder("ecrgate_audit_objects", workloads, AtomicInteger::get)
                .description("Pods and workload objects the audit watches").register(registry);
        runs = Timer.builder("ecrgate_audit_run_duration").description("How long an audit run takes")
                .register(registry);
    }

    void ran(Map<Verdict, Integer> byWorst, Instant at, Duration took) {
        byWorst.forEach((v, n) -> owners.get(v).set(n));
        lastRun.set(at.getEpochSecond());
        runs.record(took);
    }

    void watching(int objects) {
        workloads.set(objects);
    }

    void leading(boolean yes) {
        leader.set(yes ? 1 : 0);
    }

    /** A report written ({@code apply}, {@code delete}) or an Event sent ({@code event}). */
    void wrote(String what) {
        Counter.builder("ecrgate_audit_writes_total").tag("kind", what)
                .description("Writes to the Kubernetes API: report applies and deletes, events").register(registry)
                .increment();
    }

    void failed(String what) {
        Counter.builder("ecrgate_audit_errors_total").tag("operation", what)
                .description("Audit operations that failed (API reads and writes, runs)").register(registry)
                .increment();
    }

    /** The value of the writes counter for {@code what}, for tests and the benchmark. */
    public double writes(String what) {
        Counter c = registry.find("ecrgate_audit_writes_total").tag("kind", what).counter();
        return c == null ? 0 : c.count();
    }
}
