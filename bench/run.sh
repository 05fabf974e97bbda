#!/usr/bin/env bash
# The ecrgate benchmark (issue 6): ecrgate beside its floor (the same Vert.x/TLS stack doing nothing but parsing the
# review) and beside OPA, on the same payloads, with the server on core 0 and the load generator on core 1.
#
#   bench/run.sh [--quick] [--no-opa] [--profile]
#
#   --quick    short durations (a smoke test of the whole harness; the figures are not comparable)
#   --no-opa   skip OPA (no Go build of OPA, no OPA rows)
#   --profile  also record ecrgate under wrk load with JFR and print the hottest methods
#
# Installs what it needs (wrk from Debian, vegeta and OPA with Go), builds the jars when the sources are newer,
# and writes raw results to bench/target/results/<UTC timestamp>/. The last line of output is
#   RESULT ecrgate_rps=<n> floor_rps=<n> opa_rps=<n> ecrgate_p99_ms=<x> opa_p99_ms=<x> pod20_ratio=<x> p999_ms=<x>
# for the Deployment payload. See BENCHMARKS.md for the method and the latest figures.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=lib/cpu.sh
source bench/lib/cpu.sh

QUICK=0 OPA_ON=1 PROFILE=0
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=1 ;;
        --no-opa) OPA_ON=0 ;;
        --profile) PROFILE=1 ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
    esac
done

if ((QUICK)); then
    WARM_S=3 JIT_WARM_ROUNDS=1 MEASURE_S=5 LATENCY_S=5 READY_RUNS=3 HEAP_N=10000 PROFILE_S=10 QUIET_MAX_S=5
else
    WARM_S=10 JIT_WARM_ROUNDS=12 MEASURE_S=20 LATENCY_S=20 READY_RUNS=5 HEAP_N=100000 PROFILE_S=30 QUIET_MAX_S=60
fi
# Before each server and payload is measured, JIT_WARM_ROUNDS rounds of 5 s of wrk warm it up (recorded per round in
# <server>-<payload>.warmup.txt). A fixed 10 s was enough on a fast core, not on a slow one: there ecrgate's larger
# code reached full speed after about 45 s of load and the floor's after about 20 s, so 10 s measured the JIT.
RATE=1000
CONNECTIONS=32
# vegeta keeps the schedule with at most CONNECTIONS requests in flight on as many keep-alive connections, as a
# webhook client's connection pool does. Unbounded, a stall makes it open hundreds of new TLS connections whose
# handshakes then starve a one-core server; bounded, a server that cannot keep up shows as an achieved rate below
# RATE (reported, and a failed latency target) instead.
VEGETA_POOL="-workers=$CONNECTIONS -max-workers=$CONNECTIONS -connections=$CONNECTIONS -max-connections=$CONNECTIONS"
SERVER_CPU=0
LOAD_CPU=1
PAYLOADS=(pod-1c deployment-4c pod-20c)
# The JVM flags the container image ships (Dockerfile, deploy/): the Serial collector and a fixed heap of half a
# 512Mi limit. Written out as -Xms/-Xmx here, since half of this machine's memory is not a pod's. The floor runs with
# the same flags, so that the two differ only in their code.
JVM_FLAGS=(-XX:ActiveProcessorCount=1 -XX:+UseSerialGC -Xms256m -Xmx256m
    -XX:Tier4InvocationThreshold=15000 -XX:Tier4MinInvocationThreshold=1800 -XX:Tier4CompileThreshold=45000
    -XX:Tier4BackEdgeThreshold=120000)

RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)"
RESULTS="$ROOT/bench/target/results/$RUN_ID"
mkdir -p "$RESULTS"
START_SECONDS=$SECONDS

log() { printf '[bench %4ds] %s\n' $((SECONDS - START_SECONDS)) "$*"; }
die() { echo "run.sh: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------------------
# Processes: every server runs in its own session (setsid), so that stopping it stops its children too.
SERVER_PID=""
stop_server() {
    local pid="$SERVER_PID"
    [[ -n "$pid" ]] || return 0
    SERVER_PID=""
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local rc=$?
    stop_server
    [[ -z "${JARS:-}" ]] || rm -rf "$JARS"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_server NAME PORT LOGFILE: starts the named server on core SERVER_CPU and sets SERVER_PID.
start_server() {
    local name="$1" port="$2" out="$3"
    shift 3
    case "$name" in
        ecrgate)
            setsid taskset -c "$SERVER_CPU" java "${JVM_FLAGS[@]}" "$@" -jar "$ECRGATE_JAR" \
                serve --host 127.0.0.1 --port "$port" --tls-cert "$CERTS/tls.crt" --tls-key "$CERTS/tls.key" \
                --policies policies --findings examples/findings >"$out" 2>&1 &
            ;;
        floor)
            setsid taskset -c "$SERVER_CPU" java "${JVM_FLAGS[@]}" "$@" -cp "$BENCH_JAR" \
                dev.ecrgate.bench.FloorServer "$port" "$CERTS/tls.crt" "$CERTS/tls.key" >"$out" 2>&1 &
            ;;
        opa)
            GOMAXPROCS=1 setsid taskset -c "$SERVER_CPU" bench/opa/start.sh "$port" \
                "$CERTS/tls.crt" "$CERTS/tls.key" >"$out" 2>&1 &
            ;;
    esac
    SERVER_PID=$!
}

ready_path() { if [[ "$1" == opa ]]; then echo /health; else echo /readyz; fi; }
validate_path() { if [[ "$1" == opa ]]; then echo /; else echo /validate; fi; }

# wait_ready NAME PORT TIMEOUT_S: polls the readiness endpoint (from core LOAD_CPU) until it answers 200.
wait_ready() {
    local name="$1" port="$2" timeout_s="$3" path deadline
    path="$(ready_path "$name")"
    deadline=$((SECONDS + timeout_s))
    while ((SECONDS < deadline)); do
        if taskset -c "$LOAD_CPU" curl -sf -o /dev/null --max-time 1 --cacert "$CERTS/ca.crt" \
            "https://127.0.0.1:$port$path"; then
            return 0
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || return 1
        sleep 0.01
    done
    return 1
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# ---------------------------------------------------------------------------------------------------------------
log "results in ${RESULTS#"$ROOT"/}"
(($(nproc) >= 2)) || die "needs at least 2 CPUs (server on core $SERVER_CPU, load generator on core $LOAD_CPU)"

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v taskset >/dev/null || missing+=(util-linux)
command -v curl >/dev/null || missing+=(curl)
command -v python3 >/dev/null || missing+=(python3)
command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
command -v go >/dev/null || [[ -x /usr/local/go/bin/go ]] || missing+=(golang-go)
if ((${#missing[@]})); then
    log "installing ${missing[*]} (apt)"
    as_root env DEBIAN_FRONTEND=noninteractive timeout 300 apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq "${missing[@]}" >/dev/null
fi
[[ -x /usr/local/go/bin/go ]] && export PATH="$PATH:/usr/local/go/bin"

newer_sources() {  # prints something when a source under the given trees is newer than the jar
    local jar="$1"
    shift
    [[ -f "$jar" ]] || { echo missing; return; }
    find "$@" -type f -newer "$jar" -print -quit 2>/dev/null
}
if [[ -n "$(newer_sources webhook/target/ecrgate.jar webhook/src webhook/pom.xml certs pom.xml)" ||
      -n "$(newer_sources bench/target/bench.jar bench/src bench/pom.xml webhook/src pom.xml)" ]]; then
    log "building the jars (./mvnw package -DskipTests)"
    if ! timeout 900 ./mvnw -B -ntp -q package -DskipTests >"$RESULTS/build.log" 2>&1; then
        tail -20 "$RESULTS/build.log" >&2
        [[ -f webhook/target/ecrgate.jar && -f bench/target/bench.jar ]] || die "build failed, see $RESULTS/build.log"
        log "WARNING: the build failed; measuring the jars already in target/ (see ${RESULTS#"$ROOT"/}/build.log)"
    fi
fi
[[ -f webhook/target/ecrgate.jar && -f bench/target/bench.jar ]] || die "jars missing after the build"
# Measure a snapshot of the jars, so that a rebuild while the benchmark runs cannot change what is measured.
JARS="$RESULTS/jars"
mkdir -p "$JARS"
cp webhook/target/ecrgate.jar bench/target/bench.jar "$JARS/"
ECRGATE_JAR="$JARS/ecrgate.jar"
BENCH_JAR="$JARS/bench.jar"

VEGETA="$(bench/peers/vegeta.sh)"
OPA_BIN=""
if ((OPA_ON)); then
    if [[ -x bench/peers/opa.sh && -x bench/opa/start.sh ]]; then
        log "building OPA (bench/peers/opa.sh)"
        if ! OPA_BIN="$(timeout 900 bench/peers/opa.sh 2>"$RESULTS/opa-build.log" | tail -1)" || [[ ! -x "$OPA_BIN" ]]; then
            tail -20 "$RESULTS/opa-build.log" >&2
            die "bench/peers/opa.sh did not produce an OPA binary (use --no-opa to skip OPA)"
        fi
    else
        die "bench/peers/opa.sh or bench/opa/start.sh is missing (use --no-opa to skip OPA)"
    fi
fi

CERTS="$RESULTS/certs"
mkdir -p "$CERTS"
java -jar "$ECRGATE_JAR" certs --service localhost --namespace bench --san 127.0.0.1 --out "$CERTS" \
    >"$RESULTS/certs.log" 2>&1 || die "certificate generation failed, see $RESULTS/certs.log"
python3 bench/payloads/generate.py "$RESULTS/payloads" | tee "$RESULTS/payloads.txt" | sed 's/^/    /'

{
    echo "{"
    echo "  \"run_id\": \"$RUN_ID\", \"quick\": $QUICK, \"opa\": $OPA_ON,"
    echo "  \"warm_s\": $WARM_S, \"jit_warm_s\": $((5 * JIT_WARM_ROUNDS)), \"measure_s\": $MEASURE_S, \"latency_s\": $LATENCY_S, \"rate\": $RATE,"
    echo "  \"connections\": $CONNECTIONS, \"ready_runs\": $READY_RUNS, \"heap_entries\": $HEAP_N,"
    echo "  \"nproc\": $(nproc), \"loadavg_at_start\": \"$(cut -d' ' -f1-3 /proc/loadavg)\","
    echo "  \"cpu\": \"$(lscpu | sed -n 's/^Model name: *//p' | head -1)\","
    echo "  \"memory\": \"$(free -h | awk '/^Mem:/ {print $2}')\","
    echo "  \"java\": \"$(java -version 2>&1 | head -2 | tail -1)\","
    echo "  \"go\": \"$(go version 2>/dev/null || echo none)\","
    echo "  \"wrk\": \"$(wrk -v 2>&1 | head -1 | awk '{print $2}')\","
    echo "  \"vegeta\": \"$(go version -m "$VEGETA" 2>/dev/null | awk '$1 == "mod" {print $3}')\","
    echo "  \"opa\": \"$([[ -n "$OPA_BIN" ]] && "$OPA_BIN" version 2>/dev/null | sed -n 's/^Version: *//p')\","
    echo "  \"git\": \"$(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD 2>/dev/null || echo +dirty)\""
    echo "}"
} >"$RESULTS/meta.json"
log "machine: $(nproc) CPUs, $(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["cpu"], "/", m["memory"], "/", m["java"], "/", m["go"])' "$RESULTS/meta.json")"

load1="$(cut -d' ' -f1 /proc/loadavg)"
if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > 0.5 else 1)" "$load1"; then
    log "WARNING: load average $load1 before the run: other processes share these cores and will skew the figures"
fi

# Other processes on the same cores skew every figure: wait (bounded) until the machine is idle, and say so if not.
quiet() {
    local busy
    if ! busy="$(wait_quiet "$QUIET_MAX_S")"; then
        log "WARNING before $1: the machine is still ${busy}% busy after ${QUIET_MAX_S}s of waiting; measuring anyway"
    fi
}

# ---------------------------------------------------------------------------------------------------------------
# One server, every payload: readiness, one checked request per payload, warm-up, throughput, latency.
bench_server() {
    local name="$1" port out path p body
    port="$(free_port)"
    out="$RESULTS/$name.log"
    path="$(validate_path "$name")"
    quiet "$name"
    log "$name: starting on core $SERVER_CPU, port $port"
    start_server "$name" "$port" "$out"
    wait_ready "$name" "$port" 60 || { tail -20 "$out" >&2; die "$name did not become ready"; }
    for p in "${PAYLOADS[@]}"; do
        body="$RESULTS/payloads/$p.json"
        taskset -c "$LOAD_CPU" curl -sS --fail --max-time 10 --cacert "$CERTS/ca.crt" \
            -H 'Content-Type: application/json' --data-binary "@$body" \
            -o "$RESULTS/$name-$p.response.json" "https://127.0.0.1:$port$path" ||
            die "$name answered $p with an error"
        printf '%s\n' "POST https://127.0.0.1:$port$path" "Content-Type: application/json" "@$body" \
            >"$RESULTS/$name-$p.targets"

        quiet "$name/$p"
        warm=()
        for _ in $(seq "$JIT_WARM_ROUNDS"); do
            warm+=("$(WRK_BODY="$body" WRK_PATH="$path" taskset -c "$LOAD_CPU" timeout 35 \
                wrk -t1 -c"$CONNECTIONS" -d5s --timeout 5s -s bench/lib/wrk-post.lua "https://127.0.0.1:$port" |
                awk '/^Requests\/sec/ {print int($2)}')")
        done
        echo "${warm[*]}" >"$RESULTS/$name-$p.warmup.txt"
        log "$name/$p: warm-up $((5 * JIT_WARM_ROUNDS))s, req/s per 5 s: ${warm[*]}"

        log "$name/$p: throughput ${MEASURE_S}s (wrk -t1 -c$CONNECTIONS)"
        before="$(cpu_snapshot "$SERVER_PID")"
        WRK_BODY="$body" WRK_PATH="$path" taskset -c "$LOAD_CPU" timeout $((MEASURE_S + 30)) \
            wrk -t1 -c"$CONNECTIONS" -d"${MEASURE_S}s" --timeout 5s -s bench/lib/wrk-post.lua \
            "https://127.0.0.1:$port" >"$RESULTS/$name-$p.wrk.txt"
        cpu_others "$before" "$(cpu_snapshot "$SERVER_PID")" >"$RESULTS/$name-$p.cpu-rps.json"
        sed -n 's/^WRKJSON //p' "$RESULTS/$name-$p.wrk.txt" >"$RESULTS/$name-$p.wrk.json"
        sleep 1

        # One vegeta attack: its first WARM_S seconds warm up its own keep-alive connections at the same rate and are
        # left out of the figures, as kube-apiserver's pool of connections is warm. A new client's 32 TLS handshakes
        # at once take a one-core server about 130 ms; measured from a client's first request (as round 1 did), that
        # burst alone was the p99.9 of every server, the floor's too.
        log "$name/$p: latency ${WARM_S}s warm-up + ${LATENCY_S}s at $RATE req/s (vegeta, one attack)"
        before="$(cpu_snapshot "$SERVER_PID")"
        taskset -c "$LOAD_CPU" timeout $((WARM_S + LATENCY_S + 60)) "$VEGETA" attack -name="$name-$p" \
            -targets="$RESULTS/$name-$p.targets" -rate="$RATE/s" -duration="$((WARM_S + LATENCY_S))s" \
            -root-certs="$CERTS/ca.crt" -keepalive=true -http2=false $VEGETA_POOL -timeout=10s \
            >"$RESULTS/$name-$p.vegeta.bin"
        cpu_others "$before" "$(cpu_snapshot "$SERVER_PID")" >"$RESULTS/$name-$p.cpu-lat.json"
        "$VEGETA" report -type=json <"$RESULTS/$name-$p.vegeta.bin" >"$RESULTS/$name-$p.vegeta.json"
        "$VEGETA" encode --to csv <"$RESULTS/$name-$p.vegeta.bin" | python3 bench/lib/latency.py --skip-seconds "$WARM_S" \
            >"$RESULTS/$name-$p.lat.json"
        rm -f "$RESULTS/$name-$p.vegeta.bin"  # large (it holds every response body); the CSV summary is kept
        python3 - "$RESULTS/$name-$p.wrk.json" "$RESULTS/$name-$p.lat.json" <<'PY'
import json, sys
w, l = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
errors = sum(v for k, v in w.items() if k.endswith("_errors"))
print(f"    rps={w['requests'] / (w['duration_us'] / 1e6):.0f} (errors {errors})  at {l['rate']:.0f}/s: "
      f"p50={l['p50_ms']} p99={l['p99_ms']} p99.9={l['p999_ms']} ms (errors {l['errors']})")
PY
        sleep 1
    done
    stop_server
    # the decision log of a loaded server runs to hundreds of megabytes: keep its head and its length
    if [[ -f "$out" ]]; then
        { head -40 "$out"; echo "... ($(wc -l <"$out") lines in all)"; } >"$out.head" && mv "$out.head" "$out"
    fi
}

bench_server ecrgate
bench_server floor
if ((OPA_ON)); then
    bench_server opa
    if [[ -x bench/opa/check.sh ]]; then
        log "opa: bench/opa/check.sh (OPA and ecrgate agree?)"
        if timeout 300 bench/opa/check.sh "$RESULTS"/payloads/*.json examples/requests/*.json \
            >"$RESULTS/opa-check.txt" 2>&1; then
            log "opa: check passed"
        else
            log "opa: CHECK FAILED, see ${RESULTS#"$ROOT"/}/opa-check.txt"
        fi
    fi
fi

# ---------------------------------------------------------------------------------------------------------------
# Cold path and heap footprint (bench.jar helpers; "not measured" when a helper is absent or fails).
for n in 1 20; do
    log "cold path: $n new images"
    timeout 180 taskset -c "$SERVER_CPU" java -XX:ActiveProcessorCount=1 -cp "$BENCH_JAR" \
        dev.ecrgate.bench.ColdPath "$n" >"$RESULTS/cold-$n.txt" 2>"$RESULTS/cold-$n.err" ||
        log "cold path helper failed (see ${RESULTS#"$ROOT"/}/cold-$n.err)"
    grep '^COLD ' "$RESULTS/cold-$n.txt" | sed 's/^/    /' || true
done
log "heap footprint: $HEAP_N cached results"
timeout 600 taskset -c "$SERVER_CPU" java -XX:ActiveProcessorCount=1 -cp "$BENCH_JAR" \
    dev.ecrgate.bench.HeapFootprint "$HEAP_N" >"$RESULTS/heap.txt" 2>"$RESULTS/heap.err" ||
    log "heap helper failed (see ${RESULTS#"$ROOT"/}/heap.err)"
grep '^HEAP ' "$RESULTS/heap.txt" | sed 's/^/    /' || true

# Time from JVM start to the first 200 from /readyz, ecrgate on one core.
log "ready time: $READY_RUNS starts of ecrgate"
ready_ms=()
for i in $(seq "$READY_RUNS"); do
    quiet "ready run $i"
    port="$(free_port)"
    t0=$(date +%s%N)
    start_server ecrgate "$port" "$RESULTS/ready-$i.log"
    if wait_ready ecrgate "$port" 30; then
        ready_ms+=($((($(date +%s%N) - t0) / 1000000)))
    else
        log "ready run $i: not ready within 30 s"
    fi
    stop_server
done
printf '{"ms": [%s]}\n' "$(IFS=,; echo "${ready_ms[*]}")" >"$RESULTS/ready.json"
log "ready ms: ${ready_ms[*]}"

# ---------------------------------------------------------------------------------------------------------------
# Optional: where ecrgate spends its CPU under saturating load (Deployment payload), by JFR execution samples.
if ((PROFILE)); then
    port="$(free_port)"
    body="$RESULTS/payloads/deployment-4c.json"
    log "profile: ecrgate under wrk load, JFR ${PROFILE_S}s after a ${WARM_S}s warm-up"
    start_server ecrgate "$port" "$RESULTS/profile.log"
    wait_ready ecrgate "$port" 60 || die "ecrgate did not become ready for profiling"
    WRK_BODY="$body" taskset -c "$LOAD_CPU" timeout $((WARM_S + 30)) wrk -t1 -c"$CONNECTIONS" -d"${WARM_S}s" \
        -s bench/lib/wrk-post.lua "https://127.0.0.1:$port" >/dev/null
    java_pid="$(pgrep -s "$SERVER_PID" java | head -1)"
    taskset -c "$LOAD_CPU" jcmd "$java_pid" JFR.start name=bench settings=profile duration="${PROFILE_S}s" \
        filename="$RESULTS/ecrgate.jfr" >/dev/null
    WRK_BODY="$body" taskset -c "$LOAD_CPU" timeout $((PROFILE_S + 30)) wrk -t1 -c"$CONNECTIONS" \
        -d"$((PROFILE_S + 2))s" -s bench/lib/wrk-post.lua "https://127.0.0.1:$port" >"$RESULTS/profile.wrk.txt"
    for _ in $(seq 100); do [[ -s "$RESULTS/ecrgate.jfr" ]] && break; sleep 0.2; done
    stop_server
    { head -40 "$RESULTS/profile.log"; } >"$RESULTS/profile.log.head" && mv "$RESULTS/profile.log.head" "$RESULTS/profile.log"
    jfr print --events jdk.ExecutionSample --stack-depth 64 "$RESULTS/ecrgate.jfr" |
        python3 bench/lib/jfr-top.py >"$RESULTS/profile.txt"
    cat "$RESULTS/profile.txt"
fi

cut -d' ' -f1-3 /proc/loadavg >"$RESULTS/loadavg-at-end.txt"
log "done in $((SECONDS - START_SECONDS)) s; raw results in ${RESULTS#"$ROOT"/}"
python3 bench/lib/summarize.py "$RESULTS" | tee "$RESULTS/summary.txt"
