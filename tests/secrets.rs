//! The secrets sweep: runs of `check` and `serve` with credentials configured (a Bearer
//! token for one upstream, Basic user:password for the other, the proxy's client token),
//! each at trace level, in every outcome (allowed, denied, upstream 401, upstream
//! unreachable, variable missing, a config URL with userinfo, wrong client tokens, upstream
//! failures through the proxy). Then every output is swept: stdout, stderr, every file the
//! runs left (report folder: decisions, SBOMs, SARIF, summary, audit log, signed summary;
//! the cache; the proxy's client files and ready file) and every proxy answer (status line,
//! headers, body). No token, wrong token, password, their Base64 (Basic) forms or URL
//! userinfo may appear anywhere.
//!
//! Tokens are random per run, so a leak cannot hide behind a fixed fixture value.

mod support;

use std::path::{Path, PathBuf};

use base64::Engine as _;
use support::fake_npm::{FakeNpm, Fault};
use support::served::{Rng, Served, raw_get};
use support::{Locked, Project, package_lock_v3};

const NOW: &str = "2026-01-01T00:00:00Z";
const OLD: &str = "2025-06-01T00:00:00.000Z";
const YOUNG: &str = "2025-12-30T00:00:00.000Z";

/// The credentials of one run, and every form of them that must never be printed.
struct Secrets {
    bearer: String,
    user: String,
    password: String,
    proxy: String,
    wrong: String,
    url_password: String,
}

impl Secrets {
    fn new(rng: &mut Rng) -> Self {
        let mut t = |what: &str| format!("{what}{:016x}{:016x}", rng.next_u64(), rng.next_u64());
        Self {
            bearer: t("bearer-"),
            user: t("ci-user-"),
            password: t("pw-"),
            proxy: t("proxy-"),
            wrong: t("wrong-"),
            url_password: t("urlpw-"),
        }
    }

    fn basic(&self) -> String {
        format!("{}:{}", self.user, self.password)
    }

    /// Every string that must not appear in any output, with what it is.
    fn needles(&self) -> Vec<(String, &'static str)> {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        vec![
            (self.bearer.clone(), "the Bearer token"),
            (self.password.clone(), "the Basic password"),
            (b64(&self.basic()), "the Basic credentials in Base64"),
            (self.basic(), "user:password"),
            (self.proxy.clone(), "the proxy token"),
            (b64(&format!("depgate:{}", self.proxy)), "the proxy token as Basic"),
            (self.wrong.clone(), "a wrong token"),
            (b64(&format!("depgate:{}", self.wrong)), "a wrong token as Basic"),
            (self.url_password.clone(), "a URL password"),
            (format!("{}@", self.user), "URL userinfo"),
        ]
    }
}

/// Everything one output contained, named for the failure message.
#[derive(Default)]
struct Sweep {
    outputs: Vec<(String, String)>,
}

impl Sweep {
    fn add(&mut self, what: impl Into<String>, text: impl Into<String>) {
        self.outputs.push((what.into(), text.into()));
    }

    fn add_run(&mut self, what: &str, run: &support::Run) {
        self.add(format!("{what}: stdout"), run.stdout.clone());
        self.add(format!("{what}: stderr"), run.stderr.clone());
    }

    /// Every file under `dir` but `skip` (the inputs that hold secrets on purpose).
    fn add_files(&mut self, dir: &Path, skip: &[PathBuf]) {
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if !skip.contains(&p) {
                    let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
                    self.add(p.display().to_string(), text);
                }
            }
        }
    }

    fn assert_clean(&self, secrets: &Secrets) -> usize {
        let needles = secrets.needles();
        for (what, text) in &self.outputs {
            for (needle, name) in &needles {
                assert!(!text.contains(needle.as_str()), "{name} appears in {what}:\n{text}");
            }
        }
        self.outputs.iter().map(|(_, t)| t.len()).sum()
    }
}

fn trace_env<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    // Everything, the HTTP and TLS libraries' internals too (a bare level leaves them out).
    let mut env = vec![("DEPGATE_LOG", "trace,h2=trace,hyper=trace,hyper_util=trace,reqwest=trace,rustls=trace")];
    env.extend_from_slice(extra);
    env
}

fn config(curated: &str, public: &str) -> String {
    format!(
        "[npm]\nchain = [\"curated\", \"public\"]\n\n\
         [upstream.curated]\nkind = \"npm\"\nurl = \"{curated}\"\ntier = \"curated\"\ntimeout_secs = 2\nretries = 0\n\
         auth = \"env:CURATED_TOKEN\"\n\n\
         [upstream.public]\nkind = \"npm\"\nurl = \"{public}\"\ntier = \"public\"\ntimeout_secs = 2\nretries = 0\n\
         auth = \"env:PUBLIC_BASIC\"\nauth_scheme = \"basic\"\n"
    )
}

fn tarball(reg: &FakeNpm, name: &str, version: &str) -> String {
    format!("{}{name}/-/{name}-{version}.tgz", reg.url())
}

#[test]
fn no_output_of_check_carries_a_credential() {
    let mut rng = Rng::seeded("secrets/check");
    let s = Secrets::new(&mut rng);
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    curated.require_token(&s.bearer);
    let basic = base64::engine::general_purpose::STANDARD.encode(s.basic());
    public.require_authorization(&format!("Basic {basic}"));
    let lp = curated.publish("left-pad", "1.3.0", OLD);
    let ms = public.publish("ms", "2.1.3", OLD);
    let young = public.publish("fresh", "1.0.0", YOUNG);
    let p = Project::new();
    p.write("depgate.toml", &config(&curated.url(), &public.url()));
    let good = vec![
        Locked::new("left-pad", "1.3.0", &lp, tarball(&curated, "left-pad", "1.3.0")),
        Locked::new("ms", "2.1.3", &ms, tarball(&public, "ms", "2.1.3")),
    ];
    p.write("package-lock.json", &package_lock_v3(&good));
    let creds = [("CURATED_TOKEN", s.bearer.as_str()), ("PUBLIC_BASIC", &s.basic())];
    let mut sweep = Sweep::default();
    let mut codes = Vec::new();
    let mut run = |sweep: &mut Sweep, what: &str, args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["check", "--current-time", NOW];
        all.extend_from_slice(args);
        let r = p.depgate(&all, env);
        sweep.add_run(what, &r);
        codes.push(format!("{what} → {}", r.code));
        r
    };

    // Allowed, with downloads, SARIF, JSON on stdout and every log line.
    let ok = run(&mut sweep, "allowed", &["--download", "-vvv"], &trace_env(&creds));
    assert_eq!(ok.code, 0, "{}", ok.all_output());
    assert!(curated.log().iter().all(|l| l.authorization.as_deref() == Some(format!("Bearer {}", s.bearer).as_str())));
    let json = run(&mut sweep, "json", &["--format", "json"], &trace_env(&creds));
    assert_eq!(json.code, 0, "{}", json.all_output());
    // Denied: a fallback version inside the cooldown, and an integrity mismatch.
    let denied = vec![
        Locked::new("left-pad", "1.3.0", &lp, tarball(&curated, "left-pad", "1.3.0")),
        Locked::new("ms", "2.1.3", &lp, tarball(&public, "ms", "2.1.3")),
        Locked::new("fresh", "1.0.0", &young, tarball(&public, "fresh", "1.0.0")),
    ];
    p.write("package-lock.json", &package_lock_v3(&denied));
    let deny = run(&mut sweep, "denied", &["-vvv"], &trace_env(&creds));
    assert_eq!(deny.code, 1, "{}", deny.all_output());
    p.write("package-lock.json", &package_lock_v3(&good));
    // The upstream refuses the token (401), with the wrong value configured.
    let wrong_creds = [("CURATED_TOKEN", s.wrong.as_str()), ("PUBLIC_BASIC", &s.basic())];
    let refused = run(&mut sweep, "upstream 401", &["-vvv", "--download"], &trace_env(&wrong_creds));
    assert_eq!(refused.code, 3, "{}", refused.all_output());
    // Basic refused too (a wrong password in the same user).
    let wrong_basic = format!("{}:{}", s.user, s.wrong);
    let refused_basic = [("CURATED_TOKEN", s.bearer.as_str()), ("PUBLIC_BASIC", wrong_basic.as_str())];
    let r = run(&mut sweep, "upstream 401 (basic)", &["-vvv"], &trace_env(&refused_basic));
    assert_eq!(r.code, 3, "{}", r.all_output());
    // The variable is missing: a message naming it.
    let missing = run(&mut sweep, "variable missing", &[], &trace_env(&[("PUBLIC_BASIC", &s.basic())]));
    assert_eq!(missing.code, 3, "{}", missing.all_output());
    assert!(missing.all_output().contains("CURATED_TOKEN"), "{}", missing.all_output());

    // An unreachable upstream (nothing listens on the port) with both credentials set.
    let gone = Project::new();
    gone.write("depgate.toml", &config("http://127.0.0.1:9/", &public.url()));
    gone.write("package-lock.json", &package_lock_v3(&good));
    let r = gone.depgate(&["check", "--current-time", NOW, "-vvv"], &trace_env(&creds));
    assert_eq!(r.code, 3, "{}", r.all_output());
    sweep.add_run("upstream unreachable", &r);
    codes.push(format!("upstream unreachable → {}", r.code));

    // Credentials in a config URL are refused; the refusal must not quote them.
    let userinfo = Project::new();
    let leaky = format!("http://{}:{}@127.0.0.1:9/", s.user, s.url_password);
    let leaky_config = userinfo.write("depgate.toml", &config(&leaky, &public.url()));
    userinfo.write("package-lock.json", &package_lock_v3(&good));
    let r = userinfo.depgate(&["check", "--current-time", NOW, "-vvv"], &trace_env(&creds));
    assert_eq!(r.code, 2, "{}", r.all_output());
    assert!(r.stderr.contains("carries credentials"), "{}", r.stderr);
    sweep.add_run("config URL with userinfo", &r);
    codes.push(format!("config URL with userinfo → {}", r.code));
    let validate = userinfo.depgate(&["policy", "validate"], &trace_env(&[]));
    sweep.add_run("config URL with userinfo (policy validate)", &validate);
    // A token written into the config instead of `env:VAR`: refused without quoting it.
    let literal = Project::new();
    let literal_config = literal
        .write("depgate.toml", &config(&curated.url(), &public.url()).replace("env:CURATED_TOKEN", &s.url_password));
    literal.write("package-lock.json", &package_lock_v3(&good));
    let r = literal.depgate(&["check", "--current-time", NOW, "-vvv"], &trace_env(&creds));
    assert_eq!(r.code, 2, "{}", r.all_output());
    assert!(r.stderr.contains("env:VAR"), "{}", r.stderr);
    sweep.add_run("literal token in config", &r);
    codes.push(format!("literal token in config → {}", r.code));

    for dir in [p.path(), gone.path(), userinfo.path(), literal.path()] {
        sweep.add_files(dir, &[leaky_config.clone(), literal_config.clone()]);
    }
    let report_files: Vec<String> = std::fs::read_dir(p.path().join("depgate-report"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let bytes = sweep.assert_clean(&s);
    support::report(&format!(
        "secrets/check: {} outputs ({bytes} bytes) swept for {} credential forms, none found; runs: {}; report files: {}",
        sweep.outputs.len(),
        s.needles().len(),
        codes.join(", "),
        report_files.join(" ")
    ));
}

#[test]
fn no_output_or_answer_of_serve_carries_a_credential() {
    let mut rng = Rng::seeded("secrets/serve");
    let s = Secrets::new(&mut rng);
    let work = tempfile::tempdir().unwrap();
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    curated.require_token(&s.bearer);
    let basic = base64::engine::general_purpose::STANDARD.encode(s.basic());
    public.require_authorization(&format!("Basic {basic}"));
    curated.publish("left-pad", "1.3.0", OLD);
    public.publish("ms", "2.1.3", OLD);
    public.publish("broken", "1.0.0", OLD);
    public.fault("broken", Fault::Status(500));
    let config = work.path().join("depgate.toml");
    std::fs::write(&config, config_text(&curated, &public)).unwrap();
    let b64 = |t: &str| base64::engine::general_purpose::STANDARD.encode(format!("depgate:{t}"));
    let mut sweep = Sweep::default();
    let mut statuses = Vec::new();
    let user_password = s.basic();

    for (round, curated_token) in [("good upstream tokens", s.bearer.as_str()), ("wrong upstream token", &s.wrong)] {
        let dir = work.path().join(round.replace(' ', "-"));
        std::fs::create_dir_all(&dir).unwrap();
        let env = trace_env(&[
            ("CURATED_TOKEN", curated_token),
            ("PUBLIC_BASIC", &user_password),
            ("DEPGATE_PROXY_TOKEN", &s.proxy),
        ]);
        let served = Served::start_env(&dir, &config, &["--current-time", NOW, "-vvv"], &env);
        let addr = served.addr();
        let bearer = format!("Authorization: Bearer {}\r\n", s.proxy);
        let asks = [
            ("no client token", "/npm/left-pad".to_string(), String::new()),
            ("wrong client token", "/npm/left-pad".into(), format!("Authorization: Bearer {}\r\n", s.wrong)),
            (
                "wrong client token (basic)",
                "/npm/left-pad".into(),
                format!("Authorization: Basic {}\r\n", b64(&s.wrong)),
            ),
            ("packument", "/npm/left-pad".into(), bearer.clone()),
            ("tarball", "/npm/left-pad/-/left-pad-1.3.0.tgz".into(), bearer.clone()),
            (
                "fallback tarball (basic)",
                "/npm/ms/-/ms-2.1.3.tgz".into(),
                format!("Authorization: Basic {}\r\n", b64(&s.proxy)),
            ),
            ("upstream 500", "/npm/broken".into(), bearer.clone()),
            ("upstream 500 tarball", "/npm/broken/-/broken-1.0.0.tgz".into(), bearer.clone()),
            ("unknown", "/npm/nowhere".into(), bearer.clone()),
            ("bad path", "/npm/..%2fetc".into(), bearer.clone()),
            ("pypi unconfigured", "/pypi/simple/requests/".into(), bearer.clone()),
        ];
        for (what, path, header) in &asks {
            let (status, head, body) = raw_get(&addr, path, header);
            sweep.add(format!("{round}: {what}: answer"), format!("{head}\r\n\r\n{}", String::from_utf8_lossy(&body)));
            statuses.push(format!("{what} → {status}"));
            if what.contains("client token") {
                assert_eq!(status, 401, "{what}: {head}");
            }
        }
        if round == "good upstream tokens" {
            let (status, head, _) = raw_get(&addr, "/npm/left-pad/-/left-pad-1.3.0.tgz", &bearer);
            assert_eq!(status, 200, "{head}\n{}", served.log());
        }
        let (code, stderr) = served.stop();
        assert_eq!(code, 0, "{stderr}");
        sweep.add_files(&dir, &[]);
    }
    let bytes = sweep.assert_clean(&s);
    support::report(&format!(
        "secrets/serve: {} outputs ({bytes} bytes: answers, stdout, stderr at trace, report folder, client files, cache) \
         swept for {} credential forms, none found; answers: {}",
        sweep.outputs.len(),
        s.needles().len(),
        statuses.join(", ")
    ));
}

fn config_text(curated: &FakeNpm, public: &FakeNpm) -> String {
    config(&curated.url(), &public.url())
}
