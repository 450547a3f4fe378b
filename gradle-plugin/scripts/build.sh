#!/usr/bin/env bash
# Builds the depgate Gradle plugin with plain javac and jar (no Gradle, no Maven Central):
#   build/libs/depgate-gradle-plugin-VERSION.jar   the plugin
#   build/libs/depgate.gradle                      the init script (beside the jar)
#   build/repo/                                    a Maven-layout folder with the jar and the
#                                                  plugin marker, for plugins { id 'dev.depgate' }
# Needs a JDK (javac, jar) and Gradle's jars (Debian: /usr/share/gradle, or GRADLE_LIB=dir).
# The plugin's own Gradle build (build.gradle, for publishing) is run by scripts/publish.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
version="$(tr -d ' \n' < VERSION)"
lib="${GRADLE_LIB:-/usr/share/gradle/lib}"
if [ ! -d "$lib" ]; then
    echo "build.sh: Gradle's jars are not in $lib; install Debian's gradle package or set GRADLE_LIB" >&2
    exit 2
fi
cp="$lib/*:$lib/plugins/*"
for j in groovy-all slf4j-api atinject-jsr330-api; do
    if [ -f "/usr/share/java/$j.jar" ]; then cp="$cp:/usr/share/java/$j.jar"; fi
done
rm -rf build/classes build/libs build/repo
mkdir -p build/classes/stubs build/classes/main build/libs
# Gradle 6.1+ build-service types, for compiling only: never packaged.
javac --release 8 -nowarn -cp "$cp" -d build/classes/stubs $(find src/stubs/java -name '*.java')
javac --release 8 -Xlint:all,-options,-serial -Werror -cp "$cp:build/classes/stubs" -d build/classes/main \
    $(find src/main/java -name '*.java')
cp -r src/main/resources/. build/classes/main/
# What the binary resolver downloads by default: this version's release of the repository
# named by DEPGATE_REPOSITORY or GITHUB_REPOSITORY (owner/name; none: no default download).
repository="${DEPGATE_REPOSITORY:-${GITHUB_REPOSITORY:-}}"
props=build/classes/main/dev/depgate/gradle/release.properties
echo "version=$version" > "$props"
if [ -n "$repository" ]; then echo "repository=$repository" >> "$props"; fi
printf 'Implementation-Title: depgate-gradle-plugin\nImplementation-Version: %s\n' "$version" > build/manifest.txt
jarfile="build/libs/depgate-gradle-plugin-$version.jar"
jar --create --file "$jarfile" --manifest build/manifest.txt -C build/classes/main .
sed "s/@VERSION@/$version/g" init/depgate.gradle > build/libs/depgate.gradle

# Local Maven layout: the jar and the marker that maps the plugin id to it.
repo="build/repo/dev/depgate"
mkdir -p "$repo/depgate-gradle-plugin/$version" "$repo/dev.depgate.gradle.plugin/$version"
cp "$jarfile" "$repo/depgate-gradle-plugin/$version/"
cat > "$repo/depgate-gradle-plugin/$version/depgate-gradle-plugin-$version.pom" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.depgate</groupId>
  <artifactId>depgate-gradle-plugin</artifactId>
  <version>$version</version>
</project>
POM
cat > "$repo/dev.depgate.gradle.plugin/$version/dev.depgate.gradle.plugin-$version.pom" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.depgate</groupId>
  <artifactId>dev.depgate.gradle.plugin</artifactId>
  <version>$version</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>dev.depgate</groupId>
      <artifactId>depgate-gradle-plugin</artifactId>
      <version>$version</version>
    </dependency>
  </dependencies>
</project>
POM
echo "built $jarfile, build/libs/depgate.gradle and build/repo (plugin marker dev.depgate:$version)"
