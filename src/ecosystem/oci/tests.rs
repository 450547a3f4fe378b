//! The image inputs against real files (testdata/oci/SOURCES.md names each one's origin)
//! and the cases made for them.

use std::path::{Path, PathBuf};

use super::*;

fn testdata(name: &str) -> (String, PathBuf) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/oci").join(name);
    (std::fs::read_to_string(&path).unwrap(), PathBuf::from(name))
}

/// (line, repository, tag, digest, kind, platform) of an image.
type Row = (usize, String, Option<String>, Option<String>, &'static str, Option<String>);

fn rows(coords: &[Coordinate]) -> Vec<Row> {
    coords
        .iter()
        .map(|c| {
            let i = c.image.as_deref().unwrap();
            assert_eq!(c.ecosystem, Ecosystem::Oci);
            assert_eq!(c.name, i.repository());
            (c.line, i.repository(), i.tag.clone(), i.digest.clone(), i.kind.as_str(), i.platform.clone())
        })
        .collect()
}

#[allow(clippy::unnecessary_wraps)] // reads as the rows' optional fields
fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

const XX: &str = "sha256:21a61be4744f6531cb5f33b0e6f40ede41fa3a1b8c82d5946178f80cc84bfc04";
const ZEROES: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

#[test]
fn buildx_dockerfile_images_without_stages_or_scratch() {
    let (text, path) = testdata("buildx.Dockerfile");
    let got = rows(&dockerfile::parse_dockerfile(&text, &path).unwrap());
    let bp = s("$BUILDPLATFORM");
    assert_eq!(
        got,
        vec![
            (6, "docker.io/library/docker".into(), s("20.10.8"), None, "from", None),
            (9, "docker.io/tonistiigi/xx".into(), None, s(XX), "from", bp.clone()),
            (11, "docker.io/library/golang".into(), s("1.17.0-alpine"), None, "from", bp.clone()),
            (57, "docker.io/library/alpine".into(), s("latest"), None, "from", bp),
            (68, "docker.io/library/docker".into(), s("20.10.8"), None, "from", None),
            (69, "docker.io/library/alpine".into(), s("latest"), None, "from", None),
        ]
    );
}

#[test]
fn edge_dockerfile_escape_heredoc_args_mounts() {
    let (text, path) = testdata("edge.Dockerfile");
    let coords = dockerfile::parse_dockerfile(&text, &path).unwrap();
    assert_eq!(
        rows(&coords),
        vec![
            (7, "ghcr.io/acme/base".into(), s("1.2"), None, "from", None),
            (12, "ghcr.io/acme/tools".into(), s("2"), None, "copy-from", None),
            (15, "quay.io/org/cache".into(), None, s(ZEROES), "mount-from", None),
            (17, "localhost:5000/team/app".into(), s("latest"), None, "from", s("linux/arm64/v8")),
        ]
    );
    assert_eq!(coords[3].purl(), "pkg:oci/app?arch=arm64&repository_url=localhost:5000/team/app&tag=latest");
    assert_eq!(coords[2].purl(), format!("pkg:oci/cache@sha256%3A{}?repository_url=quay.io/org/cache", &ZEROES[7..]));
}

#[test]
fn dockerfile_arg_without_value_is_an_error_naming_it() {
    let e = dockerfile::parse_dockerfile("ARG BASE\nFROM $BASE\n", Path::new("Dockerfile")).unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.message.contains("$BASE"), "{}", e.message);
    assert!(e.help.contains("ARG BASE="), "{}", e.help);
    // A default in the reference itself is enough.
    let ok = dockerfile::parse_dockerfile("ARG BASE\nFROM ${BASE:-alpine:3.20}\n", Path::new("Dockerfile")).unwrap();
    assert_eq!(ok[0].name, "docker.io/library/alpine");
    // A stage picked by a platform argument that names no stage is an error too.
    let e = dockerfile::parse_dockerfile("FROM img-$TARGETARCH\n", Path::new("Dockerfile")).unwrap_err();
    assert!(e.message.contains("TARGETARCH"), "{}", e.message);
}

#[test]
fn dockerfile_stage_args_and_env_in_copy_from() {
    let text = "ARG V=1\nFROM alpine:3.20 AS a\nARG V\nENV REPO=ghcr.io/x/tools\nCOPY --from=$REPO:$V /a /b\nCOPY --from=A /x /y\n";
    let got = rows(&dockerfile::parse_dockerfile(text, Path::new("Dockerfile")).unwrap());
    assert_eq!(got[1], (5, "ghcr.io/x/tools".into(), s("1"), None, "copy-from", None));
    // `COPY --from=A` names the stage `a` (stage names are not case-sensitive).
    assert_eq!(got.len(), 2);
}

#[test]
fn dockerfile_bad_reference_names_the_line() {
    let e = dockerfile::parse_dockerfile("\nFROM Alpine:3\n", Path::new("Dockerfile")).unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.message.contains("not a valid repository name"), "{}", e.message);
    let e = dockerfile::parse_dockerfile("FROM alpine@sha256:abc\n", Path::new("Dockerfile")).unwrap_err();
    assert!(e.message.contains("not a digest"), "{}", e.message);
}

#[test]
fn compose_real_and_edge() {
    let (text, path) = testdata("elk-compose.yaml");
    let got = rows(&compose::parse_compose(&text, &path).unwrap());
    assert_eq!(
        got,
        vec![
            (3, "docker.io/library/elasticsearch".into(), s("7.16.1"), None, "compose", None),
            (19, "docker.io/library/logstash".into(), s("7.16.1"), None, "compose", None),
            (38, "docker.io/library/kibana".into(), s("7.16.1"), None, "compose", None),
        ]
    );
    let (text, path) = testdata("edge-compose.yaml");
    let got = rows(&compose::parse_compose(&text, &path).unwrap());
    assert_eq!(
        got,
        vec![
            // Through the anchor: the line of the anchored `image:`.
            (3, "docker.io/library/redis".into(), s("7.2"), None, "compose", None),
            (12, "registry.example.com:5000/acme/worker".into(), None, s(ZEROES), "compose", s("linux/amd64")),
            (15, "docker.io/library/postgres".into(), s("16"), None, "compose", None),
        ]
    );
    let e = compose::parse_compose("services:\n  a:\n    image: $IMG\n", Path::new("compose.yaml")).unwrap_err();
    assert_eq!(e.line, 3);
    assert!(e.help.contains("${IMG:-"), "{}", e.help);
}

#[test]
fn workflows_real_and_matrix() {
    let (text, path) = testdata("postgres-workflow.yml");
    let got = rows(&workflow::parse_workflow(&text, &path).unwrap());
    assert_eq!(
        got,
        vec![
            (6, "docker.io/library/node".into(), s("latest"), None, "workflow-container", None),
            (9, "docker.io/library/postgres".into(), s("latest"), None, "workflow-service", None),
        ]
    );
    let (text, path) = testdata("matrix-workflow.yml");
    let got = rows(&workflow::parse_workflow(&text, &path).unwrap());
    assert_eq!(
        got,
        vec![
            (13, "cgr.dev/chainguard/python".into(), s("latest-dev"), None, "workflow-container", None),
            (16, "docker.io/library/postgres".into(), s("15-alpine"), None, "workflow-service", None),
            (16, "docker.io/library/postgres".into(), s("16-alpine"), None, "workflow-service", None),
            (16, "docker.io/library/postgres".into(), s("17-alpine"), None, "workflow-service", None),
            (19, "docker.io/library/alpine".into(), s("3.20"), None, "workflow-docker-action", None),
        ]
    );
    let e =
        workflow::parse_workflow("on: push\njobs:\n  a:\n    container: ${{ inputs.image }}\n", Path::new("ci.yml"))
            .unwrap_err();
    assert_eq!(e.line, 4);
    assert!(e.message.contains("inputs.image"), "{}", e.message);
}

#[test]
fn references_normalise_as_docker_does() {
    let r = |t: &str| parse_reference(t, ImageKind::From, None).unwrap();
    assert_eq!(r("nginx").repository(), "docker.io/library/nginx");
    assert_eq!(r("nginx").tag.as_deref(), Some("latest"));
    assert_eq!(r("index.docker.io/library/nginx:1").repository(), "docker.io/library/nginx");
    assert_eq!(r("bitnami/redis").repository(), "docker.io/bitnami/redis");
    assert_eq!(r("localhost/x").registry, "localhost");
    assert_eq!(r("127.0.0.1:5000/a/b/c:v1").repository(), "127.0.0.1:5000/a/b/c");
    let pinned = r(&format!("cgr.dev/chainguard/python:3.12@{ZEROES}"));
    assert_eq!((pinned.tag.as_deref(), pinned.digest.as_deref()), (Some("3.12"), Some(ZEROES)));
    assert_eq!(pinned.pinned(ZEROES), format!("cgr.dev/chainguard/python:3.12@{ZEROES}"));
    assert!(parse_reference("UPPER/x", ImageKind::From, None).is_err());
    assert!(parse_reference("a:b:c", ImageKind::From, None).is_err());
    assert!(parse_reference("x:-bad", ImageKind::From, None).is_err());
    assert!(parse_reference("a//b", ImageKind::From, None).is_err());
}

#[test]
fn input_kinds_by_name_and_content() {
    let k = |p: &str| InputKind::of_path(Path::new(p));
    assert_eq!(k("Dockerfile"), Some(InputKind::Dockerfile));
    assert_eq!(k("docker/Containerfile"), Some(InputKind::Dockerfile));
    assert_eq!(k("Dockerfile.prod"), Some(InputKind::Dockerfile));
    assert_eq!(k("web.Dockerfile"), Some(InputKind::Dockerfile));
    assert_eq!(k("compose.yaml"), Some(InputKind::Compose));
    assert_eq!(k("docker-compose.override.yml"), Some(InputKind::Compose));
    assert_eq!(k(".github/workflows/ci.yml"), Some(InputKind::Workflow));
    assert_eq!(k("workflows/ci.yml"), None);
    assert_eq!(k("Dockerfiles"), None);
    assert_eq!(k("config.yaml"), None);
    assert_eq!(sniff("# comment\nFROM alpine\n"), Some(InputKind::Dockerfile));
    assert_eq!(sniff("services:\n  a:\n    image: x\n"), Some(InputKind::Compose));
    assert_eq!(sniff("on: push\njobs: {}\n"), Some(InputKind::Workflow));
    assert_eq!(sniff("{\"lockfileVersion\": 3}"), None);
}

#[test]
fn signature_manifests_give_their_keyless_annotations_and_bundle_layers() {
    use super::manifest::{bundle_layers, signature_layers, signature_referrers};
    let sig = br#"{"layers":[
        {"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":"sha256:aa",
         "annotations":{"dev.cosignproject.cosign/signature":"c2ln","dev.sigstore.cosign/certificate":"PEM",
                        "dev.sigstore.cosign/chain":"","dev.sigstore.cosign/bundle":"{}"}},
        {"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":"sha256:bb","annotations":{}},
        {"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","digest":"sha256:cc"}]}"#;
    let layers = signature_layers(sig).unwrap();
    assert_eq!(layers.len(), 1, "a layer with no signature annotation is not a signature");
    assert_eq!(layers[0].digest, "sha256:aa");
    assert_eq!(layers[0].certificate.as_deref(), Some("PEM"));
    assert_eq!(layers[0].chain, None, "an empty annotation is none");
    assert_eq!(layers[0].rekor_bundle.as_deref(), Some("{}"));
    assert_eq!(bundle_layers(sig), ["sha256:cc"]);
    let index = br#"{"manifests":[
        {"digest":"sha256:1","artifactType":"application/vnd.dev.cosign.artifact.sig.v1+json"},
        {"digest":"sha256:2","artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json"},
        {"digest":"sha256:3","artifactType":"application/vnd.oci.empty.v1+json"},
        {"digest":"sha256:4","artifactType":"application/spdx+json"}]}"#;
    assert_eq!(signature_referrers(index), ["sha256:1", "sha256:2", "sha256:3"], "an SBOM is not read");
}
