//! Container images: the inputs that name them (Dockerfile, compose, workflows) found and
//! listed like lockfiles.

mod support;

use support::Project;

fn testdata(name: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/oci").join(name)).unwrap()
}

#[test]
fn list_discovers_image_inputs_and_prints_image_fields() {
    let p = Project::new();
    p.write("Dockerfile", &testdata("buildx.Dockerfile"));
    p.write("deploy/compose.yaml", &testdata("elk-compose.yaml"));
    p.write(".github/workflows/ci.yml", &testdata("postgres-workflow.yml"));
    // Not image inputs: a workflow outside .github, a YAML file of another name.
    p.write("workflows/ci.yml", &testdata("postgres-workflow.yml"));
    p.write("deploy/values.yaml", "image: nginx\n");
    let run = p.depgate(&["list", "--format", "json"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap();
    let files: std::collections::BTreeSet<&str> = rows.iter().map(|r| r["source_file"].as_str().unwrap()).collect();
    assert_eq!(
        files.into_iter().collect::<Vec<_>>(),
        vec![".github/workflows/ci.yml", "Dockerfile", "deploy/compose.yaml"]
    );
    assert_eq!(rows.len(), 6 + 3 + 2);
    let xx = rows.iter().find(|r| r["repository"] == "docker.io/tonistiigi/xx").unwrap();
    assert_eq!(xx["ecosystem"], "oci");
    assert_eq!(xx["registry"], "docker.io");
    assert_eq!(xx["tag"], serde_json::Value::Null);
    assert_eq!(xx["digest"], "sha256:21a61be4744f6531cb5f33b0e6f40ede41fa3a1b8c82d5946178f80cc84bfc04");
    assert_eq!(xx["platform"], "$BUILDPLATFORM");
    assert_eq!(xx["kind"], "from");
    assert_eq!(xx["line"], 9);
    assert_eq!(
        xx["purl"],
        "pkg:oci/xx@sha256%3A21a61be4744f6531cb5f33b0e6f40ede41fa3a1b8c82d5946178f80cc84bfc04?repository_url=docker.io/tonistiigi/xx"
    );
    let node = rows.iter().find(|r| r["kind"] == "workflow-container").unwrap();
    assert_eq!(node["repository"], "docker.io/library/node");
    assert_eq!(node["tag"], "latest");
    // Unpinned: the digest is there, and null.
    assert!(node.get("digest").is_some_and(serde_json::Value::is_null), "{node}");
    assert_eq!(node["platform"], serde_json::Value::Null);
    assert_eq!(node["purl"], "pkg:oci/node?repository_url=docker.io/library/node&tag=latest");
}

#[test]
fn lockfile_flag_reads_image_inputs_by_name_or_content() {
    let p = Project::new();
    p.write("build/app.containerfile", "FROM cgr.dev/chainguard/static:latest\n");
    p.write("build/base-image", "# no conventional name\nARG V=3.20\nFROM alpine:${V}\n");
    p.write("ops/stack.yml", "services:\n  db:\n    image: postgres:16\n");
    p.write("notes.txt", "nothing here\n");
    let run = p.depgate(
        &[
            "list",
            "--format",
            "json",
            "--lockfile",
            "build/app.containerfile",
            "--lockfile",
            "build/base-image",
            "--lockfile",
            "ops/stack.yml",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap();
    let names: Vec<(&str, &str)> =
        rows.iter().map(|r| (r["repository"].as_str().unwrap(), r["kind"].as_str().unwrap())).collect();
    assert_eq!(
        names,
        vec![
            ("cgr.dev/chainguard/static", "from"),
            ("docker.io/library/alpine", "from"),
            ("docker.io/library/postgres", "compose")
        ]
    );
    let bad = p.depgate(&["list", "--lockfile", "notes.txt"], &[]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("notes.txt: not a lockfile depgate reads"), "{}", bad.stderr);
}

#[test]
fn an_unknowable_image_stops_list_with_file_and_line() {
    let p = Project::new();
    p.write("Dockerfile", "ARG BASE\nFROM ${BASE}\n");
    let run = p.depgate(&["list"], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("Dockerfile:2:"), "{}", run.stderr);
    assert!(run.stderr.contains("help: give `ARG BASE` a default"), "{}", run.stderr);
}

/// A user configuration written before images were gated: an npm chain, no [oci].
const NPM_ONLY: &str =
    "[npm]\nchain = [\"snapshot\"]\n\n[upstream.snapshot]\nkind = \"dir\"\npath = \"vendor\"\ntier = \"private\"\n";

#[test]
fn images_with_no_oci_chain_are_reported_not_gated_and_denied_only_when_asked_for() {
    let p = Project::new();
    std::fs::create_dir_all(p.path().join("vendor")).unwrap();
    p.write("depgate.toml", NPM_ONLY);
    p.write(
        "Dockerfile",
        "FROM cgr.dev/chainguard/node:latest AS build\nFROM nginx:1.27\nCOPY --from=build /app /app\n",
    );
    p.write("compose.yaml", "services:\n  db:\n    image: registry.acme.test:5000/db:16\n");
    // Found by discovery: a warning, the run passes, no registry is asked.
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let d = p.decisions();
    let images: Vec<&serde_json::Value> = d["decisions"].as_array().unwrap().iter().collect();
    assert_eq!(images.len(), 3, "{d}");
    for r in &images {
        assert_eq!(findings(r), vec![("warn".to_string(), "image-not-gated".to_string())], "{r}");
        assert!(r.get("resolution").is_none(), "nothing was resolved: {r}");
    }
    let nginx = images.iter().find(|r| r["package"]["image"]["repository"] == "docker.io/library/nginx").unwrap();
    let f = &nginx["findings"][0];
    assert!(
        f["msg"].as_str().unwrap().contains("(Dockerfile:2, from) is not gated: depgate.toml has no [oci] chain"),
        "{f}"
    );
    // The remedy is configuration this branch reads: the lines, added, gate every image.
    let remedy = f["remedy"].as_str().unwrap();
    let lines = remedy.strip_prefix("add these lines to depgate.toml:\n").expect(remedy);
    assert!(
        lines.starts_with("[oci]\nchain = [\"chainguard\", \"dockerhub\", \"registry-acme-test-5000\"]\n"),
        "{lines}"
    );
    assert!(
        lines.contains(
            "[upstream.dockerhub]\nkind = \"oci\"\nurl = \"https://registry-1.docker.io/\"\ntier = \"public\""
        ),
        "{lines}"
    );
    assert!(lines.contains("registry = \"registry.acme.test:5000\""), "{lines}");
    // Said once on the terminal, with each image's file and line.
    assert_eq!(run.stdout.matches("image-not-gated").count(), 1, "{}", run.stdout);
    assert!(run.stdout.contains("3 container image(s) not gated"), "{}", run.stdout);
    assert!(run.stdout.contains("(compose.yaml:3)"), "{}", run.stdout);
    let summary = p.read("depgate-report/summary.md");
    assert_eq!(summary.matches("### Container images not gated (3, warn)").count(), 1, "{summary}");
    assert!(summary.contains("```toml\n[oci]\n"), "{summary}");
    let sarif: serde_json::Value = serde_json::from_str(&p.read("depgate-report/results.sarif")).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let at: Vec<(&str, u64)> = results
        .iter()
        .filter(|r| r["ruleId"] == "image-not-gated")
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (loc["artifactLocation"]["uri"].as_str().unwrap(), loc["region"]["startLine"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(at, vec![("Dockerfile", 1), ("Dockerfile", 2), ("compose.yaml", 3)]);

    // Asked for: an image input named with --lockfile is denied (fail closed).
    let run = p.depgate(&["check", "--lockfile", "Dockerfile"], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let d = p.decisions();
    assert_eq!(d["decisions"].as_array().unwrap().len(), 2);
    assert!(d["decisions"].as_array().unwrap().iter().all(|r| r["decision"] == "deny"), "{d}");
    assert!(run.stdout.contains("deny       2 container image(s) not gated"), "{}", run.stdout);
    // Or by the setting, for discovered inputs.
    p.write("depgate.toml", &format!("[policy]\nungated_images = \"deny\"\n\n{NPM_ONLY}"));
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert_eq!(p.decisions()["decisions"].as_array().unwrap().iter().filter(|r| r["decision"] == "deny").count(), 3);
    p.write("depgate.toml", &format!("[policy]\nungated_images = \"block\"\n\n{NPM_ONLY}"));
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert!(run.stderr.contains("unknown ungated_images level `block`"), "{}", run.stderr);
}

// --- the chain against real registries (docker-registry on 127.0.0.1, images from crane) --

use support::oci::{CountingRelay, Registry};

/// Two registries that both serve `docker.io` names: `private` first, `public` behind
/// it (through a counting relay, so a test can prove it was never asked).
struct Chain {
    private: Registry,
    public: Registry,
    relay: CountingRelay,
}

impl Chain {
    fn start() -> Option<Self> {
        let tools = support::oci::tools()?;
        let private = Registry::start(&tools);
        let public = Registry::start(&tools);
        let relay = CountingRelay::start(public.port);
        Some(Self { private, public, relay })
    }

    fn config(&self, extra: &str) -> String {
        format!(
            "[oci]\nchain = [\"private\", \"public\"]\n{extra}\n[upstream.private]\nkind = \"oci\"\nurl = \"http://{}/\"\nregistry = \"docker.io\"\ntier = \"private\"\n\n[upstream.public]\nkind = \"oci\"\nurl = \"http://127.0.0.1:{}/\"\nregistry = \"docker.io\"\ntier = \"public\"\n",
            self.private.host(),
            self.relay.port
        )
    }
}

fn findings(record: &serde_json::Value) -> Vec<(String, String)> {
    record["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["level"].as_str().unwrap().to_string(), f["rule"].as_str().unwrap().to_string()))
        .collect()
}

fn record_at(p: &Project, line: u64) -> serde_json::Value {
    let d = p.decisions();
    d["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["package"]["line"] == line)
        .cloned()
        .unwrap_or_else(|| panic!("no record at line {line}: {d}"))
}

#[test]
fn owner_serves_pinned_and_unpinned_gets_the_pinned_line() {
    let Some(c) = Chain::start() else { return };
    let d = c.private.push("acme/app", "1", "app one");
    c.public.push("acme/tool", "2", "tool two");
    let p = Project::new();
    p.write("depgate.toml", &c.config(""));
    p.write(
        "Dockerfile",
        &format!("FROM acme/app:1@{d} AS base\nFROM --platform=linux/amd64 acme/app:1 AS unpinned\nCOPY --from=acme/tool:2 /x /x\n"),
    );
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let pinned = record_at(&p, 1);
    assert_eq!(pinned["decision"], "allow", "{pinned}");
    assert_eq!(pinned["resolution"]["upstream"], "private");
    assert_eq!(pinned["resolution"]["image"]["digest_served"], true);
    assert_eq!(pinned["resolution"]["image"]["tag_digest"], d.as_str());
    assert_eq!(pinned["resolution"]["lockfile_integrity"], "match");
    let unpinned = record_at(&p, 2);
    assert_eq!(findings(&unpinned), vec![("warn".to_string(), "image-not-pinned".to_string())]);
    let f = &unpinned["findings"][0];
    assert!(
        f["remedy"]
            .as_str()
            .unwrap()
            .ends_with(&format!("FROM --platform=linux/amd64 docker.io/acme/app:1@{d} AS unpinned")),
        "{f}"
    );
    // Only the public registry has acme/tool: the private one falls through (not_found).
    let tool = record_at(&p, 3);
    assert_eq!(tool["resolution"]["upstream"], "public", "{tool}");
    assert_eq!(tool["resolution"]["fell_through"][0]["upstream"], "private");
    assert_eq!(tool["package"]["image"]["kind"], "copy-from");
    assert!(c.relay.count() > 0, "the relay counts the requests that do reach the public registry");
    // The level is configurable: deny.
    p.write("depgate.toml", &c.config("").replace("[oci]", "[policy]\nunpinned_images = \"deny\"\n\n[oci]"));
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert_eq!(findings(&record_at(&p, 2)), vec![("deny".to_string(), "image-not-pinned".to_string())]);
}

#[test]
fn a_digest_the_owner_does_not_serve_is_denied_without_asking_the_next_upstream() {
    let Some(c) = Chain::start() else { return };
    c.private.push("acme/app", "1", "the real app");
    // The same name at priority 2, with other bytes: what a confusion attack offers.
    let squat = c.public.push("acme/app", "1", "a squatted app");
    let p = Project::new();
    p.write("depgate.toml", &c.config(""));
    p.write("compose.yaml", &format!("services:\n  app:\n    image: acme/app:1@{squat}\n"));
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let r = record_at(&p, 3);
    assert_eq!(r["decision"], "deny");
    assert_eq!(findings(&r), vec![("deny".to_string(), "image-digest-not-served".to_string())], "{r}");
    assert_eq!(r["resolution"]["upstream"], "private");
    assert_eq!(c.relay.count(), 0, "priority 2 was asked for a name priority 1 owns");
}

#[test]
fn namespace_binds_a_repository_to_its_upstream() {
    let Some(c) = Chain::start() else { return };
    let private_relay = CountingRelay::start(c.private.port);
    // vendor/x exists at both; the namespace says only `public` may serve it.
    c.private.push("vendor/x", "1", "private copy");
    let real = c.public.push("vendor/x", "1", "vendor's own");
    let p = Project::new();
    let config = c
        .config("namespaces = { \"docker.io/vendor/*\" = \"public\" }")
        .replace(&format!("http://{}/", c.private.host()), &format!("http://127.0.0.1:{}/", private_relay.port));
    p.write("depgate.toml", &config);
    p.write(
        ".github/workflows/ci.yml",
        &format!(
            "on: push\njobs:\n  t:\n    runs-on: x\n    container: vendor/x:1@{real}\n    steps:\n      - run: true\n"
        ),
    );
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let r = record_at(&p, 5);
    assert_eq!(r["resolution"]["upstream"], "public", "{r}");
    assert_eq!(r["resolution"]["ownership"]["bound_by"], "namespace");
    assert_eq!(r["decision"], "allow");
    assert_eq!(private_relay.count(), 0, "the bound name was asked of another upstream");
}

#[test]
fn a_moved_tag_is_reported_with_the_new_pinned_line() {
    let Some(c) = Chain::start() else { return };
    let old = c.private.push("acme/base", "stable", "v1");
    let p = Project::new();
    p.write("depgate.toml", &c.config(""));
    p.write("Dockerfile", &format!("FROM acme/base:stable@{old}\n"));
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(findings(&record_at(&p, 1)).is_empty());
    let new = c.private.push("acme/base", "stable", "v2");
    assert_ne!(old, new);
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let r = record_at(&p, 1);
    assert_eq!(findings(&r), vec![("warn".to_string(), "tag-moved".to_string())], "{r}");
    assert_eq!(r["resolution"]["image"]["tag_digest"], new.as_str());
    assert!(
        r["findings"][0]["remedy"].as_str().unwrap().ends_with(&format!("FROM docker.io/acme/base:stable@{new}")),
        "{r}"
    );
    // A digest-only reference the owner serves is allowed; one it lacks is denied.
    p.write("Dockerfile", &format!("FROM acme/base@{old}\nFROM acme/base@sha256:{}\n", "0".repeat(64)));
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert_eq!(record_at(&p, 1)["decision"], "allow");
    assert_eq!(record_at(&p, 2)["decision"], "deny");
}

#[test]
fn fallback_images_wait_by_their_creation_time_for_the_platform_pulled() {
    let Some(c) = Chain::start() else { return };
    let yesterday = (time::OffsetDateTime::now_utc() - time::Duration::days(1))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    c.public.push_image("acme/multi", "amd64", "amd64 build", "linux/amd64", &yesterday);
    c.public.push_image("acme/multi", "arm64", "arm64 build", "linux/arm64", "2020-01-02T03:04:05Z");
    let index = c.public.push_index("acme/multi", "1", &["amd64", "arm64"]);
    let p = Project::new();
    p.write("depgate.toml", &c.config(""));
    p.write(
        "Dockerfile",
        &format!("FROM --platform=linux/arm64 acme/multi:1@{index} AS arm\nFROM acme/multi:1@{index}\n"),
    );
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    // Served by the fallback (public, priority 2): the arm64 image is old enough.
    let arm = record_at(&p, 1);
    assert_eq!(arm["resolution"]["fallback"], true, "{arm}");
    assert_eq!(arm["resolution"]["published_at"], "2020-01-02T03:04:05Z");
    assert_eq!(arm["decision"], "allow", "{arm}");
    // No --platform: linux/amd64, built a day ago, waits out the 7-day cooldown.
    let amd = record_at(&p, 2);
    assert_eq!(findings(&amd), vec![("quarantine".to_string(), "fallback-cooldown".to_string())], "{amd}");
    assert!(amd["resolution"]["age_days"].as_f64().unwrap() < 1.1);
}

#[test]
fn basic_credentials_are_exchanged_for_a_bearer_token() {
    let Some(c) = Chain::start() else { return };
    let d = c.private.push("acme/secret", "1", "private bits");
    let gate = support::oci::TokenGate::start(c.private.port, "ci", "s3cret");
    let p = Project::new();
    let config = c.config("").replace(
        &format!("url = \"http://{}/\"", c.private.host()),
        &format!("url = \"http://127.0.0.1:{}/\"\nauth = \"env:REG_AUTH\"\nauth_scheme = \"basic\"", gate.port),
    );
    p.write("depgate.toml", &config);
    p.write("Dockerfile", &format!("FROM acme/secret:1@{d}\n"));
    let run = p.depgate(&["check"], &[("REG_AUTH", "ci:s3cret")]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(record_at(&p, 1)["resolution"]["upstream"], "private");
    assert!(gate.tokens_issued.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    assert!(!p.read("depgate-report/decisions.json").contains("s3cret"));
    // A wrong password gets no token: an auth failure, which does not fall through.
    let run = p.depgate(&["check"], &[("REG_AUTH", "ci:wrong")]);
    assert_eq!(run.code, 3, "{}", run.all_output());
    assert!(run.all_output().contains("private"), "{}", run.all_output());
    assert!(!run.all_output().contains("wrong"), "{}", run.all_output());
    assert_eq!(c.relay.count(), 0, "an auth failure at priority 1 must not fall through");
}

// --- cosign signatures: key-based, no transparency log ------------------------------------

#[test]
fn cosign_signatures_verify_with_the_upstream_key_and_fail_closed() {
    let Some(c) = Chain::start() else { return };
    let Some(cosign) = support::oci::cosign() else { return };
    let p = Project::new();
    let (right, wrong) = (p.path().join("keys/right"), p.path().join("keys/wrong"));
    support::oci::cosign_keys(&cosign, &right);
    support::oci::cosign_keys(&cosign, &wrong);
    let signed = c.private.push("acme/signed", "1", "signed bits");
    c.private.cosign_sign(&cosign, &right.join("cosign.key"), "acme/signed", &signed);
    // Another image carrying a copy of the first one's signature (a replayed signature).
    let replayed = c.private.push("acme/signed", "2", "other bits");
    c.private.crane(&[
        "cp",
        "--insecure",
        &format!("{}/acme/signed:{}.sig", c.private.host(), signed.replacen(':', "-", 1)),
        &format!("{}/acme/signed:{}.sig", c.private.host(), replayed.replacen(':', "-", 1)),
    ]);
    let unsigned = c.private.push("acme/signed", "3", "unsigned bits");
    // cosign's newer forms: a key-signed Sigstore bundle (DSSE) in the referrers tag, and
    // a key-signed SLSA provenance attestation under the `.att` tag.
    let bundled = c.private.push("acme/signed", "4", "bundled bits");
    let key = right.join("cosign.key");
    c.private.cosign(&cosign, &key, &["sign", "--new-bundle-format"], "acme/signed", &bundled);
    let predicate = p.write(
        "predicate.json",
        r#"{"builder": {"id": "https://ci.acme.test/builder@v1"}, "buildType": "https://acme.test/build/v1"}"#,
    );
    let predicate = predicate.to_str().unwrap();
    c.private.cosign(
        &cosign,
        &key,
        &["attest", "--type", "slsaprovenance", "--predicate", predicate],
        "acme/signed",
        &signed,
    );
    let config = |key: &str| {
        c.config("").replace(
            "tier = \"private\"",
            &format!("tier = \"private\"\ncosign_key = \"keys/{key}/cosign.pub\"\ntlog = false"),
        ) + "\n[policy.tiers.private]\nrequire = \"signature\"\n"
    };
    p.write("depgate.toml", &config("right"));
    p.write(
        "Dockerfile",
        &format!(
            "FROM acme/signed:1@{signed}\nFROM acme/signed:2@{replayed}\nFROM acme/signed:3@{unsigned}\nFROM acme/signed:4@{bundled}\n"
        ),
    );
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let ok = record_at(&p, 1);
    assert_eq!(ok["verification"]["status"], "verified", "{ok}");
    assert_eq!(ok["decision"], "allow", "{ok}");
    let replay = record_at(&p, 2);
    assert_eq!(replay["verification"]["status"], "violated", "{replay}");
    assert_eq!(replay["verification"]["attestations"][0]["failure"]["stage"], "subject", "{replay}");
    assert!(findings(&replay).contains(&("deny".to_string(), "signature-violated".to_string())), "{replay}");
    let none = record_at(&p, 3);
    assert_eq!(none["verification"]["status"], "unverifiable", "{none}");
    assert_eq!(findings(&none), vec![("deny".to_string(), "signature-required".to_string())], "{none}");
    let kinds = |r: &serde_json::Value| -> Vec<String> {
        r["verification"]["attestations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["kind"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(kinds(&ok), ["signature", "provenance"], "{ok}");
    let provenance = &ok["verification"]["attestations"][1];
    assert_eq!(provenance["predicate_type"], "https://slsa.dev/provenance/v0.2", "{provenance}");
    assert_eq!(provenance["builder_id"], "https://ci.acme.test/builder@v1", "{provenance}");
    assert_eq!(provenance["build_type"], "https://acme.test/build/v1", "{provenance}");
    let bundle = record_at(&p, 4);
    assert_eq!(bundle["verification"]["status"], "verified", "{bundle}");
    assert_eq!(kinds(&bundle), ["signature"], "{bundle}");
    assert_eq!(bundle["verification"]["attestations"][0]["predicate_type"], "https://sigstore.dev/cosign/sign/v1");
    // The wrong key: the good signature no longer verifies (signature stage).
    p.write("depgate.toml", &config("wrong"));
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let r = record_at(&p, 1);
    assert_eq!(r["verification"]["status"], "violated", "{r}");
    assert_eq!(r["verification"]["attestations"][0]["failure"]["stage"], "signature", "{r}");
    let r = record_at(&p, 4);
    assert_eq!(r["verification"]["status"], "violated", "{r}");
    assert_eq!(r["verification"]["attestations"][0]["failure"]["stage"], "signature", "{r}");
    // A key without tlog = false is a configuration error naming what to write.
    p.write("depgate.toml", &config("right").replace("tlog = false\n", ""));
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert!(run.stderr.contains("tlog = false"), "{}", run.stderr);
}

// --- keyless: identity rules, Sigstore bundles and keyless simple-signing ------------------

use support::test_pki::{ISSUER, Pki, REPO, Spec};

/// The simple-signing payload cosign signs for `repo@digest`.
fn simple_signing_payload(repo: &str, digest: &str) -> Vec<u8> {
    serde_json::json!({
        "critical": {
            "identity": {"docker-reference": repo},
            "image": {"docker-manifest-digest": digest},
            "type": "cosign container image signature"
        },
        "optional": null
    })
    .to_string()
    .into_bytes()
}

/// The layer annotations of a keyless simple-signing signature, from the test PKI's
/// message-signature bundle over the payload: the signature, the Fulcio certificate
/// (PEM) and the Rekor bundle (the SET and the logged entry), as cosign writes them.
fn keyless_annotations(bundle_json: &str) -> serde_json::Value {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let b: serde_json::Value = serde_json::from_str(bundle_json).unwrap();
    let der = b64.decode(b["verificationMaterial"]["certificate"]["rawBytes"].as_str().unwrap()).unwrap();
    let pem = sigstore_verify::types::DerCertificate::new(der).to_pem();
    let tlog = &b["verificationMaterial"]["tlogEntries"][0];
    let rekor = serde_json::json!({
        "SignedEntryTimestamp": tlog["inclusionPromise"]["signedEntryTimestamp"],
        "Payload": {
            "body": tlog["canonicalizedBody"],
            "integratedTime": tlog["integratedTime"].as_str().unwrap().parse::<i64>().unwrap(),
            "logIndex": tlog["logIndex"].as_str().unwrap().parse::<i64>().unwrap(),
            "logID": hex::encode(b64.decode(tlog["logId"]["keyId"].as_str().unwrap()).unwrap()),
        }
    });
    serde_json::json!({
        "dev.cosignproject.cosign/signature": b["messageSignature"]["signature"],
        "dev.sigstore.cosign/certificate": pem,
        "dev.sigstore.cosign/bundle": rekor.to_string(),
    })
}

#[test]
fn keyless_image_signatures_are_checked_against_identity_rules() {
    const SIGN: &str = "https://sigstore.dev/cosign/sign/v1";
    let Some(c) = Chain::start() else { return };
    let reg = &c.private;
    let pki = Pki::new();
    let manifest =
        |d: &str| reg.crane(&["manifest", "--insecure", &format!("{}/acme/app@{d}", reg.host())]).into_bytes();
    let bundle_over = |bytes: &[u8], predicate: &str| {
        pki.sign(&Spec {
            dsse: true,
            predicate_type: predicate.into(),
            subject_name: String::new(),
            ..Spec::new(bytes)
        })
    };
    // 1: a cosign v3 bundle (DSSE, cosign's sign statement) and SLSA provenance, as referrers.
    let one = reg.push("acme/app", "1", "app one");
    let signed = bundle_over(&manifest(&one), SIGN);
    reg.attach_bundle("acme/app", &one, &signed.bundle_json);
    reg.attach_bundle("acme/app", &one, &bundle_over(&manifest(&one), support::test_pki::SLSA_PROVENANCE).bundle_json);
    // 2: keyless simple-signing (certificate and Rekor bundle in the layer annotations).
    let two = reg.push("acme/app", "2", "app two");
    let payload = simple_signing_payload("docker.io/acme/app", &two);
    let message = pki.sign(&Spec::new(&payload));
    reg.attach_simple_signing("acme/app", &two, &payload, &keyless_annotations(&message.bundle_json));
    // 3: tampered: the bundle of image 1's manifest attached to another manifest.
    let three = reg.push("acme/app", "3", "app three");
    reg.attach_bundle("acme/app", &three, &signed.bundle_json);
    // 4: tampered: image 2's signed payload (it names image 2) attached to another image.
    let four = reg.push("acme/app", "4", "app four");
    reg.attach_simple_signing("acme/app", &four, &payload, &keyless_annotations(&message.bundle_json));
    // 5: no signature at all.
    let five = reg.push("acme/app", "5", "app five");

    let p = Project::new();
    p.write("root.json", &signed.trusted_root_json);
    let config = |rule: &str| {
        c.config("")
            + &format!(
                "\n[[verify.identity]]\npackages = [\"docker.io/acme/*\"]\nissuer = \"{ISSUER}\"\n{rule}\n\n[policy.tiers.private]\nrequire = \"signature\"\n"
            )
    };
    p.write("depgate.toml", &config("source_repository = \"depgate-test/widget\""));
    p.write(
        "Dockerfile",
        &format!(
            "FROM acme/app:1@{one}\nFROM acme/app:2@{two}\nFROM acme/app:3@{three}\nFROM acme/app:4@{four}\nFROM acme/app:5@{five}\n"
        ),
    );
    let run = p.depgate(&["check", "--trusted-root", "root.json"], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let bundle = record_at(&p, 1);
    assert_eq!(bundle["verification"]["status"], "verified", "{bundle}");
    assert_eq!(bundle["decision"], "allow", "{bundle}");
    let kinds: Vec<&str> = bundle["verification"]["attestations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["signature", "provenance"], "{bundle}");
    let provenance = &bundle["verification"]["attestations"][1];
    assert_eq!(provenance["predicate_type"], support::test_pki::SLSA_PROVENANCE);
    assert_eq!(provenance["build_type"], "https://depgate.test/build/v1");
    assert_eq!(provenance["source_repo"], REPO);
    assert!(provenance["stages"].as_array().unwrap().contains(&"identity".into()), "{provenance}");
    let simple = record_at(&p, 2);
    assert_eq!(simple["verification"]["status"], "verified", "{simple}");
    assert_eq!(simple["verification"]["attestations"][0]["issuer"], ISSUER, "{simple}");
    for (line, what) in [(3, "bundle"), (4, "simple-signing")] {
        let r = record_at(&p, line);
        assert_eq!(r["verification"]["status"], "violated", "{what}: {r}");
        assert_eq!(r["verification"]["attestations"][0]["failure"]["stage"], "subject", "{what}: {r}");
        assert!(findings(&r).contains(&("deny".to_string(), "signature-violated".to_string())), "{what}: {r}");
    }
    let none = record_at(&p, 5);
    assert_eq!(none["verification"]["status"], "unverifiable", "{none}");
    assert_eq!(findings(&none), vec![("deny".to_string(), "signature-required".to_string())], "{none}");

    // The wrong identity: both signatures verify cryptographically and fail the rule.
    p.write("depgate.toml", &config("source_repository = \"depgate-test/other\""));
    let run = p.depgate(&["check", "--trusted-root", "root.json"], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    for line in [1, 2] {
        let r = record_at(&p, line);
        assert_eq!(r["verification"]["status"], "violated", "{r}");
        assert_eq!(r["verification"]["attestations"][0]["failure"]["stage"], "identity", "{r}");
        assert!(r["decision"] == "deny", "{r}");
    }
    // The rule as the owner's identity (per upstream) works the same as the image glob.
    let per_upstream = c.config("").replace(
        "tier = \"private\"",
        &format!(
            "tier = \"private\"\nidentity = [{{ issuer = \"{ISSUER}\", source_repository = \"depgate-test/widget\" }}]"
        ),
    );
    p.write("depgate.toml", &per_upstream);
    p.write("Dockerfile", &format!("FROM acme/app:1@{one}\nFROM acme/app:2@{two}\n"));
    let run = p.depgate(&["check", "--trusted-root", "root.json"], &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(record_at(&p, 2)["verification"]["status"], "verified");
    // Without the test PKI's root the certificate chains to nothing trusted: violated.
    let run = p.depgate(&["check"], &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert_eq!(record_at(&p, 1)["verification"]["status"], "violated");
}
