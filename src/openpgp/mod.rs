//! OpenPGP detached signatures (`.asc` beside Maven files, Cloudsmith's signatures):
//! keyrings in, one typed verdict out. Pure: bytes and the time are passed in, nothing is
//! fetched or read from disk here.
//!
//! Built on `pgp` (rpgp) with `default-features = false`, for its packet parser and
//! signature primitives; which certificates, bindings, expiries and revocations count is
//! decided here ([`cert`]). rpgp was chosen over `sequoia-openpgp` (with its pure-Rust
//! backend) because: Sequoia refuses the keys Gradle writes (no self-signature: "No
//! binding signature at time …", the same refusal `sq` 0.27 prints on a real
//! `verification-keyring.keys`), which depgate must accept as Gradle does; rpgp is MIT/
//! Apache-2.0 where Sequoia is LGPL-2.0-or-later, which a statically linked Apache-2.0
//! binary would have to carry; and rpgp added fewer crates and less build time here
//! (measured on this 2-core machine, see docs/openpgp.md).
//!
//! What verifies (`Verdict::Verified`): a signature of type binary or text whose issuer is
//! a key of the keyring, whose math checks over the file, made with a hash other than
//! MD5 (and SHA-1 only when allowed), by a primary key or a bound subkey that may sign,
//! at a time the key was valid: not before the key existed, not after it expired, not
//! after a soft revocation (superseded, retired), never by a key with a hard revocation
//! (compromised, or no reason given). A signature whose key is not in the keyring is
//! `UnknownKey` (nobody trusts it: the key id says which key to add).

pub mod armor;
pub mod cert;
pub mod trust;

use std::collections::BTreeSet;

use pgp::crypto::hash::HashAlgorithm;
use pgp::packet::{Packet, PacketParser, PacketTrait, Signature, SignatureType};
use pgp::types::KeyDetails;
use serde::Serialize;

pub use cert::{Cert, Revocation, Subkey, UserId};

/// Signatures claiming to be made this far in the future are refused (clock skew).
const FUTURE_SKEW_SECS: u32 = 300;

/// What a verification may accept.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The time verification happens at (unix seconds); injected so tests fix it.
    pub now: u32,
    /// Accept SHA-1 data signatures (and SHA-1 bindings made after 2023-02-01). Off by
    /// default: SHA-1 collisions are practical.
    pub allow_sha1: bool,
}

/// Keys loaded from one or more keyrings.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    pub certs: Vec<Cert>,
    /// Keys skipped while reading (a packet rpgp cannot parse), for people.
    pub warnings: Vec<String>,
}

impl Keyring {
    /// Read a keyring: armored (one or many blocks, a Gradle `verification-keyring.keys`,
    /// an Apache `KEYS` file) or binary packets (`.gpg`, Gradle's binary keyring).
    pub fn parse(bytes: &[u8], allow_sha1: bool) -> Result<Keyring, String> {
        let mut ring = Keyring::default();
        if armor::is_armored(bytes) {
            let text = std::str::from_utf8(bytes).map_err(|_| "the armored keyring is not UTF-8 text".to_string())?;
            for block in armor::decode_all(text)? {
                if block.label != "PUBLIC KEY BLOCK" {
                    continue;
                }
                let mut warnings = Vec::new();
                ring.certs.extend(cert::read_certs(&block.data, allow_sha1, &mut warnings));
                ring.warnings.extend(warnings.into_iter().map(|w| format!("line {}: {w}", block.line)));
            }
        } else {
            ring.certs = cert::read_certs(bytes, allow_sha1, &mut ring.warnings);
        }
        if ring.certs.is_empty() {
            let why = ring.warnings.first().map_or(String::new(), |w| format!(" ({w})"));
            return Err(format!("no OpenPGP public key found{why}"));
        }
        Ok(ring)
    }

    /// Add the keys of `other`.
    pub fn extend(&mut self, other: Keyring) {
        self.certs.extend(other.certs);
        self.warnings.extend(other.warnings);
    }

    /// Every primary fingerprint, for messages and reports.
    pub fn fingerprints(&self) -> BTreeSet<String> {
        self.certs.iter().map(|c| c.fingerprint.clone()).collect()
    }

    /// The keys a signature names as its issuer: `(cert, subkey)` pairs.
    fn issuers(&self, sig: &Signature) -> Vec<(&Cert, Option<&Subkey>)> {
        let fps: Vec<String> = sig.issuer_fingerprint().iter().map(|f| cert::hex_upper(f.as_bytes())).collect();
        let ids: Vec<String> = sig.issuer_key_id().iter().map(|k| cert::hex_upper(k.as_ref())).collect();
        let hit = |fp: &str, id: &str| fps.iter().any(|f| f == fp) || ids.iter().any(|i| i == id);
        let mut out = Vec::new();
        for c in &self.certs {
            if hit(&c.fingerprint, &c.key_id) {
                out.push((c, None));
            }
            for s in &c.subkeys {
                if hit(&s.fingerprint, &s.key_id) {
                    out.push((c, Some(s)));
                }
            }
        }
        out
    }
}

/// Who made a signature that verified (or whose key was found).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signer {
    /// The primary key's fingerprint: the signer's identity.
    pub fingerprint: String,
    /// The fingerprint of the key that made the signature (a subkey, or the primary).
    pub signing_key: String,
    /// The 16-hex key id of the signing key.
    pub key_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The user ID carries a verified self-certification (Gradle keyrings have none).
    pub user_id_certified: bool,
    pub algorithm: String,
    pub hash: String,
    /// When the signature says it was made (RFC 3339).
    pub signed_at: String,
}

/// Where a signature failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The signature file cannot be read as an OpenPGP detached signature.
    Format,
    /// The signature does not match the file (or is not a signature over a file).
    Signature,
    /// The hash algorithm is refused (MD5; SHA-1 unless allowed).
    Hash,
    /// The key could not sign then: revoked, expired, not yet created, unbound subkey.
    Key,
    /// The key is not the one pinned for this package.
    Pin,
}

/// What checking one detached signature concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Verified(Signer),
    /// No key of the keyring made it: nobody trusts the signer.
    UnknownKey {
        key_id: String,
    },
    Failed {
        stage: Stage,
        message: String,
        signer: Option<Signer>,
    },
}

impl Verdict {
    fn failed(stage: Stage, message: impl Into<String>, signer: Option<Signer>) -> Self {
        Verdict::Failed { stage, message: message.into(), signer }
    }
}

/// Read the signature packets of a detached signature, armored or binary.
pub fn read_signatures(bytes: &[u8]) -> Result<Vec<Signature>, String> {
    let data = if armor::is_armored(bytes) {
        let text = std::str::from_utf8(bytes).map_err(|_| "the armored signature is not UTF-8 text".to_string())?;
        let blocks = armor::decode_all(text)?;
        // BouncyCastle (and so many Maven plugins) label detached signatures `MESSAGE`;
        // the packets inside decide.
        let sig = blocks
            .into_iter()
            .find(|b| b.label == "SIGNATURE" || b.label == "MESSAGE")
            .ok_or_else(|| "no `-----BEGIN PGP SIGNATURE-----` block".to_string())?;
        sig.data
    } else {
        bytes.to_vec()
    };
    let mut out = Vec::new();
    signature_packets(&data, 0, &mut out)?;
    if out.is_empty() {
        return Err("no signature packet in the file".into());
    }
    Ok(out)
}

/// A signature file inflated past this is refused (a compression bomb, not a signature).
const MAX_INFLATED: u64 = 1 << 20;

/// The signature packets of `data`, looking inside compressed packets (BouncyCastle writes
/// its detached signatures inside one, even with compression "none").
fn signature_packets(data: &[u8], depth: u8, out: &mut Vec<Signature>) -> Result<(), String> {
    use std::io::Read;
    for p in PacketParser::new(data) {
        match p.map_err(|e| format!("not an OpenPGP signature: {e}"))? {
            Packet::Signature(s) => out.push(s),
            Packet::Marker(_) | Packet::Padding(_) => {}
            Packet::CompressedData(c) if depth == 0 => {
                let mut inner = Vec::new();
                c.decompress()
                    .map_err(|e| format!("the signature's compressed packet cannot be read: {e}"))?
                    .take(MAX_INFLATED + 1)
                    .read_to_end(&mut inner)
                    .map_err(|e| format!("the signature's compressed packet cannot be inflated: {e}"))?;
                if inner.len() as u64 > MAX_INFLATED {
                    return Err("the signature's compressed packet inflates past 1 MiB".into());
                }
                signature_packets(&inner, depth + 1, out)?;
            }
            other => return Err(format!("not a detached signature: it holds a {:?} packet", other.tag())),
        }
    }
    Ok(())
}

/// Check the detached signature `sig_bytes` over `data` against `keyring`. With several
/// signatures in the file: one that fails on a known key makes the whole fail (fail
/// closed), else the first that verifies wins, else the key is unknown.
pub fn verify_detached(keyring: &Keyring, data: &[u8], sig_bytes: &[u8], opts: Options) -> Verdict {
    let sigs = match read_signatures(sig_bytes) {
        Ok(s) => s,
        Err(e) => return Verdict::failed(Stage::Format, e, None),
    };
    let mut verified = None;
    let mut unknown = None;
    for sig in &sigs {
        let issuers = keyring.issuers(sig);
        if issuers.is_empty() {
            unknown.get_or_insert_with(|| issuer_key_id(sig));
            continue;
        }
        let mut first_failure = None;
        let mut ok = None;
        for (c, sk) in issuers {
            match check_one(sig, c, sk, data, opts) {
                Verdict::Verified(s) => {
                    ok = Some(s);
                    break;
                }
                f => {
                    first_failure.get_or_insert(f);
                }
            }
        }
        match (ok, first_failure) {
            (Some(s), _) => {
                verified.get_or_insert(s);
            }
            (None, Some(f)) => return f,
            (None, None) => {}
        }
    }
    match (verified, unknown) {
        (Some(s), _) => Verdict::Verified(s),
        (None, Some(key_id)) => Verdict::UnknownKey { key_id },
        (None, None) => Verdict::failed(Stage::Format, "no signature in the file names an issuer", None),
    }
}

/// The issuer of a signature as a 16-hex key id (from the fingerprint when only that is given).
fn issuer_key_id(sig: &Signature) -> String {
    if let Some(id) = sig.issuer_key_id().first() {
        return cert::hex_upper(id.as_ref());
    }
    sig.issuer_fingerprint().first().map_or_else(
        || "(none)".to_string(),
        |f| {
            let h = cert::hex_upper(f.as_bytes());
            // v4: the low 64 bits; v6: the high 64 bits.
            if h.len() == 40 { h[24..].to_string() } else { h[..16].to_string() }
        },
    )
}

/// RFC 3339 of unix seconds.
pub fn rfc3339(secs: u32) -> String {
    time::OffsetDateTime::from_unix_timestamp(i64::from(secs))
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| secs.to_string())
}

fn day(secs: u32) -> String {
    rfc3339(secs).get(..10).unwrap_or_default().to_string()
}

fn hash_name(h: Option<HashAlgorithm>) -> String {
    h.map_or_else(|| "unknown".to_string(), |h| h.to_string())
}

fn check_one(sig: &Signature, c: &Cert, sk: Option<&Subkey>, data: &[u8], opts: Options) -> Verdict {
    let created = sig.created().map(pgp::types::Timestamp::as_secs);
    let (signing_key, key_id, algorithm) = match sk {
        Some(s) => (s.fingerprint.clone(), s.key_id.clone(), s.key.algorithm()),
        None => (c.fingerprint.clone(), c.key_id.clone(), c.key.algorithm()),
    };
    let signer = Signer {
        fingerprint: c.fingerprint.clone(),
        signing_key,
        key_id,
        user_id: c.user_id().map(|u| u.id.clone()),
        user_id_certified: c.user_id().is_some_and(|u| u.certified),
        algorithm: format!("{algorithm:?}"),
        hash: hash_name(sig.hash_alg()),
        signed_at: created.map(rfc3339).unwrap_or_default(),
    };
    let who = |s: &Signer| {
        if s.signing_key == s.fingerprint {
            format!("key {}", s.fingerprint)
        } else {
            format!("subkey {} of key {}", s.signing_key, s.fingerprint)
        }
    };
    if !matches!(sig.typ(), Some(SignatureType::Binary | SignatureType::Text)) {
        return Verdict::failed(
            Stage::Signature,
            format!("the signature by {} is not a signature over a file (type {:?})", who(&signer), sig.typ()),
            Some(signer),
        );
    }
    let math = match sk {
        Some(s) => sig.verify(&s.key, data),
        None => sig.verify(&c.key, data),
    };
    if let Err(e) = math {
        // rpgp's reason (a hash prefix, a padding check) says nothing a user can act on.
        tracing::debug!("OpenPGP signature by {} failed: {e}", who(&signer));
        return Verdict::failed(
            Stage::Signature,
            format!("bad signature: the signature by {} does not match the file", who(&signer)),
            Some(signer),
        );
    }
    match sig.hash_alg() {
        Some(HashAlgorithm::Sha1) if !opts.allow_sha1 => {
            return Verdict::failed(
                Stage::Hash,
                format!(
                    "the signature by {} uses SHA-1, which is refused (collisions are practical); allow it with `allow_sha1 = true` under [verify.pgp]",
                    who(&signer)
                ),
                Some(signer),
            );
        }
        Some(HashAlgorithm::Md5 | HashAlgorithm::Ripemd160 | HashAlgorithm::None) | None => {
            return Verdict::failed(
                Stage::Hash,
                format!("the signature by {} uses the broken hash {}", who(&signer), signer.hash),
                Some(signer),
            );
        }
        _ => {}
    }
    let Some(created) = created else {
        return Verdict::failed(Stage::Signature, "the signature carries no creation time", Some(signer));
    };
    if created > opts.now.saturating_add(FUTURE_SKEW_SECS) {
        return Verdict::failed(
            Stage::Signature,
            format!("the signature claims to be made in the future ({})", rfc3339(created)),
            Some(signer),
        );
    }
    if let Some(d) = sig.signature_expiration_time().map(pgp::types::Duration::as_secs).filter(|&d| d != 0) {
        let until = created.saturating_add(d);
        if until <= opts.now {
            return Verdict::failed(
                Stage::Signature,
                format!("the signature expired on {}", rfc3339(until)),
                Some(signer),
            );
        }
    }
    if let Some(why) = key_problem("key", &c.fingerprint, c.created, c.expires, c.revoked.as_ref(), created) {
        return Verdict::failed(Stage::Key, why, Some(signer));
    }
    match sk {
        Some(s) => {
            if let Some(u) = &s.unbound {
                return Verdict::failed(
                    Stage::Key,
                    format!("subkey {} is not bound to key {}: {u}", s.fingerprint, c.fingerprint),
                    Some(signer),
                );
            }
            if !s.can_sign {
                return Verdict::failed(
                    Stage::Key,
                    format!("subkey {} is not allowed to sign (its binding has no signing flag)", s.fingerprint),
                    Some(signer),
                );
            }
            if let Some(why) = key_problem("subkey", &s.fingerprint, s.created, s.expires, s.revoked.as_ref(), created)
            {
                return Verdict::failed(Stage::Key, why, Some(signer));
            }
        }
        None if !c.can_sign => {
            return Verdict::failed(
                Stage::Key,
                format!("key {} is not allowed to sign data (its self-signature has no signing flag)", c.fingerprint),
                Some(signer),
            );
        }
        None => {}
    }
    Verdict::Verified(signer)
}

/// Why a (sub)key could not make a signature at `at`, if it could not.
fn key_problem(
    what: &str,
    fpr: &str,
    created: u32,
    expires: Option<u32>,
    revoked: Option<&Revocation>,
    at: u32,
) -> Option<String> {
    if let Some(r) = revoked
        && (r.hard || at >= r.at)
    {
        return Some(format!("{what} {fpr} is revoked ({}) since {}", r.reason, day(r.at)));
    }
    if at < created {
        return Some(format!("the signature ({}) predates {what} {fpr}, created {}", rfc3339(at), rfc3339(created)));
    }
    if let Some(e) = expires
        && at >= e
    {
        return Some(format!("{what} {fpr} expired on {} before the signature was made ({})", day(e), rfc3339(at)));
    }
    None
}
