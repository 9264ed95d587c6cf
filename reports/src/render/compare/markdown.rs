//! The comparison as GitHub-flavoured Markdown: the reports compared, a legend, the matrix of
//! cases by report with a row per area and a totals row, and the changes between two runs of the
//! same server. Not the single-report Markdown (see [`crate::render::markdown`]).
//!
//! Server names and versions come from the servers under test, so they are escaped as the
//! single-report renderer escapes them: prose backslash-escaped, IDs in code spans.

use std::fmt::Write as _;

use super::{ABSENT, Comparison, Input, legend};
use crate::render::common;
use crate::render::markdown::{code, text};

/// Renders the comparison of `inputs` (at least one) as Markdown.
pub fn render(inputs: &[Input<'_>]) -> String {
    let cmp = Comparison::new(inputs);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## mcpspec comparison: {} reports, {} cases",
        cmp.columns.len(),
        cmp.case_count()
    );
    reports(&mut out, &cmp);
    matrix(&mut out, &cmp);
    if let Some(d) = &cmp.diff {
        diff(&mut out, &cmp, d);
    }
    out
}

fn reports(out: &mut String, cmp: &Comparison<'_>) {
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| report | file | protocol | cases | verdict | baseline |"
    );
    let _ = writeln!(out, "| --- | --- | --- | ---: | --- | --- |");
    for col in &cmp.columns {
        let _ = writeln!(
            out,
            "| **{}** | {} | {} | {} | {} | {} |",
            text(&col.label),
            code(&col.file),
            text(col.protocol()),
            col.report.summary.cases,
            common::verdict(col.report),
            col.baseline_summary()
        );
    }
}

fn matrix(out: &mut String, cmp: &Comparison<'_>) {
    let _ = writeln!(out);
    let _ = writeln!(out, "### Results");
    let _ = writeln!(out);
    let items: Vec<String> = legend()
        .into_iter()
        .map(|(sym, meaning)| format!("{} {meaning}", symbol_text(sym)))
        .collect();
    let _ = writeln!(out, "Legend: {}", items.join(", "));
    let _ = writeln!(out);
    if cmp.areas.is_empty() {
        let _ = writeln!(out, "No case in any report.");
        return;
    }
    let heads: Vec<String> = cmp.columns.iter().map(|c| text(&c.label)).collect();
    let _ = writeln!(out, "| case | {} |", heads.join(" | "));
    let _ = writeln!(out, "| --- |{}", " :---: |".repeat(cmp.columns.len()));
    for area in &cmp.areas {
        let cells: Vec<String> = (0..cmp.columns.len())
            .map(|i| match area.passed(i) {
                None => ABSENT.to_string(),
                Some((passed, held)) => format!("{passed}/{held} pass"),
            })
            .collect();
        let _ = writeln!(
            out,
            "| **{}** ({}) | {} |",
            text(&area.name),
            area.rows.len(),
            cells.join(" | ")
        );
        for row in &area.rows {
            let cells: Vec<String> = row
                .cells
                .iter()
                .map(|c| match c {
                    Some(cell) => symbol_text(&cell.symbol()),
                    None => ABSENT.to_string(),
                })
                .collect();
            let _ = writeln!(out, "| {} | {} |", code(&row.id), cells.join(" | "));
        }
    }
    let totals: Vec<String> = (0..cmp.columns.len())
        .map(|i| cmp.totals_line(i, |n, sym| format!("{n} {}", symbol_text(sym))))
        .collect();
    let _ = writeln!(out, "| **totals** | {} |", totals.join(" | "));
}

fn diff(out: &mut String, cmp: &Comparison<'_>, d: &super::Diff) {
    let (old, new) = (&cmp.columns[0], &cmp.columns[1]);
    let _ = writeln!(out);
    let name = |c: &super::Column<'_>| match c.file_note() {
        None => text(&c.label),
        Some(file) => format!("{} ({})", text(&c.label), code(file)),
    };
    let _ = writeln!(out, "### Changes from {} to {}", name(old), name(new));
    let _ = writeln!(out);
    if d.is_empty() {
        let _ = writeln!(
            out,
            "No case changed its outcome, and no case was added or removed."
        );
        return;
    }
    if !d.flipped.is_empty() {
        let _ = writeln!(out, "Outcome changed ({}):", d.flipped.len());
        let _ = writeln!(out);
        let _ = writeln!(out, "| case | old | new |");
        let _ = writeln!(out, "| --- | --- | --- |");
        for (id, before, after) in &d.flipped {
            let _ = writeln!(out, "| {} | {before} | {after} |", code(id));
        }
    }
    for (title, list) in [("New cases", &d.added), ("Removed cases", &d.removed)] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "{title} ({}):", list.len());
        let _ = writeln!(out);
        for (id, outcome) in list {
            let _ = writeln!(out, "- {} ({outcome})", code(id));
        }
    }
}

/// A symbol as Markdown text: the characters Markdown would read as syntax (`*`, `~`) escaped.
fn symbol_text(sym: &str) -> String {
    sym.replace('*', "\\*").replace('~', "\\~")
}
