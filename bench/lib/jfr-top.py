#!/usr/bin/env python3
"""Aggregates `jfr print --events jdk.ExecutionSample` (stdin) into the hottest methods.

Prints three rankings: by top frame (where the CPU is), by the first ecrgate frame on the stack (which ecrgate
code the time is spent in or under), and by the top frame's package (Jackson, Netty, TLS, ...).
"""
import collections
import re
import sys

FRAME = re.compile(r"^\s+([\w$.<>]+)\(.*\)\s+line:")


def package(method):
    parts = method.split(".")
    return ".".join(parts[:3]) if len(parts) > 3 else ".".join(parts[:-2])


def main():
    top, first_ecrgate, packages = collections.Counter(), collections.Counter(), collections.Counter()
    samples = 0
    frames, in_stack = [], False
    for line in sys.stdin:
        if "stackTrace = [" in line:
            frames, in_stack = [], True
            continue
        if in_stack:
            m = FRAME.match(line)
            if m:
                frames.append(m.group(1))
                continue
            if line.strip().startswith("]"):
                in_stack = False
                if frames:
                    samples += 1
                    top[frames[0]] += 1
                    packages[package(frames[0])] += 1
                    own = next((f for f in frames if f.startswith("dev.ecrgate.")), "(no ecrgate frame)")
                    first_ecrgate[own] += 1
    print(f"JFR execution samples: {samples}")
    for title, counter, n in (("top frames", top, 15), ("first ecrgate frame on the stack", first_ecrgate, 12),
                              ("top frame package", packages, 10)):
        print(f"\nBy {title}:")
        for name, count in counter.most_common(n):
            print(f"  {100.0 * count / max(1, samples):5.1f}%  {name}")


if __name__ == "__main__":
    main()
