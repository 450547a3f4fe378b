#!/usr/bin/env bash
# Regenerates the Maven / Gradle fixtures of depgate (tests/lockfiles_maven.rs).
#
# Tests only read the committed files; this script documents how each one was made as
# much as it is a tool. Nothing here runs in CI. Jars never land in testdata.
#
# Tools used for the committed fixtures (Debian 12, OpenJDK 17.0.15):
#   Apache Maven 3.8.7 (Debian package), maven-dependency-plugin 3.8.1 and 2.8 (pinned
#     on the command line, downloaded from Maven Central by mvn)
#   Gradle 4.4.1 (Debian package: `apt-get install -y gradle`)
#   curl, python3 (3.11), sha256sum
#
# What is real and what is hand-written:
#   mvn/                  REAL: `mvn dependency:list` / `dependency:tree` output files and a
#                         coloured console log, for project/pom.xml.
#   central/              REAL: maven-metadata.xml files and POMs copied from Maven Central.
#   gradle/               REAL: depgate-resolved.json, expected-artifacts.txt and
#                         expected-tree.txt come from Gradle 4.4.1 resolving gradle/project
#                         (the same dependencies as project/pom.xml) against Maven Central.
#   gradle-offline/       REAL: the same from Gradle 4.4.1 --offline against Debian's
#                         /usr/share/maven-repo (TESTING.md): Debian's rebuilt jars, so other
#                         sha256 values, and Debian's `debian` versions.
#   gradle/gradle.lockfile, gradle/dependency-locks/*.lockfile,
#   gradle/verification-metadata.xml, gradle/verification-metadata-features.xml:
#                         HAND-WRITTEN by this script, because no Gradle >= 6 is reachable
#                         here: Debian's Gradle 4.4.1 has no `--write-locks` (added in 4.8)
#                         and no `--write-verification-metadata` (added in 6.2); both
#                         options are rejected with "Unknown command-line option", and
#                         `dependencyLocking {}` is "Could not find method" (checked with the
#                         real binary, see check_gradle_has_no_locking below). They follow
#                         Gradle's documented formats (the dependency-locking and
#                         dependency-verification chapters of the user guide, the
#                         https://schema.gradle.org/dependency-verification schema):
#                         - the module set and configurations of each lock entry are what
#                           Gradle 4.4.1 resolved for the four classpath configurations;
#                           `empty=annotationProcessor,testAnnotationProcessor` is what a
#                           Gradle >= 6 `java` build adds (those configurations do not
#                           exist in 4.4);
#                         - verification-metadata.xml lists every file Gradle 4.4.1
#                           downloaded for that resolution (jars, POMs, parent POMs and
#                           imported BOMs, from its files-2.1 cache) with its REAL sha256;
#                           the jars' digests are checked against the copies mvn put in
#                           ~/.m2. A real Gradle >= 6 would also list the Gradle module
#                           metadata (.module) files of libraries that publish them
#                           (guava, jackson, slf4j…), and might resolve guava's variants
#                           differently; this file does not claim to be byte-identical to
#                           what Gradle 8 writes;
#                         - verification-metadata-features.xml exercises also-trust, pgp,
#                           ignored-keys, trusted-artifacts/keys and sha1/sha512/md5 with
#                           real digests of real files.
#
# Layout:
#   project/pom.xml                 the Maven fixture project: guava, jackson-databind,
#                                   netty epoll with classifier linux-x86_64, jspecify
#                                   (optional), slf4j-simple (runtime), jakarta servlet
#                                   (provided), junit (test)
#   mvn/list-abs.txt                dependency:list 3.8.1 -DoutputAbsoluteArtifactFilename=true
#   mvn/list.txt                    dependency:list 3.8.1 (no paths)
#   mvn/list-runtime-abs.txt        … -DincludeScope=runtime
#   mvn/list-2.8-abs.txt            dependency:list 2.8 (sorted, no module names)
#   mvn/console-color.txt           stdout of `mvn -Dstyle.color=always dependency:list`
#   mvn/tree.txt                    dependency:tree 3.8.1 output file
#   mvn/expected.txt                tree.txt flattened: sorted group:artifact:type[:classifier]:version:scope
#   mvn/expected-runtime.txt        same for dependency:tree -Dscope=runtime
#   gradle/project/                 the Gradle fixture build + depgate-fixture.gradle (the
#                                   task writing the resolved list, listings and module set)
#   gradle-offline/project/         the offline build (commons-io, commons-lang3, slf4j-api
#                                   runtimeOnly, junit testImplementation)
#   central/                        see case_central
#
# Usage: testdata/maven/regen.sh [case...]   cases: mvn central gradle offline handwritten
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="${WORK:-/tmp/depgate-maven-regen}"
CENTRAL="${CENTRAL:-https://repo.maven.apache.org/maven2}"
M2="${M2:-$HOME/.m2/repository}"
DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin

CASES=("$@")
[ ${#CASES[@]} -eq 0 ] && CASES=(mvn central gradle offline handwritten)

# `mvn dependency:tree` output → sorted group:artifact:type[:classifier]:version:scope lines
# (the root project and the tree drawing removed, " (optional)" dropped).
flatten_tree() {
  tail -n +2 "$1" | sed -E 's/^[-+|\\ ]+//; s/ \(optional\)$//' | grep -v '^$' | sort -u
}

case_mvn() {
  local d="$WORK/mvn" out="$HERE/mvn"
  rm -rf "$d" && mkdir -p "$d" "$out"
  cp "$HERE/project/pom.xml" "$d/"
  (
    cd "$d"
    mvn -B -q "$DEP_PLUGIN:3.8.1:list" -DoutputAbsoluteArtifactFilename=true -DoutputFile="$out/list-abs.txt"
    mvn -B -q "$DEP_PLUGIN:3.8.1:list" -DoutputFile="$out/list.txt"
    mvn -B -q "$DEP_PLUGIN:3.8.1:list" -DincludeScope=runtime -DoutputAbsoluteArtifactFilename=true \
      -DoutputFile="$out/list-runtime-abs.txt"
    mvn -B -q "$DEP_PLUGIN:2.8:list" -DoutputAbsoluteArtifactFilename=true -DoutputFile="$out/list-2.8-abs.txt"
    # The console, as people paste it from CI logs: [INFO] prefixes and ANSI colours.
    mvn -Dstyle.color=always "$DEP_PLUGIN:3.8.1:list" > "$out/console-color.txt"
    mvn -B -q "$DEP_PLUGIN:3.8.1:tree" -DoutputFile="$out/tree.txt"
    mvn -B -q "$DEP_PLUGIN:3.8.1:tree" -Dscope=runtime -DoutputFile="$d/tree-runtime.txt"
  )
  flatten_tree "$out/tree.txt" > "$out/expected.txt"
  flatten_tree "$d/tree-runtime.txt" > "$out/expected-runtime.txt"
}

# Real repository metadata and POMs, byte for byte from Maven Central.
#   guava-maven-metadata.xml, slf4j-api-maven-metadata.xml   maven-metadata.xml
#   guava-33.2.1-jre.pom            packaging bundle; groupId and version from its parent; no licences
#   guava-parent-33.2.1-jre.pom     Apache-2.0, scm
#   jakarta.servlet-api-6.0.0.pom   two licences (EPL 2.0, GPL2 w/ CPE)
#   logback-classic-1.5.6.pom       two licences (EPL v1.0, LGPL 2.1) inherited from its parent
#   logback-parent-1.5.6.pom        … which declares them
#   hamcrest-core-1.3.pom           inherits from hamcrest-parent ("New BSD License")
#   hamcrest-parent-1.3.pom
#   junit-4.13.2.pom                EPL-1.0
#   checker-qual-3.42.0.pom         MIT ("The MIT License")
#   jackson-databind-2.17.2.pom     Apache-2.0 ("The Apache Software License, Version 2.0")
#   maven-dependency-plugin-3.8.1.pom   packaging maven-plugin; scm url with ${project.scm.tag}
case_central() {
  local out="$HERE/central" p
  mkdir -p "$out"
  curl -fsS "$CENTRAL/com/google/guava/guava/maven-metadata.xml" -o "$out/guava-maven-metadata.xml"
  curl -fsS "$CENTRAL/org/slf4j/slf4j-api/maven-metadata.xml" -o "$out/slf4j-api-maven-metadata.xml"
  for p in \
    com/google/guava/guava/33.2.1-jre/guava-33.2.1-jre.pom \
    com/google/guava/guava-parent/33.2.1-jre/guava-parent-33.2.1-jre.pom \
    jakarta/servlet/jakarta.servlet-api/6.0.0/jakarta.servlet-api-6.0.0.pom \
    ch/qos/logback/logback-classic/1.5.6/logback-classic-1.5.6.pom \
    ch/qos/logback/logback-parent/1.5.6/logback-parent-1.5.6.pom \
    org/hamcrest/hamcrest-core/1.3/hamcrest-core-1.3.pom \
    org/hamcrest/hamcrest-parent/1.3/hamcrest-parent-1.3.pom \
    junit/junit/4.13.2/junit-4.13.2.pom \
    org/checkerframework/checker-qual/3.42.0/checker-qual-3.42.0.pom \
    com/fasterxml/jackson/core/jackson-databind/2.17.2/jackson-databind-2.17.2.pom \
    org/apache/maven/plugins/maven-dependency-plugin/3.8.1/maven-dependency-plugin-3.8.1.pom; do
    curl -fsS "$CENTRAL/$p" -o "$out/${p##*/}"
  done
}

# Gradle's own view of a resolution: `gradle dependencies` trees of the four classpath
# configurations → sorted unique group:name:version (conflict winners after "->").
gradle_tree() { # dir gradle-args...
  local dir="$1" c
  shift
  for c in compileClasspath runtimeClasspath testCompileClasspath testRuntimeClasspath; do
    (cd "$dir" && gradle "$@" -q dependencies --configuration "$c" 2>/dev/null)
  done | grep -E '^[-+|\\ ]+' | sed -E 's/^[-+|\\ ]+//; s/ \([*n]\)$//' |
    awk '{ if ($2 == "->") { n = split($1, p, ":"); print p[1] ":" p[2] ":" $3 } else print $1 }' |
    grep -E '^[^:]+:[^:]+:[^:]+$' | sort -u
}

# Gradle 4.4.1 rejects the options that write lock state and verification metadata.
check_gradle_has_no_locking() {
  local d="$WORK/gradle-probe"
  rm -rf "$d" && mkdir -p "$d"
  echo "apply plugin: 'java'" > "$d/build.gradle"
  gradle --version | grep -q '^Gradle 4.4.1$'
  for opt in --write-locks "--write-verification-metadata sha256"; do
    # shellcheck disable=SC2086
    if (cd "$d" && gradle --no-daemon -q help $opt) > "$d/out.txt" 2>&1; then
      echo "this Gradle accepts $opt: regenerate the lockfiles with it instead" >&2
      exit 1
    fi
    grep -q "Unknown command-line option '${opt%% *}'" "$d/out.txt"
  done
}

# Runs the fixture task of a build copied under $WORK; $1 = testdata folder, rest = gradle args.
run_fixture_build() {
  local case="$1" d="$WORK/gradle-$1"
  shift
  rm -rf "$d" && mkdir -p "$d/$case" "$d/gradle"
  cp -r "$HERE/$case/project" "$d/$case/"
  [ "$case" = gradle ] || cp -r "$HERE/gradle/project" "$d/gradle/"
  # Debian's Gradle prints a stack trace ("Couldn't resolve system dependency:
  # org.debian.gradle.plugin.MavenResolverHook") for file: repositories and carries on.
  (cd "$d/$case/project" && GRADLE_USER_HOME="$d/home" gradle --no-daemon "$@" -q depgateFixture \
    -PdepgateOut="$d/out") > "$d/gradle.log" 2>&1
  GRADLE_USER_HOME="$d/home" gradle_tree "$d/$case/project" --no-daemon "$@" > "$d/out/expected-tree.txt"
  cp "$d/out/depgate-resolved.json" "$d/out/expected-artifacts.txt" "$d/out/expected-tree.txt" "$HERE/$case/"
}

case_gradle() {
  check_gradle_has_no_locking
  run_fixture_build gradle
}

case_offline() {
  run_fixture_build gradle-offline --offline
}

# The hand-written Gradle >= 6 inputs (see the header), from the Gradle 4.4.1 run of case_gradle.
case_handwritten() {
  local d="$WORK/gradle-gradle"
  [ -f "$d/out/modules.txt" ] || case_gradle
  python3 - "$d/out/modules.txt" "$d/home/caches/modules-2/files-2.1" "$M2" "$HERE/gradle" <<'PY'
import hashlib, os, sys
modules_txt, cache, m2, out = sys.argv[1:]
HEADER = ("# This is a Gradle generated file for dependency locking.\n"
          "# Manual edits can break the build and are not advised.\n"
          "# This file is expected to be part of source control.\n")
mods = {}
for line in open(modules_txt):
    line = line.strip()
    if line:
        gav, confs = line.split("=")
        mods[gav] = sorted(confs.split(","))

# gradle.lockfile (Gradle >= 6.0): sorted entries, sorted configurations, `empty=` last.
with open(os.path.join(out, "gradle.lockfile"), "w") as f:
    f.write(HEADER)
    for gav in sorted(mods):
        f.write(f"{gav}={','.join(mods[gav])}\n")
    f.write("empty=annotationProcessor,testAnnotationProcessor\n")

# gradle/dependency-locks/<configuration>.lockfile (Gradle 4.8 to 5.x): one file per
# configuration, sorted group:name:version lines.
locks = os.path.join(out, "dependency-locks")
os.makedirs(locks, exist_ok=True)
for conf in sorted({c for cs in mods.values() for c in cs}):
    with open(os.path.join(locks, conf + ".lockfile"), "w") as f:
        f.write(HEADER)
        for gav in sorted(g for g, cs in mods.items() if conf in cs):
            f.write(gav + "\n")

def digest(path, alg):
    h = hashlib.new(alg)
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()

# Every file Gradle downloaded: files-2.1/<group>/<name>/<version>/<sha1>/<file>.
files = {}
for root, _, names in os.walk(cache):
    for n in names:
        rel = os.path.relpath(os.path.join(root, n), cache).split(os.sep)
        group, name, version = rel[0], rel[1], rel[2]
        files.setdefault((group, name, version), {})[n] = os.path.join(root, n)
for (group, name, version), arts in files.items():
    for n, p in arts.items():
        copy = os.path.join(m2, *group.split("."), name, version, n)
        if n.endswith(".jar") and os.path.exists(copy) and digest(copy, "sha256") != digest(p, "sha256"):
            sys.exit(f"{n}: Gradle's copy and mvn's copy differ")

def component_xml(group, name, version, arts):
    s = f'      <component group="{group}" name="{name}" version="{version}">\n'
    for n in sorted(arts):
        s += f'         <artifact name="{n}">\n'
        s += f'            <sha256 value="{digest(arts[n], "sha256")}" origin="Generated by Gradle"/>\n'
        s += "         </artifact>\n"
    return s + "      </component>\n"

PROLOG = ('<?xml version="1.0" encoding="UTF-8"?>\n'
          '<verification-metadata xmlns="https://schema.gradle.org/dependency-verification" '
          'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
          'xsi:schemaLocation="https://schema.gradle.org/dependency-verification '
          'https://schema.gradle.org/dependency-verification/dependency-verification-1.3.xsd">\n')
with open(os.path.join(out, "verification-metadata.xml"), "w") as f:
    f.write(PROLOG)
    f.write("   <configuration>\n      <verify-metadata>true</verify-metadata>\n"
            "      <verify-signatures>false</verify-signatures>\n   </configuration>\n")
    f.write("   <components>\n")
    for key in sorted(files):
        f.write(component_xml(*key, files[key]))
    f.write("   </components>\n</verification-metadata>\n")

# The features file: real digests of real files, every element of the schema depgate reads.
g = files[("com.google.guava", "guava", "33.2.1-jre")]
n = files[("io.netty", "netty-transport-native-epoll", "4.1.112.Final")]
j = files[("junit", "junit", "4.13.2")]
h = files[("org.hamcrest", "hamcrest-core", "1.3")]
jar, pom = g["guava-33.2.1-jre.jar"], g["guava-33.2.1-jre.pom"]
epoll = n["netty-transport-native-epoll-4.1.112.Final-linux-x86_64.jar"]
junit = j["junit-4.13.2.jar"]
hamcrest_pom = h["hamcrest-core-1.3.pom"]
with open(os.path.join(out, "verification-metadata-features.xml"), "w") as f:
    f.write(PROLOG)
    f.write(f"""   <configuration>
      <verify-metadata>true</verify-metadata>
      <verify-signatures>true</verify-signatures>
      <keyring-format>armored</keyring-format>
      <key-servers enabled="false">
         <key-server uri="https://keyserver.ubuntu.com"/>
      </key-servers>
      <trusted-artifacts>
         <trust file=".*-javadoc[.]jar" regex="true"/>
         <trust group="org.jspecify" reason="fixture: a trusted group"/>
      </trusted-artifacts>
      <ignored-keys>
         <ignored-key id="1234567890abcdef" reason="fixture: key not on any key server"/>
      </ignored-keys>
      <trusted-keys>
         <trusted-key id="bdb5fa4fe719d787fb3d3197f6d4a1d411e9d1ae" group="com.google.guava" name="guava"/>
         <trusted-key id="0123456789abcdef0123456789abcdef01234567">
            <trusting group="io.netty"/>
            <trusting group="^org[.]hamcrest($|([.].*))" regex="true"/>
         </trusted-key>
      </trusted-keys>
   </configuration>
   <!-- depgate fixture: the key ids are made up; every digest is real. -->
   <components>
      <component group="com.google.guava" name="guava" version="33.2.1-jre">
         <artifact name="guava-33.2.1-jre.jar">
            <md5 value="{digest(jar, 'md5')}" origin="Generated by Gradle"/>
            <sha1 value="{digest(jar, 'sha1')}" origin="Generated by Gradle"/>
            <sha256 value="{digest(jar, 'sha256').upper()}" origin="Generated by Gradle" reason="upper case on purpose"/>
            <sha512 value="{digest(jar, 'sha512')}" origin="Generated by Gradle"/>
         </artifact>
         <artifact name="guava-33.2.1-jre.pom">
            <pgp value="bdb5fa4fe719d787fb3d3197f6d4a1d411e9d1ae"/>
            <sha256 value="{digest(pom, 'sha256')}" origin="Generated by Gradle">
               <also-trust value="{digest(hamcrest_pom, 'sha256')}"/>
            </sha256>
         </artifact>
      </component>
      <component group="io.netty" name="netty-transport-native-epoll" version="4.1.112.Final">
         <artifact name="netty-transport-native-epoll-4.1.112.Final-linux-x86_64.jar">
            <ignored-keys>
               <ignored-key id="fedcba0987654321" reason="fixture"/>
            </ignored-keys>
            <sha256 value="{digest(epoll, 'sha256')}" origin="Generated by Gradle"/>
         </artifact>
      </component>
      <component group="junit" name="junit" version="4.13.2">
         <artifact name="junit-4.13.2.jar">
            <pgp value="0123456789abcdef0123456789abcdef01234567"/>
         </artifact>
      </component>
   </components>
</verification-metadata>
""")
PY
}

main() {
  mkdir -p "$WORK"
  for c in "${CASES[@]}"; do
    echo "== $c"
    "case_$c"
  done
}

main
