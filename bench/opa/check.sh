#!/usr/bin/env bash
# Equivalence check: OPA running this directory's Rego and ecrgate answer every AdmissionReview in
# examples/requests/ alike (response.allowed, and whether there are warnings). Starts both on free ports of
# 127.0.0.1 with a throwaway certificate, prints one table row per request, and exits 0 only when all agree.
#
#   check.sh [REQUEST.json ...]      default: examples/requests/*.json
#
# Builds OPA (bench/peers/opa.sh) and the ecrgate jar (offline Maven) when missing. Needs java, python3 (PyYAML),
# curl. Stops only the two servers it started.
set -euo pipefail

readonly HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly ROOT="$(cd "$HERE/../.." && pwd)"
readonly JAR="$ROOT/webhook/target/ecrgate.jar"

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_ready NAME URL PID LOG
wait_ready() {
  for _ in $(seq 1 120); do
    if curl -sf --cacert "$work/certs/ca.crt" "$2" >/dev/null 2>&1; then
      return 0
    fi
    if ! kill -0 "$3" 2>/dev/null; then
      echo "check.sh: $1 exited before it was ready:" >&2
      cat "$4" >&2
      exit 1
    fi
    sleep 0.5
  done
  echo "check.sh: $1 not ready after 60 s:" >&2
  cat "$4" >&2
  exit 1
}

"$ROOT/bench/peers/opa.sh" >/dev/null
if [[ ! -f "$JAR" ]]; then
  (cd "$ROOT" && ./mvnw -B -ntp -q -o package -DskipTests -pl webhook -am) >&2
fi
java -jar "$JAR" certs --service localhost --namespace bench --san 127.0.0.1 --out "$work/certs" >/dev/null

python3 "$HERE/data.py" "$ROOT/policies" "$ROOT/examples/findings" >"$work/data.json"
opa_port=$(free_port)
"$HERE/start.sh" "$opa_port" "$work/certs/tls.crt" "$work/certs/tls.key" "$work/data.json" \
  >"$work/opa.log" 2>&1 &
pids+=($!)
wait_ready OPA "https://127.0.0.1:$opa_port/health" "${pids[-1]}" "$work/opa.log"

ecrgate_port=$(free_port)
(cd "$ROOT" && exec java -jar "$JAR" serve --host 127.0.0.1 --port "$ecrgate_port" \
  --tls-cert "$work/certs/tls.crt" --tls-key "$work/certs/tls.key" \
  --policies policies --findings examples/findings) >"$work/ecrgate.log" 2>&1 &
pids+=($!)
wait_ready ecrgate "https://127.0.0.1:$ecrgate_port/readyz" "${pids[-1]}" "$work/ecrgate.log"

# post URL FILE: prints "allowed warnings" of the answer, e.g. "false 2"
post() {
  curl -sS --cacert "$work/certs/ca.crt" -H 'Content-Type: application/json' --data-binary "@$2" "$1" \
    | python3 -c 'import json, sys
r = json.load(sys.stdin)["response"]
print(str(r["allowed"]).lower(), len(r.get("warnings") or []))'
}

if [[ $# -gt 0 ]]; then requests=("$@"); else requests=("$ROOT"/examples/requests/*.json); fi
failed=0
printf '%-32s %-22s %-22s %s\n' request "ecrgate allowed/warn" "opa allowed/warn" agree
for f in "${requests[@]}"; do
  read -r e_allowed e_warnings < <(post "https://127.0.0.1:$ecrgate_port/validate" "$f")
  read -r o_allowed o_warnings < <(post "https://127.0.0.1:$opa_port/" "$f")
  agree=yes
  if [[ "$e_allowed" != "$o_allowed" ]] || (( (e_warnings > 0) != (o_warnings > 0) )); then
    agree=NO
    failed=1
  fi
  printf '%-32s %-22s %-22s %s\n' "$(basename "$f")" "$e_allowed/$e_warnings" "$o_allowed/$o_warnings" "$agree"
done
exit "$failed"
