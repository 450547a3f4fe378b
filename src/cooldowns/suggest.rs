//! What `depgate init` proposes for each tool found in a project: the lines that make the
//! tool wait as long as depgate's cooling tier of the ecosystem it serves, with the names
//! bound to a tier that does not wait (namespaces) exempt where the tool has an exemption
//! list. `init` writes them into a tool's file where the setting is absent
//! ([`super::write`], keeping the rest of the file byte for byte), and prints them where
//! it does not write (`--no-tool-settings`, a drifting value, a file it does not edit).

use super::Tool;
use super::drift::Depgate;
use crate::ecosystem::Ecosystem;

/// The lines to add to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub tool: Tool,
    /// Where the lines go.
    pub file: String,
    pub lines: Vec<String>,
    /// What the lines cannot express.
    pub notes: Vec<String>,
}

/// The ecosystem a tool installs for.
fn ecosystem(tool: Tool) -> Option<Ecosystem> {
    match tool {
        Tool::Npm | Tool::Pnpm | Tool::Yarn | Tool::Bun => Some(Ecosystem::Npm),
        Tool::Uv | Tool::Pip => Some(Ecosystem::Pypi),
        Tool::Renovate | Tool::Dependabot => None,
    }
}

/// The cooldown of `eco` (whole days, rounded up: the longest of its cooling tiers), and
/// the names bound to a tier that does not wait; `None` when no tier of it waits.
fn target(dg: &Depgate, eco: Ecosystem) -> Option<(i64, Vec<String>, Vec<String>)> {
    let chain = dg.chains.get(&eco)?;
    let days = chain.iter().map(|t| t.days).fold(0.0_f64, f64::max);
    if days <= 0.0 {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    let whole = days.ceil() as i64;
    let free: Vec<&str> = chain.iter().filter(|t| t.days <= 0.0).map(|t| t.upstream.as_str()).collect();
    let bound: Vec<String> = dg
        .namespaces
        .get(&eco)
        .into_iter()
        .flatten()
        .filter(|(_, u)| free.contains(&u.as_str()))
        .map(|(p, _)| p.clone())
        .collect();
    // A tier that does not wait and is first in its chain serves any name, not only bound ones.
    let unbound: Vec<String> =
        chain.first().filter(|t| t.days <= 0.0).map(|t| t.upstream.clone()).into_iter().collect();
    Some((whole, bound, unbound))
}

fn exact(patterns: &[String]) -> (Vec<String>, Vec<String>) {
    patterns.iter().cloned().partition(|p| !p.contains('*'))
}

fn quoted(list: &[String]) -> String {
    list.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", ")
}

/// The lines for `tool`, for the ecosystems `gated` (Renovate and Dependabot serve all).
pub fn suggest(tool: Tool, dg: &Depgate, gated: &[Ecosystem]) -> Option<Suggestion> {
    let mut notes = Vec::new();
    let mut lines = Vec::new();
    let file = if let Some(eco) = ecosystem(tool) {
        let (days, bound, unbound) = target(dg, eco)?;
        for u in &unbound {
            notes.push(format!(
                    "`{u}` is first in the {eco} chain and does not wait: the tool will hold its versions back {days} days too (it cannot tell which registry serves a name)"
                ));
        }
        let (names, globs) = exact(&bound);
        match tool {
            Tool::Npm => {
                lines.push(format!("min-release-age={days}"));
                if !bound.is_empty() {
                    notes.push(format!("npm has no exemption list: {} will wait too", bound.join(", ")));
                }
                ".npmrc"
            }
            Tool::Pnpm => {
                lines.push(format!("minimumReleaseAge: {}", days * 1440));
                if !bound.is_empty() {
                    lines.push("minimumReleaseAgeExclude:".into());
                    lines.extend(bound.iter().map(|p| format!("  - \"{p}\"")));
                }
                "pnpm-workspace.yaml"
            }
            Tool::Yarn => {
                lines.push(format!("npmMinimalAgeGate: {days}d"));
                if !bound.is_empty() {
                    lines.push("npmPreapprovedPackages:".into());
                    lines.extend(bound.iter().map(|p| format!("  - \"{p}\"")));
                }
                ".yarnrc.yml"
            }
            Tool::Bun => {
                lines.push("[install]".into());
                lines.push(format!("minimumReleaseAge = {}", days * 86_400));
                if !names.is_empty() {
                    lines.push(format!("minimumReleaseAgeExcludes = [{}]", quoted(&names)));
                }
                if !globs.is_empty() {
                    notes.push(format!("bun exempts exact names only: {} will wait too", globs.join(", ")));
                }
                "bunfig.toml"
            }
            Tool::Uv => {
                lines.push("[tool.uv]".into());
                lines.push(format!("exclude-newer = \"{days} days\""));
                if !names.is_empty() {
                    let entries: Vec<String> = names.iter().map(|n| format!("{n} = false")).collect();
                    lines.push(format!("exclude-newer-package = {{ {} }}", entries.join(", ")));
                }
                if !globs.is_empty() {
                    notes.push(format!("uv exempts exact names only: {} will wait too", globs.join(", ")));
                }
                "pyproject.toml"
            }
            _ => {
                lines.push("[install]".into());
                lines.push(format!("uploaded-prior-to = P{days}D"));
                notes.push(format!("pip 26.1+ reads a duration; in CI, PIP_UPLOADED_PRIOR_TO=P{days}D does the same"));
                if !bound.is_empty() {
                    notes.push(format!("pip has no exemption list: {} will wait too", bound.join(", ")));
                }
                "pip.conf"
            }
        }
    } else {
        for &eco in gated {
            let Some((days, bound, _)) = target(dg, eco) else { continue };
            if tool == Tool::Renovate {
                let datasource = match eco {
                    Ecosystem::Maven => "maven",
                    Ecosystem::Oci => "docker",
                    _ => eco.as_str(),
                };
                lines.push(format!(
                    "{{\"matchDatasources\": [\"{datasource}\"], \"minimumReleaseAge\": \"{days} days\"}},"
                ));
                if !bound.is_empty() {
                    lines.push(format!(
                            "{{\"matchDatasources\": [\"{datasource}\"], \"matchPackageNames\": [{}], \"minimumReleaseAge\": \"0 days\"}},",
                            quoted(&bound)
                        ));
                }
            } else {
                let name = match eco {
                    Ecosystem::Npm => "npm",
                    Ecosystem::Pypi => "pip",
                    Ecosystem::Maven => "maven",
                    Ecosystem::Oci => "docker",
                };
                lines.push(format!("# the `package-ecosystem: {name}` entry of updates:"));
                lines.push("cooldown:".into());
                lines.push(format!("  default-days: {days}"));
                if !bound.is_empty() {
                    lines.push("  exclude:".into());
                    lines.extend(bound.iter().map(|p| format!("    - \"{p}\"")));
                }
            }
        }
        if lines.is_empty() {
            return None;
        }
        if tool == Tool::Renovate {
            notes.push("the entries go in packageRules (later rules win over earlier ones)".into());
            "renovate.json"
        } else {
            ".github/dependabot.yml"
        }
    };
    Some(Suggestion { tool, file: file.to_string(), lines, notes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cooldowns::drift::TierView;

    fn dg() -> Depgate {
        let t = |u: &str, tier: &str, days: f64| TierView {
            upstream: u.into(),
            tier: tier.into(),
            days,
            why: String::new(),
        };
        Depgate {
            config: "depgate.toml".into(),
            chains: [
                (Ecosystem::Npm, vec![t("private", "private", 0.0), t("npmjs", "public", 7.0)]),
                (Ecosystem::Pypi, vec![t("pypi", "public", 3.5)]),
            ]
            .into_iter()
            .collect(),
            namespaces: [(
                Ecosystem::Npm,
                vec![("@acme/*".to_string(), "private".to_string()), ("acme-cli".to_string(), "private".to_string())],
            )]
            .into_iter()
            .collect(),
            cooldown_exempt: Vec::new(),
        }
    }

    #[test]
    fn each_tool_in_its_own_unit() {
        let d = dg();
        let pnpm = suggest(Tool::Pnpm, &d, &[]).unwrap();
        assert_eq!(
            pnpm.lines,
            vec!["minimumReleaseAge: 10080", "minimumReleaseAgeExclude:", "  - \"@acme/*\"", "  - \"acme-cli\""]
        );
        assert!(pnpm.notes[0].contains("`private` is first in the npm chain"), "{:?}", pnpm.notes);
        let bun = suggest(Tool::Bun, &d, &[]).unwrap();
        assert_eq!(
            bun.lines,
            vec!["[install]", "minimumReleaseAge = 604800", "minimumReleaseAgeExcludes = [\"acme-cli\"]"]
        );
        assert!(bun.notes.iter().any(|n| n.contains("exact names only: @acme/*")));
        assert_eq!(suggest(Tool::Yarn, &d, &[]).unwrap().lines[0], "npmMinimalAgeGate: 7d");
        assert_eq!(suggest(Tool::Npm, &d, &[]).unwrap().lines, vec!["min-release-age=7"]);
        // 3.5 days rounds up: a tool never waits less than depgate.
        assert_eq!(suggest(Tool::Uv, &d, &[]).unwrap().lines, vec!["[tool.uv]", "exclude-newer = \"4 days\""]);
        assert_eq!(suggest(Tool::Pip, &d, &[]).unwrap().lines[1], "uploaded-prior-to = P4D");
        let renovate = suggest(Tool::Renovate, &d, &[Ecosystem::Npm, Ecosystem::Pypi]).unwrap();
        assert_eq!(renovate.lines.len(), 3);
        assert!(renovate.lines[1].contains("\"0 days\""));
        let dependabot = suggest(Tool::Dependabot, &d, &[Ecosystem::Pypi]).unwrap();
        assert_eq!(
            dependabot.lines,
            vec!["# the `package-ecosystem: pip` entry of updates:", "cooldown:", "  default-days: 4"]
        );
        // No tier of the ecosystem waits: nothing to propose.
        let mut none = dg();
        none.chains.insert(Ecosystem::Pypi, vec![]);
        assert!(suggest(Tool::Uv, &none, &[]).is_none());
    }
}
