package dev.ecrgate.policy;

import dev.ecrgate.findings.ScanStatus;
import dev.ecrgate.findings.Severity;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** A builder of test policies: every field starts at the format's default. */
final class Policies {
    private String name = "p";
    private final List<Glob> namespaces = new ArrayList<>();
    private final List<Glob> exclude = new ArrayList<>();
    private Mode mode = Mode.ENFORCE;
    private Optional<String> help = Optional.empty();
    private RegistryRules registries = RegistryRules.ANY;
    private RepositoryRules repositories = RepositoryRules.ANY;
    private Optional<VulnerabilityRules> vulnerabilities = Optional.empty();
    private TagRules tags = TagRules.NONE;
    private final List<Exemption> exemptions = new ArrayList<>();
    private Outcome onLookupFailure = Outcome.DENY;

    static Policies policy(String name) {
        Policies p = new Policies();
        p.name = name;
        return p;
    }

    Policies namespaces(String... globs) {
        for (String g : globs) {
            namespaces.add(Glob.of(g));
        }
        return this;
    }

    Policies exclude(String... globs) {
        for (String g : globs) {
            exclude.add(Glob.of(g));
        }
        return this;
    }

    Policies mode(Mode m) {
        mode = m;
        return this;
    }

    Policies help(String text) {
        help = Optional.of(text);
        return this;
    }

    Policies ecr(String account, String... regions) {
        List<RegistryRules.EcrRegistryRule> rules = new ArrayList<>(registries.ecr().orElse(List.of()));
        rules.add(new RegistryRules.EcrRegistryRule(account, List.of(regions)));
        registries = new RegistryRules(Optional.of(rules), registries.others());
        return this;
    }

    Policies others(Outcome o) {
        registries = new RegistryRules(registries.ecr(), o);
        return this;
    }

    Policies repositories(String... globs) {
        repositories = new RepositoryRules(Optional.of(List.of(globs)));
        return this;
    }

    Policies tags(List<String> deny, boolean requireDigest, boolean immutableOrDigest, String... patterns) {
        List<Pattern> ps = new ArrayList<>();
        for (String p : patterns) {
            ps.add(Pattern.compile(p));
        }
        tags = new TagRules(deny, requireDigest, immutableOrDigest, ps);
        return this;
    }

    Policies maxCounts(Object... severityThenMax) {
        Map<Severity, Integer> m = new EnumMap<>(Severity.class);
        for (int i = 0; i < severityThenMax.length; i += 2) {
            m.put((Severity) severityThenMax[i], (Integer) severityThenMax[i + 1]);
        }
        VulnerabilityRules v = vulns();
        vulnerabilities = Optional.of(new VulnerabilityRules(m, v.onlyFixable(), v.maxScanAge(), v.ignore(),
                v.scanStatus()));
        return this;
    }

    Policies onlyFixable() {
        VulnerabilityRules v = vulns();
        vulnerabilities = Optional.of(new VulnerabilityRules(v.maxCounts(), true, v.maxScanAge(), v.ignore(),
                v.scanStatus()));
        return this;
    }

    Policies maxScanAge(Duration age) {
        VulnerabilityRules v = vulns();
        vulnerabilities = Optional.of(new VulnerabilityRules(v.maxCounts(), v.onlyFixable(), Optional.of(age),
                v.ignore(), v.scanStatus()));
        return this;
    }

    Policies ignore(String id, String expires, String... repositories) {
        VulnerabilityRules v = vulns();
        List<VulnerabilityRules.IgnoreRule> ignore = new ArrayList<>(v.ignore());
        List<Glob> repos = new ArrayList<>();
        for (String r : repositories) {
            repos.add(Glob.of(r));
        }
        ignore.add(new VulnerabilityRules.IgnoreRule(id, "test reason",
                Optional.ofNullable(expires).map(LocalDate::parse), repos));
        vulnerabilities = Optional.of(new VulnerabilityRules(v.maxCounts(), v.onlyFixable(), v.maxScanAge(), ignore,
                v.scanStatus()));
        return this;
    }

    Policies scanStatus(ScanStatus status, Outcome outcome) {
        VulnerabilityRules v = vulns();
        Map<ScanStatus, Outcome> m = new EnumMap<>(ScanStatus.class);
        m.putAll(v.scanStatus());
        m.put(status, outcome);
        vulnerabilities = Optional.of(new VulnerabilityRules(v.maxCounts(), v.onlyFixable(), v.maxScanAge(),
                v.ignore(), m));
        return this;
    }

    /** Set last: the other vulnerability setters start from all platforms. */
    Policies platforms(VulnerabilityRules.Platforms platforms) {
        VulnerabilityRules v = vulns();
        vulnerabilities = Optional.of(new VulnerabilityRules(v.maxCounts(), v.onlyFixable(), v.maxScanAge(),
                v.ignore(), v.scanStatus(), platforms));
        return this;
    }

    Policies onLookupFailure(Outcome o) {
        onLookupFailure = o;
        return this;
    }

    Policies exempt(String image, String namespace, String expires) {
        exemptions.add(new Exemption(List.of(Glob.of(image)),
                namespace == null ? List.of() : List.of(Glob.of(namespace)), "break-glass",
                Optional.ofNullable(expires).map(LocalDate::parse)));
        return this;
    }

    private VulnerabilityRules vulns() {
        return vulnerabilities.orElseGet(() -> new VulnerabilityRules(Map.of(), false, Optional.empty(), List.of(),
                VulnerabilityRules.defaultScanStatus()));
    }

    ImagePolicy build() {
        return new ImagePolicy(name, name + ".yaml:1", namespaces, exclude, mode, help, registries, repositories,
                vulnerabilities, tags, exemptions, onLookupFailure);
    }

    static PolicySet set(Policies... policies) {
        List<ImagePolicy> list = new ArrayList<>();
        for (Policies p : policies) {
            list.add(p.build());
        }
        return new PolicySet(list);
    }
}
