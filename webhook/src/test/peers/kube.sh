#!/usr/bin/env bash
# Builds a Kubernetes control plane for the tests (kube-apiserver, kubectl, etcd) from Go modules, with no container
# engine and no binary downloads, caches the binaries outside the repository keyed by version, and prints the bin
# directory on the last line of stdout. Idempotent: a marker file records a complete build, so later runs only check
# and print; a lock makes a second caller wait for the first instead of building twice. Build output goes to stderr.
#
# Measured for v1.34.4 on 2 cores with empty Go caches: a cold build takes about 3.5 minutes (module downloads
# included) and leaves 2.7 GB in the Go build cache ($(go env GOCACHE)) and 0.9 GB in the module cache; the cached
# binaries take 182 MB. With the Go caches warm, a rebuild takes seconds; with the marker present, milliseconds.
#
#   ECRGATE_PEERS_DIR  where peers are cached (default: $HOME/.cache/ecrgate-peers)
#   GO                 the go command (default: go; Go 1.24 or later, for `go mod edit -tool`)
#
# Why wrapper modules: k8s.io/kubernetes requires its ~31 staging modules (k8s.io/api, k8s.io/apiserver, ...) at
# v0.0.0 with `replace => ./staging/...`, and replace directives of a dependency are ignored, so
# `go install k8s.io/kubernetes/cmd/kube-apiserver@v1.34.4` cannot resolve them. A wrapper module requires the
# release and replaces each staging module with its published v0.<minor>.<patch>, the list generated from the
# release's own go.mod. etcd's server module has the same shape (replace => ../api and so on), so it gets its own
# wrapper, where plain minimal version selection picks the published etcd modules.
#
# Checksums: the Go checksum database is used as configured (GOSUMDB, default sum.golang.org, which the module
# proxy also serves, so it is reachable wherever the proxy is). Where it is not, run with GOSUMDB=off; this script
# sets no GOSUMDB/GONOSUMDB/GOFLAGS itself, so that a reachable checksum database always verifies what it downloads.
set -euo pipefail

# The newest 1.34 patch release the module proxy serves; etcd is the version its k8s.io/apiserver requires
# (checked below against the release's go.mod, so a bump of one without the other fails loudly).
readonly K8S_VERSION=1.34.4
readonly ETCD_VERSION=3.6.4

readonly GO="${GO:-go}"
readonly PEERS_DIR="${ECRGATE_PEERS_DIR:-$HOME/.cache/ecrgate-peers}"
readonly OUT="$PEERS_DIR/k8s/$K8S_VERSION"
readonly BIN="$OUT/bin"
readonly MARKER="$OUT/.ecrgate-built"
readonly STAMP="kubernetes v$K8S_VERSION etcd v$ETCD_VERSION"

built() {
  [[ -f "$MARKER" && "$(cat "$MARKER")" == "$STAMP" \
    && -x "$BIN/kube-apiserver" && -x "$BIN/kubectl" && -x "$BIN/etcd" ]]
}

if built; then
  echo "$BIN"
  exit 0
fi

if ! command -v "$GO" >/dev/null 2>&1; then
  echo "kube.sh: $GO not found; building the control plane needs Go 1.24 or later" >&2
  exit 2
fi

mkdir -p "$OUT"
# Two test JVMs may start at once: the second waits for the first, then finds the marker.
exec 9>"$OUT/.lock"
if ! flock -n 9; then
  echo "kube.sh: another build of Kubernetes v$K8S_VERSION is running; waiting for it" >&2
  flock 9
fi
if built; then
  echo "$BIN"
  exit 0
fi

log() { echo "kube.sh: $*" >&2; }

export CGO_ENABLED=0
# Build with the Go that is installed; never download another toolchain (a go line newer than it fails clearly).
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

started=$SECONDS
# A half-made build (an interrupted run) starts over from clean wrapper modules; the Go caches make that cheap.
rm -rf "$OUT/build" "$BIN" "$MARKER"
mkdir -p "$OUT/build/kubernetes" "$OUT/build/etcd" "$BIN"

# --- kube-apiserver and kubectl -------------------------------------------------------------------------------
cd "$OUT/build/kubernetes"
log "resolving k8s.io/kubernetes v$K8S_VERSION"
release_gomod=$("$GO" mod download -json "k8s.io/kubernetes@v$K8S_VERSION" \
  | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
[[ -f "$release_gomod" ]] || { log "could not download the go.mod of k8s.io/kubernetes v$K8S_VERSION"; exit 1; }

required_etcd=$(sed -n 's|^[[:space:]]*go\.etcd\.io/etcd/client/v3 v\([^ ]*\).*|\1|p' "$release_gomod")
if [[ "$required_etcd" != "$ETCD_VERSION" ]]; then
  log "Kubernetes v$K8S_VERSION requires etcd client v$required_etcd, but this script pins etcd v$ETCD_VERSION"
  exit 1
fi

"$GO" mod init example.local/ecrgate-kubebins >&2 2>&1
# Match the release's language version and GODEBUG defaults rather than those of the local Go.
release_go=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$release_gomod")
"$GO" mod edit -go="$release_go"
sed -n 's/^godebug \(.*\)$/\1/p' "$release_gomod" | while read -r setting; do
  "$GO" mod edit -godebug="$setting"
done
staging=$(sed -n 's|^[[:space:]]*\(k8s\.io/[^ ]*\) => \./staging/.*|\1|p' "$release_gomod")
[[ -n "$staging" ]] || { log "no staging modules found in $release_gomod"; exit 1; }
edits=()
for module in $staging; do
  edits+=("-replace=$module=$module@v0.${K8S_VERSION#1.}")
done
"$GO" mod edit "${edits[@]}" -require="k8s.io/kubernetes@v$K8S_VERSION" \
  -tool=k8s.io/kubernetes/cmd/kube-apiserver -tool=k8s.io/kubernetes/cmd/kubectl
log "tidying the wrapper module ($(wc -w <<<"$staging") staging modules replaced)"
"$GO" mod tidy >&2

minor=${K8S_VERSION#1.}
minor=${minor%%.*}
version_flags=""
for package in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  version_flags+=" -X $package.gitVersion=v$K8S_VERSION -X $package.gitMajor=1 -X $package.gitMinor=$minor"
  version_flags+=" -X $package.gitTreeState=clean"
done
log "building kube-apiserver and kubectl (the slow part)"
"$GO" build -trimpath -ldflags "-s -w$version_flags" -o "$BIN/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl >&2

# --- etcd ---------------------------------------------------------------------------------------------------------
cd "$OUT/build/etcd"
log "building etcd v$ETCD_VERSION"
"$GO" mod init example.local/ecrgate-etcdbin >&2 2>&1
"$GO" mod edit -require="go.etcd.io/etcd/server/v3@v$ETCD_VERSION" -tool=go.etcd.io/etcd/server/v3
"$GO" mod tidy >&2
"$GO" build -trimpath -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3 >&2

# --- check and record -----------------------------------------------------------------------------------------------
"$BIN/kube-apiserver" --version >&2
"$BIN/kubectl" version --client >&2
"$BIN/etcd" --version >&2
"$BIN/kube-apiserver" --version | grep -qx "Kubernetes v$K8S_VERSION" \
  || { log "kube-apiserver does not report v$K8S_VERSION"; exit 1; }
"$BIN/etcd" --version | grep -q "^etcd Version: $ETCD_VERSION\$" \
  || { log "etcd does not report $ETCD_VERSION"; exit 1; }

rm -rf "$OUT/build"
echo "$STAMP" >"$MARKER"
log "built $STAMP in $((SECONDS - started)) s into $BIN"
echo "$BIN"
