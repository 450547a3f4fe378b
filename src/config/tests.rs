//! One test per configuration error class; each message names `file:line:col` and a hint.

use std::path::Path;

use super::*;

fn errors(text: &str) -> Vec<Diagnostic> {
    match Config::parse(text, Path::new("proj/depgate.toml")) {
        Ok(_) => panic!("expected errors for:\n{text}"),
        Err(e) => e.0,
    }
}

fn one(text: &str) -> Diagnostic {
    let e = errors(text);
    assert_eq!(e.len(), 1, "{e:#?}");
    e.into_iter().next().unwrap()
}

const BASE: &str = r#"[npm]
chain = ["npmjs"]

[upstream.npmjs]
kind = "npm"
url = "https://registry.npmjs.org/"
tier = "public"
"#;

#[test]
fn embedded_default_and_starter_are_valid() {
    let d = Config::embedded_default();
    assert_eq!(d.chain(Ecosystem::Npm)[0].name, "npmjs");
    assert!(d.source.is_none());
    Config::parse(starter::STARTER_TEMPLATE, Path::new("depgate.toml")).unwrap();
    Config::parse(BASE, Path::new("depgate.toml")).unwrap();
}

#[test]
fn toml_syntax_error_has_position() {
    let d = one("[npm\nchain = []\n");
    assert_eq!((d.line, d.column), (1, 5), "{d}");
    assert!(d.to_string().contains("proj/depgate.toml:1:5"), "{d}");
}

#[test]
fn unknown_key_with_suggestion() {
    let d = one(&BASE.replace("tier = \"public\"", "tier = \"public\"\ntimout_secs = 3"));
    assert_eq!((d.line, d.column), (8, 1));
    assert!(d.message.contains("unknown key `timout_secs`"), "{d}");
    assert!(d.help.as_deref().unwrap().contains("did you mean `timeout_secs`"), "{d}");
    let top = one(&format!("{BASE}\n[polcy]\nfiles = []\n"));
    assert!(top.help.as_deref().unwrap().contains("`policy`"), "{top}");
}

#[test]
fn unknown_upstream_in_chain() {
    let d = one(&BASE.replace("chain = [\"npmjs\"]", "chain = [\"npmjs\", \"npmjss\"]"));
    assert_eq!((d.line, d.column), (2, 19));
    assert!(d.message.contains("unknown upstream `npmjss`"), "{d}");
    assert!(d.help.as_deref().unwrap().contains("did you mean `npmjs`"), "{d}");
}

#[test]
fn bad_url() {
    let d = one(&BASE.replace("https://registry.npmjs.org/", "not a url"));
    assert_eq!((d.line, d.column), (6, 7));
    assert!(d.message.contains("bad url"), "{d}");
    let d = one(&BASE.replace("https://registry.npmjs.org/", "ftp://registry.npmjs.org/"));
    assert!(d.message.contains("must be http(s)"), "{d}");
    let d = one(&BASE.replace("https://registry.npmjs.org/", "https://user:pw@registry.npmjs.org/"));
    assert!(d.message.contains("carries credentials"), "{d}");
    assert!(!d.to_string().contains("pw@") || d.snippet.contains("pw@"), "only the user's own line may show it");
}

#[test]
fn auth_must_be_an_env_reference() {
    let d = one(&BASE.replace("tier = \"public\"", "tier = \"public\"\nauth = \"npm_abc123\""));
    assert_eq!((d.line, d.column), (8, 8));
    assert!(d.message.contains("env:VAR"), "{d}");
    assert!(d.help.as_deref().unwrap().contains("never write a secret"), "{d}");
    let ok = BASE.replace("tier = \"public\"", "tier = \"public\"\nauth = \"env:NPM_TOKEN\"\nauth_scheme = \"basic\"");
    let c = Config::parse(&ok, Path::new("depgate.toml")).unwrap();
    assert_eq!(c.upstreams["npmjs"].auth, Some(AuthRef { env_var: "NPM_TOKEN".into(), scheme: AuthScheme::Basic }));
}

#[test]
fn duplicate_names() {
    // A duplicate table is a TOML error at its second definition.
    let e = errors(&format!("{BASE}\n[upstream.npmjs]\nkind = \"npm\"\n"));
    assert_eq!((e[0].line, e[0].column), (9, 11), "{e:#?}");
    assert!(e[0].help.as_deref().unwrap().contains("must be unique"), "{e:#?}");
    // The same upstream twice in one chain.
    let d = one(&BASE.replace("chain = [\"npmjs\"]", "chain = [\"npmjs\", \"npmjs\"]"));
    assert!(d.message.contains("appears twice"), "{d}");
    assert_eq!((d.line, d.column), (2, 19));
}

#[test]
fn wrong_types_and_missing_fields() {
    let e = errors("[npm]\nchain = \"npmjs\"\n\n[upstream.x]\nkind = \"npmm\"\n");
    let msgs: Vec<String> = e.iter().map(|d| format!("{}:{} {}", d.line, d.column, d.message)).collect();
    assert!(msgs.iter().any(|m| m.starts_with("2:9") && m.contains("array of strings")), "{msgs:?}");
    assert!(msgs.iter().any(|m| m.starts_with("5:8") && m.contains("unknown upstream kind `npmm`")), "{msgs:?}");
    assert!(msgs.iter().any(|m| m.contains("has no `tier`")), "{msgs:?}");
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = r#"[npm]
chain = ["a", "missing"]
namespaces = { "@acme/*" = "elsewhere" }

[upstream.a]
kind = "dir"
url = "https://x/"
tier = "curated"
retries = -1

[policy]
require = "everything"
quarantine_days = "seven"
"#;
    let e = errors(text);
    let lines: Vec<usize> = e.iter().map(|d| d.line).collect();
    assert!(e.len() >= 6, "{e:#?}");
    assert_eq!(
        lines,
        {
            let mut l = lines.clone();
            l.sort_unstable();
            l
        },
        "sorted by position"
    );
    for needle in [
        "unknown upstream `missing`",
        "not in the npm chain",
        "takes `path`",
        "non-negative",
        "unknown require level",
        "non-negative number",
    ] {
        assert!(e.iter().any(|d| d.message.contains(needle)), "missing {needle}: {e:#?}");
    }
}

#[test]
fn kind_must_fit_the_chain() {
    let d = one(&BASE.replace("kind = \"npm\"", "kind = \"maven\""));
    assert!(d.message.contains("cannot serve the npm chain"), "{d}");
}

#[test]
fn dir_upstreams_resolve_paths_relative_to_the_file() {
    let text = "[npm]\nchain = [\"local\"]\n[upstream.local]\nkind = \"dir\"\npath = \"reg\"\ntier = \"curated\"\nmirrors = \"https://registry.npmjs.org/\"\n";
    let c = Config::parse(text, Path::new("proj/depgate.toml")).unwrap();
    assert_eq!(c.upstreams["local"].location, Location::Dir(Path::new("proj/reg").to_path_buf()));
    assert_eq!(c.upstreams["local"].registry_url().unwrap().as_str(), "https://registry.npmjs.org/");
}

#[test]
fn namespace_patterns_match() {
    assert!(name_matches("@acme/*", "@acme/billing"));
    assert!(!name_matches("@acme/*", "@acmex/billing"));
    assert!(name_matches("exact", "exact"));
    assert!(!name_matches("exact", "exact2"));
    assert!(name_matches("acme-*", "acme-utils"));
}

#[test]
fn limits_default_and_parse() {
    let d = Config::parse(BASE, Path::new("depgate.toml")).unwrap();
    assert_eq!(d.limits, Limits::default());
    assert_eq!(d.limits.max_metadata_bytes, 64 << 20);
    let c = Config::parse(
        &format!(
            "{BASE}\n[limits]\nmax_metadata_bytes = 1_024\nmax_artifact_bytes = 2048\nmax_decompression_ratio = 50.5\n"
        ),
        Path::new("depgate.toml"),
    )
    .unwrap();
    assert_eq!(c.limits.max_metadata_bytes, 1024);
    assert_eq!(c.limits.max_artifact_bytes, 2048);
    assert!((c.limits.max_decompression_ratio - 50.5).abs() < f64::EPSILON);
}

#[test]
fn limits_errors() {
    let d = one(&format!("{BASE}\n[limits]\nmax_bundle_bytes = 0\n"));
    assert!(d.message.contains("`max_bundle_bytes` must be a positive number of bytes"), "{d}");
    let d = one(&format!("{BASE}\n[limits]\nmax_lockfile_bytes = 1.5\n"));
    assert!(d.message.contains("must be a whole number of bytes, found float"), "{d}");
}

#[test]
fn concurrency_default_and_parse() {
    let d = Config::parse(BASE, Path::new("depgate.toml")).unwrap();
    assert_eq!(d.limits.concurrency, DEFAULT_CONCURRENCY);
    assert_eq!(DEFAULT_CONCURRENCY, 32, "what `check` used before the setting existed");
    assert_eq!(Config::embedded_default().limits.concurrency, DEFAULT_CONCURRENCY);
    for (text, want) in [("1", 1), ("8", 8), ("5_12", 512)] {
        let c = Config::parse(&format!("{BASE}\n[limits]\nconcurrency = {text}\n"), Path::new("depgate.toml")).unwrap();
        assert_eq!(c.limits.concurrency, want, "{text}");
    }
}

#[test]
fn concurrency_errors_name_the_key_and_line() {
    for bad in ["0", "-4", "513", "100000", "99999999999999999999"] {
        let d = one(&format!("{BASE}\n[limits]\nconcurrency = {bad}\n"));
        assert!(d.message.contains("`concurrency` must be a whole number from 1 to 512"), "{bad}: {d}");
        assert!(d.to_string().contains("depgate.toml:10:"), "{bad}: {d}");
        assert!(d.to_string().contains("concurrency = 32"), "{bad}: the help shows a value: {d}");
    }
    for (bad, found) in [("8.5", "float"), ("\"8\"", "string"), ("true", "boolean"), ("[8]", "array")] {
        let d = one(&format!("{BASE}\n[limits]\nconcurrency = {bad}\n"));
        assert!(d.message.contains(&format!("`concurrency` must be a whole number, found {found}")), "{bad}: {d}");
    }
    let d = one(&format!("{BASE}\n[limits]\nconcurency = 8\n"));
    assert!(d.to_string().contains("did you mean `concurrency`?"), "{d}");
}

#[test]
fn the_defaults_cool_down_the_public_tier_even_first_in_chain() {
    let d = Config::embedded_default();
    assert!((d.policy.quarantine_days - 7.0).abs() < f64::EPSILON);
    assert_eq!(d.policy.cooldown_tiers, ["public"]);
    assert!(d.policy.cools_down("public", false), "the only upstream of a public-only chain waits");
    assert!(!d.policy.cools_down("curated", false), "a curated first upstream does not");
    // The same without the keys: a hand-written public-only file is protected too.
    let c = Config::parse(BASE, Path::new("depgate.toml")).unwrap();
    assert!(c.policy.cools_down("public", false));
    // `cooldown_tiers = []` is how to turn that off; quarantine_days = 0 turns all off.
    let off = Config::parse(&format!("{BASE}\n[policy]\ncooldown_tiers = []\n"), Path::new("depgate.toml")).unwrap();
    assert!(!off.policy.cools_down("public", false) && off.policy.cools_down("public", true));
    let zero = Config::parse(&format!("{BASE}\n[policy]\nquarantine_days = 0\n"), Path::new("depgate.toml")).unwrap();
    assert!(!zero.policy.cools_down("public", true));
}

#[test]
fn a_require_no_upstream_can_meet_is_an_error() {
    // One upstream per chain: nothing is a fallback, so [policy] require never applies.
    let d = one(&format!("{BASE}\n[policy]\nrequire = \"provenance\"\n"));
    assert_eq!((d.line, d.column), (10, 11), "{d}");
    assert!(d.message.contains("`require = \"provenance\"` never applies"), "{d}");
    assert!(d.message.contains("no chain here has one"), "{d}");
    assert!(d.help.as_deref().unwrap().contains("[policy.tiers.public] require = \"provenance\""), "{d}");
    assert!(d.to_string().contains("proj/depgate.toml:10:11"), "{d}");
    // `none` asks nothing: fine anywhere.
    Config::parse(&format!("{BASE}\n[policy]\nrequire = \"none\"\n"), Path::new("depgate.toml")).unwrap();
    // With a fallback upstream it applies.
    let two = BASE.replace("chain = [\"npmjs\"]", "chain = [\"own\", \"npmjs\"]")
        + "\n[upstream.own]\nkind = \"npm\"\nurl = \"https://npm.acme.example/\"\ntier = \"private\"\n";
    Config::parse(&format!("{two}\n[policy]\nrequire = \"signature\"\n"), Path::new("depgate.toml")).unwrap();
    // ... unless every fallback tier decides for itself.
    let d =
        one(&format!("{two}\n[policy]\nrequire = \"signature\"\n\n[policy.tiers.public]\nrequire = \"provenance\"\n"));
    assert!(d.message.contains("every fallback upstream's tier (public) sets its own require"), "{d}");
}

#[test]
fn tier_settings_for_a_tier_no_upstream_has_are_errors() {
    let d = one(&format!("{BASE}\n[policy.tiers.pubilc]\nrequire = \"provenance\"\n"));
    assert_eq!((d.line, d.column), (9, 15), "{d}");
    assert!(d.message.contains("[policy.tiers.pubilc] is for a tier no upstream in the chains has"), "{d}");
    assert!(d.help.as_deref().unwrap().contains("did you mean `public`?"), "{d}");
    // A tier's require applies wherever the tier is: fine for a first upstream.
    Config::parse(&format!("{BASE}\n[policy.tiers.public]\nrequire = \"provenance\"\n"), Path::new("depgate.toml"))
        .unwrap();
    let d = one(&format!("{BASE}\n[policy]\ncooldown_tiers = [\"public\", \"curated\"]\n"));
    assert!(d.message.contains("cooldown_tiers names `curated`"), "{d}");
    assert_eq!((d.line, d.column), (10, 29), "{d}");
    // A tier's cooldown when the tier never waits (first in its chain, not in cooldown_tiers).
    let d = one(&format!("{BASE}\n[policy]\ncooldown_tiers = []\n\n[policy.tiers.public]\nquarantine_days = 3\n"));
    assert!(d.message.contains("`quarantine_days` of tier `public` never applies"), "{d}");
    assert!(d.help.as_deref().unwrap().contains("cooldown_tiers"), "{d}");
}

#[test]
fn a_policy_only_file_is_not_checked_against_chains() {
    // `depgate policy eval/test/bundle` files carry no chain: every tier may come.
    let text = "[policy]\nrequire = \"provenance\"\ncooldown_tiers = [\"watched\"]\n[policy.tiers.mirror]\nrequire = \"signature\"\n";
    Config::parse(text, Path::new("depgate.toml")).unwrap();
}

#[test]
fn every_configuration_in_testdata_parses() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let pattern = format!("{}/**/*.toml", root.display());
    let mut n = 0;
    for path in glob::glob(&pattern).unwrap().flatten() {
        let text = std::fs::read_to_string(&path).unwrap();
        // Lockfiles and manifests are TOML too: only depgate configurations are read here.
        let is_config = ["[policy]", "[upstream.", "chain = "].iter().any(|k| text.contains(k))
            && !text.contains("[[package]]")
            && !text.contains("[project]")
            && !text.contains("[tool.");
        if is_config {
            Config::parse(&text, &path).unwrap_or_else(|e| panic!("{}:\n{e}", path.display()));
            n += 1;
        }
    }
    assert!(n >= 5, "found only {n} configurations under {}", root.display());
}

#[test]
fn oci_upstreams_and_chain() {
    let ok = Config::parse(
        "[oci]\nchain = [\"m\", \"hub\"]\nnamespaces = { \"docker.io/acme/*\" = \"m\" }\n[upstream.m]\nkind = \"oci\"\nurl = \"https://docker.cloudsmith.io/acme/images/\"\nregistry = \"docker.io\"\ntier = \"private\"\n[upstream.hub]\nkind = \"oci\"\nurl = \"https://registry-1.docker.io/\"\ntier = \"public\"\n[upstream.gh]\nkind = \"oci\"\nurl = \"https://ghcr.io/\"\ntier = \"public\"\n",
        Path::new("depgate.toml"),
    )
    .unwrap();
    assert_eq!(ok.upstreams["hub"].image_registry.as_deref(), Some("docker.io"));
    assert_eq!(ok.upstreams["gh"].image_registry.as_deref(), Some("ghcr.io"));
    let names: Vec<&str> =
        ok.chain_for(Ecosystem::Oci, "docker.io/library/nginx").iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["m", "hub"]);
    assert!(ok.chain_for(Ecosystem::Oci, "quay.io/x/y").is_empty());
    let bad = Config::parse(
        "[oci]\nchain = [\"d\", \"n\"]\n[upstream.d]\nkind = \"dir\"\npath = \"x\"\ntier = \"t\"\n[upstream.n]\nkind = \"npm\"\nurl = \"https://r.example/\"\nregistry = \"docker.io\"\ntier = \"t\"\n",
        Path::new("depgate.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(bad.contains("cannot serve the oci chain"), "{bad}");
    assert!(bad.contains("`registry` is only for `oci` upstreams"), "{bad}");
    let pgp = Config::parse(
        "[oci]\nchain = [\"m\"]\n[upstream.m]\nkind = \"oci\"\nurl = \"https://r.example/\"\ntier = \"t\"\npgp_signatures = true\n",
        Path::new("depgate.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(pgp.contains("`pgp_signatures` is not for `oci` upstreams"), "{pgp}");
    let keyed = "[oci]\nchain = [\"m\"]\n[upstream.m]\nkind = \"oci\"\nurl = \"https://r.example/\"\ntier = \"t\"\ncosign_key = \"cosign.pub\"\n";
    let no_tlog = Config::parse(keyed, Path::new("depgate.toml")).unwrap_err().to_string();
    assert!(no_tlog.contains("does not say tlog = false"), "{no_tlog}");
    let ok = Config::parse(&format!("{keyed}tlog = false\n"), Path::new("/p/depgate.toml")).unwrap();
    assert_eq!(ok.upstreams["m"].cosign_key.as_deref(), Some(Path::new("/p/cosign.pub")));
    assert!(!ok.upstreams["m"].tlog);
    let ungated = Config::parse("[policy]\nungated_images = \"deny\"\n", Path::new("depgate.toml")).unwrap();
    assert_eq!(ungated.policy.ungated_images, "deny");
}

#[test]
fn teams_need_hashed_tokens_known_chains_and_their_own_tokens() {
    let hash = format!("sha256:{}", "ab".repeat(32));
    let ok = format!("{BASE}\n[teams.web]\ntokens = [\"{hash}\"]\nchains = [\"npm\", \"oci\"]\n");
    let c = Config::parse(&ok, Path::new("depgate.toml")).unwrap();
    assert_eq!(c.teams.len(), 1);
    assert_eq!(c.teams[0].name, "web");
    assert_eq!(c.teams[0].token_sha256, vec![[0xab; 32]]);
    assert_eq!(c.teams[0].chains, Some([Ecosystem::Npm, Ecosystem::Oci].into_iter().collect()));
    // A pasted token instead of its hash: said, and the value never echoed.
    let d = one(&format!("{BASE}\n[teams.web]\ntokens = [\"dgt_secret-value\"]\n"));
    assert!(d.message.contains("not a sha256 hash") && !d.message.contains("dgt_secret"), "{d:?}");
    assert!(d.help.as_deref().unwrap_or_default().contains("depgate token new"), "{d:?}");
    let d = one(&format!("{BASE}\n[teams.a]\ntokens = [\"{hash}\"]\n[teams.b]\ntokens = [\"{hash}\"]\n"));
    assert!(d.message.contains("team `a` and team `b`"), "{d:?}");
    let d = one(&format!("{BASE}\n[teams.a]\ntokens = [\"{hash}\"]\nchains = [\"cargo\"]\n"));
    assert!(d.message.contains("`cargo` is not a chain"), "{d:?}");
    let e = errors(&format!("{BASE}\n[teams.a]\ntoken = [\"{hash}\"]\n"));
    assert!(e.iter().any(|e| e.message.contains("unknown key `token`")), "{e:?}");
    assert!(e.iter().any(|e| e.message.contains("team `a` has no `tokens`")), "{e:?}");
    let d = one(&format!("{BASE}\n[teams.\"a b\"]\ntokens = [\"{hash}\"]\n"));
    assert!(d.message.contains("not a valid name"), "{d:?}");
}
