#!/usr/bin/env bash
# Installs the SBOM validators tests/sbom.rs runs, once, into the tools folder
# ($DEPGATE_TOOLS_DIR, default ~/.cache/depgate-tools):
#   sbom-venv/  Python venv: cyclonedx-python-lib[json-validation] (CycloneDX 1.6 strict
#               schema, and the library loads the BOM) and spdx-tools (pyspdxtools, SPDX 2.3)
#   sbom-npm/   npm prefix: @cyclonedx/cyclonedx-library with ajv (the same CycloneDX schema,
#               fast enough for the 2,000-package SBOM)
# Needs python3 (with venv) and node/npm. Safe to run again: it reinstalls only what is
# missing or at another version.
set -euo pipefail

CYCLONEDX_PY_VERSION="${CYCLONEDX_PY_VERSION:-11.12.0}"
SPDX_TOOLS_VERSION="${SPDX_TOOLS_VERSION:-0.8.5}"
CYCLONEDX_JS_VERSION="${CYCLONEDX_JS_VERSION:-10.3.0}"
AJV_VERSION=8.20.0
AJV_FORMATS_VERSION=3.0.1
AJV_FORMATS_DRAFT2019_VERSION=1.6.1

tools="${DEPGATE_TOOLS_DIR:-$HOME/.cache/depgate-tools}"
venv="$tools/sbom-venv"
prefix="$tools/sbom-npm"

for cmd in python3 node npm; do
  if ! command -v "$cmd" >/dev/null; then
    echo "error: $cmd is needed for the SBOM validators; install it and run again" >&2
    exit 2
  fi
done

have_py() {
  "$venv/bin/python" - "$CYCLONEDX_PY_VERSION" "$SPDX_TOOLS_VERSION" <<'EOF' 2>/dev/null
import importlib.metadata as m, sys
import cyclonedx.validation.json, spdx_tools  # noqa: F401 (the extras are importable)
sys.exit(0 if (m.version("cyclonedx-python-lib"), m.version("spdx-tools")) == (sys.argv[1], sys.argv[2]) else 1)
EOF
}

if ! have_py; then
  echo "installing cyclonedx-python-lib $CYCLONEDX_PY_VERSION and spdx-tools $SPDX_TOOLS_VERSION into $venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "cyclonedx-python-lib[json-validation]==$CYCLONEDX_PY_VERSION" "spdx-tools==$SPDX_TOOLS_VERSION"
fi
"$venv/bin/python" -c 'import importlib.metadata as m; print("cyclonedx-python-lib", m.version("cyclonedx-python-lib"), "· spdx-tools", m.version("spdx-tools"))'

js_version="$(node -p "require('$prefix/node_modules/@cyclonedx/cyclonedx-library/package.json').version" 2>/dev/null || true)"
if [ "$js_version" != "$CYCLONEDX_JS_VERSION" ] || [ ! -d "$prefix/node_modules/ajv-formats-draft2019" ]; then
  echo "installing @cyclonedx/cyclonedx-library $CYCLONEDX_JS_VERSION (with ajv) into $prefix"
  mkdir -p "$prefix"
  npm install --silent --no-audit --no-fund --prefix "$prefix" \
    "@cyclonedx/cyclonedx-library@$CYCLONEDX_JS_VERSION" "ajv@$AJV_VERSION" \
    "ajv-formats@$AJV_FORMATS_VERSION" "ajv-formats-draft2019@$AJV_FORMATS_DRAFT2019_VERSION"
fi
echo "@cyclonedx/cyclonedx-library $(node -p "require('$prefix/node_modules/@cyclonedx/cyclonedx-library/package.json').version")"
