//! Maven version order: how Maven (`ComparableVersion`) sorts version strings, written from
//! the POM reference's "Version Order Specification"
//! (<https://maven.apache.org/pom.html#Version_Order_Specification>).
//!
//! The rules, as implemented:
//! - The version is lower-cased and split into tokens at `.`, at `-` and at every transition
//!   between ASCII digits and anything else; a transition counts as a `-`. Each token keeps
//!   the separator before it (the first one counts as `.`). Empty tokens (`1..2`, `1-`) are
//!   `0`. Only ASCII digits make numbers: `٨` or `²` are letters. `_` is an ordinary letter
//!   (the specification's text lists it as a separator, but Maven's own comparator does
//!   not split on it; we follow the comparator).
//! - Numbers are compared by value, however long (digit strings, never parsed into an
//!   integer type). Leading zeros do not count: `01` = `1`.
//! - Qualifiers (non-numeric tokens) are compared as `alpha` < `beta` < `milestone` <
//!   `rc` = `cr` < `snapshot` < `""` = `ga` = `final` = `release` < `sp` < any other
//!   qualifier, others in lexical (code point) order of their lower-case form. `a`, `b` and
//!   `m` mean `alpha`, `beta` and `milestone` when a digit follows them directly (`1-a1` =
//!   `1-alpha-1`, but `1-a` is the unknown qualifier `a`).
//! - A qualifier counts as `-qualifier` whatever its separator (`1.foo` = `1-foo`, and so
//!   `1.0.0.RC1` < `1.0.0-RC2`). A token's separator ranks it against a token of another
//!   kind: qualifier < `-number` < `.number` (`1-foo` < `1-1` < `1.1`).
//! - "Null" tokens (`0`, `""`, `ga`, `final`, `release`) are trimmed from the end, and then
//!   before every remaining `-` token, from the end to the start: `1.0.0` → `1`,
//!   `1.0.0-foo.0.0` → `1-foo`, `1-ga-1` → `1-1`.
//! - Two versions compare token by token; the shorter one is padded with nulls that take the
//!   other side's separator: `0` against a `.number` (so `1` = `1.0`), the empty qualifier
//!   against a qualifier or a `-number` (so `1-SNAPSHOT` < `1` < `1-sp` < `1-1`).
//!
//! Where the specification and Maven releases disagree, the specification wins: Maven 4's
//! comparator keeps `final`/`ga` before a hyphen (MNG-7714: `1.0.final-redhat` <
//! `1.0-sp1-redhat`), the specification trims them (`1-sp-1` < `1-ga-1`, and here
//! `1.0.final-redhat` = `1-redhat` > `1-sp-1-redhat`). Snapshots get no special treatment
//! in the order: `snapshot` is a qualifier like the others.
//!
//! Owns: parsing and ordering version strings. Must not: decide which versions a client
//! sees. Never panics, allocates at most a few times the input's size and never recurses,
//! whatever the input.

use std::cmp::Ordering;
use std::fmt;

/// A parsed Maven version, ordered as Maven orders them.
///
/// Equality is Maven's: `1`, `1.0` and `1-ga` are equal (they are different repository
/// folders all the same; compare [`MavenVersion::as_str`] to tell them apart).
#[derive(Debug, Clone)]
pub struct MavenVersion {
    original: String,
    tokens: Vec<Token>,
}

/// One token after aliasing, with its separator folded in. Numbers are ASCII digit strings
/// without leading zeros (`""` is zero).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A number after `.` (or the first token).
    DotNumber(String),
    /// A number after `-` or after letters.
    HyphenNumber(String),
    /// A qualifier, lower case, aliases resolved (`cr` → `rc`, `ga`/`final`/`release` → `""`,
    /// `a1` → `alpha`).
    Qualifier(String),
}

impl Token {
    /// The rank of a token's kind against a token of another kind:
    /// qualifier < `-number` < `.number`.
    fn kind(&self) -> u8 {
        match self {
            Token::Qualifier(_) => 0,
            Token::HyphenNumber(_) => 1,
            Token::DotNumber(_) => 2,
        }
    }

    /// Whether trimming removes this token: `0`, `""`, `ga`, `final`, `release`.
    fn is_null(&self) -> bool {
        match self {
            Token::DotNumber(n) | Token::HyphenNumber(n) | Token::Qualifier(n) => n.is_empty(),
        }
    }

    /// Whether this token starts a `-` part (trimming happens before it).
    fn is_hyphen(&self) -> bool {
        !matches!(self, Token::DotNumber(_))
    }

    fn cmp_token(&self, other: &Token) -> Ordering {
        match (self, other) {
            (Token::DotNumber(a), Token::DotNumber(b)) | (Token::HyphenNumber(a), Token::HyphenNumber(b)) => {
                cmp_digits(a, b)
            }
            (Token::Qualifier(a), Token::Qualifier(b)) => cmp_qualifiers(a, b),
            _ => self.kind().cmp(&other.kind()),
        }
    }

    /// How this token compares with the padding of a shorter version: `0` against a
    /// `.number`, the empty qualifier against a qualifier or a `-number`.
    fn cmp_padding(&self) -> Ordering {
        match self {
            Token::DotNumber(n) => cmp_digits(n, ""),
            Token::HyphenNumber(_) => Ordering::Greater,
            Token::Qualifier(q) => cmp_qualifiers(q, ""),
        }
    }
}

/// Compares two digit strings without leading zeros by value.
fn cmp_digits(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// The qualifiers with a place of their own, in order; every other qualifier comes after
/// them.
const KNOWN_QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

fn cmp_qualifiers(a: &str, b: &str) -> Ordering {
    let rank = |q: &str| KNOWN_QUALIFIERS.iter().position(|k| *k == q).unwrap_or(KNOWN_QUALIFIERS.len());
    // Two known qualifiers of the same rank are the same string, so the text decides only
    // between unknown ones.
    rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
}

impl MavenVersion {
    /// Parses a version string. Every string is a version (Maven orders anything); the empty
    /// string equals `0`.
    pub fn parse(s: &str) -> Self {
        MavenVersion { original: s.to_string(), tokens: trim(tokenize(s)) }
    }

    /// Whether the version ends with `-SNAPSHOT` (any case).
    pub fn is_snapshot(&self) -> bool {
        let b = self.original.as_bytes();
        b.len() >= 9 && b[b.len() - 9..].eq_ignore_ascii_case(b"-SNAPSHOT")
    }

    /// The string this version was parsed from.
    pub fn as_str(&self) -> &str {
        &self.original
    }
}

impl fmt::Display for MavenVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (&self.tokens, &other.tokens);
        for i in 0..a.len().max(b.len()) {
            let order = match (a.get(i), b.get(i)) {
                (Some(x), Some(y)) => x.cmp_token(y),
                (Some(x), None) => x.cmp_padding(),
                (None, Some(y)) => y.cmp_padding().reverse(),
                (None, None) => Ordering::Equal,
            };
            if order != Ordering::Equal {
                return order;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for MavenVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for MavenVersion {}

/// Compares two version strings in Maven's order.
pub fn compare(a: &str, b: &str) -> Ordering {
    MavenVersion::parse(a).cmp(&MavenVersion::parse(b))
}

/// Splits a version into tokens (see the module notes), before trimming.
fn tokenize(s: &str) -> Vec<Token> {
    let lower = s.to_lowercase();
    let mut tokens = Vec::new();
    // The separator before the token being read: `true` for `-` or a transition.
    let mut hyphen = false;
    let mut current = String::new();
    let mut digits = false;
    for c in lower.chars() {
        match c {
            '.' | '-' => {
                tokens.push(make_token(hyphen, &current, digits, false));
                current.clear();
                hyphen = c == '-';
            }
            _ => {
                let is_digit = c.is_ascii_digit();
                if !current.is_empty() && is_digit != digits {
                    tokens.push(make_token(hyphen, &current, digits, is_digit));
                    current.clear();
                    hyphen = true;
                }
                digits = is_digit;
                current.push(c);
            }
        }
    }
    if !current.is_empty() {
        tokens.push(make_token(hyphen, &current, digits, false));
    }
    tokens
}

/// One token from its text. `followed_by_digit`: a digit comes right after (`a1`).
fn make_token(hyphen: bool, text: &str, digits: bool, followed_by_digit: bool) -> Token {
    if text.is_empty() || digits {
        let number = text.trim_start_matches('0').to_string();
        return if hyphen { Token::HyphenNumber(number) } else { Token::DotNumber(number) };
    }
    let qualifier = match text {
        "a" if followed_by_digit => "alpha",
        "b" if followed_by_digit => "beta",
        "m" if followed_by_digit => "milestone",
        "cr" => "rc",
        "ga" | "final" | "release" => "",
        other => other,
    };
    Token::Qualifier(qualifier.to_string())
}

/// Removes null tokens at the end and before every `-` token, from the end to the start.
fn trim(tokens: Vec<Token>) -> Vec<Token> {
    let mut kept = Vec::with_capacity(tokens.len());
    // Whether the tokens seen so far (from the end) leave the next one at the end of a part.
    let mut at_boundary = true;
    for token in tokens.into_iter().rev() {
        if at_boundary && token.is_null() {
            continue;
        }
        at_boundary = token.is_hyphen();
        kept.push(token);
    }
    kept.reverse();
    kept
}

#[cfg(test)]
#[path = "version_tests.rs"]
mod tests;
