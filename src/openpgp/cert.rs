//! Certificates (transferable public keys) read from keyring packets, with every binding
//! checked once when the keyring is loaded: which subkeys belong to their primary key,
//! when each key expires, which are revoked, which may sign.
//!
//! Gradle writes keyrings without the primary keys' self-signatures (it keeps the user ID
//! packets but drops their certifications, and keeps subkey bindings). GnuPG refuses such
//! keys and Sequoia finds no binding for them; Gradle accepts them. depgate accepts them
//! as Gradle does: a primary key with no self-signature at all is taken as valid from
//! its creation with no expiry, its user IDs are reported as not certified, and its
//! subkeys are used only when their binding signatures verify. A key revocation by the
//! primary key is honoured whether or not the key has other self-signatures.

use pgp::crypto::hash::HashAlgorithm;
use pgp::crypto::public_key::PublicKeyAlgorithm;
use pgp::packet::{Packet, PacketParser, PublicKey, PublicSubkey, RevocationCode, Signature, SignatureType};
use pgp::types::{KeyDetails, Tag};

/// SHA-1 self-signatures and bindings made before this time are accepted (as Sequoia's
/// standard policy does, 2023-02-01): nearly every key older than that was bound with
/// SHA-1, and forging a binding needs a second preimage, not a collision.
pub const SHA1_BINDING_CUTOFF: u32 = 1_675_209_600;

/// A revocation of a key or subkey, checked against its issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// When it was made (unix seconds).
    pub at: u32,
    /// Compromised or no reason given: no signature by the key can be trusted, whenever
    /// it claims to be made. Superseded or retired: only signatures from `at` on.
    pub hard: bool,
    /// The reason for people.
    pub reason: String,
}

/// One user ID of a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserId {
    pub id: String,
    /// A self-certification by the primary key verified.
    pub certified: bool,
}

/// A subkey and what its binding signatures say.
#[derive(Debug, Clone)]
pub struct Subkey {
    pub fingerprint: String,
    pub key_id: String,
    pub(super) key: PublicSubkey,
    pub created: u32,
    /// When it expires (unix seconds), from its newest valid binding.
    pub expires: Option<u32>,
    pub revoked: Option<Revocation>,
    /// Its newest valid binding allows signing data, and (for a signing subkey) the
    /// subkey's own back-signature verifies.
    pub can_sign: bool,
    /// Why the subkey cannot be used, when no binding verified.
    pub unbound: Option<String>,
}

/// A primary key, its user IDs and subkeys.
#[derive(Debug, Clone)]
pub struct Cert {
    pub fingerprint: String,
    pub key_id: String,
    pub(super) key: PublicKey,
    pub created: u32,
    /// At least one self-signature (user ID certification or direct-key signature) verified.
    pub self_signed: bool,
    pub expires: Option<u32>,
    pub revoked: Option<Revocation>,
    /// The newest self-signature allows signing data (or there is none, as Gradle writes).
    pub can_sign: bool,
    pub user_ids: Vec<UserId>,
    pub subkeys: Vec<Subkey>,
}

impl Cert {
    /// The user ID to show: the first certified one, else the first one.
    pub fn user_id(&self) -> Option<&UserId> {
        self.user_ids.iter().find(|u| u.certified).or_else(|| self.user_ids.first())
    }
}

/// Upper-case hex.
pub(super) fn hex_upper(bytes: &[u8]) -> String {
    hex::encode_upper(bytes)
}

fn secs(t: pgp::types::Timestamp) -> u32 {
    t.as_secs()
}

/// Is this hash acceptable for a binding or self-signature made at `created`?
pub(super) fn binding_hash_ok(sig: &Signature, allow_sha1: bool) -> bool {
    match sig.hash_alg() {
        Some(HashAlgorithm::Md5 | HashAlgorithm::None) | None => false,
        Some(HashAlgorithm::Sha1) => allow_sha1 || sig.created().is_some_and(|c| secs(c) < SHA1_BINDING_CUTOFF),
        Some(_) => true,
    }
}

fn revocation(sig: &Signature) -> Revocation {
    let at = sig.created().map_or(0, secs);
    let code = sig.revocation_reason_code();
    let hard = !matches!(code, Some(RevocationCode::KeySuperseded | RevocationCode::KeyRetired));
    let text =
        sig.revocation_reason_string().map(|b| String::from_utf8_lossy(b).trim().to_string()).unwrap_or_default();
    let kind = match code {
        Some(RevocationCode::KeySuperseded) => "superseded",
        Some(RevocationCode::KeyRetired) => "retired",
        Some(RevocationCode::KeyCompromised) => "compromised",
        _ => "no reason given",
    };
    let reason = if text.is_empty() { kind.to_string() } else { format!("{kind}: {text}") };
    Revocation { at, hard, reason }
}

/// The earliest of two revocations that both apply keeps the hardest meaning.
fn merge_revocation(old: Option<Revocation>, new: Revocation) -> Revocation {
    match old {
        None => new,
        Some(o) if new.hard && !o.hard => new,
        Some(o) if o.hard && !new.hard => o,
        Some(o) => {
            if new.at < o.at {
                new
            } else {
                o
            }
        }
    }
}

fn expiry(created: u32, sig: &Signature) -> Option<u32> {
    sig.key_expiration_time().map(pgp::types::Duration::as_secs).filter(|&d| d != 0).map(|d| created.saturating_add(d))
}

fn algorithm_can_sign(alg: PublicKeyAlgorithm) -> bool {
    matches!(
        alg,
        PublicKeyAlgorithm::RSA
            | PublicKeyAlgorithm::RSASign
            | PublicKeyAlgorithm::DSA
            | PublicKeyAlgorithm::ECDSA
            | PublicKeyAlgorithm::EdDSALegacy
            | PublicKeyAlgorithm::Ed25519
            | PublicKeyAlgorithm::Ed448
    )
}

/// The packets of one certificate as they came.
#[derive(Default)]
struct Raw {
    primary: Option<PublicKey>,
    direct: Vec<Signature>,
    revocations: Vec<Signature>,
    users: Vec<(pgp::packet::UserId, Vec<Signature>)>,
    subkeys: Vec<(PublicSubkey, Vec<Signature>)>,
}

/// Read every certificate from binary packets. Packets that cannot be parsed drop the
/// certificate they belong to (a warning says which); the others are kept.
pub fn read_certs(bytes: &[u8], allow_sha1: bool, warnings: &mut Vec<String>) -> Vec<Cert> {
    // Where a user ID's or a subkey's signatures go.
    enum Slot {
        Primary,
        User,
        Subkey,
        Skip,
    }
    let mut out = Vec::new();
    let mut cur: Option<Raw> = None;
    let mut broken = false;
    let mut slot = Slot::Primary;
    for packet in PacketParser::new(bytes) {
        let packet = match packet {
            Ok(p) => p,
            Err(e) => {
                let which = cur
                    .as_ref()
                    .and_then(|r| r.primary.as_ref())
                    .map_or_else(|| "a key".to_string(), |k| format!("key {}", hex_upper(k.fingerprint().as_bytes())));
                warnings.push(format!("{which} was skipped: a packet of it cannot be read ({e})"));
                broken = true;
                continue;
            }
        };
        match packet {
            Packet::PublicKey(k) => {
                if let Some(raw) = cur.take()
                    && !broken
                {
                    out.push(build(raw, allow_sha1));
                }
                broken = false;
                cur = Some(Raw { primary: Some(k), ..Raw::default() });
                slot = Slot::Primary;
            }
            Packet::PublicSubkey(k) => {
                if let Some(raw) = cur.as_mut() {
                    raw.subkeys.push((k, Vec::new()));
                    slot = Slot::Subkey;
                }
            }
            Packet::UserId(u) => {
                if let Some(raw) = cur.as_mut() {
                    raw.users.push((u, Vec::new()));
                    slot = Slot::User;
                }
            }
            Packet::UserAttribute(_) => slot = Slot::Skip,
            Packet::Signature(s) => {
                let Some(raw) = cur.as_mut() else { continue };
                match slot {
                    Slot::Primary => match s.typ() {
                        Some(SignatureType::KeyRevocation) => raw.revocations.push(s),
                        Some(SignatureType::Key) => raw.direct.push(s),
                        _ => {}
                    },
                    Slot::User => {
                        if let Some((_, sigs)) = raw.users.last_mut() {
                            sigs.push(s);
                        }
                    }
                    Slot::Subkey => {
                        if let Some((_, sigs)) = raw.subkeys.last_mut() {
                            sigs.push(s);
                        }
                    }
                    Slot::Skip => {}
                }
            }
            // Secret keys, trust packets (GnuPG's keyrings), markers, padding: not ours.
            _ => {}
        }
    }
    if let Some(raw) = cur
        && !broken
    {
        out.push(build(raw, allow_sha1));
    }
    out
}

fn build(raw: Raw, allow_sha1: bool) -> Cert {
    let key = raw.primary.expect("a Raw always starts with its primary key");
    let created = secs(key.created_at());
    let fingerprint = hex_upper(key.fingerprint().as_bytes());
    let key_id = hex_upper(key.legacy_key_id().as_ref());
    let mut revoked = None;
    for s in &raw.revocations {
        if binding_hash_ok(s, true) && s.verify_key(&key).is_ok() {
            revoked = Some(merge_revocation(revoked, revocation(s)));
        }
    }
    // Self-signatures that verify: (created, signature) — the newest decides expiry and flags.
    let mut selfsigs: Vec<&Signature> =
        raw.direct.iter().filter(|s| binding_hash_ok(s, allow_sha1) && s.verify_key(&key).is_ok()).collect();
    let mut user_ids = Vec::new();
    for (id, sigs) in &raw.users {
        let mut certified = false;
        for s in sigs {
            let is_cert = matches!(
                s.typ(),
                Some(
                    SignatureType::CertGeneric
                        | SignatureType::CertPersona
                        | SignatureType::CertCasual
                        | SignatureType::CertPositive
                )
            );
            if is_cert && binding_hash_ok(s, allow_sha1) && s.verify_certification(&key, Tag::UserId, id).is_ok() {
                certified = true;
                selfsigs.push(s);
            }
        }
        user_ids.push(UserId { id: String::from_utf8_lossy(id.id()).into_owned(), certified });
    }
    let newest = selfsigs.iter().max_by_key(|s| s.created().map_or(0, secs));
    let self_signed = newest.is_some();
    let expires = newest.and_then(|s| expiry(created, s));
    let can_sign = algorithm_can_sign(key.algorithm())
        && newest.is_none_or(|s| {
            let flags = s.key_flags();
            // No key flags subpacket: any use the algorithm allows (RFC 9580 §5.2.3.29).
            s.config().is_none_or(|c| !has_key_flags(c)) || flags.sign()
        });
    let subkeys = raw.subkeys.into_iter().map(|(sk, sigs)| build_subkey(&key, sk, &sigs, allow_sha1)).collect();
    Cert { fingerprint, key_id, key, created, self_signed, expires, revoked, can_sign, user_ids, subkeys }
}

fn has_key_flags(c: &pgp::packet::SignatureConfig) -> bool {
    c.hashed_subpackets.iter().any(|p| matches!(p.data, pgp::packet::SubpacketData::KeyFlags(_)))
}

fn build_subkey(primary: &PublicKey, key: PublicSubkey, sigs: &[Signature], allow_sha1: bool) -> Subkey {
    let created = secs(key.created_at());
    let fingerprint = hex_upper(key.fingerprint().as_bytes());
    let key_id = hex_upper(key.legacy_key_id().as_ref());
    let mut revoked = None;
    let mut bindings: Vec<&Signature> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    for s in sigs {
        match s.typ() {
            Some(SignatureType::SubkeyRevocation)
                if binding_hash_ok(s, true) && s.verify_subkey_binding(primary, &key).is_ok() =>
            {
                revoked = Some(merge_revocation(revoked, revocation(s)));
            }
            Some(SignatureType::SubkeyBinding) if !binding_hash_ok(s, allow_sha1) => {
                problems.push(format!("its binding uses the weak hash {:?}", s.hash_alg()));
            }
            Some(SignatureType::SubkeyBinding) => match s.verify_subkey_binding(primary, &key) {
                Err(e) => problems.push(format!("its binding signature does not verify ({e})")),
                Ok(()) => bindings.push(s),
            },
            _ => {}
        }
    }
    let newest = bindings.iter().max_by_key(|s| s.created().map_or(0, secs));
    let (expires, can_sign, unbound) = match newest {
        None => (
            None,
            false,
            Some(if problems.is_empty() { "it has no binding signature".to_string() } else { problems.join("; ") }),
        ),
        Some(b) => {
            let flagged = b.key_flags().sign() && algorithm_can_sign(key.algorithm());
            // A signing subkey must sign the primary back (RFC 9580 §5.2.1, 0x19), or
            // anyone could bind someone else's signing key to their certificate.
            let back = b
                .embedded_signature()
                .is_some_and(|e| binding_hash_ok(e, allow_sha1) && e.verify_primary_key_binding(&key, primary).is_ok());
            let unbound = (flagged && !back)
                .then(|| "it may sign but has no valid back-signature (primary key binding)".to_string());
            (expiry(created, b), flagged && back, unbound)
        }
    };
    Subkey { fingerprint, key_id, key, created, expires, revoked, can_sign, unbound }
}
