#!/usr/bin/env bash
# Publishes the depgate Gradle plugin (jar, sources and javadoc jars, and the plugin marker
# dev.depgate:dev.depgate.gradle.plugin, with the POM metadata the Plugin Portal requires).
#
#   gradle-plugin/scripts/publish.sh <version> [options]
#     (default)           the Gradle Plugin Portal, with the build in portal/ (Gradle 8.x:
#                         `gradle` on PATH must be 8.x; the release workflow sets up 8.11.1).
#                         Needs GRADLE_PUBLISH_KEY and GRADLE_PUBLISH_SECRET in the environment.
#     --assets DIR        the release's depgate-<target>.tar.gz.sha256 files: their digests
#                         are pinned in the plugin, so its binary resolver checks a download
#                         against the plugin, not only against the server it came from.
#                         Required for the Portal; optional with --local
#     --validate-only     Portal mode: check the publication with the Portal, publish nothing
#     --local DIR         a local Maven repository folder instead (tests), with the build in
#                         build.gradle and any Gradle from 4.4 on; use it from a consumer
#                         build as pluginManagement { repositories { maven { url 'file://DIR' } } }
#     --repository O/N    the GitHub repository for the POM and the binary resolver's
#                         default download URL (default: $GITHUB_REPOSITORY)
#
# <version> must be the one in gradle-plugin/VERSION: the release publishes what the
# sources say, never something else.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() {
    sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}
[ $# -ge 1 ] || usage
version="$1"
shift
local_dir=""
assets=""
validate=0
repository="${GITHUB_REPOSITORY:-}"
while [ $# -gt 0 ]; do
    case "$1" in
        --local) [ $# -ge 2 ] || usage; local_dir="$2"; shift 2 ;;
        --assets) [ $# -ge 2 ] || usage; assets="$2"; shift 2 ;;
        --validate-only) validate=1; shift ;;
        --repository) [ $# -ge 2 ] || usage; repository="$2"; shift 2 ;;
        *) echo "publish.sh: unknown option $1" >&2; usage ;;
    esac
done
source_version="$(tr -d ' \n' < "$here/VERSION")"
if [ "$version" != "$source_version" ]; then
    echo "publish.sh: asked to publish $version, but gradle-plugin/VERSION says $source_version; change VERSION in the release commit" >&2
    exit 2
fi
if [ -z "$repository" ]; then
    echo "publish.sh: the GitHub repository (owner/name) is needed for the POM and the binary resolver: pass --repository or set GITHUB_REPOSITORY" >&2
    exit 2
fi
props=("-Pdepgate.repository=$repository")
if [ -n "$assets" ]; then
    if [ ! -d "$assets" ]; then
        echo "publish.sh: the assets folder $assets does not exist" >&2
        exit 2
    fi
    props+=("-Pdepgate.releaseAssets=$(cd "$assets" && pwd)")
elif [ -z "$local_dir" ]; then
    echo "publish.sh: the Plugin Portal build needs --assets DIR (the release's .sha256 files, pinned in the plugin)" >&2
    exit 2
fi
if ! command -v gradle >/dev/null; then
    echo "publish.sh: gradle is not on PATH" >&2
    exit 2
fi

if [ -n "$local_dir" ]; then
    mkdir -p "$local_dir"
    local_dir="$(cd "$local_dir" && pwd)"
    # Install into a Maven-layout folder: maven-publish's install path, pointed at DIR,
    # works on every Gradle from 4.4 (Debian's 4.4.1 cannot deploy to file:// URLs).
    gradle --no-daemon --console=plain -p "$here" --project-cache-dir "$here/build/gradle-project-cache" \
        "-Dmaven.repo.local=$local_dir" "${props[@]}" publishToMavenLocal
    echo "publish.sh: dev.depgate $version in $local_dir"
    exit 0
fi

gradle_version="$(gradle --version 2>/dev/null | sed -n 's/^Gradle \([0-9][0-9.]*\).*/\1/p' | head -1)"
case "$gradle_version" in
    8.*) ;;
    *) echo "publish.sh: the Plugin Portal build needs Gradle 8.x on PATH, found '${gradle_version:-none}' (in the workflow: gradle/actions/setup-gradle with gradle-version 8.11.1)" >&2; exit 2 ;;
esac
if [ -z "${GRADLE_PUBLISH_KEY:-}" ] || [ -z "${GRADLE_PUBLISH_SECRET:-}" ]; then
    echo "publish.sh: GRADLE_PUBLISH_KEY and GRADLE_PUBLISH_SECRET must be set (the Plugin Portal API key)" >&2
    exit 2
fi
args=(--no-daemon --console=plain -p "$here/portal" --project-cache-dir "$here/portal/build/gradle-project-cache" "${props[@]}" publishPlugins)
[ "$validate" = 1 ] && args+=(--validate-only)
# The key reaches Gradle as project properties through the environment, never in argv.
env "ORG_GRADLE_PROJECT_gradle.publish.key=$GRADLE_PUBLISH_KEY" \
    "ORG_GRADLE_PROJECT_gradle.publish.secret=$GRADLE_PUBLISH_SECRET" \
    gradle "${args[@]}"
echo "publish.sh: dev.depgate $version published to the Gradle Plugin Portal"
