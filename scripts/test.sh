#!/usr/bin/env bash
# Runs every depgate test on a fresh machine, installing what the tests need.
#   scripts/test.sh            all groups: lint, hermetic tests, live registry tests, demo
#   DEPGATE_LIVE=0 scripts/test.sh   skip the live group (no network to the registries)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

if ! command -v cargo >/dev/null; then
  echo "error: cargo is not installed; install Rust 1.85 or newer (rustup) and run again" >&2
  exit 2
fi
# rustfmt and clippy come with rustup's default profile; add them if this toolchain lacks them.
for comp in rustfmt clippy; do
  if ! cargo "${comp/rustfmt/fmt}" --version >/dev/null 2>&1; then
    rustup component add "$comp"
  fi
done

step "format"
cargo fmt --check

step "lint (clippy, pedantic, warnings are errors)"
cargo clippy --locked --all-targets -- -D warnings

step "hermetic tests (fake registries on 127.0.0.1)"
cargo test --locked --all-targets

if [ "${DEPGATE_LIVE:-1}" = "1" ]; then
  step "live tests (registry.npmjs.org)"
  DEPGATE_LIVE=1 cargo test --locked --test live_npm -- --nocapture
else
  echo "SKIPPED live tests: DEPGATE_LIVE=0"
fi

step "demo, end to end"
demo_dir="$(mktemp -d)"
trap 'rm -rf "$demo_dir"' EXIT
cargo run --locked --quiet -- demo --dir "$demo_dir" >"$demo_dir/out.txt"
cat "$demo_dir/out.txt"
grep -q "not-found-in-owner" "$demo_dir/out.txt"
grep -q "fallback-cooldown" "$demo_dir/out.txt"
test -s "$demo_dir/depgate-report/decisions.json"
echo "demo: passed"
