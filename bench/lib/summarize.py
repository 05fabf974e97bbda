#!/usr/bin/env python3
"""Reads one benchmark run's raw results and prints the tables, the ratios, the targets and, as the last line,
the RESULT line for the Deployment payload.

    python3 bench/lib/summarize.py RESULTS_DIR

RESULTS_DIR holds, per server S and payload P, S-P.wrk.json (the WRKJSON line of bench/lib/wrk-post.lua) and
S-P.lat.json (bench/lib/latency.py), and optionally cold-*.txt, heap.txt, ready.json and meta.json. Also writes
RESULTS_DIR/summary.json.
"""
import json
import os
import re
import statistics
import sys

SERVERS = ["ecrgate", "floor", "opa"]
PAYLOADS = ["pod-1c", "deployment-4c", "pod-20c"]
KEY_PAYLOAD = "deployment-4c"
LATENCY_RATE = 1000


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def measure(d, server, payload):
    wrk = load(os.path.join(d, f"{server}-{payload}.wrk.json"))
    lat = load(os.path.join(d, f"{server}-{payload}.lat.json"))
    if wrk is None and lat is None:
        return None
    others = [c.get("others_core0_pct", 0.0) for c in (load(os.path.join(d, f"{server}-{payload}.cpu-{phase}.json"))
                                                       for phase in ("rps", "lat")) if c]
    m = {"server": server, "payload": payload, "answer": answer(d, server, payload),
         "others_core0_pct": max(others) if others else None}
    if wrk:
        m["rps"] = round(wrk["requests"] / (wrk["duration_us"] / 1e6)) if wrk["duration_us"] else 0
        m["rps_errors"] = sum(wrk[k] for k in ("connect_errors", "read_errors", "write_errors",
                                               "status_errors", "timeout_errors"))
        m["wrk_p50_ms"] = wrk["p50_us"] / 1000
        m["wrk_p99_ms"] = wrk["p99_us"] / 1000
    if lat:
        m.update({"p50_ms": lat["p50_ms"], "p99_ms": lat["p99_ms"], "p999_ms": lat["p999_ms"],
                  "max_ms": lat["max_ms"], "lat_errors": lat["errors"], "lat_requests": lat["requests"],
                  "lat_rate": lat["rate"], "error_samples": lat.get("error_samples", [])})
    return m


def answer(d, server, payload):
    """allow, warn or deny, from the answer to the one checked request of this server and payload."""
    review = load(os.path.join(d, f"{server}-{payload}.response.json"))
    if not isinstance(review, dict):
        return "?"
    response = review.get("response") or review.get("result", {}).get("response") or {}
    if not response.get("allowed", False):
        return "deny"
    return "warn" if response.get("warnings") else "allow"


def fmt(v, digits=2):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def ratio(a, b):
    return None if not a or not b else a / b


def key_value_line(path, prefix):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(prefix + " "):
                    return dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
    except OSError:
        pass
    return None


def main():
    d = sys.argv[1]
    meta = load(os.path.join(d, "meta.json")) or {}
    results = {}
    for s in SERVERS:
        for p in PAYLOADS:
            m = measure(d, s, p)
            if m:
                results[(s, p)] = m

    print()
    print(f"Throughput: wrk -t1 -c32 -d{meta.get('measure_s', '?')}s, keep-alive (load generator on core 1)")
    print(f"Latency:    vegeta at {LATENCY_RATE} req/s for {meta.get('latency_s', '?')}s, open loop, keep-alive, after "
          f"{meta.get('warm_s', '?')}s of warm-up on the same connections (left out)")
    print("Server on core 0. Latencies in ms. errors = wrk errors / vegeta errors (transport or non-2xx).")
    print("rate = the request rate vegeta achieved (at most 32 in flight); below 990 the server did not keep up.")
    print("other% = the most of core 0 that processes other than the server took during either measurement.")
    end_load = None
    try:
        end_load = open(os.path.join(d, "loadavg-at-end.txt")).read().strip()
    except OSError:
        pass
    print(f"Load average at start {meta.get('loadavg_at_start', '?')}, at end {end_load or '?'}"
          f"{'  (QUICK RUN: smoke test, figures not comparable)' if meta.get('quick') else ''}")
    header = f"{'server':<8} {'payload':<14} {'answer':<6} {'rps':>8} {'p50':>7} {'p99':>7} {'p99.9':>7} {'max':>8} {'rate':>6} {'errors':>9} {'other%':>7}"
    for s in SERVERS:
        rows = [results[(s, p)] for p in PAYLOADS if (s, p) in results]
        if not rows:
            continue
        print()
        print(header)
        for m in rows:
            errors = f"{fmt(m.get('rps_errors'))}/{fmt(m.get('lat_errors'))}"
            print(f"{s:<8} {m['payload']:<14} {m['answer']:<6} {fmt(m.get('rps')):>8} {fmt(m.get('p50_ms')):>7} "
                  f"{fmt(m.get('p99_ms')):>7} {fmt(m.get('p999_ms')):>7} {fmt(m.get('max_ms')):>8} {fmt(m.get('lat_rate'), 0):>6} {errors:>9} {fmt(m.get('others_core0_pct'), 1):>7}")

    print()
    print("Ratios (throughput; p99)")
    ratios = {}
    for p in PAYLOADS:
        e, f, o = results.get(("ecrgate", p)), results.get(("floor", p)), results.get(("opa", p))
        if not e:
            continue
        ef = ratio(e.get("rps"), f.get("rps")) if f else None
        eo = ratio(e.get("rps"), o.get("rps")) if o else None
        lo = ratio(e.get("p99_ms"), o.get("p99_ms")) if o else None
        ratios[p] = {"ecrgate_over_floor_rps": ef, "ecrgate_over_opa_rps": eo, "ecrgate_over_opa_p99": lo}
        print(f"  {p:<14} ecrgate/floor rps = {fmt(ef)}   ecrgate/OPA rps = {fmt(eo)}   "
              f"ecrgate/OPA p99 = {fmt(lo)}")

    cold = []
    for name in sorted(os.listdir(d)):
        if name.startswith("cold-") and name.endswith(".txt"):
            kv = key_value_line(os.path.join(d, name), "COLD")
            if kv:
                cold.append(kv)
    heap = key_value_line(os.path.join(d, "heap.txt"), "HEAP")
    ready = load(os.path.join(d, "ready.json"))

    print()
    if cold:
        for kv in sorted(cold, key=lambda kv: int(kv["images"])):
            print(f"Cold path: images={kv['images']} ecr_calls={kv['ecr_calls']} decide_ms={kv['decide_ms']} "
                  f"(ECR double, {kv.get('round_trip_ms', '50')} ms per call)")
    else:
        print("Cold path: not measured")
    if heap:
        print(f"Heap per cached result: {heap['bytes_per_entry']} bytes "
              f"(entries={heap['entries']}, findings_per_image={heap.get('findings_per_image', '?')}, "
              f"total_mb={heap['total_mb']})")
    else:
        print("Heap per cached result: not measured")
    ready_median = None
    if ready and ready.get("ms"):
        ready_median = statistics.median(ready["ms"])
        print(f"Ready (JVM start to /readyz 200, 1 core): median {ready_median:.0f} ms of {len(ready['ms'])} "
              f"runs {ready['ms']}")
    else:
        print("Ready: not measured")

    # Targets of issue 6, judged on the measured figures only.
    targets = []

    def target(name, measured, met):
        targets.append({"target": name, "measured": measured, "met": met})

    for p in PAYLOADS:
        r = ratios.get(p, {})
        if r.get("ecrgate_over_floor_rps") is not None:
            v = r["ecrgate_over_floor_rps"]
            target(f"throughput >= 60% of floor ({p})", f"{v * 100:.0f}%", v >= 0.6)
            if p == "pod-20c":
                target("throughput >= 80% of floor (pod-20c, issue 16)", f"{v * 100:.0f}%", v >= 0.8)
        if r.get("ecrgate_over_opa_rps") is not None:
            v = r["ecrgate_over_opa_rps"]
            target(f"throughput >= 2x OPA ({p})", f"{v:.2f}x", v >= 2.0)
    for p in PAYLOADS:
        e = results.get(("ecrgate", p))
        if e and e.get("p99_ms") is not None:
            target(f"p99 <= 2 ms at {LATENCY_RATE} rps ({p})", f"{e['p99_ms']:.2f} ms", e["p99_ms"] <= 2.0)
            target(f"p99.9 <= 10 ms at {LATENCY_RATE} rps ({p})", f"{e['p999_ms']:.2f} ms", e["p999_ms"] <= 10.0)
            if p == KEY_PAYLOAD:
                target(f"p99.9 <= 5 ms at {LATENCY_RATE} rps ({p}, issue 16)", f"{e['p999_ms']:.2f} ms",
                       e["p999_ms"] <= 5.0)
            errs = (e.get("lat_errors") or 0) + (e.get("rps_errors") or 0)
            target(f"zero errors ({p})", str(errs), errs == 0)
            target(f"sustains {LATENCY_RATE} rps ({p})", f"{e['lat_rate']:.0f} rps",
                   e["lat_rate"] >= 0.99 * LATENCY_RATE)
    for kv in cold:
        n, calls, ms = int(kv["images"]), int(kv["ecr_calls"]), int(kv["decide_ms"])
        rt = int(kv.get("round_trip_ms", "50"))
        # least possible: one DescribeImages per repository and one DescribeImageScanFindings per digest
        target(f"cold path: one ECR call per distinct fact ({n} images)", f"{calls} calls for {2 * n} facts",
               calls <= 2 * n)
        target(f"cold path: about one round trip per lookup, not per image ({n} images)",
               f"{ms} ms at {rt} ms per call", ms <= 3 * rt)
    if heap:
        b = int(heap["bytes_per_entry"])
        target("heap <= 1 KB per cached result", f"{b} bytes", b <= 1024)
    if ready_median is not None:
        target("ready <= 2 s", f"{ready_median:.0f} ms", ready_median <= 2000)
        target("ready <= 1.5 s without class data sharing (issue 16)", f"{ready_median:.0f} ms",
               ready_median <= 1500)

    print()
    print("Targets")
    for t in targets:
        print(f"  {'met    ' if t['met'] else 'NOT MET'}  {t['target']}: {t['measured']}")

    summary = {"meta": meta, "results": [results[k] for k in sorted(results)], "ratios": ratios,
               "cold": cold, "heap": heap, "ready_ms": ready.get("ms") if ready else None,
               "ready_median_ms": ready_median, "targets": targets}
    with open(os.path.join(d, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)

    def rps(s):
        m = results.get((s, KEY_PAYLOAD))
        return str(m["rps"]) if m and m.get("rps") is not None else "na"

    def p99(s):
        m = results.get((s, KEY_PAYLOAD))
        return f"{m['p99_ms']:.2f}" if m and m.get("p99_ms") is not None else "na"

    def p999(s):
        m = results.get((s, KEY_PAYLOAD))
        return f"{m['p999_ms']:.2f}" if m and m.get("p999_ms") is not None else "na"

    pod20 = ratios.get("pod-20c", {}).get("ecrgate_over_floor_rps")
    print()
    print(f"RESULT ecrgate_rps={rps('ecrgate')} floor_rps={rps('floor')} opa_rps={rps('opa')} "
          f"ecrgate_p99_ms={p99('ecrgate')} opa_p99_ms={p99('opa')} "
          f"pod20_ratio={'na' if pod20 is None else f'{pod20:.2f}'} p999_ms={p999('ecrgate')}")


if __name__ == "__main__":
    main()
