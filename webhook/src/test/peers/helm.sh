#!/usr/bin/env bash
# Installs helm v4 (used by HelmChartIT and HelmInstallIT to lint, render and install deploy/helm/ecrgate) into the
# peers cache and prints the path of the binary on the last line (see go-install.sh). Static and stripped, as the
# release binaries are.
set -euo pipefail
export CGO_ENABLED=0
exec "$(dirname "$0")/go-install.sh" helm v4.3.2 helm.sh/helm/v4/cmd/helm -trimpath -ldflags "-s -w"
