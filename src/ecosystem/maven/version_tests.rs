use std::cmp::Ordering;

use super::*;

/// Asserts that each version is lower than every later one, both ways round.
fn assert_ascending(versions: &[&str]) {
    for (i, low) in versions.iter().enumerate() {
        for high in &versions[i + 1..] {
            assert_eq!(compare(low, high), Ordering::Less, "expected {low} < {high}");
            assert_eq!(compare(high, low), Ordering::Greater, "expected {high} > {low}");
        }
    }
}

fn assert_equal(a: &str, b: &str) {
    assert_eq!(compare(a, b), Ordering::Equal, "expected {a} = {b}");
    assert_eq!(compare(b, a), Ordering::Equal, "expected {b} = {a}");
    assert_eq!(MavenVersion::parse(a), MavenVersion::parse(b));
}

#[test]
fn qualifier_ladder() {
    // The order of the well-known qualifiers, padding against a bare number.
    assert_ascending(&["1-alpha", "1-beta", "1-milestone", "1-rc", "1-SNAPSHOT", "1", "1-sp", "1.1"]);
    for (a, b) in [("1-rc", "1-cr"), ("1", "1.0"), ("1", "1-ga"), ("1", "1-final"), ("1", "1-release"), ("1.0", "1-GA")]
    {
        assert_equal(a, b);
    }
    // Known qualifiers before unknown ones, unknown ones lexically: 1.0.0-foo is after 1.0.0.
    assert_ascending(&["1.0.0-rc1", "1.0.0", "1.0.0-sp", "1.0.0-bar", "1.0.0-foo", "1.0.0-1", "1.0.1"]);
    // `a`, `b`, `m` stand for alpha, beta, milestone only when a digit follows.
    assert_equal("1.0-alpha1", "1.0-alpha-1");
    assert_equal("1-a1", "1-alpha-1");
    assert_equal("1b2", "1-beta-2");
    assert_equal("1m3", "1-MILESTONE-3");
    assert_ascending(&["1-alpha", "1-a1", "1-beta", "1-b1", "1-milestone", "1-m1", "1-rc", "1-snapshot", "1", "1-sp"]);
    assert_ascending(&["1", "1-a", "1-b", "1-m"]);
}

#[test]
fn specification_examples() {
    // "End Result Examples" of the Version Order Specification.
    assert_ascending(&["1", "1.1"]);
    assert_ascending(&["1-snapshot", "1", "1-sp"]);
    assert_ascending(&["1-foo2", "1-foo10"]);
    assert_equal("1.foo", "1-foo");
    assert_ascending(&["1-foo", "1-1", "1.1"]);
    for v in ["1.ga", "1-ga", "1-0", "1.0", "1"] {
        assert_equal(v, "1");
    }
    assert_ascending(&["1-ga", "1-sp"]);
    assert_ascending(&["1-ga.1", "1-sp.1"]);
    assert_ascending(&["1-sp-1", "1-ga-1"]);
    assert_equal("1-ga-1", "1-1");
    assert_equal("1.0-alpha1", "1.0-ALPHA1");
    assert_ascending(&["1.K", "1.7"]);
    assert_ascending(&["5.aardvark", "5.zebra"]);
    assert_ascending(&["1.b", "1.\u{3b1}"]);
    // Trimming examples.
    for (v, same) in
        [("1.0.0", "1"), ("1.final", "1"), ("1.", "1"), ("1-", "1"), ("1.0.0-foo.0.0", "1-foo"), ("1.0.0-0.0.0", "1")]
    {
        assert_equal(v, same);
    }
    // Splitting example: 1-1.foo-bar1baz-.1 -> 1-1.foo-bar-1-baz-0.1
    assert_equal("1-1.foo-bar1baz-.1", "1-1.foo-bar-1-baz-0.1");
}

#[test]
fn maven_orderings() {
    // The qualifier and number ladders Maven's own comparator is known to follow.
    assert_ascending(&[
        "1-alpha2snapshot",
        "1-alpha2",
        "1-alpha-123",
        "1-beta-2",
        "1-beta123",
        "1-m2",
        "1-m11",
        "1-rc",
        "1-cr2",
        "1-rc123",
        "1-SNAPSHOT",
        "1",
        "1-sp",
        "1-sp2",
        "1-sp123",
        "1-abc",
        "1-def",
        "1-pom-1",
        "1-1-snapshot",
        "1-1",
        "1-2",
        "1-123",
    ]);
    assert_ascending(&[
        "2.0", "2.0.a", "2-1", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1", "2.1.0.1", "2.2",
        "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11", "11", "11.a", "11b", "11c", "11m",
    ]);
    assert_ascending(&["1", "1.5", "2", "2.5"]);
    assert_ascending(&["1.0", "1.0.1", "1.1", "1.2", "1.2.0.1"]);
    assert_ascending(&["1.0-alpha-1", "1.0-alpha-2", "1.0-beta-1", "1.0-SNAPSHOT", "1.0", "1.0-1", "1.0-2"]);
    assert_ascending(&["1.0-alpha-1-SNAPSHOT", "1.0-alpha-1"]);
    assert_ascending(&["2.0-1", "2.0.1", "2.0.1-klm", "2.0.1-lmn", "2.0.1-xyz", "2.0.1-123"]);
    assert_ascending(&["0.2", "0.7", "1.0.7", "2"]);
    assert_ascending(&["6.1.0rc3", "6.1.0", "6.1H.5-beta"]);
    assert_ascending(&["1-0.alpha", "1-0.beta", "1"]);
    for x in ["abc", "alpha", "a", "beta", "b", "def", "milestone", "m", "RC"] {
        assert_ascending(&[&format!("1.0.0.{x}1"), &format!("1.0.0-{x}2")]);
        assert_equal(&format!("2-{x}"), &format!("2.0.{x}"));
        assert_equal(&format!("2-{x}"), &format!("2.0.0.{x}"));
    }
    // A transition between digits and letters is a hyphen.
    for (a, b) in [
        ("1a", "1-a"),
        ("1a", "1.0-a"),
        ("1.0a", "1-a"),
        ("1.0.0x", "1-x"),
        ("1x", "1.x"),
        ("1cr", "1rc"),
        ("1ga", "1"),
        ("1RELEASE", "1"),
        ("1FinaL", "1"),
    ] {
        assert_equal(a, b);
    }
    // Real-world shapes.
    assert_ascending(&["31.1-android", "31.1-jre", "33.0.0-jre", "33.2.1-android", "33.2.1-jre"]);
    assert_ascending(&["4.1.100.Final", "4.1.112.Final", "4.2.0.Alpha1", "4.2.0.Beta1", "4.2.0.CR1", "4.2.0.Final"]);
    assert_ascending(&["2.0.0-M1", "2.0.0-RC1", "2.0.0", "2.0.0.SP1"]);
    assert_equal("4.1.112.Final", "4.1.112");
}

#[test]
fn specification_over_maven_4() {
    // The specification trims `final` before a hyphen; Maven 4 keeps it (MNG-7714).
    assert_equal("1.0.final-redhat", "1-redhat");
    assert_ascending(&["1.0-sp1-redhat", "1.0.final-redhat"]);
    // `_` is a letter, not a separator.
    assert_ascending(&["1", "1_0"]);
    assert_ascending(&["1.8.0_292", "1.8.0_302"]);
}

#[test]
fn numbers_of_any_size() {
    assert_ascending(&[
        "20190126.230843",
        "1234567890.12345",
        "123456789012345.1H.5-beta",
        "12345678901234567890.1H.5-beta",
        "99999999999999999999999999999999999999999",
        "100000000000000000000000000000000000000000",
    ]);
    assert_ascending(&["1.99999999999999999999998", "1.99999999999999999999999", "1.100000000000000000000000"]);
    assert_equal("1.00000000000000000000000000001", "1.1");
    for v in ["0000000000000000001", "000000001", "01", "1.0", "1.000000000000000000000000"] {
        assert_equal(v, "1");
    }
    for v in ["0000000000000000000", "00", "0.0.0", "", "0-0", ".", "-", "ga"] {
        assert_equal(v, "0");
    }
}

#[test]
fn letters_and_odd_input() {
    // Numbers beat letters, non-ASCII digits are letters, case folds.
    assert_ascending(&["J", "7"]);
    assert_ascending(&["c", "7"]);
    assert_ascending(&["\u{668}", "1"]);
    assert_ascending(&["\u{e9}", "1"]);
    assert_ascending(&["aardvark", "zebra", "\u{3b6}\u{3ad}\u{3b2}\u{3c1}\u{3b1}"]);
    assert_equal("1.\u{e9}", "1.\u{c9}");
    assert_equal("1-abcdefghijklmnopqrstuvwxyz", "1-ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    assert_ascending(&["", "1"]);
    assert_ascending(&["-1", "1"]);
    assert_equal("1..2", "1.0.2");
    assert_equal("1--2", "1-2");
}

#[test]
fn snapshots() {
    assert!(MavenVersion::parse("1.0-SNAPSHOT").is_snapshot());
    assert!(MavenVersion::parse("1.0-snapshot").is_snapshot());
    assert!(MavenVersion::parse("-SNAPSHOT").is_snapshot());
    assert!(!MavenVersion::parse("1.0").is_snapshot());
    assert!(!MavenVersion::parse("1.0.SNAPSHOT").is_snapshot());
    assert!(!MavenVersion::parse("SNAPSHOT").is_snapshot());
    assert!(!MavenVersion::parse("\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}").is_snapshot());
    assert!(!MavenVersion::parse("").is_snapshot());
    let v = MavenVersion::parse("1.0-SNAPSHOT");
    assert_eq!(v.as_str(), "1.0-SNAPSHOT");
    assert_eq!(v.to_string(), "1.0-SNAPSHOT");
}

#[test]
fn deep_and_long_input_does_not_overflow() {
    let deep = "1-".repeat(200_000);
    let deeper = format!("{deep}2");
    assert_eq!(compare(&deep, &deeper), Ordering::Less);
    assert_eq!(compare(&deep, "1"), Ordering::Greater);
    assert_equal(&"0-".repeat(200_000), "");
    let long_number = "9".repeat(100_000);
    assert_eq!(compare(&long_number, "1"), Ordering::Greater);
}

/// A small deterministic generator (no dependency): strings over an alphabet that hits every
/// branch of the tokenizer and the trimming.
fn generated(count: usize) -> Vec<String> {
    const PIECES: [&str; 18] =
        ["0", "1", "2", "10", ".", "-", "a", "b", "m", "sp", "ga", "rc", "snapshot", "x", "final", "\u{e9}", "_", "Z"];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let len = (state >> 60) as usize;
        let mut s = String::new();
        for _ in 0..len {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            s.push_str(PIECES[(state >> 33) as usize % PIECES.len()]);
        }
        out.push(s);
    }
    out
}

#[test]
fn total_order() {
    // Antisymmetry and transitivity over a mix of hand-picked and generated versions: sorting
    // must give a sequence where every earlier element is <= every later one.
    let mut corpus: Vec<String> = [
        "1",
        "1.0",
        "1-0.1",
        "1.0.1",
        "1-1",
        "1.1",
        "1-ga.1",
        "1-ga-1",
        "1-sp-1",
        "1-sp",
        "1-foo",
        "1.foo",
        "1-0-2",
        "1-2",
        "1-snapshot",
        "1-alpha",
        "1-a1",
        "-1",
        "",
        "0",
        "1-0.alpha",
        "2.0.a",
        "2-1",
        "1-ga",
        "1.0-0",
    ]
    .iter()
    .map(|s| (*s).to_string())
    .collect();
    corpus.extend(generated(400));
    let mut versions: Vec<MavenVersion> = corpus.iter().map(|s| MavenVersion::parse(s)).collect();
    versions.sort();
    for (i, a) in versions.iter().enumerate() {
        assert_eq!(a.cmp(a), Ordering::Equal, "{a} = itself");
        for b in &versions[i + 1..] {
            assert_ne!(a.cmp(b), Ordering::Greater, "{a} sorted before {b}");
            assert_eq!(a.cmp(b), b.cmp(a).reverse(), "{a} vs {b} both ways");
        }
    }
}
