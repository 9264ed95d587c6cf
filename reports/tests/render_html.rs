//! Snapshot and structure tests of the HTML renderer over every fixture: the page's tags are
//! balanced and drawn from a short list, it loads nothing, every case and every transcript entry
//! is on it, and hostile server text from `renderer-edges.json` is shown escaped, never as live
//! markup. Not the page's behaviour in a browser (`ci/html-report-check.sh` checks that).

mod common;

use std::collections::BTreeSet;

use common::{fixture, fixture_paths, load};
use mcpspec_report::Outcome;
use mcpspec_report::render::html;

/// Text as the page shows it: controls and bidirectional overrides escaped, then `&`, `<` and
/// `>` replaced by references (quotes stay, as in element content).
fn shown(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let hide = c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if hide {
            out.extend(c.escape_default());
            continue;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// A tag of the page: its name (lower case, `/name` for an end tag) and its raw text.
#[derive(Debug)]
struct Tag {
    name: String,
    raw: String,
}

/// Every tag of the page in order, skipping the bodies of `<style>` and `<script>` (which hold
/// no `<`, checked here). Panics on a `<` that opens no tag: text never holds a raw `<`.
fn tags(html: &str) -> Vec<Tag> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        let end = rest.find('>').expect("every tag closes");
        let raw = &rest[..=end];
        let inner = raw.trim_start_matches('<').trim_end_matches('>');
        let name: String = inner
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '/' || *c == '!')
            .collect::<String>()
            .to_ascii_lowercase();
        assert!(
            !name.is_empty() && name != "/",
            "a `<` that opens no tag: {:?}",
            &rest[..rest.len().min(80)]
        );
        rest = &rest[end + 1..];
        if name == "style" || name == "script" {
            let close = format!("</{name}>");
            let body_end = rest.find(&close).expect("raw text element closes");
            assert!(!rest[..body_end].contains('<'), "a `<` inside <{name}>");
            rest = &rest[body_end..];
        }
        out.push(Tag {
            name,
            raw: raw.to_string(),
        });
    }
    out
}

const VOID: [&str; 4] = ["meta", "br", "input", "!doctype"];
const ALLOWED: [&str; 35] = [
    "!doctype",
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "header",
    "h1",
    "h2",
    "h3",
    "span",
    "dl",
    "dt",
    "dd",
    "b",
    "code",
    "ul",
    "ol",
    "li",
    "p",
    "details",
    "summary",
    "form",
    "fieldset",
    "legend",
    "label",
    "input",
    "br",
    "button",
    "div",
    "main",
    "section",
    "small",
    "blockquote",
];
const ALLOWED_LATE: [&str; 3] = ["pre", "a", "script"];

/// Asserts that the tags nest properly and are all from the allowed list; returns them.
fn check_structure(html: &str) -> Vec<Tag> {
    let all = tags(html);
    let mut stack: Vec<&str> = Vec::new();
    for tag in &all {
        let name = tag.name.trim_start_matches('/');
        assert!(
            ALLOWED.contains(&name) || ALLOWED_LATE.contains(&name),
            "unexpected tag {}",
            tag.raw
        );
        if tag.name.starts_with('/') {
            assert_eq!(stack.pop(), Some(name), "mismatched {}", tag.raw);
        } else if !VOID.contains(&name) {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
    all
}

// ---------------------------------------------------------------- snapshots

/// The page with the bodies of its style sheet and script, and the policy that hashes them, cut
/// out: they are the same on every page, and the unit tests check that the hashes match.
fn without_boilerplate(page: &str) -> String {
    let mut out = page.replace(
        &html::content_security_policy().replace('\'', "&#39;"),
        "(policy)",
    );
    for name in ["style", "script"] {
        let open = format!("<{name}>");
        let start = out.find(&open).expect("element present") + open.len();
        let end = start + out[start..].find("</").expect("element closes");
        out.replace_range(start..end, "…");
    }
    out
}

#[test]
fn html_snapshots() {
    insta::glob!("fixtures/*.json", |path| {
        insta::assert_snapshot!(without_boilerplate(&html::render(&load(path))));
    });
}

#[test]
fn output_does_not_depend_on_case_order() {
    for path in fixture_paths() {
        let report = load(&path);
        let mut shuffled = report.clone();
        shuffled.cases.reverse();
        let n = shuffled.cases.len();
        if n > 2 {
            shuffled.cases.swap(0, n / 2);
        }
        assert_eq!(html::render(&report), html::render(&shuffled), "{path:?}");
    }
}

// ---------------------------------------------------------------- structure

#[test]
fn every_page_is_balanced_self_contained_and_lists_every_case() {
    for path in fixture_paths() {
        let report = load(&path);
        let page = html::render(&report);
        let all = check_structure(&page);
        assert!(page.starts_with("<!DOCTYPE html>\n"), "{path:?}");

        // One style sheet and one script, both inline; nothing that could load anything.
        let count = |name: &str| all.iter().filter(|t| t.name == name).count();
        assert_eq!(count("style"), 1, "{path:?}");
        assert_eq!(count("script"), 1, "{path:?}");
        for t in &all {
            let raw = t.raw.to_ascii_lowercase();
            assert!(!raw.contains(" src="), "{}", t.raw);
            assert!(!raw.contains(" style="), "{}", t.raw);
            assert!(!raw.contains(" on"), "event handler attribute: {}", t.raw);
        }
        assert!(!page.contains("url("), "{path:?}");
        assert!(!page.contains("@import"), "{path:?}");
        let csp = format!(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
            html::content_security_policy().replace('\'', "&#39;")
        );
        assert!(page.contains(&csp), "{path:?}");
        assert!(
            html::content_security_policy().starts_with("default-src 'none'; "),
            "{}",
            html::content_security_policy()
        );

        // One <details> per case, carrying its outcome, in sections per area.
        let cases: Vec<&Tag> = all
            .iter()
            .filter(|t| t.raw.starts_with("<details class=\"case\""))
            .collect();
        assert_eq!(cases.len(), report.cases.len(), "{path:?}");
        for case in &report.cases {
            let opening = format!(
                "<details class=\"case\" id=\"case-{}\" data-outcome=\"{}\"",
                shown(&case.id)
                    .replace('"', "&quot;")
                    .replace('\'', "&#39;"),
                case.outcome
            );
            assert!(page.contains(&opening), "{path:?}: {opening}");
            assert!(
                page.contains(&format!("<code class=\"id\">{}</code>", shown(&case.id))),
                "{}",
                case.id
            );
            for f in &case.findings {
                assert!(page.contains(&shown(&f.message)), "{}", f.message);
                assert!(
                    page.contains(&format!(
                        "<dt>expected</dt><dd><code>{}</code></dd>",
                        shown(&f.expected)
                    )),
                    "{}",
                    f.expected
                );
                assert!(
                    page.contains(&format!(
                        "<dt>actual</dt><dd><code>{}</code></dd>",
                        shown(&f.actual)
                    )),
                    "{}",
                    f.actual
                );
            }
            // The whole transcript, every entry, with its time and pretty-printed content.
            for e in &case.transcript {
                let body = match (&e.json, &e.text) {
                    (Some(json), _) => serde_json::to_string_pretty(json)
                        .unwrap()
                        .lines()
                        .map(shown)
                        .collect::<Vec<_>>()
                        .join("\n"),
                    (None, Some(text)) => shown(text),
                    (None, None) => String::new(),
                };
                assert!(
                    page.contains(&format!("<pre>{body}</pre>")),
                    "{path:?} {}: {body}",
                    case.id
                );
                assert!(page.contains(&format!("<span class=\"t\">{} ms</span>", e.t_ms)));
            }
        }
        let areas: BTreeSet<&str> = report
            .cases
            .iter()
            .map(|c| c.id.split_once('.').map_or(c.id.as_str(), |(a, _)| a))
            .collect();
        assert_eq!(count("section"), areas.len(), "{path:?}");

        // A filter checkbox per outcome present and per area.
        let boxes = |kind: &str| {
            all.iter()
                .filter(|t| t.raw.contains(&format!("data-kind=\"{kind}\"")))
                .count()
        };
        let outcomes: BTreeSet<Outcome> = report.cases.iter().map(|c| c.outcome).collect();
        assert_eq!(boxes("outcome"), outcomes.len(), "{path:?}");
        assert_eq!(boxes("area"), areas.len(), "{path:?}");
    }
}

#[test]
fn header_names_server_target_revision_verdict_and_counts() {
    let page = html::render(&fixture("all-outcomes.json"));
    assert!(
        page.contains(
            "<h1>mcpspec report: <span class=\"verdict v-fail\" id=\"verdict\">not conformant</span></h1>"
        ),
        "{page}"
    );
    assert!(
        page.contains("<dt>server</dt><dd><b>mcpspec-fixture-server</b> 0.1.0</dd>"),
        "{page}"
    );
    assert!(page.contains("<dt>target</dt><dd>stdio <code>mcpspec-fixture-server --bug ping-result-not-empty --bug error-message-multiline</code></dd>"), "{page}");
    assert!(
        page.contains("<dt>revision</dt><dd>2025-06-18 (negotiated: 2025-06-18)</dd>"),
        "{page}"
    );
    for (n, outcome) in [(1, "pass"), (2, "fail"), (1, "harness-error")] {
        assert!(
            page.contains(&format!(
                "<li><b>{n}</b><span class=\"o o-{outcome}\">{outcome}</span></li>"
            )),
            "{outcome}: {page}"
        );
    }
    assert!(page.contains("<li><b>8</b>cases</li>"), "{page}");
    // The failing ping case links its spec section and names its requirement.
    assert!(page.contains("<a href=\"https://modelcontextprotocol.io/specification/2025-06-18/basic/utilities/ping#behavior-requirements\" rel=\"noopener noreferrer\">2025-06-18 basic/utilities/ping#behavior-requirements</a>"), "{page}");
    assert!(page.contains("<code>PING-001</code>"), "{page}");
}

#[test]
fn empty_run_says_so_and_has_no_filters() {
    let page = html::render(&fixture("minimal.json"));
    check_structure(&page);
    assert!(page.contains("<p>No case ran.</p>"), "{page}");
    assert!(!page.contains("<form"), "{page}");
    assert!(page.contains("no cases ran"), "{page}");
}

// ---------------------------------------------------------------- hostile text

#[test]
fn hostile_text_is_escaped_never_live() {
    let report = fixture("renderer-edges.json");
    let page = html::render(&report);
    let all = check_structure(&page);

    // The markup in a tool name is text: no second <script>, no <a> but the spec links.
    assert_eq!(page.matches("<script").count(), 1, "{page}");
    assert!(
        page.contains(
            "tool name \"a|b\" has markup: &lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1)) **bold**"
        ),
        "{page}"
    );
    assert!(!page.contains("<script>alert"), "{page}");
    let links: Vec<&Tag> = all.iter().filter(|t| t.name == "a").collect();
    assert_eq!(
        links.len(),
        report
            .cases
            .iter()
            .filter(|c| c.spec.url.starts_with("https://"))
            .count()
    );
    for a in links {
        assert!(a.raw.starts_with("<a href=\"https://"), "{}", a.raw);
    }
    // A non-http spec URL is shown, not linked.
    assert!(
        page.contains(
            "<dt>spec</dt><dd>2025-06-18 local <code>urn:mcpspec:local-requirements</code></dd>"
        ),
        "{page}"
    );
    // Parentheses stay inside the link target.
    assert!(
        page.contains("href=\"https://modelcontextprotocol.io/specification/2025-06-18/basic/lifecycle_(draft)#initialization\""),
        "{page}"
    );
    // Line breaks in server text stay inside their line, shown escaped.
    assert!(
        page.contains("<p class=\"note\"><b>Note:</b> a note with a | pipe and a\\nline break</p>"),
        "{page}"
    );
    assert!(
        page.contains("<dt>actual</dt><dd><code>```\\n| a | b |\\n```</code></dd>"),
        "{page}"
    );
    // An area with a pipe is one section and one checkbox.
    assert!(
        page.contains("<h2>a|b<small>1 case: 1 pass</small></h2>"),
        "{page}"
    );
    // Every finding is listed (no cap) and the full transcript is there (no excerpt cut).
    assert!(page.contains("<h3>Findings (13)</h3>"), "{page}");
    assert!(page.contains("capability 11 is not an object"), "{page}");
    assert!(page.contains("<h3>Transcript (9 entries)</h3>"), "{page}");
    assert!(
        page.contains(&format!("<pre>{}</pre>", "x".repeat(300))),
        "{page}"
    );
    assert!(
        page.contains("<pre>```` fence breaker ````</pre>"),
        "{page}"
    );
    // No control character but the line feed.
    assert!(!page.chars().any(|c| c.is_control() && c != '\n'));
}

#[test]
fn server_controls_are_shown_escaped() {
    let page = html::render(&fixture("server-text.json"));
    check_structure(&page);
    assert!(!page.chars().any(|c| c.is_control() && c != '\n'));
    assert!(
        page.contains(r"<dt>server</dt><dd><b>noisy\u{1b}[2J\nserver</b> 3</dd>"),
        "{page}"
    );
    assert!(
        page.contains(r"<title>mcpspec: noisy\u{1b}[2J\nserver 3 (not conformant)</title>"),
        "{page}"
    );
}

#[test]
fn a_hostile_case_id_cannot_leave_its_attribute() {
    let mut report = fixture("all-outcomes.json");
    report.cases[0].id = "evil\"><img src=x onerror=alert(1)>.x y".into();
    report.cases[0].spec.url = "javascript:alert(1)".into();
    let page = html::render(&report);
    check_structure(&page);
    assert!(!page.contains("<img"), "{page}");
    assert!(
        page.contains("id=\"case-evil&quot;&gt;&lt;img_src=x_onerror=alert(1)&gt;.x_y\""),
        "{page}"
    );
    assert!(!page.contains("href=\"javascript"), "{page}");
}
