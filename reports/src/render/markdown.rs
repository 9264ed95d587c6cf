//! The Markdown report, sized for a pull-request comment or a CI step summary: a header line, a
//! table of outcome counts per area, then every failure with its requirement, spec link, findings
//! and a short transcript excerpt. Not a full dump of the report: `report.json` keeps everything.
//!
//! Much of a report's text comes from the server under test, so it is never written raw: control
//! characters are shown escaped (see the text renderer), prose is backslash-escaped so it cannot
//! open links, emphasis, HTML or table cells, values go in code spans whose fences outgrow any
//! backtick run inside them, and links are written only for `http(s)` URLs.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::common::{self, DISPLAY_ORDER, by_area, excerpt, finding_place};
use super::text::clean;
use crate::{CaseResult, Outcome, RunReport};

/// Most findings listed for one case; the rest are counted.
const MAX_FINDINGS: usize = 10;

/// The order of the failures section: broken MUSTs, then broken SHOULDs, then harness errors.
const FAILURE_ORDER: [Outcome; 3] = [Outcome::Fail, Outcome::NonStrict, Outcome::HarnessError];

/// Renders the report as GitHub-flavoured Markdown. The output depends only on `report`.
pub fn render(report: &RunReport) -> String {
    let mut out = String::new();
    header(&mut out, report);
    area_table(&mut out, report);
    failures(&mut out, report);
    baseline_section(&mut out, report);
    not_tested(&mut out, report);
    observations(&mut out, report);
    out
}

fn header(out: &mut String, report: &RunReport) {
    let _ = writeln!(out, "## mcpspec: {}", common::verdict(report));
    let _ = writeln!(out);
    let server = match common::server(report) {
        Some((name, version)) => format!("**{}** {}", text(&name), text(&version)),
        None => "**server** (no serverInfo)".to_string(),
    };
    let negotiated = report
        .negotiated_protocol_version
        .as_deref()
        .unwrap_or("none");
    let mut target = text(&report.target.transport);
    let named = common::target(report);
    if !named.is_empty() {
        let _ = write!(target, " {}", code(&named));
    }
    let _ = writeln!(
        out,
        "{server} · {target} · revision {} (negotiated: {}) · {} cases: {}",
        text(&report.requested_protocol_version),
        text(negotiated),
        report.summary.cases,
        common::counts(report),
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "<sub>mcpspec {} · started {} · {} ms</sub>",
        text(&report.tool.version),
        text(&report.started_at),
        report.duration_ms
    );
    for note in &report.notes {
        let _ = writeln!(out);
        let _ = writeln!(out, "> **Note:** {}", text(note));
    }
}

fn area_table(out: &mut String, report: &RunReport) {
    let _ = writeln!(out);
    let _ = writeln!(out, "### Results by area");
    let _ = writeln!(out);
    let areas = by_area(report);
    if areas.is_empty() {
        let _ = writeln!(out, "No case ran.");
        return;
    }
    let names: Vec<&str> = DISPLAY_ORDER.iter().map(|o| o.as_str()).collect();
    let _ = writeln!(out, "| area | {} |", names.join(" | "));
    let _ = writeln!(out, "| --- |{}", " ---: |".repeat(DISPLAY_ORDER.len()));
    for (area, cases) in areas {
        let cells: Vec<String> = DISPLAY_ORDER
            .iter()
            .map(|o| cases.iter().filter(|c| c.outcome == *o).count().to_string())
            .collect();
        let _ = writeln!(out, "| {} | {} |", text(area), cells.join(" | "));
    }
}

fn failures(out: &mut String, report: &RunReport) {
    let _ = writeln!(out);
    let _ = writeln!(out, "### Failures");
    let mut any = false;
    for outcome in FAILURE_ORDER {
        let mut cases: Vec<&CaseResult> = report
            .cases
            .iter()
            .filter(|c| c.outcome == outcome)
            .collect();
        cases.sort_by(|a, b| a.id.cmp(&b.id));
        for case in cases {
            any = true;
            failure(out, case, report.baselined(&case.id));
        }
    }
    if !any {
        let _ = writeln!(out);
        let _ = writeln!(out, "None.");
    }
}

fn failure(out: &mut String, case: &CaseResult, baselined: Option<&str>) {
    let _ = writeln!(out);
    let _ = writeln!(out, "#### {} {}", case.outcome, code(&case.id));
    let _ = writeln!(out);
    if let Some(reason) = baselined {
        let _ = writeln!(out, "*Expected failure (baselined: {})*", text(reason));
        let _ = writeln!(out);
    }
    let reqs = if case.requirements.is_empty() {
        "no requirement ID".to_string()
    } else {
        case.requirements
            .iter()
            .map(|r| code(r))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut line = format!("**{}** · {reqs}", case.level.as_str());
    if let Some(link) = spec_link(case) {
        let _ = write!(line, " · {link}");
    }
    let _ = writeln!(out, "{line}");
    let _ = writeln!(out);
    let _ = writeln!(out, "> {}", text(&case.spec.statement));
    let _ = writeln!(out);
    let _ = writeln!(out, "Expected behaviour: {}", text(&case.expectation));
    if let Some(reason) = &case.reason {
        let _ = writeln!(out);
        let _ = writeln!(out, "Reason: {}", text(reason));
    }
    if !case.findings.is_empty() {
        let _ = writeln!(out);
    }
    for f in case.findings.iter().take(MAX_FINDINGS) {
        let _ = writeln!(out, "- {}", text(&f.message));
        let _ = writeln!(out, "  - expected: {}", code(&f.expected));
        let _ = writeln!(out, "  - actual: {}", code(&f.actual));
        if let Some(place) = finding_place(f) {
            let _ = writeln!(out, "  - where: {}", text(&place));
        }
    }
    if case.findings.len() > MAX_FINDINGS {
        let _ = writeln!(
            out,
            "- … and {} more in report.json",
            case.findings.len() - MAX_FINDINGS
        );
    }
    let lines = excerpt(case);
    if !lines.is_empty() {
        let fence = fence_for(&lines);
        let _ = writeln!(out);
        let _ = writeln!(out, "<details><summary>Transcript excerpt</summary>");
        let _ = writeln!(out);
        let _ = writeln!(out, "{fence}text");
        for l in &lines {
            let _ = writeln!(out, "{l}");
        }
        let _ = writeln!(out, "{fence}");
        let _ = writeln!(out);
        let _ = writeln!(out, "</details>");
    }
}

/// The run's baseline: how many failures it accepted, and its stale and unused entries.
fn baseline_section(out: &mut String, report: &RunReport) {
    let Some(b) = &report.baseline else { return };
    let _ = writeln!(out);
    let _ = writeln!(out, "### Baseline");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{} · {} entries · {} expected failure(s) accepted",
        code(&b.file),
        b.entries,
        b.expected.len()
    );
    if !b.stale.is_empty() || !b.unused.is_empty() {
        let _ = writeln!(out);
    }
    let ids = |cases: &[String]| cases.iter().map(|c| code(c)).collect::<Vec<_>>().join(", ");
    for e in &b.stale {
        let _ = writeln!(
            out,
            "- **stale** {} ({}): every case it matches that ran now passes ({}); remove the entry",
            code(&e.pattern),
            text(&e.reason),
            ids(&e.cases)
        );
    }
    for e in &b.unused {
        let matched = if e.cases.is_empty() {
            "it matches no case of this run".to_string()
        } else {
            format!(
                "none of the cases it matches ({}) failed as expected",
                ids(&e.cases)
            )
        };
        let _ = writeln!(
            out,
            "- unused {} ({}): {matched}",
            code(&e.pattern),
            text(&e.reason)
        );
    }
}

fn not_tested(out: &mut String, report: &RunReport) {
    // Cases grouped by outcome and reason, since many share one (a transport, a capability).
    let mut groups: BTreeMap<(Outcome, &str), Vec<&str>> = BTreeMap::new();
    for c in &report.cases {
        if matches!(c.outcome, Outcome::Untestable | Outcome::NotApplicable) {
            let reason = c.reason.as_deref().unwrap_or("no reason given");
            groups.entry((c.outcome, reason)).or_default().push(&c.id);
        }
    }
    let listed: BTreeSet<&str> = groups.values().flatten().copied().collect();
    // Run-level notes, less those that only repeat a case listed above.
    let notes: Vec<(&String, &String)> = report
        .could_not_test
        .iter()
        .flat_map(|(area, reasons)| reasons.iter().map(move |r| (area, r)))
        .filter(|(_, r)| {
            !r.split_whitespace()
                .next()
                .is_some_and(|w| listed.contains(w))
        })
        .collect();
    if listed.is_empty() && notes.is_empty() {
        return;
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "### Not tested");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "<details><summary>{} case(s) untestable or not applicable</summary>",
        listed.len()
    );
    let _ = writeln!(out);
    for ((outcome, reason), mut ids) in groups {
        ids.sort_unstable();
        let ids: Vec<String> = ids.iter().map(|id| code(id)).collect();
        let _ = writeln!(out, "- {outcome}: {}: {}", text(reason), ids.join(", "));
    }
    for (area, reason) in notes {
        let _ = writeln!(out, "- {}: {}", text(area), text(reason));
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "</details>");
}

fn observations(out: &mut String, report: &RunReport) {
    let mut seen: Vec<&CaseResult> = report
        .cases
        .iter()
        .filter(|c| c.outcome == Outcome::Informational)
        .collect();
    seen.sort_by(|a, b| a.id.cmp(&b.id));
    if seen.is_empty() {
        return;
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "### Observations");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "<details><summary>{} informational case(s)</summary>",
        seen.len()
    );
    let _ = writeln!(out);
    for case in seen {
        let _ = writeln!(
            out,
            "- {} ({}): {}",
            code(&case.id),
            case.level.as_str(),
            text(common::headline(case))
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "</details>");
}

/// A link to the case's spec section, when its URL is http(s); otherwise the URL in a code span.
fn spec_link(case: &CaseResult) -> Option<String> {
    let spec = &case.spec;
    if spec.url.is_empty() {
        return None;
    }
    let mut label = format!("{} {}", spec.revision, spec.page);
    if !spec.anchor.is_empty() {
        label.push('#');
        label.push_str(&spec.anchor);
    }
    let lower = spec.url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Some(format!("spec: {}", code(&spec.url)));
    }
    Some(format!(
        "[spec: {}]({})",
        text(&label),
        link_target(&spec.url)
    ))
}

/// A URL made safe as a Markdown link destination: characters that could end it or break the
/// line are percent-encoded.
fn link_target(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        if c.is_ascii_graphic() && !matches!(c, '(' | ')' | '<' | '>' | '"' | '`' | '\\' | '|') {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// Prose: controls escaped, then every character Markdown could read as syntax backslash-escaped
/// (which also keeps `|` from ending a table cell).
pub(crate) fn text(s: &str) -> String {
    let cleaned = clean(s);
    let mut out = String::with_capacity(cleaned.len() + 8);
    for c in cleaned.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A value in an inline code span: controls escaped, fenced with one backtick more than the
/// longest run inside, padded when it starts or ends with a backtick.
pub(crate) fn code(s: &str) -> String {
    let cleaned = clean(s);
    if cleaned.trim().is_empty() {
        return "*(empty)*".to_string();
    }
    let ticks = "`".repeat(longest_backtick_run(&cleaned) + 1);
    if cleaned.starts_with('`') || cleaned.ends_with('`') {
        format!("{ticks} {cleaned} {ticks}")
    } else {
        format!("{ticks}{cleaned}{ticks}")
    }
}

/// A code fence longer than any backtick run in `lines` (at least three backticks).
fn fence_for(lines: &[String]) -> String {
    let longest = lines
        .iter()
        .map(|l| longest_backtick_run(l))
        .max()
        .unwrap_or(0);
    "`".repeat((longest + 1).max(3))
}

fn longest_backtick_run(s: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::{code, link_target, text};

    #[test]
    fn prose_cannot_open_markdown_syntax() {
        assert_eq!(text("a|b"), r"a\|b");
        assert_eq!(text("[x](javascript:1)"), r"\[x\](javascript:1)");
        assert_eq!(text("<img src=x>"), r"\<img src=x\>");
        assert_eq!(text("line\nbreak"), r"line\\nbreak");
        assert_eq!(text("plain words, 2.0"), "plain words, 2.0");
    }

    #[test]
    fn code_spans_outgrow_backticks() {
        assert_eq!(code("{}"), "`{}`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x`"), "`` `x` ``");
        assert_eq!(code("a\nb"), r"`a\nb`");
        assert_eq!(code(""), "*(empty)*");
    }

    #[test]
    fn link_targets_cannot_end_early() {
        assert_eq!(
            link_target("https://x.test/a b)(c"),
            "https://x.test/a%20b%29%28c"
        );
        assert_eq!(link_target("https://x.test/é"), "https://x.test/%C3%A9");
    }
}
