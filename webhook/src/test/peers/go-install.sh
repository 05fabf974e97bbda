#!/usr/bin/env bash
# Installs a pinned Go tool with `go install` into a cached directory and prints the path of the binary on the last
# line; kustomize.sh (tests) and bench/peers/opa.sh (benchmark) are thin wrappers. Idempotent: a marker file records
# the installed version, so later runs only check and print; a lock lets two callers install at once (the second
# waits, then finds the marker); a half-made install is redone from scratch. Needs Go 1.24 or later.
#
#   go-install.sh NAME VERSION MODULE [go install flags...]   (the binary is named NAME)
#   ECRGATE_PEERS_DIR  where peers are cached (default: $HOME/.cache/ecrgate-peers)
#   GO                 the go command (default: go)
set -euo pipefail

readonly NAME="$1" VERSION="$2" MODULE="$3"
shift 3
readonly PEERS_DIR="${ECRGATE_PEERS_DIR:-$HOME/.cache/ecrgate-peers}"
readonly DIR="$PEERS_DIR/$NAME-$VERSION"
readonly BIN="$DIR/$NAME"
readonly MARKER="$DIR/.ecrgate-installed"
readonly GO="${GO:-go}"

installed() {
  [[ -f "$MARKER" && "$(cat "$MARKER")" == "$NAME@$VERSION" && -x "$BIN" ]]
}

if installed; then
  echo "$BIN"
  exit 0
fi

if ! command -v "$GO" >/dev/null 2>&1; then
  echo "go-install.sh: $GO not found; installing $NAME needs Go 1.24 or later" >&2
  exit 2
fi

mkdir -p "$PEERS_DIR"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$PEERS_DIR/.$NAME-$VERSION.lock"
  flock 9
  if installed; then
    echo "$BIN"
    exit 0
  fi
fi

rm -rf "$DIR"
mkdir -p "$DIR"
started=$SECONDS
GOBIN="$DIR" "$GO" install "$@" "$MODULE@$VERSION" >&2
echo "go-install.sh: installed $NAME $VERSION in $((SECONDS - started)) s" >&2
"$BIN" version >&2
echo "$NAME@$VERSION" >"$MARKER"
echo "$BIN"
