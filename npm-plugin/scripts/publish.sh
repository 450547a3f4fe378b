#!/usr/bin/env bash
# Publishes a depgate release to npm: the four platform packages @depgate/cli-<os>-<cpu>
# (made from the release archives, each checked against its .sha256), then depgate-npm,
# whose optionalDependencies pin exactly those versions. Platform packages go first so
# that depgate-npm never points at a version that is not there yet.
#
#   npm-plugin/scripts/publish.sh <version> <assets-dir> [options]
#     <assets-dir>        holds depgate-<target>.tar.gz and .sha256 for every target
#     --registry URL      publish there instead of npm's configured registry (tests)
#     --dry-run           stage and `npm publish --dry-run` only
#     --no-provenance     leave out --provenance (a registry or machine without GitHub
#                         Actions OIDC; the release workflow never passes it)
#     --repository O/N    the GitHub repository for package.json `repository`
#                         (default: $GITHUB_REPOSITORY); npm checks provenance against it
#     --work DIR          stage the packages in DIR (must be empty; default: a temp folder)
#
# In the release workflow: `id-token: write` for provenance, and NODE_AUTH_TOKEN with an
# .npmrc from actions/setup-node (registry-url: https://registry.npmjs.org). A version
# that is already on the registry with the same tarball is skipped (a re-run after a
# partial publish); with a different tarball the run fails.
set -euo pipefail
plugin="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() {
    sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}
[ $# -ge 2 ] || usage
version="$1"
assets="$2"
shift 2
registry=""
dry_run=0
provenance=1
repository="${GITHUB_REPOSITORY:-}"
work=""
while [ $# -gt 0 ]; do
    case "$1" in
        --registry) [ $# -ge 2 ] || usage; registry="$2"; shift 2 ;;
        --dry-run) dry_run=1; shift ;;
        --no-provenance) provenance=0; shift ;;
        --repository) [ $# -ge 2 ] || usage; repository="$2"; shift 2 ;;
        --work) [ $# -ge 2 ] || usage; work="$2"; shift 2 ;;
        *) echo "publish.sh: unknown option $1" >&2; usage ;;
    esac
done
if [ ! -d "$assets" ]; then
    echo "publish.sh: the assets folder $assets does not exist" >&2
    exit 2
fi
if [ "$provenance" = 1 ] && [ -z "$repository" ]; then
    echo "publish.sh: --provenance needs the repository (owner/name) for package.json; pass --repository or set GITHUB_REPOSITORY" >&2
    exit 2
fi

if [ -z "$work" ]; then
    work="$(mktemp -d "${TMPDIR:-/tmp}/depgate-npm-publish.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
fi
stage_args=(--version "$version" --assets "$assets" --out "$work")
[ -n "$repository" ] && stage_args+=(--repository "$repository")
staged="$(node "$plugin/scripts/platform-packages.js" "${stage_args[@]}")"
dirs="$(node -e 'const s = JSON.parse(process.argv[1]); for (const p of [...s.platforms, s.wrapper]) console.log(p.dir)' "$staged")"

common=(--access public)
[ -n "$registry" ] && common+=(--registry "$registry")
# npm refuses a prerelease without a dist-tag, and `latest` must never point at one.
case "$version" in *-*) common+=(--tag next) ;; esac

# The integrity a staged folder packs to (npm pack is reproducible: fixed times and modes).
local_integrity() {
    (cd "$1" && npm pack --dry-run --json 2>/dev/null) | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s)[0].integrity))'
}

while IFS= read -r dir; do
    name="$(node -p 'require(process.argv[1]).name' "$dir/package.json")"
    if [ "$dry_run" = 1 ]; then
        echo "publish.sh: $name@$version (dry run)"
        (cd "$dir" && npm publish --dry-run "${common[@]}")
        continue
    fi
    view=(npm view "$name@$version" dist.integrity)
    [ -n "$registry" ] && view+=(--registry "$registry")
    published="$("${view[@]}" 2>/dev/null || true)"
    if [ -n "$published" ]; then
        if [ "$published" = "$(local_integrity "$dir")" ]; then
            echo "publish.sh: $name@$version is already published with this content; skipped"
            continue
        fi
        echo "publish.sh: $name@$version is already published with different content ($published); a version cannot be replaced: release a new one" >&2
        exit 1
    fi
    flags=("${common[@]}")
    [ "$provenance" = 1 ] && flags+=(--provenance)
    echo "publish.sh: publishing $name@$version"
    (cd "$dir" && npm publish "${flags[@]}")
done <<< "$dirs"
echo "publish.sh: done: $(echo "$dirs" | wc -l) packages at $version"
