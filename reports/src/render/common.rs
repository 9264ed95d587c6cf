//! Helpers shared by the Markdown, JUnit and SARIF renderers: grouping cases by area, the run's
//! one-word verdict, and the short transcript excerpt shown next to a failure. Not a renderer.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use super::text::clean;
use crate::{CaseResult, Finding, Outcome, RunReport, WireEntry};

/// Most wire entries shown in one transcript excerpt.
pub(crate) const EXCERPT_ENTRIES: usize = 5;
/// Most characters of one wire entry shown in an excerpt line.
pub(crate) const EXCERPT_LINE_CHARS: usize = 200;

/// The area of a case: the first segment of its ID (`tools` for `tools.call.unknown-tool`).
pub(crate) fn area(id: &str) -> &str {
    match id.split_once('.') {
        Some((first, _)) if !first.is_empty() => first,
        _ => id,
    }
}

/// The report's cases grouped by area, areas in name order and cases in ID order.
pub(crate) fn by_area(report: &RunReport) -> BTreeMap<&str, Vec<&CaseResult>> {
    let mut areas: BTreeMap<&str, Vec<&CaseResult>> = BTreeMap::new();
    for case in &report.cases {
        areas.entry(area(&case.id)).or_default().push(case);
    }
    for cases in areas.values_mut() {
        cases.sort_by(|a, b| a.id.cmp(&b.id));
    }
    areas
}

/// The verdict of a run, independent of the `--fail-on` policy: broken MUSTs first, then harness
/// errors, then broken SHOULDs.
pub(crate) fn verdict(report: &RunReport) -> &'static str {
    let s = &report.summary;
    if s.cases == 0 {
        "no cases ran"
    } else if s.count(Outcome::Fail) > 0 {
        "not conformant"
    } else if s.count(Outcome::HarnessError) > 0 {
        "incomplete (harness errors)"
    } else if s.count(Outcome::NonStrict) > 0 {
        "conformant, with SHOULD deviations"
    } else {
        "conformant"
    }
}

/// The outcomes in the order the renderers list them: passes, then broken requirements by
/// strength, observations, what could not be tested, and the harness's own errors.
pub(crate) const DISPLAY_ORDER: [Outcome; 7] = [
    Outcome::Pass,
    Outcome::Fail,
    Outcome::NonStrict,
    Outcome::Informational,
    Outcome::NotApplicable,
    Outcome::Untestable,
    Outcome::HarnessError,
];

/// The non-zero outcome counts in [`DISPLAY_ORDER`] (`1 pass, 2 fail`), or `none`.
pub(crate) fn counts(report: &RunReport) -> String {
    let parts: Vec<String> = DISPLAY_ORDER
        .iter()
        .filter(|o| report.summary.count(**o) > 0)
        .map(|o| format!("{} {}", report.summary.count(*o), o.as_str()))
        .collect();
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join(", ")
    }
}

/// `serverInfo` name and version as the server sent them (non-strings shown as JSON), if any.
pub(crate) fn server(report: &RunReport) -> Option<(String, String)> {
    let info = report.server_info.as_ref()?;
    let field = |key: &str| match info.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => "?".to_string(),
        Some(other) => other.to_string(),
    };
    Some((field("name"), field("version")))
}

/// The target as one line: the stdio command (arguments with spaces quoted) or the HTTP URL.
pub(crate) fn target(report: &RunReport) -> String {
    let t = &report.target;
    if let Some(url) = &t.url {
        return url.clone();
    }
    t.command
        .iter()
        .map(|arg| {
            if arg.is_empty() || arg.contains(char::is_whitespace) {
                format!("{arg:?}")
            } else {
                arg.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The level and requirement IDs of a case as one cleaned tag, `MUST PING-001, PING-002`, or just
/// the level for a case that names no requirement.
pub(crate) fn tag(case: &CaseResult) -> String {
    if case.requirements.is_empty() {
        case.level.as_str().to_string()
    } else {
        format!(
            "{} {}",
            case.level.as_str(),
            clean(&case.requirements.join(", "))
        )
    }
}

/// The one-line headline of a case's problem: its first finding, else its reason, else its
/// expectation.
pub(crate) fn headline(case: &CaseResult) -> &str {
    case.findings
        .first()
        .map(|f| f.message.as_str())
        .or(case.reason.as_deref())
        .unwrap_or(&case.expectation)
}

/// Where a finding was seen (step, JSON pointer, the case it was observed in), as one line of
/// cleaned text, or `None` when the finding says nothing about it.
pub(crate) fn finding_place(f: &Finding) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(step) = f.step {
        parts.push(format!("step {step}"));
    }
    if let Some(ptr) = &f.json_pointer {
        let ptr = if ptr.is_empty() {
            "(whole message)"
        } else {
            ptr
        };
        parts.push(format!("at {}", clean(ptr)));
    }
    if let Some(seen) = &f.observed_in {
        parts.push(format!("seen in {}", clean(seen)));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// A finding as plain lines of cleaned text: message, expected, actual and where it was seen.
pub(crate) fn finding_text(f: &Finding, indent: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{indent}- {}", clean(&f.message));
    let _ = writeln!(out, "{indent}  expected: {}", clean(&f.expected));
    let _ = writeln!(out, "{indent}  actual:   {}", clean(&f.actual));
    if let Some(place) = finding_place(f) {
        let _ = writeln!(out, "{indent}  where:    {place}");
    }
    out
}

/// A few transcript entries around the case's first finding that can be placed on the wire, as
/// one cleaned line each, capped at [`EXCERPT_ENTRIES`] entries of [`EXCERPT_LINE_CHARS`]
/// characters. A last line says when entries are left out. Empty when the case has no transcript.
///
/// A finding is placed on the entry from the server whose JSON holds the finding's `actual` value
/// at its JSON pointer, else on the first such entry where the pointer resolves at all; a case
/// whose findings cannot be placed shows the start of its transcript.
pub(crate) fn excerpt(case: &CaseResult) -> Vec<String> {
    let entries = &case.transcript;
    if entries.is_empty() {
        return Vec::new();
    }
    let end = match anchor(case) {
        // The entry, one after it, and the ones that led to it.
        Some(i) => (i + 2).min(entries.len()),
        None => EXCERPT_ENTRIES.min(entries.len()),
    };
    let start = end.saturating_sub(EXCERPT_ENTRIES);
    let mut lines: Vec<String> = entries[start..end].iter().map(entry_line).collect();
    let hidden = start + (entries.len() - end);
    if hidden > 0 || case.transcript_truncated {
        let more = if case.transcript_truncated {
            "more entries".to_string()
        } else if hidden == 1 {
            "1 more entry".to_string()
        } else {
            format!("{hidden} more entries")
        };
        lines.push(format!(
            "… {more}: the full log is transcripts/{}.jsonl",
            clean(&case.id)
        ));
    }
    lines
}

/// The index of the transcript entry a case's findings point at, if any.
fn anchor(case: &CaseResult) -> Option<usize> {
    let mut resolves = None;
    for f in &case.findings {
        let Some(ptr) = &f.json_pointer else { continue };
        for (i, e) in case.transcript.iter().enumerate() {
            if e.dir != "in" {
                continue;
            }
            let Some(value) = e.json.as_ref().and_then(|j| j.pointer(ptr)) else {
                continue;
            };
            // `actual` holds a string member either bare or JSON-quoted, anything else as JSON.
            let compact = value.to_string();
            if compact == f.actual || value.as_str() == Some(f.actual.as_str()) {
                return Some(i);
            }
            resolves.get_or_insert(i);
        }
    }
    resolves
}

/// One transcript entry as a single cleaned line: time, direction, kind and content.
fn entry_line(e: &WireEntry) -> String {
    let body = match (&e.json, &e.text) {
        (Some(json), _) => json.to_string(),
        (None, Some(text)) => text.clone(),
        (None, None) => String::new(),
    };
    let mut body = clean(&body).into_owned();
    let mut cut = e.truncated;
    if let Some((i, _)) = body.char_indices().nth(EXCERPT_LINE_CHARS) {
        body.truncate(i);
        cut = true;
    }
    if cut && !body.ends_with('…') {
        body.push('…');
    }
    let head = format!("{:>6} ms {:<5} {}", e.t_ms, clean(&e.dir), clean(&e.kind));
    if body.is_empty() {
        head
    } else {
        format!("{head}: {body}")
    }
}

#[cfg(test)]
mod tests {
    use super::area;

    #[test]
    fn area_is_the_first_segment() {
        assert_eq!(area("tools.call.unknown-tool"), "tools");
        assert_eq!(area("oracle.jsonrpc-envelope"), "oracle");
        assert_eq!(area("single"), "single");
        assert_eq!(area(".odd"), ".odd");
    }
}
