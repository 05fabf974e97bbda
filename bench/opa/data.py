#!/usr/bin/env python3
"""Translates ecrgate's policies and recorded findings into one OPA data document (data.ecrgate).

    data.py POLICIES_DIR FINDINGS_DIR > data.json

The policies are read from the same YAML files ecrgate loads, so the Rego in this directory judges by exactly the
thresholds ecrgate does; what can be computed once is computed here, so that the Rego only looks things up:

- globs (namespaces, repositories, exemption images, ignore scopes) become anchored RE2 regular expressions with
  ecrgate's Glob semantics (`*` within one segment, `**` across segments, `**/` may match nothing, `?` one
  character); `{namespace}` stays in the text and the Rego substitutes the request's namespace;
- scanStatus gets ecrgate's defaults filled in, maxScanAge becomes nanoseconds, dates stay ISO strings (they
  compare as strings);
- scans become severity counts over every finding (basic and enhanced, CLOSED and SUPPRESSED enhanced findings left
  out, unknown severities as UNDEFINED) plus the findings themselves, worst first, for `ignore`, `onlyFixable` and
  the "worst" line of a denial.

Only the standard library and PyYAML are needed. Files the AWS CLI did not write are skipped with a note on stderr.
"""
import datetime
import json
import os
import re
import sys

import yaml

SEVERITIES = ["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL", "UNDEFINED", "UNTRIAGED"]
# ecrgate's Severity order, lowest first; the rank orders findings worst first.
RANK = {s: i for i, s in enumerate(["UNDEFINED", "UNTRIAGED", "INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"])}
SCAN_STATUS_DEFAULTS = {
    "PENDING": "deny", "IN_PROGRESS": "deny", "FAILED": "deny", "UNSUPPORTED_IMAGE": "warn",
    "SCAN_ELIGIBILITY_EXPIRED": "deny", "FINDINGS_UNAVAILABLE": "deny", "LIMIT_EXCEEDED": "warn",
    "IMAGE_ARCHIVED": "deny", "NOT_FOUND": "deny",
}
REGEX_SPECIAL = set("\\.+*?()|[]{}^$")
NAMESPACE = "{namespace}"


def glob_regex(glob):
    """ecrgate's Glob as an anchored RE2 expression; "{namespace}" is kept literally for the Rego to replace."""
    out = []
    i = 0
    while i < len(glob):
        if glob.startswith(NAMESPACE, i):
            out.append(NAMESPACE)
            i += len(NAMESPACE)
            continue
        c = glob[i]
        if c == "?":
            out.append("[^/]")
        elif c == "*":
            if glob[i + 1:i + 2] == "*":
                i += 1
                if glob[i + 1:i + 2] == "/":
                    i += 1
                    out.append("(?:.*/)?")
                else:
                    out.append(".*")
            else:
                out.append("[^/]*")
        else:
            out.append("\\" + c if c in REGEX_SPECIAL else c)
        i += 1
    return "^(?s:" + "".join(out) + ")$"


def duration_ns(text):
    """maxScanAge: 30d, 2w, 336h, 90m, or ISO-8601 P14D / PT336H."""
    m = re.fullmatch(r"(\d+)([wdhm])", text)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        return n * {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60}[unit] * 10**9
    m = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?", text)
    if not m:
        raise ValueError(f"maxScanAge {text!r} is not a duration")
    d, h, mi = (int(g or 0) for g in m.groups())
    return ((d * 24 + h) * 60 + mi) * 60 * 10**9


def iso_date(value):
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


def policy(doc):
    spec = doc.get("spec") or {}
    registries = spec.get("registries") or {}
    vulns = spec.get("vulnerabilities")
    tags = spec.get("tags") or {}
    out = {
        "name": doc["metadata"]["name"],
        "mode": spec.get("mode", "enforce"),
        "helpText": spec.get("helpText", ""),
        "namespaces": [glob_regex(g) for g in spec["namespaces"]] if "namespaces" in spec else None,
        "excludeNamespaces": [glob_regex(g) for g in spec.get("excludeNamespaces", [])],
        "registries": {
            "ecr": [{"account": str(r["account"]), "regions": r.get("regions", [])} for r in registries["ecr"]]
            if "ecr" in registries else None,
            "others": registries.get("others", "allow"),
        },
        "repositories": {
            "allow": (spec.get("repositories") or {}).get("allow"),
            "allowRegex": [glob_regex(g) for g in (spec.get("repositories") or {}).get("allow", [])],
        },
        "tags": {
            "deny": tags.get("deny", []),
            "requireDigest": bool(tags.get("requireDigest", False)),
            "immutableOrDigest": bool(tags.get("immutableOrDigest", False)),
            "allowedPatterns": tags.get("allowedPatterns", []),
        },
        "exemptions": [{
            "images": [glob_regex(g) for g in e.get("images", [])],
            "namespaces": [glob_regex(g) for g in e.get("namespaces", [])],
            "reason": e.get("reason", ""),
            "expires": iso_date(e["expires"]) if "expires" in e else None,
        } for e in spec.get("exemptions", [])],
        "vulnerabilities": None,
    }
    if vulns is not None:
        ignore = [{
            "id": str(r["id"]).upper(),
            "reason": r.get("reason", ""),
            "expires": iso_date(r["expires"]) if "expires" in r else None,
            "repositories": [glob_regex(g) for g in r.get("repositories", [])],
        } for r in vulns.get("ignore", [])]
        out["vulnerabilities"] = {
            # ordered worst first, as ecrgate lists counts over their limits
            "maxCounts": [{"severity": s, "max": vulns["maxCounts"][s]}
                          for s in sorted(vulns.get("maxCounts", {}), key=lambda s: -RANK[s])],
            "onlyFixable": bool(vulns.get("onlyFixable", False)),
            "maxScanAgeNs": duration_ns(str(vulns["maxScanAge"])) if "maxScanAge" in vulns else None,
            "maxScanAge": str(vulns.get("maxScanAge", "")),
            "ignore": ignore,
            "needsDetail": bool(ignore) or bool(vulns.get("onlyFixable", False)),
            "scanStatus": {**SCAN_STATUS_DEFAULTS, **(vulns.get("scanStatus") or {})},
        }
    return out


def load_policies(directory):
    policies = []
    for name in sorted(os.listdir(directory)):
        if name.endswith((".yaml", ".yml")) and not name.startswith("."):
            with open(os.path.join(directory, name)) as f:
                policies += [policy(d) for d in yaml.safe_load_all(f) if d and d.get("kind") == "ImagePolicy"]
    return policies


def epoch_ns(value):
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return int(value * 10**9)
    return int(datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()) * 10**9


def attribute(finding, key):
    return next((a.get("value", "") for a in finding.get("attributes", []) if a.get("key") == key), "")


def findings(scan):
    out = []
    for f in scan.get("findings") or []:
        out.append({"id": f.get("name", ""), "severity": f.get("severity", "UNDEFINED"), "fixable": True,
                    "package": attribute(f, "package_name"), "version": attribute(f, "package_version"),
                    "fixedIn": None, "fixAvailable": None})
    for f in scan.get("enhancedFindings") or []:
        if f.get("status") in ("CLOSED", "SUPPRESSED"):
            continue
        details = f.get("packageVulnerabilityDetails") or {}
        package = (details.get("vulnerablePackages") or [{}])[0]
        fix = f.get("fixAvailable")
        out.append({"id": details.get("vulnerabilityId") or f.get("title", ""),
                    "severity": f.get("severity", "UNDEFINED"), "fixable": fix in ("YES", "PARTIAL"),
                    "package": package.get("name", ""),
                    "version": package.get("version", "") + ("-" + package["release"] if package.get("release") else ""),
                    "fixedIn": package.get("fixedInVersion") or None, "fixAvailable": fix})
    for f in out:
        if f["severity"] not in SEVERITIES:
            f["severity"] = "UNDEFINED"
    # worst first, as ecrgate picks the findings a denial names
    out.sort(key=lambda f: f["id"], reverse=True)
    out.sort(key=lambda f: (-RANK[f["severity"]], f["fixedIn"] is None))
    return out


def counts(items):
    out = {}
    for f in items:
        out[f["severity"]] = out.get(f["severity"], 0) + 1
    return out


def load_findings(directory):
    tags, scans, repositories = {}, {}, {}
    for root, dirs, files in os.walk(directory, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or not name.endswith(".json"):
                continue
            path = os.path.join(root, name)
            with open(path) as f:
                doc = json.load(f)
            if "repositories" in doc:
                for r in doc["repositories"]:
                    repositories[f'{r["registryId"]}/{r["repositoryName"]}'] = {
                        "mutability": r.get("imageTagMutability", "MUTABLE"),
                        "exclusionFilters": [x["filter"] for x in r.get("imageTagMutabilityExclusionFilters", [])],
                    }
            elif "imageDetails" in doc:
                for i in doc["imageDetails"]:
                    repo = f'{i["registryId"]}/{i["repositoryName"]}'
                    for t in i.get("imageTags") or []:
                        tags[f"{repo}:{t}"] = i["imageDigest"]
                    summary = i.get("imageScanFindingsSummary")
                    status = (i.get("imageScanStatus") or {}).get("status")
                    if status and i["imageDigest"] not in scans:
                        # a summary only: counts without per-finding detail (a scan file, if any, replaces it)
                        scans[i["imageDigest"]] = {
                            "status": status, "description": (i.get("imageScanStatus") or {}).get("description", ""),
                            "completedNs": epoch_ns((summary or {}).get("imageScanCompletedAt")),
                            "counts": (summary or {}).get("findingSeverityCounts", {}),
                            "findings": None, "summaryOnly": True,
                        }
            elif "imageScanFindings" in doc or "imageScanStatus" in doc:
                repo = f'{doc["registryId"]}/{doc["repositoryName"]}'
                image = doc.get("imageId", {})
                result = doc.get("imageScanFindings") or {}
                digest = image.get("imageDigest")
                if image.get("imageTag") and digest:
                    tags.setdefault(f'{repo}:{image["imageTag"]}', digest)
                key = digest or f'{repo}:{image.get("imageTag")}'
                items = findings(result)
                previous = scans.get(key)
                completed = epoch_ns(result.get("imageScanCompletedAt"))
                if previous and not previous.get("summaryOnly") and (previous["completedNs"] or 0) > (completed or 0):
                    continue  # the most recent scan wins
                scans[key] = {
                    "status": (doc.get("imageScanStatus") or {}).get("status", "COMPLETE"),
                    "description": (doc.get("imageScanStatus") or {}).get("description", ""),
                    "completedNs": completed, "counts": counts(items), "findings": items, "summaryOnly": False,
                }
            else:
                print(f"data.py: {path}: not AWS CLI output of a known ECR command, skipped", file=sys.stderr)
    return {"tags": tags, "scans": scans, "repositories": repositories}


def main():
    if len(sys.argv) != 3:
        print("usage: data.py POLICIES_DIR FINDINGS_DIR > data.json", file=sys.stderr)
        sys.exit(2)
    data = {"ecrgate": {"policies": load_policies(sys.argv[1]), **load_findings(sys.argv[2])}}
    json.dump(data, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
