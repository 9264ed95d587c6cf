//! The HTML report: one self-contained page (inline CSS and a small inline script, no network
//! loads, no external fonts) with the run's header, filters by outcome and area, and every case
//! grouped by area, each expandable to its requirement, findings and full wire transcript. Not a
//! live view and not an editor: it is a pure function of the report, like the other renderers.
//!
//! Much of a report's text comes from the server under test, so nothing is written raw: control
//! and bidirectional-override characters are shown escaped (see the text renderer), then every
//! string is HTML-escaped, attributes included, and links are written only for `http(s)` URLs.
//! As a second line of defence the page carries a Content-Security-Policy that forbids every
//! load and allows only the page's own style sheet and script, named by their SHA-256 hashes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use super::common::{self, DISPLAY_ORDER, by_area, finding_place};
use super::text::clean;
use crate::{CaseResult, Finding, Outcome, RunReport, WireEntry};

/// The page's only style sheet. Its hash goes into the Content-Security-Policy.
const STYLE: &str = r#"
:root{--fg:#1b1f24;--muted:#5b6470;--bg:#fff;--panel:#f5f7f9;--line:#d8dee4;--link:#0b5cad;
--pass:#1a7f37;--fail:#c21f2b;--warn:#9a6700;--info:#0b5cad;--na:#6e7781;--err:#8250df}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9aa5b1;--bg:#0d1117;--panel:#161b22;
--line:#30363d;--link:#58a6ff;--pass:#3fb950;--fail:#ff6b6b;--warn:#d29922;--info:#58a6ff;
--na:#8b949e;--err:#bc8cff}}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;padding:1rem 1.5rem 3rem;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;
color:var(--fg);background:var(--bg)}
h1{font-size:1.5rem;margin:.2rem 0 .6rem}
h2{font-size:1.15rem;margin:1.6rem 0 .4rem;padding-bottom:.2rem;border-bottom:1px solid var(--line)}
h3{font-size:.95rem;margin:.9rem 0 .3rem}
a{color:var(--link)}
code,pre{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{margin:.2rem 0;padding:.4rem .6rem;background:var(--panel);border:1px solid var(--line);
border-radius:4px;white-space:pre-wrap;overflow-wrap:anywhere}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.4rem 0}
dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;overflow-wrap:anywhere}
.verdict{display:inline-block;padding:.05rem .6rem;border-radius:4px;color:#fff}
.v-fail{background:var(--fail)}.v-err{background:var(--err)}.v-warn{background:var(--warn)}
.v-pass{background:var(--pass)}.v-none{background:var(--na)}
ul.counts{list-style:none;display:flex;flex-wrap:wrap;gap:.4rem;padding:0;margin:.6rem 0}
ul.counts li{border:1px solid var(--line);border-radius:4px;padding:.15rem .6rem}
ul.counts li.zero{opacity:.55}
ul.counts b{font-size:1.05rem;margin-right:.25rem}
.o{display:inline-block;min-width:6.6rem;text-align:center;font-weight:600;font-size:.8rem;
border-radius:3px;padding:0 .3rem;color:#fff}
.o-pass{background:var(--pass)}.o-fail{background:var(--fail)}.o-non-strict{background:var(--warn)}
.o-informational{background:var(--info)}.o-not-applicable,.o-untestable{background:var(--na)}
.o-harness-error{background:var(--err)}
.note{border-left:4px solid var(--warn);padding:.2rem .6rem;background:var(--panel);margin:.4rem 0}
form#filters{border-bottom:1px solid var(--line);padding:.5rem 0;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:flex-start}
fieldset{border:1px solid var(--line);border-radius:4px;margin:0;padding:.2rem .6rem .4rem}
legend{color:var(--muted);padding:0 .3rem}
fieldset label{margin-right:.8rem;white-space:nowrap}
button{font:inherit;font-size:.8rem;margin:.15rem .2rem 0 0}
#shown{margin:.3rem 0 0;color:var(--muted)}
section.area>h2 small{font-weight:400;color:var(--muted);font-size:.85rem;margin-left:.4rem}
details.case{border:1px solid var(--line);border-radius:4px;margin:.3rem 0;background:var(--bg)}
details.case[open]{border-color:var(--muted)}
details.case>summary{cursor:pointer;padding:.3rem .5rem;list-style:none;
display:flex;flex-wrap:wrap;gap:.2rem .6rem;align-items:baseline}
details.case>summary::-webkit-details-marker{display:none}
details.case>summary::before{content:"\25B8";color:var(--muted);width:.7rem}
details.case[open]>summary::before{content:"\25BE"}
summary .id{font-weight:600}
summary .title,summary .lvl{color:var(--muted)}
summary .why{flex-basis:100%;padding-left:8.5rem;overflow-wrap:anywhere}
.body{padding:.2rem .9rem .7rem;border-top:1px solid var(--line)}
blockquote{margin:.3rem 0;padding:.1rem .7rem;border-left:3px solid var(--line);color:var(--muted)}
ol.findings{padding-left:1.4rem}
ol.findings>li{margin:.3rem 0 .6rem}
ol.wire{list-style:none;padding:0;margin:0}
ol.wire>li{margin:.35rem 0}
.wire .t{display:inline-block;min-width:5rem;text-align:right;color:var(--muted)}
.wire .dir{font-weight:600;margin:0 .4rem}
.d-out .dir{color:var(--info)}.d-in .dir{color:var(--pass)}.d-local .dir{color:var(--na)}
.wire .kind{color:var(--muted)}
.cut{color:var(--warn);font-style:italic}
"#;

/// The page's only script: the outcome and area filters and the expand/collapse buttons.
/// Without it (scripts off) the filter form stays hidden and every case is listed.
const SCRIPT: &str = r#"
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var cases = Array.prototype.slice.call(document.querySelectorAll("details.case"));
  var areas = Array.prototype.slice.call(document.querySelectorAll("section.area"));
  function checked(kind) {
    var on = {};
    form.querySelectorAll("input[data-kind='" + kind + "']").forEach(function (box) {
      if (box.checked) { on[box.value] = true; }
    });
    return on;
  }
  function apply() {
    var outcomes = checked("outcome"), shownAreas = checked("area"), shown = 0;
    cases.forEach(function (c) {
      var visible = !!(outcomes[c.dataset.outcome] && shownAreas[c.dataset.area]);
      c.hidden = !visible;
      if (visible) { shown += 1; }
    });
    areas.forEach(function (s) {
      s.hidden = !s.querySelector("details.case:not([hidden])");
    });
    document.getElementById("shown").textContent =
      shown + " of " + cases.length + " cases shown";
  }
  form.addEventListener("change", apply);
  form.addEventListener("click", function (ev) {
    var act = ev.target.getAttribute && ev.target.getAttribute("data-act");
    if (!act) { return; }
    ev.preventDefault();
    var parts = act.split(":");
    if (parts[0] === "check") {
      form.querySelectorAll("input[data-kind='" + parts[1] + "']").forEach(function (box) {
        box.checked = parts[2] === "all" ||
          (parts[2] === "problems" && box.value !== "pass" && box.value !== "not-applicable");
      });
      apply();
    } else if (parts[0] === "open") {
      cases.forEach(function (c) { if (!c.hidden) { c.open = parts[1] === "all"; } });
    }
  });
  form.addEventListener("submit", function (ev) { ev.preventDefault(); });
  form.hidden = false;
  apply();
  var target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (target && target.tagName === "DETAILS") { target.open = true; target.scrollIntoView(); }
})();
"#;

/// Renders the report as one self-contained HTML page. The output depends only on `report`.
pub fn render(report: &RunReport) -> String {
    let areas = by_area(report);
    let mut out = String::with_capacity(64 * 1024);
    head(&mut out, report);
    out.push_str("<body>\n");
    header(&mut out, report);
    filters(&mut out, report, &areas);
    out.push_str("<main>\n");
    if areas.is_empty() {
        out.push_str("<p>No case ran.</p>\n");
    }
    for (index, (area, cases)) in areas.iter().enumerate() {
        area_section(&mut out, index, area, cases);
    }
    out.push_str("</main>\n");
    let _ = writeln!(out, "<script>{SCRIPT}</script>");
    out.push_str("</body>\n</html>\n");
    out
}

/// The Content-Security-Policy of the page: nothing may load, only the page's own style sheet
/// and script may run, no `<base>` and no form submission.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src 'sha256-{}'; script-src 'sha256-{}'; base-uri 'none'; form-action 'none'",
        sha256::base64_digest(STYLE.as_bytes()),
        sha256::base64_digest(SCRIPT.as_bytes()),
    )
}

fn head(out: &mut String, report: &RunReport) {
    let title = match common::server(report) {
        Some((name, version)) => format!("{name} {version}"),
        None => "server".to_string(),
    };
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        attr(&content_security_policy())
    );
    out.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        out,
        "<title>mcpspec: {} ({})</title>",
        esc(&title),
        common::verdict(report)
    );
    let _ = writeln!(out, "<style>{STYLE}</style>");
    out.push_str("</head>\n");
}

/// The CSS class of the verdict banner.
fn verdict_class(report: &RunReport) -> &'static str {
    let s = &report.summary;
    if s.cases == 0 {
        "v-none"
    } else if s.count(Outcome::Fail) > 0 {
        "v-fail"
    } else if s.count(Outcome::HarnessError) > 0 {
        "v-err"
    } else if s.count(Outcome::NonStrict) > 0 {
        "v-warn"
    } else {
        "v-pass"
    }
}

fn header(out: &mut String, report: &RunReport) {
    out.push_str("<header>\n");
    let _ = writeln!(
        out,
        "<h1>mcpspec report: <span class=\"verdict {}\" id=\"verdict\">{}</span></h1>",
        verdict_class(report),
        common::verdict(report)
    );
    out.push_str("<dl class=\"meta\">\n");
    let server = match common::server(report) {
        Some((name, version)) => format!("<b>{}</b> {}", esc(&name), esc(&version)),
        None => "(no serverInfo)".to_string(),
    };
    meta(out, "server", &server);
    let named = common::target(report);
    let mut target = esc(&report.target.transport);
    if !named.is_empty() {
        let _ = write!(target, " <code>{}</code>", esc(&named));
    }
    meta(out, "target", &target);
    if let Some(cwd) = &report.target.cwd {
        meta(
            out,
            "working directory",
            &format!("<code>{}</code>", esc(cwd)),
        );
    }
    if !report.target.env.is_empty() {
        let env: Vec<String> = report
            .target
            .env
            .iter()
            .map(|(k, v)| format!("<code>{}={}</code>", esc(k), esc(v)))
            .collect();
        meta(out, "environment", &env.join(" "));
    }
    let negotiated = report
        .negotiated_protocol_version
        .as_deref()
        .unwrap_or("none");
    meta(
        out,
        "revision",
        &format!(
            "{} (negotiated: {})",
            esc(&report.requested_protocol_version),
            esc(negotiated)
        ),
    );
    let selection = &report.selection;
    if !selection.include.is_empty() || !selection.skip.is_empty() {
        let list = |globs: &[String]| -> String {
            if globs.is_empty() {
                "all".to_string()
            } else {
                globs
                    .iter()
                    .map(|g| format!("<code>{}</code>", esc(g)))
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        };
        meta(
            out,
            "selection",
            &format!(
                "cases {}; skipped {}",
                list(&selection.include),
                list(&selection.skip)
            ),
        );
    }
    meta(
        out,
        "run",
        &format!(
            "{} {} · started {} · {} ms",
            esc(&report.tool.name),
            esc(&report.tool.version),
            esc(&report.started_at),
            report.duration_ms
        ),
    );
    out.push_str("</dl>\n");
    let _ = writeln!(
        out,
        "<ul class=\"counts\" id=\"counts\"><li><b>{}</b>cases</li>",
        report.summary.cases
    );
    for outcome in DISPLAY_ORDER {
        let n = report.summary.count(outcome);
        let zero = if n == 0 { " class=\"zero\"" } else { "" };
        let _ = writeln!(
            out,
            "<li{zero}><b>{n}</b><span class=\"o o-{0}\">{0}</span></li>",
            outcome.as_str()
        );
    }
    out.push_str("</ul>\n");
    for note in &report.notes {
        let _ = writeln!(out, "<p class=\"note\"><b>Note:</b> {}</p>", esc(note));
    }
    if !report.could_not_test.is_empty() {
        let n: usize = report.could_not_test.values().map(Vec::len).sum();
        let _ = writeln!(out, "<details><summary>Could not test ({n})</summary><ul>");
        for (area, reasons) in &report.could_not_test {
            for reason in reasons {
                let _ = writeln!(out, "<li><b>{}</b>: {}</li>", esc(area), esc(reason));
            }
        }
        out.push_str("</ul></details>\n");
    }
    if !report.tools.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>Tools ({})</summary><ul>",
            report.tools.len()
        );
        for (tool, what) in &report.tools {
            let _ = writeln!(out, "<li><code>{}</code>: {}</li>", esc(tool), esc(what));
        }
        out.push_str("</ul></details>\n");
    }
    out.push_str("</header>\n");
}

fn meta(out: &mut String, name: &str, html: &str) {
    let _ = writeln!(out, "<dt>{name}</dt><dd>{html}</dd>");
}

/// The filter form: one checkbox per outcome present and per area, shown only once the script
/// runs (it is what makes them work).
fn filters(out: &mut String, report: &RunReport, areas: &BTreeMap<&str, Vec<&CaseResult>>) {
    if areas.is_empty() {
        return;
    }
    out.push_str(
        "<form id=\"filters\" hidden>\n<fieldset id=\"filter-outcome\"><legend>Outcome</legend>\n",
    );
    for outcome in DISPLAY_ORDER {
        let n = report.cases.iter().filter(|c| c.outcome == outcome).count();
        if n == 0 {
            continue;
        }
        let _ = writeln!(
            out,
            "<label><input type=\"checkbox\" data-kind=\"outcome\" value=\"{0}\" checked> {0} ({n})</label>",
            outcome.as_str()
        );
    }
    out.push_str(
        "<br><button type=\"button\" data-act=\"check:outcome:all\">all</button>\
<button type=\"button\" data-act=\"check:outcome:problems\">problems only</button>\
<button type=\"button\" data-act=\"check:outcome:none\">none</button>\n</fieldset>\n",
    );
    out.push_str("<fieldset id=\"filter-area\"><legend>Area</legend>\n");
    for (index, (area, cases)) in areas.iter().enumerate() {
        let _ = writeln!(
            out,
            "<label><input type=\"checkbox\" data-kind=\"area\" value=\"a{index}\" checked> {} ({})</label>",
            esc(area),
            cases.len()
        );
    }
    out.push_str(
        "<br><button type=\"button\" data-act=\"check:area:all\">all</button>\
<button type=\"button\" data-act=\"check:area:none\">none</button>\n</fieldset>\n",
    );
    out.push_str(
        "<div><button type=\"button\" data-act=\"open:all\">expand shown</button>\
<button type=\"button\" data-act=\"open:none\">collapse all</button>\
<p id=\"shown\"></p></div>\n</form>\n",
    );
}

fn area_section(out: &mut String, index: usize, area: &str, cases: &[&CaseResult]) {
    let _ = writeln!(
        out,
        "<section class=\"area\" id=\"area-a{index}\">\n<h2>{}<small>{}</small></h2>",
        esc(area),
        area_counts(cases)
    );
    for case in cases {
        case_html(out, index, case);
    }
    out.push_str("</section>\n");
}

/// `3 cases: 2 pass, 1 fail`, outcomes in [`DISPLAY_ORDER`].
fn area_counts(cases: &[&CaseResult]) -> String {
    let parts: Vec<String> = DISPLAY_ORDER
        .iter()
        .filter_map(|o| {
            let n = cases.iter().filter(|c| c.outcome == *o).count();
            (n > 0).then(|| format!("{n} {}", o.as_str()))
        })
        .collect();
    let noun = if cases.len() == 1 { "case" } else { "cases" };
    format!("{} {noun}: {}", cases.len(), parts.join(", "))
}

fn case_html(out: &mut String, area_index: usize, case: &CaseResult) {
    let outcome = case.outcome.as_str();
    let _ = writeln!(
        out,
        "<details class=\"case\" id=\"case-{}\" data-outcome=\"{outcome}\" data-area=\"a{area_index}\">",
        attr(&anchor_id(&case.id))
    );
    let _ = write!(
        out,
        "<summary><span class=\"o o-{outcome}\">{outcome}</span> <code class=\"id\">{}</code> \
<span class=\"title\">{}</span> <span class=\"lvl\">{}</span>",
        esc(&case.id),
        esc(&case.title),
        esc(&common::tag(case))
    );
    if case.outcome != Outcome::Pass {
        let _ = write!(
            out,
            "<span class=\"why\">{}</span>",
            esc(common::headline(case))
        );
    }
    out.push_str("</summary>\n<div class=\"body\">\n<dl class=\"meta\">\n");
    meta(out, "level", case.level.as_str());
    let reqs = if case.requirements.is_empty() {
        "none".to_string()
    } else {
        case.requirements
            .iter()
            .map(|r| format!("<code>{}</code>", esc(r)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    meta(out, "requirements", &reqs);
    meta(out, "spec", &spec_link(case));
    meta(
        out,
        "statement",
        &format!("<blockquote>{}</blockquote>", esc(&case.spec.statement)),
    );
    meta(out, "expectation", &esc(&case.expectation));
    if let Some(reason) = &case.reason {
        meta(out, "reason", &esc(reason));
    }
    meta(out, "duration", &format!("{} ms", case.duration_ms));
    out.push_str("</dl>\n");
    if !case.findings.is_empty() {
        let _ = writeln!(
            out,
            "<h3>Findings ({})</h3>\n<ol class=\"findings\">",
            case.findings.len()
        );
        for f in &case.findings {
            finding_html(out, f);
        }
        out.push_str("</ol>\n");
    }
    transcript(out, case);
    out.push_str("</div>\n</details>\n");
}

fn finding_html(out: &mut String, f: &Finding) {
    let _ = writeln!(
        out,
        "<li><div class=\"msg\">{}</div><dl class=\"meta\">",
        esc(&f.message)
    );
    meta(
        out,
        "expected",
        &format!("<code>{}</code>", esc(&f.expected)),
    );
    meta(out, "actual", &format!("<code>{}</code>", esc(&f.actual)));
    if let Some(place) = finding_place(f) {
        meta(out, "where", &esc(&place));
    }
    out.push_str("</dl></li>\n");
}

fn transcript(out: &mut String, case: &CaseResult) {
    if case.transcript.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<h3>Transcript ({} entries)</h3>\n<ol class=\"wire\">",
        case.transcript.len()
    );
    for e in &case.transcript {
        entry_html(out, e);
    }
    out.push_str("</ol>\n");
    if case.transcript_truncated {
        let _ = writeln!(
            out,
            "<p class=\"cut\">The transcript was cut short here: the full log is transcripts/{}.jsonl</p>",
            esc(&case.id)
        );
    }
}

fn entry_html(out: &mut String, e: &WireEntry) {
    let arrow = match e.dir.as_str() {
        "out" => "→ out",
        "in" => "← in",
        "local" => "· local",
        _ => "",
    };
    let dir = if arrow.is_empty() {
        esc(&e.dir)
    } else {
        arrow.to_string()
    };
    let class = match e.dir.as_str() {
        "out" | "in" | "local" => e.dir.as_str(),
        _ => "other",
    };
    let _ = write!(
        out,
        "<li class=\"d-{class}\"><span class=\"t\">{} ms</span><span class=\"dir\">{dir}</span><span class=\"kind\">{}</span>",
        e.t_ms,
        esc(&e.kind)
    );
    if e.truncated {
        out.push_str(" <span class=\"cut\">(cut to the excerpt limit)</span>");
    }
    let body = match (&e.json, &e.text) {
        (Some(json), _) => Some(pretty(json)),
        (None, Some(text)) => Some(esc(text)),
        (None, None) => None,
    };
    if let Some(body) = body {
        let _ = write!(out, "<pre>{body}</pre>");
    }
    out.push_str("</li>\n");
}

/// A JSON value pretty-printed, each line cleaned and escaped. `serde_json` already escapes
/// control characters inside strings; [`clean`] catches the bidirectional overrides it keeps.
fn pretty(json: &Value) -> String {
    let text = serde_json::to_string_pretty(json).unwrap_or_else(|_| json.to_string());
    text.lines().map(esc).collect::<Vec<_>>().join("\n")
}

/// The case's spec section: a link for an `http(s)` URL, otherwise the URL as code.
fn spec_link(case: &CaseResult) -> String {
    let spec = &case.spec;
    let mut label = format!("{} {}", spec.revision, spec.page);
    if !spec.anchor.is_empty() {
        label.push('#');
        label.push_str(&spec.anchor);
    }
    if spec.url.is_empty() {
        return esc(&label);
    }
    let lower = spec.url.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        format!(
            "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
            attr(&spec.url),
            esc(&label)
        )
    } else {
        format!("{} <code>{}</code>", esc(&label), esc(&spec.url))
    }
}

/// A case ID usable as an element ID: whitespace (not allowed there) becomes `_`.
fn anchor_id(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_whitespace() { '_' } else { c })
        .collect()
}

/// Text for an element's content: controls and bidirectional overrides shown escaped, then the
/// characters that could open a tag or a character reference replaced by references. Quotes stay
/// as they are (they mean nothing in content, and transcripts are full of them); see [`attr`].
pub(crate) fn esc(s: &str) -> String {
    escape(s, false)
}

/// Text for a double-quoted attribute value: as [`esc`], and quotes replaced too.
pub(crate) fn attr(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, quotes: bool) -> String {
    let cleaned = clean(s);
    let mut out = String::with_capacity(cleaned.len() + 8);
    for c in cleaned.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if quotes => out.push_str("&quot;"),
            '\'' if quotes => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// SHA-256 and base64, just enough to name the page's own style sheet and script in its
/// Content-Security-Policy. Not a general-purpose hashing API.
mod sha256 {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];

    /// The SHA-256 digest of `data`.
    pub(super) fn digest(data: &[u8]) -> [u8; 32] {
        let mut h: [u32; 8] = [
            0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
            0x5be0cd19,
        ];
        let mut msg = data.to_vec();
        msg.push(0x80);
        while msg.len() % 64 != 56 {
            msg.push(0);
        }
        msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
        for block in msg.chunks_exact(64) {
            let mut w = [0u32; 64];
            for (i, word) in block.chunks_exact(4).enumerate() {
                w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
            }
            for i in 16..64 {
                let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
                let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
                w[i] = w[i - 16]
                    .wrapping_add(s0)
                    .wrapping_add(w[i - 7])
                    .wrapping_add(s1);
            }
            let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
            for i in 0..64 {
                let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
                let ch = (e & f) ^ (!e & g);
                let t1 = hh
                    .wrapping_add(s1)
                    .wrapping_add(ch)
                    .wrapping_add(K[i])
                    .wrapping_add(w[i]);
                let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
                let maj = (a & b) ^ (a & c) ^ (b & c);
                let t2 = s0.wrapping_add(maj);
                hh = g;
                g = f;
                f = e;
                e = d.wrapping_add(t1);
                d = c;
                c = b;
                b = a;
                a = t1.wrapping_add(t2);
            }
            for (slot, v) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
                *slot = slot.wrapping_add(v);
            }
        }
        let mut out = [0u8; 32];
        for (chunk, v) in out.chunks_exact_mut(4).zip(h) {
            chunk.copy_from_slice(&v.to_be_bytes());
        }
        out
    }

    /// Standard base64 with padding.
    pub(super) fn base64(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let n = (u32::from(chunk[0]) << 16)
                | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
                | u32::from(*chunk.get(2).unwrap_or(&0));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    /// The base64 SHA-256 digest, as a CSP `'sha256-…'` source names it.
    pub(super) fn base64_digest(data: &[u8]) -> String {
        base64(&digest(data))
    }
}

#[cfg(test)]
mod tests {
    use super::{attr, esc, sha256};

    #[test]
    fn escaping_leaves_no_markup_and_no_controls() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert('x')&lt;/script&gt; &amp; \"q\""
        );
        assert_eq!(
            attr("x\" onload='y' <b>&"),
            "x&quot; onload=&#39;y&#39; &lt;b&gt;&amp;"
        );
        assert_eq!(esc("a\nb\u{1b}[2J\u{202e}"), r"a\nb\u{1b}[2J\u{202e}");
        assert_eq!(esc("plain · ключ"), "plain · ключ");
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn sha256_matches_the_standard_test_vectors() {
        assert_eq!(
            hex(&sha256::digest(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256::digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // Two blocks: the padding spills into a second one.
        assert_eq!(
            hex(&sha256::digest(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        assert_eq!(
            sha256::base64_digest(b"abc"),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
    }

    /// The text between `open` and the next `</`.
    fn between<'a>(page: &'a str, open: &str) -> &'a str {
        let start = page.find(open).expect("element present") + open.len();
        let len = page[start..].find("</").expect("element closes");
        &page[start..start + len]
    }

    #[test]
    fn the_policy_names_the_style_and_script_the_page_holds() {
        let report: crate::RunReport =
            serde_json::from_str(include_str!("../../tests/fixtures/all-outcomes.json"))
                .expect("fixture deserialises");
        let page = super::render(&report);
        let style = between(&page, "<style>");
        let script = between(&page, "<script>");
        assert!(style.contains("details.case"), "{style}");
        assert!(script.contains("addEventListener"), "{script}");
        let policy = super::content_security_policy();
        assert!(
            policy.contains(&format!(
                "style-src 'sha256-{}'",
                sha256::base64_digest(style.as_bytes())
            )),
            "{policy}"
        );
        assert!(
            policy.contains(&format!(
                "script-src 'sha256-{}'",
                sha256::base64_digest(script.as_bytes())
            )),
            "{policy}"
        );
        assert!(!policy.contains("unsafe"), "{policy}");
    }

    #[test]
    fn base64_pads_short_tails() {
        assert_eq!(sha256::base64(b""), "");
        assert_eq!(sha256::base64(b"f"), "Zg==");
        assert_eq!(sha256::base64(b"fo"), "Zm8=");
        assert_eq!(sha256::base64(b"foo"), "Zm9v");
        assert_eq!(sha256::base64(b"foobar"), "Zm9vYmFy");
    }
}
