//! Digests: compare what a lockfile records with what an owner publishes, compute them.

use std::collections::BTreeMap;

use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

use super::model::IntegrityCheck;
pub use crate::ecosystem::digest::{parse_sri, registry_digests};

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
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, hex::decode(&all["sha512"]).unwrap())
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
