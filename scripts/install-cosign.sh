#!/usr/bin/env bash
# Sourced by scripts/test.sh (or run on its own): installs cosign once into the tools
# cache folder with `go install` from the Go module proxy and exports DEPGATE_COSIGN.
# tests/vsa.rs checks depgate's signed VSA with `cosign verify-blob-attestation --key`.
# Needs `set -euo pipefail` when sourced. The first build is slow: 11.8 minutes on this
# 2-core machine (shared with other builds), so CI may run it as a step of its own.
[[ "${BASH_SOURCE[0]}" == "$0" ]] && set -euo pipefail # run on its own, not sourced
COSIGN_VERSION="${COSIGN_VERSION:-v2.6.5}"
tools="${DEPGATE_TOOLS_DIR:-$HOME/.cache/depgate-tools}"
# No pipes into `head`/`grep -q` here: under pipefail the writer's SIGPIPE fails the step.
cosign_version="$("$tools/bin/cosign" version 2>/dev/null || true)"
if [[ "$cosign_version" != *"GitVersion:"*"${COSIGN_VERSION}"* ]]; then
  if ! command -v go >/dev/null; then
    echo "error: go is needed to install cosign $COSIGN_VERSION (go install); install Go 1.24+ and run again" >&2
    exit 2
  fi
  echo "installing cosign $COSIGN_VERSION into $tools/bin (go install, ~12 minutes once on 2 cores)"
  # -ldflags sets the version cosign reports (go install leaves it "devel" otherwise), so
  # the check above finds the installed version next time and does not rebuild.
  GOFLAGS=-mod=mod GOBIN="$tools/bin" go install \
    -ldflags "-X sigs.k8s.io/release-utils/version.gitVersion=${COSIGN_VERSION}" \
    "github.com/sigstore/cosign/v2/cmd/cosign@$COSIGN_VERSION"
fi
export DEPGATE_COSIGN="$tools/bin/cosign"
"$DEPGATE_COSIGN" version >/dev/null 2>&1 || { echo "error: $DEPGATE_COSIGN does not run" >&2; exit 2; }
echo "cosign $COSIGN_VERSION at $DEPGATE_COSIGN"
