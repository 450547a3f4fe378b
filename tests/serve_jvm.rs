//! `depgate serve` with real JVM clients against local upstreams: Debian's Gradle (4.4.1)
//! and mvn, through a chain of a curated folder (testdata/serve/jvm-confusion/curated, a
//! Maven layout with `maven-metadata.xml`) first and a fake Maven repository on 127.0.0.1
//! as the public fallback (`tests/support/fake_repo.rs`).
//!
//! Dependency confusion: the curated folder owns `com.acme:internal-lib` at 1.0; the
//! fallback publishes the same name at 1.0 and 9.9 with other bytes. A dynamic request
//! (Gradle `+`, a mvn version range) resolves to the curated 1.0, the fallback's 9.9 is
//! never served (asked for by version, the build fails: not found at the owner), and the
//! fallback is never even asked for the name. The cooldown: `org.example:fresh` is
//! public-only with 1.0 old and 1.1 published yesterday, so 1.1 is held back. And the
//! Maven protocol as the clients use it: HEAD, computed `.sha1`/`.sha256`, a
//! `.sigstore.json` passed through unchanged, 403 naming the rule.
//!
//! mvn runs no plugin: `mvn validate` of a `pom` project binds no mojo, but mvn resolves
//! the project's build extension (a curated artifact) and that extension's dependencies
//! (the range) first, so no Maven Central is needed. Neither client may reach anything
//! but the proxy: Gradle gets the proxy's init script and a private `GRADLE_USER_HOME`,
//! mvn the proxy's settings (a mirror of everything), empty global settings and a private
//! local repository.
//!
//! gradle and mvn must be on PATH; without them the tests print a SKIPPED line (under
//! `DEPGATE_REQUIRE_TOOLS=1`, as in CI, they fail instead).

mod support;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest as _, Sha256};
use support::fake_repo::FakeRepo;
use support::served::{Served, assert_chain_verifies, records};
use support::test_pki::{Pki, Spec};

const NOW: &str = "2026-01-01T00:00:00Z";
/// Last-Modified of everything old on the fallback: seven months before NOW.
const OLD: &str = "Sun, 01 Jun 2025 00:00:00 GMT";
/// The day before NOW: inside the 7-day cooldown.
const YESTERDAY: &str = "Wed, 31 Dec 2025 00:00:00 GMT";

const INTERNAL: &str = "com/acme/internal-lib";
const CURATED_JAR: &str = "com/acme/internal-lib/1.0/internal-lib-1.0.jar";

fn require_tools() -> bool {
    std::env::var("DEPGATE_REQUIRE_TOOLS").is_ok_and(|v| v == "1")
}

/// `cmd --version` succeeds (Gradle's with a throwaway user home); else SKIPPED, or a
/// failure under `DEPGATE_REQUIRE_TOOLS=1`.
fn have(cmd: &str) -> bool {
    let home = tempfile::tempdir().unwrap();
    let ok = Command::new(cmd)
        .arg("--version")
        .env("GRADLE_USER_HOME", home.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(!require_tools(), "{cmd} is required under DEPGATE_REQUIRE_TOOLS=1");
        support::skipped(&format!("serve_jvm: {cmd} is not installed"));
    }
    ok
}

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/serve/jvm-confusion")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// The chain: a copy of the curated folder first, the fake repository as fallback, a
/// 7-day cooldown for the fallback.
struct Chain {
    work: tempfile::TempDir,
    public: FakeRepo,
    curated: PathBuf,
    config: PathBuf,
    /// A Sigstore trusted root for the bundle beside `org.example:signed:2.0`.
    trusted_root: PathBuf,
    /// That bundle, as published.
    bundle: Vec<u8>,
}

impl Chain {
    fn new() -> Self {
        let work = tempfile::tempdir().unwrap();
        let curated = work.path().join("curated");
        copy_dir(&testdata().join("curated"), &curated);
        let public = FakeRepo::start();
        // Dependency confusion: the owned name, higher on the fallback, other bytes.
        public.publish_maven("com.acme:internal-lib", "1.0", OLD);
        public.publish_maven("com.acme:internal-lib", "9.9", OLD);
        // Public only: the newest version is a day old.
        public.publish_maven("org.example:fresh", "1.0", OLD);
        public.publish_maven("org.example:fresh", "1.1", YESTERDAY);
        // Public only, signed: a Sigstore bundle beside the jar.
        let signed = b"org.example:signed:2.0, the bytes that were signed\n".to_vec();
        public.publish_maven_bytes("org.example:signed", "2.0", None, "jar", signed.clone(), OLD, &["sha1", "sha256"]);
        let signing = Pki::new().sign(&Spec::new(&signed));
        let bundle = signing.bundle_json.into_bytes();
        public.publish_maven_signature("org.example:signed", "2.0", "sigstore.json", bundle.clone());
        let trusted_root = work.path().join("trusted_root.json");
        std::fs::write(&trusted_root, signing.trusted_root_json).unwrap();

        let config = work.path().join("depgate.toml");
        std::fs::write(
            &config,
            format!(
                "[maven]\nchain = [\"curated\", \"public\"]\n\n[upstream.curated]\nkind = \"dir\"\npath = \"{}\"\ntier = \"curated\"\n\n[upstream.public]\nkind = \"maven\"\nurl = \"{}\"\ntier = \"public\"\ntimeout_secs = 5\nretries = 1\n\n[policy]\nquarantine_days = 7\n",
                curated.display(),
                public.maven_url()
            ),
        )
        .unwrap();
        Self { work, public, curated, config, trusted_root, bundle }
    }

    fn path(&self) -> &Path {
        self.work.path()
    }

    fn serve(&self) -> Served {
        let root = self.trusted_root.to_str().unwrap();
        Served::start(self.path(), &self.config, &["--current-time", NOW, "--trusted-root", root])
    }

    fn curated_bytes(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.curated.join(rel)).unwrap()
    }

    /// `path` holds the curated `internal-lib-1.0.jar`, byte for byte.
    #[track_caller]
    fn assert_curated_jar(&self, path: &Path) {
        let got = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            got == self.curated_bytes(CURATED_JAR),
            "{} is not the curated jar: {}",
            path.display(),
            String::from_utf8_lossy(&got)
        );
    }

    /// Requests the fallback was sent whose path contains `needle`.
    fn public_asked_for(&self, needle: &str) -> Vec<String> {
        self.public.requests_containing(needle).into_iter().map(|l| l.path).collect()
    }
}

/// One HTTP/1.1 request on its own connection: status, headers (names lowercased) and
/// every byte after the headers (so a HEAD answer's body, if any, is seen).
fn http(method: &str, url: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (host, path) = rest.split_once('/').unwrap();
    let mut conn = TcpStream::connect(host).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(conn, "{method} /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).unwrap();
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete response head");
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|c| c.parse().ok()).unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, raw[end + 4..].to_vec())
}

fn get(url: &str) -> (u16, Vec<u8>) {
    let (status, _, body) = http("GET", url);
    (status, body)
}

fn get_text(url: &str) -> (u16, String) {
    let (status, body) = get(url);
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// `<versions>` of a maven-metadata.xml, and its `<latest>` and `<release>`.
fn metadata_versions(xml: &str) -> (Vec<String>, Option<String>, Option<String>) {
    let between = |text: &str, tag: &str| -> Vec<String> {
        text.split(&format!("<{tag}>"))
            .skip(1)
            .filter_map(|s| s.split_once(&format!("</{tag}>")).map(|(v, _)| v.trim().to_string()))
            .collect()
    };
    let versions = between(xml, "version");
    (versions, between(xml, "latest").pop(), between(xml, "release").pop())
}

fn tail(out: &Output) -> String {
    let text = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// `gradle TASK` in a copy of the Gradle project, through the proxy's init script, with a
/// private user home (kept across runs of one test, like a developer's).
fn gradle(chain: &Chain, served: &Served, task: &str) -> (Output, Duration) {
    let project = chain.path().join("gradle");
    if !project.exists() {
        copy_dir(&testdata().join("gradle"), &project);
    }
    let home = chain.path().join("gradle-home");
    let start = Instant::now();
    let out = Command::new("gradle")
        .args(["--no-daemon", "--console=plain", "--stacktrace", "--init-script", &served.url("gradle_init"), "-g"])
        .arg(&home)
        .arg(task)
        .env("GRADLE_USER_HOME", &home)
        .env_remove("GRADLE_OPTS")
        .env_remove("JAVA_TOOL_OPTIONS")
        .current_dir(&project)
        .output()
        .expect("gradle starts");
    (out, start.elapsed())
}

/// `mvn validate` of the Maven project with build extension `carrier`, through the
/// proxy's settings, empty global settings and a private local repository.
fn mvn(chain: &Chain, served: &Served, carrier: &str) -> (Output, Duration) {
    let project = chain.path().join("maven");
    if !project.exists() {
        copy_dir(&testdata().join("maven"), &project);
        std::fs::write(chain.path().join("global-settings.xml"), "<settings/>\n").unwrap();
    }
    let start = Instant::now();
    let out = Command::new("mvn")
        .args(["-B", "-s", &served.url("maven_settings"), "-gs"])
        .arg(chain.path().join("global-settings.xml"))
        .arg(format!("-Dmaven.repo.local={}", chain.path().join("m2").display()))
        .arg(format!("-Dcarrier={carrier}"))
        .arg("validate")
        .env_remove("MAVEN_OPTS")
        .env_remove("MAVEN_ARGS")
        .env_remove("JAVA_TOOL_OPTIONS")
        .current_dir(&project)
        .output()
        .expect("mvn starts");
    (out, start.elapsed())
}

/// Every URL a client printed (Gradle's `Download URL`, mvn's `Downloading from depgate:
/// URL`) is the proxy's, and `want` was among them.
fn assert_only_the_proxy(out: &Output, proxy: &str, want: &str) {
    let text = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let urls: Vec<&str> =
        text.split_whitespace().filter(|w| w.starts_with("http://") || w.starts_with("https://")).collect();
    let elsewhere: Vec<&&str> = urls.iter().filter(|u| !u.starts_with(proxy)).collect();
    assert!(elsewhere.is_empty(), "the client went past the proxy: {elsewhere:?}");
    assert!(urls.iter().any(|u| u.ends_with(want)), "{want} was not downloaded through the proxy: {urls:?}");
}

/// The files of a folder, by name.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

/// Every audit record of `com.acme:internal-lib` names the curated upstream, and the
/// curated jar was served (allowed) from it.
fn assert_audited_from_the_owner(audit: &[Value]) {
    let internal: Vec<&Value> =
        audit.iter().filter(|r| r["purl"].as_str().unwrap().starts_with("pkg:maven/com.acme/internal-lib@")).collect();
    assert!(!internal.is_empty(), "no audit record for com.acme:internal-lib");
    for r in &internal {
        assert_eq!(r["upstream"], "curated", "{r}");
        assert_eq!(r["tier"], "curated", "{r}");
    }
    let jar = internal
        .iter()
        .find(|r| r["purl"] == "pkg:maven/com.acme/internal-lib@1.0")
        .unwrap_or_else(|| panic!("no record of the curated jar in {internal:?}"));
    assert_eq!(jar["decision"], "allow", "{jar}");
    assert!(
        !audit.iter().any(|r| r["purl"].as_str().unwrap().contains("internal-lib@9.9") && r["decision"] == "allow")
    );
}

#[test]
fn gradle_resolves_a_curated_name_from_its_owner_never_from_the_fallback() {
    if !have("gradle") {
        return;
    }
    let chain = Chain::new();
    let served = chain.serve();

    // `+`: the owner's newest, 1.0, with the owner's bytes.
    let (out, took_dynamic) = gradle(&chain, &served, "copyConfused");
    assert!(out.status.success(), "gradle copyConfused failed:\n{}", tail(&out));
    assert_only_the_proxy(&out, &served.url("maven"), "com/acme/internal-lib/1.0/internal-lib-1.0.jar");
    let got = chain.path().join("gradle/build/confused");
    assert_eq!(files_in(&got), ["internal-lib-1.0.jar"]);
    chain.assert_curated_jar(&got.join("internal-lib-1.0.jar"));

    // The fallback's 9.9, asked for by version: the build fails, not found at the owner.
    let (out, took_pinned) = gradle(&chain, &served, "copyPinned");
    assert!(!out.status.success(), "gradle resolved com.acme:internal-lib:9.9:\n{}", tail(&out));
    let text = tail(&out);
    assert!(text.contains("com.acme:internal-lib:9.9"), "{text}");
    assert!(!chain.path().join("gradle/build/pinned/internal-lib-9.9.jar").exists());

    assert_eq!(chain.public_asked_for(INTERNAL), Vec::<String>::new(), "the fallback is never asked for an owned name");
    let out_dir = served.out.clone();
    let (code, stderr) = served.stop();
    assert_eq!(code, 0, "{stderr}");
    assert_audited_from_the_owner(&records(&out_dir.join("audit.jsonl")));
    assert_chain_verifies(&out_dir.join("audit.jsonl"));
    support::report(&format!(
        "serve_jvm: gradle `+` resolved the curated 1.0 in {:.1} s; the pinned 9.9 failed in {:.1} s",
        took_dynamic.as_secs_f64(),
        took_pinned.as_secs_f64()
    ));
}

#[test]
fn mvn_resolves_a_version_range_from_the_owner_never_from_the_fallback() {
    if !have("mvn") {
        return;
    }
    let chain = Chain::new();
    let served = chain.serve();

    // `[1.0,)`: the owner's newest, 1.0, with the owner's bytes.
    let (out, took_range) = mvn(&chain, &served, "build-carrier");
    assert!(out.status.success(), "mvn validate (range) failed:\n{}", tail(&out));
    assert_only_the_proxy(&out, &served.url("maven"), "com/acme/internal-lib/1.0/internal-lib-1.0.jar");
    let local = chain.path().join("m2").join(INTERNAL);
    chain.assert_curated_jar(&local.join("1.0/internal-lib-1.0.jar"));
    assert!(!local.join("9.9").exists(), "mvn fetched something of 9.9");

    // The fallback's 9.9, asked for by version: the build fails.
    let (out, took_pinned) = mvn(&chain, &served, "build-carrier-pinned");
    assert!(!out.status.success(), "mvn resolved com.acme:internal-lib:9.9:\n{}", tail(&out));
    let text = tail(&out);
    assert!(text.contains("com.acme:internal-lib:jar:9.9"), "{text}");
    assert!(!local.join("9.9/internal-lib-9.9.jar").exists());

    assert_eq!(chain.public_asked_for(INTERNAL), Vec::<String>::new(), "the fallback is never asked for an owned name");
    assert_eq!(chain.public_asked_for("com/acme/"), Vec::<String>::new(), "nor for any other curated name");
    let out_dir = served.out.clone();
    let (code, stderr) = served.stop();
    assert_eq!(code, 0, "{stderr}");
    assert_audited_from_the_owner(&records(&out_dir.join("audit.jsonl")));
    assert_chain_verifies(&out_dir.join("audit.jsonl"));
    support::report(&format!(
        "serve_jvm: mvn range resolved the curated 1.0 in {:.1} s; the pinned 9.9 failed in {:.1} s",
        took_range.as_secs_f64(),
        took_pinned.as_secs_f64()
    ));
}

#[test]
fn maven_protocol_head_checksums_and_refusals() {
    let chain = Chain::new();
    let served = chain.serve();
    let repo = served.url("maven");
    let curated = chain.curated_bytes(CURATED_JAR);

    // The owner's metadata: the curated version only.
    let (code, xml) = get_text(&format!("{repo}{INTERNAL}/maven-metadata.xml"));
    assert_eq!(code, 200, "{xml}");
    assert_eq!(metadata_versions(&xml), (vec!["1.0".into()], Some("1.0".into()), Some("1.0".into())), "{xml}");

    // HEAD: 200, the length of the jar, and no body on the wire.
    let (code, headers, body) = http("HEAD", &format!("{repo}{CURATED_JAR}"));
    assert_eq!(code, 200);
    let length = headers.iter().find(|(k, _)| k == "content-length").map(|(_, v)| v.clone());
    assert_eq!(length, Some(curated.len().to_string()), "{headers:?}");
    assert!(body.is_empty(), "HEAD sent {} body bytes", body.len());

    // GET: the owner's bytes; checksums of exactly those bytes.
    let (code, body) = get(&format!("{repo}{CURATED_JAR}"));
    assert_eq!(code, 200);
    assert!(body == curated, "the curated jar's bytes: got {} bytes, want {}", body.len(), curated.len());
    let (code, sha1) = get_text(&format!("{repo}{CURATED_JAR}.sha1"));
    assert_eq!((code, sha1), (200, hex::encode(Sha1::digest(&curated))));
    let (code, sha256) = get_text(&format!("{repo}{CURATED_JAR}.sha256"));
    assert_eq!((code, sha256), (200, hex::encode(Sha256::digest(&curated))));
    let fresh_old = "org/example/fresh/1.0/fresh-1.0.jar";
    let (code, bytes) = get(&format!("{repo}{fresh_old}"));
    assert_eq!(code, 200);
    assert_eq!(get_text(&format!("{repo}{fresh_old}.sha1")), (200, hex::encode(Sha1::digest(&bytes))));
    assert_eq!(get_text(&format!("{repo}{fresh_old}.sha256")), (200, hex::encode(Sha256::digest(&bytes))));

    // The fallback's 9.9 of the owned name: not found at the owner, whatever the file.
    for file in ["9.9/internal-lib-9.9.jar", "9.9/internal-lib-9.9.pom", "9.9/internal-lib-9.9.jar.sha1"] {
        let (code, body) = get_text(&format!("{repo}{INTERNAL}/{file}"));
        assert_eq!(code, 404, "{file}: {body}");
        assert!(body.contains("not found at its owner"), "{file}: {body}");
    }

    // The held-back jar, asked for directly: 403 naming the rule.
    let (code, body) = get_text(&format!("{repo}org/example/fresh/1.1/fresh-1.1.jar"));
    assert_eq!(code, 403, "{body}");
    let refusal: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(refusal["decision"], "quarantine", "{refusal}");
    assert_eq!(refusal["rules"], serde_json::json!(["fallback-cooldown"]), "{refusal}");
    assert_eq!(refusal["findings"][0]["rule"], "fallback-cooldown", "{refusal}");
    assert!(refusal["error"].as_str().unwrap().contains("pkg:maven/org.example/fresh@1.1"), "{refusal}");
    // Nor is its checksum.
    assert_eq!(get(&format!("{repo}org/example/fresh/1.1/fresh-1.1.jar.sha1")).0, 403);

    assert_eq!(chain.public_asked_for(INTERNAL), Vec::<String>::new(), "the fallback is never asked for an owned name");
    let out_dir = served.out.clone();
    let (code, stderr) = served.stop();
    assert_eq!(code, 0, "{stderr}");
    let audit = records(&out_dir.join("audit.jsonl"));
    assert_audited_from_the_owner(&audit);
    let held = audit.iter().find(|r| r["purl"] == "pkg:maven/org.example/fresh@1.1").expect("the held-back jar");
    assert_eq!(held["decision"], "quarantine");
    assert_chain_verifies(&out_dir.join("audit.jsonl"));
}

#[test]
fn a_sigstore_bundle_beside_a_jar_passes_through_unchanged() {
    let chain = Chain::new();
    let served = chain.serve();
    let repo = served.url("maven");
    let signed = "org/example/signed/2.0/signed-2.0.jar";
    let (code, body) = get_text(&format!("{repo}{signed}"));
    assert_eq!(code, 200, "{body}");
    let (code, bundle) = get_text(&format!("{repo}{signed}.sigstore.json"));
    assert_eq!(code, 200, "{bundle}");
    assert!(bundle.as_bytes() == chain.bundle.as_slice(), "not the published bundle: {bundle}");
    let out_dir = served.out.clone();
    let (code, stderr) = served.stop();
    assert_eq!(code, 0, "{stderr}");
    let audit = records(&out_dir.join("audit.jsonl"));
    let jar = audit.iter().find(|r| r["purl"] == "pkg:maven/org.example/signed@2.0").expect("the signed jar");
    assert_eq!((&jar["upstream"], &jar["verification"]), (&Value::from("public"), &Value::from("verified")), "{jar}");
}

#[test]
fn gradle_and_mvn_get_the_newest_version_outside_the_cooldown() {
    let chain = Chain::new();
    let served = chain.serve();
    let repo = served.url("maven");

    // The metadata the clients read: 1.1 is not there, 1.0 is the latest and the release.
    let (code, xml) = get_text(&format!("{repo}org/example/fresh/maven-metadata.xml"));
    assert_eq!(code, 200, "{xml}");
    assert_eq!(metadata_versions(&xml), (vec!["1.0".into()], Some("1.0".into()), Some("1.0".into())), "{xml}");

    let mut took = Vec::new();
    if have("gradle") {
        let (out, t) = gradle(&chain, &served, "copyFresh");
        assert!(out.status.success(), "gradle copyFresh failed:\n{}", tail(&out));
        assert_only_the_proxy(&out, &repo, "org/example/fresh/1.0/fresh-1.0.jar");
        assert_eq!(files_in(&chain.path().join("gradle/build/fresh")), ["fresh-1.0.jar"]);
        took.push(format!("gradle in {:.1} s", t.as_secs_f64()));
    }
    if have("mvn") {
        let (out, t) = mvn(&chain, &served, "build-carrier-fresh");
        assert!(out.status.success(), "mvn validate (fresh) failed:\n{}", tail(&out));
        assert_only_the_proxy(&out, &repo, "org/example/fresh/1.0/fresh-1.0.jar");
        let local = chain.path().join("m2/org/example/fresh");
        assert!(local.join("1.0/fresh-1.0.jar").is_file());
        assert!(!local.join("1.1").exists(), "mvn fetched something of 1.1");
        took.push(format!("mvn in {:.1} s", t.as_secs_f64()));
    }
    let out_dir = served.out.clone();
    let (code, stderr) = served.stop();
    assert_eq!(code, 0, "{stderr}");
    let audit = records(&out_dir.join("audit.jsonl"));
    assert!(!audit.iter().any(|r| r["purl"] == "pkg:maven/org.example/fresh@1.1" && r["decision"] == "allow"));
    assert_chain_verifies(&out_dir.join("audit.jsonl"));
    support::report(&format!("serve_jvm: `+` and `[1.0,)` of a held-back name resolved 1.0: {}", took.join(", ")));
}

#[test]
fn a_curated_folder_without_maven_metadata_still_owns_its_names() {
    // Debian's /usr/share/maven-repo and many hand-made folders have no maven-metadata.xml
    // (src/upstream/dir.rs: "maven-metadata.xml and checksum files are optional").
    let chain = Chain::new();
    std::fs::remove_file(chain.curated.join(INTERNAL).join("maven-metadata.xml")).unwrap();
    let served = chain.serve();
    let repo = served.url("maven");
    let mut wrong = Vec::new();

    let (code, xml) = get_text(&format!("{repo}{INTERNAL}/maven-metadata.xml"));
    if xml.contains("9.9") {
        wrong.push(format!("maven-metadata.xml ({code}) lists the fallback's 9.9: {xml}"));
    }
    for file in ["9.9/internal-lib-9.9.pom", "9.9/internal-lib-9.9.jar"] {
        let (code, body) = get_text(&format!("{repo}{INTERNAL}/{file}"));
        if code != 404 {
            wrong.push(format!("{file}: {code} instead of 404: {body}"));
        }
    }
    let (code, body) = get(&format!("{repo}{CURATED_JAR}"));
    if (code, &body) != (200, &chain.curated_bytes(CURATED_JAR)) {
        wrong.push(format!("the curated jar: {code}, {} bytes", body.len()));
    }
    let asked = chain.public_asked_for(INTERNAL);
    if !asked.is_empty() {
        wrong.push(format!("the fallback was asked for the owned name: {asked:?}"));
    }
    let (code, stderr) = served.stop();
    assert_eq!(code, 0, "{stderr}");
    assert!(wrong.is_empty(), "dependency confusion through a folder without metadata:\n{}", wrong.join("\n"));
}
