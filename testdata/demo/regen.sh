#!/usr/bin/env bash
# Regenerates the demo project: two registry folders (a curated tier and a snapshot of the
# public tier) and a package-lock.json made by the real npm client.
#
# The lockfile is produced the way many teams produce theirs today: through a "virtual"
# repository that merges the versions of every member registry. That merge is exactly what
# lets a squatted public `@acme/logger@9.0.0` win over the private 1.2.0 (dependency
# confusion); depgate walks the chain with ownership instead and catches it.
#
# Needs: npm, python3, network to the npm registry. Run from anywhere.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'kill ${server_pid:-0} 2>/dev/null || true; rm -rf "$work"' EXIT

curated="$here/registry/curated"
public="$here/registry/public"
rm -rf "$here/registry" "$here/package-lock.json"
mkdir -p "$curated" "$public"

# Real packages, real tarballs, real metadata from the registry.
fetch() { # tier name version...
  local tier=$1 name=$2; shift 2
  python3 "$here/regen/snapshot.py" "$tier" "$name" "$@"
}
export DEMO_CURATED="$curated" DEMO_PUBLIC="$public" DEMO_WORK="$work"
fetch curated left-pad 1.3.0
fetch curated is-number 7.0.0
fetch public ms 2.1.2 2.1.3
fetch public debug 4.3.4
fetch public nanoid 3.3.11

# The team's own private package, and the squat of its name on the public registry.
python3 "$here/regen/own_package.py" curated @acme/logger 1.2.0 "ACME's internal logger."
python3 "$here/regen/own_package.py" public @acme/logger 9.0.0 "Demo stand-in for a squatted internal name. Harmless."

# Lock through a merging registry, with the real npm client.
python3 "$here/regen/merged_registry.py" "$curated" "$public" > "$work/port" &
server_pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")
cp "$here/package.json" "$work/"
(cd "$work" && npm install --package-lock-only --ignore-scripts --no-audit --no-fund \
   --omit-lockfile-registry-resolved=false \
   --registry "http://127.0.0.1:$port/" --cache "$work/npm-cache" >/dev/null)
cp "$work/package-lock.json" "$here/package-lock.json"
echo "regenerated $here"
