//! OpenVet logs made in the tests with the OpenVet project's own crates (`openvet-log`
//! builds and signs the commits, `openvet-proto` the audits, `openvet-crypto` the ed25519
//! keys), written out in the log protocol's layout (`log/head`, `log/<kind>/<hex>`) to be
//! served by a fake on 127.0.0.1, plus the evaluation OpenVet's own evaluator
//! (`openvet_policy::evaluate`) gives for the same audits: the oracle.

use std::collections::BTreeMap;

use openvet_crypto::{Hash, Hashed, Signer, SoftwareSigner, TaggedHash, pubkey_fingerprint, sign_pop};
use openvet_log::{LogStore, MemoryStore, build::build_genesis};
use openvet_proto::audit::{Audit, AuditEnvelope};
use openvet_proto::bundle::Bundle;
use openvet_proto::commit::{Commit, Operation, into_envelope};
use openvet_proto::keyset::{Capability, KeyState};
use openvet_proto::reference::Embedded;
use openvet_proto::{AuthorSignature, Subject};

use super::fake_repo::FakeRepo;

/// One log: its owner's key (operator, publisher and auditor at once) and every object.
pub struct Log {
    pub signer: SoftwareSigner,
    store: MemoryStore,
    head: Option<Hash>,
    time: u64,
    /// Address → bytes of every object, by kind (`commit`, `node`, `keystate`, `audit`).
    pub objects: BTreeMap<(String, String), Vec<u8>>,
}

fn block<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

/// The OpenVet subject of an artifact: `registry:package@version[?variant]#alg:hex`.
pub fn subject(
    registry: &str,
    package: &str,
    version: &str,
    variant: Option<&str>,
    alg: &str,
    hex_digest: &str,
) -> Subject {
    let hash = TaggedHash::tagged(alg, hex::decode(hex_digest).unwrap());
    match variant {
        Some(v) => Subject::new_with_variant(registry, package, version, v, hash),
        None => Subject::new(registry, package, version, hash),
    }
}

/// An audit of `subject` with `claims`, signed by `signer`.
pub fn signed_audit(signer: &SoftwareSigner, subject: &Subject, claims: &[(&str, bool)]) -> Hashed<AuditEnvelope> {
    let audit = Audit::builder()
        .subject(subject.clone())
        .claims(claims.iter().map(|(k, v)| ((*k).to_string(), *v)).collect())
        .summary("reviewed in the depgate tests")
        .created_at(1_767_225_600)
        .build();
    let mut env = AuditEnvelope::build(1, audit, vec![]);
    let sig = block(env.audit.sign(signer)).unwrap();
    env.signatures.push(AuthorSignature { pubkey: signer.pubkey().clone(), signature: sig });
    Hashed::from_value(env)
}

impl Log {
    /// A new log whose genesis enrols a fresh key with every capability.
    pub fn new() -> Self {
        let signer = SoftwareSigner::generate_ed25519().unwrap();
        let mut log =
            Log { signer, store: MemoryStore::new(), head: None, time: 1_767_225_600, objects: BTreeMap::new() };
        let proof = block(sign_pop(Hash::new([0; 32]), &log.signer)).unwrap();
        let state = Hashed::from_value(KeyState {
            pubkey: log.signer.pubkey().clone(),
            capabilities: [Capability::Operator, Capability::Publisher, Capability::Auditor].into(),
            added_at: 0,
            updated_at: 0,
            expires_at: None,
            proof,
            label: Some("owner".into()),
        });
        let op = Operation::InsertKey { pubkey_fingerprint: pubkey_fingerprint(log.signer.pubkey()), key_state: state };
        let draft = block(build_genesis(log.time, op)).unwrap();
        log.commit(draft);
        log
    }

    /// The pinned form of the owner's key (`sha256:<hex>`).
    pub fn key(&self) -> String {
        pubkey_fingerprint(self.signer.pubkey()).to_string()
    }

    /// Append an audit (already signed, possibly by someone else).
    pub fn insert(&mut self, audit: Hashed<AuditEnvelope>) {
        self.time += 60;
        let subject = audit.value().audit.subject.clone();
        let op: Operation<Embedded> = Operation::InsertAudit { subject, audit: audit.clone() };
        let draft = block(self.store.build_commit(self.head.unwrap(), self.time, op)).unwrap();
        self.put("audit", audit.hash(), audit.bytes());
        block(self.store.audit_put(audit)).unwrap();
        self.commit(draft);
    }

    /// Audit `subject` with `claims`, signed by the log's owner.
    pub fn audit(&mut self, subject: &Subject, claims: &[(&str, bool)]) -> Hashed<AuditEnvelope> {
        let a = signed_audit(&self.signer, subject, claims);
        self.insert(a.clone());
        a
    }

    fn commit(&mut self, draft: Bundle<Commit>) {
        for n in draft.nodes.values() {
            self.put("node", n.hash(), n.bytes());
            block(self.store.node_put(n.clone())).unwrap();
        }
        for k in draft.keystates.values() {
            self.put("keystate", k.hash(), k.bytes());
            block(self.store.keystate_put(k.clone())).unwrap();
        }
        for a in draft.audits.values() {
            self.put("audit", a.hash(), a.bytes());
        }
        let signed = block(into_envelope(draft.commit, &self.signer)).unwrap();
        self.put("commit", signed.hash(), signed.bytes());
        self.head = Some(block(self.store.commit_put(signed)).unwrap());
    }

    fn put(&mut self, kind: &str, hash: Hash, bytes: &[u8]) {
        self.objects.insert((kind.to_string(), hex::encode(hash.as_bytes())), bytes.to_vec());
    }

    /// Replace the bytes served for an object (a tampering host).
    pub fn tamper(&mut self, kind: &str, hash: Hash, bytes: Vec<u8>) {
        self.objects.insert((kind.to_string(), hex::encode(hash.as_bytes())), bytes);
    }

    /// Serve the log under `<repo>/<prefix>/log/…`; returns its URL.
    pub fn serve(&self, repo: &FakeRepo, prefix: &str) -> String {
        let head = self.head.unwrap();
        repo.serve_file(&format!("{prefix}/log/head"), "application/octet-stream", head.as_bytes().to_vec());
        for ((kind, hex), bytes) in &self.objects {
            repo.serve_file(&format!("{prefix}/log/{kind}/{hex}"), "application/octet-stream", bytes.clone());
        }
        format!("{}{prefix}", repo.url())
    }

    /// Write the log as a local mirror folder.
    pub fn mirror(&self, dir: &std::path::Path) {
        let head = self.head.unwrap();
        std::fs::create_dir_all(dir.join("log")).unwrap();
        std::fs::write(dir.join("log/head"), head.as_bytes()).unwrap();
        for ((kind, hex), bytes) in &self.objects {
            std::fs::create_dir_all(dir.join("log").join(kind)).unwrap();
            std::fs::write(dir.join("log").join(kind).join(hex), bytes).unwrap();
        }
    }
}

/// What OpenVet's evaluator concludes for `subject` given the audits (log name, audit)
/// that trusted logs hold for exactly that subject: `pass`, `fail` or `unaudited`.
pub fn oracle(policy_toml: &str, subject: &Subject, audits: &[(&str, &Hashed<AuditEnvelope>)]) -> &'static str {
    let policy = openvet_policy::parse_str(policy_toml).unwrap();
    let list: Vec<(&str, &Audit)> = audits.iter().map(|(l, a)| (*l, a.value().audit.value())).collect();
    match openvet_policy::evaluate(&policy, subject, &list) {
        openvet_policy::Verdict::Pass => "pass",
        openvet_policy::Verdict::Fail(_) => "fail",
        openvet_policy::Verdict::Unaudited => "unaudited",
    }
}

/// The requirement depgate uses when the project has no `openvet.toml`.
pub const DEFAULT: &str = "[requirement]\nis-benign = \"is-benign\"\n";
