//! `depgate init` in real-looking projects: pip, uv, Poetry, Maven, Gradle and all three
//! ecosystems at once. The registries the package managers are configured with (`.npmrc`,
//! `pip.conf`, `PIP_INDEX_URL`, `[[tool.uv.index]]`, `[[tool.poetry.source]]`,
//! `.mvn/settings.xml`, `build.gradle`) are fake registries on 127.0.0.1 that demand the
//! credentials those files hold; the written `depgate.toml` must put them first, the
//! public registry last, hold no secret, and be accepted by `depgate check`, which then
//! resolves every locked package at the private registry with the credential given by
//! environment variable. The public fallback is never asked (every name is private).

mod support;

use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use depgate::config::Config;
use depgate::ecosystem::Ecosystem;
use support::Project;
use support::fake_npm::FakeNpm;
use support::fake_repo::FakeRepo;

const NOW: &str = "2026-01-01T00:00:00Z";
const OLD: &str = "2025-06-01T00:00:00Z";
const OLD_HTTP: &str = "Sun, 01 Jun 2025 00:00:00 GMT";

/// Run `depgate init` with nothing of the machine's own configuration: an empty home,
/// pip's files off (`PIP_CONFIG_FILE=/dev/null`) unless `env` says otherwise, and only
/// the variables in `env`.
fn init(p: &Project, env: &[(&str, &str)]) -> support::Run {
    init_with(p, &[], env)
}

/// [`init`] with arguments.
fn init_with(p: &Project, args: &[&str], env: &[(&str, &str)]) -> support::Run {
    let home = p.path().join(".home");
    std::fs::create_dir_all(&home).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_depgate"));
    cmd.arg("init").args(args).current_dir(p.path()).env_clear().env("HOME", &home).env("NO_COLOR", "1");
    cmd.env("XDG_CONFIG_DIRS", home.join("no-xdg")).env("PIP_CONFIG_FILE", "/dev/null");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    support::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The written configuration, parsed as `check` parses it.
fn written(p: &Project) -> Config {
    let path = p.path().join("depgate.toml");
    Config::parse(&p.read("depgate.toml"), &path).unwrap_or_else(|e| panic!("{e}\n{}", p.read("depgate.toml")))
}

/// Names, URLs and tiers of a chain.
fn chain(c: &Config, eco: Ecosystem) -> Vec<(String, String, String)> {
    c.chain(eco)
        .iter()
        .map(|u| (u.name.clone(), u.registry_url().map(ToString::to_string).unwrap_or_default(), u.tier.clone()))
        .collect()
}

/// The chain's first upstream is `url` (private), its last the public registry.
fn assert_private_then_public(c: &Config, eco: Ecosystem, url: &str, public: &str) -> String {
    let ch = chain(c, eco);
    assert_eq!((ch[0].1.as_str(), ch[0].2.as_str()), (url, "private"), "{ch:?}");
    let last = ch.last().unwrap();
    assert_eq!((last.0.as_str(), last.2.as_str()), (public, "public"), "{ch:?}");
    ch[0].0.clone()
}

fn auth_var(c: &Config, upstream: &str) -> String {
    c.upstreams[upstream].auth.as_ref().unwrap_or_else(|| panic!("{upstream} has no auth")).env_var.clone()
}

fn basic(user_password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(user_password))
}

/// `depgate check` with `env`, which must pass and resolve every registry record at one of
/// `owners` (the private registries: the public fallback, a real URL, is never asked).
fn check_passes(p: &Project, env: &[(&str, &str)], owners: &[&str]) -> serde_json::Value {
    let run = p.depgate(&["check", "--current-time", NOW], env);
    assert_eq!(run.code, 0, "{}\n{}", run.all_output(), p.read("depgate.toml"));
    let d = p.decisions();
    let records = d["decisions"].as_array().unwrap();
    assert!(!records.is_empty());
    for r in records.iter().filter(|r| r["package"]["source"] == "registry") {
        let owner = r["resolution"]["upstream"].as_str().unwrap();
        assert!(owners.contains(&owner), "{r:#}");
        assert_eq!(r["resolution"]["tier"], "private", "{r:#}");
        // Gradle lockfiles pin no digest; every other lockfile here does.
        let pinned = !r["package"]["lockfile"].as_str().unwrap().ends_with("gradle.lockfile");
        assert_eq!(r["resolution"]["lockfile_integrity"], if pinned { "match" } else { "missing" }, "{r:#}");
    }
    d
}

/// No secret in the written file, in what init printed, or in the report.
fn assert_no_secret(p: &Project, run: &support::Run, secret: &str) {
    assert!(!p.read("depgate.toml").contains(secret), "{}", p.read("depgate.toml"));
    assert!(!run.all_output().contains(secret), "{}", run.all_output());
    let report = p.path().join("depgate-report");
    for e in std::fs::read_dir(&report).into_iter().flatten().flatten() {
        let text = String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned();
        assert!(!text.contains(secret), "{} holds the secret", e.path().display());
    }
}

fn req(name: &str, version: &str, sha256: &str) -> String {
    format!("{name}=={version} \\\n    --hash=sha256:{sha256}\n")
}

#[test]
fn pip_project_with_a_private_index_in_pip_conf() {
    let repo = FakeRepo::start();
    let secret = "pip-p4ss-8c1d";
    repo.require_authorization(&basic(&format!("ci:{secret}")));
    let six = repo.publish_py("six", "1.16.0", "six-1.16.0-py2.py3-none-any.whl", OLD);
    let idna = repo.publish_py("idna", "3.7", "idna-3.7-py3-none-any.whl", OLD);
    let p = Project::new();
    p.write(
        "requirements.txt",
        &format!("# pip-compile --generate-hashes\n{}{}", req("idna", "3.7", &idna), req("six", "1.16.0", &six)),
    );
    let index = repo.simple_url().replace("http://", &format!("http://ci:{secret}@"));
    p.write(".home/.config/pip/pip.conf", &format!("[global]\nindex-url = {index}\nextra-index-url =\n"));
    let run = init(&p, &[("PIP_CONFIG_FILE", "")]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(run.stderr.contains("PyPI") && run.stderr.contains("requirements.txt"), "{}", run.stderr);
    assert!(run.stderr.contains("index-url in"), "{}", run.stderr);
    let c = written(&p);
    assert!(!c.chains.contains_key(&Ecosystem::Npm) && !c.chains.contains_key(&Ecosystem::Maven));
    let up = assert_private_then_public(&c, Ecosystem::Pypi, &repo.simple_url(), "pypi");
    let var = auth_var(&c, &up);
    assert_eq!(c.upstreams[&up].auth.as_ref().unwrap().scheme, depgate::config::AuthScheme::Basic);
    assert!(run.stderr.contains(&var), "init names the variable to set: {}", run.stderr);
    assert!(p.read("depgate.toml").contains(&format!("# set {var} to user:password")), "{}", p.read("depgate.toml"));

    let pair = format!("ci:{secret}");
    check_passes(&p, &[(&var, &pair)], &[&up]);
    assert_no_secret(&p, &run, secret);
    // Without the variable the private index answers 401: fail closed, never the public one.
    let unset = p.depgate(&["check", "--current-time", NOW], &[]);
    assert_eq!(unset.code, 3, "{}", unset.all_output());
}

#[test]
fn uv_project_with_its_index_in_pyproject() {
    let repo = FakeRepo::start();
    let six = repo.publish_py("six", "1.16.0", "six-1.16.0.tar.gz", OLD);
    let p = Project::new();
    let simple = repo.simple_url();
    p.write(
        "pyproject.toml",
        &format!(
            "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.9\"\ndependencies = [\"six==1.16.0\"]\n\n\
             [[tool.uv.index]]\nname = \"acme\"\nurl = \"{simple}\"\ndefault = true\n"
        ),
    );
    p.write(
        "uv.lock",
        &format!(
            "version = 1\nrevision = 2\nrequires-python = \">=3.9\"\n\n\
             [[package]]\nname = \"app\"\nversion = \"0.1.0\"\nsource = {{ virtual = \".\" }}\ndependencies = [\n    {{ name = \"six\" }},\n]\n\n\
             [package.metadata]\nrequires-dist = [{{ name = \"six\", specifier = \"==1.16.0\" }}]\n\n\
             [[package]]\nname = \"six\"\nversion = \"1.16.0\"\nsource = {{ registry = \"{simple}\" }}\n\
             sdist = {{ url = \"{}files/six-1.16.0.tar.gz\", hash = \"sha256:{six}\", upload-time = \"{OLD}\" }}\n",
            repo.url()
        ),
    );
    let run = init(&p, &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let c = written(&p);
    let up = assert_private_then_public(&c, Ecosystem::Pypi, &simple, "pypi");
    assert!(p.read("depgate.toml").contains("[[tool.uv.index]] acme in pyproject.toml"), "{}", p.read("depgate.toml"));
    assert!(c.upstreams[&up].auth.is_none());
    let d = check_passes(&p, &[], &[&up]);
    assert_eq!(d["decisions"][0]["package"]["purl"], "pkg:pypi/six@1.16.0");
}

#[test]
fn poetry_project_with_a_source_and_the_index_in_the_environment() {
    let repo = FakeRepo::start();
    let secret = "poetry-t0ken-55e2";
    repo.require_authorization(&basic(&format!("__token__:{secret}")));
    let certifi = repo.publish_py("certifi", "2024.8.30", "certifi-2024.8.30-py3-none-any.whl", OLD);
    let simple = repo.simple_url();
    let p = Project::new();
    p.write(
        "pyproject.toml",
        &format!(
            "[tool.poetry]\nname = \"app\"\nversion = \"0.1.0\"\n\n[tool.poetry.dependencies]\npython = \"^3.9\"\ncertifi = \"2024.8.30\"\n\n\
             [[tool.poetry.source]]\nname = \"corp\"\nurl = \"{simple}\"\npriority = \"primary\"\n"
        ),
    );
    p.write(
        "poetry.lock",
        &format!(
            "# This file is automatically @generated by Poetry 2.1.3 and should not be changed by hand.\n\n\
             [[package]]\nname = \"certifi\"\nversion = \"2024.8.30\"\ndescription = \"Mozilla's CA Bundle.\"\noptional = false\n\
             python-versions = \">=3.6\"\ngroups = [\"main\"]\nfiles = [\n    {{file = \"certifi-2024.8.30-py3-none-any.whl\", hash = \"sha256:{certifi}\"}},\n]\n\n\
             [package.source]\ntype = \"legacy\"\nurl = \"{}\"\nreference = \"corp\"\n\n\
             [metadata]\nlock-version = \"2.1\"\npython-versions = \"^3.9\"\ncontent-hash = \"{}\"\n",
            simple.trim_end_matches('/'),
            "0".repeat(64)
        ),
    );
    // The same index also set for pip, with the credential, in the environment.
    let with_token = simple.replace("http://", &format!("http://__token__:{secret}@"));
    let run = init(&p, &[("PIP_INDEX_URL", &with_token)]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let c = written(&p);
    let up = assert_private_then_public(&c, Ecosystem::Pypi, &simple, "pypi");
    let text = p.read("depgate.toml");
    assert!(text.contains("tool.poetry.source") && text.contains("PIP_INDEX_URL"), "both origins: {text}");
    assert_eq!(chain(&c, Ecosystem::Pypi).len(), 2, "one upstream for one index: {text}");
    let var = auth_var(&c, &up);
    let pair = format!("__token__:{secret}");
    check_passes(&p, &[(&var, &pair)], &[&up]);
    assert_no_secret(&p, &run, secret);
}

#[test]
fn maven_project_with_a_mirror_in_mvn_settings() {
    let repo = FakeRepo::start();
    let secret = "mvn-s3cret-71aa";
    repo.require_authorization(&basic(&format!("deployer:{secret}")));
    let api = repo.publish_maven("org.slf4j:slf4j-api", "2.0.13", OLD_HTTP);
    let lang = repo.publish_maven("org.apache.commons:commons-lang3", "3.14.0", OLD_HTTP);
    let p = Project::new();
    p.write(
        "pom.xml",
        "<project xmlns=\"http://maven.apache.org/POM/4.0.0\"><modelVersion>4.0.0</modelVersion><groupId>com.acme</groupId>\
         <artifactId>app</artifactId><version>1.0</version><dependencies><dependency><groupId>org.slf4j</groupId>\
         <artifactId>slf4j-api</artifactId><version>2.0.13</version></dependency></dependencies></project>\n",
    );
    p.write(
        ".mvn/settings.xml",
        &format!(
            "<settings><servers><server><id>acme</id><username>deployer</username><password>{secret}</password></server></servers>\
             <mirrors><mirror><id>acme</id><mirrorOf>*</mirrorOf><url>{}</url></mirror></mirrors></settings>\n",
            repo.maven_url()
        ),
    );
    p.write(".mvn/maven.config", "-s .mvn/settings.xml\n");
    let list = serde_json::json!({"format": "depgate.resolved/v1", "artifacts": [
        {"group": "org.slf4j", "name": "slf4j-api", "version": "2.0.13", "extension": "jar", "sha256": api},
        {"group": "org.apache.commons", "name": "commons-lang3", "version": "3.14.0", "extension": "jar", "sha256": lang},
    ]});
    p.write("depgate-resolved.json", &serde_json::to_string_pretty(&list).unwrap());
    let run = init(&p, &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let c = written(&p);
    let up = assert_private_then_public(&c, Ecosystem::Maven, &repo.maven_url(), "central");
    assert!(p.read("depgate.toml").contains("mirror acme (of *)"), "{}", p.read("depgate.toml"));
    let var = auth_var(&c, &up);
    let pair = format!("deployer:{secret}");
    check_passes(&p, &[(&var, &pair)], &[&up]);
    assert_no_secret(&p, &run, secret);
}

#[test]
fn gradle_project_with_its_repository_in_build_gradle() {
    let repo = FakeRepo::start();
    let lockfile =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/maven/gradle/gradle.lockfile"))
            .unwrap();
    let mut published = 0;
    for line in lockfile.lines().filter(|l| !l.starts_with('#') && l.contains('=') && !l.starts_with("empty=")) {
        let coord = line.split('=').next().unwrap();
        let (ga, version) = coord.rsplit_once(':').unwrap();
        repo.publish_maven(ga, version, OLD_HTTP);
        published += 1;
    }
    assert!(published >= 20, "{published}");
    let p = Project::new();
    p.write("gradle.lockfile", &lockfile);
    p.write("settings.gradle", "rootProject.name = 'app'\n");
    p.write(
        "build.gradle",
        &format!(
            "plugins {{ id 'java' }}\n\nrepositories {{\n    maven {{\n        url '{}'\n    }}\n    mavenCentral()\n}}\n\n\
             dependencyLocking {{ lockAllConfigurations() }}\n",
            repo.maven_url()
        ),
    );
    let run = init(&p, &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let c = written(&p);
    let up = assert_private_then_public(&c, Ecosystem::Maven, &repo.maven_url(), "central");
    assert!(p.read("depgate.toml").contains("# from mavenCentral() in build.gradle"), "{}", p.read("depgate.toml"));
    let d = check_passes(&p, &[], &[&up]);
    assert_eq!(d["decisions"].as_array().unwrap().len(), published);
}

#[test]
fn three_ecosystems_with_npmrc_scopes_and_environment() {
    let npm_private = FakeNpm::start();
    let npm_scoped = FakeNpm::start();
    let repo = FakeRepo::start();
    let token = "npm_Tk9secretZ";
    let scoped_token = "ghp_scopedSECRET1";
    npm_private.require_token(token);
    npm_scoped.require_token(scoped_token);
    let pad = npm_private.publish("left-pad", "1.3.0", "2025-06-01T00:00:00.000Z");
    let ui = npm_scoped.publish("@acme/ui", "2.1.0", "2025-06-01T00:00:00.000Z");
    let six = repo.publish_py("six", "1.16.0", "six-1.16.0-py2.py3-none-any.whl", OLD);
    repo.publish_maven("org.slf4j:slf4j-api", "2.0.13", OLD_HTTP);

    let p = Project::new();
    p.write(
        "web/package.json",
        r#"{"name": "web", "version": "1.0.0", "dependencies": {"left-pad": "1.3.0", "@acme/ui": "2.1.0"}}"#,
    );
    p.write(
        "web/package-lock.json",
        &support::package_lock_v3(&[
            support::Locked::new(
                "left-pad",
                "1.3.0",
                &pad,
                format!("{}left-pad/-/left-pad-1.3.0.tgz", npm_private.url()),
            ),
            support::Locked::new("@acme/ui", "2.1.0", &ui, format!("{}@acme/ui/-/ui-2.1.0.tgz", npm_scoped.url())),
        ]),
    );
    let dart = |url: &str| url.trim_start_matches("http:").to_string();
    p.write(
        "web/.npmrc",
        &format!(
            "registry={}\n@acme:registry={}\n{}:_authToken={token}\n{}:_authToken=${{ACME_NPM_TOKEN}}\n",
            npm_private.url(),
            npm_scoped.url(),
            dart(&npm_private.url()),
            dart(&npm_scoped.url())
        ),
    );
    p.write("api/requirements.txt", &req("six", "1.16.0", &six));
    p.write("jvm/build.gradle", &format!("repositories {{ maven {{ url = uri(\"{}\") }} }}\n", repo.maven_url()));
    p.write("jvm/gradle.lockfile", "org.slf4j:slf4j-api:2.0.13=compileClasspath,runtimeClasspath\nempty=\n");
    let run = init(&p, &[("PIP_INDEX_URL", &repo.simple_url())]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    for eco in ["npm", "PyPI", "Maven/Gradle"] {
        assert!(run.stderr.contains(eco), "{eco}: {}", run.stderr);
    }
    let c = written(&p);
    let npm_up = assert_private_then_public(&c, Ecosystem::Npm, &npm_private.url(), "npmjs");
    let npm_chain = chain(&c, Ecosystem::Npm);
    assert_eq!(npm_chain.len(), 3, "{npm_chain:?}");
    let scoped_up = npm_chain[1].0.clone();
    assert_eq!(c.namespace_owner(Ecosystem::Npm, "@acme/ui"), Some(("@acme/*", scoped_up.as_str())));
    assert_eq!(auth_var(&c, &scoped_up), "ACME_NPM_TOKEN", "the variable .npmrc reads is referenced as is");
    let npm_var = auth_var(&c, &npm_up);
    let py_up = assert_private_then_public(&c, Ecosystem::Pypi, &repo.simple_url(), "pypi");
    let mvn_up = assert_private_then_public(&c, Ecosystem::Maven, &repo.maven_url(), "central");
    // The scoped registry is second by position, but its tier (private) does not wait.
    assert!(!c.policy.cools_down("private", true));
    assert!(c.policy.cools_down("public", false));

    let d = check_passes(
        &p,
        &[(&npm_var, token), ("ACME_NPM_TOKEN", scoped_token)],
        &[&npm_up, &scoped_up, &py_up, &mvn_up],
    );
    assert_eq!(d["decisions"].as_array().unwrap().len(), 4);
    assert_no_secret(&p, &run, token);
    assert!(!p.read("depgate.toml").contains(scoped_token));
}

#[test]
fn init_refuses_to_overwrite_and_what_it_writes_quarantines_young_public_versions() {
    let p = Project::new();
    p.write("package.json", r#"{"name": "app", "version": "1.0.0"}"#);
    let run = init(&p, &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let c = written(&p);
    assert_eq!(chain(&c, Ecosystem::Npm), [("npmjs".into(), "https://registry.npmjs.org/".into(), "public".into())]);
    assert!(!c.chains.contains_key(&Ecosystem::Pypi) && !c.chains.contains_key(&Ecosystem::Maven));
    assert!(run.stderr.contains("less than 7 days ago wait"), "{}", run.stderr);
    let again = init(&p, &[]);
    assert_eq!(again.code, 2, "{}", again.all_output());
    assert!(again.stderr.contains("already exists") && again.stderr.contains("--force"), "{}", again.stderr);

    // What init wrote, with its public registry served by a fake: the only upstream of the
    // chain, and still its young versions wait.
    let npm = FakeNpm::start();
    let young = npm.publish("fresh", "2.0.0", "2025-12-30T00:00:00.000Z");
    let old = npm.publish("settled", "1.0.0", "2025-06-01T00:00:00.000Z");
    p.write("depgate.toml", &p.read("depgate.toml").replace("https://registry.npmjs.org/", &npm.url()));
    p.write(
        "package-lock.json",
        &support::package_lock_v3(&[
            support::Locked::new("fresh", "2.0.0", &young, format!("{}fresh/-/fresh-2.0.0.tgz", npm.url())),
            support::Locked::new("settled", "1.0.0", &old, format!("{}settled/-/settled-1.0.0.tgz", npm.url())),
        ]),
    );
    let run = p.depgate(&["check", "--current-time", NOW], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let fresh = p.record("pkg:npm/fresh@2.0.0");
    assert_eq!(fresh["decision"], "quarantine", "{fresh:#}");
    assert_eq!(fresh["resolution"]["fallback"], false);
    assert_eq!(fresh["findings"][0]["rule"], "fallback-cooldown");
    assert_eq!(fresh["findings"][0]["until"], "2026-01-06T00:00:00Z");
    assert_eq!(p.record("pkg:npm/settled@1.0.0")["decision"], "allow");
}

/// The package managers' and bots' cooldowns with `--no-tool-settings`: `init` prints,
/// for each tool the project uses, the lines that make it wait as depgate's cooling tier
/// does, in the tool's own unit; it says which settings already agree and which drift;
/// and it edits none of the tools' files.
#[test]
fn cooldown_lines_for_each_tool_printed_never_written() {
    let p = Project::new();
    p.write("package.json", r#"{"name": "app", "version": "1.0.0", "dependencies": {"left-pad": "1.3.0"}}"#);
    p.write("package-lock.json", &support::package_lock_v3(&[]));
    let workspace = "packages:\n  - \".\"\n";
    p.write("pnpm-workspace.yaml", workspace);
    let bunfig = "[install]\nminimumReleaseAge = 604800\n";
    p.write("bunfig.toml", bunfig);
    let dependabot =
        "version: 2\nupdates:\n  - package-ecosystem: npm\n    directory: /\n    cooldown:\n      default-days: 2\n";
    p.write(".github/dependabot.yml", dependabot);
    let run = init_with(&p, &["--no-tool-settings"], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let err = &run.stderr;
    assert!(!err.contains(": wrote"), "{err}");
    for want in [
        "(--no-tool-settings: printed, not written)",
        "pnpm: add to pnpm-workspace.yaml:\n      minimumReleaseAge: 10080\n",
        "npm: add to .npmrc:\n      min-release-age=7\n",
        "bun: bunfig.toml:2 minimumReleaseAge = 604800 agrees with depgate",
        "dependabot: change (see the warnings below) so that it reads, in .github/dependabot.yml:\n      # the `package-ecosystem: npm` entry of updates:\n      cooldown:\n        default-days: 7\n",
        "warn .github/dependabot.yml:6 cooldown-drift",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    // No other tool is named: yarn, uv, pip and Renovate are not used here.
    for absent in ["yarn:", "uv:", "pip:", "renovate:"] {
        assert!(!err.contains(absent), "{absent} in:\n{err}");
    }
    assert_eq!(p.read("pnpm-workspace.yaml"), workspace);
    assert_eq!(p.read("bunfig.toml"), bunfig);
    assert_eq!(p.read(".github/dependabot.yml"), dependabot);
    assert!(!p.path().join(".npmrc").exists());
}

/// The settings the project's files hold, read as `check` reads them, and their drift from
/// the `depgate.toml` init wrote.
fn tool_settings(p: &Project) -> (Vec<depgate::cooldowns::Setting>, Vec<depgate::cooldowns::drift::Drift>) {
    use depgate::cooldowns::drift::{Depgate, drift};
    let env = |k: &str| (k == "PIP_CONFIG_FILE").then(|| p.path().join("pip.conf").display().to_string());
    let read = depgate::cooldowns::find::project(p.path(), time::OffsetDateTime::now_utc().unix_timestamp(), &env);
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    let gated = [Ecosystem::Npm, Ecosystem::Pypi];
    let d = drift(&read.settings, &Depgate::from_config(&written(p)), &gated);
    (read.settings, d)
}

/// Every file of the tool-settings project, by name.
fn tool_files(p: &Project) -> Vec<(String, String)> {
    [
        ".npmrc",
        "pnpm-workspace.yaml",
        ".yarnrc.yml",
        "bunfig.toml",
        "pyproject.toml",
        "pip.conf",
        "renovate.json",
        ".github/dependabot.yml",
    ]
    .iter()
    .map(|f| (f.to_string(), p.read(f)))
    .collect()
}

/// `init` adds the release-age setting each tool lacks to that tool's own file: what was
/// there stays byte for byte, the new lines are printed, `check`'s readers find them and
/// they agree with depgate; a second `init --force` finds them and writes nothing.
#[test]
fn init_writes_each_missing_tool_setting_once() {
    let p = Project::new();
    p.write("package.json", r#"{"name": "app", "version": "1.0.0", "packageManager": "yarn@4.18.1"}"#);
    p.write("package-lock.json", &support::package_lock_v3(&[]));
    p.write("pnpm-lock.yaml", "lockfileVersion: '9.0'\n");
    p.write("bun.lock", "{\n  \"lockfileVersion\": 1,\n  \"workspaces\": {}\n}\n");
    let npmrc =
        "# the company mirror\nregistry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}";
    p.write(".npmrc", npmrc);
    #[cfg(unix)]
    std::fs::set_permissions(p.path().join(".npmrc"), std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let workspace = "# one package\npackages:\n  - \".\"   # the root\n\ncatalog:\n  left-pad: 1.3.0\n";
    p.write("pnpm-workspace.yaml", workspace);
    let yarnrc = "nodeLinker: node-modules\n# keep the cache in the repo\nenableGlobalCache: false\n";
    p.write(".yarnrc.yml", yarnrc);
    let pyproject = "[project]\nname = \"app\"  # the service\nversion = \"1.0\"\ndependencies = [\n  \"requests>=2\",\n]\n\n[tool.ruff]\nline-length = 100\n";
    p.write("pyproject.toml", pyproject);
    p.write("uv.lock", "version = 1\nrequires-python = \">=3.9\"\n");
    p.write("requirements.txt", "requests==2.32.3\n");
    let pip = "[global]\n# no cache in CI\nno-cache-dir = true\n";
    p.write("pip.conf", pip);
    let renovate = "{\n    \"$schema\": \"https://docs.renovatebot.com/renovate-schema.json\",\n    \"extends\": [\n        \"config:recommended\"\n    ]\n}\n";
    p.write("renovate.json", renovate);
    let dependabot = "version: 2\nupdates:\n  # the app\n  - package-ecosystem: npm\n    directory: /\n    schedule:\n      interval: weekly\n\n  - package-ecosystem: github-actions\n    directory: /\n    schedule:\n      interval: monthly\n  - package-ecosystem: pip\n    directory: /\n    schedule: {interval: daily}\n";
    p.write(".github/dependabot.yml", dependabot);

    let run = init(&p, &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let err = &run.stderr;
    let npm_rule = r#"{"matchDatasources": ["npm"], "minimumReleaseAge": "7 days"}"#;
    let pypi_rule = r#"{"matchDatasources": ["pypi"], "minimumReleaseAge": "7 days"}"#;
    let want = [
        (".npmrc", format!("{npmrc}\nmin-release-age=7\n")),
        ("pnpm-workspace.yaml", format!("{workspace}minimumReleaseAge: 10080\n")),
        (".yarnrc.yml", format!("{yarnrc}npmMinimalAgeGate: 7d\n")),
        ("bunfig.toml", "[install]\nminimumReleaseAge = 604800\n".to_string()),
        ("pyproject.toml", format!("{pyproject}\n[tool.uv]\nexclude-newer = \"7 days\"\n")),
        ("pip.conf", format!("{pip}\n[install]\nuploaded-prior-to = P7D\n")),
        (
            "renovate.json",
            format!(
                "{{\n    \"$schema\": \"https://docs.renovatebot.com/renovate-schema.json\",\n    \"extends\": [\n        \"config:recommended\"\n    ],\n    \"packageRules\": [\n        {npm_rule},\n        {pypi_rule}\n    ]\n}}\n"
            ),
        ),
        (
            ".github/dependabot.yml",
            dependabot
                .replace("interval: weekly\n", "interval: weekly\n    cooldown:\n      default-days: 7\n")
                .replace("{interval: daily}\n", "{interval: daily}\n    cooldown:\n      default-days: 7\n"),
        ),
    ];
    for (file, text) in &want {
        assert_eq!(&p.read(file), text, "{file}");
    }
    for line in [
        "npm: wrote .npmrc: min-release-age=7\n",
        "pnpm: wrote pnpm-workspace.yaml: minimumReleaseAge: 10080\n",
        "yarn: wrote .yarnrc.yml: npmMinimalAgeGate: 7d\n",
        "bun: wrote bunfig.toml:\n      [install]\n      minimumReleaseAge = 604800\n",
        "uv: wrote pyproject.toml:\n      [tool.uv]\n      exclude-newer = \"7 days\"\n",
        "pip: wrote pip.conf:\n      [install]\n      uploaded-prior-to = P7D\n",
        "note: pip reads the project's pip.conf only where PIP_CONFIG_FILE names it",
        "renovate: wrote renovate.json:\n      packageRules += {\"matchDatasources\": [\"npm\"]",
        "dependabot: wrote .github/dependabot.yml:\n      updates[0] (package-ecosystem: npm):\n        cooldown:\n          default-days: 7\n      updates[2] (package-ecosystem: pip):\n",
    ] {
        assert!(err.contains(line), "missing {line:?} in:\n{err}");
    }
    assert!(!err.contains("warn") && !err.contains("NPM_TOKEN"), "{err}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(p.path().join(".npmrc")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the .npmrc keeps its owner-only mode");
    }

    // check's readers find every new setting, and none drifts.
    let (settings, drift) = tool_settings(&p);
    let mut tools: Vec<&str> = settings.iter().map(|s| s.tool.as_str()).collect();
    tools.dedup();
    assert_eq!(tools, ["npm", "pnpm", "yarn", "bun", "uv", "dependabot", "renovate", "pip"], "{settings:#?}");
    assert!(settings.iter().all(|s| s.line > 0 && s.min_age_seconds == 7 * 86_400), "{settings:#?}");
    assert!(drift.is_empty(), "{drift:#?}");

    // A second init: everything agrees; not a byte of the tools' files changes.
    let before = tool_files(&p);
    let again = init_with(&p, &["--force"], &[]);
    assert_eq!(again.code, 0, "{}", again.all_output());
    assert!(!again.stderr.contains(": wrote"), "{}", again.stderr);
    for tool in ["npm", "pnpm", "yarn", "bun", "uv", "pip", "renovate", "dependabot"] {
        assert!(again.stderr.contains(&format!("  {tool}: ")), "{tool} in:\n{}", again.stderr);
    }
    assert_eq!(again.stderr.matches("agrees with depgate").count(), 8, "{}", again.stderr);
    assert_eq!(tool_files(&p), before);
}

/// A setting that is there is the owner's, drifting or not: init warns with the line to
/// change and leaves it. A JSON5 Renovate file is printed, not rewritten; nothing is
/// created where the tool would not look (no `pyproject.toml`, no `uv.toml`).
#[test]
fn init_leaves_set_values_and_json5_alone() {
    let p = Project::new();
    p.write("package.json", r#"{"name": "app", "version": "1.0.0"}"#);
    p.write("package-lock.json", &support::package_lock_v3(&[]));
    let pyproject =
        "[project]\nname = \"app\"\nversion = \"1.0\"\n\n[tool.uv]\n# a short wait\nexclude-newer = \"2 days\"\n";
    p.write("pyproject.toml", pyproject);
    p.write("uv.lock", "version = 1\n");
    let json5 = "{\n  // ours\n  extends: ['config:recommended'],\n}\n";
    p.write("renovate.json5", json5);
    let run = init(&p, &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let err = &run.stderr;
    assert_eq!(p.read("pyproject.toml"), pyproject);
    assert_eq!(p.read("renovate.json5"), json5);
    assert_eq!(p.read(".npmrc"), "min-release-age=7\n");
    assert!(!p.path().join("uv.toml").exists());
    for want in [
        "npm: wrote .npmrc: min-release-age=7\n",
        "uv: change (see the warnings below) so that it reads, in pyproject.toml:",
        "warn pyproject.toml:7 cooldown-drift: uv tool.uv.exclude-newer = 2 days",
        "renovate: add to renovate.json5:\n      {\"matchDatasources\": [\"npm\"], \"minimumReleaseAge\": \"7 days\"},\n",
        "note: not written: renovate.json5: it is JSON5, which depgate does not rewrite",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    let (_, drift) = tool_settings(&p);
    assert_eq!(drift.iter().map(|d| d.tool.as_str()).collect::<Vec<_>>(), ["uv"], "{drift:#?}");
    // Comments in a renovate.json (JSON5 syntax in a .json name): printed too.
    std::fs::remove_file(p.path().join("renovate.json5")).unwrap();
    let commented = "{\n  // ours\n  \"extends\": [\"config:recommended\"]\n}\n";
    p.write("renovate.json", commented);
    let run = init_with(&p, &["--force"], &[]);
    assert!(run.stderr.contains("not written: renovate.json: it is not plain JSON"), "{}", run.stderr);
    assert_eq!(p.read("renovate.json"), commented);
}

/// The folder of scripts/cooldown-tools.sh (uv, pnpm 10, yarn 4, check-jsonschema), once
/// per test binary; `None` with a SKIPPED line when it cannot be installed (a failure under
/// `DEPGATE_REQUIRE_TOOLS=1`).
fn cooldown_tools() -> Option<&'static Path> {
    static TOOLS: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    TOOLS
        .get_or_init(|| {
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/cooldown-tools.sh");
            let out = Command::new("bash").arg(script).output();
            match out {
                Ok(o) if o.status.success() => {
                    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
                    Some(std::path::PathBuf::from(stdout.lines().last().unwrap_or_default()))
                }
                other => {
                    let why = match other {
                        Ok(o) => String::from_utf8_lossy(&o.stderr).into_owned(),
                        Err(e) => e.to_string(),
                    };
                    assert!(!support::served::require_tools(), "scripts/cooldown-tools.sh failed:\n{why}");
                    support::skipped(&format!("init: scripts/cooldown-tools.sh failed: {why}"));
                    None
                }
            }
        })
        .as_deref()
}

/// `program args` in the project with nothing of the machine's configuration: only PATH
/// (for node and python) and a home folder of the project's own.
fn tool_run(p: &Project, program: &Path, args: &[&str]) -> String {
    tool_run_env(p, program, args, &[])
}

fn tool_run_env(p: &Project, program: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let home = p.path().join(".home");
    std::fs::create_dir_all(&home).unwrap();
    let out = Command::new(program)
        .args(args)
        .current_dir(p.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{} {args:?}:\n{all}", program.display());
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The real tools read what `init` writes as depgate's 7 days: yarn 4.18 and pnpm 10.34
/// answer `config get` with 10080 minutes, uv 0.13.9 locks with a 7-day span, npm (11.10+)
/// answers 7, and the Renovate and Dependabot files pass those tools' schemas.
#[test]
fn the_real_tools_read_what_init_writes() {
    let Some(tools) = cooldown_tools() else { return };
    let p = Project::new();
    p.write("package.json", r#"{"name": "app", "version": "1.0.0", "packageManager": "yarn@4.18.1"}"#);
    p.write("package-lock.json", &support::package_lock_v3(&[]));
    p.write("pnpm-lock.yaml", "lockfileVersion: '9.0'\n");
    p.write(".yarnrc.yml", "nodeLinker: node-modules\n");
    p.write(
        "pyproject.toml",
        "[project]\nname = \"app\"\nversion = \"1.0\"\nrequires-python = \">=3.9\"\ndependencies = []\n\n[tool.uv]\npackage = false\n",
    );
    p.write("renovate.json", "{\n  \"extends\": [\"config:recommended\"]\n}\n");
    p.write(
        ".github/dependabot.yml",
        "version: 2\nupdates:\n  - package-ecosystem: npm\n    directory: /\n    schedule:\n      interval: weekly\n  - package-ecosystem: pip\n    directory: /\n    schedule:\n      interval: weekly\n",
    );
    let run = init(&p, &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(run.stderr.matches(": wrote ").count(), 6, "{}", run.stderr);

    let npm_bin = tools.join("npm/node_modules");
    let yarn = tool_run(
        &p,
        Path::new("node"),
        &[npm_bin.join("@yarnpkg/cli-dist/bin/yarn.js").to_str().unwrap(), "config", "get", "npmMinimalAgeGate"],
    );
    assert_eq!(yarn, "10080");
    // The project names yarn as its package manager; pnpm would refuse to run in it.
    let lenient = [("npm_config_package_manager_strict", "false")];
    let pnpm = tool_run_env(&p, &npm_bin.join(".bin/pnpm"), &["config", "get", "minimumReleaseAge"], &lenient);
    // After a warning that it is not the project's package manager.
    assert_eq!(pnpm.lines().last(), Some("10080"), "{pnpm}");
    tool_run(&p, &tools.join("venv/bin/uv"), &["lock", "--offline", "--no-python-downloads", "--quiet"]);
    let lock = p.read("uv.lock");
    assert!(lock.contains("exclude-newer-span = \"P7D\""), "{lock}");
    for (schema, file) in [("vendor.renovate", "renovate.json"), ("vendor.dependabot", ".github/dependabot.yml")] {
        tool_run(&p, &tools.join("venv/bin/check-jsonschema"), &["--builtin-schema", schema, file]);
    }
    let npm_version = tool_run(&p, Path::new("npm"), &["--version"]);
    let v: Vec<u32> = npm_version.split('.').take(2).filter_map(|x| x.parse().ok()).collect();
    if v.as_slice() >= [11, 10].as_slice() {
        assert_eq!(tool_run(&p, Path::new("npm"), &["config", "get", "min-release-age"]), "7");
    } else {
        support::skipped(&format!("init: npm {npm_version} predates min-release-age (11.10)"));
    }
}
