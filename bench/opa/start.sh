#!/usr/bin/env bash
# Runs OPA as an admission webhook server answering AdmissionReviews with ecrgate's rules (see README.md), in the
# foreground: the caller backgrounds it, pins it to a CPU and sets GOMAXPROCS.
#
#   start.sh PORT CERT KEY [DATA]
#
# PORT, CERT, KEY: where to listen (127.0.0.1) and the serving certificate and key (PEM). DATA: the data document
# made by data.py; without it, data.json is generated next to this script from policies/ and examples/findings/.
# OPA is built (once, cached) by bench/peers/opa.sh. Only errors are logged (to stderr); no decision logs.
set -euo pipefail

if [[ $# -lt 3 || $# -gt 4 ]]; then
  echo "usage: start.sh PORT CERT KEY [DATA]" >&2
  exit 2
fi
readonly HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly ROOT="$(cd "$HERE/../.." && pwd)"
port=$1 cert=$2 key=$3 data=${4:-}

opa=$("$ROOT/bench/peers/opa.sh" | tail -n 1)
if [[ -z "$data" ]]; then
  data="$HERE/data.json"
  python3 "$HERE/data.py" "$ROOT/policies" "$ROOT/examples/findings" >"$data.tmp"
  mv "$data.tmp" "$data"
fi

# POST / with the raw AdmissionReview is answered by the default decision, data.system.main (policy.rego).
# --optimize-store-for-read-speed keeps data.json in OPA's store as AST values, so a lookup such as
# data.ecrgate.scans[digest] does not convert the stored JSON again on every request (README.md, "Round 2").
exec "$opa" run --server \
  --addr "127.0.0.1:$port" \
  --optimize-store-for-read-speed \
  --tls-cert-file "$cert" --tls-private-key-file "$key" \
  --set=default_decision=/system/main \
  --log-level error \
  --skip-version-check \
  "$HERE/policy.rego" "$HERE/decide.rego" "$HERE/request.rego" "$HERE/reference.rego" "$data"
