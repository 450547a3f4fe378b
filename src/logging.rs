//! What the log on stderr shows: the `tracing` filter made of `-v` and `DEPGATE_LOG`.
//!
//! Levels, by what a user asks for:
//! - default: `info` — what the run did and found;
//! - `-v`: `debug` — one line per package (upstream, tier, decision), target
//!   `depgate::resolve`, and other details of depgate's own;
//! - `-vv`: also one line per HTTP request (method, URL without credentials, status,
//!   elapsed), target `depgate::http`;
//! - `-vvv`: depgate's `trace`.
//!
//! The HTTP, TLS and runtime libraries under depgate log their internals at `debug` and
//! `trace` (an HTTP/2 run logs tens of thousands of frame and window lines): they are
//! shown only when asked for by target (`DEPGATE_LOG=h2=trace`), never by a bare level.
//!
//! Must not: install the subscriber (`main.rs` does) or read the environment.

static JSON: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Note that the log is JSON (`--log-format json`; `main.rs` says so once at start), so
/// that what commands say on stderr goes through the log as events, not as plain lines.
pub fn set_json(json: bool) {
    JSON.store(json, std::sync::atomic::Ordering::Relaxed);
}

/// Whether the log is JSON.
pub fn json() -> bool {
    JSON.load(std::sync::atomic::Ordering::Relaxed)
}

/// Say `text` on stderr: as is, or, when the log is JSON, as one info event per line.
pub fn say(text: &str) {
    if json() {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            tracing::info!("{line}");
        }
    } else {
        eprintln!("{}", text.trim_end_matches('\n'));
    }
}

/// Library targets that log transport and runtime internals, held at `warn` unless a
/// `DEPGATE_LOG` directive names them.
pub const INTERNAL_TARGETS: [&str; 12] = [
    "h2",
    "hyper",
    "hyper_util",
    "reqwest",
    "rustls",
    "tokio",
    "tokio_util",
    "runtime",
    "mio",
    "want",
    "tower",
    "tower_http",
];

/// The filter directives for `-v` × `verbose` and `DEPGATE_LOG` (`env`, when set and not
/// blank). The environment replaces the flags; either way the internal targets stay at
/// `warn` unless named.
pub fn directives(verbose: u8, env: Option<&str>) -> String {
    let base = match env.map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => e.to_string(),
        None => match verbose {
            0 => "depgate=info".to_string(),
            1 => "depgate=debug,depgate::http=info".to_string(),
            2 => "depgate=debug".to_string(),
            _ => "depgate=trace".to_string(),
        },
    };
    let named: Vec<&str> = base
        .split(',')
        .filter_map(|d| {
            // `target[span{field}]=level`: the target is what comes before `[` or `=`.
            let target = d.trim().split(['=', '[']).next().unwrap_or_default();
            target.contains(|c: char| c.is_ascii_alphabetic()).then_some(target)
        })
        .collect();
    let mut out = base.clone();
    for t in INTERNAL_TARGETS {
        // Naming a target or one of its parents (`hyper` for `hyper::proto`) shows it.
        let asked =
            named.iter().any(|n| n == &t || t.starts_with(&format!("{n}::")) || n.starts_with(&format!("{t}::")));
        if !asked {
            out.push(',');
            out.push_str(t);
            out.push_str("=warn");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_raise_depgates_level_only() {
        assert!(directives(0, None).starts_with("depgate=info,h2=warn,"));
        assert!(directives(1, None).starts_with("depgate=debug,depgate::http=info,h2=warn"));
        assert!(directives(2, None).starts_with("depgate=debug,h2=warn"));
        assert!(directives(5, None).starts_with("depgate=trace,"));
        assert!(directives(0, Some("  ")).starts_with("depgate=info,"), "blank means unset");
    }

    #[test]
    fn a_bare_level_leaves_internals_at_warn_and_a_named_target_is_shown() {
        let all = directives(0, Some("trace"));
        assert!(all.starts_with("trace,") && all.contains(",h2=warn") && all.contains(",rustls=warn"), "{all}");
        let h2 = directives(0, Some("debug,h2=trace"));
        assert!(!h2.contains("h2=warn") && h2.contains("hyper=warn"), "{h2}");
        let span = directives(0, Some("hyper_util[conn]=trace"));
        assert!(!span.contains("hyper_util=warn") && span.contains(",hyper=warn"), "{span}");
        let child = directives(0, Some("hyper::proto=trace"));
        assert!(!child.contains(",hyper=warn"), "{child}");
        // Every directive made parses.
        for d in [all, h2, span, child, directives(3, None)] {
            assert!(tracing_subscriber::EnvFilter::try_new(&d).is_ok(), "{d}");
        }
    }
}
