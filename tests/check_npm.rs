//! `depgate check` for npm against fake registries on 127.0.0.1: the chain, ownership,
//! namespaces, failures (fail closed), integrity, cooldown, caching and secrets.

mod support;

use std::time::Duration;

use support::fake_npm::{FakeNpm, Fault};
use support::{Locked, Project, chain_config, package_lock_v3};

const NOW: &str = "2026-01-01T00:00:00Z";
const OLD: &str = "2025-06-01T00:00:00.000Z";
const YOUNG: &str = "2025-12-30T00:00:00.000Z";

fn check(p: &Project, extra: &[&str], env: &[(&str, &str)]) -> support::Run {
    let mut args = vec!["check", "--current-time", NOW];
    args.extend_from_slice(extra);
    p.depgate(&args, env)
}

/// A project gated by a `curated` → `public` chain over two fake registries.
fn gated(curated: &FakeNpm, public: &FakeNpm, extra_curated: &str, policy: &str, entries: &[Locked<'_>]) -> Project {
    let p = Project::new();
    p.write("depgate.toml", &chain_config(&curated.url(), &public.url(), extra_curated, policy));
    p.write("package-lock.json", &package_lock_v3(entries));
    p
}

fn tarball(reg: &FakeNpm, name: &str, version: &str) -> String {
    let base = name.rsplit('/').next().unwrap();
    format!("{}{name}/-/{base}-{version}.tgz", reg.url())
}

#[test]
fn owner_has_it_and_fallback_on_404() {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let a = curated.publish("left-pad", "1.3.0", OLD);
    let b = public.publish("ms", "2.1.3", OLD);
    let p = gated(
        &curated,
        &public,
        "",
        "",
        &[
            Locked::new("left-pad", "1.3.0", &a, tarball(&curated, "left-pad", "1.3.0")),
            Locked::new("ms", "2.1.3", &b, tarball(&public, "ms", "2.1.3")),
        ],
    );
    let run = check(&p, &[], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());

    let lp = p.record("pkg:npm/left-pad@1.3.0");
    assert_eq!(lp["decision"], "allow");
    assert_eq!(lp["resolution"]["upstream"], "curated");
    assert_eq!(lp["resolution"]["priority"], 1);
    assert_eq!(lp["resolution"]["fallback"], false);
    assert_eq!(lp["resolution"]["lockfile_integrity"], "match");
    assert_eq!(lp["resolution"]["lockfile_source"]["matches_owner"], true);

    let ms = p.record("pkg:npm/ms@2.1.3");
    assert_eq!(ms["decision"], "allow");
    assert_eq!(ms["resolution"]["upstream"], "public");
    assert_eq!(ms["resolution"]["tier"], "public");
    assert_eq!(ms["resolution"]["fallback"], true);
    assert_eq!(ms["resolution"]["fell_through"][0]["upstream"], "curated");
    assert_eq!(ms["resolution"]["fell_through"][0]["reason"], "not_found");
    // The fallback upstream is asked for the full document (publish times for the cooldown).
    assert!(public.requests_for("ms").iter().all(|l| l.accept.as_deref() == Some("application/json")));
    // The curated upstream is only asked for what it owns; the abbreviated form suffices there.
    assert!(
        curated.requests_for("left-pad")[0]
            .accept
            .as_deref()
            .unwrap()
            .starts_with("application/vnd.npm.install-v1+json")
    );
    // summary.md names counts by decision and tier.
    let summary = p.read("depgate-report/summary.md");
    assert!(summary.contains("| curated | 1 | 1 |"), "{summary}");
    assert!(summary.contains("| public | 1 | 1 |"), "{summary}");
}

#[test]
fn owned_name_is_never_fetched_from_a_lower_upstream() {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    curated.publish("internal-utils", "1.0.0", OLD);
    // The squat: a higher version of the same name on the public registry.
    let evil = public.publish("internal-utils", "9.9.9", OLD);
    let p = gated(
        &curated,
        &public,
        "",
        "",
        &[Locked::new("internal-utils", "9.9.9", &evil, tarball(&public, "internal-utils", "9.9.9"))],
    );
    let run = check(&p, &["--download"], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let r = p.record("pkg:npm/internal-utils@9.9.9");
    assert_eq!(r["decision"], "deny");
    assert_eq!(r["findings"][0]["rule"], "not-found-in-owner");
    assert!(r["findings"][0]["msg"].as_str().unwrap().contains("dependency confusion"), "{r:#}");
    assert_eq!(r["resolution"]["owner_latest"], "1.0.0");
    assert!(public.log().is_empty(), "the public upstream was asked: {:?}", public.log());
    assert!(run.stdout.contains("not-found-in-owner"), "{}", run.stdout);
}

#[test]
fn lockfile_from_a_lower_upstream_is_an_ownership_violation() {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    // Same bytes on both (a mirror), but the lockfile took it from the lower upstream.
    let bytes = b"shared tarball".to_vec();
    let i = curated.publish_bytes("shared", "1.0.0", OLD, bytes.clone());
    public.publish_bytes("shared", "1.0.0", OLD, bytes);
    let p =
        gated(&curated, &public, "", "", &[Locked::new("shared", "1.0.0", &i, tarball(&public, "shared", "1.0.0"))]);
    let run = check(&p, &[], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let r = p.record("pkg:npm/shared@1.0.0");
    assert_eq!(r["findings"][0]["rule"], "ownership-violation", "{r:#}");
    assert_eq!(r["resolution"]["lockfile_source"]["upstream"], "public");
    assert!(public.log().is_empty());
}

#[test]
fn namespace_bound_to_an_upstream_without_the_version_never_falls_through() {
    let private = FakeNpm::start();
    let public = FakeNpm::start();
    private.publish("@acme/billing", "1.0.0", OLD);
    let evil = public.publish("@acme/billing", "2.0.0", OLD);
    // The public upstream also has a name the private one lacks entirely.
    let evil2 = public.publish("@acme/ghost", "1.0.0", OLD);
    let p = Project::new();
    let cfg = chain_config(&public.url(), &private.url(), "", "").replace(
        "chain = [\"curated\", \"public\"]",
        "chain = [\"curated\", \"public\"]\nnamespaces = { \"@acme/*\" = \"public\" }",
    );
    // Here `curated` (priority 1) is the *public* fake and `public` is the private one, so
    // that without the namespace the squat would win by priority.
    p.write("depgate.toml", &cfg);
    p.write(
        "package-lock.json",
        &package_lock_v3(&[
            Locked::new("@acme/billing", "2.0.0", &evil, tarball(&public, "@acme/billing", "2.0.0")),
            Locked::new("@acme/ghost", "1.0.0", &evil2, tarball(&public, "@acme/ghost", "1.0.0")),
        ]),
    );
    let run = check(&p, &[], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let billing = p.record("pkg:npm/%40acme/billing@2.0.0");
    assert_eq!(billing["decision"], "deny");
    assert_eq!(billing["resolution"]["ownership"]["bound_by"], "namespace");
    assert_eq!(billing["resolution"]["ownership"]["pattern"], "@acme/*");
    assert_eq!(billing["findings"][0]["rule"], "not-found-in-owner");
    let ghost = p.record("pkg:npm/%40acme/ghost@1.0.0");
    assert_eq!(ghost["findings"][0]["rule"], "namespace-not-found", "{ghost:#}");
    assert!(public.log().is_empty(), "a namespace-bound name was asked of another upstream: {:?}", public.log());
}

fn failing_priority_one(fault: Fault, expect: &str) {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let i = public.publish("ms", "2.1.3", OLD);
    curated.fault("*", fault);
    let p = gated(&curated, &public, "", "", &[Locked::new("ms", "2.1.3", &i, tarball(&public, "ms", "2.1.3"))]);
    let run = check(&p, &[], &[]);
    assert_eq!(run.code, 3, "{}", run.all_output());
    let r = p.record("pkg:npm/ms@2.1.3");
    assert_eq!(r["decision"], "error");
    assert_eq!(r["findings"][0]["rule"], "upstream-failure");
    let msg = r["findings"][0]["msg"].as_str().unwrap();
    assert!(msg.contains("upstream `curated`") && msg.contains(expect), "{msg}");
    assert!(run.stdout.contains(expect), "{}", run.stdout);
    // Fail closed: the lower upstream was not consulted instead.
    assert!(public.log().is_empty(), "{:?}", public.log());
}

#[test]
fn unauthorized_priority_one_fails_closed() {
    failing_priority_one(Fault::Status(401), "refused access (401 Unauthorized)");
}

#[test]
fn server_error_priority_one_fails_closed_after_retries() {
    let curated = FakeNpm::start();
    curated.fault("*", Fault::Status(500));
    failing_priority_one(Fault::Status(500), "500 Internal Server Error");
    // Bounded retries: retries = 1 in the config → 2 requests.
    let p = Project::new();
    let public = FakeNpm::start();
    let i = public.publish("ms", "2.1.3", OLD);
    p.write("depgate.toml", &chain_config(&curated.url(), &public.url(), "", ""));
    p.write("package-lock.json", &package_lock_v3(&[Locked::new("ms", "2.1.3", &i, tarball(&public, "ms", "2.1.3"))]));
    assert_eq!(check(&p, &[], &[]).code, 3);
    assert_eq!(curated.log().len(), 2, "{:?}", curated.log());
}

#[test]
fn timeout_priority_one_fails_closed() {
    // The time waited, measured (2.0s, or a little more on a loaded machine), and the limit.
    failing_priority_one(Fault::Delay(Duration::from_secs(5)), "(timeout_secs = 2)");
}

#[test]
fn configured_fall_through_on_5xx_is_recorded() {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    curated.fault("*", Fault::Status(503));
    let i = public.publish("ms", "2.1.3", OLD);
    let p = Project::new();
    p.write(
        "depgate.toml",
        &chain_config(&curated.url(), &public.url(), "fall_through = [\"not_found\", \"http_5xx\"]", ""),
    );
    p.write("package-lock.json", &package_lock_v3(&[Locked::new("ms", "2.1.3", &i, tarball(&public, "ms", "2.1.3"))]));
    let run = check(&p, &[], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let r = p.record("pkg:npm/ms@2.1.3");
    assert_eq!(r["resolution"]["fell_through"][0]["reason"], "http_5xx");
}

/// The first finding's message names both sha512 digests of a mismatch, each with its label:
/// `(sha512: <first label> <hex>, <second label> <hex>)`, from the resolution's digest maps.
fn assert_shows_both_digests(
    r: &serde_json::Value,
    (first, first_label): (&str, &str),
    (second, second_label): (&str, &str),
) {
    let digest = |map: &str| r["resolution"][map]["sha512"].as_str().unwrap().to_string();
    let (one, other) = (digest(first), digest(second));
    assert_ne!(one, other);
    let msg = r["findings"][0]["msg"].as_str().unwrap();
    assert!(msg.contains(&format!("(sha512: {first_label} {one}, {second_label} {other})")), "{msg}");
}

#[test]
fn integrity_mismatch_in_lockfile_and_in_downloaded_bytes() {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    curated.publish("left-pad", "1.3.0", OLD);
    let good = curated.publish("is-number", "7.0.0", OLD);
    let forged = support::fake_npm::sri_sha512(b"something else");
    let p = gated(
        &curated,
        &public,
        "",
        "",
        &[
            Locked::new("left-pad", "1.3.0", &forged, tarball(&curated, "left-pad", "1.3.0")),
            Locked::new("is-number", "7.0.0", &good, tarball(&curated, "is-number", "7.0.0")),
        ],
    );
    let run = check(&p, &[], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let r = p.record("pkg:npm/left-pad@1.3.0");
    assert_eq!(r["resolution"]["lockfile_integrity"], "mismatch");
    assert_eq!(r["findings"][0]["rule"], "integrity-mismatch");
    // Both sides of the mismatch are in the message, as hex.
    assert_shows_both_digests(&r, ("lockfile_digests", "lockfile"), ("digests", "upstream"));
    assert_eq!(p.record("pkg:npm/is-number@7.0.0")["decision"], "allow");

    // The registry's metadata is consistent, but the bytes it serves are not.
    curated.fault("is-number/-/", Fault::TamperTarball);
    p.write(
        "package-lock.json",
        &package_lock_v3(&[Locked::new("is-number", "7.0.0", &good, tarball(&curated, "is-number", "7.0.0"))]),
    );
    let run = check(&p, &["--download"], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let r = p.record("pkg:npm/is-number@7.0.0");
    assert_eq!(r["resolution"]["artifact_integrity"], "mismatch", "{r:#}");
    assert_eq!(r["findings"][0]["rule"], "integrity-mismatch");
    assert_shows_both_digests(&r, ("artifact_digests", "downloaded"), ("digests", "published"));
}

#[test]
fn download_fills_the_content_addressed_cache() {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let i = curated.publish("left-pad", "1.3.0", OLD);
    let p = gated(
        &curated,
        &public,
        "",
        "",
        &[Locked::new("left-pad", "1.3.0", &i, tarball(&curated, "left-pad", "1.3.0"))],
    );
    assert_eq!(check(&p, &["--download"], &[]).code, 0);
    let r = p.record("pkg:npm/left-pad@1.3.0");
    assert_eq!(r["resolution"]["artifact_integrity"], "match");
    assert_eq!(r["resolution"]["cache"], "miss");
    curated.clear_log();
    assert_eq!(check(&p, &["--download"], &[]).code, 0);
    let r = p.record("pkg:npm/left-pad@1.3.0");
    assert_eq!(r["resolution"]["cache"], "hit");
    assert!(curated.log().iter().all(|l| !l.path.contains("/-/")), "tarball fetched again: {:?}", curated.log());
}

#[test]
fn metadata_is_revalidated_with_etags() {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let i = curated.publish("left-pad", "1.3.0", OLD);
    let p = gated(
        &curated,
        &public,
        "",
        "",
        &[Locked::new("left-pad", "1.3.0", &i, tarball(&curated, "left-pad", "1.3.0"))],
    );
    assert_eq!(check(&p, &[], &[]).code, 0);
    curated.clear_log();
    assert_eq!(check(&p, &[], &[]).code, 0);
    let log = curated.log();
    assert_eq!(log.len(), 1);
    assert!(log[0].if_none_match.is_some(), "{log:?}");
    assert_eq!(log[0].status, 304);
    assert_eq!(p.record("pkg:npm/left-pad@1.3.0")["decision"], "allow");
}

/// Packument requests the curated registry answered since its log was cleared, with
/// their statuses.
fn packument_requests(reg: &FakeNpm) -> Vec<u16> {
    let log = reg.log();
    reg.clear_log();
    log.iter().filter(|l| !l.path.contains("/-/")).map(|l| l.status).collect()
}

#[test]
fn metadata_fresh_by_the_registrys_max_age_is_not_asked_for_again() {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let i = curated.publish("left-pad", "1.3.0", OLD);
    curated.packument_headers(&[("cache-control", "public, max-age=300")]);
    let p = gated(
        &curated,
        &public,
        "",
        "",
        &[Locked::new("left-pad", "1.3.0", &i, tarball(&curated, "left-pad", "1.3.0"))],
    );
    assert_eq!(check(&p, &[], &[]).code, 0);
    assert_eq!(packument_requests(&curated), [200]);
    // Inside the 5 minutes npm allows: no request at all, the same decision.
    assert_eq!(check(&p, &[], &[]).code, 0);
    assert_eq!(packument_requests(&curated), Vec::<u16>::new());
    assert_eq!(p.record("pkg:npm/left-pad@1.3.0")["decision"], "allow");
    // --refresh asks anyway (conditionally), and the 304 renews the freshness.
    assert_eq!(check(&p, &["--refresh"], &[]).code, 0);
    assert_eq!(packument_requests(&curated), [304]);
    assert_eq!(check(&p, &[], &[]).code, 0);
    assert_eq!(packument_requests(&curated), Vec::<u16>::new());
    // An answer already as old as its max-age (Age) is stale at once: asked every run.
    curated.packument_headers(&[("cache-control", "max-age=300"), ("age", "300")]);
    assert_eq!(check(&p, &["--refresh"], &[]).code, 0);
    assert_eq!(check(&p, &[], &[]).code, 0);
    assert_eq!(packument_requests(&curated), [304, 304]);
    // no-cache wins over max-age.
    curated.packument_headers(&[("cache-control", "no-cache, max-age=300")]);
    assert_eq!(check(&p, &["--refresh"], &[]).code, 0);
    assert_eq!(check(&p, &[], &[]).code, 0);
    assert_eq!(packument_requests(&curated), [304, 304]);
    // [cache] max_staleness = "0s": the registry's max-age is not taken up.
    curated.packument_headers(&[("cache-control", "public, max-age=300")]);
    let config = p.read("depgate.toml");
    p.write("depgate.toml", &format!("{config}\n[cache]\nmax_staleness = \"0s\"\n"));
    assert_eq!(check(&p, &["--refresh"], &[]).code, 0);
    assert_eq!(check(&p, &[], &[]).code, 0);
    assert_eq!(packument_requests(&curated), [304, 304]);
    // A value that is not a duration, or past a day, is an error naming the setting.
    p.write("depgate.toml", &format!("{config}\n[cache]\nmax_staleness = \"2d\"\n"));
    let r = check(&p, &[], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("`max_staleness` must be at most 1d"), "{}", r.stderr);
}

#[test]
fn cooldown_quarantines_young_fallback_versions_until_a_date() {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let young = public.publish("fresh", "1.0.0", YOUNG);
    let young_curated = curated.publish("fresh-curated", "1.0.0", YOUNG);
    let exempt = public.publish("exempted", "1.0.0", YOUNG);
    let p = Project::new();
    p.write(
        "depgate.toml",
        &chain_config(
            &curated.url(),
            &public.url(),
            "",
            "quarantine_days = 7\ncooldown_exempt = [\"pkg:npm/exempted@*\"]",
        ),
    );
    p.write(
        "package-lock.json",
        &package_lock_v3(&[
            Locked::new("fresh", "1.0.0", &young, tarball(&public, "fresh", "1.0.0")),
            Locked::new("fresh-curated", "1.0.0", &young_curated, tarball(&curated, "fresh-curated", "1.0.0")),
            Locked::new("exempted", "1.0.0", &exempt, tarball(&public, "exempted", "1.0.0")),
        ]),
    );
    let run = check(&p, &[], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let r = p.record("pkg:npm/fresh@1.0.0");
    assert_eq!(r["decision"], "quarantine");
    assert_eq!(r["findings"][0]["rule"], "fallback-cooldown");
    assert_eq!(r["findings"][0]["until"], "2026-01-06T00:00:00Z");
    assert_eq!(r["resolution"]["age_days"], 2.0);
    // The same young version from the curated tier is allowed; an exempted purl passes.
    assert_eq!(p.record("pkg:npm/fresh-curated@1.0.0")["decision"], "allow");
    assert_eq!(p.record("pkg:npm/exempted@1.0.0")["decision"], "allow");
    // After the cooldown the same lockfile passes.
    let later = p.depgate(&["check", "--current-time", "2026-01-07T00:00:00Z"], &[]);
    assert_eq!(later.code, 0, "{}", later.all_output());
}

#[test]
fn tokens_are_sent_but_never_printed() {
    const TOKEN: &str = "s3cr3t-t0ken-value-9f8e7d";
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    curated.require_token(TOKEN);
    let i = curated.publish("left-pad", "1.3.0", OLD);
    let p = gated(
        &curated,
        &public,
        "auth = \"env:CURATED_TOKEN\"",
        "",
        &[Locked::new("left-pad", "1.3.0", &i, tarball(&curated, "left-pad", "1.3.0"))],
    );
    let ok = check(&p, &["--download", "-vv"], &[("CURATED_TOKEN", TOKEN), ("DEPGATE_LOG", "trace")]);
    assert_eq!(ok.code, 0, "{}", ok.all_output());
    assert!(curated.log().iter().all(|l| l.authorization.as_deref() == Some(&format!("Bearer {TOKEN}") as &str)));
    let json = check(&p, &["--format", "json"], &[("CURATED_TOKEN", TOKEN)]);
    // A wrong token: the 401 path must not echo it either.
    let bad = check(&p, &[], &[("CURATED_TOKEN", "wrong-token-abc")]);
    assert_eq!(bad.code, 3);
    // A missing variable: a clear message naming the variable, not a value.
    let missing = check(&p, &[], &[]);
    assert_eq!(missing.code, 3);
    assert!(missing.stdout.contains("CURATED_TOKEN"), "{}", missing.stdout);
    for out in [ok.all_output(), json.all_output(), bad.all_output(), missing.all_output(), p.all_files_text()] {
        assert!(!out.contains(TOKEN), "token leaked");
        assert!(!out.contains("wrong-token-abc"), "token leaked");
    }
}

#[test]
fn stale_resolved_urls_are_reported_with_a_remedy() {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let i = curated.publish("left-pad", "1.3.0", OLD);
    let p = gated(
        &curated,
        &public,
        "",
        "",
        &[Locked::new(
            "left-pad",
            "1.3.0",
            &i,
            "https://old-artifactory.example.com/api/npm/npm/left-pad/-/left-pad-1.3.0.tgz".into(),
        )],
    );
    let run = check(&p, &[], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let r = p.record("pkg:npm/left-pad@1.3.0");
    assert_eq!(r["decision"], "warn");
    assert_eq!(r["findings"][0]["rule"], "resolved-url-mismatch");
    assert!(r["findings"][0]["remedy"].as_str().unwrap().contains("regenerate the lockfile"));
}

#[test]
fn unknown_names_and_versions_are_denied() {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    public.publish("ms", "2.1.3", OLD);
    let fake = support::fake_npm::sri_sha512(b"x");
    let p = gated(
        &curated,
        &public,
        "",
        "",
        &[
            Locked::new("nowhere", "1.0.0", &fake, tarball(&public, "nowhere", "1.0.0")),
            Locked::new("ms", "9.0.0", &fake, tarball(&public, "ms", "9.0.0")),
        ],
    );
    let run = check(&p, &[], &[]);
    assert_eq!(run.code, 1);
    assert_eq!(p.record("pkg:npm/nowhere@1.0.0")["findings"][0]["rule"], "not-found-in-chain");
    assert_eq!(p.record("pkg:npm/ms@9.0.0")["findings"][0]["rule"], "not-found-in-owner");
}

#[test]
fn deprecated_versions_warn_and_json_goes_to_stdout() {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let i = curated.publish("request", "2.88.2", OLD);
    curated.set_version_field("request", "2.88.2", "deprecated", "request has been deprecated".into());
    let p = gated(
        &curated,
        &public,
        "",
        "",
        &[Locked::new("request", "2.88.2", &i, tarball(&curated, "request", "2.88.2"))],
    );
    let run = check(&p, &["--format", "json"], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("stdout is the decisions JSON");
    assert_eq!(doc["schema"], "depgate.decisions/v1");
    assert_eq!(doc["counts"]["warn"], 1);
    assert_eq!(doc["decisions"][0]["findings"][0]["rule"], "deprecated-version");
}

#[test]
fn report_is_written_atomically_and_replaced_whole() {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let i = curated.publish("left-pad", "1.3.0", OLD);
    let p = gated(
        &curated,
        &public,
        "",
        "",
        &[Locked::new("left-pad", "1.3.0", &i, tarball(&curated, "left-pad", "1.3.0"))],
    );
    assert_eq!(check(&p, &["--out", "out/report"], &[]).code, 0);
    let names: Vec<String> = std::fs::read_dir(p.path().join("out/report"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with(".tmp")), "{names:?}");
    assert!(names.contains(&"decisions.json".to_string()) && names.contains(&"summary.md".to_string()));
}

#[test]
fn basic_auth_sends_user_and_password_from_the_environment() {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    // base64("ci-bot:p4ss-w0rd")
    curated.require_authorization("Basic Y2ktYm90OnA0c3MtdzByZA==");
    let i = curated.publish("left-pad", "1.3.0", OLD);
    let p = gated(
        &curated,
        &public,
        "auth = \"env:CURATED_BASIC\"\nauth_scheme = \"basic\"",
        "",
        &[Locked::new("left-pad", "1.3.0", &i, tarball(&curated, "left-pad", "1.3.0"))],
    );
    let run = check(&p, &[], &[("CURATED_BASIC", "ci-bot:p4ss-w0rd")]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(!run.all_output().contains("p4ss-w0rd") && !p.all_files_text().contains("p4ss-w0rd"));
}

#[test]
fn requests_in_flight_follow_the_configuration_unless_the_flag_is_given() {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let names: Vec<String> = (0..8).map(|i| format!("pkg-{i}")).collect();
    let integrity: Vec<String> = names.iter().map(|n| curated.publish(n, "1.0.0", OLD)).collect();
    let entries: Vec<Locked<'_>> =
        names.iter().zip(&integrity).map(|(n, i)| Locked::new(n, "1.0.0", i, tarball(&curated, n, "1.0.0"))).collect();
    let p = gated(&curated, &public, "", "", &entries);
    // Slow answers, so that the packument requests of one run overlap as far as allowed.
    curated.latency(Duration::from_millis(200));
    let max_in_flight = |extra: &[&str]| {
        let run = check(&p, extra, &[]);
        assert_eq!(run.code, 0, "{}", run.all_output());
        curated.take_max_in_flight()
    };

    // Neither set: 32 at a time, so all eight names at once.
    let default = max_in_flight(&[]);
    assert!(default > 2, "{default} in flight by default");

    let config = chain_config(&curated.url(), &public.url(), "", "");
    p.write("depgate.toml", &format!("{config}\n[limits]\nconcurrency = 2\n"));
    let configured = max_in_flight(&[]);
    assert!((1..=2).contains(&configured), "{configured} in flight with concurrency = 2");

    // The flag overrides the configuration, lower or higher.
    assert_eq!(max_in_flight(&["--concurrency", "1"]), 1);
    let flag = max_in_flight(&["--concurrency", "8"]);
    assert!(flag > 2, "{flag} in flight with --concurrency 8 over concurrency = 2");
}

/// pnpm 11's first document locks the package manager's own packages: they are gated like
/// any dependency and marked as the package manager's in decisions.json, the policy input
/// (a rule can single them out) and both SBOMs.
#[test]
fn package_manager_packages_are_gated_and_marked() {
    let curated = FakeNpm::start();
    let public = FakeNpm::start();
    let pm = public.publish("@pnpm/exe", "11.28.6", OLD);
    let dep = public.publish("left-pad", "1.3.0", OLD);
    let p = Project::new();
    p.write("depgate.toml", &chain_config(&curated.url(), &public.url(), "", "files = [\"rules/*.rego\"]"));
    p.write(
        "rules/pm.rego",
        "package depgate\n\nwarn contains {\"rule\": \"package-manager\", \"msg\": input.package.purl, \"remedy\": \"none\"} if {\n\tinput.package.package_manager\n}\n",
    );
    p.write(
        "pnpm-lock.yaml",
        &format!(
            "---\nlockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    configDependencies: {{}}\n    packageManagerDependencies:\n      '@pnpm/exe':\n        specifier: 11.28.6\n        version: 11.28.6\n\npackages:\n\n  '@pnpm/exe@11.28.6':\n    resolution: {{integrity: {pm}}}\n\nsnapshots:\n\n  '@pnpm/exe@11.28.6': {{}}\n\n---\nlockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      left-pad:\n        specifier: 1.3.0\n        version: 1.3.0\n\npackages:\n\n  left-pad@1.3.0:\n    resolution: {{integrity: {dep}}}\n\nsnapshots:\n\n  left-pad@1.3.0: {{}}\n"
        ),
    );
    let run = check(&p, &[], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let exe = p.record("pkg:npm/%40pnpm/exe@11.28.6");
    assert_eq!(exe["package"]["package_manager"], true);
    assert_eq!(exe["resolution"]["lockfile_integrity"], "match");
    assert_eq!(exe["decision"], "warn", "the rule saw input.package.package_manager: {exe:#}");
    let lp = p.record("pkg:npm/left-pad@1.3.0");
    assert_eq!(lp["package"]["package_manager"], false);
    assert_eq!(lp["decision"], "allow");

    let cdx: serde_json::Value = serde_json::from_str(&p.read("depgate-report/sbom.cdx.json")).unwrap();
    let role = |purl: &str| -> Option<String> {
        let c = cdx["components"].as_array().unwrap().iter().find(|c| c["purl"] == purl).unwrap();
        c["properties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == "depgate:role")
            .map(|x| x["value"].as_str().unwrap().to_string())
    };
    assert_eq!(role("pkg:npm/%40pnpm/exe@11.28.6").as_deref(), Some("package-manager"));
    assert_eq!(role("pkg:npm/left-pad@1.3.0"), None);
    let spdx = p.read("depgate-report/sbom.spdx.json");
    assert_eq!(spdx.matches("depgate:role").count(), 1, "{spdx}");
}
