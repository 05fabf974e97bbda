# OPA as a validating admission webhook, deployed as before Gatekeeper: `opa run --server` with the default decision
# data.system.main, so that kube-apiserver's POST / with the raw AdmissionReview as body is answered by `main`.
#
# The rules are ecrgate's (decide.rego); this file only turns violations into the AdmissionReview answer, shaped like
# ecrgate's: a 403 "Forbidden" status whose message has one block per denied container ("[policies] rule: detail",
# worst findings, what to do next, then each denying policy's helpText), warnings "[policy] container "name":
# detail" (at most 20, each at most 120 characters), and auditAnnotations.
package system

import data.ecrgate.decide
import data.ecrgate.request

max_message := 3000

max_warning := 120

max_warnings := 20

main := {
	"apiVersion": "admission.k8s.io/v1",
	"kind": "AdmissionReview",
	"response": response,
}

response := object.union(
	{"uid": input.request.uid, "allowed": allowed, "auditAnnotations": audit_annotations},
	object.union(status, warning_field),
)

allowed := count(denials) == 0

denials := [v | some v in decide.violations; v.effect == "deny"]

status := {} if {
	allowed
} else := {"status": {"status": "Failure", "code": 403, "reason": "Forbidden", "message": truncate(message, max_message)}}

warning_field := {} if {
	count(warnings) == 0
} else := {"warnings": warnings}

# The denial message.
message := concat("", array.concat([header], array.concat(blocks, help)))

denied_containers := {v.container | some v in denials}

header := sprintf("%s%s in namespace %q: %d %s image policy", [
	request.request.kind.kind, name_text, request.namespace, count(denied_containers),
	plural(count(denied_containers)),
])

name_text := "" if request.display_name == ""
else := sprintf(" %q", [request.display_name])

plural(1) := "container breaks"

plural(n) := "containers break" if n != 1

blocks := [block(c) | some c in denied_containers]

block(c) := concat("", array.concat(
	[sprintf("\n%s image %s%s", [c.label, c.image, digest_text(c)])],
	[line(c, k) | some k in contents(c)],
))

digest_text(c) := sprintf(" (digest %s…)", [substring(d, 0, 19)]) if {
	some v in denials
	v.container == c
	d := v.digest
	d != ""
	not contains(c.image, d)
} else := ""

# One line per distinct finding; policies that found exactly the same thing are named together.
contents(c) := {{"rule": v.rule, "detail": v.detail, "worst": v.worst} | some v in denials; v.container == c}

line(c, k) := concat("", [
	sprintf("\n  - [%s] %s: %s", [concat(", ", sort(policies)), k.rule, k.detail]),
	worst_text(k.worst),
	sprintf("\n    next: %s", [object.get(hints, k.rule, "ask your platform team")]),
]) if {
	policies := {v.policy |
		some v in denials
		v.container == c
		v.rule == k.rule
		v.detail == k.detail
		v.worst == k.worst
	}
}

worst_text([]) := ""

worst_text(w) := concat("", ["\n    worst: ", concat("; ", w)]) if count(w) > 0

hints := {
	"image": "fix the image reference in the container spec",
	"registries.ecr": "push the image to an allowed registry and deploy it from there",
	"registries.others": "copy the image into ECR (push it, or use a pull-through cache rule) and deploy it from there",
	"repositories.allow": "use an image from an allowed repository",
	"tags.deny": "deploy a versioned tag, or pin the image by digest",
	"tags.requireDigest": "pin the image by digest",
	"tags.immutableOrDigest": "pin the image by digest, or make the repository's tags immutable",
	"tags.allowedPatterns": "deploy a tag that matches, for example a release version",
	"vulnerabilities.scanStatus": "scan the image again, check the image name and tag, or ask your platform team",
	"vulnerabilities.maxScanAge": "scan the image again (enhanced scanning rescans continuously), or rebuild and push it",
	"vulnerabilities.maxCounts": "update the affected packages or the base image to fixed versions, push, and deploy the new image",
}

help := [sprintf("\nhelp (%s): %s", [p.name, p.helpText]) |
	some p in decide.applicable
	p.helpText != ""
	p.name in {v.policy | some v in denials}
]

# Warnings: every warn-effect violation once.
warnings := array.slice(sort_unique([truncate(w, max_warning) |
	some v in decide.violations
	v.effect == "warn"
	w := sprintf("[%s] %s%s: %s", [v.policy, v.container.label, pre_existing_text(v.container), v.detail])
]), 0, max_warnings)

sort_unique(xs) := sort({x | some x in xs})

pre_existing_text(c) := " (already deployed)" if c.preExisting
else := ""

truncate(s, n) := s if {
	count(s) <= n
} else := concat("", [substring(s, 0, n - 1), "…"])

audit_annotations := object.union(
	{"decision": decision, "policies": concat(",", [p.name | some p in decide.applicable])},
	violation_annotation,
)

decision := "denied" if {
	not allowed
} else := "allowed" if {
	count(warnings) == 0
} else := "allowed-with-warnings"

violation_annotation := {} if {
	count(decide.violations) == 0
} else := {"violations": truncate(concat(",", {sprintf("%s/%s/%s/%s", [v.policy, v.rule, v.effect, v.container.name]) |
	some v in decide.violations
}), 1000)}
