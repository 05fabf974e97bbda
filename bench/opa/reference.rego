# Image references, read as kubelet and containerd read them (the distribution reference grammar):
#
#   reference := name [ ":" tag ] [ "@" digest ]
#   name      := [ domain "/" ] path            domain: has a "." or a ":" port, or is "localhost"
#   path      := component ( "/" component )*   component: [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
#   tag       := [\w][\w.-]{0,127}
#   digest    := algorithm ":" hex               algorithm: [A-Za-z][A-Za-z0-9]* ( [-_+.] [A-Za-z][A-Za-z0-9]* )*
#
# and ECR private registry hosts: <account>.dkr.ecr[-fips].<region>.<suffix> and the dual-stack
# <account>.dkr-ecr[-fips].<region>.<suffix>.
package ecrgate.reference

reference_pattern := `^(?:((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?\.)+[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?::[0-9]+)?|localhost(?::[0-9]+)?|[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?:[0-9]+|\[[a-fA-F0-9:]+\](?::[0-9]+)?)/)?([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$`

ecr_host_pattern := `^([0-9]{12})\.(?:dkr\.ecr(?:-fips)?\.([a-z]{2,4}(?:-[a-z]+)+-[0-9]+)\.(?:amazonaws\.com|amazonaws\.com\.cn|amazonaws\.eu|c2s\.ic\.gov|sc2s\.sgov\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)|dkr-ecr(?:-fips)?\.([a-z]{2,4}(?:-[a-z]+)+-[0-9]+)\.(?:on\.aws|on\.amazonwebservices\.com\.cn))$`

# parse(image) is the reference, or {"error": why} when the image is not one.
parse(image) := {"error": "the image is empty"} if {
	image == ""
} else := ref if {
	[m] := regex.find_all_string_submatch_n(reference_pattern, image, 1)
	ref := reference(image, m)
} else := {"error": sprintf("invalid image reference %q", [image])}

reference(image, m) := ref if {
	domain := normal_domain(m[1])
	path := normal_path(domain, m[2])
	name := sprintf("%s/%s", [domain, path])
	count(name) <= 255
	ref := {
		"original": image,
		"domain": domain,
		"path": path,
		"name": name,
		"tag": m[3],
		"digest": m[4],
		"ecr": ecr(domain),
	}
}

# Chains of else, so that OPA stops at the first answer (separate definitions of a function are all evaluated).
normal_domain(d) := "docker.io" if {
	d in {"", "index.docker.io"}
} else := d

normal_path(d, p) := concat("/", ["library", p]) if {
	d == "docker.io"
	not contains(p, "/")
} else := p

# {"account": ..., "region": ...} for a private ECR host, null for any other registry. Every ECR host has ".dkr"
# in it: that test keeps the expression away from all other registries.
ecr(domain) := {"account": m[1], "region": concat("", [m[2], m[3]])} if {
	host := lower(domain)
	contains(host, ".dkr")
	[m] := regex.find_all_string_submatch_n(ecr_host_pattern, host, 1)
} else := null

# The strings an exemption's image globs are matched against: as written, and every normalised form.
forms(ref) := {f |
	some f in [
		ref.original,
		ref.name,
		canonical(ref),
		tagged(ref),
		pinned(ref),
		implied_latest(ref),
	]
	f != ""
}

canonical(ref) := concat("", [ref.name, prefixed(":", ref.tag), prefixed("@", ref.digest)])

tagged(ref) := concat("", [ref.name, ":", ref.tag]) if ref.tag != ""

else := ""

pinned(ref) := concat("", [ref.name, "@", ref.digest]) if ref.digest != ""

else := ""

implied_latest(ref) := concat("", [ref.name, ":latest"]) if {
	ref.tag == ""
	ref.digest == ""
} else := ""

prefixed(p, s) := concat("", [p, s]) if {
	s != ""
} else := ""
