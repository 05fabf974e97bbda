#!/usr/bin/env bash
# Builds OPA (the Open Policy Agent server the benchmark runs as an admission webhook, see bench/opa/) from its Go
# module into the peers cache, and prints the path of the binary on the last line (see
# webhook/src/test/peers/go-install.sh: marker, lock, ECRGATE_PEERS_DIR, GO). Everything else goes to stderr.
set -euo pipefail
# CGO off: a static binary, and no C toolchain needed (OPA's release binaries are static too). The module has no
# replace directives, so `go install module@version` works; the version string is in the source.
export CGO_ENABLED=0
exec "$(dirname "$0")/../../webhook/src/test/peers/go-install.sh" opa v1.22.4 github.com/open-policy-agent/opa \
  -trimpath -ldflags "-s -w"
