//! The units the tools write their release ages in, to seconds: plain numbers in a stated
//! unit (pnpm minutes, npm days, bun seconds, Dependabot days), yarn's `3d`, Renovate's
//! and uv's "7 days", ISO 8601 durations (`P7D`), and absolute cut-offs (uv
//! `exclude-newer`, pip `uploaded-prior-to`), which are a release age only relative to
//! `now`. Errors are sentences for people; the callers add the file and line.

use jiff::{Span, Timestamp, Unit, Zoned};

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// A release age that is a span, or one that is the distance from an absolute cut-off to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Age {
    /// A rolling minimum age.
    Span(i64),
    /// Nothing published after this time (Unix seconds); its age grows every day.
    Cutoff(i64),
}

impl Age {
    /// The minimum release age in seconds at `now` (never below zero: a cut-off in the
    /// future holds nothing back).
    pub fn seconds_at(self, now: i64) -> i64 {
        match self {
            Age::Span(s) => s.max(0),
            Age::Cutoff(t) => (now - t).max(0),
        }
    }
}

/// A non-negative whole or fractional number of `unit_seconds` units.
pub fn number(n: f64, unit_seconds: i64, unit: &str) -> Result<i64, String> {
    if !n.is_finite() || n < 0.0 {
        return Err(format!("must be a number of {unit} of zero or more"));
    }
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    let s = (n * unit_seconds as f64).round();
    if s > 1e15 {
        return Err(format!("{} {unit} is more than any release age", super::tree::format_number(n)));
    }
    #[allow(clippy::cast_possible_truncation)]
    Ok(s as i64)
}

/// A text that must be a plain number of `unit_seconds` units.
pub fn number_text(text: &str, unit_seconds: i64, unit: &str) -> Result<i64, String> {
    let n: f64 = text.trim().parse().map_err(|_| format!("`{text}` is not a number of {unit}"))?;
    number(n, unit_seconds, unit)
}

/// yarn's `npmMinimalAgeGate`: a number of minutes, or a number with a unit (`ms`, `s`,
/// `m`, `h`, `d`, `w`).
pub fn yarn(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let factor: f64 = match unit.trim() {
        "" | "m" => 60.0,
        "ms" => 0.001,
        "s" => 1.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        "w" => 604_800.0,
        u => {
            return Err(format!(
                "`{text}`: unknown unit `{u}` (yarn reads ms, s, m, h, d, w; a bare number is minutes)"
            ));
        }
    };
    let n: f64 = num.parse().map_err(|_| format!("`{text}` is not a duration (for example 3d or 4320)"))?;
    #[allow(clippy::cast_possible_truncation)]
    number(n * factor, 1, "seconds").map_err(|_| format!("`{text}` is not a duration of zero or more"))
}

fn utc(now: i64) -> Result<Zoned, String> {
    Timestamp::from_second(now).map(|t| t.to_zoned(jiff::tz::TimeZone::UTC)).map_err(|e| format!("the time now: {e}"))
}

/// A relative duration as uv, Renovate and pip write them: "7 days", "1 week", "12h",
/// `P7D`, `PT12H`. Calendar units (months, years) count from `now`.
pub fn span(text: &str, now: i64) -> Result<i64, String> {
    let t = text.trim();
    let sp: Span = t.parse().map_err(|_| format!("`{text}` is not a duration (for example \"7 days\" or P7D)"))?;
    if sp.is_negative() {
        return Err(format!("`{text}` is a negative duration"));
    }
    let total = sp.total((Unit::Second, &utc(now)?)).map_err(|e| format!("`{text}`: {e}"))?;
    number(total, 1, "seconds")
}

/// An absolute cut-off: an RFC 3339 time (`2025-10-01T00:00:00Z`) or a date (`2025-10-01`,
/// the whole day included, as uv reads it). A time without an offset is read as UTC
/// (`naive` says so).
pub fn cutoff(text: &str) -> Result<(i64, bool), String> {
    let t = text.trim();
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok((ts.as_second(), false));
    }
    if let Ok(d) = t.parse::<jiff::civil::Date>()
        && t.len() == 10
    {
        let end = d.tomorrow().map_err(|e| format!("`{text}`: {e}"))?;
        let z = end.to_zoned(jiff::tz::TimeZone::UTC).map_err(|e| format!("`{text}`: {e}"))?;
        return Ok((z.timestamp().as_second(), false));
    }
    if let Ok(dt) = t.parse::<jiff::civil::DateTime>() {
        let z = dt.to_zoned(jiff::tz::TimeZone::UTC).map_err(|e| format!("`{text}`: {e}"))?;
        return Ok((z.timestamp().as_second(), true));
    }
    Err(format!("`{text}` is neither a date, a time (RFC 3339) nor a duration"))
}

/// A value that may be a duration or an absolute cut-off (uv `exclude-newer`, pip
/// `uploaded-prior-to`). Returns the age and whether a time had no offset.
pub fn span_or_cutoff(text: &str, now: i64) -> Result<(Age, bool), String> {
    if let Ok(s) = span(text, now) {
        return Ok((Age::Span(s), false));
    }
    match cutoff(text) {
        Ok((t, naive)) => Ok((Age::Cutoff(t), naive)),
        Err(_) => Err(format!(
            "`{text}` is neither a duration (\"7 days\", P7D) nor a date or RFC 3339 time (2025-10-01, 2025-10-01T00:00:00Z)"
        )),
    }
}

/// Seconds as people read a release age: `7 days`, `1.5 days`, `12 hours`, `30 minutes`.
pub fn human(seconds: i64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let days = seconds as f64 / DAY as f64;
    if seconds == 0 {
        "0 days".into()
    } else if seconds % DAY == 0 {
        format!("{} day{}", seconds / DAY, if seconds == DAY { "" } else { "s" })
    } else if seconds >= DAY {
        format!("{days:.2} days")
    } else if seconds % 3600 == 0 {
        format!("{} hour{}", seconds / 3600, if seconds == 3600 { "" } else { "s" })
    } else if seconds % 60 == 0 {
        format!("{} minutes", seconds / 60)
    } else {
        format!("{seconds} seconds")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_780_000_000; // 2026-05-28T20:26:40Z

    #[test]
    fn yarn_durations() {
        assert_eq!(yarn("4320"), Ok(4320 * 60));
        assert_eq!(yarn("3d"), Ok(3 * DAY));
        assert_eq!(yarn("12h"), Ok(12 * 3600));
        assert_eq!(yarn("1w"), Ok(7 * DAY));
        assert_eq!(yarn("0"), Ok(0));
        assert!(yarn("3 fortnights").unwrap_err().contains("unknown unit"));
        assert!(yarn("-1d").is_err());
        assert!(yarn("d").is_err());
    }

    #[test]
    fn spans_and_cutoffs() {
        assert_eq!(span("7 days", NOW), Ok(7 * DAY));
        assert_eq!(span("1 week", NOW), Ok(7 * DAY));
        assert_eq!(span("P7D", NOW), Ok(7 * DAY));
        assert_eq!(span("PT36H", NOW), Ok(36 * 3600));
        assert_eq!(span("3 days 12 hours", NOW), Ok(3 * DAY + 12 * 3600));
        // A month counts from now (May 28 → June 28: 31 days).
        assert_eq!(span("1 month", NOW), Ok(31 * DAY));
        assert!(span("seven days", NOW).is_err());
        assert!(span("-P7D", NOW).unwrap_err().contains("negative"));
        let (t, naive) = cutoff("2026-05-21T20:26:40Z").unwrap();
        assert_eq!((NOW - t, naive), (7 * DAY, false));
        // A date includes the whole day: the cut-off is the next midnight.
        assert_eq!(cutoff("2026-05-20").unwrap().0, cutoff("2026-05-21T00:00:00Z").unwrap().0);
        assert!(cutoff("2026-05-21T00:00:00").unwrap().1, "no offset: read as UTC, and said so");
        assert_eq!(span_or_cutoff("7 days", NOW).unwrap().0, Age::Span(7 * DAY));
        let (age, _) = span_or_cutoff("2026-05-21T20:26:40Z", NOW).unwrap();
        assert_eq!(age.seconds_at(NOW), 7 * DAY);
        // A cut-off in the future holds nothing back.
        assert_eq!(Age::Cutoff(NOW + 5).seconds_at(NOW), 0);
        assert!(span_or_cutoff("soon", NOW).unwrap_err().contains("neither"));
    }

    #[test]
    fn numbers_and_words() {
        assert_eq!(number_text("1440", 60, "minutes"), Ok(DAY));
        assert!(number_text("1 day", 60, "minutes").unwrap_err().contains("not a number"));
        assert!(number(-1.0, 60, "minutes").is_err());
        assert!(number(1e300, 60, "minutes").is_err());
        assert_eq!(human(7 * DAY), "7 days");
        assert_eq!(human(DAY + DAY / 2), "1.50 days");
        assert_eq!(human(3600), "1 hour");
        assert_eq!(human(0), "0 days");
    }
}
