//! The package indexes a Python project is configured to use, for `depgate init`: pip
//! (`pip.conf` `index-url` / `extra-index-url`, their environment variables, and the
//! options at the top of requirements files), uv (`[[tool.uv.index]]`, with
//! `[tool.uv.sources]` pins as namespaces, and its environment variables), Poetry
//! (`[[tool.poetry.source]]`), PDM (`[[tool.pdm.source]]`) and Pipenv (`[[source]]` in
//! a `Pipfile`). Userinfo in an index URL is recorded as a credential, never kept.

use std::collections::BTreeMap;

use crate::ecosystem::registries::FoundRegistry;

/// `index-url` and `extra-index-url` of one `pip.conf` (`[install]` over `[global]`, as
/// pip reads them). `None` when the file does not set them; pip layers its files (global,
/// user, site, `PIP_CONFIG_FILE`) and the environment over each other, a later value
/// replacing an earlier one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PipConf {
    pub index_url: Option<String>,
    pub extra_index_urls: Option<Vec<String>>,
}

/// Parse a `pip.conf` (INI; keys with `_` or `-`; a value may continue on indented lines).
pub fn parse_pip_conf(text: &str) -> PipConf {
    let mut sections: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut section = String::new();
    let mut key: Option<String> = None;
    for raw in text.lines() {
        let trimmed = raw.trim();
        if trimmed.starts_with(['#', ';']) {
            continue;
        }
        if raw.starts_with([' ', '\t']) && !trimmed.is_empty() {
            if let Some(k) = &key
                && let Some(v) = sections.get_mut(&section).and_then(|s| s.get_mut(k))
            {
                v.push('\n');
                v.push_str(trimmed);
            }
            continue;
        }
        key = None;
        if let Some(name) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = name.trim().to_ascii_lowercase();
        } else if let Some((k, v)) = trimmed.split_once(['=', ':']) {
            let k = k.trim().to_ascii_lowercase().replace('_', "-");
            sections.entry(section.clone()).or_default().insert(k.clone(), v.trim().to_string());
            key = Some(k);
        }
    }
    let get = |k: &str| ["install", "global"].iter().find_map(|s| sections.get(*s).and_then(|m| m.get(k))).cloned();
    PipConf {
        index_url: get("index-url").filter(|v| !v.is_empty()),
        extra_index_urls: get("extra-index-url").map(|v| v.split_whitespace().map(str::to_string).collect()),
    }
}

/// `--index-url`, `-i` and `--extra-index-url` lines of a requirements file.
pub fn requirements_indexes(text: &str, file: &str) -> Vec<FoundRegistry> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        for opt in ["--index-url", "--extra-index-url", "-i"] {
            let Some(rest) = line.strip_prefix(opt) else { continue };
            let rest = rest.strip_prefix('=').unwrap_or(rest);
            if !(rest.starts_with([' ', '\t']) || line.as_bytes().get(opt.len()) == Some(&b'=')) {
                continue;
            }
            if let Some(url) = rest.split_whitespace().next() {
                out.push(FoundRegistry::new(url, format!("{opt} in {file}")));
            }
            break;
        }
    }
    out
}

/// The indexes `pyproject.toml` configures for uv, Poetry and PDM. Unreadable TOML gives
/// none (the lockfile parsers report broken files where it matters).
pub fn pyproject_indexes(text: &str, file: &str) -> Vec<FoundRegistry> {
    let Ok(doc) = toml::from_str::<toml::Table>(text) else { return Vec::new() };
    let tool = doc.get("tool").and_then(toml::Value::as_table);
    let mut out = Vec::new();
    if let Some(uv) = tool.and_then(|t| t.get("uv")).and_then(toml::Value::as_table) {
        out.extend(uv_indexes(uv, file));
    }
    for (tool_name, key) in [("poetry", "source"), ("pdm", "source")] {
        let sources = tool.and_then(|t| t.get(tool_name)).and_then(|t| t.get(key)).and_then(toml::Value::as_array);
        for s in sources.into_iter().flatten() {
            if let Some(url) = s.get("url").and_then(toml::Value::as_str) {
                let name = s.get("name").and_then(toml::Value::as_str).unwrap_or("?");
                out.push(FoundRegistry::new(url, format!("[[tool.{tool_name}.{key}]] {name} in {file}")));
            }
        }
    }
    out
}

fn uv_indexes(uv: &toml::Table, file: &str) -> Vec<FoundRegistry> {
    let mut out = Vec::new();
    let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
    let indexes = uv.get("index").and_then(toml::Value::as_array);
    // uv asks the indexes in the order written, a `default = true` one last.
    let mut ordered: Vec<&toml::Value> = indexes.into_iter().flatten().collect();
    ordered.sort_by_key(|i| i.get("default").and_then(toml::Value::as_bool).unwrap_or(false));
    for i in ordered {
        let Some(url) = i.get("url").and_then(toml::Value::as_str) else { continue };
        let name = i.get("name").and_then(toml::Value::as_str);
        out.push(FoundRegistry::new(url, format!("[[tool.uv.index]] {} in {file}", name.unwrap_or("(unnamed)"))));
        if let Some(n) = name {
            by_name.insert(n.to_string(), out.len() - 1);
        }
    }
    if let Some(u) = uv.get("index-url").and_then(toml::Value::as_str) {
        out.push(FoundRegistry::new(u, format!("tool.uv index-url in {file}")));
    }
    for u in uv.get("extra-index-url").and_then(toml::Value::as_array).into_iter().flatten() {
        if let Some(u) = u.as_str() {
            out.push(FoundRegistry::new(u, format!("tool.uv extra-index-url in {file}")));
        }
    }
    // `[tool.uv.sources] name = { index = "x" }`: the project comes from that index only.
    for (project, source) in uv.get("sources").and_then(toml::Value::as_table).into_iter().flatten() {
        if let Some(i) = source.get("index").and_then(toml::Value::as_str).and_then(|n| by_name.get(n)) {
            out[*i].namespaces.push(super::normalize_name(project));
        }
    }
    out
}

/// `[[source]]` tables of a `Pipfile`.
pub fn pipfile_indexes(text: &str, file: &str) -> Vec<FoundRegistry> {
    let Ok(doc) = toml::from_str::<toml::Table>(text) else { return Vec::new() };
    doc.get("source")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| {
            let url = s.get("url").and_then(toml::Value::as_str)?;
            let name = s.get("name").and_then(toml::Value::as_str).unwrap_or("?");
            Some(FoundRegistry::new(url, format!("[[source]] {name} in {file}")))
        })
        .collect()
}

/// uv's environment: `UV_INDEX` / `UV_EXTRA_INDEX_URL` (space-separated, `name=url` or a
/// URL) before `UV_DEFAULT_INDEX` / `UV_INDEX_URL`, as uv orders them.
pub fn uv_env_indexes(env: &dyn Fn(&str) -> Option<String>) -> Vec<FoundRegistry> {
    let mut out = Vec::new();
    for var in ["UV_INDEX", "UV_EXTRA_INDEX_URL"] {
        for item in env(var).unwrap_or_default().split_whitespace() {
            let url = match item.split_once('=') {
                Some((name, url)) if !name.contains(':') => url,
                _ => item,
            };
            out.push(FoundRegistry::new(url, format!("the environment variable {var}")));
        }
    }
    for var in ["UV_DEFAULT_INDEX", "UV_INDEX_URL"] {
        if let Some(u) = env(var).filter(|v| !v.trim().is_empty()) {
            out.push(FoundRegistry::new(&u, format!("the environment variable {var}")));
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pip_conf_install_over_global_and_continuation_lines() {
        let c = parse_pip_conf(
            "[global]\nindex_url = https://g.example/simple\ncert = /x\n[install]\nindex-url = https://i.example/simple\nextra-index-url =\n    https://a.example/simple\n    https://b.example/simple\n",
        );
        assert_eq!(c.index_url.as_deref(), Some("https://i.example/simple"));
        assert_eq!(c.extra_index_urls.unwrap(), ["https://a.example/simple", "https://b.example/simple"]);
        assert_eq!(parse_pip_conf("[global]\ncert = /etc/ssl/x.pem\n"), PipConf::default());
    }

    #[test]
    fn requirements_options() {
        let r = requirements_indexes(
            "--index-url https://ci:tok@pypi.acme.example/simple/\n-i=https://x.example/\n--extra-index-url=https://y.example/simple\nsix==1.16.0\n--indexing x\n",
            "requirements.txt",
        );
        let urls: Vec<&str> = r.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(urls, ["https://pypi.acme.example/simple/", "https://x.example/", "https://y.example/simple"]);
        assert!(r[0].credential.is_some());
    }

    #[test]
    fn uv_poetry_pdm_and_pipfile() {
        let py = r#"
[project]
name = "app"
[[tool.uv.index]]
name = "pypi-default"
url = "https://pypi.org/simple"
default = true
[[tool.uv.index]]
name = "acme"
url = "https://pypi.acme.example/simple/"
explicit = true
[tool.uv.sources]
Acme_Billing = { index = "acme" }
other = { git = "https://github.com/x/y" }
[[tool.poetry.source]]
name = "corp"
url = "https://corp.example/simple/"
"#;
        let r = pyproject_indexes(py, "pyproject.toml");
        let urls: Vec<&str> = r.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(
            urls,
            ["https://pypi.acme.example/simple/", "https://pypi.org/simple", "https://corp.example/simple/"]
        );
        assert_eq!(r[0].namespaces, ["acme-billing"]);
        assert!(r[2].origin.contains("tool.poetry.source"), "{}", r[2].origin);
        let p = pipfile_indexes("[[source]]\nurl = \"https://pypi.org/simple\"\nname = \"pypi\"\n", "Pipfile");
        assert_eq!(p[0].url, "https://pypi.org/simple");
        assert!(pyproject_indexes("not toml [", "pyproject.toml").is_empty());
    }

    #[test]
    fn uv_environment() {
        let env = |k: &str| match k {
            "UV_INDEX" => Some("acme=https://a.example/simple https://b.example/simple".into()),
            "UV_DEFAULT_INDEX" => Some("https://d.example/simple".into()),
            _ => None,
        };
        let urls: Vec<String> = uv_env_indexes(&env).into_iter().map(|r| r.url).collect();
        assert_eq!(urls, ["https://a.example/simple", "https://b.example/simple", "https://d.example/simple"]);
    }
}
