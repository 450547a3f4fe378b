//! A Sigstore PKI the tests make themselves: a root CA and an intermediate (Fulcio), a
//! CT log key that signs an SCT embedded in the leaf, a transparency log key (Rekor v1)
//! that signs the inclusion promise (SET) and the checkpoint of an RFC 6962 Merkle
//! tree holding the entry. [`Pki::sign`] emits a bundle v0.3 and the `trusted_root.json`
//! that vouches for it; [`Fault`] breaks exactly one thing so that each verification
//! stage can be shown to fail on its own.
//!
//! Everything is built from the wire formats up: TBS certificates assembled from
//! `x509-cert` types and signed by hand, the RFC 6962 TLS structures of the SCT, the
//! C2SP signed note, the canonical Rekor JSON; keys are the ECDSA P-256 keys of
//! `sigstore-crypto` (aws-lc-rs), so no certificate generator or `ring` is needed.

use std::str::FromStr as _;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::json;
use sha2::{Digest as _, Sha256, Sha512};
use sigstore_verify::crypto::KeyPair;
use x509_cert::der::Decode as _;
use x509_cert::der::asn1::{BitString, Ia5String, OctetString, UtcTime, Utf8StringRef};
use x509_cert::der::oid::{AssociatedOid as _, ObjectIdentifier};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};
use x509_cert::{Certificate, TbsCertificate, Version};

const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const KP_CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
/// RFC 6962 §3.3: the embedded SCT list.
const CT_PRECERT_SCTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.4.2");
/// Fulcio: the OIDC issuer, deprecated form (raw string).
const FULCIO_ISSUER_V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.1");
/// Fulcio: the OIDC issuer (DER `UTF8String`).
const FULCIO_ISSUER_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.8");
const FULCIO_SOURCE_REPO_URI: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.12");
const FULCIO_SOURCE_REPO_REF: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.14");
const FULCIO_BUILD_CONFIG_URI: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.18");

pub const ISSUER: &str = "https://token.actions.githubusercontent.com";
pub const REPO: &str = "https://github.com/depgate-test/widget";
pub const WORKFLOW: &str = "https://github.com/depgate-test/widget/.github/workflows/release.yml@refs/tags/v1.0.0";
pub const GIT_REF: &str = "refs/tags/v1.0.0";
pub const SLSA_PROVENANCE: &str = "https://slsa.dev/provenance/v1";
pub const LOG_ORIGIN: &str = "depgate-test-rekor - 4242424242";

/// 2025-06-01T12:00:00Z: the leaf's notBefore in the default [`Spec`].
pub const T0: i64 = 1_748_779_200;
/// 2024-01-01T00:00:00Z: when the CAs and log keys start.
const EPOCH: i64 = 1_704_067_200;
/// 2034-01-01T00:00:00Z: when the CAs end.
const END: i64 = 2_019_686_400;

/// What to break (at most one thing; everything else stays valid).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// The leaf is issued by a CA (root + intermediate) the trusted root does not list.
    UntrustedCa,
    /// The SCT claims the trusted CT log's id but is signed by another key.
    ForgedSct,
    /// One hash of the inclusion proof is flipped.
    CorruptInclusionProof,
    /// The checkpoint carries the trusted log's key hint, signed by another key.
    ForgedCheckpoint,
    /// The entry's `integratedTime` is moved after the log signed the SET over it.
    TamperedSetTime,
}

/// How to sign. Times are Unix seconds.
#[derive(Debug, Clone)]
pub struct Spec {
    pub artifact: Vec<u8>,
    /// A DSSE envelope over an in-toto statement (with a `dsse` v0.0.1 entry) instead
    /// of a message signature (with a `hashedrekord` v0.0.1 entry).
    pub dsse: bool,
    /// The name of the in-toto statement's subject (DSSE only).
    pub subject_name: String,
    /// The statement's predicate type (DSSE only): SLSA provenance unless set, which
    /// carries a build definition; any other is signed with no predicate (as cosign's
    /// `https://sigstore.dev/cosign/sign/v1` statements are).
    pub predicate_type: String,
    /// The statement's subject digest is the artifact's sha512 (as npm provenance has it)
    /// rather than its sha256 (DSSE only).
    pub subject_sha512: bool,
    /// The repository the leaf certificate names (`https://github.com/OWNER/NAME`); the
    /// SAN and build-config URI are its `.github/workflows/release.yml` at `git_ref`.
    pub repo: String,
    /// The git ref the leaf certificate names (`refs/tags/v1.0.0`).
    pub git_ref: String,
    pub not_before: i64,
    pub not_after: i64,
    pub integrated_time: i64,
    /// End of the trusted root's `validFor` window for the CA (open when `None`).
    pub ca_valid_until: Option<i64>,
    pub fault: Fault,
}

impl Spec {
    /// The workflow identity (SAN, build-config URI) the leaf carries.
    pub fn workflow(&self) -> String {
        format!("{}/.github/workflows/release.yml@{}", self.repo, self.git_ref)
    }

    /// A valid signing: a 10-minute leaf, logged one minute into it.
    pub fn new(artifact: &[u8]) -> Self {
        Spec {
            artifact: artifact.to_vec(),
            dsse: false,
            subject_name: "pkg:npm/widget@1.0.0".into(),
            subject_sha512: false,
            predicate_type: SLSA_PROVENANCE.into(),
            repo: REPO.into(),
            git_ref: GIT_REF.into(),
            not_before: T0,
            not_after: T0 + 600,
            integrated_time: T0 + 60,
            ca_valid_until: None,
            fault: Fault::None,
        }
    }
}

/// A signed artifact: the bundle and the trust material that verifies it.
pub struct Signed {
    pub bundle_json: String,
    pub trusted_root_json: String,
}

struct Ca {
    key: KeyPair,
    name: Name,
    der: Vec<u8>,
}

/// The keys and CA certificates of one test Sigstore instance.
pub struct Pki {
    root: Ca,
    intermediate: Ca,
    /// A CA pair that no trusted root mentions.
    rogue_intermediate: Ca,
    ct_key: KeyPair,
    rekor_key: KeyPair,
    /// Signs forged SCTs and checkpoints.
    impostor_key: KeyPair,
}

fn key() -> KeyPair {
    KeyPair::generate_ecdsa_p256().expect("generate an ECDSA P-256 key")
}

fn spki(k: &KeyPair) -> Vec<u8> {
    k.public_key_der().expect("encode the SPKI").as_bytes().to_vec()
}

fn sign(k: &KeyPair, data: &[u8]) -> Vec<u8> {
    k.sign(data).expect("sign").as_bytes().to_vec()
}

fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

fn time(unix: i64) -> Time {
    let secs = u64::try_from(unix).expect("a time after 1970");
    Time::UtcTime(UtcTime::from_unix_duration(Duration::from_secs(secs)).expect("a time before 2050"))
}

fn ext(oid: ObjectIdentifier, critical: bool, value: Vec<u8>) -> Extension {
    Extension { extn_id: oid, critical, extn_value: OctetString::new(value).expect("extension value") }
}

fn der<T: x509_cert::der::Encode>(v: &T) -> Vec<u8> {
    v.to_der().expect("DER encoding")
}

fn utf8(s: &str) -> Vec<u8> {
    der(&Utf8StringRef::new(s).expect("UTF8String"))
}

fn tbs(
    serial: u8,
    issuer: &Name,
    subject: &Name,
    subject_spki: &[u8],
    not_before: i64,
    not_after: i64,
    extensions: Vec<Extension>,
) -> TbsCertificate {
    TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::new(&[0x4d, serial, 0x17, 0x2a]).expect("serial number"),
        signature: AlgorithmIdentifierOwned { oid: ECDSA_WITH_SHA256, parameters: None },
        issuer: issuer.clone(),
        validity: Validity { not_before: time(not_before), not_after: time(not_after) },
        subject: subject.clone(),
        subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(subject_spki).expect("SPKI"),
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    }
}

/// Sign a TBS certificate with the issuer's key (ECDSA P-256 with SHA-256).
fn certify(tbs: TbsCertificate, issuer_key: &KeyPair) -> Vec<u8> {
    let signature = sign(issuer_key, &der(&tbs));
    der(&Certificate {
        tbs_certificate: tbs,
        signature_algorithm: AlgorithmIdentifierOwned { oid: ECDSA_WITH_SHA256, parameters: None },
        signature: BitString::from_bytes(&signature).expect("signature BIT STRING"),
    })
}

fn ca_extensions() -> Vec<Extension> {
    vec![
        ext(KeyUsage::OID, true, der(&KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign))),
        ext(BasicConstraints::OID, true, der(&BasicConstraints { ca: true, path_len_constraint: None })),
    ]
}

/// A self-signed root and an intermediate under it.
fn ca_pair(label: &str, serial: u8) -> (Ca, Ca) {
    let root_key = key();
    let root_name = Name::from_str(&format!("CN={label}-root,O=depgate-test")).expect("name");
    let root_der =
        certify(tbs(serial, &root_name, &root_name, &spki(&root_key), EPOCH, END, ca_extensions()), &root_key);
    let int_key = key();
    let int_name = Name::from_str(&format!("CN={label}-intermediate,O=depgate-test")).expect("name");
    let int_der =
        certify(tbs(serial + 1, &root_name, &int_name, &spki(&int_key), EPOCH, END, ca_extensions()), &root_key);
    (Ca { key: root_key, name: root_name, der: root_der }, Ca { key: int_key, name: int_name, der: int_der })
}

fn u16_prefixed(out: &mut Vec<u8>, data: &[u8]) {
    out.extend_from_slice(&u16::try_from(data.len()).expect("fits a u16").to_be_bytes());
    out.extend_from_slice(data);
}

/// RFC 6962 §2.1 leaf and node hashes.
pub fn leaf_hash(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two smaller than `n` (n > 1).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// RFC 6962 §2.1 Merkle Tree Hash over leaf hashes.
pub fn tree_hash(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => sha256(b""),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&tree_hash(&leaves[..k]), &tree_hash(&leaves[k..]))
        }
    }
}

/// RFC 6962 §2.1.1 audit path of leaf `m`, leaf to root.
pub fn inclusion_path(m: usize, leaves: &[[u8; 32]]) -> Vec<[u8; 32]> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = split(n);
    let (mut path, sibling) = if m < k {
        (inclusion_path(m, &leaves[..k]), tree_hash(&leaves[k..]))
    } else {
        (inclusion_path(m - k, &leaves[k..]), tree_hash(&leaves[..k]))
    };
    path.push(sibling);
    path
}

impl Default for Pki {
    fn default() -> Self {
        Self::new()
    }
}

impl Pki {
    pub fn new() -> Self {
        let (root, intermediate) = ca_pair("depgate-test-fulcio", 1);
        let (_, rogue_intermediate) = ca_pair("depgate-rogue-fulcio", 11);
        Pki { root, intermediate, rogue_intermediate, ct_key: key(), rekor_key: key(), impostor_key: key() }
    }

    /// The Fulcio-style leaf for `signer`, with an embedded SCT (RFC 6962 §3.3).
    fn leaf(&self, signer: &KeyPair, spec: &Spec) -> Vec<u8> {
        let issuer = if spec.fault == Fault::UntrustedCa { &self.rogue_intermediate } else { &self.intermediate };
        let workflow = spec.workflow();
        let alt_name =
            SubjectAltName(vec![GeneralName::UniformResourceIdentifier(Ia5String::new(&workflow).expect("URI"))]);
        let mut extensions = vec![
            ext(KeyUsage::OID, true, der(&KeyUsage(KeyUsages::DigitalSignature.into()))),
            ext(ExtendedKeyUsage::OID, false, der(&ExtendedKeyUsage(vec![KP_CODE_SIGNING]))),
            ext(SubjectAltName::OID, true, der(&alt_name)),
            ext(FULCIO_ISSUER_V1, false, ISSUER.as_bytes().to_vec()),
            ext(FULCIO_ISSUER_V2, false, utf8(ISSUER)),
            ext(FULCIO_SOURCE_REPO_URI, false, utf8(&spec.repo)),
            ext(FULCIO_SOURCE_REPO_REF, false, utf8(&spec.git_ref)),
            ext(FULCIO_BUILD_CONFIG_URI, false, utf8(&workflow)),
        ];
        let subject = Name::default();
        // The precertificate TBS: the leaf's TBS without the SCT extension, which is
        // what the CT log signs and what a verifier reconstructs.
        let pre = tbs(7, &issuer.name, &subject, &spki(signer), spec.not_before, spec.not_after, extensions.clone());
        let sct_time_ms = u64::try_from(spec.not_before).expect("positive") * 1000;
        // RFC 6962 §3.2: the digitally-signed struct of a precertificate SCT.
        let mut sct_input = vec![0u8, 0u8]; // v1, certificate_timestamp
        sct_input.extend_from_slice(&sct_time_ms.to_be_bytes());
        sct_input.extend_from_slice(&1u16.to_be_bytes()); // precert_entry
        sct_input.extend_from_slice(&sha256(&spki(&issuer.key)));
        let pre_der = der(&pre);
        let len = u32::try_from(pre_der.len()).expect("fits").to_be_bytes();
        sct_input.extend_from_slice(&len[1..]); // opaque<1..2^24-1>
        sct_input.extend_from_slice(&pre_der);
        sct_input.extend_from_slice(&0u16.to_be_bytes()); // no extensions
        let ct_signer = if spec.fault == Fault::ForgedSct { &self.impostor_key } else { &self.ct_key };
        let sct_sig = sign(ct_signer, &sct_input);
        let mut sct = vec![0u8]; // v1
        sct.extend_from_slice(&sha256(&spki(&self.ct_key))); // the trusted log's id
        sct.extend_from_slice(&sct_time_ms.to_be_bytes());
        u16_prefixed(&mut sct, &[]);
        sct.extend_from_slice(&[4, 3]); // sha256, ecdsa
        u16_prefixed(&mut sct, &sct_sig);
        let mut one = Vec::new();
        u16_prefixed(&mut one, &sct);
        let mut list = Vec::new();
        u16_prefixed(&mut list, &one);
        extensions.push(ext(CT_PRECERT_SCTS, false, der(&OctetString::new(list).expect("SCT list"))));
        certify(tbs(7, &issuer.name, &subject, &spki(signer), spec.not_before, spec.not_after, extensions), &issuer.key)
    }

    fn trusted_root(&self, spec: &Spec) -> String {
        let iso = |t: i64| jiff::Timestamp::from_second(t).expect("time").to_string();
        let mut ca_valid = json!({"start": iso(EPOCH)});
        if let Some(end) = spec.ca_valid_until {
            ca_valid["end"] = iso(end).into();
        }
        let log = |k: &KeyPair, url: &str| {
            json!({
                "baseUrl": url,
                "hashAlgorithm": "SHA2_256",
                "publicKey": {
                    "rawBytes": B64.encode(spki(k)),
                    "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                    "validFor": {"start": iso(EPOCH)}
                },
                "logId": {"keyId": B64.encode(sha256(&spki(k)))}
            })
        };
        json!({
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [log(&self.rekor_key, "https://rekor.depgate.test")],
            "certificateAuthorities": [{
                "subject": {"organization": "depgate-test", "commonName": "depgate-test-fulcio"},
                "uri": "https://fulcio.depgate.test",
                "certChain": {"certificates": [
                    {"rawBytes": B64.encode(&self.intermediate.der)},
                    {"rawBytes": B64.encode(&self.root.der)}
                ]},
                "validFor": ca_valid
            }],
            "ctlogs": [log(&self.ct_key, "https://ctfe.depgate.test")],
            "timestampAuthorities": []
        })
        .to_string()
    }

    /// Sign `spec.artifact` and log it; see [`Fault`] for what can be broken.
    pub fn sign(&self, spec: &Spec) -> Signed {
        let signer = key();
        let leaf = self.leaf(&signer, spec);
        let leaf_pem = sigstore_verify::types::DerCertificate::new(leaf.clone()).to_pem();
        let digest = sha256(&spec.artifact);

        // The signature content and the Rekor v1 entry body that logs it. Keys are in
        // RFC 8785 order, so `to_string` is the canonical form.
        let (content_key, content, body) = if spec.dsse {
            let subject_digest = if spec.subject_sha512 {
                json!({"sha512": hex::encode(Sha512::digest(&spec.artifact))})
            } else {
                json!({"sha256": hex::encode(digest)})
            };
            let mut statement = json!({
                "_type": "https://in-toto.io/Statement/v1",
                "subject": [{"name": spec.subject_name, "digest": subject_digest}],
                "predicateType": spec.predicate_type,
            });
            if spec.predicate_type == SLSA_PROVENANCE {
                statement["predicate"] = json!({"buildDefinition": {"buildType": "https://depgate.test/build/v1"}});
            }
            let statement = statement.to_string();
            let payload_type = "application/vnd.in-toto+json";
            let pae = sigstore_verify::types::pae(payload_type, statement.as_bytes());
            let sig = sign(&signer, &pae);
            let envelope = json!({
                "payload": B64.encode(&statement),
                "payloadType": payload_type,
                "signatures": [{"sig": B64.encode(&sig)}]
            });
            let body = json!({
                "apiVersion": "0.0.1",
                "kind": "dsse",
                "spec": {
                    "envelopeHash": {"algorithm": "sha256", "value": hex::encode(sha256(envelope.to_string().as_bytes()))},
                    "payloadHash": {"algorithm": "sha256", "value": hex::encode(sha256(statement.as_bytes()))},
                    "signatures": [{"signature": B64.encode(&sig), "verifier": B64.encode(&leaf_pem)}]
                }
            });
            ("dsseEnvelope", envelope, body)
        } else {
            let sig = sign(&signer, &spec.artifact);
            let content = json!({
                "messageDigest": {"algorithm": "SHA2_256", "digest": B64.encode(digest)},
                "signature": B64.encode(&sig)
            });
            let body = json!({
                "apiVersion": "0.0.1",
                "kind": "hashedrekord",
                "spec": {
                    "data": {"hash": {"algorithm": "sha256", "value": hex::encode(digest)}},
                    "signature": {"content": B64.encode(&sig), "publicKey": {"content": B64.encode(&leaf_pem)}}
                }
            });
            ("messageSignature", content, body)
        };
        let body = body.to_string();
        let kind = if spec.dsse { "dsse" } else { "hashedrekord" };

        // The log: seven entries, ours at index 5, so the audit path mixes left and
        // right siblings and a subtree that is not a power of two.
        let index = 5usize;
        let mut leaves: Vec<[u8; 32]> =
            (0..7).map(|i| leaf_hash(format!("{{\"other entry\":{i}}}").as_bytes())).collect();
        leaves[index] = leaf_hash(body.as_bytes());
        let root = tree_hash(&leaves);
        let mut path = inclusion_path(index, &leaves);
        if spec.fault == Fault::CorruptInclusionProof {
            path[1][0] ^= 0x01;
        }
        let log_id = sha256(&spki(&self.rekor_key));

        // SET: the log's signature over the canonical JSON of body, time, id, index.
        let set_payload = format!(
            r#"{{"body":"{}","integratedTime":{},"logID":"{}","logIndex":{}}}"#,
            B64.encode(&body),
            spec.integrated_time,
            hex::encode(log_id),
            index
        );
        let set = sign(&self.rekor_key, set_payload.as_bytes());
        let integrated_time =
            if spec.fault == Fault::TamperedSetTime { spec.integrated_time - 3600 } else { spec.integrated_time };

        // The checkpoint: a C2SP signed note over origin, size and root; the signature
        // line carries the 4-byte key hint (the first bytes of the log id) and the
        // signature.
        let note_body = format!("{LOG_ORIGIN}\n{}\n{}\n", leaves.len(), B64.encode(root));
        let note_signer = if spec.fault == Fault::ForgedCheckpoint { &self.impostor_key } else { &self.rekor_key };
        let mut hint_and_sig = log_id[..4].to_vec();
        hint_and_sig.extend_from_slice(&sign(note_signer, note_body.as_bytes()));
        let checkpoint = format!("{note_body}\n\u{2014} {} {}\n", "rekor.depgate.test", B64.encode(hint_and_sig));

        let mut bundle = json!({
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": {
                "certificate": {"rawBytes": B64.encode(&leaf)},
                "tlogEntries": [{
                    "logIndex": index.to_string(),
                    "logId": {"keyId": B64.encode(log_id)},
                    "kindVersion": {"kind": kind, "version": "0.0.1"},
                    "integratedTime": integrated_time.to_string(),
                    "inclusionPromise": {"signedEntryTimestamp": B64.encode(&set)},
                    "inclusionProof": {
                        "logIndex": index.to_string(),
                        "rootHash": B64.encode(root),
                        "treeSize": leaves.len().to_string(),
                        "hashes": path.iter().map(|h| B64.encode(h)).collect::<Vec<_>>(),
                        "checkpoint": {"envelope": checkpoint}
                    },
                    "canonicalizedBody": B64.encode(&body)
                }]
            }
        });
        bundle[content_key] = content;
        Signed { bundle_json: bundle.to_string(), trusted_root_json: self.trusted_root(spec) }
    }
}
