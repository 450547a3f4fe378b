//! Project manifests (`package.json`, `pyproject.toml`, `pom.xml`, `build.gradle(.kts)`):
//! only whether one declares dependencies, and what writes the lockfile depgate reads for
//! it. A manifest that declares dependencies with no lockfile beside or above it must not
//! pass as "0 packages, allowed".
//!
//! Owns: the test on the manifest's text and the advice. Must not: open files.

use super::Ecosystem;

/// The manifests depgate knows, by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ManifestKind {
    PackageJson,
    Pyproject,
    Pom,
    Gradle,
}

impl ManifestKind {
    pub fn from_file_name(name: &str) -> Option<Self> {
        Some(match name {
            "package.json" => ManifestKind::PackageJson,
            "pyproject.toml" => ManifestKind::Pyproject,
            "pom.xml" => ManifestKind::Pom,
            "build.gradle" | "build.gradle.kts" => ManifestKind::Gradle,
            _ => return None,
        })
    }

    /// The ecosystem whose lockfiles cover it.
    pub fn ecosystem(self) -> Ecosystem {
        match self {
            ManifestKind::PackageJson => Ecosystem::Npm,
            ManifestKind::Pyproject => Ecosystem::Pypi,
            ManifestKind::Pom | ManifestKind::Gradle => Ecosystem::Maven,
        }
    }

    /// The commands that write a lockfile depgate reads for this manifest.
    pub fn lock_commands(self) -> &'static str {
        match self {
            ManifestKind::PackageJson => {
                "`npm install --package-lock-only` (or `pnpm install --lockfile-only`, `yarn install`, `bun install --lockfile-only`)"
            }
            ManifestKind::Pyproject => {
                "`uv lock`, `pdm lock -G :all`, `poetry lock` or `pip-compile --generate-hashes pyproject.toml`"
            }
            ManifestKind::Pom => {
                "`mvn dependency:list -DoutputAbsoluteArtifactFilename=true -DoutputFile=depgate-mvn-dependencies.txt`"
            }
            ManifestKind::Gradle => {
                "`gradle dependencies --write-locks` (with dependency locking on) or `gradle --write-verification-metadata sha256 help`"
            }
        }
    }

    /// Whether the manifest's text declares any dependency. Unreadable text counts as
    /// declaring some: the gate must not pass a project it could not look at.
    pub fn declares_dependencies(self, text: &str) -> bool {
        match self {
            ManifestKind::PackageJson => match serde_json::from_str::<serde_json::Value>(text) {
                Ok(v) => ["dependencies", "devDependencies", "optionalDependencies"]
                    .iter()
                    .any(|f| v.get(f).and_then(serde_json::Value::as_object).is_some_and(|m| !m.is_empty())),
                Err(_) => true,
            },
            ManifestKind::Pyproject => match text.parse::<toml::Table>() {
                Ok(t) => pyproject_declares(&t),
                Err(_) => true,
            },
            ManifestKind::Pom => text.contains("<dependency>") || text.contains("<dependency "),
            ManifestKind::Gradle => gradle_declares(text),
        }
    }
}

fn pyproject_declares(t: &toml::Table) -> bool {
    let non_empty = |v: Option<&toml::Value>| match v {
        Some(toml::Value::Array(a)) => !a.is_empty(),
        Some(toml::Value::Table(t)) => t.values().any(|g| !matches!(g, toml::Value::Array(a) if a.is_empty())),
        _ => false,
    };
    let project = t.get("project");
    let tool = t.get("tool");
    let poetry = tool.and_then(|x| x.get("poetry"));
    let poetry_deps = poetry
        .and_then(|p| p.get("dependencies"))
        .and_then(toml::Value::as_table)
        .is_some_and(|d| d.keys().any(|k| k != "python"));
    let poetry_groups = poetry.and_then(|p| p.get("group")).and_then(toml::Value::as_table).is_some_and(|groups| {
        groups.values().any(|g| g.get("dependencies").and_then(toml::Value::as_table).is_some_and(|d| !d.is_empty()))
    });
    non_empty(project.and_then(|p| p.get("dependencies")))
        || non_empty(project.and_then(|p| p.get("optional-dependencies")))
        || non_empty(t.get("dependency-groups"))
        || non_empty(tool.and_then(|x| x.get("pdm")).and_then(|p| p.get("dev-dependencies")))
        || poetry_deps
        || poetry_groups
        || poetry.and_then(|p| p.get("dev-dependencies")).and_then(toml::Value::as_table).is_some_and(|d| !d.is_empty())
}

/// A `dependencies { … }` block with anything in it (comments aside).
fn gradle_declares(text: &str) -> bool {
    let mut rest = text;
    while let Some(at) = rest.find("dependencies") {
        let after = rest[at + "dependencies".len()..].trim_start();
        if let Some(body) = after.strip_prefix('{') {
            let end = body.find('}').unwrap_or(body.len());
            let content: String = body[..end]
                .lines()
                .map(|l| l.split("//").next().unwrap_or_default().trim())
                .filter(|l| !l.is_empty())
                .collect();
            if !content.is_empty() {
                return true;
            }
        }
        rest = &rest[at + 1..];
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_json() {
        let k = ManifestKind::PackageJson;
        assert!(k.declares_dependencies(r#"{"dependencies": {"a": "1"}}"#));
        assert!(k.declares_dependencies(r#"{"devDependencies": {"a": "1"}}"#));
        assert!(!k.declares_dependencies(r#"{"name": "x", "dependencies": {}}"#));
        assert!(k.declares_dependencies("{"), "unreadable counts");
    }

    #[test]
    fn pyproject() {
        let k = ManifestKind::Pyproject;
        assert!(k.declares_dependencies("[project]\ndependencies = [\"requests\"]\n"));
        assert!(!k.declares_dependencies("[project]\nname = \"x\"\ndependencies = []\n"));
        assert!(k.declares_dependencies("[dependency-groups]\ndev = [\"pytest\"]\n"));
        assert!(!k.declares_dependencies("[tool.poetry.dependencies]\npython = \"^3.9\"\n"));
        assert!(k.declares_dependencies("[tool.poetry.dependencies]\npython = \"^3.9\"\nrequests = \"*\"\n"));
        assert!(k.declares_dependencies("[tool.poetry.group.dev.dependencies]\npytest = \"*\"\n"));
        assert!(!k.declares_dependencies("[build-system]\nrequires = [\"flit_core\"]\n"));
    }

    #[test]
    fn maven_and_gradle() {
        assert!(ManifestKind::Pom.declares_dependencies("<project><dependencies><dependency>"));
        assert!(!ManifestKind::Pom.declares_dependencies("<project><modules><module>a</module></modules>"));
        let g = ManifestKind::Gradle;
        assert!(g.declares_dependencies("dependencies {\n  implementation(\"a:b:1\")\n}\n"));
        assert!(!g.declares_dependencies("plugins { java }\ndependencies {\n  // none yet\n}\n"));
        assert!(!g.declares_dependencies("plugins { java }\n"));
    }
}
