# What is checked in an AdmissionReview: the pod spec of a Pod, or the pod template of every workload kind that
# makes pods, and the images of all three container lists, as ecrgate's admission.Subjects finds them.
package ecrgate.request

# Where the pod spec sits, per group/version/kind.
spec_paths := {
	"/v1/Pod": ["spec"],
	"/v1/ReplicationController": ["spec", "template", "spec"],
	"apps/v1/Deployment": ["spec", "template", "spec"],
	"apps/v1/ReplicaSet": ["spec", "template", "spec"],
	"apps/v1/StatefulSet": ["spec", "template", "spec"],
	"apps/v1/DaemonSet": ["spec", "template", "spec"],
	"batch/v1/Job": ["spec", "template", "spec"],
	"batch/v1/CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
}

container_lists := [
	{"field": "initContainers", "label": "init container"},
	{"field": "containers", "label": "container"},
	{"field": "ephemeralContainers", "label": "ephemeral container"},
]

request := input.request

namespace := object.get(request, "namespace", "")

kind_key := concat("/", [object.get(request.kind, "group", ""), request.kind.version, request.kind.kind])

sub_resource := object.get(request, "subResource", "")

# Other subresources (status, scale, ...), DELETE and CONNECT are not ecrgate's business.
checked if {
	request.operation in {"CREATE", "UPDATE"}
	spec_paths[kind_key]
	sub_resource_checked
}

sub_resource_checked if sub_resource == ""

sub_resource_checked if {
	sub_resource == "ephemeralcontainers"
	kind_key == "/v1/Pod"
}

spec := object.get(request.object, spec_paths[kind_key], {})

# "field image" of every container of the old object: on UPDATE, an image the old object already ran in the same
# container list is pre-existing, and its denials become warnings.
old_images contains sprintf("%s %s", [l.field, object.get(c, "image", "")]) if {
	request.operation == "UPDATE"
	old := object.get(object.get(request, "oldObject", {}), spec_paths[kind_key], {})
	some l in container_lists
	some c in object.get(old, l.field, [])
}

containers := [c |
	checked
	some l in container_lists
	some x in object.get(spec, l.field, [])
	image := object.get(x, "image", "")
	c := {
		"label": sprintf("%s %q", [l.label, object.get(x, "name", "")]),
		"name": object.get(x, "name", ""),
		"image": image,
		"preExisting": sprintf("%s %s", [l.field, image]) in old_images,
	}
]

display_name := request.name if {
	request.name != ""
} else := request.object.metadata.name if {
	request.object.metadata.name != ""
} else := concat("", [request.object.metadata.generateName, "*"]) if {
	request.object.metadata.generateName != ""
} else := ""
