#!/usr/bin/env bash
# Builds one depgate release for one target, the same way here and in
# .github/workflows/release.yml:
#
#   depgate-<target>.tar.gz          the `depgate` executable at the archive's top, plus
#                                    README.md (and LICENSE, when the repository has one)
#   depgate-<target>.tar.gz.sha256   its digest, in sha256sum format
#   depgate.cdx.json                 CycloneDX 1.6 SBOM of depgate itself, from Cargo.lock,
#                                    made by the depgate just built (`depgate sbom`)
#
# Usage: scripts/release.sh [--version V] [--out DIR] [--target TRIPLE]
#                           [--builder cargo|zigbuild|cross] [--no-sbom]
#   --version V    the version being released; must equal Cargo.toml's (a tag v0.2.0
#                  with Cargo.toml at 0.1.0 would ship a binary reporting the wrong version)
#   --out DIR      where the files go (default dist/); existing files of the same names are
#                  replaced, each one atomically
#   --target T     the Rust target (default: this machine's host target). The workflow
#                  builds x86_64/aarch64-unknown-linux-musl and x86_64/aarch64-apple-darwin
#   --builder B    `cargo build` (default), `cargo zigbuild` (cross-linking with zig) or
#                  `cross build`; the builder must already be installed
#   --no-sbom      skip the SBOM (a job whose binary cannot run on its machine; one job of
#                  the workflow makes it)
#
# Provenance is not made here: the workflow attests each archive with GitHub's artifact
# attestations (actions/attest-build-provenance) and publishes the bundle as
# depgate-<target>.tar.gz.sigstore.json. The tests sign a local build with the test PKI.
#
# SOURCE_DATE_EPOCH (default: the last commit's time) fixes the archive's file times and
# the SBOM's timestamp, so the same commit gives the same archive with GNU tar.
set -euo pipefail
cd "$(dirname "$0")/.."

die() {
  echo "release: error: $*" >&2
  exit 2
}

version=""
out="dist"
target=""
builder="cargo"
sbom=1
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version="${2:?--version needs a value}" && shift 2 ;;
    --out) out="${2:?--out needs a folder}" && shift 2 ;;
    --target) target="${2:?--target needs a triple}" && shift 2 ;;
    --builder) builder="${2:?--builder needs cargo, zigbuild or cross}" && shift 2 ;;
    --no-sbom) sbom=0 && shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' && exit 0 ;;
    *) die "unknown argument \`$1\` (see scripts/release.sh --help)" ;;
  esac
done

command -v cargo >/dev/null || die "cargo is not installed; install Rust (rustup) to build a release"

crate_version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"
[ -n "$crate_version" ] || die "Cargo.toml has no package version"
version="${version#v}"
if [ -z "$version" ]; then
  version="$crate_version"
elif [ "$version" != "$crate_version" ]; then
  die "--version $version, but Cargo.toml says $crate_version: bump Cargo.toml (and Cargo.lock) before tagging v$version"
fi

host="$(rustc -vV | sed -n 's/^host: //p')"
[ -n "$host" ] || die "cannot tell the host target from \`rustc -vV\`"
target="${target:-$host}"
[[ "$target" =~ ^[A-Za-z0-9_.-]+$ ]] || die "target \`$target\` is not a target triple"

case "$builder" in
  cargo)
    # A target other than the host needs its standard library from rustup.
    if [ "$target" != "$host" ] && command -v rustup >/dev/null &&
      ! rustup target list --installed | grep -qx "$target"; then
      die "rustup has no standard library for $target here (installed: $(rustup target list --installed | tr '\n' ' ')); run \`rustup target add $target\` or use --builder zigbuild/cross"
    fi
    build=(cargo build)
    ;;
  zigbuild)
    cargo zigbuild --version >/dev/null 2>&1 || die "--builder zigbuild needs cargo-zigbuild and zig installed"
    build=(cargo zigbuild)
    ;;
  cross)
    command -v cross >/dev/null || die "--builder cross needs cross installed"
    build=(cross build)
    ;;
  *) die "--builder is \`$builder\`; use cargo, zigbuild or cross" ;;
esac

SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"
export SOURCE_DATE_EPOCH

target_dir="${CARGO_TARGET_DIR:-target}"
echo "release: building depgate $version for $target (${build[*]} --release --locked; host $host)"
started=$(date +%s)
"${build[@]}" --release --locked --target "$target"
bin="$target_dir/$target/release/depgate"
[ -x "$bin" ] || die "the build left no executable at $bin"
echo "release: built in $(($(date +%s) - started)) s: $bin"

mkdir -p "$out"
stage="$(mktemp -d "$out/.stage-XXXXXX")"
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/root"
cp "$bin" "$stage/root/depgate"
chmod 755 "$stage/root/depgate"
files=(depgate)
for f in README.md LICENSE LICENSE-APACHE LICENSE-MIT; do
  if [ -f "$f" ]; then
    cp "$f" "$stage/root/$f"
    chmod 644 "$stage/root/$f"
    files+=("$f")
  fi
done

asset="depgate-$target.tar.gz"
tar_cmd=tar
command -v gtar >/dev/null && tar_cmd=gtar # GNU tar on macOS runners
if "$tar_cmd" --version 2>/dev/null | grep -q 'GNU tar'; then
  # Reproducible: fixed order, owners and times; gzip without a name or time stamp.
  "$tar_cmd" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
    --format=ustar -C "$stage/root" -cf - "${files[@]}" | gzip -n -9 >"$stage/$asset"
else
  echo "release: note: no GNU tar here; the archive is not byte-for-byte reproducible"
  "$tar_cmd" -C "$stage/root" -cf - "${files[@]}" | gzip -n -9 >"$stage/$asset"
fi

if command -v sha256sum >/dev/null; then
  digest="$(sha256sum "$stage/$asset" | cut -d' ' -f1)"
else
  digest="$(shasum -a 256 "$stage/$asset" | cut -d' ' -f1)"
fi
printf '%s  %s\n' "$digest" "$asset" >"$stage/$asset.sha256"

made=("$asset" "$asset.sha256")
if [ "$sbom" = 1 ]; then
  "$bin" --version >/dev/null 2>&1 ||
    die "the $target build does not run on this machine, so it cannot write the SBOM; pass --no-sbom (another job makes depgate.cdx.json)"
  "$bin" sbom --cargo-lock Cargo.lock --root depgate --output "$stage/depgate.cdx.json"
  made+=(depgate.cdx.json)
fi

# Each file is moved into place whole (a rename within one folder).
for f in "${made[@]}"; do
  mv -f "$stage/$f" "$out/$f"
done

echo "release: depgate $version for $target:"
for f in "${made[@]}"; do
  echo "  $out/$f ($(wc -c <"$out/$f" | tr -d ' ') bytes)"
done
echo "  sha256 $digest"
echo "  archive holds: ${files[*]}"
if command -v file >/dev/null; then
  echo "  executable: $(file -b "$bin")"
fi
case "$target" in
  *-linux-gnu)
    echo "release: note: this is a $target build (dynamically linked to glibc), named after the target it really is:"
    echo "         the release workflow builds the static x86_64/aarch64-unknown-linux-musl archives, whose musl"
    echo "         standard library rustup cannot download on this machine"
    ;;
esac
