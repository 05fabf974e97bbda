#!/usr/bin/env bash
# The event feed's lag (issue 12): from an ECR scan event sent to SQS (moto) until the next admission gives the new
# decision, against a bare SQS consumer's send-to-receive time on the same moto, measured in the same run. Runs
# webhook/src/test/java/dev/ecrgate/findings/events/EventLagBench (not part of the normal build), prints one RESULT
# line and writes webhook/target/bench-events/results.json. About 2 minutes.
#
#   bench/events.sh [--rounds N]   (default 40)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ROUNDS=40
if [[ "${1:-}" == "--rounds" ]]; then ROUNDS="$2"; fi
./mvnw -B -ntp verify -pl webhook -am -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
    -Dit.test=EventLagBench -Dfailsafe.failIfNoSpecifiedTests=false -Dbench.rounds="$ROUNDS" \
    | grep -E '^RESULT|Tests run:|FAIL' || true
cat webhook/target/bench-events/results.json
