//! Container images found in a project whose configuration has no `[oci]` chain: they
//! are listed and reported as not gated (`image-not-gated`), never resolved.
//!
//! A project that upgrades depgate and has a Dockerfile must not start failing: with no
//! `[oci]` chain the images are a warning, unless the user asked for images to be gated
//! (named an image input with `--lockfile`, or `[policy] ungated_images = "deny"`), when
//! they are denied. The remedy is the configuration that would gate them, in this
//! branch's own syntax, with each registry's upstream taken from the embedded default.
//! Pure: no network, no files.

use crate::config::{Config, Location};
use crate::ecosystem::Coordinate;
use crate::policy::Finding;

use super::model::{Decision, Evidence, LeveledFinding, PackageInfo, Record, Verification};

/// The configuration lines that would gate images of `registries` (sorted, distinct):
/// an `[oci]` chain of one upstream per registry and each upstream's table. The
/// upstreams are the embedded default's where it has one for the registry; a name the
/// user's configuration already uses for another upstream gets an `-oci` suffix.
pub fn config_lines(config: &Config, registries: &[String]) -> Vec<String> {
    let default = Config::embedded_default();
    let mut names = Vec::new();
    let mut tables = Vec::new();
    for registry in registries {
        let known = default
            .chain(crate::ecosystem::Ecosystem::Oci)
            .into_iter()
            .find(|u| u.image_registry.as_deref() == Some(registry.as_str()));
        // The default's upstreams all have URLs; a registry it lacks is served from its host.
        let (base, url, tier) = if let Some(u) = known
            && let Location::Url(url) = &u.location
        {
            (u.name.clone(), url.to_string(), u.tier.clone())
        } else {
            let name: String = registry
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
                .collect();
            (name, format!("https://{registry}/"), "public".to_string())
        };
        let mut name = base.clone();
        if config.upstreams.contains_key(&name) || names.contains(&name) {
            name = format!("{base}-oci");
        }
        tables.push(String::new());
        tables.push(format!("[upstream.{name}]"));
        tables.push("kind = \"oci\"".into());
        tables.push(format!("url = \"{url}\""));
        if known.is_none() {
            tables.push(format!("registry = \"{registry}\""));
        }
        tables.push(format!("tier = \"{tier}\""));
        names.push(name);
    }
    let chain: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    let mut lines = vec!["[oci]".to_string(), format!("chain = [{}]", chain.join(", "))];
    lines.extend(tables);
    lines
}

/// One record per image coordinate of `coords` (others are skipped), each with an
/// `image-not-gated` finding at `level` (`Warn`, or `Deny` when images were asked for).
/// `config_name` names the configuration file in the message.
pub fn image_records(config: &Config, coords: &[&Coordinate], level: Decision, config_name: &str) -> Vec<Record> {
    let mut registries: Vec<String> =
        coords.iter().filter_map(|c| c.image.as_deref().map(|i| i.registry.clone())).collect();
    registries.sort();
    registries.dedup();
    let lines = config_lines(config, &registries);
    let why_level = if level == Decision::Deny {
        "denied because images were asked for (named with --lockfile, or [policy] ungated_images = \"deny\")"
    } else {
        "a warning: gate images by adding the chain, or make this a denial with [policy] ungated_images = \"deny\""
    };
    coords
        .iter()
        .filter_map(|c| {
            let image = c.image.as_deref()?;
            let package = PackageInfo::from_coordinate(c);
            let finding = Finding {
                rule: "image-not-gated".into(),
                msg: format!(
                    "{} ({}:{}, {}) is not gated: {config_name} has no [oci] chain, so no registry was asked, no digest resolved and no signature checked; {why_level}",
                    package.purl,
                    package.lockfile,
                    package.line,
                    image.kind.as_str()
                ),
                remedy: Some(format!("add these lines to {config_name}:\n{}", lines.join("\n"))),
                until: None,
                advisory: None,
            };
            let mut evidence = Evidence::none();
            evidence.verification = Verification::Pending;
            Some(Record {
                package,
                resolution: None,
                evidence,
                license: None,
                decision: level,
                findings: vec![LeveledFinding { level, finding }],
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user_config(text: &str) -> Config {
        Config::parse(text, std::path::Path::new("/p/depgate.toml")).expect("valid config")
    }

    #[test]
    fn lines_use_the_default_upstreams_and_avoid_the_users_names() {
        let cfg = user_config(
            "[npm]\nchain = [\"dockerhub\"]\n[upstream.dockerhub]\nkind = \"npm\"\nurl = \"https://registry.npmjs.org/\"\ntier = \"public\"\n",
        );
        let lines = config_lines(&cfg, &["cgr.dev".into(), "docker.io".into(), "registry.acme.test:5000".into()]);
        assert_eq!(
            lines,
            [
                "[oci]",
                "chain = [\"chainguard\", \"dockerhub-oci\", \"registry-acme-test-5000\"]",
                "",
                "[upstream.chainguard]",
                "kind = \"oci\"",
                "url = \"https://cgr.dev/\"",
                "tier = \"curated\"",
                "",
                "[upstream.dockerhub-oci]",
                "kind = \"oci\"",
                "url = \"https://registry-1.docker.io/\"",
                "tier = \"public\"",
                "",
                "[upstream.registry-acme-test-5000]",
                "kind = \"oci\"",
                "url = \"https://registry.acme.test:5000/\"",
                "registry = \"registry.acme.test:5000\"",
                "tier = \"public\"",
            ]
        );
        // The lines, added to the user's configuration, make a valid one that gates them.
        let text = "[npm]\nchain = [\"dockerhub\"]\n[upstream.dockerhub]\nkind = \"npm\"\nurl = \"https://registry.npmjs.org/\"\ntier = \"public\"\n";
        let added = user_config(&format!("{text}\n{}\n", lines.join("\n")));
        let chain: Vec<_> = added
            .chain_for(crate::ecosystem::Ecosystem::Oci, "registry.acme.test:5000/app")
            .into_iter()
            .map(|u| u.name.clone())
            .collect();
        assert_eq!(chain, ["registry-acme-test-5000"]);
        let hub: Vec<_> = added
            .chain_for(crate::ecosystem::Ecosystem::Oci, "docker.io/library/nginx")
            .into_iter()
            .map(|u| u.name.clone())
            .collect();
        assert_eq!(hub, ["dockerhub-oci"]);
    }
}
