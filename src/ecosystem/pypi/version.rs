//! PEP 440 versions: parsing every spelling the PEP accepts, the normal form, and the order.
//!
//! Owns: [`Version`] (parse, `Display` as the normal form, `Ord` as PEP 440 orders
//! releases). Must not: know about specifiers (`>=1.0`), markers or any file format;
//! callers that hold a specifier take the version out first.
//!
//! Spellings accepted (PEP 440 "Normalization"): case-insensitive; surrounding
//! whitespace; a leading `v`; `alpha`/`beta`/`c`/`pre`/`preview` for `a`/`b`/`rc`;
//! `rev`/`r` for `post`; `-`, `_` or `.` (or nothing) before and after a pre/post/dev
//! label; a missing number after a label means 0; `1.0-1` is an implicit post-release;
//! local segments separated by `-`, `_` or `.`; leading zeros in numbers.

use std::cmp::Ordering;
use std::fmt;

/// A pre-release phase, in PEP 440 order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PreKind {
    /// `a`, `alpha`.
    Alpha,
    /// `b`, `beta`.
    Beta,
    /// `rc`, `c`, `pre`, `preview`.
    Rc,
}

impl PreKind {
    fn as_str(self) -> &'static str {
        match self {
            PreKind::Alpha => "a",
            PreKind::Beta => "b",
            PreKind::Rc => "rc",
        }
    }
}

/// One segment of a local version label (`+ubuntu.1` → `ubuntu`, `1`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LocalSegment {
    /// All digits (compared numerically).
    Number(u64),
    /// Anything else, lowercase.
    Text(String),
}

impl Ord for LocalSegment {
    /// Numeric segments sort after alphanumeric ones; numbers numerically, text
    /// lexicographically (PEP 440, "Local version identifiers").
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (LocalSegment::Number(a), LocalSegment::Number(b)) => a.cmp(b),
            (LocalSegment::Text(a), LocalSegment::Text(b)) => a.cmp(b),
            (LocalSegment::Number(_), LocalSegment::Text(_)) => Ordering::Greater,
            (LocalSegment::Text(_), LocalSegment::Number(_)) => Ordering::Less,
        }
    }
}

impl PartialOrd for LocalSegment {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for LocalSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocalSegment::Number(n) => write!(f, "{n}"),
            LocalSegment::Text(s) => f.write_str(s),
        }
    }
}

/// A PEP 440 version.
///
/// Equality and order follow PEP 440, so `1.0 == 1.0.0` although the two display
/// differently (the normal form keeps the release segments as written).
#[derive(Debug, Clone)]
pub struct Version {
    /// `N!` (0 when absent).
    pub epoch: u64,
    /// The release segments as written (`1.0` → `[1, 0]`).
    pub release: Vec<u64>,
    /// `aN`, `bN`, `rcN`.
    pub pre: Option<(PreKind, u64)>,
    /// `.postN` (or `-N`).
    pub post: Option<u64>,
    /// `.devN`.
    pub dev: Option<u64>,
    /// The local label after `+`, split into segments.
    pub local: Vec<LocalSegment>,
}

impl Version {
    /// Parses any PEP 440 spelling of a version.
    pub fn parse(s: &str) -> Result<Self, String> {
        let lower = s.trim().to_ascii_lowercase();
        let mut p = Cursor { s: lower.as_bytes(), i: 0 };
        let bad = |why: &str| format!("`{s}` is not a PEP 440 version: {why}");
        if p.s.is_empty() {
            return Err(bad("it is empty"));
        }
        p.eat(b"v");
        // Epoch: digits followed by `!`.
        let start = p.i;
        let mut epoch = 0;
        if let Some(n) = p.number() {
            if p.eat(b"!") {
                epoch = n.map_err(|()| bad("the epoch is too large"))?;
            } else {
                p.i = start;
            }
        }
        let mut release = Vec::new();
        loop {
            match p.number() {
                Some(Ok(n)) => release.push(n),
                Some(Err(())) => return Err(bad("a release number is too large")),
                None => return Err(bad("the release segment must start with a number")),
            }
            let save = p.i;
            if p.eat(b".") && p.peek().is_some_and(|c| c.is_ascii_digit()) {
                continue;
            }
            p.i = save;
            break;
        }
        let pre = p.labelled(&[
            ("alpha", PreKind::Alpha),
            ("beta", PreKind::Beta),
            ("preview", PreKind::Rc),
            ("pre", PreKind::Rc),
            ("rc", PreKind::Rc),
            ("a", PreKind::Alpha),
            ("b", PreKind::Beta),
            ("c", PreKind::Rc),
        ]);
        let pre = match pre {
            Some((kind, n)) => Some((kind, n.map_err(|()| bad("the pre-release number is too large"))?)),
            None => None,
        };
        // Post: `-N` (implicit) or an optional separator, `post`/`rev`/`r`, a number.
        let save = p.i;
        let mut post = None;
        if p.eat(b"-")
            && let Some(n) = p.number()
        {
            post = Some(n.map_err(|()| bad("the post-release number is too large"))?);
        } else {
            p.i = save;
            if let Some(((), n)) = p.labelled(&[("post", ()), ("rev", ()), ("r", ())]) {
                post = Some(n.map_err(|()| bad("the post-release number is too large"))?);
            }
        }
        let dev = match p.labelled(&[("dev", ())]) {
            Some(((), n)) => Some(n.map_err(|()| bad("the dev-release number is too large"))?),
            None => None,
        };
        let mut local = Vec::new();
        if p.eat(b"+") {
            loop {
                let from = p.i;
                while p.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
                    p.i += 1;
                }
                let seg = lower.get(from..p.i).unwrap_or_default();
                if seg.is_empty() {
                    return Err(bad("a local version segment is empty"));
                }
                local.push(if seg.bytes().all(|c| c.is_ascii_digit()) {
                    seg.parse().map_or_else(|_| LocalSegment::Text(seg.to_string()), LocalSegment::Number)
                } else {
                    LocalSegment::Text(seg.to_string())
                });
                if !(p.eat(b".") || p.eat(b"-") || p.eat(b"_")) {
                    break;
                }
            }
        }
        if p.i != p.s.len() {
            let rest = lower.get(p.i..).unwrap_or_default();
            return Err(bad(&format!("unexpected `{rest}`")));
        }
        Ok(Self { epoch, release, pre, post, dev, local })
    }

    /// A pre-release or a development release (PEP 440 treats both as pre-releases).
    pub fn is_prerelease(&self) -> bool {
        self.pre.is_some() || self.dev.is_some()
    }

    /// The version without its local label (`1.0+abc` → `1.0`).
    #[must_use]
    pub fn public(&self) -> Self {
        Self { local: Vec::new(), ..self.clone() }
    }

    /// The release without trailing zeros, for comparison (`1.0.0` and `1` are equal).
    fn release_key(&self) -> &[u64] {
        let end = self.release.iter().rposition(|n| *n != 0).map_or(0, |i| i + 1);
        &self.release[..end]
    }
}

/// Where a phase sorts relative to its absence: PEP 440's `-∞`/`+∞` sentinels.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Phase<T> {
    Lowest,
    Value(T),
    Highest,
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        fn pre_key(v: &Version) -> Phase<(PreKind, u64)> {
            match v.pre {
                // `1.0.dev0` sorts before `1.0a0`: a dev release of a final release
                // comes before all of its pre-releases.
                None if v.post.is_none() && v.dev.is_some() => Phase::Lowest,
                None => Phase::Highest,
                Some(p) => Phase::Value(p),
            }
        }
        fn post_key(v: &Version) -> Phase<u64> {
            v.post.map_or(Phase::Lowest, Phase::Value)
        }
        fn dev_key(v: &Version) -> Phase<u64> {
            v.dev.map_or(Phase::Highest, Phase::Value)
        }
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| self.release_key().cmp(other.release_key()))
            .then_with(|| pre_key(self).cmp(&pre_key(other)))
            .then_with(|| post_key(self).cmp(&post_key(other)))
            .then_with(|| dev_key(self).cmp(&dev_key(other)))
            // No local label sorts before any; segments compare pairwise, a shorter label
            // that is a prefix of a longer one sorts first (slice order does exactly that).
            .then_with(|| self.local.cmp(&other.local))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl std::str::FromStr for Version {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::parse(s)
    }
}

impl fmt::Display for Version {
    /// The PEP 440 normal form: `1!2.0rc1.post2.dev3+local.7`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.epoch != 0 {
            write!(f, "{}!", self.epoch)?;
        }
        for (i, n) in self.release.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{n}")?;
        }
        if let Some((kind, n)) = self.pre {
            write!(f, "{}{n}", kind.as_str())?;
        }
        if let Some(n) = self.post {
            write!(f, ".post{n}")?;
        }
        if let Some(n) = self.dev {
            write!(f, ".dev{n}")?;
        }
        for (i, seg) in self.local.iter().enumerate() {
            f.write_str(if i == 0 { "+" } else { "." })?;
            write!(f, "{seg}")?;
        }
        Ok(())
    }
}

/// A byte cursor over the lowercased input.
struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, lit: &[u8]) -> bool {
        if self.s.get(self.i..).is_some_and(|r| r.starts_with(lit)) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn eat_sep(&mut self) -> bool {
        self.eat(b".") || self.eat(b"-") || self.eat(b"_")
    }

    /// Decimal digits: `None` when there are none, `Some(Err)` when they overflow.
    fn number(&mut self) -> Option<Result<u64, ()>> {
        let from = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        if from == self.i {
            return None;
        }
        let digits = std::str::from_utf8(self.s.get(from..self.i)?).ok()?;
        Some(digits.parse::<u64>().map_err(|_| ()))
    }

    /// `[sep] label [sep] [number]`: the label's value and its number (0 when absent).
    /// Labels are tried in the order given, so longer spellings must come first. Leaves
    /// the cursor untouched when no label matches.
    fn labelled<T: Copy>(&mut self, labels: &[(&str, T)]) -> Option<(T, Result<u64, ()>)> {
        let start = self.i;
        self.eat_sep();
        let Some(value) = labels.iter().find_map(|(l, v)| self.eat(l.as_bytes()).then_some(*v)) else {
            self.i = start;
            return None;
        };
        let after_label = self.i;
        self.eat_sep();
        if let Some(n) = self.number() {
            Some((value, n))
        } else {
            // A separator with no number after it belongs to what follows.
            self.i = after_label;
            Some((value, Ok(0)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    fn norm(s: &str) -> String {
        v(s).to_string()
    }

    #[test]
    fn normal_forms_from_the_pep() {
        let cases = [
            // Case sensitivity, leading v, whitespace.
            ("1.1RC1", "1.1rc1"),
            ("v1.0", "1.0"),
            ("V1.0", "1.0"),
            ("  1.0\n", "1.0"),
            // Integer normalization.
            ("00", "0"),
            ("09000", "9000"),
            ("1.0+foo0100", "1.0+foo0100"),
            ("1.0+0100", "1.0+100"),
            // Pre-release separators and spellings.
            ("1.1.a1", "1.1a1"),
            ("1.1-a1", "1.1a1"),
            ("1.1_a1", "1.1a1"),
            ("1.0a.1", "1.0a1"),
            ("1.0a-1", "1.0a1"),
            ("1.1alpha1", "1.1a1"),
            ("1.1beta2", "1.1b2"),
            ("1.1c3", "1.1rc3"),
            ("1.1pre4", "1.1rc4"),
            ("1.1preview5", "1.1rc5"),
            ("1.2a", "1.2a0"),
            // Post-release.
            ("1.2-post2", "1.2.post2"),
            ("1.2post2", "1.2.post2"),
            ("1.2_post2", "1.2.post2"),
            ("1.2.post-2", "1.2.post2"),
            ("1.0-r4", "1.0.post4"),
            ("1.0-rev4", "1.0.post4"),
            ("1.2.post", "1.2.post0"),
            ("1.0-1", "1.0.post1"),
            // Dev.
            ("1.2-dev2", "1.2.dev2"),
            ("1.2dev2", "1.2.dev2"),
            ("1.2.dev", "1.2.dev0"),
            ("1.2_dev_2", "1.2.dev2"),
            // Local.
            ("1.0+ubuntu-1", "1.0+ubuntu.1"),
            ("1.0+Ubuntu_1", "1.0+ubuntu.1"),
            // Everything.
            ("1!2.0.0RC1-r2-dev3+Local.7", "1!2.0.0rc1.post2.dev3+local.7"),
            ("2012.10", "2012.10"),
        ];
        for (input, want) in cases {
            assert_eq!(norm(input), want, "{input}");
        }
    }

    #[test]
    fn invalid_versions() {
        for bad in [
            "",
            "   ",
            "1.0.",
            ".1",
            "a1",
            "1.0+",
            "1.0+a..b",
            "1.0-",
            "1.0 beta",
            "french toast",
            "1.0a1b2",
            "1.0++1",
            "1!",
            "1.0.dev1.post1",
            "٣",
        ] {
            assert!(Version::parse(bad).is_err(), "{bad:?} should not parse");
        }
        // Overflow is an error, not a panic.
        assert!(Version::parse("99999999999999999999999").is_err());
    }

    #[test]
    fn order_from_the_pep() {
        // PEP 440's example of every kind of release in order.
        let ordered = [
            "1.dev0",
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
            "1!0.1",
        ];
        for w in ordered.windows(2) {
            assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
            assert!(v(w[1]) > v(w[0]));
        }
    }

    #[test]
    fn equality_ignores_trailing_zeros_and_spelling() {
        assert_eq!(v("1.0"), v("1.0.0"));
        assert_eq!(v("1"), v("1.0.0.0"));
        assert_eq!(v("1.0RC1"), v("1.0c1"));
        assert_ne!(v("1.0"), v("1.0+local"));
        assert!(v("1.0+1") > v("1.0+a"));
        assert!(v("1.0+a.1") > v("1.0+a"));
    }

    #[test]
    fn prerelease_flags() {
        assert!(v("1.0a1").is_prerelease());
        assert!(v("1.0.dev1").is_prerelease());
        assert!(v("1.0rc1.post1").is_prerelease());
        assert!(!v("1.0.post1").is_prerelease());
        assert!(!v("1.0+local").is_prerelease());
        assert_eq!(v("1.0+local").public().to_string(), "1.0");
    }
}
