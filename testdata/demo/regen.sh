#!/usr/bin/env bash
# Regenerates the demo project: per ecosystem, two registry folders (a curated tier and a
# snapshot of the public tier) and the lockfile a team would commit.
#
#   regen.sh                 every part
#   regen.sh python maven    only those parts (npm, python, maven)
#
# The lockfiles are pinned the way many teams pin theirs today: through a "virtual"
# repository that merges the versions of every member registry. That merge is exactly what
# lets a squatted public name win over the private one (`@acme/logger@9.0.0` over 1.2.0,
# `acme-billing==9.0.0` over 1.4.0, `com.acme:acme-payments:9.0.0` over 1.4.0: dependency
# confusion); depgate walks the chain with ownership instead and catches it.
#
# Needs: python3 (standard library only) and network to the registries; npm for the npm
# part. Run from anywhere.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(npm python maven)
want() { local p; for p in "${parts[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }

# The demo decides as of this time (src/commands/demo.rs); snapshots are taken as of it.
export DEMO_NOW="2025-03-22T00:00:00Z"

if want npm; then
  work="$(mktemp -d)"
  trap 'kill ${server_pid:-0} 2>/dev/null || true; rm -rf "$work"' EXIT
  curated="$here/registry/curated"
  public="$here/registry/public"
  rm -rf "$curated" "$public" "$here/package-lock.json"
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
fi

if want python; then
  # PEP 691 JSON pages; the folders hold no wheels or sdists (their URLs stay the real
  # files.pythonhosted.org ones). See regen/pypi_snapshot.py for what is kept and why.
  export DEMO_PYPI_CURATED="$here/registry/pypi-curated" DEMO_PYPI_PUBLIC="$here/registry/pypi-public"
  rm -rf "$DEMO_PYPI_CURATED" "$DEMO_PYPI_PUBLIC" "$here/python/requirements.txt"
  py() { python3 "$here/regen/pypi_snapshot.py" "$@"; }
  py real python-dateutil 2.9.0.post0
  py real six 1.17.0
  py real idna 3.10
  py real certifi 2025.1.31
  py real platformdirs 4.3.7          # uploaded 2025-03-19: inside the 7-day cooldown
  py own pypi-curated acme-billing 1.4.0 2025-01-10T09:00:00Z "ACME's internal billing client."
  py own pypi-public acme-billing 9.0.0 2025-02-01T12:00:00Z "Demo stand-in for a squatted internal name. Harmless."
  mkdir -p "$here/python"
  py lock "$here/python/requirements.txt" acme-billing certifi idna platformdirs python-dateutil six:python-dateutil
fi

if want maven; then
  # Maven layout: POMs, checksum files and maven-metadata.xml; never a jar.
  export DEMO_MAVEN_CURATED="$here/registry/maven-curated" DEMO_MAVEN_CENTRAL="$here/registry/maven-central"
  rm -rf "$DEMO_MAVEN_CURATED" "$DEMO_MAVEN_CENTRAL" "$here/jvm/depgate-resolved.json"
  mvn() { python3 "$here/regen/maven_snapshot.py" "$@"; }
  mvn real org.slf4j:slf4j-api 2.0.13
  mvn real commons-codec:commons-codec 1.17.0
  mvn real com.google.code.findbugs:jsr305 3.0.2
  mvn own maven-curated com.acme:acme-ledger 2.3.1 2025-02-14T10:00:00Z "ACME's internal ledger client."
  mvn own maven-curated com.acme:acme-payments 1.4.0 2025-01-10T09:00:00Z "ACME's internal payments client."
  mvn own maven-central com.acme:acme-payments 9.0.0 2025-02-01T12:00:00Z "Demo stand-in for a squatted internal name. Harmless."
  mkdir -p "$here/jvm"
  mvn resolved "$here/jvm/depgate-resolved.json" com.acme:acme-ledger com.acme:acme-payments \
    com.google.code.findbugs:jsr305 commons-codec:commons-codec org.slf4j:slf4j-api
fi
echo "regenerated ${parts[*]} in $here"
