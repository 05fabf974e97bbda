#!/usr/bin/env bash
# Installs moto (the AWS API emulator, used as a real ECR API peer by the tests) into a cached virtualenv and
# prints the path of moto_server on the last line. Idempotent: a marker file records the installed version, so
# later runs only check and print. Needs python3 (3.9 or later) and PyPI, nothing else.
#
#   ECRGATE_PEERS_DIR  where peers are cached (default: $HOME/.cache/ecrgate-peers)
#   PYTHON             interpreter that creates the virtualenv (default: python3)
set -euo pipefail

readonly MOTO_VERSION=5.2.5
readonly PEERS_DIR="${ECRGATE_PEERS_DIR:-$HOME/.cache/ecrgate-peers}"
readonly VENV="$PEERS_DIR/moto-$MOTO_VERSION"
readonly MARKER="$VENV/.ecrgate-installed"
readonly PYTHON="${PYTHON:-python3}"

installed() {
  [[ -f "$MARKER" && "$(cat "$MARKER")" == "moto[server]==$MOTO_VERSION" && -x "$VENV/bin/moto_server" ]]
}

if installed; then
  echo "$VENV/bin/moto_server"
  exit 0
fi

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "moto.sh: $PYTHON not found; moto needs Python 3.9 or later" >&2
  exit 2
fi

mkdir -p "$PEERS_DIR"
# Two test JVMs may install at once: the second waits for the first, then finds the marker.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$PEERS_DIR/.moto-$MOTO_VERSION.lock"
  flock 9
  if installed; then
    echo "$VENV/bin/moto_server"
    exit 0
  fi
fi

# A half-made virtualenv (an interrupted install) is rebuilt from scratch.
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV" >&2
"$VENV/bin/python" -m pip install --disable-pip-version-check -q "moto[server]==$MOTO_VERSION" >&2
"$VENV/bin/python" -c 'import sys, moto; sys.exit(moto.__version__ != sys.argv[1])' "$MOTO_VERSION"
echo "moto[server]==$MOTO_VERSION" >"$MARKER"
echo "$VENV/bin/moto_server"
