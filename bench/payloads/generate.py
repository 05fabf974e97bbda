#!/usr/bin/env python3
"""Writes the benchmark's AdmissionReview payloads, shaped as kube-apiserver sends them to a validating webhook.

The model is examples/requests/*.json: admission.k8s.io/v1 AdmissionReview with userInfo, options, the object after
defaulting (terminationMessagePath, imagePullPolicy, dnsPolicy, tolerations, the projected service account volume),
labels, annotations including kubectl's last-applied-configuration, and managedFields in FieldsV1 form.

    python3 bench/payloads/generate.py [OUT_DIR]     (default: bench/payloads)

Payloads (namespace team-blue, images from examples/findings and Docker Hub):
  pod-1c.json        Pod, 1 container (team-blue/api:1.4.2)                                     -> allowed
  deployment-4c.json Deployment, 3 containers + 1 init container (api, worker, api by digest)   -> allowed, warning
  pod-20c.json       Pod, 20 containers, ECR and Docker Hub images                              -> denied

The output is deterministic: the same script writes the same bytes.
"""
import json
import os
import sys

ECR = "111122223333.dkr.ecr.us-east-1.amazonaws.com"
API = f"{ECR}/team-blue/api:1.4.2"
WORKER = f"{ECR}/team-blue/worker:2.0.1"
WEB = f"{ECR}/team-blue/web:1.0.0"
API_DIGEST = f"{ECR}/team-blue/api@sha256:16eb06ced985216bb14744c43dad833c58f56296d152e580542d0e8630f63316"
DOCKER_HUB = ["nginx:1.27.3", "redis:7.4.1-alpine", "busybox:1.36.1", "envoyproxy/envoy:v1.32.1",
              "prom/statsd-exporter:v0.28.0", "fluent/fluent-bit:3.2.2"]
NAMESPACE = "team-blue"
TIME = "2026-11-30T09:41:07Z"

USER_INFO = {
    "username": "alice@example.com",
    "uid": "aws-iam-authenticator:111122223333:AROAEXAMPLE",
    "groups": ["developers:team-blue", "system:authenticated"],
    "extra": {"accessKeyId": ["ASIAEXAMPLE"], "sessionName": ["alice"]},
}
CREATE_OPTIONS = {
    "kind": "CreateOptions",
    "apiVersion": "meta.k8s.io/v1",
    "fieldManager": "kubectl-client-side-apply",
    "fieldValidation": "Strict",
}


def env_vars(app, n):
    """Plain values, secret and config map references and the downward API, as real manifests mix them."""
    out = [
        {"name": "APP_NAME", "value": app},
        {"name": "LOG_LEVEL", "value": "info"},
        {"name": "LOG_FORMAT", "value": "json"},
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
        {"name": "POD_IP", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}},
        {"name": "DATABASE_PASSWORD", "valueFrom": {"secretKeyRef": {"name": f"{app}-db", "key": "password"}}},
        {"name": "FEATURE_FLAGS", "valueFrom": {"configMapKeyRef": {"name": f"{app}-config", "key": "flags"}}},
        {"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": "http://otel-collector.observability.svc:4317"},
        {"name": "OTEL_SERVICE_NAME", "value": app},
        {"name": "JAVA_TOOL_OPTIONS", "value": "-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"},
    ]
    return out[:n]


def probe(path, port, initial):
    return {"httpGet": {"path": path, "port": port, "scheme": "HTTP"}, "initialDelaySeconds": initial,
            "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}


def container(name, image, *, port=None, env=0, probes=False, mounts=(), cpu="100m", memory="128Mi", args=None,
              defaulted=True):
    """A container as written in a manifest; with defaulted=True also the fields the API server fills in."""
    c = {"name": name, "image": image}
    if args:
        c["args"] = args
    if port:
        c["ports"] = [{"name": "http", "containerPort": port, "protocol": "TCP"}]
    if env:
        c["env"] = env_vars(name, env)
    c["resources"] = {"limits": {"memory": memory}, "requests": {"cpu": cpu, "memory": memory}}
    if mounts:
        c["volumeMounts"] = [{"name": m, "mountPath": f"/etc/{m}", "readOnly": True} for m in mounts]
    if probes and port:
        c["livenessProbe"] = probe("/healthz", port, 10)
        c["readinessProbe"] = probe("/readyz", port, 5)
    c["securityContext"] = {"allowPrivilegeEscalation": False, "runAsNonRoot": True,
                            "capabilities": {"drop": ["ALL"]}}
    if defaulted:
        c["terminationMessagePath"] = "/dev/termination-log"
        c["terminationMessagePolicy"] = "File"
        c["imagePullPolicy"] = "IfNotPresent"
    return c


def fields_v1(value):
    """The FieldsV1 set of a manifest, as kube-apiserver records it in managedFields."""
    if isinstance(value, dict):
        out = {".": {}} if value else {}
        for k, v in value.items():
            out[f"f:{k}"] = fields_v1(v)
        return out
    if isinstance(value, list) and value and all(isinstance(e, dict) and "name" in e for e in value):
        return {f'k:{{"name":"{e["name"]}"}}': fields_v1(e) for e in value}
    if isinstance(value, list) and value and all(isinstance(e, dict) and "containerPort" in e for e in value):
        return {f'k:{{"containerPort":{e["containerPort"]},"protocol":"TCP"}}': fields_v1(e) for e in value}
    return {}


def managed_fields(applied, api_version):
    meta = applied["metadata"]
    fields = {"f:metadata": {
        "f:annotations": {".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {}},
        "f:labels": fields_v1(meta.get("labels", {})),
    }, "f:spec": fields_v1(applied["spec"])}
    return [{"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": api_version,
             "time": TIME, "fieldsType": "FieldsV1", "fieldsV1": fields}]


def last_applied(applied):
    return json.dumps(applied, separators=(",", ":"), sort_keys=True) + "\n"


def service_account_volume(suffix):
    return {"name": f"kube-api-access-{suffix}", "projected": {"sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1",
                                                                      "fieldPath": "metadata.namespace"}}]}},
    ], "defaultMode": 420}}


def pod_spec_defaults(spec, *, pod):
    """Fields the API server defaults in a pod spec (and, for a Pod, the admission plugins' additions)."""
    spec.setdefault("restartPolicy", "Always")
    spec["terminationGracePeriodSeconds"] = 30
    spec["dnsPolicy"] = "ClusterFirst"
    spec.setdefault("securityContext", {})
    spec["schedulerName"] = "default-scheduler"
    if pod:
        spec["serviceAccountName"] = spec.get("serviceAccountName", "default")
        spec["serviceAccount"] = spec["serviceAccountName"]
        spec["tolerations"] = [
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
             "tolerationSeconds": 300},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
             "tolerationSeconds": 300}]
        spec["priority"] = 0
        spec["enableServiceLinks"] = True
        spec["preemptionPolicy"] = "PreemptLowerPriority"
    return spec


def review(uid, kind, group, resource, name, obj):
    version = "v1"
    return {"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1", "request": {
        "uid": uid,
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": resource},
        "requestKind": {"group": group, "version": version, "kind": kind},
        "requestResource": {"group": group, "version": version, "resource": resource},
        "name": name, "namespace": NAMESPACE, "operation": "CREATE", "userInfo": USER_INFO,
        "object": obj, "oldObject": None, "dryRun": False, "options": CREATE_OPTIONS}}


def pod(uid, object_uid, name, labels, containers_fn, sa_suffix, extra_volumes=()):
    """containers_fn(defaulted) returns the container list, so that the applied manifest has no defaults."""
    applied_spec = {"containers": containers_fn(False)}
    if extra_volumes:
        applied_spec["volumes"] = [dict(v) for v in extra_volumes]
    applied = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels}, "spec": applied_spec}
    containers = containers_fn(True)
    for c in containers:
        c.setdefault("volumeMounts", []).append({"name": f"kube-api-access-{sa_suffix}", "readOnly": True,
                                                 "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"})
    spec = {"volumes": [dict(v) for v in extra_volumes] + [service_account_volume(sa_suffix)],
            "containers": containers}
    obj = {"kind": "Pod", "apiVersion": "v1", "metadata": {
        "name": name, "namespace": NAMESPACE, "uid": object_uid, "creationTimestamp": TIME, "labels": labels,
        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": last_applied(applied)},
        "managedFields": managed_fields(applied, "v1")},
        "spec": pod_spec_defaults(spec, pod=True), "status": {"phase": "Pending", "qosClass": "Burstable"}}
    return review(uid, "Pod", "", "pods", name, obj)


def config_volumes(names):
    return [{"name": n, "configMap": {"name": n, "defaultMode": 420}} for n in names]


def pod_1c():
    labels = {"app.kubernetes.io/name": "api", "app.kubernetes.io/part-of": "team-blue",
              "app.kubernetes.io/version": "1.4.2", "app.kubernetes.io/managed-by": "kubectl"}
    return pod("7c7f3b0e-5a3e-4a2e-9a55-2f0d3c6a1b11", "0f5bb4b4-1a2c-4f0e-8d7e-0a9a1d3c1e21", "api", labels,
               lambda d: [container("api", API, port=8080, env=4, probes=True, mounts=["api-config"],
                                    defaulted=d)],
               "7xk2p", config_volumes(["api-config"]))


def deployment_4c():
    name = "orders"
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "team-blue",
              "app.kubernetes.io/version": "1.4.2", "app.kubernetes.io/managed-by": "kubectl",
              "team": "blue", "tier": "backend"}
    selector = {"matchLabels": {"app.kubernetes.io/name": name}}
    volumes = config_volumes(["orders-config", "worker-config", "migrations"])

    def containers(defaulted):
        return [
            container("api", API, port=8080, env=5, probes=True, mounts=["orders-config"], cpu="250m",
                      memory="512Mi", defaulted=defaulted),
            container("worker", WORKER, port=9090, env=4, probes=True, mounts=["worker-config"], cpu="500m",
                      memory="1Gi", args=["--queue=orders", "--concurrency=8"], defaulted=defaulted),
            container("metrics", API_DIGEST, port=9102, env=2, probes=False, cpu="50m", memory="64Mi",
                      args=["--mode=metrics-sidecar"], defaulted=defaulted),
        ]

    def init_containers(defaulted):
        return [container("migrate", API, env=3, mounts=["orders-config", "migrations"], cpu="100m",
                          memory="256Mi", args=["migrate", "--to=latest"], defaulted=defaulted)]

    def template(defaulted):
        spec = {"initContainers": init_containers(defaulted), "containers": containers(defaulted),
                "volumes": [dict(v) for v in volumes], "serviceAccountName": "orders",
                "securityContext": {"runAsNonRoot": True, "fsGroup": 2000},
                "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                                               "whenUnsatisfiable": "ScheduleAnyway",
                                               "labelSelector": selector}]}
        meta = {"labels": labels, "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9102"}}
        if defaulted:
            meta = {"creationTimestamp": None, **meta}
            spec["serviceAccount"] = "orders"
            pod_spec_defaults(spec, pod=False)
        return {"metadata": meta, "spec": spec}

    applied = {"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels},
               "spec": {"replicas": 3, "selector": selector, "template": template(False)}}
    obj = {"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {
        "name": name, "namespace": NAMESPACE, "uid": "9b8e7d6c-5b4a-4c3d-9e2f-1a0b9c8d7e43",
        "generation": 1, "creationTimestamp": TIME, "labels": labels,
        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": last_applied(applied)},
        "managedFields": managed_fields(applied, "apps/v1")},
        "spec": {"replicas": 3, "selector": selector, "template": template(True),
                 "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%",
                                                                        "maxSurge": "25%"}},
                 "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600},
        "status": {}}
    return review("e1c2d3f4-0a1b-4c2d-8e3f-4a5b6c7d8e13", "Deployment", "apps", "deployments", name, obj)


def pod_20c():
    ecr = [API, WORKER, WEB, API_DIGEST]
    labels = {"app.kubernetes.io/name": "batch", "app.kubernetes.io/part-of": "team-blue"}

    def containers(defaulted):
        out = []
        for i in range(20):
            # two thirds ECR images from the recorded findings, one third Docker Hub sidecars
            image = DOCKER_HUB[(i // 3) % len(DOCKER_HUB)] if i % 3 == 2 else ecr[i % len(ecr)]
            out.append(container(f"step-{i:02d}", image, port=8000 + i, env=2, cpu="50m", memory="64Mi",
                                 defaulted=defaulted))
        return out

    return pod("3a1d2c4b-6e5f-4a7b-8c9d-0e1f2a3b4c21", "5d6e7f80-9a1b-4c2d-8e3f-405162738495", "batch", labels,
               containers, "q9z4m")


PAYLOADS = {"pod-1c": pod_1c, "deployment-4c": deployment_4c, "pod-20c": pod_20c}


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(out_dir, exist_ok=True)
    for name, build in PAYLOADS.items():
        data = json.dumps(build(), separators=(",", ":")).encode()  # compact, as kube-apiserver sends it
        path = os.path.join(out_dir, f"{name}.json")
        with open(path, "wb") as f:
            f.write(data)
        print(f"PAYLOAD {name} bytes={len(data)} path={path}")


if __name__ == "__main__":
    main()
