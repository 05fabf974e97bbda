#!/usr/bin/env bash
# Installs kustomize (the renderer behind `kubectl apply -k`, used by DeployManifestsIT to render deploy/) with
# `go install` into a cached directory and prints the path of the binary on the last line. Idempotent: a marker file
# records the installed version, so later runs only check and print. Needs Go 1.24 or later and the Go module proxy.
#
#   ECRGATE_PEERS_DIR  where peers are cached (default: $HOME/.cache/ecrgate-peers)
#   GO                 the go command (default: go)
set -euo pipefail

readonly KUSTOMIZE_VERSION=v5.8.1
readonly PEERS_DIR="${ECRGATE_PEERS_DIR:-$HOME/.cache/ecrgate-peers}"
readonly DIR="$PEERS_DIR/kustomize-$KUSTOMIZE_VERSION"
readonly BIN="$DIR/kustomize"
readonly MARKER="$DIR/.ecrgate-installed"
readonly GO="${GO:-go}"

installed() {
  [[ -f "$MARKER" && "$(cat "$MARKER")" == "kustomize@$KUSTOMIZE_VERSION" && -x "$BIN" ]]
}

if installed; then
  echo "$BIN"
  exit 0
fi

if ! command -v "$GO" >/dev/null 2>&1; then
  echo "kustomize.sh: $GO not found; installing kustomize needs Go 1.24 or later" >&2
  exit 2
fi

mkdir -p "$PEERS_DIR"
# Two test JVMs may install at once: the second waits for the first, then finds the marker.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$PEERS_DIR/.kustomize-$KUSTOMIZE_VERSION.lock"
  flock 9
  if installed; then
    echo "$BIN"
    exit 0
  fi
fi

# A half-made install (an interrupted build) is redone from scratch.
rm -rf "$DIR"
mkdir -p "$DIR"
GOBIN="$DIR" "$GO" install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" >&2
"$BIN" version >&2
echo "kustomize@$KUSTOMIZE_VERSION" >"$MARKER"
echo "$BIN"
