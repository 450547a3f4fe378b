# Sourced by scripts/test.sh and scripts/test-wasm.sh: installs opa once into the tools
# cache folder with `go install` and exports DEPGATE_OPA. Needs `set -euo pipefail`.
OPA_VERSION="${OPA_VERSION:-v1.22.2}"
tools="${DEPGATE_TOOLS_DIR:-$HOME/.cache/depgate-tools}"
# No pipes into `head`/`grep -q` here: under pipefail the writer's SIGPIPE fails the step.
opa_version="$("$tools/bin/opa" version 2>/dev/null || true)"
if [[ "$opa_version" != *"Version: ${OPA_VERSION#v}"* ]]; then
  if ! command -v go >/dev/null; then
    echo "error: go is needed to install opa $OPA_VERSION (go install); install Go 1.24+ and run again" >&2
    exit 2
  fi
  echo "installing opa $OPA_VERSION into $tools/bin (go install, a few minutes once)"
  GOFLAGS=-mod=mod GOBIN="$tools/bin" go install "github.com/open-policy-agent/opa@$OPA_VERSION"
fi
export DEPGATE_OPA="$tools/bin/opa"
opa_version="$("$DEPGATE_OPA" version)"
echo "${opa_version%%$'\n'*}"
