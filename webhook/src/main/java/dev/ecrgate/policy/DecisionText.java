package dev.ecrgate.policy;

import dev.ecrgate.admission.AdmissionAnswer;
import dev.ecrgate.admission.AdmissionSubject;
import dev.ecrgate.admission.ContainerImage;
import dev.ecrgate.findings.Finding;
import dev.ecrgate.findings.FixAvailable;
import dev.ecrgate.text.OutsideText;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Turns a {@link Decision} into what people read: the denial message kubectl prints, the warning lines, and the
 * audit annotations. Pure and stateless.
 *
 * <p>The denial message is one block per violating container (name, image, digest), one line per broken rule naming
 * the policy and the rule, the worst findings with package and fixed-in version, what to do next, and then the help
 * text of each policy that denied. It is capped at {@link #MAX_MESSAGE} characters in total, help text included, cut
 * only between violations and ending with "… and N more violations". Every text from outside (names, images,
 * findings, details, help) is shown through {@link OutsideText}, so none can carry a control character, a terminal
 * escape or a bidirectional override into kubectl's output.
 */
public final class DecisionText {
    public static final int MAX_MESSAGE = 3000;
    public static final int MAX_WARNING = 120;
    public static final int MAX_WARNINGS = 20;
    /** The most of {@link #MAX_MESSAGE} that help texts take, so that violations are always shown. */
    public static final int MAX_HELP = 1000;
    /** Room kept for the line that says how many violations were left out. */
    private static final int TAIL_ROOM = 40;
    /** A violation's detail may quote an image reference and a message from AWS; this bounds it. */
    private static final int DETAIL_LENGTH = 600;
    /** A finding's ID, package and versions each come from the scanner. */
    private static final int FINDING_PART_LENGTH = 80;

    private DecisionText() {
    }

    public static AdmissionAnswer answer(Decision decision) {
        Map<String, String> audit = new LinkedHashMap<>();
        List<String> warnings = warnings(decision);
        audit.put("decision", decision.allowed() ? (warnings.isEmpty() ? "allowed" : "allowed-with-warnings")
                : "denied");
        if (!decision.policies().isEmpty()) {
            audit.put("policies", String.join(",", decision.policies()));
        }
        if (!decision.violations().isEmpty()) {
            audit.put("violations", truncate(decision.violations().stream()
                    .map(v -> v.policy() + "/" + v.rule().field() + "/" + v.effect().name().toLowerCase()
                            + "/" + OutsideText.shown(v.container().containerName()))
                    .distinct().collect(Collectors.joining(",")), 1000));
        }
        if (!decision.exemptions().isEmpty()) {
            audit.put("exemptions", truncate(String.join("; ", new LinkedHashSet<>(decision.exemptions()
                    .stream().map(OutsideText::shown).toList())), 1000));
        }
        return new AdmissionAnswer(decision.allowed(),
                decision.allowed() ? Optional.empty() : Optional.of(message(decision)), warnings, audit);
    }

    /**
     * The denial message: every violation with {@link Effect#DENY}, grouped by container, then the help text of each
     * policy whose violations are shown. At most {@link #MAX_MESSAGE} characters in total, help text included: the
     * help is reserved room first (at most {@link #MAX_HELP}), and violations that do not fit in the rest are left out
     * whole, the message then ending with "… and N more violations".
     */
    public static String message(Decision decision) {
        List<Violation> denials = decision.withEffect(Effect.DENY);
        AdmissionSubject s = decision.subject();
        Map<ContainerImage, List<Violation>> byContainer = new LinkedHashMap<>();
        for (Violation v : denials) {
            byContainer.computeIfAbsent(v.container(), c -> new ArrayList<>()).add(v);
        }
        StringBuilder out = new StringBuilder(MAX_MESSAGE + 64);
        out.append(s.kind()).append(s.name().isEmpty() ? "" : " " + OutsideText.quoted(s.name()))
                .append(" in namespace ").append(OutsideText.quoted(s.namespace())).append(": ")
                .append(byContainer.size()).append(byContainer.size() == 1 ? " container breaks" : " containers break")
                .append(" image policy");
        int budget = MAX_MESSAGE - TAIL_ROOM - help(decision, denials.stream().map(Violation::policy).toList())
                .length();
        int shown = 0;
        int total = 0;
        List<String> denyingPolicies = new ArrayList<>();
        for (Map.Entry<ContainerImage, List<Violation>> e : byContainer.entrySet()) {
            ContainerImage c = e.getKey();
            List<Merged> merged = merge(e.getValue());
            total += merged.size();
            if (shown < total - merged.size()) {
                continue;
            }
            StringBuilder block = new StringBuilder(512);
            block.append('\n').append(containerLabel(c)).append(" image ").append(OutsideText.shown(c.image()));
            e.getValue().get(0).digest().filter(d -> !c.image().contains(d))
                    .ifPresent(d -> block.append(" (digest ").append(shortDigest(OutsideText.shown(d))).append(')'));
            int inBlock = 0;
            for (Merged m : merged) {
                String line = lines(m);
                if (out.length() + block.length() + line.length() > budget) {
                    break;
                }
                block.append(line);
                denyingPolicies.addAll(m.policies());
                inBlock++;
            }
            if (inBlock > 0) {
                out.append(block);
            }
            shown += inBlock;
        }
        out.append(help(decision, denyingPolicies));
        if (shown < total) {
            out.append("\n… and ").append(total - shown).append(" more")
                    .append(total - shown == 1 ? " violation" : " violations");
        }
        return out.toString();
    }

    /** The help lines of {@code policies}, each once, in order, at most {@link #MAX_HELP} characters in all. */
    private static String help(Decision decision, List<String> policies) {
        StringBuilder help = new StringBuilder();
        for (String policy : new LinkedHashSet<>(policies)) {
            Optional<String> text = decisionHelp(decision, policy);
            if (text.isPresent()) {
                String line = "\nhelp (" + policy + "): " + OutsideText.shown(text.get());
                if (help.length() + line.length() > MAX_HELP) {
                    break;
                }
                help.append(line);
            }
        }
        return help.toString();
    }

    /** Violations of one container that say the same thing under several policies, shown once. */
    private record Merged(List<String> policies, Violation violation) {
    }

    private static List<Merged> merge(List<Violation> violations) {
        // a container has a few violations: comparing them is cheaper than hashing their details and findings
        List<Merged> out = new ArrayList<>(violations.size());
        for (Violation v : violations) {
            Merged same = null;
            for (Merged m : out) {
                Violation u = m.violation();
                if (u.rule() == v.rule() && u.detail().equals(v.detail()) && u.worst().equals(v.worst())
                        && u.hint().equals(v.hint())) {
                    same = m;
                    break;
                }
            }
            if (same == null) {
                List<String> policies = new ArrayList<>(2);
                policies.add(v.policy());
                out.add(new Merged(policies, v));
            } else {
                same.policies().add(v.policy());
            }
        }
        return out;
    }

    private static Optional<String> decisionHelp(Decision decision, String policy) {
        return Optional.ofNullable(decision.helpTexts().get(policy));
    }

    private static String lines(Merged m) {
        Violation v = m.violation();
        StringBuilder b = new StringBuilder(256);
        b.append("\n  - [").append(String.join(", ", m.policies())).append("] ").append(v.rule().field())
                .append(": ").append(OutsideText.shown(v.detail(), DETAIL_LENGTH));
        if (!v.worst().isEmpty()) {
            b.append("\n    worst: ").append(v.worst().stream().map(DecisionText::finding)
                    .collect(Collectors.joining("; ")));
        }
        v.hint().ifPresent(h -> b.append("\n    next: ").append(OutsideText.shown(h)));
        return b.toString();
    }

    /**
     * One violation on its own, for a report that has a line per container, policy and rule (the background audit's
     * PolicyReport results): which container and image, what is wrong, the worst findings and what to do next, in the
     * words of the denial message. Bounded like a line of it.
     */
    public static String line(Violation v) {
        ContainerImage c = v.container();
        StringBuilder b = new StringBuilder(256).append(containerLabel(c)).append(" image ")
                .append(OutsideText.shown(c.image()));
        v.digest().filter(d -> !c.image().contains(d))
                .ifPresent(d -> b.append(" (digest ").append(shortDigest(OutsideText.shown(d))).append(')'));
        b.append(": ").append(OutsideText.shown(v.detail(), DETAIL_LENGTH));
        if (!v.worst().isEmpty()) {
            b.append("; worst: ").append(v.worst().stream().map(DecisionText::finding)
                    .collect(Collectors.joining("; ")));
        }
        v.hint().ifPresent(h -> b.append("; next: ").append(OutsideText.shown(h)));
        return b.toString();
    }

    /** What a report says of a container's image that breaks no rule of a policy, or that it exempted. */
    public static String passed(ContainerImage c, Optional<String> exemption) {
        return containerLabel(c) + " image " + OutsideText.shown(c.image())
                + exemption.map(r -> ": exempted (" + OutsideText.shown(r) + ")").orElse(": no rule broken");
    }

    /** {@code CVE-2024-3094 CRITICAL xz-utils 5.6.0, fixed in 5.6.1}. */
    static String finding(Finding f) {
        StringBuilder b = new StringBuilder(part(f.id())).append(' ').append(f.severity());
        if (!f.packageName().isEmpty()) {
            b.append(' ').append(part(f.packageName()));
            if (!f.packageVersion().isEmpty()) {
                b.append(' ').append(part(f.packageVersion()));
            }
        }
        if (f.fixedInVersion().isPresent()) {
            b.append(", fixed in ").append(part(f.fixedInVersion().get()));
        } else if (f.fixAvailable() == FixAvailable.NO) {
            b.append(", no fix yet");
        }
        return b.toString();
    }

    /**
     * The warnings as kubectl shows them: {@link #warningLines}, each at most {@link #MAX_WARNING} characters, at
     * most {@link #MAX_WARNINGS} lines (the last one then says how many more there are). A line too long for the
     * names of all its policies names the first ones and how many more ({@code [baseline +2]}), so that what is
     * wrong is kept before who says so; only then is the line cut.
     */
    public static List<String> warnings(Decision decision) {
        List<WarningLine> whole = merged(decision);
        List<String> out = new ArrayList<>(Math.min(whole.size(), MAX_WARNINGS));
        for (WarningLine line : whole) {
            if (out.size() == MAX_WARNINGS - 1 && whole.size() > MAX_WARNINGS) {
                out.add("ecrgate: " + (whole.size() - out.size()) + " more warnings not shown");
                break;
            }
            out.add(truncate(line.within(MAX_WARNING), MAX_WARNING));
        }
        return out;
    }

    /**
     * Every violation or notice that warns, whole, one line each: the same finding of one container under several
     * policies is one line naming them all, as in the denial message. For reports with room ({@code ecrgate check});
     * kubectl gets {@link #warnings}.
     */
    public static List<String> warningLines(Decision decision) {
        return merged(decision).stream().map(WarningLine::whole).toList();
    }

    /** One warning: what it says of one container, and every policy that says it, in order. */
    private record WarningLine(List<String> policies, String text) {
        String whole() {
            return "[" + String.join(", ", policies) + "] " + text;
        }

        /** The line with as many policy names as fit in {@code max} characters (at least the first). */
        String within(int max) {
            String all = whole();
            for (int named = policies.size() - 1; all.length() > max && named >= 1; named--) {
                all = "[" + String.join(", ", policies.subList(0, named)) + " +" + (policies.size() - named) + "] "
                        + text;
            }
            return all;
        }
    }

    private static List<WarningLine> merged(Decision decision) {
        Map<String, List<String>> policiesByText = new LinkedHashMap<>();
        for (Violation v : decision.withEffect(Effect.WARN)) {
            ContainerImage c = v.container();
            String text = containerLabel(c) + (c.preExisting() ? " (already deployed)" : "") + ": "
                    + OutsideText.shown(v.detail());
            List<String> policies = policiesByText.computeIfAbsent(text, t -> new ArrayList<>(2));
            if (!policies.contains(v.policy())) {
                policies.add(v.policy());
            }
        }
        List<WarningLine> out = new ArrayList<>(policiesByText.size());
        policiesByText.forEach((text, policies) -> out.add(new WarningLine(List.copyOf(policies), text)));
        return out;
    }

    static String containerLabel(ContainerImage c) {
        String kind = switch (c.kind()) {
            case CONTAINER -> "container";
            case INIT_CONTAINER -> "init container";
            case EPHEMERAL_CONTAINER -> "ephemeral container";
        };
        return kind + " " + OutsideText.quoted(c.containerName());
    }

    private static String shortDigest(String digest) {
        int colon = digest.indexOf(':');
        return colon > 0 && digest.length() > colon + 13 ? digest.substring(0, colon + 13) + "…" : digest;
    }

    /** Cuts {@code text} to {@code max} characters at a word boundary, ending with an ellipsis. */
    static String truncate(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        int cut = text.lastIndexOf(' ', max - 1);
        if (cut < max / 2) {
            cut = max - 1;
        }
        return text.substring(0, cut).stripTrailing() + "…";
    }

    private static String part(String text) {
        return OutsideText.shown(text, FINDING_PART_LENGTH);
    }
}
