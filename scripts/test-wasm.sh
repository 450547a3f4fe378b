#!/usr/bin/env bash
# The opa-wasm engine's own CI step (cargo feature `opa-wasm`, off in the default build):
# builds the feature in its own target folder, so the default build cache stays as it is,
# and runs tests/policy_wasm.rs, which compiles the builtin policy with `opa build -t wasm`
# and checks that every conformance input decides as on the Rego engine.
#   scripts/test-wasm.sh                       lint + tests (installs opa like scripts/test.sh)
#   CARGO_TARGET_DIR=... scripts/test-wasm.sh  another target folder (default target/opa-wasm)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

if ! command -v cargo >/dev/null; then
  echo "error: cargo is not installed; install Rust 1.86 or newer (rustup) and run again" >&2
  exit 2
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/opa-wasm}"

step "opa-wasm: opa (builds the WebAssembly bundles the tests load)"
# The same install as scripts/test.sh: once into a cache folder, with `go install`.
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
export DEPGATE_REQUIRE_TOOLS=1

step "opa-wasm: lint (clippy with the feature on, warnings are errors) in $CARGO_TARGET_DIR"
cargo clippy --locked --features opa-wasm --all-targets -- -D warnings

step "opa-wasm: unit tests of the engine and the conformance suite through opa build -t wasm"
cargo test --locked --features opa-wasm --lib policy::wasm
cargo test --locked --features opa-wasm --test policy_wasm
