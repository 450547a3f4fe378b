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
