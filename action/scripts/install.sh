#!/usr/bin/env bash
# Puts a depgate executable in place and names it in the `bin` output:
#   `binary` given       that file, as it is;
#   `mode: stop`         the executable `serve` ran (recorded in the state folder);
#   `install: cargo`     `cargo install --locked` of the action's own source (the commit
#                        `uses:` pinned), for platforms without a release;
#   otherwise            the release archive for this runner, downloaded (or restored by
#                        actions/cache), then, before it runs as the gate:
#     1. its sha256 against the release's .sha256 (fetched now, so a cache is checked too);
#     2. its build provenance (the release's .sigstore.json, an in-toto SLSA statement
#        about the archive signed through Sigstore by the release workflow) with
#        `depgate verify`: the certificate must name `release-repository`,
#        .github/workflows/release.yml and refs/tags/v<version>, issued to GitHub Actions;
#     3. the same bundle with `gh attestation verify`, where `gh` is installed.
#   Any failure refuses the install (exit 3); so does a release without .sigstore.json.
#
# Trust model, plainly: check 2 runs the downloaded binary to verify itself. It catches a
# corrupted or swapped archive and provenance from another repository, workflow or tag,
# but a malicious binary could lie about its own verdict. Check 3 is the independent one
# (GitHub's CLI, already on GitHub-hosted runners); where `gh` is absent the log says that
# only the self-check ran. `trusted-root` (DG_TRUSTED_ROOT) replaces the Sigstore public-good
# root for check 2 and 3: for tests and private Sigstore instances only.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

use() {
  "$1" --version || fail "$1 does not run" 3
  echo "bin=$1" >>"$GITHUB_OUTPUT"
  exit 0
}

if [ -n "$DG_BINARY" ]; then
  bin="$(in_workspace "$DG_BINARY")"
  [ -x "$bin" ] || fail "binary \`$DG_BINARY\` is not an executable file"
  use "$bin"
fi

case "$DG_INSTALL" in
  none)
    [ -s "$DG_STATE_DIR/serve.bin" ] || fail "\`mode: stop\` found no proxy started by \`mode: serve\` in this job"
    use "$(cat "$DG_STATE_DIR/serve.bin")"
    ;;
  cargo)
    command -v cargo >/dev/null ||
      fail "\`install: cargo\` needs a Rust toolchain (1.89 or newer) on PATH; add a step that installs one before depgate"
    source_dir="$(cd "${GITHUB_ACTION_PATH:?}/.." && pwd)"
    [ -f "$source_dir/Cargo.toml" ] && [ -f "$source_dir/Cargo.lock" ] ||
      fail "\`install: cargo\`: $source_dir (the action's checkout) has no Cargo.toml and Cargo.lock" 3
    echo "building depgate from $source_dir (cargo install --locked; several minutes on a fresh runner)"
    cargo install --locked --path "$source_dir" --root "$DG_INSTALL_DIR" ||
      fail "\`install: cargo\`: cargo install failed (see above)" 3
    use "$DG_INSTALL_DIR/bin/depgate"
    ;;
  release) ;;
  *) fail "internal: unknown install kind \`$DG_INSTALL\`" 3 ;;
esac

sha256() {
  if command -v sha256sum >/dev/null; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

archive_dir="$DG_INSTALL_DIR/archive"
archive="$archive_dir/$DG_ASSET"
bundle="$DG_INSTALL_DIR/$DG_ASSET.sigstore.json"
mkdir -p "$archive_dir"

# 1. The digest comes from the release on every run, so a restored cache is checked too.
expected="$(curl -fsSL --retry 3 "$DG_ASSET_URL.sha256" | awk '{print $1; exit}')" ||
  fail "cannot download $DG_ASSET_URL.sha256" 3
[[ "$expected" =~ ^[0-9a-f]{64}$ ]] || fail "$DG_ASSET_URL.sha256 holds no sha256 digest" 3

if [ -f "$archive" ] && [ "$(sha256 "$archive")" = "$expected" ]; then
  echo "$DG_ASSET: restored from the cache, sha256 $expected"
else
  rm -f "$archive"
  curl -fsSL --retry 3 -o "$archive.part" "$DG_ASSET_URL" || fail "cannot download $DG_ASSET_URL" 3
  actual="$(sha256 "$archive.part")"
  if [ "$actual" != "$expected" ]; then
    rm -f "$archive.part"
    fail "$DG_ASSET has sha256 $actual but the release says $expected: not running it" 3
  fi
  mv "$archive.part" "$archive"
  echo "$DG_ASSET: downloaded, sha256 $expected"
fi

# 2. Build provenance, checked by the binary in a folder of its own; it becomes the gate
# only when every check passed.
rm -f "$bundle"
status="$(curl -sSL --retry 3 -o "$bundle" -w '%{http_code}' "$DG_ASSET_URL.sigstore.json")" || status=000
if [ "$status" != 200 ]; then
  rm -f "$bundle"
  fail "$DG_ASSET: the release has no build provenance ($DG_ASSET_URL.sigstore.json answered HTTP $status), so it cannot be verified: not running it. Use a release the release workflow attested, \`install: cargo\` to build from source, or \`binary\`" 3
fi
check_dir="$(mktemp -d "$DG_INSTALL_DIR/check-XXXXXX")"
trap 'rm -rf "$check_dir"' EXIT
tar -xzf "$archive" -C "$check_dir" depgate || fail "$DG_ASSET has no \`depgate\` at its top" 3
chmod 755 "$check_dir/depgate"

workflow=.github/workflows/release.yml
ref="refs/tags/v$DG_VERSION"
issuer=https://token.actions.githubusercontent.com
verify=("$check_dir/depgate" verify "$archive" --bundle "$bundle" --subject "$DG_ASSET"
  --source-repository "$DG_RELEASE_REPOSITORY" --workflow "$workflow" --ref "$ref"
  --certificate-oidc-issuer "$issuer")
if [ -n "${DG_TRUSTED_ROOT:-}" ]; then
  root="$(in_workspace "$DG_TRUSTED_ROOT")"
  [ -f "$root" ] || fail "trusted-root \`$DG_TRUSTED_ROOT\` is not a file"
  echo "::notice title=depgate::provenance checked against the trusted root $DG_TRUSTED_ROOT, not Sigstore's public-good instance"
  verify+=(--trusted-root "$root")
fi
if out="$("${verify[@]}" 2>&1)"; then
  printf '%s\n' "$out"
  echo "$DG_ASSET: build provenance verified by depgate verify: $DG_RELEASE_REPOSITORY $workflow at $ref (a self-check by the downloaded binary)"
else
  printf '%s\n' "$out"
  fail "$DG_ASSET: its build provenance does not verify for $DG_RELEASE_REPOSITORY $workflow at $ref: not running it" 3
fi

# 3. The independent check, with GitHub's CLI, on the same bundle.
if command -v gh >/dev/null; then
  gh_verify=(gh attestation verify "$archive" --bundle "$bundle" --repo "$DG_RELEASE_REPOSITORY"
    --signer-workflow "$DG_RELEASE_REPOSITORY/$workflow" --source-ref "$ref" --cert-oidc-issuer "$issuer")
  if [ -n "${DG_TRUSTED_ROOT:-}" ]; then
    gh_verify+=(--custom-trusted-root "$root")
  fi
  if out="$(GH_TOKEN="$DG_TOKEN" "${gh_verify[@]}" 2>&1)"; then
    echo "$DG_ASSET: build provenance verified by gh attestation verify (--repo $DG_RELEASE_REPOSITORY)"
  else
    printf '%s\n' "$out"
    fail "$DG_ASSET: gh attestation verify refuses its build provenance: not running it" 3
  fi
else
  echo "::notice title=depgate::gh is not installed: the build provenance of $DG_ASSET was checked only by the downloaded depgate itself (a self-check), not independently"
fi

bin_dir="$DG_INSTALL_DIR/bin"
rm -rf "$bin_dir"
mkdir -p "$bin_dir"
mv "$check_dir/depgate" "$bin_dir/depgate"
use "$bin_dir/depgate"
