//! Subresource-integrity strings and digests: parse, compare, compute.

use std::collections::BTreeMap;

use base64::Engine as _;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

use super::model::IntegrityCheck;

/// Digests (hex) by algorithm from an SRI string (`sha512-… sha1-…`); unknown or
/// malformed entries are skipped.
pub fn parse_sri(sri: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for part in sri.split_whitespace() {
        let Some((algo, b64)) = part.split_once('-') else { continue };
        let b64 = b64.split('?').next().unwrap_or_default();
        let expected_len = match algo {
            "sha512" => 64,
            "sha384" => 48,
            "sha256" => 32,
            "sha1" => 20,
            _ => continue,
        };
        if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(b64)
            && bytes.len() == expected_len
        {
            out.insert(algo.to_string(), hex::encode(bytes));
        }
    }
    out
}

/// Digests an npm version publishes: `dist.integrity` and the legacy `dist.shasum`.
pub fn registry_digests(integrity: Option<&str>, shasum: Option<&str>) -> BTreeMap<String, String> {
    let mut d = integrity.map(parse_sri).unwrap_or_default();
    if let Some(s) = shasum
        && s.len() == 40
        && s.bytes().all(|b| b.is_ascii_hexdigit())
    {
        d.entry("sha1".into()).or_insert_with(|| s.to_ascii_lowercase());
    }
    d
}

/// Compare recorded digests with published ones on the strongest algorithm both have.
pub fn compare(recorded: &BTreeMap<String, String>, published: &BTreeMap<String, String>) -> IntegrityCheck {
    if recorded.is_empty() {
        return IntegrityCheck::Missing;
    }
    for algo in ["sha512", "sha384", "sha256", "sha1"] {
        if let (Some(a), Some(b)) = (recorded.get(algo), published.get(algo)) {
            return if a.eq_ignore_ascii_case(b) { IntegrityCheck::Match } else { IntegrityCheck::Mismatch };
        }
    }
    IntegrityCheck::Unavailable
}

/// Every digest depgate records for an artifact.
pub fn digest_all(bytes: &[u8]) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("sha1".to_string(), hex::encode(Sha1::digest(bytes))),
        ("sha256".to_string(), hex::encode(Sha256::digest(bytes))),
        ("sha512".to_string(), hex::encode(Sha512::digest(bytes))),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sri_roundtrip_and_compare() {
        let bytes = b"hello";
        let all = digest_all(bytes);
        let sri = format!(
            "sha512-{}",
            base64::engine::general_purpose::STANDARD.encode(hex::decode(&all["sha512"]).unwrap())
        );
        let parsed = parse_sri(&sri);
        assert_eq!(parsed["sha512"], all["sha512"]);
        assert_eq!(compare(&parsed, &all), IntegrityCheck::Match);
        let other = digest_all(b"hellp");
        assert_eq!(compare(&parsed, &other), IntegrityCheck::Mismatch);
        assert_eq!(compare(&BTreeMap::new(), &other), IntegrityCheck::Missing);
        // sha1-only lockfile against a registry shasum
        let sha1_only = BTreeMap::from([("sha1".to_string(), all["sha1"].clone())]);
        assert_eq!(compare(&sha1_only, &registry_digests(None, Some(&all["sha1"]))), IntegrityCheck::Match);
        assert!(parse_sri("sha512-notbase64!!").is_empty());
        assert!(parse_sri("md5-AAAA").is_empty());
    }
}
