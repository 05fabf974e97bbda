#!/usr/bin/env bash
# The soak run (issue 8): ecrgate serving live-ECR lookups from the ECR double (1% of ECR calls fail with 500) at a
# steady rate for a long time, while its policies are reloaded every minute and its certificate is rotated every 5
# minutes. Every minute it records requests, HTTP errors, p99, heap after a full GC, open files and threads, so that a
# leak or a slow failure shows as a trend. Not run in CI; see RELIABILITY.md for the figures.
#
#   bench/soak.sh [--minutes 30] [--rate 200] [--rotate-every 5] [--connections 64]
#
#   --minutes        how long the load runs
#   --rate           requests per second (vegeta, open loop), round-robin over the payloads
#   --rotate-every   minutes between certificate rotations (a short validation run wants 1)
#   --connections    most connections vegeta opens, as an API server's pool (0: no limit, a connection per waiting
#                    request; a cold ecrgate then meets a handshake storm and its 1000-connection cap, RELIABILITY.md)
#
# ecrgate runs on core 0 (-XX:ActiveProcessorCount=1, with the image's Serial collector and fixed 256 MiB heap);
# vegeta and the ECR double on core 1. Builds the jars when the sources are newer and runs a copy of them. Writes
# soak.csv, the logs and summary.txt to bench/target/soak/<UTC timestamp>/. Stops everything it started on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

MINUTES=30 RATE=200 ROTATE_EVERY=5 CONNECTIONS=64
while (($#)); do
    case "$1" in
        --minutes) MINUTES="$2"; shift 2 ;;
        --minutes=*) MINUTES="${1#*=}"; shift ;;
        --rate) RATE="$2"; shift 2 ;;
        --rate=*) RATE="${1#*=}"; shift ;;
        --rotate-every) ROTATE_EVERY="$2"; shift 2 ;;
        --rotate-every=*) ROTATE_EVERY="${1#*=}"; shift ;;
        --connections) CONNECTIONS="$2"; shift 2 ;;
        --connections=*) CONNECTIONS="${1#*=}"; shift ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "soak.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done
for n in "$MINUTES" "$RATE" "$ROTATE_EVERY"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "soak.sh: --minutes, --rate and --rotate-every take whole numbers" >&2; exit 2; }
done
[[ "$CONNECTIONS" =~ ^[0-9]+$ ]] || { echo "soak.sh: --connections takes a whole number" >&2; exit 2; }
LIMIT=()
((CONNECTIONS > 0)) && LIMIT=(-max-connections "$CONNECTIONS")

SERVER_CPU=0 LOAD_CPU=1
# the flags the container image ships (Serial collector, fixed heap of half a 512Mi limit), as bench/run.sh uses
JVM_FLAGS=(-XX:ActiveProcessorCount=1 -XX:+UseSerialGC -Xms256m -Xmx256m
    -XX:Tier4InvocationThreshold=15000 -XX:Tier4MinInvocationThreshold=1800 -XX:Tier4CompileThreshold=45000
    -XX:Tier4BackEdgeThreshold=120000)
FAIL_FRACTION=0.01       # of ECR calls answered 500 ServerException by the double
RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$ROOT/bench/target/soak/$RUN_ID"
mkdir -p "$OUT"
START_SECONDS=$SECONDS
log() { printf '[soak %5ds] %s\n' $((SECONDS - START_SECONDS)) "$*" | tee -a "$OUT/soak.log"; }
die() { echo "soak.sh: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------------------
# Processes: each in its own session (setsid), so that stopping one stops its children.
PIDS=()
stop_all() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    jobs -p | xargs -r kill 2>/dev/null || true
    stop_all
    rm -rf "$OUT/jars"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for tool in java jcmd taskset curl python3 openssl; do
    command -v "$tool" >/dev/null || die "needs $tool"
done
(($(nproc) >= 2)) || die "needs at least 2 CPUs (ecrgate on core $SERVER_CPU, load on core $LOAD_CPU)"

# ---------------------------------------------------------------------------------------------------------------
# Jars: build when a source is newer, then run a snapshot (a rebuild during the soak must not change what runs).
newer_sources() {
    local jar="$1"
    shift
    [[ -f "$jar" ]] || { echo missing; return; }
    find "$@" -type f -newer "$jar" -print -quit 2>/dev/null
}
if [[ -n "$(newer_sources webhook/target/ecrgate.jar webhook/src/main webhook/pom.xml certs/src pom.xml)" ||
      -n "$(newer_sources bench/target/bench.jar bench/src bench/pom.xml webhook/src pom.xml)" ]]; then
    log "building the jars (./mvnw install -DskipTests)"
    timeout 900 ./mvnw -B -ntp -q install -DskipTests >"$OUT/build.log" 2>&1 || die "build failed, see $OUT/build.log"
fi
mkdir -p "$OUT/jars"
cp webhook/target/ecrgate.jar bench/target/bench.jar "$OUT/jars/"
ECRGATE_JAR="$OUT/jars/ecrgate.jar"
BENCH_JAR="$OUT/jars/bench.jar"
VEGETA="$(bench/peers/vegeta.sh)"

# ---------------------------------------------------------------------------------------------------------------
# TLS: one pair per rotation, made up front; published Secret-style (tls.crt -> ..data/tls.crt, ..data -> a
# versioned directory, swapped by an atomic rename), as the kubelet updates a mounted Secret.
ROTATIONS=$((MINUTES / ROTATE_EVERY + 1))
TLS="$OUT/tls"
mkdir -p "$TLS"
log "making $ROTATIONS certificate pairs (ecrgate certs)"
CAS=()
for i in $(seq 0 $((ROTATIONS - 1))); do
    java -jar "$ECRGATE_JAR" certs --service ecrgate --namespace ecrgate --san 127.0.0.1 --san localhost \
        --out "$OUT/pairs/$i" >"$OUT/pairs-$i.log" 2>&1 || die "ecrgate certs failed, see $OUT/pairs-$i.log"
    CAS+=("$OUT/pairs/$i/ca.crt")
done
publish_pair() {  # publish_pair INDEX
    local version="..soak_$1"
    mkdir -p "$TLS/$version"
    cp "$OUT/pairs/$1/tls.crt" "$OUT/pairs/$1/tls.key" "$TLS/$version/"
    ln -sfn "$version" "$TLS/..data_tmp"
    mv -T "$TLS/..data_tmp" "$TLS/..data"
    [[ -L "$TLS/tls.crt" ]] || ln -s ..data/tls.crt "$TLS/tls.crt"
    [[ -L "$TLS/tls.key" ]] || ln -s ..data/tls.key "$TLS/tls.key"
}
publish_pair 0

# Policies: a copy, one file of which is rewritten every minute, alternating between two valid versions.
POLICIES="$OUT/policies"
cp -r policies "$POLICIES"
RELOADED="$POLICIES/30-rollout-warn.yaml"
cp "$RELOADED" "$OUT/policy-a.yaml"
sed 's/^\(  helpText: "\)/\1(soak reload) /' "$RELOADED" >"$OUT/policy-b.yaml"
cmp -s "$OUT/policy-a.yaml" "$OUT/policy-b.yaml" && die "could not make a second version of $RELOADED"
rewrite_policy() {  # rewrite_policy MINUTE: version b on odd minutes, a on even ones; written whole, then renamed
    local version=a
    (($1 % 2)) && version=b
    cp "$OUT/policy-$version.yaml" "$RELOADED.tmp"
    mv "$RELOADED.tmp" "$RELOADED"
}

# Payloads: the example reviews, and the benchmark's when its generator is there.
PAYLOADS="$OUT/payloads"
mkdir -p "$PAYLOADS"
cp examples/requests/*.json "$PAYLOADS/"
if [[ -f bench/payloads/generate.py ]]; then
    python3 bench/payloads/generate.py "$PAYLOADS" >"$OUT/payloads.txt" 2>&1 || log "bench payloads not generated"
fi
shopt -s nullglob
for f in bench/payloads/*.json; do cp "$f" "$PAYLOADS/"; done
shopt -u nullglob

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# ---------------------------------------------------------------------------------------------------------------
log "starting the ECR double ($FAIL_FRACTION of calls fail with 500 ServerException)"
setsid taskset -c "$LOAD_CPU" java -Xmx256m -cp "$BENCH_JAR" dev.ecrgate.bench.EcrDoubleServer examples/findings \
    "$FAIL_FRACTION" 500 ServerException >"$OUT/ecr-double.log" 2>&1 &
DOUBLE_PID=$!
PIDS+=("$DOUBLE_PID")
ENDPOINT=""
for _ in $(seq 300); do
    ENDPOINT="$(sed -n 's/^ECR_ENDPOINT //p' "$OUT/ecr-double.log" | head -1)"
    [[ -n "$ENDPOINT" ]] && break
    kill -0 "$DOUBLE_PID" 2>/dev/null || die "the ECR double exited, see $OUT/ecr-double.log"
    sleep 0.1
done
[[ -n "$ENDPOINT" ]] || die "the ECR double printed no endpoint, see $OUT/ecr-double.log"
log "ECR double at $ENDPOINT"

PORT="$(free_port)"
log "starting ecrgate on core $SERVER_CPU, port $PORT"
AWS_ACCESS_KEY_ID=AKIDSOAKTEST AWS_SECRET_ACCESS_KEY=soak-dummy-secret AWS_EC2_METADATA_DISABLED=true \
    setsid taskset -c "$SERVER_CPU" java "${JVM_FLAGS[@]}" -jar "$ECRGATE_JAR" serve \
    --host 127.0.0.1 --port "$PORT" --tls-cert "$TLS/tls.crt" --tls-key "$TLS/tls.key" --policies "$POLICIES" \
    --ecr-endpoint "$ENDPOINT" --cache-scan-refresh=10s --cache-mutable-tag-refresh=5s \
    --cache-repository-refresh=10s > >(awk '!/ecrgate[.]decision/ || /onLookupFailure/ { print; fflush() }' \
        >"$OUT/ecrgate.log") 2>&1 &
ECRGATE_PID=$!
PIDS+=("$ECRGATE_PID")
for _ in $(seq 600); do
    curl -sf -o /dev/null --max-time 1 --cacert "${CAS[0]}" "https://127.0.0.1:$PORT/readyz" && break
    kill -0 "$ECRGATE_PID" 2>/dev/null || die "ecrgate exited, see $OUT/ecrgate.log"
    sleep 0.1
done
curl -sf -o /dev/null --max-time 1 --cacert "${CAS[0]}" "https://127.0.0.1:$PORT/readyz" || die "ecrgate not ready"
log "ecrgate ready (pid $ECRGATE_PID)"

TARGETS="$OUT/targets.txt"
: >"$TARGETS"
for body in "$PAYLOADS"/*.json; do
    printf 'POST https://127.0.0.1:%s/validate?timeout=10s\nContent-Type: application/json\n@%s\n\n' \
        "$PORT" "$body" >>"$TARGETS"
done
ROOTS="$(IFS=,; echo "${CAS[*]}")"
log "payloads: $(cd "$PAYLOADS" && echo *.json)"

# ---------------------------------------------------------------------------------------------------------------
# Samples of the ecrgate process.
heap_after_gc_kb() {  # a full GC, then the used heap (the sum over generations: Serial on one CPU, or G1)
    jcmd "$ECRGATE_PID" GC.run >>"$OUT/jcmd.log" 2>&1 || true
    jcmd "$ECRGATE_PID" GC.heap_info 2>>"$OUT/jcmd.log" | tee -a "$OUT/jcmd.log" |
        sed -n 's/.* total [0-9]*K, used \([0-9]*\)K.*/\1/p' | awk '{ s += $1 } END { if (NR) print s }'
}
fds() { ls "/proc/$ECRGATE_PID/fd" 2>/dev/null | wc -l; }
threads() { sed -n 's/^Threads:[[:space:]]*//p' "/proc/$ECRGATE_PID/status"; }
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$ECRGATE_PID/status"; }
ecr_calls() {  # "calls,failed" from the double's latest count
    local c
    c="$(sed -n 's/^ECR_CALLS total=\([0-9]*\) failed=\([0-9]*\)$/\1,\2/p' "$OUT/ecr-double.log" | tail -1)"
    echo "${c:-0,0}"
}
lookup_failures() { grep -c 'onLookupFailure' "$OUT/ecrgate.log" || true; }
served_ca_index() {  # which published pair the server presents to a new connection
    local i
    for i in "${!CAS[@]}"; do
        if curl -sf -o /dev/null --max-time 2 --cacert "${CAS[$i]}" "https://127.0.0.1:$PORT/healthz"; then
            echo "$i"
            return
        fi
    done
    echo none
}

CSV="$OUT/soak.csv"
echo "minute,requests,errors,non2xx,transport_errors,p50_ms,p99_ms,max_ms,heap_after_gc_kb,rss_kb,fds,threads,ecr_calls,ecr_injected_failures,lookup_failure_lines,policy_version,served_pair" >"$CSV"
echo "0,,,,,,,,$(heap_after_gc_kb),$(rss_kb),$(fds),$(threads),$(ecr_calls),$(lookup_failures),a,0" >>"$CSV"

log "load: $RATE requests/s for $MINUTES min, at most ${CONNECTIONS/#0/unlimited} connections; policy rewrite every minute, certificate rotation every $ROTATE_EVERY min"
PAIR=0
for minute in $(seq 1 "$MINUTES"); do
    # mid-minute, so that both happen under load: the policy at 20 s, the certificate at 30 s
    (sleep 20; rewrite_policy "$minute") &
    RELOAD_JOB=$!
    ROTATE_JOB=""
    if ((minute % ROTATE_EVERY == 0)); then
        PAIR=$((minute / ROTATE_EVERY))
        (sleep 30; publish_pair "$PAIR") &
        ROTATE_JOB=$!
    fi
    # in the background and waited for, so that a signal to this script is handled at once
    taskset -c "$LOAD_CPU" "$VEGETA" attack -targets "$TARGETS" -rate "$RATE/s" -duration 60s -timeout 10s \
        -root-certs "$ROOTS" -workers 16 "${LIMIT[@]}" >"$OUT/minute-$minute.bin" &
    wait $!
    wait "$RELOAD_JOB"
    [[ -z "$ROTATE_JOB" ]] || wait "$ROTATE_JOB"
    "$VEGETA" report -type json "$OUT/minute-$minute.bin" >"$OUT/minute-$minute.json"
    row="$(python3 - "$OUT/minute-$minute.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
codes = {int(k): v for k, v in r.get("status_codes", {}).items()}
transport = codes.get(0, 0)
non2xx = sum(v for k, v in codes.items() if k != 0 and not 200 <= k < 300)
ms = lambda ns: "%.1f" % (ns / 1e6)
lat = r["latencies"]
print(",".join(map(str, [r["requests"], transport + non2xx, non2xx, transport, ms(lat["50th"]), ms(lat["99th"]),
                         ms(lat["max"])])))
EOF
)"
    served="$(served_ca_index)"
    version=a
    ((minute % 2)) && version=b
    echo "$minute,$row,$(heap_after_gc_kb),$(rss_kb),$(fds),$(threads),$(ecr_calls),$(lookup_failures),$version,$served" >>"$CSV"
    log "minute $minute: $(tail -1 "$CSV")"
    rm -f "$OUT/minute-$minute.bin"
    kill -0 "$ECRGATE_PID" 2>/dev/null || die "ecrgate exited during the soak, see $OUT/ecrgate.log"
    [[ "$served" == "$PAIR" ]] || log "WARNING: the server presents pair $served, pair $PAIR is published"
done

# ---------------------------------------------------------------------------------------------------------------
RELOADS="$(grep -c 'reloaded policies from' "$OUT/ecrgate.log" || true)"
TLS_SWAPS="$(grep -c 'serving a new certificate from' "$OUT/ecrgate.log" || true)"
python3 - "$CSV" "$RATE" "$MINUTES" "$RELOADS" "$TLS_SWAPS" <<'EOF' | tee "$OUT/summary.txt"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
rate, minutes, reloads, swaps = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
cols = ["minute", "requests", "errors", "p99_ms", "heap_after_gc_kb", "rss_kb", "fds", "threads", "ecr_calls",
        "ecr_injected_failures", "lookup_failure_lines", "served_pair"]
head = ["min", "requests", "errors", "p99 ms", "heap KiB", "RSS KiB", "fds", "threads", "ECR calls", "ECR 500s",
        "lookup fail", "cert"]
print(f"soak: {minutes} min at {rate}/s")
print("| " + " | ".join(head) + " |")
print("|" + "|".join("---:" for _ in head) + "|")
for r in rows:
    print("| " + " | ".join(r[c] or "-" for c in cols) + " |")
load = [r for r in rows if r["requests"]]
total = sum(int(r["requests"]) for r in load)
errors = sum(int(r["errors"]) for r in load)
def spread(c):
    v = [int(r[c]) for r in rows if r[c]]
    return f"{min(v)}..{max(v)}" if v else "-"
print(f"requests {total}, HTTP/transport errors {errors}, worst p99 {max(float(r['p99_ms']) for r in load)} ms;"
      f" heap after GC {spread('heap_after_gc_kb')} KiB, fds {spread('fds')}, threads {spread('threads')};"
      f" policy reloads logged {reloads}, certificate swaps logged {swaps}")
EOF
log "results in ${OUT#"$ROOT"/}"
