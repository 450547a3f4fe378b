//! The npm registry's attestation-signing keys, embedded so verification never needs the
//! network. Public data: the Sigstore TUF target `registry.npmjs.org/keys.json` (published
//! in the sigstore/root-signing repository), keyUsage `npm:attestations`.

/// One npm registry key: id as npm writes it (`SHA256:` + unpadded base64 of the SPKI
/// digest), the SPKI in base64, and its validity window (RFC 3339; `None` = open).
pub struct NpmKey {
    pub key_id: &'static str,
    pub spki_b64: &'static str,
    pub valid_from: &'static str,
    pub valid_until: Option<&'static str>,
}

pub const NPM_ATTESTATION_KEYS: &[NpmKey] = &[
    NpmKey {
        key_id: "SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA",
        spki_b64: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE1Olb3zMAFFxXKHiIkQO5cJ3Yhl5i6UPp+IhuteBJbuHcA5UogKo0EWtlWwW6KSaKoTNEYL7JlCQiVnkhBktUgg==",
        valid_from: "2022-12-01T00:00:00Z",
        valid_until: Some("2025-01-29T00:00:00Z"),
    },
    NpmKey {
        key_id: "SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U",
        spki_b64: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEY6Ya7W++7aUPzvMTrezH6Ycx3c+HOKYCcNGybJZSCJq/fd7Qa8uuAKtdIkUQtQiEKERhAmE5lMMJhP8OkDOa2g==",
        valid_from: "2025-01-13T00:00:00Z",
        valid_until: None,
    },
];
