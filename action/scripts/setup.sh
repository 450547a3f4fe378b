#!/usr/bin/env bash
# Checks the inputs and works out where things go: the release asset for this runner, the
# install and cache folders, the report and state folders. Writes step outputs only.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

one_of "mode" "$DG_MODE" check serve stop
one_of "fail-on" "$DG_FAIL_ON" deny quarantine warn never
one_of "comment" "$DG_COMMENT" on-failure always never
one_of "check-run" "$DG_CHECK_RUN" true false
one_of "upload-artifacts" "$DG_UPLOAD" true false

temp="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
state_dir="$temp/depgate-action"
mkdir -p "$state_dir"
# A new report folder per invocation, outside the workspace (a project's own
# depgate-report/ is left alone); `stop` reads the folder `serve` chose from the state.
report_dir="$(mktemp -d "$state_dir/report-XXXXXX")"
{
  echo "state-dir=$state_dir"
  echo "report-dir=$report_dir"
} >>"$GITHUB_OUTPUT"

one_of "install" "$DG_INSTALL_MODE" release cargo

if [ -n "$DG_BINARY" ] || [ "$DG_MODE" = stop ]; then
  # A given executable (or `stop`, which runs none until the report step, and that one uses
  # the executable recorded by `serve`): nothing to install.
  echo "install=none" >>"$GITHUB_OUTPUT"
  exit 0
fi

if [ "$DG_INSTALL_MODE" = cargo ]; then
  # Built from the action's own source (the commit `uses:` pinned), not from a release.
  {
    echo "install=cargo"
    echo "install-dir=$temp/depgate-install/cargo"
  } >>"$GITHUB_OUTPUT"
  echo "depgate from source (install: cargo)"
  exit 0
fi

case "${RUNNER_OS:-$(uname -s)}/${RUNNER_ARCH:-$(uname -m)}" in
  Linux/X64 | Linux/x86_64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64 | Linux/aarch64) target=aarch64-unknown-linux-musl ;;
  macOS/X64 | Darwin/x86_64) target=x86_64-apple-darwin ;;
  macOS/ARM64 | Darwin/arm64) target=aarch64-apple-darwin ;;
  *)
    fail "no depgate release for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}; set \`install: cargo\` to build depgate from the action's source (needs a Rust toolchain), or pass a built depgate as \`binary\`"
    ;;
esac

repo="${DG_RELEASE_REPOSITORY:-${DG_ACTION_REPOSITORY:-}}"
if [ -z "$repo" ]; then
  # `uses: ./action` (a local action has no action_repository): the repository it is in.
  repo="${GITHUB_REPOSITORY:?}"
fi
[[ "$repo" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || fail "release-repository \`$repo\` is not owner/name"

version="${DG_VERSION#v}"
if [ "$version" = latest ]; then
  # github.com answers /releases/latest with a redirect to /releases/tag/<tag>.
  server="${GITHUB_SERVER_URL:-https://github.com}"
  landed="$(curl -fsSL --retry 3 -o /dev/null -w '%{url_effective}' "$server/$repo/releases/latest")" ||
    fail "cannot find the latest release of $repo; set \`version\`"
  case "$landed" in
    */releases/tag/*) version="${landed##*/releases/tag/}" && version="${version#v}" ;;
    *) fail "$repo has no release; set \`version\`, \`install: cargo\` or \`binary\`" ;;
  esac
fi
[[ "$version" =~ ^[0-9A-Za-z.+-]+$ ]] || fail "version \`$DG_VERSION\` is not a release version (e.g. 0.1.0)"

asset="depgate-$target.tar.gz"
server="${GITHUB_SERVER_URL:-https://github.com}"
{
  echo "install=release"
  echo "install-dir=$temp/depgate-install/$version-$target"
  echo "asset=$asset"
  echo "asset-url=$server/$repo/releases/download/v$version/$asset"
  echo "release-repository=$repo"
  echo "version=$version"
  echo "cache-key=depgate-$repo-v$version-$target"
} >>"$GITHUB_OUTPUT"
echo "depgate $version for $target from $repo"
