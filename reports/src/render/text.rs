//! The plain-text summary printed at the end of a run: every failure with its requirement,
//! expected and actual, then the totals. Not the live progress display (that is the harness's).
//!
//! Much of a report's text comes from the server under test (its name, error messages, stray
//! output), so every string is written through [`clean`]: control characters and bidirectional
//! overrides are shown escaped, and cannot move the cursor, recolour the terminal or break a line.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::{Outcome, RunReport};

/// Renders the end-of-run summary. `color` adds ANSI colours to outcome names.
pub fn summary(report: &RunReport, color: bool) -> String {
    let mut out = String::new();
    let paint = |o: Outcome| -> String {
        if !color {
            return o.as_str().to_string();
        }
        let code = match o {
            Outcome::Pass => "32",
            Outcome::Informational | Outcome::NotApplicable => "36",
            Outcome::NonStrict | Outcome::Untestable => "33",
            Outcome::Fail | Outcome::HarnessError => "31;1",
        };
        format!("\x1b[{code}m{}\x1b[0m", o.as_str())
    };
    let _ = writeln!(
        out,
        "mcpspec {} · protocol {} (negotiated: {})",
        clean(&report.tool.version),
        clean(&report.requested_protocol_version),
        clean(
            report
                .negotiated_protocol_version
                .as_deref()
                .unwrap_or("none")
        )
    );
    if let Some(info) = &report.server_info {
        let name = info.get("name").and_then(|v| v.as_str()).unwrap_or("?");
        let version = info.get("version").and_then(|v| v.as_str()).unwrap_or("?");
        let _ = writeln!(out, "server: {} {}", clean(name), clean(version));
    }
    for note in &report.notes {
        let _ = writeln!(out, "note: {}", clean(note));
    }
    let problems: Vec<_> = report
        .cases
        .iter()
        .filter(|c| {
            matches!(
                c.outcome,
                Outcome::Fail | Outcome::HarnessError | Outcome::NonStrict
            )
        })
        .collect();
    if !problems.is_empty() {
        let _ = writeln!(out);
    }
    for case in problems {
        let mut tag = case.level.as_str().to_string();
        if !case.requirements.is_empty() {
            tag.push(' ');
            tag.push_str(&clean(&case.requirements.join(", ")));
        }
        let _ = writeln!(out, "{} {} [{tag}]", paint(case.outcome), clean(&case.id));
        if let Some(reason) = report.baselined(&case.id) {
            let _ = writeln!(out, "    expected failure (baselined: {})", clean(reason));
        }
        let _ = writeln!(out, "    {}", clean(&case.expectation));
        let _ = writeln!(out, "    spec: {}", clean(&case.spec.url));
        if let Some(reason) = &case.reason {
            let _ = writeln!(out, "    reason: {}", clean(reason));
        }
        for f in case.findings.iter().take(3) {
            let _ = writeln!(out, "    - {}", clean(&f.message));
            let _ = writeln!(out, "      expected: {}", clean(&f.expected));
            let _ = writeln!(out, "      actual:   {}", clean(&f.actual));
            if let Some(seen) = &f.observed_in {
                let _ = writeln!(out, "      seen in:  {}", clean(seen));
            }
        }
        if case.findings.len() > 3 {
            let _ = writeln!(out, "    ... and {} more", case.findings.len() - 3);
        }
    }
    let untestable: Vec<_> = report
        .cases
        .iter()
        .filter(|c| c.outcome == Outcome::Untestable)
        .collect();
    if !untestable.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "could not test:");
        for case in untestable {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                paint(case.outcome),
                case.id,
                clean(case.reason.as_deref().unwrap_or("no reason given"))
            );
        }
    }
    let not_applicable = report.summary.count(Outcome::NotApplicable);
    if not_applicable > 0 {
        let _ = writeln!(
            out,
            "{not_applicable} case(s) not applicable (capability not declared or other transport); see report.json"
        );
    }
    baseline_section(&mut out, report);
    let _ = writeln!(out);
    let totals: Vec<String> = Outcome::ALL
        .iter()
        .filter(|o| report.summary.count(**o) > 0)
        .map(|o| format!("{} {}", report.summary.count(*o), paint(*o)))
        .collect();
    if totals.is_empty() {
        let _ = writeln!(
            out,
            "{} cases ({} ms)",
            report.summary.cases, report.duration_ms
        );
    } else {
        let _ = writeln!(
            out,
            "{} cases: {} ({} ms)",
            report.summary.cases,
            totals.join(", "),
            report.duration_ms
        );
    }
    out
}

/// What the run's baseline did, if it had one: the expected failures it accepted, then its stale
/// and unused entries, one line each.
fn baseline_section(out: &mut String, report: &RunReport) {
    let Some(b) = &report.baseline else { return };
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "baseline {}: {} entr{}, {} expected failure(s) accepted",
        clean(&b.file),
        b.entries,
        if b.entries == 1 { "y" } else { "ies" },
        b.expected.len()
    );
    for e in &b.stale {
        let _ = writeln!(
            out,
            "  stale entry {} ({}): every case it matches that ran now passes ({}); remove the entry",
            clean(&e.pattern),
            clean(&e.reason),
            clean(&e.cases.join(", "))
        );
    }
    for e in &b.unused {
        let matched = if e.cases.is_empty() {
            "it matches no case of this run".to_string()
        } else {
            format!(
                "none of the cases it matches ({}) failed as expected",
                clean(&e.cases.join(", "))
            )
        };
        let _ = writeln!(
            out,
            "  unused entry {} ({}): {matched}",
            clean(&e.pattern),
            clean(&e.reason)
        );
    }
}

/// `text` with every control character (line breaks and escapes included) and every
/// bidirectional-override character written as a visible Rust-style escape such as `\n` or
/// `\u{1b}`. Borrowed unchanged when there is nothing to escape.
pub(crate) fn clean(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn clean_escapes_controls_and_bidi_overrides_only() {
        assert_eq!(clean("plain · ключ🔑"), "plain · ключ🔑");
        assert!(matches!(clean("plain"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(clean("a\nb\tc\r"), "a\\nb\\tc\\r");
        assert_eq!(clean("\u{1b}[2J"), "\\u{1b}[2J");
        assert_eq!(clean("x\u{7}\u{0}\u{9b}"), "x\\u{7}\\u{0}\\u{9b}");
        assert_eq!(clean("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(clean("back\\slash"), "back\\slash");
    }
}
