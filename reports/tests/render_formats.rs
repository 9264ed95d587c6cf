//! Snapshot and structure tests of the Markdown, JUnit and SARIF renderers over every fixture:
//! the JUnit output parses as XML with the right counts, the SARIF output has one result per
//! graded finding, the Markdown has one table row per area. Not the text summary (`render.rs`).

mod common;

use std::collections::BTreeMap;

use common::{fixture, fixture_paths, load};
use mcpspec_report::render::{junit, markdown, sarif};
use mcpspec_report::{CaseResult, Outcome, RunReport};
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use serde_json::Value;

fn area(id: &str) -> &str {
    match id.split_once('.') {
        Some((first, _)) if !first.is_empty() => first,
        _ => id,
    }
}

fn areas(report: &RunReport) -> BTreeMap<&str, Vec<&CaseResult>> {
    let mut out: BTreeMap<&str, Vec<&CaseResult>> = BTreeMap::new();
    for c in &report.cases {
        out.entry(area(&c.id)).or_default().push(c);
    }
    out
}

/// Server text as the renderers show it: control and bidirectional-override characters escaped.
fn shown(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let hide = c.is_control()
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
            let mut v: Vec<char> = Vec::new();
            if hide {
                v.extend(c.escape_default());
            } else {
                v.push(c);
            }
            v
        })
        .collect()
}

fn count(report: &RunReport, outcomes: &[Outcome]) -> usize {
    report
        .cases
        .iter()
        .filter(|c| outcomes.contains(&c.outcome))
        .count()
}

// ---------------------------------------------------------------- snapshots

#[test]
fn markdown_snapshots() {
    insta::glob!("fixtures/*.json", |path| {
        insta::assert_snapshot!(markdown::render(&load(path)));
    });
}

#[test]
fn junit_snapshots() {
    insta::glob!("fixtures/*.json", |path| {
        insta::assert_snapshot!(junit::render(&load(path)));
    });
}

#[test]
fn sarif_snapshots() {
    insta::glob!("fixtures/*.json", |path| {
        insta::assert_snapshot!(sarif::render(&load(path)));
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
        assert_eq!(markdown::render(&report), markdown::render(&shuffled));
        assert_eq!(junit::render(&report), junit::render(&shuffled));
        assert_eq!(sarif::render(&report), sarif::render(&shuffled));
    }
}

// ---------------------------------------------------------------- JUnit

/// A parsed XML element: name, attributes, children and the text directly inside it.
#[derive(Debug, Default)]
struct Element {
    name: String,
    attrs: BTreeMap<String, String>,
    children: Vec<Element>,
    text: String,
}

impl Element {
    fn attr(&self, name: &str) -> &str {
        self.attrs
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("<{}> has no {name}: {:?}", self.name, self.attrs))
    }

    fn kids<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    fn kid<'a>(&'a self, name: &'a str) -> Option<&'a Element> {
        self.kids(name).next()
    }

    fn num(&self, name: &str) -> usize {
        self.attr(name)
            .parse()
            .unwrap_or_else(|e| panic!("<{}> {name}: {e}", self.name))
    }
}

/// Parses a whole XML document with quick-xml (end tags checked) into its root element.
fn parse_xml(xml: &str) -> Element {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<Element> = vec![Element::default()];
    let open = |e: &quick_xml::events::BytesStart<'_>| {
        let mut el = Element {
            name: String::from_utf8(e.name().as_ref().to_vec()).expect("UTF-8 name"),
            ..Element::default()
        };
        for a in e.attributes() {
            let a = a.expect("well-formed attribute");
            let key = String::from_utf8(a.key.as_ref().to_vec()).expect("UTF-8 key");
            let value = a
                .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                .expect("attribute value")
                .into_owned();
            assert!(el.attrs.insert(key, value).is_none(), "duplicate attribute");
        }
        el
    };
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                let el = open(&e);
                stack.push(el);
            }
            Event::Empty(e) => {
                let el = open(&e);
                stack.last_mut().unwrap().children.push(el);
            }
            Event::End(_) => {
                let el = stack.pop().unwrap();
                stack.last_mut().expect("balanced tags").children.push(el);
            }
            Event::Text(t) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(&t.decode().expect("UTF-8 text")),
            Event::CData(t) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(&t.decode().expect("UTF-8 CDATA")),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().expect("char ref") {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().expect("UTF-8 entity");
                        resolve_predefined_entity(&name)
                            .unwrap_or_else(|| panic!("unknown entity {name}"))
                            .to_string()
                    }
                };
                stack.last_mut().unwrap().text.push_str(&resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    let mut doc = stack.pop().unwrap();
    assert_eq!(doc.children.len(), 1, "one root element");
    doc.children.pop().unwrap()
}

#[test]
fn junit_parses_and_counts_every_outcome() {
    for path in fixture_paths() {
        let report = load(&path);
        let xml = junit::render(&report);
        assert!(xml.starts_with("<?xml"), "{xml}");
        let root = parse_xml(&xml);
        assert_eq!(root.name, "testsuites");
        let fails = count(&report, &[Outcome::Fail]);
        let errors = count(&report, &[Outcome::HarnessError]);
        let skipped = count(&report, &[Outcome::NotApplicable, Outcome::Untestable]);
        assert_eq!(root.num("tests"), report.cases.len(), "{path:?}");
        assert_eq!(root.num("failures"), fails, "{path:?}");
        assert_eq!(root.num("errors"), errors, "{path:?}");
        assert_eq!(root.num("skipped"), skipped, "{path:?}");

        let expected_areas = areas(&report);
        let suites: Vec<&Element> = root.kids("testsuite").collect();
        let names: Vec<&str> = suites.iter().map(|s| s.attr("name")).collect();
        assert_eq!(
            names,
            expected_areas.keys().copied().collect::<Vec<_>>(),
            "one suite per area"
        );
        let (mut n_fail, mut n_err, mut n_skip) = (0, 0, 0);
        for suite in &suites {
            let cases = &expected_areas[suite.attr("name")];
            let testcases: Vec<&Element> = suite.kids("testcase").collect();
            assert_eq!(suite.num("tests"), cases.len());
            assert_eq!(testcases.len(), cases.len());
            for (tc, case) in testcases.iter().zip(cases) {
                assert_eq!(tc.attr("name"), case.id);
                assert_eq!(tc.attr("classname"), format!("mcpspec.{}", area(&case.id)));
                let time: f64 = tc.attr("time").parse().unwrap();
                assert_eq!((time * 1000.0).round() as u64, case.duration_ms);
                let props: BTreeMap<&str, &str> = tc
                    .kid("properties")
                    .expect("properties")
                    .kids("property")
                    .map(|p| (p.attr("name"), p.attr("value")))
                    .collect();
                assert_eq!(props["outcome"], case.outcome.as_str());
                assert_eq!(props["level"], case.level.as_str());
                let (failure, error, skip) =
                    (tc.kid("failure"), tc.kid("error"), tc.kid("skipped"));
                match case.outcome {
                    Outcome::Fail => {
                        n_fail += 1;
                        let f = failure.expect("fail is a <failure>");
                        assert!(error.is_none() && skip.is_none());
                        let headline = case
                            .findings
                            .first()
                            .map(|f| f.message.as_str())
                            .or(case.reason.as_deref())
                            .unwrap();
                        assert_eq!(f.attr("message"), shown(headline), "{}", case.id);
                        for finding in &case.findings {
                            assert!(f.text.contains(&shown(&finding.message)), "{}", f.text);
                            let expected = format!("expected: {}", shown(&finding.expected));
                            let actual = format!("actual:   {}", shown(&finding.actual));
                            assert!(f.text.contains(&expected), "{}", f.text);
                            assert!(f.text.contains(&actual), "{}", f.text);
                        }
                    }
                    Outcome::HarnessError => {
                        n_err += 1;
                        assert!(error.is_some() && failure.is_none() && skip.is_none());
                    }
                    Outcome::NotApplicable | Outcome::Untestable => {
                        n_skip += 1;
                        let s = skip.expect("a <skipped>");
                        assert!(failure.is_none() && error.is_none());
                        assert_eq!(s.attr("message"), shown(case.reason.as_deref().unwrap()));
                    }
                    Outcome::Pass | Outcome::Informational | Outcome::NonStrict => {
                        assert!(failure.is_none() && error.is_none() && skip.is_none());
                        let out = tc.kid("system-out").map(|o| o.text.as_str());
                        if case.outcome == Outcome::Pass {
                            assert!(out.is_none(), "{}: {out:?}", case.id);
                        }
                        for f in &case.findings {
                            assert!(out.unwrap().contains(&shown(&f.message)), "{}", case.id);
                        }
                    }
                }
            }
        }
        assert_eq!((n_fail, n_err, n_skip), (fails, errors, skipped));
    }
}

#[test]
fn junit_times_come_from_the_report() {
    let report = fixture("all-outcomes.json");
    let root = parse_xml(&junit::render(&report));
    assert_eq!(root.attr("time"), "1.843");
    assert_eq!(root.attr("timestamp"), "2025-07-01T09:30:00.000+00:00");
    let empty = parse_xml(&junit::render(&fixture("minimal.json")));
    assert_eq!(empty.num("tests"), 0);
    assert_eq!(empty.kids("testsuite").count(), 0);
}

#[test]
fn junit_shows_server_controls_escaped() {
    let xml = junit::render(&fixture("server-text.json"));
    assert!(!xml.contains('\u{1b}'), "{xml}");
    assert!(xml.contains(r"\u{1b}[32mready\u{1b}[0m"), "{xml}");
    assert!(
        xml.contains(r"the reader stopped early:\nbroken pipe"),
        "{xml}"
    );
}

// ---------------------------------------------------------------- SARIF

/// Results expected for a case: one per finding of a graded problem or observation, or one from
/// the reason when it has no finding.
fn expected_results(case: &CaseResult) -> usize {
    match case.outcome {
        Outcome::Fail | Outcome::NonStrict | Outcome::Informational => case.findings.len().max(1),
        _ => 0,
    }
}

#[test]
fn sarif_has_one_result_per_graded_finding() {
    for path in fixture_paths() {
        let report = load(&path);
        let text = sarif::render(&report);
        let doc: Value = serde_json::from_str(&text).expect("SARIF is JSON");
        assert_eq!(doc["version"], "2.1.0");
        assert_eq!(doc["$schema"], sarif::SCHEMA_URI);
        let runs = doc["runs"].as_array().expect("runs");
        assert_eq!(runs.len(), 1);
        let run = &runs[0];
        assert_eq!(run["tool"]["driver"]["name"], "mcpspec");
        assert_eq!(run["tool"]["driver"]["version"], report.tool.version);
        let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
        let results = run["results"].as_array().expect("results");
        let total: usize = report.cases.iter().map(expected_results).sum();
        assert_eq!(results.len(), total, "{path:?}");
        let with_results: Vec<&str> = report
            .cases
            .iter()
            .filter(|c| expected_results(c) > 0)
            .map(|c| c.id.as_str())
            .collect();
        let rule_ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(rule_ids, with_results, "one rule per case with results");
        for r in results {
            let id = r["ruleId"].as_str().unwrap();
            let index = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], id);
            let case = report.cases.iter().find(|c| c.id == id).unwrap();
            let level = match case.outcome {
                Outcome::Fail => "error",
                Outcome::NonStrict => "warning",
                _ => "note",
            };
            assert_eq!(r["level"], level);
            let loc = &r["locations"][0]["logicalLocations"][0];
            assert_eq!(loc["fullyQualifiedName"], id);
            assert!(!r["message"]["text"].as_str().unwrap().is_empty());
            assert_eq!(
                r["properties"]["requirements"],
                serde_json::json!(case.requirements)
            );
        }
        let ok = report.summary.count(Outcome::HarnessError) == 0;
        assert_eq!(run["invocations"][0]["executionSuccessful"], ok);
    }
}

#[test]
fn sarif_messages_carry_expected_and_actual() {
    let report = fixture("all-outcomes.json");
    let doc: Value = serde_json::from_str(&sarif::render(&report)).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let ping = results
        .iter()
        .find(|r| r["ruleId"] == "ping.behavior.empty-result")
        .unwrap();
    assert_eq!(
        ping["message"]["text"],
        "/result is not an empty object\nexpected: /result equals {}\nactual: {\"pong\":true}"
    );
    assert_eq!(ping["properties"]["jsonPointer"], "/result");
    assert_eq!(ping["properties"]["step"], 1);
    let rule =
        &doc["runs"][0]["tool"]["driver"]["rules"][ping["ruleIndex"].as_u64().unwrap() as usize];
    assert_eq!(
        rule["helpUri"],
        "https://modelcontextprotocol.io/specification/2025-06-18/basic/utilities/ping#behavior-requirements"
    );
    assert_eq!(rule["properties"]["tags"], serde_json::json!(["PING-001"]));
    let oracle: Vec<&Value> = results
        .iter()
        .filter(|r| r["ruleId"] == "oracle.jsonrpc-envelope")
        .collect();
    assert_eq!(oracle.len(), 4);
    assert_eq!(
        oracle[0]["properties"]["observedIn"],
        "base.errors.message-is-one-sentence"
    );
    let notes = &doc["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(notes[0]["descriptor"]["id"], "tools.call.unknown-tool");
}

// ---------------------------------------------------------------- Markdown

/// The body rows of the first Markdown table (after the delimiter row).
fn table_rows(md: &str) -> Vec<&str> {
    md.lines()
        .skip_while(|l| !l.starts_with("| area |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect()
}

/// Splits a table row into cells at `|` that are not backslash-escaped.
fn cells(row: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut chars = row.trim().trim_start_matches('|').chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '|' => {
                cells.push(cur.trim().to_string());
                cur.clear();
            }
            _ => cur.push(c),
        }
    }
    cells
}

#[test]
fn markdown_has_one_table_row_per_area_with_counts() {
    let columns = [
        Outcome::Pass,
        Outcome::Fail,
        Outcome::NonStrict,
        Outcome::Informational,
        Outcome::NotApplicable,
        Outcome::Untestable,
        Outcome::HarnessError,
    ];
    for path in fixture_paths() {
        let report = load(&path);
        let md = markdown::render(&report);
        let rows = table_rows(&md);
        let expected = areas(&report);
        assert_eq!(rows.len(), expected.len(), "{path:?}:\n{md}");
        for (row, (area, cases)) in rows.iter().zip(&expected) {
            let cells = cells(row);
            assert_eq!(cells.len(), 1 + columns.len(), "{row}");
            assert_eq!(cells[0].replace('\\', ""), *area);
            for (cell, outcome) in cells[1..].iter().zip(columns) {
                let n = cases.iter().filter(|c| c.outcome == outcome).count();
                assert_eq!(cell, &n.to_string(), "{row}");
            }
        }
        if report.cases.is_empty() {
            assert!(md.contains("No case ran."), "{md}");
        }
    }
}

#[test]
fn markdown_lists_failures_in_order_with_their_details() {
    let report = fixture("all-outcomes.json");
    let md = markdown::render(&report);
    assert!(md.starts_with("## mcpspec: not conformant\n"), "{md}");
    let headings: Vec<&str> = md.lines().filter(|l| l.starts_with("#### ")).collect();
    assert_eq!(
        headings,
        [
            "#### fail `oracle.jsonrpc-envelope`",
            "#### fail `ping.behavior.empty-result`",
            "#### non-strict `base.errors.message-is-one-sentence`",
            "#### harness-error `tools.call.unknown-tool`",
        ]
    );
    assert!(md.contains("**MUST** · `PING-001` · [spec: 2025-06-18 basic/utilities/ping\\#behavior-requirements](https://modelcontextprotocol.io/specification/2025-06-18/basic/utilities/ping#behavior-requirements)"), "{md}");
    assert!(
        md.contains("  - expected: `/result equals {}`\n  - actual: `{\"pong\":true}`\n"),
        "{md}"
    );
    // The excerpt around the ping failure shows the answer that broke it.
    assert!(
        md.contains(r#"in    message: {"id":"p-1","jsonrpc":"2.0","result":{"pong":true}}"#),
        "{md}"
    );
    // The header line names server, target, revision and counts.
    assert!(md.contains("**mcpspec-fixture-server** 0.1.0 · stdio `mcpspec-fixture-server --bug ping-result-not-empty --bug error-message-multiline` · revision 2025-06-18 (negotiated: 2025-06-18) · 8 cases: 1 pass, 2 fail, 1 non-strict, 1 informational, 1 not-applicable, 1 untestable, 1 harness-error"), "{md}");
}

#[test]
fn markdown_keeps_hostile_text_inert() {
    let md = markdown::render(&fixture("renderer-edges.json"));
    // The area with a pipe stays one cell.
    assert!(md.contains(r"| a\|b | 1 | 0 |"), "{md}");
    // Line breaks in server text stay inside their line.
    assert!(
        md.contains(r"> **Note:** a note with a \| pipe and a\\nline break"),
        "{md}"
    );
    assert!(!md.contains("<script>"), "{md}");
    assert!(md.contains(r"\<script\>"), "{md}");
    assert!(!md.contains("[x](javascript"), "{md}");
    // A value with backticks gets a longer code fence; a transcript with a long backtick run a
    // longer block fence.
    assert!(
        md.contains(r"  - actual: ```` ```\n| a | b |\n``` ````"),
        "{md}"
    );
    assert!(md.contains("`````text\n"), "{md}");
    // A non-http spec URL is not a link.
    assert!(
        md.contains("spec: `urn:mcpspec:local-requirements`"),
        "{md}"
    );
    // Parentheses in a spec URL cannot end the link.
    assert!(md.contains("lifecycle_%28draft%29#initialization)"), "{md}");
    // Findings past ten are counted, not listed.
    assert!(md.contains("- … and 3 more in report.json"), "{md}");
    // The excerpt is centred on the message the first finding points at, and capped.
    assert!(md.contains(r#"in    message: {"id":0,"jsonrpc":"2.0","result":{"capabilities":{},"protocolVersion":"1999-01-01"}}"#), "{md}");
    assert!(
        md.contains(
            "… 4 more entries: the full log is transcripts/lifecycle.initialize.many-findings.jsonl"
        ),
        "{md}"
    );
    assert!(md.contains(&format!("{}…", "x".repeat(200))), "{md}");
    assert!(!md.contains(&"x".repeat(201)), "{md}");
    for line in md.lines() {
        assert!(!line.chars().any(|c| c.is_control()), "{line:?}");
    }
}

#[test]
fn markdown_of_server_text_has_no_control_characters() {
    let md = markdown::render(&fixture("server-text.json"));
    assert!(!md.chars().any(|c| c.is_control() && c != '\n'), "{md}");
    assert!(md.contains(r"**noisy\\u{1b}\[2J\\nserver** 3"), "{md}");
}

#[test]
fn markdown_groups_untested_cases_and_drops_repeated_notes() {
    let mut report = fixture("all-outcomes.json");
    report
        .could_not_test
        .entry("completions".into())
        .or_default()
        .push("completion.complete.at-most-100-values (not-applicable): repeated".into());
    let md = markdown::render(&report);
    assert!(!md.contains("repeated"), "{md}");
    assert!(
        md.contains("- resources: resources/templates/list returned no template\n"),
        "{md}"
    );
    assert!(
        md.contains("<details><summary>2 case(s) untestable or not applicable</summary>"),
        "{md}"
    );
    // Cases with the same outcome and reason share one line.
    let mut twin = report.cases[1].clone();
    twin.id = "completion.complete.twin".into();
    report.cases.insert(2, twin);
    let md = markdown::render(&report);
    assert!(
        md.contains("- not-applicable: the server does not advertise the completions capability: `completion.complete.at-most-100-values`, `completion.complete.twin`\n"),
        "{md}"
    );
}
