#!/usr/bin/env bash
# Runs the depgate-npm tests: installs pnpm 9, yarn 1 and Verdaccio 6 (the local registry
# the platform-package test publishes to) once into a cache folder
# (target/npm-plugin-tools at the repository root), then `node --test` with them on PATH.
#   npm-plugin/scripts/test.sh                   the depgate binary: DEPGATE_BIN, else target/debug/depgate
#   DEPGATE_REQUIRE_TOOLS=1 npm-plugin/scripts/test.sh   a missing tool fails its tests instead of skipping
set -euo pipefail
plugin="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$plugin/.." && pwd)"
tools="${DEPGATE_NPM_TOOLS_DIR:-$repo/target/npm-plugin-tools}"

PNPM_VERSION=9.15.9
YARN_VERSION=1.22.22
# 6.1.x is the newest line that runs on Node 20 (later ones require Node 22).
VERDACCIO_VERSION=6.1.6

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "error: node and npm are needed (Node 18 or newer)" >&2
  exit 2
fi

have() { [ -x "$tools/node_modules/.bin/$1" ] && [ "$("$tools/node_modules/.bin/$1" --version 2>/dev/null)" = "$2" ]; }
if ! have pnpm "$PNPM_VERSION" || ! have yarn "$YARN_VERSION" || ! have verdaccio "v$VERDACCIO_VERSION"; then
  mkdir -p "$tools"
  # The machine's own npm settings (~/.npmrc) stay out of this install.
  npm install --prefix "$tools" --no-save --no-audit --no-fund --no-package-lock \
    --userconfig /dev/null "pnpm@$PNPM_VERSION" "yarn@$YARN_VERSION" "verdaccio@$VERDACCIO_VERSION" >/dev/null \
    || echo "warning: could not install pnpm/yarn/verdaccio into $tools; their tests will be skipped" >&2
fi
export PATH="$tools/node_modules/.bin:$PATH"

if [ -z "${DEPGATE_BIN:-}" ]; then
  export DEPGATE_BIN="$repo/target/debug/depgate"
  if [ ! -x "$DEPGATE_BIN" ]; then
    (cd "$repo" && cargo build --locked --quiet)
  fi
fi

echo "depgate-npm tests: node $(node --version), npm $(npm --version), pnpm $(pnpm --version 2>/dev/null || echo missing), yarn $(yarn --version 2>/dev/null || echo missing), verdaccio $(verdaccio --version 2>/dev/null || echo missing), depgate $DEPGATE_BIN"
cd "$plugin"
exec node --test --test-reporter=spec test/*.test.js
