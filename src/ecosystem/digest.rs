//! Digests as registries and lockfiles write them: npm subresource-integrity strings,
//! hex checksum files. Pure functions over strings.

use std::collections::BTreeMap;

use base64::Engine as _;

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

/// The hex digest in a Maven-style checksum file (`hex`, or `hex  file-name`), if it is
/// one of `expected_len` hex characters.
pub fn checksum_file_digest(text: &str, expected_len: usize) -> Option<String> {
    let token = text.split_whitespace().next()?;
    (token.len() == expected_len && token.bytes().all(|b| b.is_ascii_hexdigit())).then(|| token.to_ascii_lowercase())
}

/// Hex length of an algorithm's digest.
pub fn hex_len(algo: &str) -> Option<usize> {
    Some(match algo {
        "md5" => 32,
        "sha1" => 40,
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_files() {
        let h = "a".repeat(40);
        assert_eq!(checksum_file_digest(&format!("{h}  guava.jar\n"), 40), Some(h.clone()));
        assert_eq!(checksum_file_digest(&h.to_uppercase(), 40), Some(h));
        assert_eq!(checksum_file_digest("<html>", 40), None);
        assert_eq!(checksum_file_digest("", 40), None);
    }
}
