# Sourced by scripts/test.sh (or run on its own): SeaweedFS's `weed`, the S3-compatible
# object store tests/storage.rs runs depgate's [storage] kind = "s3" against, built once
# into the tools cache folder and exported as DEPGATE_WEED. Needs `set -euo pipefail`.
#
# `go install .../weed@version` refuses the module (its go.mod has a replace directive),
# so the module source is downloaded through the Go module proxy and built from a copy.
[[ "${BASH_SOURCE[0]}" == "$0" ]] && set -euo pipefail # run on its own, not sourced
SEAWEEDFS_VERSION="${SEAWEEDFS_VERSION:-v0.0.0-20261109003541-7506e5f91cd6}"
tools="${DEPGATE_TOOLS_DIR:-$HOME/.cache/depgate-tools}"
stamp="$tools/bin/.weed-$SEAWEEDFS_VERSION"
if [ ! -x "$tools/bin/weed" ] || [ ! -f "$stamp" ]; then
  if ! command -v go >/dev/null; then
    echo "error: go is needed to build SeaweedFS (weed); install Go 1.24+ and run again" >&2
    exit 2
  fi
  echo "building SeaweedFS weed $SEAWEEDFS_VERSION into $tools/bin (go build, ~5 minutes once)"
  weed_src="$(GOFLAGS=-mod=mod go mod download -json "github.com/seaweedfs/seaweedfs@$SEAWEEDFS_VERSION" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')"
  weed_build="$(mktemp -d)"
  cp -r "$weed_src/." "$weed_build/"
  chmod -R u+w "$weed_build"
  mkdir -p "$tools/bin"
  (cd "$weed_build" && GOFLAGS=-mod=mod go build -trimpath -ldflags='-s -w' -o "$tools/bin/weed" ./weed)
  rm -rf "$weed_build"
  touch "$stamp"
fi
export DEPGATE_WEED="$tools/bin/weed"
weed_version="$("$DEPGATE_WEED" version 2>/dev/null)"
echo "SeaweedFS ${weed_version%%$'\n'*} ($SEAWEEDFS_VERSION) at $DEPGATE_WEED"
