#!/usr/bin/env bash
# Installs kustomize (the renderer behind `kubectl apply -k`, used by DeployManifestsIT to render deploy/) into the
# peers cache and prints the path of the binary on the last line (see go-install.sh).
set -euo pipefail
exec "$(dirname "$0")/go-install.sh" kustomize v5.8.1 sigs.k8s.io/kustomize/kustomize/v5
