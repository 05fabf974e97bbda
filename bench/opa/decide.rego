# The decision: ecrgate's policy rules (data.ecrgate.policies, translated from policies/*.yaml by data.py) applied to
# every container image of the request, against the recorded ECR facts (data.ecrgate.tags, .scans, .repositories).
# Mirrors dev.ecrgate.policy.Decider; each violation names its policy, rule, container and effect.
package ecrgate.decide

import data.ecrgate.reference
import data.ecrgate.request

policies := data.ecrgate.policies

namespace := request.namespace

now_ns := time.now_ns()

today := sprintf("%04d-%02d-%02d", time.date(now_ns))

# The policies whose namespaces match the request's namespace (excludeNamespaces win).
applicable := [p |
	some p in policies
	namespace_included(p)
	not namespace_excluded(p)
]

namespace_included(p) if p.namespaces == null

namespace_included(p) if {
	some g in p.namespaces
	regex.match(g, namespace)
}

namespace_excluded(p) if {
	some g in p.excludeNamespaces
	regex.match(g, namespace)
}

# Every container with its parsed reference, the ECR facts found for it, and the digest when known.
images := [i |
	some c in request.containers
	ref := reference.parse(c.image)
	i := {"container": c, "ref": ref, "digest": digest_of(ref)}
]

digest_of(ref) := ref.digest if {
	ref.digest != ""
} else := data.ecrgate.tags[sprintf("%s/%s:%s", [ref.ecr.account, ref.path, tag_or_latest(ref)])] if {
	ref.ecr != null
} else := ""

tag_or_latest(ref) := ref.tag if ref.tag != ""
else := "latest"

violations contains v if {
	some i in images
	i.ref.error
	v := violation(i, {"name": "ecrgate", "mode": "enforce"}, "image", "deny", i.ref.error, [])
}

violations contains v if {
	some i in images
	not i.ref.error
	some p in applicable
	not exempt(p, i.ref)
	some f in findings(p, i)
	v := violation(i, p, f.rule, f.outcome, f.detail, object.get(f, "worst", []))
}

# Exemptions. An exempted image is not checked by that policy; an expired exemption is a warning.
exempt(p, ref) if {
	some e in p.exemptions
	exemption_matches(e, ref)
	not expired(e.expires)
}

exemption_matches(e, ref) if {
	namespaces_match(e.namespaces)
	some g in e.images
	some f in reference.forms(ref)
	regex.match(g, f)
}

namespaces_match(globs) if count(globs) == 0

namespaces_match(globs) if {
	some g in globs
	regex.match(g, namespace)
}

expired(date) if {
	date != null
	today > date
}

# The effect of a rule's outcome under the policy's mode; "allow" adds nothing.
violation(i, p, rule, outcome, detail, worst) := {
	"policy": p.name,
	"container": i.container,
	"digest": i.digest,
	"rule": rule,
	"effect": effect(p.mode, outcome, i.container.preExisting),
	"detail": detail,
	"worst": worst,
} if outcome != "allow"

effect("warn", _, _) := "warn"

effect("audit", _, _) := "audit"

effect("enforce", "deny", false) := "deny"

effect("enforce", "deny", true) := "warn"

effect("enforce", "warn", _) := "warn"

# findings(p, i): what policy p finds wrong with image i, as {rule, outcome, detail[, worst]}.
findings(p, i) := {f |
	some f in array.concat(array.concat(registry_findings(p, i.ref), tag_findings(p, i)), vulnerability_findings(p, i))
}

registry_findings(p, ref) := array.concat(ecr_registry_findings(p, ref), repository_findings(p, ref)) if {
	ref.ecr != null
} else := [] if {
	p.registries.others == "allow"
} else := [{"rule": "registries.others", "outcome": p.registries.others,
	"detail": sprintf("%s is not a private Amazon ECR registry", [ref.domain])}]

ecr_registry_findings(p, ref) := [] if {
	p.registries.ecr == null
} else := [] if {
	some r in p.registries.ecr
	r.account == ref.ecr.account
	region_allowed(r.regions, ref.ecr.region)
} else := [{"rule": "registries.ecr", "outcome": "deny", "detail": sprintf(
	"ECR registry of account %s in %s is not allowed (allowed: %s)",
	[ref.ecr.account, ref.ecr.region, concat("; ", [a |
		some r in p.registries.ecr
		a := concat("", [r.account, regions_text(r.regions)])
	])],
)}]

region_allowed(regions, _) if count(regions) == 0

region_allowed(regions, region) if region in regions

regions_text(regions) := "" if count(regions) == 0
else := concat("", [" in ", concat(", ", regions)])

repository_findings(p, ref) := [] if {
	p.repositories.allow == null
} else := [] if {
	some g in p.repositories.allowRegex
	regex.match(replace(g, "{namespace}", namespace), ref.path)
} else := [{"rule": "repositories.allow", "outcome": "deny", "detail": sprintf(
	"repository %s is not allowed in namespace %s (allowed: %s)",
	[ref.path, namespace, concat(", ", [replace(g, "{namespace}", namespace) | some g in p.repositories.allow])],
)}]

# Tags. tags.deny looks at the tag only without a digest (a digest pins the image); no tag and no digest is :latest.
tag_findings(p, i) := [f |
	some f in [
		tag_denied(p.tags, i.ref),
		digest_required(p.tags, i.ref),
		immutable_or_digest(p.tags, i.ref),
		tag_pattern(p.tags, i.ref),
	]
	f != null
]

tag_denied(rules, ref) := {"rule": "tags.deny", "outcome": "deny", "detail": detail} if {
	ref.digest == ""
	tag_or_latest(ref) in rules.deny
	detail := tag_denied_text(ref)
} else := null

tag_denied_text(ref) := "the image has no tag, which means :latest, and that tag is not allowed" if ref.tag == ""
else := sprintf("tag %q is not allowed", [ref.tag])

digest_required(rules, ref) := {"rule": "tags.requireDigest", "outcome": "deny",
	"detail": "the image is not pinned by digest"} if {
	rules.requireDigest
	ref.digest == ""
} else := null

immutable_or_digest(rules, ref) := {"rule": "tags.immutableOrDigest", "outcome": "deny", "detail": why} if {
	rules.immutableOrDigest
	ref.digest == ""
	not immutable(ref)
	why := mutable_text(ref)
} else := null

immutable(ref) if {
	ref.ecr != null
	repo := data.ecrgate.repositories[sprintf("%s/%s", [ref.ecr.account, ref.path])]
	tag_immutable(repo, tag_or_latest(ref))
}

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

mutable_text(ref) := sprintf(
	"tag %q on %s can be overwritten (only an ECR repository can make a tag immutable), and the image is not pinned by digest",
	[tag_or_latest(ref), ref.domain],
) if {
	ref.ecr == null
} else := sprintf("tag %q can be overwritten: repository %s is %s, and the image is not pinned by digest", [
	tag_or_latest(ref), ref.path,
	data.ecrgate.repositories[sprintf("%s/%s", [ref.ecr.account, ref.path])].mutability,
]) if {
	data.ecrgate.repositories[sprintf("%s/%s", [ref.ecr.account, ref.path])]
} else := sprintf("the tag mutability of repository %s is unknown to ECR, and the image is not pinned by digest", [ref.path])

tag_pattern(rules, ref) := {"rule": "tags.allowedPatterns", "outcome": "deny", "detail": sprintf(
	"tag %q does not match the allowed patterns (%s)",
	[tag_or_latest(ref), concat(", ", rules.allowedPatterns)],
)} if {
	count(rules.allowedPatterns) > 0
	has_tag(ref)
	not tag_matches(rules.allowedPatterns, tag_or_latest(ref))
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
} else := scan_findings(p.vulnerabilities, i, object.get(data.ecrgate.scans, i.digest, null))

scan_findings(rules, _, null) := [{"rule": "vulnerabilities.scanStatus", "outcome": rules.scanStatus.NOT_FOUND,
	"detail": "ECR has no scan of this image (scan status NOT_FOUND): ECR has no record of this image"}]

scan_findings(rules, _, scan) := [{"rule": "vulnerabilities.scanStatus", "outcome": rules.scanStatus[scan.status],
	"detail": sprintf("the image has no usable ECR scan (scan status %s)", [scan.status])}] if {
	scan != null
	not scan.status in {"COMPLETE", "ACTIVE"}
}

scan_findings(rules, _, scan) := [{"rule": "vulnerabilities.maxScanAge", "outcome": rules.scanStatus.NOT_FOUND,
	"detail": sprintf("the last scan completed %d days ago, longer ago than maxScanAge %s, so it counts as no scan", [
		(now_ns - scan.completedNs) / 86400000000000, rules.maxScanAge,
	])}] if {
	scan.status in {"COMPLETE", "ACTIVE"}
	too_old(rules, scan)
}

scan_findings(rules, i, scan) := array.concat(count_findings(rules, counted, counts_for(rules, scan, counted)), notices) if {
	scan.status in {"COMPLETE", "ACTIVE"}
	not too_old(rules, scan)
	scan.findings != null
	counted := counted_findings(rules, i.ref, scan.findings)
	notices := expired_ignores(rules, i.ref, scan)
}


scan_findings(rules, _, scan) := array.concat(count_findings(rules, [], scan.counts), notices) if {
	scan.status in {"COMPLETE", "ACTIVE"}
	not too_old(rules, scan)
	scan.findings == null
	notices := [n |
		rules.needsDetail
		n := {"rule": "vulnerabilities.ignore", "outcome": "warn",
			"detail": "only the scan summary is known, so ignore and onlyFixable could not be applied; every finding counts"}
	]
}

too_old(rules, scan) if {
	rules.maxScanAgeNs != null
	scan.completedNs != null
	now_ns - scan.completedNs > rules.maxScanAgeNs
}

counts_against(rules, ref, f) if {
	fixable_enough(rules, f)
	not ignored(rules, ref, f)
}

fixable_enough(rules, _) if not rules.onlyFixable

fixable_enough(_, f) if f.fixable

ignored(rules, ref, f) if {
	some r in rules.ignore
	r.id == upper(f.id)
	ignore_in_scope(r, ref)
	not expired(r.expires)
}

ignore_in_scope(r, _) if count(r.repositories) == 0

ignore_in_scope(r, ref) if {
	some g in r.repositories
	regex.match(g, ref.path)
}

expired_ignores(rules, ref, scan) := [n |
	some r in rules.ignore
	expired(r.expires)
	ignore_in_scope(r, ref)
	some f in scan.findings
	r.id == upper(f.id)
	n := {"rule": "vulnerabilities.ignore", "outcome": "warn", "detail": sprintf(
		"the ignore entry for %s (%q) expired on %s and no longer applies",
		[r.id, r.reason, r.expires],
	)}
]

counted_findings(rules, ref, items) := items if not rules.needsDetail
else := [f | some f in items; counts_against(rules, ref, f)]

# Without ignore entries or onlyFixable every finding counts, and the counts data.py made are the answer.
counts_for(rules, scan, counted) := scan.counts if not rules.needsDetail
else := counts_of(counted)

counts_of(items) := {s: n |
	some f in items
	s := f.severity
	n := count([x | some x in items; x.severity == s])
}

# Severities over their limits, worst first; the worst counted findings of those severities come along.
count_findings(rules, counted, counts) := [] if {
	count(over(rules, counts)) == 0
} else := [{
	"rule": "vulnerabilities.maxCounts",
	"outcome": "deny",
	"detail": sprintf("too many %svulnerabilities: %s", [fixable_text(rules), concat(", ", [o.text | some o in over(rules, counts)])]),
	"worst": array.slice([w |
		some f in counted
		f.severity in {o.severity | some o in over(rules, counts)}
		w := finding_text(f)
	], 0, 3),
}]

over(rules, counts) := [{"severity": m.severity, "text": sprintf("%s %d (max %d)", [m.severity, n, m.max])} |
	some m in rules.maxCounts
	n := object.get(counts, m.severity, 0)
	n > m.max
]

fixable_text(rules) := "fixable " if rules.onlyFixable
else := ""

finding_text(f) := concat("", [
	f.id, " ", f.severity,
	prefixed(" ", f.package), prefixed(" ", package_version(f)),
	fix_text(f),
])

package_version(f) := f.version if f.package != ""
else := ""

fix_text(f) := concat("", [", fixed in ", f.fixedIn]) if f.fixedIn != null
else := ", no fix yet" if f.fixAvailable == "NO"
else := ""

prefixed(_, "") := ""

prefixed(p, s) := concat("", [p, s]) if s != ""

# Expired exemptions that would have matched: a warning per policy and image.
violations contains v if {
	some i in images
	not i.ref.error
	some p in applicable
	not exempt(p, i.ref)
	some e in p.exemptions
	expired(e.expires)
	exemption_matches(e, i.ref)
	v := violation(i, p, "exemptions", "warn", sprintf(
		"the exemption %q expired on %s and no longer applies",
		[e.reason, e.expires],
	), [])
}

# The exemptions used, for the audit annotation.
exemptions_used contains sprintf("%s: %s", [p.name, e.reason]) if {
	some i in images
	not i.ref.error
	some p in applicable
	some e in p.exemptions
	exemption_matches(e, i.ref)
	not expired(e.expires)
}
