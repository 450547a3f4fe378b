//! `depgate check` for `PyPI` and Maven against fake upstreams on 127.0.0.1 that speak the
//! simple API (PEP 691 JSON / PEP 503 HTML) and the Maven repository layout: the same
//! cases as npm — owner has it, 404 fall-through, an owned name shadowed by a lower
//! upstream, bound namespaces, 401/500/timeout failing closed, hash mismatch — plus
//! cooldown from PEP 700 upload times, yanked releases, Maven checksums and signatures,
//! and one report for a project locked in all three ecosystems.

mod support;

use std::time::Duration;

use support::Project;
use support::fake_repo::{FakeRepo, Fault};

const NOW: &str = "2026-01-01T00:00:00Z";
const OLD: &str = "2025-06-01T00:00:00Z";
const YOUNG: &str = "2025-12-30T00:00:00Z";
const OLD_HTTP: &str = "Sun, 01 Jun 2025 00:00:00 GMT";

fn check(p: &Project, extra: &[&str]) -> support::Run {
    let mut args = vec!["check", "--current-time", NOW];
    args.extend_from_slice(extra);
    p.depgate(&args, &[])
}

/// A two-upstream chain (`curated` first, `public` second) for one ecosystem.
fn chain(eco: &str, kind: &str, curated: &str, public: &str, namespaces: &str, extra_curated: &str) -> String {
    format!(
        r#"[{eco}]
chain = ["curated", "public"]
{namespaces}

[upstream.curated]
kind = "{kind}"
url = "{curated}"
tier = "curated"
timeout_secs = 2
retries = 1
{extra_curated}

[upstream.public]
kind = "{kind}"
url = "{public}"
tier = "public"
timeout_secs = 2
retries = 1

[policy]
quarantine_days = 7
"#
    )
}

fn pypi_config(curated: &FakeRepo, public: &FakeRepo, namespaces: &str, extra: &str) -> String {
    chain("pypi", "pypi-simple", &curated.simple_url(), &public.simple_url(), namespaces, extra)
}

fn maven_config(curated: &FakeRepo, public: &FakeRepo, namespaces: &str, extra: &str) -> String {
    chain("maven", "maven", &curated.maven_url(), &public.maven_url(), namespaces, extra)
}

/// A `requirements.txt` line pinned with its hash, as pip-compile writes it.
fn req(name: &str, version: &str, sha256: &str) -> String {
    format!("{name}=={version} \\\n    --hash=sha256:{sha256}\n")
}

/// A depgate resolved-artifact list (docs/resolved-list.md) with sha256 pins.
fn resolved_list(entries: &[(&str, &str, &str)]) -> String {
    let artifacts: Vec<serde_json::Value> = entries
        .iter()
        .map(|(ga, v, sha)| {
            let (g, a) = ga.split_once(':').unwrap();
            let mut o = serde_json::json!({"group": g, "name": a, "version": v, "extension": "jar"});
            if !sha.is_empty() {
                o["sha256"] = serde_json::json!(sha);
            }
            o
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({"format": "depgate.resolved/v1", "artifacts": artifacts})).unwrap()
}

#[test]
fn pypi_owner_has_it_and_fallback_on_404() {
    let curated = FakeRepo::start();
    let public = FakeRepo::start();
    let meta = b"Metadata-Version: 2.4\nName: Acme-Tools\nVersion: 1.0.0\nLicense-Expression: MIT\nProject-URL: Source, https://github.com/acme/tools\n\n".to_vec();
    let tools = curated.publish_py_bytes(
        "Acme_Tools",
        "1.0.0",
        "acme_tools-1.0.0-py3-none-any.whl",
        OLD,
        b"wheel bytes".to_vec(),
        Some(meta),
    );
    let six = public.publish_py("six", "1.16.0", "six-1.16.0-py2.py3-none-any.whl", OLD);
    let p = Project::new();
    p.write("depgate.toml", &pypi_config(&curated, &public, "", ""));
    p.write("requirements.txt", &format!("{}{}", req("acme-tools", "1.0.0", &tools), req("six", "1.16.0", &six)));
    let run = check(&p, &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());

    let r = p.record("pkg:pypi/acme-tools@1.0.0");
    assert_eq!(r["decision"], "allow", "{r:#}");
    assert_eq!(r["resolution"]["upstream"], "curated");
    assert_eq!(r["resolution"]["lockfile_integrity"], "match");
    assert_eq!(r["resolution"]["file"], "acme_tools-1.0.0-py3-none-any.whl");
    assert_eq!(r["resolution"]["published_at"], "2025-06-01T00:00:00Z");
    // Core metadata (PEP 658) gives the licence.
    assert_eq!(r["license"], "MIT", "{r:#}");

    let s = p.record("pkg:pypi/six@1.16.0");
    assert_eq!(s["resolution"]["upstream"], "public");
    assert_eq!(s["resolution"]["fallback"], true);
    assert_eq!(s["resolution"]["fell_through"][0]["reason"], "not_found");
    // JSON was asked for first (PEP 691 negotiation).
    let asked = public.requests_containing("/simple/six/");
    assert!(asked[0].accept.as_deref().unwrap().starts_with("application/vnd.pypi.simple.v1+json"), "{asked:?}");
}

#[test]
fn pypi_owned_name_is_never_fetched_from_a_lower_upstream_and_namespaces_bind() {
    let curated = FakeRepo::start();
    let public = FakeRepo::start();
    curated.publish_py("internal-utils", "1.0.0", "internal_utils-1.0.0.tar.gz", OLD);
    let evil = public.publish_py("internal-utils", "9.9.9", "internal_utils-9.9.9.tar.gz", OLD);
    let squat = public.publish_py("acme-secret", "1.0.0", "acme_secret-1.0.0.tar.gz", OLD);
    let p = Project::new();
    p.write("depgate.toml", &pypi_config(&curated, &public, "namespaces = { \"acme-*\" = \"curated\" }", ""));
    p.write(
        "requirements.txt",
        &format!("{}{}", req("internal_utils", "9.9.9", &evil), req("Acme.Secret", "1.0.0", &squat)),
    );
    let run = check(&p, &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let r = p.record("pkg:pypi/internal-utils@9.9.9");
    assert_eq!(r["decision"], "deny");
    assert_eq!(r["findings"][0]["rule"], "not-found-in-owner", "{r:#}");
    assert_eq!(r["resolution"]["owner_latest"], "1.0.0");
    let s = p.record("pkg:pypi/acme-secret@1.0.0");
    assert_eq!(s["decision"], "deny", "{s:#}");
    assert_eq!(s["resolution"]["ownership"]["bound_by"], "namespace");
    assert!(public.log().is_empty(), "the public upstream was asked: {:?}", public.log());
}

fn pypi_failing(fault: Fault, expect: &str) {
    let curated = FakeRepo::start();
    let public = FakeRepo::start();
    let h = public.publish_py("six", "1.16.0", "six-1.16.0.tar.gz", OLD);
    curated.fault("simple/", fault);
    let p = Project::new();
    p.write("depgate.toml", &pypi_config(&curated, &public, "", ""));
    p.write("requirements.txt", &req("six", "1.16.0", &h));
    let run = check(&p, &[]);
    assert_eq!(run.code, 3, "{}", run.all_output());
    let r = p.record("pkg:pypi/six@1.16.0");
    assert_eq!(r["decision"], "error");
    assert_eq!(r["resolution"]["error"]["kind"], expect, "{r:#}");
    assert!(public.log().is_empty(), "fell through on {expect}: {:?}", public.log());
}

#[test]
fn pypi_failures_of_the_first_upstream_fail_closed() {
    pypi_failing(Fault::Status(401), "auth");
    pypi_failing(Fault::Status(500), "http_5xx");
    pypi_failing(Fault::Delay(Duration::from_secs(4)), "timeout");
}

#[test]
fn pypi_hash_mismatch_html_index_yanked_and_cooldown() {
    let curated = FakeRepo::start();
    let public = FakeRepo::start();
    public.html_only();
    public.publish_py("requests", "2.32.3", "requests-2.32.3-py3-none-any.whl", OLD);
    let young = public.publish_py("urllib3", "2.9.0", "urllib3-2.9.0-py3-none-any.whl", YOUNG);
    let yanked = public.publish_py("idna", "3.8", "idna-3.8.tar.gz", OLD);
    public.yank_py("idna", "3.8", "broken & withdrawn");
    let p = Project::new();
    p.write("depgate.toml", &pypi_config(&curated, &public, "", ""));
    p.write(
        "requirements.txt",
        &format!(
            "{}{}{}",
            req("requests", "2.32.3", &"ab".repeat(32)),
            req("urllib3", "2.9.0", &young),
            req("idna", "3.8", &yanked)
        ),
    );
    let run = check(&p, &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let r = p.record("pkg:pypi/requests@2.32.3");
    assert_eq!(r["resolution"]["lockfile_integrity"], "mismatch", "{r:#}");
    assert_eq!(r["decision"], "deny");
    assert_eq!(r["findings"][0]["rule"], "integrity-mismatch");
    // PEP 503 HTML has no upload times: the cooldown cannot be satisfied from it.
    let u = p.record("pkg:pypi/urllib3@2.9.0");
    assert!(u["resolution"].get("published_at").is_none(), "{u:#}");
    let i = p.record("pkg:pypi/idna@3.8");
    assert_eq!(i["resolution"]["yanked"], "broken & withdrawn", "{i:#}");
    assert!(i["findings"].as_array().unwrap().iter().any(|f| f["rule"] == "yanked-version"), "{i:#}");
}

#[test]
fn pypi_cooldown_uses_upload_time_and_curated_is_exempt() {
    let curated = FakeRepo::start();
    let public = FakeRepo::start();
    let c = curated.publish_py("fresh-curated", "1.0.0", "fresh_curated-1.0.0.tar.gz", YOUNG);
    let f = public.publish_py("fresh-public", "1.0.0", "fresh_public-1.0.0.tar.gz", YOUNG);
    let p = Project::new();
    p.write("depgate.toml", &pypi_config(&curated, &public, "", ""));
    p.write("requirements.txt", &format!("{}{}", req("fresh-curated", "1.0.0", &c), req("fresh-public", "1.0.0", &f)));
    let run = check(&p, &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert_eq!(p.record("pkg:pypi/fresh-curated@1.0.0")["decision"], "allow");
    let q = p.record("pkg:pypi/fresh-public@1.0.0");
    assert_eq!(q["decision"], "quarantine", "{q:#}");
    assert_eq!(q["findings"][0]["until"], "2026-01-06T00:00:00Z");
}

#[test]
fn maven_owner_has_it_checksums_match_and_fallback_on_404() {
    let curated = FakeRepo::start();
    let public = FakeRepo::start();
    let core = curated.publish_maven("com.acme:core", "1.2.0", OLD_HTTP);
    curated.publish_maven_signature("com.acme:core", "1.2.0", "asc", b"-----BEGIN PGP SIGNATURE-----".to_vec());
    let slf4j = public.publish_maven("org.slf4j:slf4j-api", "2.0.13", OLD_HTTP);
    let p = Project::new();
    p.write("depgate.toml", &maven_config(&curated, &public, "", ""));
    p.write(
        "depgate-resolved.json",
        &resolved_list(&[("com.acme:core", "1.2.0", &core), ("org.slf4j:slf4j-api", "2.0.13", &slf4j)]),
    );
    let run = check(&p, &["--download"]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let r = p.record("pkg:maven/com.acme/core@1.2.0");
    assert_eq!(r["resolution"]["upstream"], "curated", "{r:#}");
    assert_eq!(r["resolution"]["lockfile_integrity"], "match");
    assert_eq!(r["resolution"]["artifact_integrity"], "match");
    assert_eq!(r["resolution"]["file"], "core-1.2.0.jar");
    assert_eq!(r["resolution"]["signatures"], serde_json::json!(["asc"]));
    assert_eq!(r["resolution"]["published_at"], "2025-06-01T00:00:00Z");
    assert_eq!(r["license"], "Apache-2.0", "{r:#}");
    let s = p.record("pkg:maven/org.slf4j/slf4j-api@2.0.13");
    assert_eq!(s["resolution"]["upstream"], "public");
    assert_eq!(s["resolution"]["fell_through"][0]["reason"], "not_found");
}

#[test]
fn maven_shadowed_names_namespaces_and_hash_mismatch() {
    let curated = FakeRepo::start();
    let public = FakeRepo::start();
    curated.publish_maven("com.internal:utils", "1.0.0", OLD_HTTP);
    let evil = public.publish_maven("com.internal:utils", "9.9.9", OLD_HTTP);
    let squat = public.publish_maven("com.acme:secret", "1.0.0", OLD_HTTP);
    public.publish_maven("org.example:lib", "1.0.0", OLD_HTTP);
    let p = Project::new();
    p.write("depgate.toml", &maven_config(&curated, &public, "namespaces = { \"com.acme:*\" = \"curated\" }", ""));
    p.write(
        "depgate-resolved.json",
        &resolved_list(&[
            ("com.internal:utils", "9.9.9", &evil),
            ("com.acme:secret", "1.0.0", &squat),
            ("org.example:lib", "1.0.0", &"cd".repeat(32)),
        ]),
    );
    let run = check(&p, &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let r = p.record("pkg:maven/com.internal/utils@9.9.9");
    assert_eq!(r["findings"][0]["rule"], "not-found-in-owner", "{r:#}");
    let s = p.record("pkg:maven/com.acme/secret@1.0.0");
    assert_eq!(s["decision"], "deny");
    assert_eq!(s["resolution"]["ownership"]["bound_by"], "namespace");
    let l = p.record("pkg:maven/org.example/lib@1.0.0");
    assert_eq!(l["resolution"]["lockfile_integrity"], "mismatch", "{l:#}");
    assert_eq!(l["findings"][0]["rule"], "integrity-mismatch");
    assert!(public.requests_containing("com/internal").is_empty() && public.requests_containing("com/acme").is_empty());
}

#[test]
fn maven_failures_of_the_first_upstream_fail_closed_and_missing_metadata_is_probed() {
    for (fault, expect) in [
        (Fault::Status(401), "auth"),
        (Fault::Status(503), "http_5xx"),
        (Fault::Delay(Duration::from_secs(4)), "timeout"),
    ] {
        let curated = FakeRepo::start();
        let public = FakeRepo::start();
        let h = public.publish_maven("org.slf4j:slf4j-api", "2.0.13", OLD_HTTP);
        curated.fault("maven2/", fault);
        let p = Project::new();
        p.write("depgate.toml", &maven_config(&curated, &public, "", ""));
        p.write("depgate-resolved.json", &resolved_list(&[("org.slf4j:slf4j-api", "2.0.13", &h)]));
        let run = check(&p, &[]);
        assert_eq!(run.code, 3, "{}", run.all_output());
        let r = p.record("pkg:maven/org.slf4j/slf4j-api@2.0.13");
        assert_eq!(r["resolution"]["error"]["kind"], expect, "{r:#}");
        assert!(public.log().is_empty());
    }
    // A repository without maven-metadata.xml still owns what its POMs show.
    let curated = FakeRepo::start();
    let public = FakeRepo::start();
    let h = curated.publish_maven("org.debian:thing", "1.0", OLD_HTTP);
    curated.drop_maven_metadata("org.debian:thing");
    let p = Project::new();
    p.write("depgate.toml", &maven_config(&curated, &public, "", ""));
    p.write("depgate-resolved.json", &resolved_list(&[("org.debian:thing", "1.0", &h)]));
    let run = check(&p, &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(p.record("pkg:maven/org.debian/thing@1.0")["resolution"]["upstream"], "curated");
}

#[test]
fn a_project_locked_in_three_ecosystems_gives_one_report() {
    let npm = support::fake_npm::FakeNpm::start();
    let repo = FakeRepo::start();
    let i = npm.publish("left-pad", "1.3.0", "2025-06-01T00:00:00.000Z");
    let py = repo.publish_py("six", "1.16.0", "six-1.16.0.tar.gz", OLD);
    let jar = repo.publish_maven("org.slf4j:slf4j-api", "2.0.13", OLD_HTTP);
    let p = Project::new();
    p.write(
        "depgate.toml",
        &format!(
            "[npm]\nchain = [\"npm\"]\n[pypi]\nchain = [\"py\"]\n[maven]\nchain = [\"mvn\"]\n\
             [upstream.npm]\nkind = \"npm\"\nurl = \"{}\"\ntier = \"public\"\n\
             [upstream.py]\nkind = \"pypi-simple\"\nurl = \"{}\"\ntier = \"public\"\n\
             [upstream.mvn]\nkind = \"maven\"\nurl = \"{}\"\ntier = \"public\"\n",
            npm.url(),
            repo.simple_url(),
            repo.maven_url()
        ),
    );
    p.write(
        "web/package-lock.json",
        &support::package_lock_v3(&[support::Locked::new(
            "left-pad",
            "1.3.0",
            &i,
            format!("{}left-pad/-/left-pad-1.3.0.tgz", npm.url()),
        )]),
    );
    p.write("api/requirements.txt", &req("six", "1.16.0", &py));
    p.write("jvm/depgate-resolved.json", &resolved_list(&[("org.slf4j:slf4j-api", "2.0.13", &jar)]));
    let run = check(&p, &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let d = p.decisions();
    let purls: Vec<&str> =
        d["decisions"].as_array().unwrap().iter().map(|r| r["package"]["purl"].as_str().unwrap()).collect();
    assert_eq!(purls.len(), 3, "{purls:?}");
    for purl in ["pkg:npm/left-pad@1.3.0", "pkg:pypi/six@1.16.0", "pkg:maven/org.slf4j/slf4j-api@2.0.13"] {
        assert_eq!(p.record(purl)["decision"], "allow", "{purl}");
    }
}

#[test]
fn maven_dir_upstreams_relative_and_debian_repository() {
    // A repository folder beside depgate.toml, named relatively (the default project path
    // is `.`): POM, jar and .sha256, no maven-metadata.xml.
    let p = Project::new();
    let jar = b"relative jar".to_vec();
    let sha = support::fake_repo::sha256_hex(&jar);
    let dir = "repo/org/local/tool/1.0";
    p.write(&format!("{dir}/tool-1.0.pom"), "<project><groupId>org.local</groupId><artifactId>tool</artifactId><version>1.0</version><licenses><license><name>MIT License</name></license></licenses></project>");
    p.write(&format!("{dir}/tool-1.0.jar.sha256"), &sha);
    std::fs::write(p.path().join(dir).join("tool-1.0.jar"), &jar).unwrap();
    p.write(
        "depgate.toml",
        "[maven]\nchain = [\"local\"]\n[upstream.local]\nkind = \"dir\"\npath = \"repo\"\ntier = \"private\"\n",
    );
    p.write("depgate-resolved.json", &resolved_list(&[("org.local:tool", "1.0", &sha)]));
    let run = check(&p, &["--download"]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let r = p.record("pkg:maven/org.local/tool@1.0");
    assert_eq!(r["resolution"]["lockfile_integrity"], "match", "{r:#}");
    assert_eq!(r["resolution"]["artifact_integrity"], "match", "{r:#}");
    assert_eq!(r["license"], "MIT");

    // Debian's /usr/share/maven-repo: a real repository layout with neither metadata nor
    // checksums; the resolved list Gradle 4.4.1 wrote against it (testdata/maven/regen.sh).
    let debian = std::path::Path::new("/usr/share/maven-repo");
    if !debian.join("junit/junit").is_dir() {
        support::skipped(
            "Debian maven-repo part: /usr/share/maven-repo is not installed (apt-get install junit4 libcommons-lang3-java)",
        );
        return;
    }
    let p = Project::new();
    p.write(
        "depgate.toml",
        "[maven]\nchain = [\"debian\"]\n[upstream.debian]\nkind = \"dir\"\npath = \"/usr/share/maven-repo\"\ntier = \"curated\"\n",
    );
    let list =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/maven/gradle-offline/depgate-resolved.json");
    p.write("depgate-resolved.json", &std::fs::read_to_string(list).unwrap());
    let run = check(&p, &["--download"]);
    let d = p.decisions();
    for r in d["decisions"].as_array().unwrap() {
        assert_eq!(r["resolution"]["upstream"], "debian", "{r:#}");
        // No checksum files: the bytes settle the list's sha256 pins.
        assert_eq!(r["resolution"]["artifact_integrity"], "unavailable", "{r:#}");
        assert_eq!(r["resolution"]["lockfile_integrity"], "match", "{r:#}");
    }
    assert_eq!(run.code, 0, "{}", run.all_output());
}

#[test]
fn maven_warm_runs_take_released_files_from_the_cache() {
    let repo = FakeRepo::start();
    let other = FakeRepo::start();
    let sha = repo.publish_maven("org.slf4j:slf4j-api", "2.0.13", OLD_HTTP);
    let p = Project::new();
    p.write("depgate.toml", &maven_config(&repo, &other, "", ""));
    p.write("depgate-resolved.json", &resolved_list(&[("org.slf4j:slf4j-api", "2.0.13", &sha)]));
    assert_eq!(check(&p, &[]).code, 0);
    let cold = repo.log().len();
    assert!(repo.requests_containing(".pom").len() == 1, "{:?}", repo.log());
    assert_eq!(check(&p, &[]).code, 0);
    let warm: Vec<_> = repo.log().into_iter().skip(cold).collect();
    // A released POM and its checksum files never change: only the version list (and
    // files that were absent) are asked for again.
    let ext = |l: &support::fake_repo::Logged| {
        std::path::Path::new(&l.path).extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default()
    };
    assert!(warm.iter().all(|l| ext(l) != "pom" && ext(l) != "sha256"), "{warm:?}");
    assert!(warm.iter().any(|l| l.path.ends_with("maven-metadata.xml")), "{warm:?}");
    assert_eq!(p.record("pkg:maven/org.slf4j/slf4j-api@2.0.13")["resolution"]["lockfile_integrity"], "match");
}

#[test]
fn maven_publish_time_comes_from_what_dates_the_version_never_from_last_updated() {
    let curated = FakeRepo::start();
    let public = FakeRepo::start();
    // The repository regenerated its metadata yesterday: every name's lastUpdated is
    // recent, whatever its versions' age (junit 4.13.2 shown as published last month).
    public.set_maven_last_updated("20251231000000");
    let dir = |a: &str, v: &str| format!("maven2/org/example/{a}/{v}/{a}-{v}");
    let pom_dated = public.publish_maven("org.example:pom-dated", "4.13.2", OLD_HTTP);
    public.set_last_modified(&format!("{}.jar", dir("pom-dated", "4.13.2")), None);
    let jar_dated = public.publish_maven("org.example:jar-dated", "1.0", OLD_HTTP);
    public.set_last_modified(&format!("{}.pom", dir("jar-dated", "1.0")), None);
    let undated = public.publish_maven("org.example:undated", "2.0", OLD_HTTP);
    public.set_last_modified(&format!("{}.pom", dir("undated", "2.0")), None);
    public.set_last_modified(&format!("{}.jar", dir("undated", "2.0")), None);
    // A SNAPSHOT deployed two days ago: its own metadata says so.
    let snap = public.publish_maven("org.example:snap", "3.0-SNAPSHOT", OLD_HTTP);
    public.set_last_modified(&format!("{}.pom", dir("snap", "3.0-SNAPSHOT")), None);
    public.set_last_modified(&format!("{}.jar", dir("snap", "3.0-SNAPSHOT")), None);
    public.serve_file(
        "maven2/org/example/snap/3.0-SNAPSHOT/maven-metadata.xml",
        "text/xml",
        b"<metadata><groupId>org.example</groupId><artifactId>snap</artifactId><version>3.0-SNAPSHOT</version>\
          <versioning><snapshot><timestamp>20251230.120000</timestamp><buildNumber>7</buildNumber></snapshot>\
          <lastUpdated>20251230120001</lastUpdated></versioning></metadata>"
            .to_vec(),
    );
    let p = Project::new();
    p.write("depgate.toml", &maven_config(&curated, &public, "", ""));
    p.write(
        "depgate-resolved.json",
        &resolved_list(&[
            ("org.example:pom-dated", "4.13.2", &pom_dated),
            ("org.example:jar-dated", "1.0", &jar_dated),
            ("org.example:undated", "2.0", &undated),
            ("org.example:snap", "3.0-SNAPSHOT", &snap),
        ]),
    );
    let run = check(&p, &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    // The POM's Last-Modified; else the artifact's.
    for purl in ["pkg:maven/org.example/pom-dated@4.13.2", "pkg:maven/org.example/jar-dated@1.0"] {
        let r = p.record(purl);
        assert_eq!(r["resolution"]["published_at"], OLD, "{r:#}");
        assert_eq!(r["decision"], "allow", "{r:#}");
    }
    // Nothing dates it: unknown (not lastUpdated), and the cooldown fails closed.
    let u = p.record("pkg:maven/org.example/undated@2.0");
    assert!(u["resolution"].get("published_at").is_none(), "{u:#}");
    assert_eq!(u["decision"], "deny");
    assert_eq!(u["findings"][0]["rule"], "publish-time-unknown", "{u:#}");
    let s = p.record("pkg:maven/org.example/snap@3.0-SNAPSHOT");
    assert_eq!(s["resolution"]["published_at"], "2025-12-30T12:00:00Z", "{s:#}");
    assert_eq!(s["decision"], "quarantine", "{s:#}");
    // The artifact's date is asked once (HEAD), then kept: a released file does not change.
    let heads = || public.log().iter().filter(|l| l.path.ends_with("/jar-dated-1.0.jar")).count();
    assert_eq!(heads(), 1);
    assert_eq!(check(&p, &[]).code, 1);
    assert_eq!(heads(), 1, "asked again on a warm run");
}

#[test]
fn maven_resolved_flag_reads_a_list_whatever_its_name() {
    let repo = FakeRepo::start();
    let other = FakeRepo::start();
    let sha = repo.publish_maven("org.slf4j:slf4j-api", "2.0.13", OLD_HTTP);
    let p = Project::new();
    p.write("depgate.toml", &maven_config(&repo, &other, "", ""));
    // Where the Gradle plugin writes it: not a name depgate would look for.
    p.write("build/depgate/resolved-artifacts.json", &resolved_list(&[("org.slf4j:slf4j-api", "2.0.13", &sha)]));
    // A lockfile in the folder is not read when inputs are named.
    p.write("package-lock.json", "not json");
    let run = check(&p, &["--resolved", "build/depgate/resolved-artifacts.json"]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(p.record("pkg:maven/org.slf4j/slf4j-api@2.0.13")["resolution"]["lockfile_integrity"], "match");

    // A file that is not a resolved list: a usage error naming the file and the format.
    p.write("build/depgate/other.json", "{\"lockfileVersion\": 3}");
    let run = check(&p, &["--resolved", "build/depgate/other.json"]);
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert!(run.stderr.contains("other.json") && run.stderr.contains("depgate.resolved/v1"), "{}", run.stderr);
}
