# The decision: ecrgate's policy rules (data.ecrgate.policies, translated from policies/*.yaml by data.py) applied to
# every container image of the request, against the recorded ECR facts (data.ecrgate.tags, .scans, .repositories).
# Mirrors dev.ecrgate.policy.Decider; each violation names its policy, rule, container and effect.
package ecrgate.decide

import data.ecrgate.reference
import data.ecrgate.request

policies := data.ecrgate.policies

namespace := request.namespace

now_ns := time.now_ns()

today := substring(time.format(now_ns), 0, 10)

# The policies whose namespaces match the request's namespace (excludeNamespaces win).
applicable := [p |
	some p in policies
	namespace_included(p)
	not in_glob_set(p.excludeNamespaces, namespace)
]

namespace_included(p) if p.namespaces == null

namespace_included(p) if in_glob_set(p.namespaces, namespace)

# A glob set from data.py: names without wildcards are keys of "exact", looked up; only the rest are matched.
in_glob_set(set, s) if set.exact[s]

in_glob_set(set, s) if {
	some m in set.patterns
	glob_matches(m, s)
}

# A glob from data.py: a literal, a literal and the rest of a segment ("*"), a literal and the rest ("**"), and a
# regular expression only when the wildcards are elsewhere.
glob_matches(m, s) if {
	m.rest == "none"
	s == m.literal
} else if {
	m.rest == "segment"
	startswith(s, m.literal)
	not contains(substring(s, count(m.literal), -1), "/")
} else if {
	m.rest == "any"
	startswith(s, m.literal)
} else if {
	m.regex != null
	regex.match(m.regex, s)
}

# The same with the request's namespace put in for "{namespace}" (repositories.allow).
namespaced(m) := object.union(m, {"literal": replace(m.literal, "{namespace}", namespace)}) if {
	m.literal != null
	contains(m.literal, "{namespace}")
} else := object.union(m, {"regex": replace(m.regex, "{namespace}", namespace)}) if {
	m.regex != null
	contains(m.regex, "{namespace}")
} else := m

# Every distinct image of the request, once: its parsed reference and the ECR facts for it, each looked up by key
# (tag → digest, digest → scan, account/repository → repository), never by walking data.ecrgate. Containers that
# run the same image share these; every rule below reads them instead of parsing or looking up again.
facts := {image: image_facts(reference.parse(image)) |
	some c in request.containers
	image := c.image
}

image_facts(ref) := {"ref": ref, "digest": ""} if {
	ref.error
} else := f if {
	ref.ecr != null
	tag := tag_or_latest(ref)
	repository := concat("/", [ref.ecr.account, ref.path])
	digest := digest_of(ref, concat(":", [repository, tag]))
	f := {"ref": ref, "tag": tag, "digest": digest, "scan": scan_of(digest), "repository": repository_of(repository)}
} else := {"ref": ref, "tag": tag_or_latest(ref), "digest": ref.digest, "scan": null, "repository": null}

digest_of(ref, key) := ref.digest if {
	ref.digest != ""
} else := digest if {
	digest := data.ecrgate.tags[key]
} else := ""

scan_of(digest) := scan if {
	scan := data.ecrgate.scans[digest]
} else := null

repository_of(key) := repository if {
	repository := data.ecrgate.repositories[key]
} else := null

tag_or_latest(ref) := ref.tag if ref.tag != ""

else := "latest"

# Every (distinct image, applicable policy) pair, once: the exemptions that match, active and expired, and what the
# policy finds wrong with the image unless an active exemption spares it. The violations of every container and
# the audit annotation read these.
checks := {image: [check(p, f) | some p in applicable] |
	some image, f in facts
	not f.ref.error
}

check(p, f) := {"policy": p, "active": active, "expired": lapsed, "findings": unless_exempt(active, p, f)} if {
	matched := matching_exemptions(p, f.ref)
	active := [e | some e in matched; not expired(e.expires)]
	lapsed := [e | some e in matched; expired(e.expires)]
}

unless_exempt(active, p, f) := findings(p, f) if {
	count(active) == 0
} else := []

violations contains v if {
	some c in request.containers
	f := facts[c.image]
	f.ref.error
	v := violation(c, f, {"name": "ecrgate", "mode": "enforce"}, "image", "deny", f.ref.error, [])
}

violations contains v if {
	some c in request.containers
	some k in checks[c.image]
	some x in k.findings
	v := violation(c, facts[c.image], k.policy, x.rule, x.outcome, x.detail, object.get(x, "worst", []))
}

# Expired exemptions that would have matched: a warning per policy and container.
violations contains v if {
	some c in request.containers
	some k in checks[c.image]
	count(k.active) == 0
	some e in k.expired
	v := violation(
		c, facts[c.image], k.policy, "exemptions", "warn", sprintf(
			"the exemption %q expired on %s and no longer applies",
			[e.reason, e.expires],
		),
		[],
	)
}

# The exemptions used, for the audit annotation.
exemptions_used contains concat(": ", [k.policy.name, e.reason]) if {
	some image_checks in checks
	some k in image_checks
	some e in k.active
}

# Exemptions: an exempted image is not checked by that policy; an expired exemption is a warning. The image's
# forms are only made for a policy that has exemptions.
matching_exemptions(p, ref) := [] if {
	count(p.exemptions) == 0
} else := [e |
	forms := reference.forms(ref)
	some e in p.exemptions
	exemption_matches(e, forms)
]

exemption_matches(e, forms) if {
	namespaces_match(e.namespaces)
	some g in e.images
	some f in forms
	glob_matches(g, f)
}

namespaces_match(null)

namespaces_match(set) if in_glob_set(set, namespace)

expired(date) if {
	date != null
	today > date
}

# The effect of a rule's outcome under the policy's mode; "allow" adds nothing.
violation(c, f, p, rule, outcome, detail, worst) := {
	"policy": p.name,
	"container": c,
	"digest": f.digest,
	"rule": rule,
	"effect": effect(p.mode, outcome, c.preExisting),
	"detail": detail,
	"worst": worst,
} if outcome != "allow"

# One chain of else, so that OPA stops at the first answer (separate definitions of a function are all evaluated).
effect(mode, outcome, pre_existing) := mode if {
	mode in {"warn", "audit"}
} else := "deny" if {
	mode == "enforce"
	outcome == "deny"
	not pre_existing
} else := "warn" if {
	mode == "enforce"
	outcome in {"deny", "warn"}
}

# findings(p, i): what policy p finds wrong with image i, as {rule, outcome, detail[, worst]}.
findings(p, i) := array.concat(array.concat(registry_findings(p, i.ref), tag_findings(p.tags, i)), vulnerability_findings(p, i))

registry_findings(p, ref) := [] if {
	not p.registries.checked
} else := array.concat(ecr_registry_findings(p.registries, ref), repository_findings(p.repositories, ref)) if {
	ref.ecr != null
} else := [] if {
	p.registries.others == "allow"
} else := [{
	"rule": "registries.others", "outcome": p.registries.others,
	"detail": sprintf("%s is not a private Amazon ECR registry", [ref.domain]),
}]

# registries.ecr is keyed by account (data.py): one lookup, then the region set.
ecr_registry_findings(registries, ref) := [] if {
	registries.ecr == null
} else := [] if {
	region_allowed(registries.ecr[ref.ecr.account], ref.ecr.region)
} else := [{"rule": "registries.ecr", "outcome": "deny", "detail": sprintf(
	"ECR registry of account %s in %s is not allowed (allowed: %s)",
	[ref.ecr.account, ref.ecr.region, registries.ecrText],
)}]

region_allowed(account, _) if account.anyRegion

region_allowed(account, region) if account.regions[region]

repository_findings(repositories, ref) := [] if {
	repositories.allow == null
} else := [] if {
	some g in repositories.allow
	glob_matches(namespaced(g), ref.path)
} else := [{"rule": "repositories.allow", "outcome": "deny", "detail": sprintf(
	"repository %s is not allowed in namespace %s (allowed: %s)",
	[ref.path, namespace, replace(repositories.allowText, "{namespace}", namespace)],
)}]

# Tags. tags.deny looks at the tag only without a digest (a digest pins the image); no tag and no digest is :latest.
tag_findings(rules, i) := [] if {
	not rules.checked
} else := [f |
	some f in [
		tag_denied(rules, i),
		digest_required(rules, i.ref),
		immutable_or_digest(rules, i),
		tag_pattern(rules, i),
	]
	f != null
]

tag_denied(rules, i) := {"rule": "tags.deny", "outcome": "deny", "detail": tag_denied_text(i.ref)} if {
	i.ref.digest == ""
	rules.deny[i.tag]
} else := null

tag_denied_text(ref) := "the image has no tag, which means :latest, and that tag is not allowed" if ref.tag == ""

else := sprintf("tag %q is not allowed", [ref.tag])

digest_required(rules, ref) := {
	"rule": "tags.requireDigest", "outcome": "deny",
	"detail": "the image is not pinned by digest",
} if {
	rules.requireDigest
	ref.digest == ""
} else := null

immutable_or_digest(rules, i) := {"rule": "tags.immutableOrDigest", "outcome": "deny", "detail": mutable_text(i)} if {
	rules.immutableOrDigest
	i.ref.digest == ""
	not tag_immutable(i.repository, i.tag)
} else := null

tag_immutable(repo, _) if repo.mutability == "IMMUTABLE"

tag_immutable(repo, tag) if {
	repo.mutability == "IMMUTABLE_WITH_EXCLUSION"
	not exclusion_matches(repo, tag)
}

tag_immutable(repo, tag) if {
	repo.mutability == "MUTABLE_WITH_EXCLUSION"
	exclusion_matches(repo, tag)
}

exclusion_matches(repo, tag) if {
	some f in repo.exclusionFilters
	glob.match(f, [], tag)
}

mutable_text(i) := sprintf(
	"tag %q on %s can be overwritten (only an ECR repository can make a tag immutable), and the image is not pinned by digest",
	[i.tag, i.ref.domain],
) if {
	i.ref.ecr == null
} else := sprintf("tag %q can be overwritten: repository %s is %s, and the image is not pinned by digest", [
	i.tag, i.ref.path, i.repository.mutability,
]) if {
	i.repository != null
} else := sprintf("the tag mutability of repository %s is unknown to ECR, and the image is not pinned by digest", [i.ref.path])

tag_pattern(rules, i) := {"rule": "tags.allowedPatterns", "outcome": "deny", "detail": sprintf(
	"tag %q does not match the allowed patterns (%s)",
	[i.tag, rules.allowedText],
)} if {
	count(rules.allowedPatterns) > 0
	has_tag(i.ref)
	not tag_matches(rules.allowedPatterns, i.tag)
} else := null

# A tag as written, or the implied :latest of an image with neither tag nor digest.
has_tag(ref) if ref.tag != ""

has_tag(ref) if ref.digest == ""

# Java's Matcher.find, as ecrgate uses: the pattern may match anywhere unless it is anchored.
tag_matches(patterns, tag) if {
	some pattern in patterns
	regex.match(pattern, tag)
}

# Vulnerabilities: only for ECR images and policies with vulnerability rules.
vulnerability_findings(p, i) := [] if {
	i.ref.ecr == null
} else := [] if {
	p.vulnerabilities == null
} else := scan_findings(p.vulnerabilities, i, i.scan)

# One chain of else: no scan, an unusable scan (scan.usable is made by data.py), a scan too old, the counts of a scan
# with findings, the counts of a summary.
scan_findings(rules, i, scan) := [{
	"rule": "vulnerabilities.scanStatus", "outcome": rules.scanStatus.NOT_FOUND,
	"detail": "ECR has no scan of this image (scan status NOT_FOUND): ECR has no record of this image",
}] if {
	scan == null
} else := [{
	"rule": "vulnerabilities.scanStatus", "outcome": rules.scanStatus[scan.status],
	"detail": sprintf("the image has no usable ECR scan (scan status %s)", [scan.status]),
}] if {
	not scan.usable
} else := [{
	"rule": "vulnerabilities.maxScanAge", "outcome": rules.scanStatus.NOT_FOUND,
	"detail": sprintf("the last scan completed %d days ago, longer ago than maxScanAge %s, so it counts as no scan", [
		(now_ns - scan.completedNs) / 86400000000000, rules.maxScanAge,
	]),
}] if {
	too_old(rules, scan)
} else := array.concat(count_findings(rules, tallies), expired_ignores(rules, i.ref, scan)) if {
	scan.bySeverity != null
	tallies := [tally(m, counted) |
		some m in rules.maxCounts
		counted := counted_findings(rules, i.ref, object.get(scan.bySeverity, m.severity, []))
	]
} else := array.concat(count_findings(rules, tallies), notices) if {
	tallies := [{"severity": m.severity, "max": m.max, "n": object.get(scan.counts, m.severity, 0), "counted": []} |
		some m in rules.maxCounts
	]
	notices := [n |
		rules.needsDetail
		n := {
			"rule": "vulnerabilities.ignore", "outcome": "warn",
			"detail": "only the scan summary is known, so ignore and onlyFixable could not be applied; every finding counts",
		}
	]
}

tally(m, counted) := {"severity": m.severity, "max": m.max, "n": count(counted), "counted": counted}

too_old(rules, scan) if {
	rules.maxScanAgeNs != null
	scan.completedNs != null
	now_ns - scan.completedNs > rules.maxScanAgeNs
}

# The findings of one severity that count: all of them, unless the policy has ignore entries or onlyFixable.
counted_findings(rules, ref, items) := items if not rules.needsDetail

else := [f | some f in items; counts_against(rules, ref, f)]

counts_against(rules, ref, f) if {
	fixable_enough(rules, f)
	not ignored(rules, ref, f)
}

fixable_enough(rules, _) if not rules.onlyFixable

fixable_enough(_, f) if f.fixable

# ignore entries are keyed by ID (data.py), so a finding looks up its own entries only.
ignored(rules, ref, f) if {
	some r in rules.ignoreById[f.id]
	ignore_in_scope(r, ref)
	not expired(r.expires)
}

ignore_in_scope(r, _) if count(r.repositories) == 0

ignore_in_scope(r, ref) if {
	some g in r.repositories
	glob_matches(g, ref.path)
}

# An expired entry warns when the scan has a finding with its ID (scan.ids, data.py).
expired_ignores(rules, ref, scan) := [n |
	some r in rules.ignore
	expired(r.expires)
	scan.ids[r.id]
	ignore_in_scope(r, ref)
	n := {"rule": "vulnerabilities.ignore", "outcome": "warn", "detail": sprintf(
		"the ignore entry for %s (%q) expired on %s and no longer applies",
		[r.id, r.reason, r.expires],
	)}
]

# Severities over their limits, worst first (maxCounts is ordered so by data.py); the worst three counted findings
# of those severities come along, their texts made by data.py.
count_findings(rules, tallies) := [{
	"rule": "vulnerabilities.maxCounts",
	"outcome": "deny",
	"detail": sprintf("too many %svulnerabilities: %s", [
		rules.fixableText,
		concat(", ", [sprintf("%s %d (max %d)", [t.severity, t.n, t.max]) | some t in over]),
	]),
	"worst": array.slice([f.text | some t in over; some f in t.counted], 0, 3),
} |
	over := [t | some t in tallies; t.n > t.max]
	count(over) > 0
]
