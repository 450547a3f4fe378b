//! Each signature check of one bundle done once.
//!
//! sigstore-verify checks a v1 Rekor entry's inclusion promise (the SET, an ECDSA
//! signature by the log) twice per bundle: once to take the entry's integrated time as
//! the verified signing time, and again with the rest of the entry — one of a bundle's
//! seven public-key operations, and about a ninth of its time (perf, `benches/verify.sh`).
//! depgate installs [`OncePerBundle`] as sigstore's crypto provider: it hands every
//! operation to aws-lc-rs (sigstore's own provider), and inside a [`Scope`] — one
//! bundle's verification, see [`super::Trust::verify_bundle`] — it remembers the checks
//! that passed, so the same signature by the same key over the same bytes is not checked
//! again. Only passes are kept, compared byte for byte (no digest stands in for the
//! bytes), and only for the bundle at hand: the next bundle checks everything afresh.

use std::cell::RefCell;
use std::sync::Once;

use sigstore_verify::crypto::provider::{CryptoProvider, HashContext, SigningKeyPair};
use sigstore_verify::crypto::{KeyAlgorithm, Result, SigningScheme};
use sigstore_verify::types::HashAlgorithm;

/// aws-lc-rs, with the checks of the current [`Scope`] remembered.
#[derive(Debug)]
pub struct OncePerBundle;

static PROVIDER: OncePerBundle = OncePerBundle;
static INSTALL: Once = Once::new();

/// One check that passed: the operation, key, message (or digest) and signature.
struct Passed {
    scheme: SigningScheme,
    prehashed: bool,
    key: Box<[u8]>,
    data: Box<[u8]>,
    signature: Box<[u8]>,
}

impl Passed {
    fn is(&self, scheme: SigningScheme, prehashed: bool, key: &[u8], data: &[u8], signature: &[u8]) -> bool {
        self.scheme == scheme
            && self.prehashed == prehashed
            && *self.key == *key
            && *self.data == *data
            && *self.signature == *signature
    }
}

thread_local! {
    /// The checks passed in this thread's current scope; `None` outside one.
    static PASSED: RefCell<Option<Vec<Passed>>> = const { RefCell::new(None) };
}

/// One bundle's verification on this thread: checks that pass inside it are not repeated
/// inside it. Nested scopes share the outermost one; leaving it forgets everything.
pub struct Scope {
    owner: bool,
}

impl Scope {
    pub fn enter() -> Scope {
        INSTALL.call_once(|| {
            // Another provider already installed (nothing in depgate does): checks are
            // then simply not shared.
            let _ = sigstore_verify::crypto::provider::install_default_provider(&PROVIDER);
        });
        let owner = PASSED.with_borrow_mut(|p| {
            if p.is_some() {
                false
            } else {
                *p = Some(Vec::new());
                true
            }
        });
        Scope { owner }
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        if self.owner {
            PASSED.with_borrow_mut(|p| *p = None);
        }
    }
}

/// `check` unless the same check already passed in the current scope.
fn once(
    scheme: SigningScheme,
    prehashed: bool,
    key: &[u8],
    data: &[u8],
    signature: &[u8],
    check: impl FnOnce() -> Result<()>,
) -> Result<()> {
    let seen = PASSED
        .with_borrow(|p| p.as_ref().map(|passed| passed.iter().any(|c| c.is(scheme, prehashed, key, data, signature))));
    match seen {
        None => check(),
        Some(true) => Ok(()),
        Some(false) => {
            check()?;
            PASSED.with_borrow_mut(|p| {
                if let Some(passed) = p {
                    passed.push(Passed {
                        scheme,
                        prehashed,
                        key: key.into(),
                        data: data.into(),
                        signature: signature.into(),
                    });
                }
            });
            Ok(())
        }
    }
}

fn aws_lc() -> &'static dyn CryptoProvider {
    sigstore_verify::crypto::aws_lc_provider()
}

impl CryptoProvider for OncePerBundle {
    fn hash(&self, algorithm: HashAlgorithm) -> Result<Box<dyn HashContext>> {
        aws_lc().hash(algorithm)
    }

    fn sha256(&self, data: &[u8]) -> [u8; 32] {
        aws_lc().sha256(data)
    }

    fn sha384(&self, data: &[u8]) -> [u8; 48] {
        aws_lc().sha384(data)
    }

    fn sha512(&self, data: &[u8]) -> [u8; 64] {
        aws_lc().sha512(data)
    }

    fn verify_raw(&self, scheme: SigningScheme, key: &[u8], data: &[u8], signature: &[u8]) -> Result<()> {
        once(scheme, false, key, data, signature, || aws_lc().verify_raw(scheme, key, data, signature))
    }

    fn verify_prehashed(&self, scheme: SigningScheme, key: &[u8], digest: &[u8], signature: &[u8]) -> Result<()> {
        once(scheme, true, key, digest, signature, || aws_lc().verify_prehashed(scheme, key, digest, signature))
    }

    fn generate_key_pair(&self, algorithm: KeyAlgorithm) -> Result<Box<dyn SigningKeyPair>> {
        aws_lc().generate_key_pair(algorithm)
    }

    fn key_pair_from_pkcs8_der(&self, pkcs8: &[u8]) -> Result<Box<dyn SigningKeyPair>> {
        aws_lc().key_pair_from_pkcs8_der(pkcs8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inside a scope a repeated check passes without the work, but only the very same
    /// check: another signature, message or key is checked, and fails if it is wrong.
    #[test]
    fn only_the_same_passed_check_is_remembered_and_only_in_its_scope() {
        let scheme = SigningScheme::EcdsaP256Sha256;
        let pair = PROVIDER.generate_key_pair(KeyAlgorithm::EcdsaP256).unwrap();
        let key = pair.public_key_bytes().to_vec();
        let good = pair.sign_raw(b"entry").unwrap();
        let other = pair.sign_raw(b"other entry").unwrap();
        let scope = Scope::enter();
        assert!(PROVIDER.verify_raw(scheme, &key, b"entry", &good).is_ok());
        assert_eq!(PASSED.with_borrow(|p| p.as_ref().map(Vec::len)), Some(1));
        assert!(PROVIDER.verify_raw(scheme, &key, b"entry", &good).is_ok(), "the same check again");
        assert_eq!(PASSED.with_borrow(|p| p.as_ref().map(Vec::len)), Some(1), "remembered, not repeated");
        assert!(PROVIDER.verify_raw(scheme, &key, b"entry!", &good).is_err(), "another message");
        assert!(PROVIDER.verify_raw(scheme, &key, b"entry", &other).is_err(), "another signature");
        assert!(PROVIDER.verify_prehashed(scheme, &key, b"entry", &good).is_err(), "a digest is not a message");
        let stranger = PROVIDER.generate_key_pair(KeyAlgorithm::EcdsaP256).unwrap();
        assert!(PROVIDER.verify_raw(scheme, stranger.public_key_bytes(), b"entry", &good).is_err(), "another key");
        {
            let _inner = Scope::enter();
            assert_eq!(PASSED.with_borrow(|p| p.as_ref().map(Vec::len)), Some(1), "nested scopes share");
        }
        assert_eq!(PASSED.with_borrow(|p| p.as_ref().map(Vec::len)), Some(1), "the inner scope forgets nothing");
        drop(scope);
        assert!(PASSED.with_borrow(Option::is_none), "leaving the scope forgets everything");
        assert!(PROVIDER.verify_raw(scheme, &key, b"entry", &good).is_ok(), "outside a scope: checked");
        assert!(PASSED.with_borrow(Option::is_none));
    }
}
