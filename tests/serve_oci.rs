//! `depgate serve` as a pull-through container registry (`/v2/`), with real pull clients:
//! `crane pull` and `skopeo copy` fetch through the proxy from real `docker-registry`
//! upstreams; an allowed image arrives, a denied one fails with the policy's message, and
//! the audit log has a record per blob.

mod support;

use std::process::Command;

use support::oci::Registry;
use support::served::Served;

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().expect("the client runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn crane_and_skopeo_pull_through_the_proxy_with_the_policy_applied() {
    let Some(tools) = support::oci::tools() else { return };
    let Some(skopeo) = support::oci::skopeo() else { return };
    let crane = tools.1.clone();
    let (private, public) = (Registry::start(&tools), Registry::start(&tools));
    let app = private.push("acme/app", "1", "the app");
    private.push_image("acme/multi", "amd64", "multi amd64", "linux/amd64", "2026-01-01T00:00:00Z");
    private.push_image("acme/multi", "arm64", "multi arm64", "linux/arm64", "2026-01-01T00:00:00Z");
    let multi = private.push_index("acme/multi", "1", &["amd64", "arm64"]);
    let tool = public.push("acme/tool", "2", "a tool nobody signed");

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("depgate.toml");
    std::fs::write(
        &config,
        format!(
            "[oci]\nchain = [\"private\", \"public\"]\n\n[upstream.private]\nkind = \"oci\"\nurl = \"http://{}/\"\nregistry = \"docker.io\"\ntier = \"private\"\n\n[upstream.public]\nkind = \"oci\"\nurl = \"http://{}/\"\nregistry = \"docker.io\"\ntier = \"public\"\n\n[policy.tiers.public]\nrequire = \"signature\"\n",
            private.host(),
            public.host()
        ),
    )
    .unwrap();
    let served = Served::start(dir.path(), &config, &["--current-time", "2026-12-01T00:00:00Z"]);
    let proxy = served.url("oci");
    assert_eq!(proxy, served.addr());

    // crane: the allowed image arrives whole (crane checks every digest itself).
    let tar = dir.path().join("app.tar");
    let (ok, out) = run(Command::new(&crane).args(["pull", "--insecure", &format!("{proxy}/acme/app:1")]).arg(&tar));
    assert!(ok, "crane pull of an allowed image: {out}");
    let (ok, out) = run(Command::new(&crane).args(["digest", "--insecure", &format!("{proxy}/acme/app:1")]));
    assert!(ok && out.trim() == app, "the proxy serves the owner's digest {app}: {out}");
    // skopeo: a multi-platform index, one platform copied (its manifest by digest, then blobs).
    let copied = dir.path().join("multi");
    let (ok, out) = run(Command::new(&skopeo).args([
        "copy",
        "--src-tls-verify=false",
        "--override-os",
        "linux",
        "--override-arch",
        "arm64",
        &format!("docker://{proxy}/acme/multi:1"),
        &format!("dir:{}", copied.display()),
    ]));
    assert!(ok, "skopeo copy of an allowed image: {out}");
    assert!(std::fs::read_to_string(copied.join("manifest.json")).unwrap().contains("layers"));

    // Denied: both clients fail and print the policy's message.
    let (ok, out) = run(Command::new(&crane)
        .args(["pull", "--insecure", &format!("{proxy}/acme/tool:2")])
        .arg(dir.path().join("t")));
    assert!(!ok, "crane pull of a denied image must fail: {out}");
    assert!(out.contains("DENIED") && out.contains("signature-required"), "{out}");
    let (ok, out) = run(Command::new(&skopeo).args([
        "copy",
        "--src-tls-verify=false",
        &format!("docker://{proxy}/acme/tool:2"),
        &format!("dir:{}", dir.path().join("tool").display()),
    ]));
    assert!(!ok, "skopeo copy of a denied image must fail: {out}");
    assert!(out.contains("signature-required"), "{out}");
    // A blob no allowed manifest lists is refused, even when the upstream has it.
    let manifest = public.crane(&["manifest", "--insecure", &format!("{}/acme/tool@{tool}", public.host())]);
    let layer = serde_json::from_str::<serde_json::Value>(&manifest).unwrap()["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let (ok, out) = run(Command::new(&crane).args(["blob", "--insecure", &format!("{proxy}/acme/tool@{layer}")]));
    assert!(!ok && out.contains("DENIED"), "{out}");

    // Again: the blobs come from the proxy's store (cache hit), each request recorded.
    let (ok, out) = run(Command::new(&crane).args(["pull", "--insecure", &format!("{proxy}/acme/app:1")]).arg(&tar));
    assert!(ok, "{out}");

    // The audit log: one record per blob served, under the image's decision.
    let audit = served.audit();
    let blobs: Vec<&serde_json::Value> =
        audit.iter().filter(|r| r["request"].as_str().is_some_and(|q| q.starts_with("blob "))).collect();
    let app_blobs =
        blobs.iter().filter(|r| r["purl"].as_str().unwrap().contains("repository_url=docker.io/acme/app")).count();
    assert_eq!(app_blobs, 4, "config and layer of acme/app, twice: {blobs:#?}");
    let hits = blobs.iter().filter(|r| r["cache"] == "hit" && r["purl"].as_str().unwrap().contains("acme/app")).count();
    assert_eq!(hits, 2, "the second pull is served from the store: {blobs:#?}");
    let multi_blobs = blobs.iter().filter(|r| r["purl"].as_str().unwrap().contains("docker.io/acme/multi")).count();
    assert_eq!(multi_blobs, 2, "config and layer of the arm64 image: {blobs:#?}");
    // Pulled by tag: allowed with the image-not-pinned warning (policy's default level).
    for r in &blobs {
        assert_eq!(r["decision"], "warn", "{r}");
        assert_eq!(r["rules"], serde_json::json!(["image-not-pinned"]), "{r}");
        assert!(r["digest"].as_str().unwrap().starts_with("sha256:"), "{r}");
    }
    let denied: Vec<_> = audit.iter().filter(|r| r["decision"] == "deny").collect();
    assert!(denied.iter().any(|r| r["purl"].as_str().unwrap().contains("acme/tool")), "{audit:#?}");
    assert!(!multi.is_empty());
    support::served::assert_chain_verifies(&served.out.join("audit.jsonl"));
}
