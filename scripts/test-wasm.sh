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
  echo "error: cargo is not installed; install Rust 1.89 or newer (rustup) and run again" >&2
  exit 2
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/opa-wasm}"

step "opa-wasm: opa (builds the WebAssembly bundles the tests load)"
source scripts/install-opa.sh
export DEPGATE_REQUIRE_TOOLS=1

step "opa-wasm: lint (clippy with the feature on, warnings are errors) in $CARGO_TARGET_DIR"
cargo clippy --locked --features opa-wasm --all-targets -- -D warnings

step "opa-wasm: unit tests of the engine and the conformance suite through opa build -t wasm"
cargo test --locked --features opa-wasm --lib policy::wasm
cargo test --locked --features opa-wasm --test policy_wasm
