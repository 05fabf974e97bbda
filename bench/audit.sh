#!/usr/bin/env bash
# The background audit at scale (issue 11): 2,000 pods across 200 Deployments on the real kube-apiserver of the
# cluster tests. Builds the jar, runs webhook/src/test/java/dev/ecrgate/e2e/AuditScaleBench (not part of the normal
# build), prints one RESULT line and writes webhook/target/bench-audit/results.json. About 5 minutes.
#
#   bench/audit.sh [--quiet-seconds N]   (the quiet window; default 60)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
QUIET=60
if [[ "${1:-}" == "--quiet-seconds" ]]; then QUIET="$2"; fi
./mvnw -B -ntp -q package -DskipTests -pl webhook -am
./mvnw -B -ntp verify -pl webhook -am -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
    -Dit.test=AuditScaleBench -Dfailsafe.failIfNoSpecifiedTests=false -Dbench.quietSeconds="$QUIET" \
    | grep -E '^RESULT|Tests run:|FAIL' || true
cat webhook/target/bench-audit/results.json
