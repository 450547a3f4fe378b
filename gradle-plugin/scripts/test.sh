#!/usr/bin/env bash
# Builds the depgate Gradle plugin and runs its tests: unit tests, then functional tests
# that spawn Debian's real gradle (4.4.1) on the fixture builds in src/test/fixtures; the
# binary resolver against release assets on 127.0.0.1; and the publication that
# scripts/publish.sh --local writes, applied by a consumer build with plugins { }.
#
#   DEPGATE_BIN=path/to/depgate   default: <repository>/target/debug/depgate (cargo build)
#   DEPGATE_REQUIRE_TOOLS=1       fail instead of skipping when the Gradle 8.11.1 API jar
#                                 (schema, reader, 8.x API compile check) cannot be had
#   DEPGATE_GRADLE_API_JAR=FILE   a local copy of gradle-api-8.11.1.jar (checked by sha256)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$here"
start=$(date +%s)
bin="${DEPGATE_BIN:-$root/target/debug/depgate}"
if [ ! -x "$bin" ]; then
    echo "test.sh: no depgate binary at $bin; run 'cargo build' in $root or set DEPGATE_BIN" >&2
    exit 2
fi
if ! command -v gradle >/dev/null; then
    echo "test.sh: gradle is not on PATH (Debian: apt-get install gradle)" >&2
    exit 2
fi
version="$(tr -d ' \n' < VERSION)"
scripts/build.sh

lib="${GRADLE_LIB:-/usr/share/gradle/lib}"
cp="$lib/*:$lib/plugins/*"
for j in groovy-all slf4j-api atinject-jsr330-api junit4 hamcrest-core; do
    cp="$cp:/usr/share/java/$j.jar"
done
rm -rf build/classes/test
mkdir -p build/classes/test
javac -nowarn -cp "$cp:build/classes/main" -d build/classes/test $(find src/test/java -name '*.java')

# The Gradle 8.11.1 API jar (Gradle's own verification schema and reader, and the 8.x API
# to compile against), fetched once and pinned by sha256.
api_sha=6f4658c280ce4d63a7fe269d94332604449c95a6d2181949e4f6809ac010f871
api_url=https://repo.maven.apache.org/maven2/dev/gradleplugins/gradle-api/8.11.1/gradle-api-8.11.1.jar
tools="$root/target/gradle-plugin-tools"
api="$tools/gradle-api-8.11.1.jar"
api_why=""
mkdir -p "$tools"
if [ ! -f "$api" ] || [ "$(sha256sum "$api" | cut -d' ' -f1)" != "$api_sha" ]; then
    rm -f "$api"
    if [ -n "${DEPGATE_GRADLE_API_JAR:-}" ] && [ -f "$DEPGATE_GRADLE_API_JAR" ]; then
        cp "$DEPGATE_GRADLE_API_JAR" "$api.part"
    else
        curl -fsSL --max-time 600 -o "$api.part" "$api_url" || api_why="download of $api_url failed"
    fi
    if [ -f "$api.part" ]; then
        if [ "$(sha256sum "$api.part" | cut -d' ' -f1)" = "$api_sha" ]; then
            mv "$api.part" "$api"
        else
            rm -f "$api.part"
            api_why="gradle-api-8.11.1.jar does not have the pinned sha256 $api_sha"
        fi
    fi
fi
failed=0
results=()
if [ -f "$api" ]; then
    # The plugin's sources (without the build-service stubs) against Gradle 8.11.1's API.
    rm -rf build/classes/api8 && mkdir -p build/classes/api8
    # Gradle's API jar leaves Groovy out; Debian's groovy-all gives the Closure signatures.
    # The flags of portal/build.gradle, which builds these sources on Gradle 8 for the Portal.
    if javac --release 8 -Xlint:all,-options,-serial,-processing,-deprecation -Werror -cp "$api:/usr/share/java/groovy-all.jar" \
        -d build/classes/api8 $(find src/main/java -name '*.java'); then
        results+=("PASS compile against Gradle 8.11.1 API (no stubs)")
    else
        results+=("FAIL compile against Gradle 8.11.1 API (no stubs)"); failed=1
    fi
else
    api=""
    if [ "${DEPGATE_REQUIRE_TOOLS:-}" = "1" ]; then
        echo "test.sh: $api_why (DEPGATE_REQUIRE_TOOLS=1)" >&2
        exit 1
    fi
    results+=("SKIPPED: compile against Gradle 8.11.1 API: $api_why")
fi

# Each test copies its fixture into a folder under here: kept after a run to look at,
# emptied at the start of the next.
test_tmp="$here/build/test-tmp"
rm -rf "$test_tmp" && mkdir -p "$test_tmp"

# Release assets for PublicationTest, made before publishing so that publish.sh --assets
# pins their digests in the plugin, as the release does. This machine's archive holds a
# test double of depgate whose `verify` records its arguments and succeeds (a Sigstore
# bundle for it cannot be made here; ReleaseBinaryTest has the real verify refuse a bad
# one); --version and the rest run the real (stripped) binary. The other targets'
# archives are placeholders: only their digests are pinned, nothing downloads them.
release_assets="$here/build/release-assets"
rm -rf "$release_assets" && mkdir -p "$release_assets/stage"
case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) host_target=x86_64-unknown-linux-musl ;;
    Linux-aarch64) host_target=aarch64-unknown-linux-musl ;;
    Darwin-x86_64) host_target=x86_64-apple-darwin ;;
    Darwin-arm64) host_target=aarch64-apple-darwin ;;
    *) host_target="" ;;
esac
cp "$bin" "$release_assets/stage/depgate-real"
strip "$release_assets/stage/depgate-real" 2>/dev/null || true
for t in x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-apple-darwin aarch64-apple-darwin; do
    mkdir -p "$release_assets/stage/$t"
    if [ "$t" = "$host_target" ]; then
        printf '#!/bin/sh\nif [ "$1" = verify ]; then printf "%%s\\n" "$@" > "%s"; exit 0; fi\nexec "%s" "$@"\n' \
            "$release_assets/verify-args.txt" "$release_assets/stage/depgate-real" > "$release_assets/stage/$t/depgate"
    else
        printf '#!/bin/sh\necho "placeholder for %s" >&2; exit 99\n' "$t" > "$release_assets/stage/$t/depgate"
    fi
    chmod +x "$release_assets/stage/$t/depgate"
    tar -czf "$release_assets/depgate-$t.tar.gz" -C "$release_assets/stage/$t" depgate
    (cd "$release_assets" && sha256sum "depgate-$t.tar.gz" > "depgate-$t.tar.gz.sha256")
    echo '{}' > "$release_assets/depgate-$t.tar.gz.sigstore.json"
done

# The plugin's own Gradle build, published into a local Maven folder (PublicationTest).
publish_repo="$here/build/publish-repo"
rm -rf "$publish_repo"
t0=$(date +%s)
if scripts/publish.sh "$version" --local "$publish_repo" --repository depgate-test/depgate --assets "$release_assets" \
    > build/publish.log 2>&1; then
    results+=("PASS publish.sh --local ($(( $(date +%s) - t0 )) s)")
else
    results+=("FAIL publish.sh --local: see build/publish.log"); failed=1
    tail -30 build/publish.log
fi

run() {
    local t0=$(date +%s)
    echo "== $1"
    if java -Djava.io.tmpdir="$test_tmp" -Ddepgate.bin="$bin" -Ddepgate.pluginDir="$here" -Ddepgate.pluginVersion="$version" \
        -Ddepgate.gradleApiJar="$api" -Ddepgate.gradleApiWhy="$api_why" -Ddepgate.publishRepo="$publish_repo" -Ddepgate.releaseAssets="$release_assets" \
        -cp "build/classes/test:build/classes/main:$cp" org.junit.runner.JUnitCore "dev.depgate.gradle.$1" > "build/test-$1.log" 2>&1; then
        results+=("PASS $1 ($(grep -o 'OK ([0-9]* tests*)' "build/test-$1.log"), $(( $(date +%s) - t0 )) s)")
    else
        results+=("FAIL $1 ($(( $(date +%s) - t0 )) s): see build/test-$1.log"); failed=1
    fi
    grep -v '^\s*at \|^$' "build/test-$1.log" | sed 's/^/   /' | head -60
}
run UnitTest
run CheckModeTest
run ProxyModeTest
run VerificationMetadataTest
run ReleaseBinaryTest
run PublicationTest

echo
echo "gradle-plugin test summary ($(( $(date +%s) - start )) s):"
printf '  %s\n' "${results[@]}"
exit $failed
