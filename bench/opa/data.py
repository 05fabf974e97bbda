#!/usr/bin/env python3
"""Translates ecrgate's policies and recorded findings into one OPA data document (data.ecrgate).

    data.py POLICIES_DIR FINDINGS_DIR > data.json

The policies are read from the same YAML files ecrgate loads, so the Rego in this directory judges by exactly the
thresholds ecrgate does. What does not depend on the request is computed here, and shaped so that the Rego looks
things up by key instead of walking the data on every request:

- facts keyed as a request asks for them: tags by "account/repository:tag", scans by digest, repositories by
  "account/repository"; each scan with its findings per severity, worst first (ID upper-cased, the text a denial
  shows), its severity counts (basic and enhanced findings, CLOSED and SUPPRESSED enhanced findings left out,
  unknown severities as UNDEFINED), the set of its IDs and whether its status is usable;
- globs (namespaces, repositories, exemption images and namespaces, ignore scopes) as matchers: a literal, a literal
  and the rest of a segment (`*`) or of the string (`**`), and an anchored RE2 expression with ecrgate's Glob
  semantics only for other wildcards; namespace globs without a wildcard as keys of an object. `{namespace}` stays
  in the text and the Rego substitutes the request's namespace;
- registries.ecr keyed by account, tags.deny as a set, ignore entries keyed by ID, scanStatus with ecrgate's
  defaults, maxScanAge in nanoseconds (dates stay ISO strings: they compare as strings), the texts of a denial that
  list what is allowed, and per group of rules whether it can find anything at all.

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


def glob_matcher(glob):
    """The cheapest test equal to glob_regex(glob): a literal, a literal and then one `*` (the rest of a segment) or
    `**` (the rest of the string), and the anchored expression only for anything else. `{namespace}` stays in the
    literal or the expression for the Rego to replace."""
    for suffix, rest in (("**", "any"), ("*", "segment"), ("", "none")):
        literal = glob[:len(glob) - len(suffix)]
        if glob.endswith(suffix) and not any(c in "*?" for c in literal):
            return {"literal": literal, "rest": rest, "regex": None}
    return {"literal": None, "rest": None, "regex": glob_regex(glob)}


def glob_set(globs):
    """Namespace globs: the ones without a wildcard as an object keyed by name (one lookup), the others as matchers."""
    exact = {g: True for g in globs if not any(c in "*?" for c in g)}
    return {"exact": exact, "patterns": [glob_matcher(g) for g in globs if g not in exact]}


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


def ecr_accounts(entries):
    """registries.ecr keyed by account: any region (an entry without regions), or the set of allowed regions."""
    out = {}
    for r in entries:
        account = out.setdefault(str(r["account"]), {"anyRegion": False, "regions": {}})
        if not r.get("regions"):
            account["anyRegion"] = True
        account["regions"].update({region: True for region in r.get("regions", [])})
    return out


def policy(doc):
    spec = doc.get("spec") or {}
    registries = spec.get("registries") or {}
    vulns = spec.get("vulnerabilities")
    tags = spec.get("tags") or {}
    allow = (spec.get("repositories") or {}).get("allow")
    out = {
        "name": doc["metadata"]["name"],
        "mode": spec.get("mode", "enforce"),
        "helpText": spec.get("helpText", ""),
        "namespaces": glob_set(spec["namespaces"]) if "namespaces" in spec else None,
        "excludeNamespaces": glob_set(spec.get("excludeNamespaces", [])),
        "registries": {
            "ecr": ecr_accounts(registries["ecr"]) if "ecr" in registries else None,
            "ecrText": "; ".join(str(r["account"]) + (" in " + ", ".join(r["regions"]) if r.get("regions") else "")
                                 for r in registries.get("ecr", [])),
            "others": registries.get("others", "allow"),
        },
        "repositories": {
            "allow": [glob_matcher(g) for g in allow] if allow is not None else None,
            "allowText": ", ".join(allow or []),
        },
        "tags": {
            "deny": {t: True for t in tags.get("deny", [])},
            "requireDigest": bool(tags.get("requireDigest", False)),
            "immutableOrDigest": bool(tags.get("immutableOrDigest", False)),
            "allowedPatterns": tags.get("allowedPatterns", []),
            "allowedText": ", ".join(tags.get("allowedPatterns", [])),
        },
        "exemptions": [{
            "images": [glob_matcher(g) for g in e.get("images", [])],
            "namespaces": glob_set(e.get("namespaces", [])) if e.get("namespaces") else None,
            "reason": e.get("reason", ""),
            "expires": iso_date(e["expires"]) if "expires" in e else None,
        } for e in spec.get("exemptions", [])],
        "vulnerabilities": None,
    }
    # whether a group of rules can find anything at all, so that the Rego skips the group in one test
    out["registries"]["checked"] = (out["registries"]["ecr"] is not None or out["registries"]["others"] != "allow"
                                    or allow is not None)
    out["tags"]["checked"] = bool(out["tags"]["deny"] or out["tags"]["requireDigest"]
                                  or out["tags"]["immutableOrDigest"] or out["tags"]["allowedPatterns"])
    if vulns is not None:
        ignore = [{
            "id": str(r["id"]).upper(),
            "reason": r.get("reason", ""),
            "expires": iso_date(r["expires"]) if "expires" in r else None,
            "repositories": [glob_matcher(g) for g in r.get("repositories", [])],
        } for r in vulns.get("ignore", [])]
        by_id = {}
        for r in ignore:
            by_id.setdefault(r["id"], []).append(r)
        out["vulnerabilities"] = {
            # ordered worst first, as ecrgate lists counts over their limits
            "maxCounts": [{"severity": s, "max": vulns["maxCounts"][s]}
                          for s in sorted(vulns.get("maxCounts", {}), key=lambda s: -RANK[s])],
            "onlyFixable": bool(vulns.get("onlyFixable", False)),
            "fixableText": "fixable " if vulns.get("onlyFixable", False) else "",
            "maxScanAgeNs": duration_ns(str(vulns["maxScanAge"])) if "maxScanAge" in vulns else None,
            "maxScanAge": str(vulns.get("maxScanAge", "")),
            "ignore": ignore,
            "ignoreById": by_id,
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


def finding_text(f):
    """ "ID SEVERITY package version, fixed in X" as a denial names its worst findings."""
    text = f["id"] + " " + f["severity"]
    if f["package"]:
        text += " " + f["package"] + (" " + f["version"] if f["version"] else "")
    if f["fixedIn"] is not None:
        text += ", fixed in " + f["fixedIn"]
    elif f["fixAvailable"] == "NO":
        text += ", no fix yet"
    return text


def scan_facts(items):
    """What the Rego reads of a scan's findings: per severity the findings worst first (upper-cased ID, fixable, the
    text a denial shows), and the set of IDs, for expired ignore entries."""
    by_severity = {}
    for f in items:
        by_severity.setdefault(f["severity"], []).append(
            {"id": f["id"].upper(), "fixable": f["fixable"], "text": finding_text(f)})
    return {"bySeverity": by_severity, "ids": {f["id"].upper(): True for f in items}}


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
                            "bySeverity": None, "ids": {}, "summaryOnly": True,
                            "usable": status in ("COMPLETE", "ACTIVE"),
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
                    "completedNs": completed, "counts": counts(items), "summaryOnly": False, **scan_facts(items),
                    "usable": (doc.get("imageScanStatus") or {}).get("status", "COMPLETE") in ("COMPLETE", "ACTIVE"),
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
