package dev.ecrgate.server;

import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.policy.Decision;
import dev.ecrgate.policy.Violation;
import dev.ecrgate.text.JsonText;
import dev.ecrgate.text.OutsideText;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per decision, on the logger {@code ecrgate.decision}: at warn level when it denies, at info level when
 * it warns or has audit-mode violations, and every other decision at debug level.
 *
 * <p>A line names the request (uid, namespace, kind, name, the requesting user, operation, dryRun), each image with
 * its digest when known, the decision, the policies that applied, the broken rules and the latency. Never the request
 * body, and nothing from the user's credentials but the name. Strings from outside are shown through
 * {@link OutsideText} (JSON values with {@code shown}, {@code key=value} values that need it {@code quoted}) before the
 * format's own encoding, so a crafted image name cannot split a line, forge a field, or carry a bidirectional override
 * or a terminal escape to whoever reads the log.
 */
public final class DecisionLog {
    /** How a line is written: one JSON object, or {@code key=value} text for reading in a terminal. */
    public enum Format {
        JSON, TEXT;

        /** Parses {@code json} or {@code text}, in any case. */
        public static Format parse(String text) {
            for (Format f : values()) {
                if (f.name().equalsIgnoreCase(text.strip())) {
                    return f;
                }
            }
            throw new IllegalArgumentException("--log-format must be json or text, got \"" + text + "\"");
        }
    }

    /** One container's image as the decision saw it. */
    public record Image(String container, String image, Optional<String> digest) {
        public Image {
            Objects.requireNonNull(container, "container");
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(digest, "digest");
        }
    }

    /**
     * A decision with what the log adds to it.
     *
     * @param user    the requesting user ({@code userInfo.username}), empty when the request has none
     * @param images  every container's image, in spec order, with the digest a tag pointed to when it was looked up
     * @param latency from the request's body to the decision
     */
    public record Entry(Decision decision, String user, List<Image> images, Duration latency) {
        public Entry {
            Objects.requireNonNull(decision, "decision");
            Objects.requireNonNull(user, "user");
            images = List.copyOf(images);
            Objects.requireNonNull(latency, "latency");
        }
    }

    /** The level a line is logged at. */
    enum Level {
        DEBUG, INFO, WARN
    }

    /** The longest a value from outside is logged, in characters of its escaped form. */
    static final int VALUE_LENGTH = 2048;
    private static final Logger LOG = LoggerFactory.getLogger("ecrgate.decision");
    private final Format format;

    public DecisionLog() {
        this(Format.JSON);
    }

    public DecisionLog(Format format) {
        this.format = Objects.requireNonNull(format, "format");
    }

    public void record(Entry entry) {
        switch (level(entry.decision())) {
            case WARN -> LOG.warn(line(entry));
            case INFO -> {
                if (LOG.isInfoEnabled()) {
                    LOG.info(line(entry));
                }
            }
            default -> {
                if (LOG.isDebugEnabled()) {
                    LOG.debug(line(entry));
                }
            }
        }
    }

    static Level level(Decision decision) {
        if (!decision.allowed()) {
            return Level.WARN;
        }
        return decision.violations().isEmpty() ? Level.DEBUG : Level.INFO;
    }

    String line(Entry entry) {
        return format == Format.JSON ? json(entry) : text(entry);
    }

    private String json(Entry entry) {
        Decision decision = entry.decision();
        AdmissionSubject s = decision.subject();
        StringBuilder b = new StringBuilder(256 + 160 * entry.images().size()
                + 240 * decision.violations().size());
        b.append('{');
        jsonField(b, "decision", Metrics.Verdict.of(decision).label()).append(',');
        jsonField(b, "uid", s.uid()).append(',');
        jsonField(b, "namespace", s.namespace()).append(',');
        jsonField(b, "kind", s.kind()).append(',');
        jsonField(b, "name", shown(s.name())).append(',');
        jsonField(b, "user", shown(entry.user())).append(',');
        jsonField(b, "operation", s.operation()).append(',');
        b.append("\"dryRun\":").append(s.dryRun()).append(",\"images\":[");
        for (int k = 0; k < entry.images().size(); k++) {
            Image i = entry.images().get(k);
            b.append(k == 0 ? "{" : ",{");
            jsonField(b, "container", shown(i.container())).append(',');
            jsonField(b, "image", shown(i.image()));
            if (i.digest().isPresent()) {
                jsonField(b.append(','), "digest", shown(i.digest().get()));
            }
            b.append('}');
        }
        b.append("],\"policies\":[");
        for (int k = 0; k < decision.policies().size(); k++) {
            JsonText.ascii(k == 0 ? b : b.append(','), decision.policies().get(k));
        }
        b.append("],\"violations\":[");
        for (int k = 0; k < decision.violations().size(); k++) {
            Violation v = decision.violations().get(k);
            b.append(k == 0 ? "{" : ",{");
            jsonField(b, "policy", v.policy()).append(',');
            jsonField(b, "rule", v.rule().field()).append(',');
            jsonField(b, "effect", v.effect().name().toLowerCase(Locale.ROOT)).append(',');
            jsonField(b, "container", shown(v.container().containerName())).append(',');
            jsonField(b, "image", shown(v.container().image())).append(',');
            if (v.digest().isPresent()) {
                jsonField(b, "digest", shown(v.digest().get())).append(',');
            }
            jsonField(b, "detail", shown(v.detail())).append('}');
        }
        b.append(']');
        if (!decision.exemptions().isEmpty()) {
            b.append(",\"exemptions\":[");
            for (int k = 0; k < decision.exemptions().size(); k++) {
                JsonText.ascii(k == 0 ? b : b.append(','), shown(decision.exemptions().get(k)));
            }
            b.append(']');
        }
        b.append(",\"latencyMs\":").append(millis(entry.latency())).append('}');
        return b.toString();
    }

    /** {@code "name":"value"}, the value as a JSON string with every non-ASCII character escaped. */
    private static StringBuilder jsonField(StringBuilder b, String name, String value) {
        b.append('"').append(name).append("\":");
        return JsonText.ascii(b, value);
    }

    /**
     * {@code decision=denied uid=... ns=... kind=... name=... user=... op=CREATE images=... policies=...
     * violations=policy/rule,... latency_ms=1.234}, with each value quoted and escaped when it holds a space, a
     * quote, an equals sign, a backslash or a control character.
     */
    private String text(Entry entry) {
        Decision decision = entry.decision();
        AdmissionSubject s = decision.subject();
        StringBuilder b = new StringBuilder(256);
        field(b, "decision", Metrics.Verdict.of(decision).label());
        field(b, "uid", s.uid());
        field(b, "ns", s.namespace());
        field(b, "kind", s.kind());
        field(b, "name", s.name());
        field(b, "user", entry.user());
        field(b, "op", s.operation());
        if (s.dryRun()) {
            field(b, "dryRun", "true");
        }
        field(b, "images", String.join(",", entry.images().stream()
                .map(i -> i.image() + i.digest().filter(d -> !i.image().endsWith(d)).map(d -> "@" + d).orElse(""))
                .toList()));
        field(b, "policies", String.join(",", decision.policies()));
        Set<String> broken = new LinkedHashSet<>();
        for (Violation v : decision.violations()) {
            broken.add(v.policy() + "/" + v.rule().field());
        }
        field(b, "violations", String.join(",", broken));
        field(b, "latency_ms", String.format(Locale.ROOT, "%.3f", millis(entry.latency())));
        return b.toString();
    }

    private static void field(StringBuilder b, String key, String value) {
        if (!b.isEmpty()) {
            b.append(' ');
        }
        b.append(key).append('=');
        boolean plain = !value.isEmpty() && value.chars().allMatch(c -> c > ' ' && c != '"' && c != '=' && c != '\\'
                && c < 0x7f);
        if (plain) {
            b.append(value);
            return;
        }
        b.append(OutsideText.quoted(value, VALUE_LENGTH));
    }

    private static String shown(String value) {
        return OutsideText.shown(value, VALUE_LENGTH);
    }

    private static double millis(Duration d) {
        return Math.round(d.toNanos() / 1_000.0) / 1_000.0;
    }
}
