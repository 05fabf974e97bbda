#!/usr/bin/env bash
# Installs the pinned vegeta (HTTP load generator, open loop) into a cache directory and prints the binary's path.
# Progress goes to stderr; stdout is the path only, so callers can write VEGETA=$(bench/peers/vegeta.sh).
set -euo pipefail

VEGETA_VERSION=v12.13.0
CACHE="${ECRGATE_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ecrgate-bench}"
BIN_DIR="$CACHE/vegeta-$VEGETA_VERSION"
BIN="$BIN_DIR/vegeta"

if [[ -x "$BIN" ]]; then
    echo "$BIN"
    exit 0
fi
if ! command -v go >/dev/null 2>&1; then
    if [[ -x /usr/local/go/bin/go ]]; then
        export PATH="/usr/local/go/bin:$PATH"
    else
        echo "vegeta.sh: go is not installed (needed to build vegeta $VEGETA_VERSION)" >&2
        exit 1
    fi
fi
mkdir -p "$BIN_DIR"
echo "vegeta.sh: go install github.com/tsenart/vegeta/v12@$VEGETA_VERSION" >&2
GOBIN="$BIN_DIR" GOFLAGS=-mod=mod timeout 600 go install "github.com/tsenart/vegeta/v12@$VEGETA_VERSION" >&2
"$BIN" -version >&2 || true
echo "$BIN"
