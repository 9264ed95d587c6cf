//! The comparison as one self-contained HTML page: the reports compared, a legend, the matrix of
//! cases by report (one header row per area, a totals row at the foot) with cells coloured by
//! outcome, and the changes between two runs of the same server. Not the single-report HTML page.
//!
//! The page loads nothing: its only style sheet is inline, it has no script, and its
//! Content-Security-Policy forbids every fetch. Every string from a report is escaped (`&`, `<`,
//! `>`, quotes) after control characters are shown escaped, so server-supplied names cannot
//! inject markup.

use std::fmt::Write as _;

use super::{ABSENT, BASELINED_MARK, Cell, Comparison, Diff, Input, legend, symbol};
use crate::Outcome;
use crate::render::common;
use crate::render::html::{attr, esc};

const STYLE: &str = "
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1b1f24; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #d0d7de; padding: 0.2rem 0.5rem; }
thead th { background: #f6f8fa; position: sticky; top: 0; }
td.cell { text-align: center; min-width: 2.5rem; }
tbody th { text-align: left; font-weight: normal; }
table.reports tbody th { font-weight: 600; }
tr.area th { text-align: left; background: #eaeef2; }
tr.area td { text-align: center; background: #eaeef2; font-size: 0.85rem; }
tfoot th, tfoot td { background: #f6f8fa; font-weight: 600; font-size: 0.85rem; }
code { font-family: ui-monospace, monospace; font-size: 0.85rem; }
.pass { background: #dafbe1; } .fail { background: #ffd8d3; } .non-strict { background: #fff1c2; }
.informational { background: #ddf4ff; } .not-applicable, .untestable { background: #f6f8fa; color: #57606a; }
.harness-error { background: #fbdfef; } .absent { color: #8c959f; }
.baselined { outline: 2px dashed #8c959f; outline-offset: -3px; }
ul.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.4rem 1rem; }
ul.legend span { display: inline-block; min-width: 1.6rem; text-align: center; border: 1px solid #d0d7de; }
";

/// Renders the comparison of `inputs` (at least one) as a complete HTML document.
pub fn render(inputs: &[Input<'_>]) -> String {
    let cmp = Comparison::new(inputs);
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        out,
        "<title>mcpspec comparison: {} reports</title>",
        cmp.columns.len()
    );
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(
        out,
        "<h1>mcpspec comparison: {} reports, {} cases</h1>",
        cmp.columns.len(),
        cmp.case_count()
    );
    reports(&mut out, &cmp);
    matrix(&mut out, &cmp);
    if let Some(d) = &cmp.diff {
        diff(&mut out, &cmp, d);
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn reports(out: &mut String, cmp: &Comparison<'_>) {
    out.push_str("<table class=\"reports\">\n<thead><tr><th>report</th><th>file</th><th>protocol</th><th>started</th><th>cases</th><th>verdict</th><th>baseline</th></tr></thead>\n<tbody>\n");
    for col in &cmp.columns {
        let r = col.report;
        let _ = writeln!(
            out,
            "<tr><th>{}</th><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&col.label),
            esc(&col.file),
            esc(col.protocol()),
            esc(&r.started_at),
            r.summary.cases,
            common::verdict(r),
            col.baseline_summary()
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

fn matrix(out: &mut String, cmp: &Comparison<'_>) {
    out.push_str("<h2>Results</h2>\n<ul class=\"legend\">\n");
    for (sym, meaning) in legend() {
        let class = match sym {
            BASELINED_MARK => "baselined".to_string(),
            ABSENT => "absent".to_string(),
            _ => crate::Outcome::ALL
                .iter()
                .find(|o| symbol(**o) == sym)
                .map(|o| o.as_str().to_string())
                .unwrap_or_default(),
        };
        let _ = writeln!(
            out,
            "<li><span class=\"{class}\">{}</span> {}</li>",
            esc(sym),
            esc(&meaning)
        );
    }
    out.push_str("</ul>\n");
    if cmp.areas.is_empty() {
        out.push_str("<p>No case in any report.</p>\n");
        return;
    }
    out.push_str("<table class=\"matrix\">\n<thead><tr><th>case</th>");
    for col in &cmp.columns {
        let _ = write!(
            out,
            "<th title=\"{}\">{}</th>",
            attr(&col.file),
            esc(&col.label)
        );
    }
    out.push_str("</tr></thead>\n");
    for area in &cmp.areas {
        let n = area.rows.len();
        let _ = write!(
            out,
            "<tbody>\n<tr class=\"area\"><th>{} <small>({n} case{})</small></th>",
            esc(&area.name),
            if n == 1 { "" } else { "s" }
        );
        for i in 0..cmp.columns.len() {
            match area.passed(i) {
                None => {
                    let _ = write!(out, "<td class=\"absent\">{ABSENT}</td>");
                }
                Some((passed, held)) => {
                    let _ = write!(out, "<td>{passed}/{held} pass</td>");
                }
            }
        }
        out.push_str("</tr>\n");
        for row in &area.rows {
            let _ = write!(out, "<tr><th><code>{}</code></th>", esc(&row.id));
            for cell in &row.cells {
                cell_html(out, *cell);
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n");
    }
    out.push_str("<tfoot><tr><th>totals</th>");
    for i in 0..cmp.columns.len() {
        let line = cmp.totals_line(i, |n, sym| format!("{n}&nbsp;{}", esc(sym)));
        let _ = write!(out, "<td>{line}</td>");
    }
    out.push_str("</tr></tfoot>\n</table>\n");
}

fn cell_html(out: &mut String, cell: Option<Cell>) {
    match cell {
        None => {
            let _ = write!(
                out,
                "<td class=\"cell absent\" title=\"not in this report\">{ABSENT}</td>"
            );
        }
        Some(c) => {
            let mut class = format!("cell {}", c.outcome.as_str());
            let mut title = c.outcome.as_str().to_string();
            if c.baselined {
                class.push_str(" baselined");
                title.push_str(", expected failure (baselined)");
            }
            let _ = write!(
                out,
                "<td class=\"{class}\" title=\"{title}\">{}</td>",
                esc(&c.symbol())
            );
        }
    }
}

fn diff(out: &mut String, cmp: &Comparison<'_>, d: &Diff) {
    let (old, new) = (&cmp.columns[0], &cmp.columns[1]);
    let name = |c: &super::Column<'_>| match c.file_note() {
        None => esc(&c.label),
        Some(file) => format!("{} (<code>{}</code>)", esc(&c.label), esc(file)),
    };
    let _ = writeln!(out, "<h2>Changes from {} to {}</h2>", name(old), name(new));
    if d.is_empty() {
        out.push_str("<p>No case changed its outcome, and no case was added or removed.</p>\n");
        return;
    }
    if !d.flipped.is_empty() {
        let _ = writeln!(out, "<h3>Outcome changed ({})</h3>", d.flipped.len());
        out.push_str("<table class=\"flipped\">\n<thead><tr><th>case</th><th>old</th><th>new</th></tr></thead>\n<tbody>\n");
        for (id, before, after) in &d.flipped {
            let _ = writeln!(
                out,
                "<tr><th><code>{}</code></th>{}{}</tr>",
                esc(id),
                outcome_td(*before),
                outcome_td(*after)
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    for (title, list) in [("New cases", &d.added), ("Removed cases", &d.removed)] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "<h3>{title} ({})</h3>\n<ul>", list.len());
        for (id, outcome) in list {
            let _ = writeln!(
                out,
                "<li><code>{}</code> <span class=\"{o}\">{o}</span></li>",
                esc(id),
                o = outcome.as_str()
            );
        }
        out.push_str("</ul>\n");
    }
}

fn outcome_td(o: Outcome) -> String {
    format!(
        "<td class=\"{o}\">{} {o}</td>",
        esc(symbol(o)),
        o = o.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::{attr, esc};

    #[test]
    fn escaping_leaves_no_markup() {
        assert_eq!(esc("<b>&</b>"), "&lt;b&gt;&amp;&lt;/b&gt;");
        assert_eq!(attr("a\"b'c"), "a&quot;b&#39;c");
        assert_eq!(esc("x\ny"), "x\\ny");
    }
}
