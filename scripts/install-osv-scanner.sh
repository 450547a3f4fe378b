#!/usr/bin/env bash
# Sourced by scripts/test.sh (or run on its own): installs osv-scanner once into the tools
# cache folder with `go install` from the Go module proxy and exports DEPGATE_OSV_SCANNER.
# tests/advisories_oracle.rs compares depgate's advisory matches with osv-scanner's on the
# same lockfiles and the same offline OSV database (testdata/advisories).
# Needs `set -euo pipefail` when sourced. v2.5.0 is the newest that builds with Go 1.26
# (@latest needs Go 1.27). The first build takes several minutes on 2 cores.
[[ "${BASH_SOURCE[0]}" == "$0" ]] && set -euo pipefail # run on its own, not sourced
OSV_SCANNER_VERSION="${OSV_SCANNER_VERSION:-v2.5.0}"
tools="${DEPGATE_TOOLS_DIR:-$HOME/.cache/depgate-tools}"
# No pipes into `head`/`grep -q` here: under pipefail the writer's SIGPIPE fails the step.
osv_scanner_version="$("$tools/bin/osv-scanner" --version 2>/dev/null || true)"
if [[ "$osv_scanner_version" != *"osv-scanner version: ${OSV_SCANNER_VERSION#v}"* ]]; then
  if ! command -v go >/dev/null; then
    echo "error: go is needed to install osv-scanner $OSV_SCANNER_VERSION (go install); install Go 1.24+ and run again" >&2
    exit 2
  fi
  echo "installing osv-scanner $OSV_SCANNER_VERSION into $tools/bin (go install, several minutes once on 2 cores)"
  GOFLAGS=-mod=mod GOBIN="$tools/bin" go install \
    "github.com/google/osv-scanner/v2/cmd/osv-scanner@$OSV_SCANNER_VERSION"
fi
export DEPGATE_OSV_SCANNER="$tools/bin/osv-scanner"
"$DEPGATE_OSV_SCANNER" --version >/dev/null 2>&1 || { echo "error: $DEPGATE_OSV_SCANNER does not run" >&2; exit 2; }
echo "osv-scanner $OSV_SCANNER_VERSION at $DEPGATE_OSV_SCANNER"
