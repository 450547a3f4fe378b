#!/usr/bin/env bash
# Installs the package managers and the bot-configuration schemas that tests/init.rs asks
# to read the release-age settings `depgate init` writes, once, into a cache folder
# ($DEPGATE_COOLDOWN_TOOLS, default ~/.cache/depgate-tools/cooldown-tools):
#   venv/   Python venv: uv (reads exclude-newer from pyproject.toml / uv.toml) and
#           check-jsonschema (bundles the Renovate and Dependabot schemas)
#   npm/    npm prefix: pnpm 10 (minimumReleaseAge in pnpm-workspace.yaml) and yarn 4
#           (@yarnpkg/cli-dist: npmMinimalAgeGate in .yarnrc.yml); both ship as one bundle
# Prints the tools folder on its last line. Needs python3 (with venv) and npm. Safe to run
# again: it installs only what is missing or at another version. About 30 MB and 10-20 s
# the first time.
set -euo pipefail

UV_VERSION=0.13.9
CHECK_JSONSCHEMA_VERSION=0.39.0
PNPM_VERSION=10.34.9
YARN_VERSION=4.18.1

tools="${DEPGATE_COOLDOWN_TOOLS:-$HOME/.cache/depgate-tools/cooldown-tools}"
venv="$tools/venv"
prefix="$tools/npm"

for cmd in python3 npm; do
  if ! command -v "$cmd" >/dev/null; then
    echo "error: $cmd is needed for the cooldown tools; install it and run again" >&2
    exit 2
  fi
done
mkdir -p "$tools"
# One installer at a time: test binaries run in parallel.
exec 9>"$tools/.lock"
flock 9

want_py="uv==$UV_VERSION check-jsonschema==$CHECK_JSONSCHEMA_VERSION"
if [ "$(cat "$venv/.installed" 2>/dev/null)" != "$want_py" ]; then
  echo "installing $want_py into $venv" >&2
  python3 -m venv "$venv"
  # shellcheck disable=SC2086 # one word per requirement
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check $want_py >&2
  printf '%s' "$want_py" >"$venv/.installed"
fi

want_npm="pnpm@$PNPM_VERSION @yarnpkg/cli-dist@$YARN_VERSION"
if [ "$(cat "$prefix/.installed" 2>/dev/null)" != "$want_npm" ]; then
  echo "installing $want_npm into $prefix" >&2
  mkdir -p "$prefix"
  # shellcheck disable=SC2086 # one word per package
  npm install --silent --no-audit --no-fund --prefix "$prefix" $want_npm >&2
  printf '%s' "$want_npm" >"$prefix/.installed"
fi

for f in venv/bin/uv venv/bin/check-jsonschema npm/node_modules/.bin/pnpm npm/node_modules/@yarnpkg/cli-dist/bin/yarn.js; do
  test -e "$tools/$f" || { echo "error: $tools/$f is missing after the install" >&2; exit 3; }
done
echo "$tools"
