#!/usr/bin/env python3
"""Latency percentiles and errors of one vegeta attack, from `vegeta encode --to csv` on stdin.

Prints one JSON object: requests, achieved rate, p50/p99/p99.9/max in milliseconds (nearest rank), and errors
(transport errors plus any status outside 2xx), with up to three distinct error samples.

vegeta CSV columns: timestamp(ns), code, latency(ns), bytes_out, bytes_in, error, body(base64), attack, seq, ...

    latency.py [--skip-seconds N]

--skip-seconds N leaves the requests sent in the attack's first N seconds out of the rate and the percentiles (they
are the warm-up of the same connections, as kube-apiserver's pool is warm); errors count over the whole attack,
warm-up included, and are reported apart as warmup_errors too.
"""
import csv
import json
import math
import sys


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def main():
    skip_ns = 0
    args = sys.argv[1:]
    if args[:1] == ["--skip-seconds"] and len(args) == 2:
        skip_ns = int(float(args[1]) * 1e9)
    elif args:
        sys.exit("usage: latency.py [--skip-seconds N] < vegeta.csv")
    csv.field_size_limit(sys.maxsize)
    rows = [row for row in csv.reader(sys.stdin) if len(row) >= 6]
    start = min((int(r[0]) for r in rows), default=0)
    latencies, errors, warmup_errors, samples = [], 0, 0, []
    first = last = None
    for row in rows:
        ts, code, latency, error = int(row[0]), int(row[1]), int(row[2]), row[5]
        failed = bool(error) or not 200 <= code < 300
        if ts - start < skip_ns:
            if failed:
                errors += 1
                warmup_errors += 1
            continue
        first = ts if first is None else min(first, ts)
        last = ts if last is None else max(last, ts)
        latencies.append(latency)
        if failed:
            errors += 1
            sample = f"{code} {error}".strip()
            if sample not in samples and len(samples) < 3:
                samples.append(sample)
    latencies.sort()
    span = (last - first) / 1e9 if latencies and last > first else 0.0
    ms = lambda ns: None if ns is None else round(ns / 1e6, 3)
    print(json.dumps({
        "requests": len(latencies),
        "rate": round((len(latencies) - 1) / span, 1) if span else 0.0,
        "p50_ms": ms(percentile(latencies, 50)),
        "p99_ms": ms(percentile(latencies, 99)),
        "p999_ms": ms(percentile(latencies, 99.9)),
        "max_ms": ms(latencies[-1] if latencies else None),
        "errors": errors,
        "warmup_errors": warmup_errors,
        "error_samples": samples,
    }))


if __name__ == "__main__":
    main()
