#!/usr/bin/env bash
# Builds OPA (the Open Policy Agent server the benchmark runs as an admission webhook, see bench/opa/) from its Go
# module with `go install` into a cached directory, and prints the path of the binary on the last line. Idempotent:
# a marker file records the installed version, so later runs only check and print; a lock lets two runs start at
# once. Needs Go 1.24 or later and the Go module proxy. Everything else goes to stderr.
#
#   ECRGATE_PEERS_DIR  where peers are cached (default: $HOME/.cache/ecrgate-peers)
#   GO                 the go command (default: go)
set -euo pipefail

readonly OPA_VERSION=v1.22.4
readonly PEERS_DIR="${ECRGATE_PEERS_DIR:-$HOME/.cache/ecrgate-peers}"
readonly DIR="$PEERS_DIR/opa-$OPA_VERSION"
readonly BIN="$DIR/opa"
readonly MARKER="$DIR/.ecrgate-installed"
readonly GO="${GO:-go}"

installed() {
  [[ -f "$MARKER" && "$(cat "$MARKER")" == "opa@$OPA_VERSION" && -x "$BIN" ]]
}

if installed; then
  echo "$BIN"
  exit 0
fi

if ! command -v "$GO" >/dev/null 2>&1; then
  echo "opa.sh: $GO not found; building OPA needs Go 1.24 or later" >&2
  exit 2
fi

mkdir -p "$PEERS_DIR"
# The benchmark and a check may build at once: the second waits for the first, then finds the marker.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$PEERS_DIR/.opa-$OPA_VERSION.lock"
  flock 9
  if installed; then
    echo "$BIN"
    exit 0
  fi
fi

# A half-made install (an interrupted build) is redone from scratch.
rm -rf "$DIR"
mkdir -p "$DIR"
started=$SECONDS
# CGO off: a static binary, and no C toolchain needed (OPA's release binaries are static too). The module has no
# replace directives, so `go install module@version` works; the version string is in the source.
CGO_ENABLED=0 GOBIN="$DIR" "$GO" install -trimpath -ldflags "-s -w" "github.com/open-policy-agent/opa@$OPA_VERSION" >&2
echo "opa.sh: built OPA $OPA_VERSION in $((SECONDS - started)) s" >&2
"$BIN" version >&2
echo "opa@$OPA_VERSION" >"$MARKER"
echo "$BIN"
