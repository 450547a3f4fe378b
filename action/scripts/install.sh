#!/usr/bin/env bash
# Puts a depgate executable in place and names it in the `bin` output:
#   `binary` given       that file, as it is;
#   `mode: stop`         the executable `serve` ran (recorded in the state folder);
#   otherwise            the release archive for this runner, downloaded (or restored by
#                        actions/cache), checked against the release's .sha256 fetched now,
#                        its provenance checked with `gh attestation verify` where `gh` is
#                        installed, then unpacked.
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
if [ "$DG_INSTALL" != true ]; then
  [ -s "$DG_STATE_DIR/serve.bin" ] || fail "\`mode: stop\` found no proxy started by \`mode: serve\` in this job"
  use "$(cat "$DG_STATE_DIR/serve.bin")"
fi

sha256() {
  if command -v sha256sum >/dev/null; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

archive_dir="$DG_INSTALL_DIR/archive"
archive="$archive_dir/$DG_ASSET"
mkdir -p "$archive_dir"

# The digest comes from the release on every run, so a restored cache is checked too.
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

# Build provenance (the release workflow attests each archive): verified where it exists.
if command -v gh >/dev/null; then
  if out="$(GH_TOKEN="$DG_TOKEN" gh attestation verify "$archive" --repo "$DG_RELEASE_REPOSITORY" 2>&1)"; then
    echo "$DG_ASSET: build provenance verified (gh attestation verify --repo $DG_RELEASE_REPOSITORY)"
  else
    case "$out" in
      *"no attestations"* | *"HTTP 404"*)
        echo "::notice title=depgate::$DG_ASSET has no build provenance attestation; only its sha256 was checked"
        ;;
      *"HTTP 401"* | *"HTTP 403"* | *"Resource not accessible"*)
        echo "::warning title=depgate::could not read $DG_RELEASE_REPOSITORY's attestations (give the job \`attestations: read\`); only the sha256 of $DG_ASSET was checked"
        ;;
      *)
        printf '%s\n' "$out"
        fail "$DG_ASSET: its build provenance does not verify: not running it" 3
        ;;
    esac
  fi
else
  echo "::notice title=depgate::gh is not installed: the build provenance of $DG_ASSET was not checked, only its sha256"
fi

bin_dir="$DG_INSTALL_DIR/bin"
rm -rf "$bin_dir"
mkdir -p "$bin_dir"
tar -xzf "$archive" -C "$bin_dir" depgate || fail "$DG_ASSET has no \`depgate\` at its top" 3
chmod 755 "$bin_dir/depgate"
use "$bin_dir/depgate"
