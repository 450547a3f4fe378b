//! The OpenPGP section of `summary.md`: which keys signed what, and which signatures a
//! user could act on (a key nobody trusts, a signature that failed).

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::md_escape;
use crate::engine::model::Record;

/// `### OpenPGP signatures`: one row per signer key (files verified), then the keys
/// nobody trusts and the failures. Nothing when no package carried an OpenPGP signature.
pub fn write_md(w: &mut impl Write, records: &[Record]) -> io::Result<()> {
    let mut signers: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut untrusted: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut failed: Vec<(&str, String)> = Vec::new();
    for r in records {
        for a in r.evidence.verification.attestations().iter().filter(|a| a.kind == "pgp-signature") {
            let fpr = a.identity.fingerprint.clone();
            match (&a.failure, fpr) {
                (None, Some(f)) => {
                    let e = signers.entry(f).or_insert_with(|| (a.identity.user_id.clone().unwrap_or_default(), 0));
                    e.1 += 1;
                }
                (Some(f), _)
                    if f.stage == crate::attest::Stage::Identity
                        && !a.verified
                        && r.evidence.verification.status() == crate::engine::model::Status::Unverifiable =>
                {
                    let key = a.identity.fingerprint.clone().or_else(|| a.identity.key_id.clone()).unwrap_or_default();
                    untrusted.entry(key).or_default().push(&r.package.purl);
                }
                (Some(f), _) => failed.push((&r.package.purl, f.message.clone())),
                (None, None) => {}
            }
        }
    }
    if signers.is_empty() && untrusted.is_empty() && failed.is_empty() {
        return Ok(());
    }
    writeln!(w, "\n### OpenPGP signatures\n")?;
    if !signers.is_empty() {
        writeln!(w, "| signer key | user id | files verified |\n|---|---|---:|")?;
        for (fpr, (uid, n)) in &signers {
            writeln!(w, "| `{fpr}` | {} | {n} |", md_escape(uid))?;
        }
    }
    if !untrusted.is_empty() {
        writeln!(w, "\nSigned by keys nobody trusts (pin them under `[[verify.pgp.trust]]` if you do):\n")?;
        for (key, purls) in &untrusted {
            let shown: Vec<String> = purls.iter().take(5).map(|p| format!("`{p}`")).collect();
            let more = if purls.len() > 5 { format!(" and {} more", purls.len() - 5) } else { String::new() };
            writeln!(w, "- `{key}`: {}{more}", shown.join(", "))?;
        }
    }
    if !failed.is_empty() {
        writeln!(w, "\nSignatures that failed:\n")?;
        for (purl, why) in &failed {
            writeln!(w, "- `{purl}`: {}", md_escape(why))?;
        }
    }
    Ok(())
}
