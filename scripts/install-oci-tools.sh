#!/usr/bin/env bash
# Sourced by scripts/test.sh (or run on its own): the container-registry tools the image
# tests use. Debian's docker-registry (the CNCF distribution registry 2.8) and skopeo come
# from apt; crane (go-containerregistry) is built once with `go install` into the tools
# cache folder and exported as DEPGATE_CRANE. Needs `set -euo pipefail` when sourced.
[[ "${BASH_SOURCE[0]}" == "$0" ]] && set -euo pipefail # run on its own, not sourced
CRANE_VERSION="${CRANE_VERSION:-v0.22.1}"
tools="${DEPGATE_TOOLS_DIR:-$HOME/.cache/depgate-tools}"
missing=()
[ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
command -v skopeo >/dev/null || missing+=(skopeo)
if [ "${#missing[@]}" -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" != 0 ] && sudo_cmd="sudo"
  echo "installing ${missing[*]} (apt)"
  $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
stamp="$tools/bin/.crane-$CRANE_VERSION"
if [ ! -x "$tools/bin/crane" ] || [ ! -f "$stamp" ]; then
  if ! command -v go >/dev/null; then
    echo "error: go is needed to install crane $CRANE_VERSION (go install); install Go 1.24+ and run again" >&2
    exit 2
  fi
  echo "installing crane $CRANE_VERSION into $tools/bin (go install, ~1 minute once)"
  GOFLAGS=-mod=mod GOBIN="$tools/bin" go install "github.com/google/go-containerregistry/cmd/crane@$CRANE_VERSION"
  touch "$stamp"
fi
export DEPGATE_CRANE="$tools/bin/crane"
echo "docker-registry $(dpkg-query -W -f '${Version}' docker-registry 2>/dev/null), skopeo $(skopeo --version | awk '{print $3}'), crane $CRANE_VERSION at $DEPGATE_CRANE"
