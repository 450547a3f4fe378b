//! Verifying one OpenVet log as fetched: the head commit's structure and signature
//! against the log's own keyset (OpenVet's checks, from `openvet-log`), the head's signer
//! against the keys depgate's configuration pins, then every audit in the head's audit
//! tree: the object matches its address, its subject is the tree key it sits under, and
//! every signature on it verifies (an in-keyset signer must hold `auditor`).
//!
//! A log that fails a head check is rejected whole (none of its audits count); an audit
//! that fails is kept as invalid with the reason, so policy can fail closed on it.

use std::collections::BTreeMap;

use bytes::Bytes;
use openvet_crypto::{Hash, TaggedHash};
use openvet_log::{LogStore, MemoryStore};
use openvet_proto::Subject;
use openvet_proto::audit::{Audit, AuditEnvelope};
use openvet_proto::commit::{Commit, CommitEnvelope};
use openvet_proto::keyset::KeyState;
use openvet_proto::tree::{Node, Tree};

/// The kinds of content-addressed objects a log serves (`<log>/log/<kind>/<hex>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ObjectKind {
    Commit,
    Node,
    KeyState,
    Audit,
}

impl ObjectKind {
    /// The path segment the OpenVet log protocol uses for this kind.
    pub fn path(self) -> &'static str {
        match self {
            ObjectKind::Commit => "commit",
            ObjectKind::Node => "node",
            ObjectKind::KeyState => "keystate",
            ObjectKind::Audit => "audit",
        }
    }
}

/// A log as fetched: its head, and every object (kind, address, bytes) the fetch
/// collected. Addresses are checked here: bytes that do not hash to their address are
/// set aside (the audit they stood for becomes invalid; a missing commit or node rejects
/// the log).
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub head: Option<[u8; 32]>,
    pub objects: Vec<(ObjectKind, [u8; 32], Vec<u8>)>,
}

/// One trusted log from the configuration.
#[derive(Debug, Clone)]
pub struct LogTrust {
    /// The name audits are attributed to (and aliases are keyed by).
    pub name: String,
    /// Where it was read from (for messages).
    pub location: String,
    /// Pinned key fingerprints (`sha256:<hex>`, OpenVet's form): the head must be signed
    /// by one of them.
    pub keys: Vec<String>,
}

/// What verifying a log concluded.
#[derive(Debug, Clone)]
pub enum LogOutcome {
    Verified(VerifiedLog),
    /// The log cannot be trusted: none of its audits count.
    Rejected {
        name: String,
        location: String,
        reason: String,
    },
}

/// A log whose head verified.
#[derive(Debug, Clone)]
pub struct VerifiedLog {
    pub name: String,
    pub location: String,
    /// Hex of the head commit's hash.
    pub head: String,
    pub generation: u64,
    pub index: u64,
    /// Fingerprint of the key that signed the head.
    pub signer: String,
    /// Every audit in the head's audit tree.
    pub audits: Vec<VerifiedAudit>,
}

/// One audit found in a verified log's tree.
#[derive(Debug, Clone)]
pub struct VerifiedAudit {
    /// The tree key it sits under.
    pub subject: Subject,
    /// The audit, when it verified.
    pub audit: Option<Audit>,
    /// Fingerprints of the keys that signed it.
    pub auditors: Vec<String>,
    /// Why it did not verify.
    pub problem: Option<String>,
}

/// Verify `snapshot` as the log `trust` describes.
pub fn verify_log(trust: &LogTrust, snapshot: &Snapshot) -> LogOutcome {
    let reject =
        |reason: String| LogOutcome::Rejected { name: trust.name.clone(), location: trust.location.clone(), reason };
    let Some(head) = snapshot.head else {
        return reject("the log has no head yet".to_string());
    };
    let store = MemoryStore::new();
    let mut tampered: BTreeMap<[u8; 32], ObjectKind> = BTreeMap::new();
    for (kind, address, bytes) in &snapshot.objects {
        if !put(&store, *kind, *address, bytes) {
            tampered.insert(*address, *kind);
        }
    }
    let head_hash: Hash = Hash::new(head);
    let Some(envelope) = block_on(store.commit_get(head_hash)).ok().flatten() else {
        let why = if tampered.contains_key(&head) { "does not hash to its address" } else { "was not served" };
        return reject(format!("head commit {} {why}", hex::encode(head)));
    };
    match check_head(&store, trust, envelope.value()) {
        Ok(()) => {}
        Err(reason) => return reject(reason),
    }
    let commit: &Commit = &envelope.value().commit;
    let audits = match walk_audits(&store, commit, &tampered) {
        Ok(a) => a,
        Err(reason) => return reject(reason),
    };
    LogOutcome::Verified(VerifiedLog {
        name: trust.name.clone(),
        location: trust.location.clone(),
        head: hex::encode(head),
        generation: commit.generation,
        index: commit.index,
        signer: envelope.value().signer.to_string(),
        audits,
    })
}

/// Decode and store one object; `false` when its bytes are not what its address names
/// (or not an object of its kind).
fn put(store: &MemoryStore, kind: ObjectKind, address: [u8; 32], bytes: &[u8]) -> bool {
    let bytes = Bytes::copy_from_slice(bytes);
    let want: Hash = Hash::new(address);
    block_on(async {
        match kind {
            ObjectKind::Commit => match openvet_proto::decode::<CommitEnvelope>(bytes) {
                Ok(v) if v.hash() == want => store.commit_put(v).await.is_ok(),
                _ => false,
            },
            ObjectKind::Node => match openvet_proto::decode::<Node>(bytes) {
                Ok(v) if v.hash() == want => store.node_put(v).await.is_ok(),
                _ => false,
            },
            ObjectKind::KeyState => match openvet_proto::decode::<KeyState>(bytes) {
                Ok(v) if v.hash() == want => store.keystate_put(v).await.is_ok(),
                _ => false,
            },
            ObjectKind::Audit => match openvet_proto::decode::<AuditEnvelope>(bytes) {
                Ok(v) if v.hash() == want => store.audit_put(v).await.is_ok(),
                _ => false,
            },
        }
    })
}

/// The head's structure (skipchain pointers, timestamps), its signature by a key its own
/// keyset authorises (OpenVet's first-use check), and that key being one of the pins.
fn check_head(store: &MemoryStore, trust: &LogTrust, envelope: &CommitEnvelope) -> Result<(), String> {
    block_on(store.verify_commit(&envelope.commit)).map_err(|e| format!("head commit is malformed: {e}"))?;
    let own = own_keyset(&envelope.commit);
    block_on(store.verify_commit_signature(&own, envelope))
        .map_err(|e| format!("head commit signature does not verify against the log's keyset: {e}"))?;
    let signer = envelope.signer.to_string();
    let pinned = trust.keys.iter().any(|k| k.parse::<TaggedHash>().is_ok_and(|k| k == envelope.signer));
    if !pinned {
        return Err(format!(
            "head commit is signed by key {signer}, which is not one of the keys pinned for this log ({})",
            trust.keys.join(", ")
        ));
    }
    Ok(())
}

/// A stand-in parent whose keyset is `commit`'s own, so the signer's authority is looked
/// up in the state the head itself commits to (what OpenVet does for a first-seen head).
pub fn own_keyset(commit: &Commit) -> Commit {
    Commit {
        generation: commit.generation,
        index: 0,
        parent: vec![],
        previous_generation_head: None,
        tree: Tree { k: commit.tree.k, root: commit.tree.root },
        keyset: Tree { k: commit.keyset.k, root: commit.keyset.root },
        keyset_last_changed: 0,
        timestamp: 0,
        operation: commit.operation.clone(),
        generation_message: None,
    }
}

fn walk_audits(
    store: &MemoryStore,
    commit: &Commit,
    tampered: &BTreeMap<[u8; 32], ObjectKind>,
) -> Result<Vec<VerifiedAudit>, String> {
    let mut walker = openvet_tree::walk(store.as_node_store(), commit.tree.root);
    let mut out = Vec::new();
    loop {
        let next = block_on(walker.next()).map_err(|e| format!("the audit tree cannot be read: {e}"))?;
        let Some((key, address)) = next else { break };
        let subject = key.to_subject().map_err(|e| format!("the audit tree has a key that is not a subject: {e}"))?;
        out.push(check_audit(store, commit, subject, address, tampered));
    }
    Ok(out)
}

fn check_audit(
    store: &MemoryStore,
    commit: &Commit,
    subject: Subject,
    address: Hash,
    tampered: &BTreeMap<[u8; 32], ObjectKind>,
) -> VerifiedAudit {
    let invalid = |subject: Subject, auditors: Vec<String>, problem: String| VerifiedAudit {
        subject,
        audit: None,
        auditors,
        problem: Some(problem),
    };
    let raw: [u8; 32] = address.bytes();
    let Some(envelope) = block_on(store.audit_get(address)).ok().flatten() else {
        let why = if tampered.contains_key(&raw) {
            "the audit served does not hash to the address the log commits to (tampered)"
        } else {
            "the audit the log commits to was not served"
        };
        return invalid(subject, Vec::new(), why.to_string());
    };
    let env = envelope.value();
    let auditors: Vec<String> =
        env.signatures.iter().map(|s| openvet_crypto::pubkey_fingerprint(&s.pubkey).to_string()).collect();
    if env.audit.subject != subject {
        return invalid(
            subject,
            auditors,
            format!("the audit is about {}, not the subject it is filed under", env.audit.subject),
        );
    }
    if env.signatures.is_empty() {
        return invalid(subject, auditors, "the audit carries no signature".to_string());
    }
    for (sig, fp) in env.signatures.iter().zip(&auditors) {
        if let Err(e) = env.audit.verify(&sig.signature, &sig.pubkey) {
            return invalid(subject, auditors.clone(), format!("the signature by {fp} does not verify: {e}"));
        }
    }
    if let Err(e) = block_on(store.verify_audit_authority(commit, commit, env)) {
        return invalid(subject, auditors, format!("a signer is not authorised to audit in this log: {e}"));
    }
    VerifiedAudit { subject, audit: Some(env.audit.value().clone()), auditors, problem: None }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}
