//! Keys and signatures made here with GnuPG (RSA-4096, Ed25519, ECDSA P-256, a signing
//! subkey, an expired key, a revoked key), and `gpgv --status-fd 1` as the oracle.
//!
//! GnuPG's clock is faked (`--faked-system-time`) so that keys are created, signatures
//! made, expiries set and revocations issued at known times in the past. Where depgate
//! and gpgv are expected to differ the case says so and why: gpgv has no per-package
//! pins, accepts SHA-1, and judges expiry at the time it runs, where depgate judges it at
//! the time the signature was made.

use std::path::{Path, PathBuf};
use std::process::Command;

use depgate::openpgp::trust::{Outcome, Pin};

/// One signature to check.
pub struct Case {
    pub name: &'static str,
    pub data: Vec<u8>,
    pub signature: Vec<u8>,
    /// Binary keyring (`gpg --export`).
    pub keyring: Vec<u8>,
    pub pins: Vec<Pin>,
    pub now: u32,
    /// depgate's outcome: `verified`, `unverifiable`, `violated:<stage>`.
    pub expect: &'static str,
    /// gpgv's: `good`, `bad`, `expired`, `revoked`, `no_pubkey`.
    pub gpgv_expect: &'static str,
}

pub fn label(o: &Outcome) -> String {
    match o {
        Outcome::Verified { .. } => "verified".into(),
        Outcome::Unverifiable { .. } => "unverifiable".into(),
        Outcome::Violated { stage, .. } => {
            format!("violated:{}", serde_json::to_value(stage).unwrap().as_str().unwrap())
        }
    }
}

pub struct Gnupg {
    home: tempfile::TempDir,
}

fn have(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success())
}

impl Gnupg {
    /// GnuPG with an empty home, or `None` (a visible skip) when `gpg`/`gpgv` are missing;
    /// under `DEPGATE_REQUIRE_TOOLS=1` a missing tool fails the test.
    pub fn start() -> Option<Gnupg> {
        if !(have("gpg") && have("gpgv")) {
            assert!(
                std::env::var("DEPGATE_REQUIRE_TOOLS").as_deref() != Ok("1"),
                "gpg and gpgv are required (DEPGATE_REQUIRE_TOOLS=1): apt-get install gnupg gpgv"
            );
            eprintln!("SKIP: gpg/gpgv not installed (apt-get install gnupg gpgv); GnuPG oracle cases not run");
            return None;
        }
        let home = tempfile::Builder::new().prefix("depgate-gnupg").tempdir().unwrap();
        Some(Gnupg { home })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.home.path().join("work").join(name)
    }

    fn gpg(&self, faked: &str, args: &[&str]) -> Vec<u8> {
        let gh = self.home.path().join("gh");
        std::fs::create_dir_all(&gh).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        let out = Command::new("gpg")
            .env("GNUPGHOME", &gh)
            .args(["--batch", "--yes", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", ""])
            .args(["--faked-system-time", faked])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "gpg {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    }

    /// Make a key; its fingerprint.
    fn key(&self, faked: &str, uid: &str, algo: &str, usage: &str, expire: &str) -> String {
        self.gpg(faked, &["--quick-gen-key", uid, algo, usage, expire]);
        self.fingerprint(uid)
    }

    fn fingerprint(&self, uid: &str) -> String {
        let listing = String::from_utf8(self.gpg("20260101T000000", &["--with-colons", "--list-keys", uid])).unwrap();
        listing.lines().find(|l| l.starts_with("fpr:")).unwrap().split(':').nth(9).unwrap().to_string()
    }

    fn subkey_fingerprint(&self, uid: &str) -> String {
        let listing = String::from_utf8(self.gpg("20260101T000000", &["--with-colons", "--list-keys", uid])).unwrap();
        listing.lines().filter(|l| l.starts_with("fpr:")).nth(1).unwrap().split(':').nth(9).unwrap().to_string()
    }

    fn export(&self, fprs: &[&str]) -> Vec<u8> {
        let mut args = vec!["--export"];
        args.extend_from_slice(fprs);
        self.gpg("20260101T000000", &args)
    }

    fn sign(&self, faked: &str, fpr: &str, data: &[u8], extra: &[&str]) -> Vec<u8> {
        std::fs::create_dir_all(self.path("")).unwrap();
        let file = self.path("data.bin");
        std::fs::write(&file, data).unwrap();
        let sig = self.path("data.bin.sig");
        let mut args = vec!["--local-user", fpr, "--detach-sign", "--output", sig.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.push(file.to_str().unwrap());
        self.gpg(faked, &args);
        std::fs::read(&sig).unwrap()
    }

    /// Import the revocation certificate GnuPG wrote when it made the key (no reason given).
    fn revoke(&self, faked: &str, fpr: &str) {
        let rev = self.home.path().join("gh/openpgp-revocs.d").join(format!("{fpr}.rev"));
        let text = std::fs::read_to_string(&rev).unwrap().replace(":-----BEGIN", "-----BEGIN");
        let f = self.path("revoke.asc");
        std::fs::write(&f, text).unwrap();
        self.gpg(faked, &["--import", f.to_str().unwrap()]);
    }

    /// A signing key made now (the Cloudsmith-style tests); its fingerprint.
    pub fn make_key(&self, uid: &str, algo: &str) -> String {
        self.key("20240101T000000", uid, algo, "sign", "never")
    }

    /// A detached armored signature made in 2025 (after the key, before any test's now).
    pub fn sign_now(&self, fpr: &str, data: &[u8]) -> Vec<u8> {
        self.sign("20250601T000000", fpr, data, &["--armor"])
    }

    /// The armored public key.
    pub fn export_armored(&self, fpr: &str) -> Vec<u8> {
        self.gpg("20260101T000000", &["--armor", "--export", fpr])
    }

    /// Every case, keys made on the way.
    pub fn cases(&self) -> Vec<Case> {
        let now = u32::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs())
            .unwrap();
        let data = b"depgate openpgp test artifact\n".repeat(50);
        let t0 = "20240101T000000";
        let rsa = self.key(t0, "RSA Signer <rsa@example.org>", "rsa4096", "sign", "never");
        let ed = self.key(t0, "Ed Signer <ed@example.org>", "ed25519", "sign", "never");
        let ec = self.key(t0, "EC Signer <ec@example.org>", "nistp256", "sign", "never");
        let sub_primary = self.key(t0, "Sub Signer <sub@example.org>", "ed25519", "cert", "never");
        self.gpg(t0, &["--quick-add-key", &sub_primary, "ed25519", "sign", "never"]);
        let sub = self.subkey_fingerprint("sub@example.org");
        // Expired: no expiry when it signs (2024-03-01); a self-signature dated 2024-01-02
        // then gives it one day, so it had expired (2024-01-03) when it signed.
        let exp = self.key(t0, "Expired Signer <expired@example.org>", "ed25519", "sign", "never");
        let exp_sig = self.sign("20240301T000000", &exp, &data, &["--armor"]);
        self.gpg("20240102T000000", &["--quick-set-expire", &exp, "1d"]);
        // Expired later: valid for a year, signed within it.
        let later = self.key(t0, "Later Signer <later@example.org>", "ed25519", "sign", "1y");
        let later_sig = self.sign("20240601T000000", &later, &data, &["--armor"]);
        // Revoked (the revocation GnuPG prepared, no reason given: no signature of it counts).
        let rev = self.key(t0, "Revoked Signer <revoked@example.org>", "ed25519", "sign", "never");
        let rev_sig = self.sign("20240201T000000", &rev, &data, &["--armor"]);
        self.revoke("20240301T000000", &rev);

        let pin = |f: &str| vec![Pin::new(f, "test")];
        let ring = |f: &[&str]| self.export(f);
        let signed = |f: &str, extra: &[&str]| self.sign("20240201T000000", f, &data, extra);
        let mut flipped = data.clone();
        flipped[7] ^= 0x20;
        let case = |name, data: &Vec<u8>, signature, keyring, pins, expect, gpgv_expect| Case {
            name,
            data: data.clone(),
            signature,
            keyring,
            pins,
            now,
            expect,
            gpgv_expect,
        };
        vec![
            case("rsa-4096", &data, signed(&rsa, &["--armor"]), ring(&[&rsa]), pin(&rsa), "verified", "good"),
            case("ed25519", &data, signed(&ed, &["--armor"]), ring(&[&ed]), pin(&ed), "verified", "good"),
            case("ed25519 binary signature", &data, signed(&ed, &[]), ring(&[&ed]), pin(&ed), "verified", "good"),
            case("ecdsa p-256", &data, signed(&ec, &["--armor"]), ring(&[&ec]), pin(&ec), "verified", "good"),
            case(
                "signing subkey, primary pinned",
                &data,
                signed(&sub_primary, &["--armor"]),
                ring(&[&sub_primary]),
                pin(&sub_primary),
                "verified",
                "good",
            ),
            case(
                "signing subkey, subkey pinned",
                &data,
                signed(&sub_primary, &["--armor"]),
                ring(&[&sub_primary]),
                pin(&sub),
                "verified",
                "good",
            ),
            case(
                "flipped byte",
                &flipped,
                signed(&rsa, &["--armor"]),
                ring(&[&rsa]),
                pin(&rsa),
                "violated:signature",
                "bad",
            ),
            case("expired before it signed", &data, exp_sig, ring(&[&exp]), pin(&exp), "violated:key", "expired"),
            case("revoked", &data, rev_sig, ring(&[&rev]), pin(&rev), "violated:key", "revoked"),
            case(
                "key in no keyring",
                &data,
                signed(&rsa, &["--armor"]),
                ring(&[&ed]),
                vec![],
                "unverifiable",
                "no_pubkey",
            ),
            // Differences by design (see the module docs):
            // gpgv judges expiry now; depgate when the signature was made (within the year).
            case("expired after it signed", &data, later_sig, ring(&[&later]), pin(&later), "verified", "expired"),
            // gpgv has no pins: the signature is good, by the wrong key for the package.
            case(
                "key not pinned",
                &data,
                signed(&ed, &["--armor"]),
                ring(&[&ed, &rsa]),
                pin(&rsa),
                "violated:pin",
                "good",
            ),
            // gpgv accepts SHA-1; depgate refuses it by default.
            case(
                "sha-1",
                &data,
                signed(&rsa, &["--armor", "--digest-algo", "SHA1"]),
                ring(&[&rsa]),
                pin(&rsa),
                "violated:hash",
                "good",
            ),
        ]
    }

    /// gpgv's verdict on a case.
    pub fn gpgv(&self, case: &Case) -> &'static str {
        let dir = self.path("gpgv");
        std::fs::create_dir_all(&dir).unwrap();
        let (ring, sig, file) = (dir.join("ring.gpg"), dir.join("data.sig"), dir.join("data"));
        std::fs::write(&ring, &case.keyring).unwrap();
        std::fs::write(&sig, &case.signature).unwrap();
        std::fs::write(&file, &case.data).unwrap();
        let out = Command::new("gpgv")
            .env("GNUPGHOME", self.home.path().join("gpgv-home"))
            .args(["--status-fd", "1", "--keyring"])
            .arg(abs(&ring))
            .arg(&sig)
            .arg(&file)
            .output()
            .unwrap();
        let status = String::from_utf8_lossy(&out.stdout);
        let has = |tag: &str| status.lines().any(|l| l.starts_with(&format!("[GNUPG:] {tag} ")));
        if has("REVKEYSIG") {
            "revoked"
        } else if has("EXPKEYSIG") {
            "expired"
        } else if has("GOODSIG") {
            "good"
        } else if has("BADSIG") {
            "bad"
        } else if has("NO_PUBKEY") {
            "no_pubkey"
        } else {
            panic!("{}: gpgv said\n{status}\n{}", case.name, String::from_utf8_lossy(&out.stderr))
        }
    }
}

fn abs(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap()
}
