//! Which keys may sign which package, and the outcome of a signature once that is known.
//!
//! A package's pins come from `[[verify.pgp.trust]]` rules whose purl globs match it, the
//! `<trusted-key>` entries of a Gradle `verification-metadata.xml` that cover it, and the
//! repository key of the upstream that served it. A pin is a fingerprint (primary key or
//! signing subkey, as Gradle records either) or a 16-hex key id.
//!
//! Outcomes: a signature that verifies by a pinned key is verified; one by a key that is
//! known but not pinned for the package, or unknown, is unverifiable when the package has
//! no pins (nobody vouched for any key: the key id says what to add) and violated when it
//! has pins (someone else signed it); any signature that fails on a known key is violated.

use serde::Serialize;

use super::{Signer, Stage, Verdict};

/// One key trusted for a package, and where that trust comes from (for people).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pin {
    /// Upper-case hex: a v4/v6 fingerprint or a 16-hex key id.
    pub key: String,
    /// `[[verify.pgp.trust]] #2`, `gradle/verification-metadata.xml`, `upstream cloudsmith`.
    pub origin: String,
}

impl Pin {
    pub fn new(key: &str, origin: impl Into<String>) -> Self {
        Pin { key: normalize(key), origin: origin.into() }
    }

    /// Does this pin name the signer (its primary key or the key that signed)?
    pub fn names(&self, signer: &Signer) -> bool {
        [&signer.fingerprint, &signer.signing_key]
            .iter()
            .any(|f| *f == &self.key || (self.key.len() == 16 && f.ends_with(&self.key)))
            || signer.key_id == self.key
    }
}

/// Upper-case hex without spaces or a `0x` prefix.
pub fn normalize(key: &str) -> String {
    let k = key.trim();
    let k = k.strip_prefix("0x").or_else(|| k.strip_prefix("0X")).unwrap_or(k);
    k.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase()
}

/// Is `key` a fingerprint (40 or 64 hex) or a long key id (16 hex)?
pub fn valid_key_ref(key: &str) -> bool {
    let k = normalize(key);
    matches!(k.len(), 16 | 40 | 64) && k.bytes().all(|b| b.is_ascii_hexdigit())
}

/// What one package's signature comes to, pins applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Verified { signer: Signer, pinned_by: String },
    Unverifiable { key_id: String, message: String, signer: Option<Signer> },
    Violated { stage: Stage, message: String, signer: Option<Signer> },
}

/// Apply the package's pins to a verdict.
pub fn judge(verdict: Verdict, pins: &[Pin]) -> Outcome {
    let pinned = || pins.iter().map(|p| p.key.as_str()).collect::<Vec<_>>().join(", ");
    match verdict {
        Verdict::Failed { stage, message, signer } => Outcome::Violated { stage, message, signer },
        Verdict::Verified(signer) => match pins.iter().find(|p| p.names(&signer)) {
            Some(p) => Outcome::Verified { pinned_by: p.origin.clone(), signer },
            None if pins.is_empty() => Outcome::Unverifiable {
                key_id: signer.key_id.clone(),
                message: format!(
                    "signed by key {}{} and the signature verifies, but no key is trusted for this package; pin it under [[verify.pgp.trust]] if you trust it",
                    signer.fingerprint,
                    signer.user_id.as_ref().map(|u| format!(" ({u})")).unwrap_or_default()
                ),
                signer: Some(signer),
            },
            None => Outcome::Violated {
                stage: Stage::Pin,
                message: format!(
                    "signed by key {}{}, which is not the key pinned for this package ({})",
                    signer.fingerprint,
                    signer.user_id.as_ref().map(|u| format!(" ({u})")).unwrap_or_default(),
                    pinned()
                ),
                signer: Some(signer),
            },
        },
        Verdict::UnknownKey { key_id } if pins.is_empty() => Outcome::Unverifiable {
            message: format!(
                "signed by key id {key_id}, which no configured keyring holds; add its public key to a keyring and pin it"
            ),
            key_id,
            signer: None,
        },
        Verdict::UnknownKey { key_id } => Outcome::Violated {
            stage: Stage::Pin,
            message: format!("signed by key id {key_id}, which is not the key pinned for this package ({})", pinned()),
            signer: None,
        },
    }
}

/// Everything the gate needs to check OpenPGP signatures: the keys, and which keys are
/// pinned for which packages. Loaded once per run (`load::openpgp`).
#[derive(Debug, Clone, Default)]
pub struct Material {
    pub keyring: super::Keyring,
    pub allow_sha1: bool,
    /// `[[verify.pgp.trust]]`: purl globs, keys, origin.
    pub rules: Vec<(Vec<String>, Vec<String>, String)>,
    /// A Gradle `verification-metadata.xml` and its path.
    pub gradle: Option<(crate::ecosystem::maven::verification::VerificationMetadata, String)>,
    /// Upstream name → the fingerprints of its repository key.
    pub upstream_keys: std::collections::BTreeMap<String, Vec<String>>,
}

/// A Maven file, for Gradle's trusted-key rules.
pub struct MavenFile<'a> {
    pub group: &'a str,
    pub artifact: &'a str,
    pub version: &'a str,
    pub file: &'a str,
}

impl Material {
    /// The keys pinned for one file of `purl`, served by `upstream`.
    pub fn pins(&self, purl: &str, upstream: &str, maven: Option<&MavenFile<'_>>) -> Vec<Pin> {
        let mut out = Vec::new();
        for (i, (globs, keys, origin)) in self.rules.iter().enumerate() {
            if globs.iter().any(|g| glob::Pattern::new(g).is_ok_and(|p| p.matches(purl))) {
                out.extend(keys.iter().map(|k| Pin::new(k, format!("{origin} #{}", i + 1))));
            }
        }
        if let (Some((meta, origin)), Some(m)) = (&self.gradle, maven) {
            for k in meta.trusted_pgp_keys(m.group, m.artifact, m.version, m.file) {
                out.push(Pin::new(&k, origin.clone()));
            }
        }
        if let Some(keys) = self.upstream_keys.get(upstream) {
            out.extend(keys.iter().map(|k| Pin::new(k, format!("repository key of upstream `{upstream}`"))));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> Signer {
        Signer {
            fingerprint: "A5BD02B93E7A40482EB1D66A5F69AD087600B22C".into(),
            signing_key: "A5BD02B93E7A40482EB1D66A5F69AD087600B22C".into(),
            key_id: "5F69AD087600B22C".into(),
            user_id: Some("Eric Bruneton <ebruneton@free.fr>".into()),
            user_id_certified: false,
            algorithm: "RSA".into(),
            hash: "SHA512".into(),
            signed_at: "2023-09-30T11:18:34Z".into(),
        }
    }

    #[test]
    fn pins_decide_between_verified_unverifiable_and_violated() {
        let v = || Verdict::Verified(signer());
        let by_fpr = Pin::new("a5bd 02b9 3e7a 4048 2eb1 d66a 5f69 ad08 7600 b22c", "test");
        let by_id = Pin::new("0x5F69AD087600B22C", "test");
        let other = Pin::new("FF6E2C001948C5F2F38B0CC385911F425EC61B51", "test");
        assert!(matches!(judge(v(), std::slice::from_ref(&by_fpr)), Outcome::Verified { .. }));
        assert!(matches!(judge(v(), &[by_id]), Outcome::Verified { .. }));
        assert!(matches!(judge(v(), &[]), Outcome::Unverifiable { .. }));
        assert!(matches!(judge(v(), std::slice::from_ref(&other)), Outcome::Violated { stage: Stage::Pin, .. }));
        let unknown = || Verdict::UnknownKey { key_id: "1234567890ABCDEF".into() };
        match judge(unknown(), &[]) {
            Outcome::Unverifiable { key_id, message, .. } => {
                assert_eq!(key_id, "1234567890ABCDEF");
                assert!(message.contains("1234567890ABCDEF"));
            }
            o => panic!("{o:?}"),
        }
        assert!(matches!(judge(unknown(), &[other]), Outcome::Violated { stage: Stage::Pin, .. }));
        assert!(valid_key_ref("0x5F69AD087600B22C") && !valid_key_ref("5F69AD08") && !valid_key_ref("zz"));
    }
}
