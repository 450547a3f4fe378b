use super::*;
use crate::cooldowns::drift::TierView;

const NOW: i64 = 1_780_000_000;

/// npm: a private first tier that does not wait (binding `@acme/*` and `acme-cli`), then
/// `npmjs` waiting 7 days; `PyPI` waiting 3.5 days (4 whole days); Maven 7.
fn dg() -> Depgate {
    let t =
        |u: &str, tier: &str, days: f64| TierView { upstream: u.into(), tier: tier.into(), days, why: String::new() };
    Depgate {
        config: "depgate.toml".into(),
        chains: [
            (Ecosystem::Npm, vec![t("private", "private", 0.0), t("npmjs", "public", 7.0)]),
            (Ecosystem::Pypi, vec![t("pypi", "public", 3.5)]),
            (Ecosystem::Maven, vec![t("central", "public", 7.0)]),
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

const ALL: [Ecosystem; 3] = [Ecosystem::Npm, Ecosystem::Pypi, Ecosystem::Maven];

fn run(tool: Tool, kind: FileKind, file: &str, text: &str) -> Result<Option<Insertion>, String> {
    insert(tool, kind, file, text, &dg(), &ALL, &[], NOW)
}

/// The new text, which must be `text` with `inserted` somewhere in it, byte for byte.
fn edited(tool: Tool, kind: FileKind, file: &str, text: &str) -> Insertion {
    let e = run(tool, kind, file, text).unwrap_or_else(|e| panic!("{file}: {e}")).expect("an edit");
    let again = run(tool, kind, file, &e.text).unwrap();
    assert_eq!(again, None, "a second edit of {file} must add nothing");
    e
}

#[test]
fn npmrc_appends_a_line_and_keeps_the_file() {
    let text = "; comment\nregistry=https://r.example/\n//r.example/:_authToken=${TOKEN}";
    let e = edited(Tool::Npm, FileKind::Npmrc, ".npmrc", text);
    assert_eq!(e.text, format!("{text}\nmin-release-age=7\n"));
    assert_eq!(e.added, vec!["min-release-age=7"]);
    assert_eq!(edited(Tool::Npm, FileKind::Npmrc, ".npmrc", "").text, "min-release-age=7\n");
    let crlf = edited(Tool::Npm, FileKind::Npmrc, ".npmrc", "a=b\r\n");
    assert_eq!(crlf.text, "a=b\r\nmin-release-age=7\r\n");
    // Set already (and drifting): the owner's value stays; nothing is added.
    assert_eq!(run(Tool::Npm, FileKind::Npmrc, ".npmrc", "min-release-age=2\n").unwrap(), None);
}

#[test]
fn yaml_top_level_keys_at_the_end() {
    let text =
        "# workspace\npackages:\n  - \"packages/*\"   # all of them\ncatalog:\n  react: ^18\n\n# trailing comment\n";
    let e = edited(Tool::Pnpm, FileKind::PnpmWorkspace, "pnpm-workspace.yaml", text);
    let add = "minimumReleaseAge: 10080\nminimumReleaseAgeExclude:\n  - \"@acme/*\"\n  - \"acme-cli\"\n";
    assert_eq!(e.text, format!("{text}{add}"));
    let created = edited(Tool::Pnpm, FileKind::PnpmWorkspace, "pnpm-workspace.yaml", "");
    assert_eq!(created.text, add);
    // A block scalar last: the new key at column 0 ends it.
    let scalar = "nodeLinker: node-modules\nnote: |\n  a text\n  of lines";
    let e = edited(Tool::Yarn, FileKind::Yarnrc, ".yarnrc.yml", scalar);
    assert!(e.text.starts_with(&format!("{scalar}\nnpmMinimalAgeGate: 7d\nnpmPreapprovedPackages:\n")), "{}", e.text);
    // An exemption list already there is the owner's: only the gate is added.
    let listed = "npmPreapprovedPackages:\n  - \"@acme/*\"\n  - \"acme-cli\"\n";
    let e = edited(Tool::Yarn, FileKind::Yarnrc, ".yarnrc.yml", listed);
    assert_eq!(e.text, format!("{listed}npmMinimalAgeGate: 7d\n"));
    // pnpm: an exemption list with no age yet (a problem the reader reports) gets the age.
    let listed = "minimumReleaseAgeExclude:\n  - \"@acme/*\"\n  - \"acme-cli\"\n";
    let e = edited(Tool::Pnpm, FileKind::PnpmWorkspace, "pnpm-workspace.yaml", listed);
    assert_eq!(e.text, format!("{listed}minimumReleaseAge: 10080\n"));
    // A value the reader cannot use stays the owner's to fix: no second key beside it.
    let err = run(Tool::Npm, FileKind::Npmrc, ".npmrc", "min-release-age=soon\n").unwrap_err();
    assert!(err.contains("fix it first"), "{err}");
    for (bad, why) in [
        ("{packages: [a]}\n", "block style"),
        ("packages: [a]\n---\nother: 1\n", "document"),
        ("packages: [a]\n...\n", "document"),
        ("- a\n", "not a mapping"),
        ("packages:\n\t- a\n", "tab"),
    ] {
        let err = run(Tool::Pnpm, FileKind::PnpmWorkspace, "pnpm-workspace.yaml", bad).unwrap_err();
        assert!(err.contains(why), "{bad:?}: {err}");
    }
}

#[test]
fn toml_tables_keep_their_layout() {
    let bun =
        "# bun\n[install]\n# where from\nregistry = \"https://r.example/\"  # mirror\n\n[test]\ncoverage = true\n";
    let e = edited(Tool::Bun, FileKind::Bunfig, "bunfig.toml", bun);
    assert_eq!(
        e.text,
        "# bun\n[install]\n# where from\nregistry = \"https://r.example/\"  # mirror\nminimumReleaseAge = 604800\nminimumReleaseAgeExcludes = [\"acme-cli\"]\n\n[test]\ncoverage = true\n"
    );
    assert_eq!(e.added, vec!["minimumReleaseAge = 604800", "minimumReleaseAgeExcludes = [\"acme-cli\"]"]);
    let created = edited(Tool::Bun, FileKind::Bunfig, "bunfig.toml", "");
    assert_eq!(created.text, "[install]\nminimumReleaseAge = 604800\nminimumReleaseAgeExcludes = [\"acme-cli\"]\n");
    // pyproject.toml without [tool.uv]: a new table at the end.
    let py = "[project]\nname = \"app\"  # the app\ndependencies = [\n  \"requests\",\n]\n\n[tool.ruff]\nline-length = 100\n";
    let e = edited(Tool::Uv, FileKind::Pyproject, "pyproject.toml", py);
    assert_eq!(e.text, format!("{py}\n[tool.uv]\nexclude-newer = \"4 days\"\n"));
    assert_eq!(e.added, vec!["[tool.uv]", "exclude-newer = \"4 days\""]);
    // With [tool.uv]: the key goes in it, before the next table.
    let py = "[project]\nname = \"app\"\n\n[tool.uv]\n# uv\nindex-url = \"https://r.example/simple\"\n\n[tool.ruff]\nx = 1\n";
    let e = edited(Tool::Uv, FileKind::Pyproject, "pyproject.toml", py);
    assert_eq!(
        e.text,
        "[project]\nname = \"app\"\n\n[tool.uv]\n# uv\nindex-url = \"https://r.example/simple\"\nexclude-newer = \"4 days\"\n\n[tool.ruff]\nx = 1\n"
    );
    // uv.toml: a top-level key, before the first table.
    let uv = "# uv settings\nnative-tls = true\n\n[[index]]\nurl = \"https://r.example/simple\"\n";
    let e = edited(Tool::Uv, FileKind::UvToml, "uv.toml", uv);
    assert_eq!(
        e.text,
        "# uv settings\nnative-tls = true\nexclude-newer = \"4 days\"\n\n[[index]]\nurl = \"https://r.example/simple\"\n"
    );
    // A byte-order mark stays.
    let bom = edited(Tool::Uv, FileKind::UvToml, "uv.toml", "\u{feff}native-tls = true\n");
    assert_eq!(bom.text, "\u{feff}native-tls = true\nexclude-newer = \"4 days\"\n");
    let err = run(Tool::Bun, FileKind::Bunfig, "bunfig.toml", "install = 3\n").unwrap_err();
    assert!(err.contains("not a table"), "{err}");
}

#[test]
fn pip_conf_install_section() {
    let global = "[global]\nindex-url = https://r.example/simple\n";
    let e = edited(Tool::Pip, FileKind::PipConf, "pip.conf", global);
    assert_eq!(e.text, format!("{global}\n[install]\nuploaded-prior-to = P4D\n"));
    let install = "[install]\nno-cache-dir = true\n\n# the next one\n[download]\ndest = x\n";
    let e = edited(Tool::Pip, FileKind::PipConf, "pip.conf", install);
    assert_eq!(
        e.text,
        "[install]\nno-cache-dir = true\nuploaded-prior-to = P4D\n\n# the next one\n[download]\ndest = x\n"
    );
    assert_eq!(e.added, vec!["uploaded-prior-to = P4D"]);
}

#[test]
fn renovate_rules_in_the_files_indentation() {
    let npm = r#"{"matchDatasources": ["npm"], "minimumReleaseAge": "7 days"}"#;
    let bound =
        r#"{"matchDatasources": ["npm"], "matchPackageNames": ["@acme/*", "acme-cli"], "minimumReleaseAge": "0 days"}"#;
    let pypi = r#"{"matchDatasources": ["pypi"], "minimumReleaseAge": "4 days"}"#;
    let maven = r#"{"matchDatasources": ["maven"], "minimumReleaseAge": "7 days"}"#;
    let text = "{\n    \"extends\": [\"config:recommended\"],\n    \"packageRules\": [\n        {\n            \"matchDatasources\": [\"docker\"],\n            \"enabled\": false\n        }\n    ]\n}\n";
    let e = edited(Tool::Renovate, FileKind::Renovate, "renovate.json", text);
    let want = format!(
        "{{\n    \"extends\": [\"config:recommended\"],\n    \"packageRules\": [\n        {{\n            \"matchDatasources\": [\"docker\"],\n            \"enabled\": false\n        }},\n        {npm},\n        {bound},\n        {pypi},\n        {maven}\n    ]\n}}\n"
    );
    assert_eq!(e.text, want);
    assert_eq!(e.added.len(), 4);
    // No packageRules yet: a new list after the last key, in the file's two-space indent.
    let text = "{\n  \"$schema\": \"https://docs.renovatebot.com/renovate-schema.json\",\n  \"extends\": [\"config:recommended\"]\n}";
    let e = edited(Tool::Renovate, FileKind::Renovate, "renovate.json", text);
    assert_eq!(
        e.text,
        format!(
            "{{\n  \"$schema\": \"https://docs.renovatebot.com/renovate-schema.json\",\n  \"extends\": [\"config:recommended\"],\n  \"packageRules\": [\n    {npm},\n    {bound},\n    {pypi},\n    {maven}\n  ]\n}}"
        )
    );
    let e = edited(Tool::Renovate, FileKind::Renovate, "renovate.json", "{}\n");
    assert!(e.text.starts_with("{\n  \"packageRules\": [\n    {\"matchDatasources\""), "{}", e.text);
    let e = edited(Tool::Renovate, FileKind::Renovate, "renovate.json", "{\"extends\": [], \"packageRules\": []}");
    assert_eq!(e.text, format!("{{\"extends\": [], \"packageRules\": [{npm}, {bound}, {pypi}, {maven}]}}"));
    // A rule for npm already there: only the other ecosystems are added.
    let has_npm = "{\"packageRules\": [{\"matchDatasources\": [\"npm\"], \"minimumReleaseAge\": \"7 days\"}]}";
    let existing = crate::cooldowns::bots::renovate("renovate.json", has_npm, NOW).settings;
    let e = insert(Tool::Renovate, FileKind::Renovate, "renovate.json", has_npm, &dg(), &ALL, &existing, NOW)
        .unwrap()
        .unwrap();
    assert_eq!(e.added, vec![format!("packageRules += {pypi}"), format!("packageRules += {maven}")]);
    // JSON5 and comments are printed, not rewritten.
    let err = run(Tool::Renovate, FileKind::Renovate, "renovate.json5", "{extends: []}").unwrap_err();
    assert!(err.contains("JSON5"), "{err}");
    let err =
        run(Tool::Renovate, FileKind::Renovate, "renovate.json", "{\n  // ours\n  \"extends\": []\n}").unwrap_err();
    assert!(err.contains("not plain JSON"), "{err}");
}

#[test]
fn dependabot_cooldown_in_each_gated_entry() {
    let text = "version: 2\nupdates:\n  # JS\n  - package-ecosystem: npm\n    directory: /\n    schedule:\n      interval: weekly\n\n  - package-ecosystem: github-actions\n    directory: /\n  - package-ecosystem: \"pip\"\n    directory: /py\n    cooldown:\n      default-days: 1\n  -   package-ecosystem: maven\n      directory: /\n      ignore:\n        - dependency-name: x\n# end\nregistries: {}\n";
    let e = edited(Tool::Dependabot, FileKind::Dependabot, ".github/dependabot.yml", text);
    let want = "version: 2\nupdates:\n  # JS\n  - package-ecosystem: npm\n    directory: /\n    schedule:\n      interval: weekly\n    cooldown:\n      default-days: 7\n      exclude:\n        - \"@acme/*\"\n        - \"acme-cli\"\n\n  - package-ecosystem: github-actions\n    directory: /\n  - package-ecosystem: \"pip\"\n    directory: /py\n    cooldown:\n      default-days: 1\n  -   package-ecosystem: maven\n      directory: /\n      ignore:\n        - dependency-name: x\n      cooldown:\n        default-days: 7\n# end\nregistries: {}\n";
    assert_eq!(e.text, want);
    assert_eq!(e.added[0], "updates[0] (package-ecosystem: npm):");
    // A list at the column of its key.
    let flat = "version: 2\nupdates:\n- package-ecosystem: npm\n  directory: /\n";
    let e = edited(Tool::Dependabot, FileKind::Dependabot, ".github/dependabot.yml", flat);
    assert!(e.text.starts_with(&format!("{flat}  cooldown:\n    default-days: 7\n")), "{}", e.text);
    let flow = "version: 2\nupdates:\n  - {package-ecosystem: npm, directory: /}\n";
    let err = run(Tool::Dependabot, FileKind::Dependabot, ".github/dependabot.yml", flow).unwrap_err();
    assert!(err.contains("plain"), "{err}");
}
