//! The plain-text summary printed at the end of a run: totals, then every failure with its
//! requirement, expected and actual. Not the live progress display (that is the harness's).

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
        report.tool.version,
        report.requested_protocol_version,
        report
            .negotiated_protocol_version
            .as_deref()
            .unwrap_or("none")
    );
    if let Some(info) = &report.server_info {
        let name = info.get("name").and_then(|v| v.as_str()).unwrap_or("?");
        let version = info.get("version").and_then(|v| v.as_str()).unwrap_or("?");
        let _ = writeln!(out, "server: {name} {version}");
    }
    for note in &report.notes {
        let _ = writeln!(out, "note: {note}");
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
        let _ = writeln!(
            out,
            "{} {} [{} {}]",
            paint(case.outcome),
            case.id,
            case.level.as_str(),
            case.requirements.join(", ")
        );
        let _ = writeln!(out, "    {}", case.expectation);
        let _ = writeln!(out, "    spec: {}", case.spec.url);
        if let Some(reason) = &case.reason {
            let _ = writeln!(out, "    reason: {reason}");
        }
        for f in case.findings.iter().take(3) {
            let _ = writeln!(out, "    - {}", f.message);
            let _ = writeln!(out, "      expected: {}", f.expected);
            let _ = writeln!(out, "      actual:   {}", f.actual);
            if let Some(seen) = &f.observed_in {
                let _ = writeln!(out, "      seen in:  {seen}");
            }
        }
        if case.findings.len() > 3 {
            let _ = writeln!(out, "    ... and {} more", case.findings.len() - 3);
        }
    }
    let _ = writeln!(out);
    let totals: Vec<String> = Outcome::ALL
        .iter()
        .filter(|o| report.summary.count(**o) > 0)
        .map(|o| format!("{} {}", report.summary.count(*o), paint(*o)))
        .collect();
    let _ = writeln!(
        out,
        "{} cases: {} ({} ms)",
        report.summary.cases,
        totals.join(", "),
        report.duration_ms
    );
    out
}
