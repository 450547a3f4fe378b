//! The deployment files under deploy/ are checked against what they deploy: the systemd
//! unit with `systemd-analyze verify` (the real unit parser) and its command line with
//! depgate's own argument parser; the Kubernetes manifests parsed as YAML, their
//! depgate.toml with depgate's configuration parser, the container's arguments with the
//! argument parser, and the probes against the paths the proxy answers.

mod support;

use std::path::Path;
use std::process::Command;

use clap::Parser as _;
use depgate::cli::{Cli, Command as Sub};
use serde_json::Value;

fn repo(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
fn the_systemd_unit_verifies_and_its_command_line_parses() {
    let text = std::fs::read_to_string(repo("deploy/systemd/depgate-serve.service")).unwrap();
    // ExecStart, its continuation lines joined.
    let exec = text.replace("\\\n", " ");
    let line = exec.lines().find_map(|l| l.strip_prefix("ExecStart=")).unwrap();
    let args: Vec<String> =
        line.split_whitespace().map(|a| a.replace("%S", "/var/lib").replace("%C", "/var/cache")).collect();
    assert_eq!(args[0], "/usr/local/bin/depgate");
    let cli = Cli::try_parse_from(std::iter::once("depgate".to_string()).chain(args[1..].iter().cloned()))
        .unwrap_or_else(|e| panic!("{e}"));
    let Sub::Serve(serve) = cli.command else { panic!("not serve") };
    assert!(serve.drain_secs > 0 && serve.bind.is_unspecified());
    assert!(text.contains("ExecReload=/bin/kill -HUP $MAINPID"), "reload is SIGHUP");

    let ok = Command::new("systemd-analyze").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(!support::served::require_tools(), "systemd-analyze is required under DEPGATE_REQUIRE_TOOLS=1");
        support::skipped("deploy: systemd-analyze is not installed; the unit is not verified");
        return;
    }
    // The unit as installed, with the binary where it points.
    let dir = tempfile::tempdir().unwrap();
    let unit = dir.path().join("depgate-serve.service");
    std::fs::write(&unit, text.replace("/usr/local/bin/depgate", env!("CARGO_BIN_EXE_depgate"))).unwrap();
    let out = Command::new("systemd-analyze").arg("verify").arg(&unit).output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let problems: Vec<&str> = said
        .lines()
        // Verification on a machine without systemd as init (a container) warns about that.
        .filter(|l| !l.trim().is_empty() && !l.contains("System has not been booted with systemd"))
        .collect();
    assert!(out.status.success() && problems.is_empty(), "systemd-analyze verify: {said}");
}

#[test]
fn the_kubernetes_manifests_deploy_a_valid_configuration_and_command() {
    let text = std::fs::read_to_string(repo("deploy/kubernetes/depgate.yaml")).unwrap();
    let docs: Vec<Value> = yaml_rust2::YamlLoader::load_from_str(&text)
        .unwrap()
        .iter()
        .map(|y| depgate::yaml::to_json(y).unwrap())
        .collect();
    let kind = |k: &str| docs.iter().find(|d| d["kind"] == k).unwrap_or_else(|| panic!("no {k}"));
    let toml = kind("ConfigMap")["data"]["depgate.toml"].as_str().unwrap();
    let config = depgate::config::Config::parse(toml, Path::new("depgate.toml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.teams.len(), 1);
    let deployment = kind("Deployment");
    assert!(deployment["spec"]["replicas"].as_u64().unwrap() >= 2);
    let pod = &deployment["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    let c = &pod["containers"][0];
    assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
    let args: Vec<String> = c["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect();
    let cli = Cli::try_parse_from(std::iter::once("depgate".to_string()).chain(args)).unwrap_or_else(|e| panic!("{e}"));
    let Sub::Serve(serve) = cli.command else { panic!("not serve") };
    assert!(serve.bind.is_unspecified());
    // The grace period covers the drain.
    assert!(pod["terminationGracePeriodSeconds"].as_u64().unwrap() > serve.drain_secs);
    assert_eq!(c["readinessProbe"]["httpGet"]["path"], depgate::proxy::server::READY_PATH);
    assert_eq!(c["livenessProbe"]["httpGet"]["path"], depgate::proxy::server::HEALTH_PATH);
    let port = c["ports"][0]["containerPort"].as_u64().unwrap();
    assert_eq!(port, u64::from(serve.port));
    assert_eq!(
        deployment["spec"]["template"]["metadata"]["annotations"]["prometheus.io/path"],
        depgate::proxy::server::METRICS_PATH
    );
    for k in ["Service", "PodDisruptionBudget"] {
        kind(k);
    }
}
