//! Baselines against the documented formats: a report with a baseline section validates against
//! `report.v1.schema.json` and round-trips, reports written before baselines load unchanged, and
//! the baseline parser and `baseline.v1.schema.json` agree on which files are valid. Not the
//! matching and staleness rules themselves (unit tests in `src/baseline.rs`).

use std::path::Path;

use jsonschema::Validator;
use mcpspec_report::baseline::{self, Baseline};
use mcpspec_report::exit_code::{self, FailOn};
use mcpspec_report::{Outcome, RunReport};
use serde_json::{Value, json};

fn schema(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../schemas/mcpspec")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("schema is readable");
    serde_json::from_str(&text).expect("schema is JSON")
}

fn validator(name: &str) -> Validator {
    let schema = schema(name);
    if let Err(e) = jsonschema::meta::validate(&schema) {
        panic!("{name} is not a valid schema: {e}");
    }
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles")
}

fn fixture(name: &str) -> RunReport {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture is readable"))
        .expect("fixture deserialises")
}

fn errors(v: &Validator, value: &Value) -> Vec<String> {
    v.iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// The all-outcomes fixture with a baseline that expects its failure, lists a stale entry (a
/// passing case) and an unused one (a case that did not run).
fn baselined_report() -> RunReport {
    let mut report = fixture("all-outcomes.json");
    let b = Baseline::parse(
        r#"{
          "format_version": 1,
          "expected": [
            {"case": "ping.behavior.empty-result", "reason": "upstream issue 7"},
            {"case": "oracle.*", "reason": "framing noise", "outcomes": ["fail"]},
            {"case": "base.errors", "reason": "long messages", "outcomes": ["non-strict"]},
            {"case": "lifecycle.initialize.*", "reason": "fixed since"},
            {"case": "prompts", "reason": "not declared yet"}
          ]
        }"#,
    )
    .expect("the baseline parses");
    baseline::apply(&b, "mcpspec-baseline.json", &mut report);
    report
}

#[test]
fn old_reports_load_without_a_baseline_section() {
    for name in [
        "all-outcomes.json",
        "minimal.json",
        "renderer-edges.json",
        "server-text.json",
    ] {
        let report = fixture(name);
        assert!(report.baseline.is_none(), "{name}");
        let value = serde_json::to_value(&report).unwrap();
        assert!(
            value.get("baseline").is_none(),
            "{name}: written only when set"
        );
    }
}

#[test]
fn a_report_with_a_baseline_validates_and_round_trips() {
    let report = baselined_report();
    let b = report.baseline.as_ref().unwrap();
    let expected: Vec<&str> = b.expected.iter().map(|e| e.case.as_str()).collect();
    assert_eq!(
        expected,
        [
            "base.errors.message-is-one-sentence",
            "oracle.jsonrpc-envelope",
            "ping.behavior.empty-result"
        ]
    );
    assert_eq!(b.stale.len(), 1);
    assert_eq!(b.stale[0].pattern, "lifecycle.initialize.*");
    assert_eq!(b.unused.len(), 1);
    assert_eq!(b.unused[0].pattern, "prompts");
    // The fixture also has a harness error, which no entry expects.
    assert_eq!(
        exit_code::for_report(&report, FailOn::Should),
        exit_code::STALE_BASELINE
    );

    let value = serde_json::to_value(&report).unwrap();
    let v = validator("report.v1.schema.json");
    let errs = errors(&v, &value);
    assert!(errs.is_empty(), "{errs:#?}");
    let again: RunReport = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(again, report);

    // What serde requires in the section, the schema requires too, and nothing else.
    for pointer in [
        "/baseline/file",
        "/baseline/entries",
        "/baseline/expected",
        "/baseline/stale",
        "/baseline/unused",
        "/baseline/expected/0/case",
        "/baseline/expected/0/pattern",
        "/baseline/expected/0/reason",
        "/baseline/stale/0/pattern",
        "/baseline/stale/0/reason",
        "/baseline/stale/0/cases",
    ] {
        let mut broken = value.clone();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let removed = broken
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .and_then(|o| o.remove(key));
        assert!(removed.is_some(), "no {pointer}");
        let by_serde = serde_json::from_value::<RunReport>(broken.clone()).is_ok();
        assert_eq!(by_serde, v.is_valid(&broken), "without {pointer}");
    }
    let mut broken = value.clone();
    broken["baseline"]["surprise"] = json!(1);
    assert!(!v.is_valid(&broken), "unknown members are refused");
}

#[test]
fn a_written_baseline_validates_and_accepts_its_report() {
    let mut report = fixture("all-outcomes.json");
    let written = baseline::from_report(&report);
    let text = written.to_json();
    let value: Value = serde_json::from_str(&text).unwrap();
    let errs = errors(&validator("baseline.v1.schema.json"), &value);
    assert!(errs.is_empty(), "{errs:#?}\n{text}");
    let cases: Vec<&str> = written.expected.iter().map(|e| e.case.as_str()).collect();
    assert_eq!(
        cases,
        [
            "base.errors.message-is-one-sentence",
            "oracle.jsonrpc-envelope",
            "ping.behavior.empty-result"
        ]
    );
    assert!(
        written
            .expected
            .iter()
            .all(|e| e.reason.starts_with(baseline::ACCEPTED_PREFIX))
    );
    baseline::apply(&Baseline::parse(&text).unwrap(), "b.json", &mut report);
    // Every failure is accepted; the fixture's harness error is left to exit 5.
    assert_eq!(
        exit_code::for_report(&report, FailOn::Should),
        exit_code::HARNESS_ERROR
    );
    for c in &report.cases {
        let accepted = report.baselined(&c.id).is_some();
        assert_eq!(
            accepted,
            matches!(c.outcome, Outcome::Fail | Outcome::NonStrict),
            "{}",
            c.id
        );
    }
}

#[test]
fn the_parser_and_the_schema_agree_on_baseline_files() {
    let v = validator("baseline.v1.schema.json");
    let valid = [
        json!({"format_version": 1, "expected": []}),
        json!({"$schema": "./baseline.v1.schema.json", "format_version": 1, "expected": [
            {"case": "ping", "reason": "r"},
            {"case": "tools.*.unknown-?", "reason": "r", "outcomes": ["fail", "harness-error"]},
        ]}),
    ];
    let invalid = [
        json!([]),
        json!({"expected": []}),
        json!({"format_version": 2, "expected": []}),
        json!({"format_version": 1}),
        json!({"format_version": 1, "expected": [], "extra": 1}),
        json!({"format_version": 1, "expected": [{"case": "a"}]}),
        json!({"format_version": 1, "expected": [{"reason": "r"}]}),
        json!({"format_version": 1, "expected": [{"case": "a", "reason": ""}]}),
        json!({"format_version": 1, "expected": [{"case": "a", "reason": "  "}]}),
        json!({"format_version": 1, "expected": [{"case": "", "reason": "r"}]}),
        json!({"format_version": 1, "expected": [{"case": "a b", "reason": "r"}]}),
        json!({"format_version": 1, "expected": [{"case": "a.[bc]", "reason": "r"}]}),
        json!({"format_version": 1, "expected": [{"case": "a", "reason": "r", "outcomes": []}]}),
        json!({"format_version": 1, "expected": [{"case": "a", "reason": "r", "outcomes": ["pass"]}]}),
        json!({"format_version": 1, "expected": [{"case": "a", "reason": "r", "outcomes": ["failed"]}]}),
        json!({"format_version": 1, "expected": [{"case": "a", "reason": "r", "why": "x"}]}),
        json!({"format_version": 1, "expected": [{"case": "a", "reason": 3}]}),
    ];
    for value in valid {
        let text = serde_json::to_string_pretty(&value).unwrap();
        assert!(Baseline::parse(&text).is_ok(), "parser refused {text}");
        assert!(v.is_valid(&value), "schema refused {text}");
    }
    for value in invalid {
        let text = serde_json::to_string_pretty(&value).unwrap();
        let err = Baseline::parse(&text).expect_err(&text);
        assert!(err.line > 0 && err.column > 0, "{err} for {text}");
        assert!(!v.is_valid(&value), "schema accepted {text}");
    }
}

#[test]
fn the_text_and_markdown_reports_show_what_the_baseline_did() {
    use mcpspec_report::render::{markdown, text};
    let report = baselined_report();
    let summary = text::summary(&report, false);
    assert!(
        summary.contains("    expected failure (baselined: upstream issue 7)"),
        "{summary}"
    );
    assert!(
        summary.contains("stale entry lifecycle.initialize.*"),
        "{summary}"
    );
    assert!(summary.contains("unused entry prompts"), "{summary}");
    insta::assert_snapshot!("baselined_text", summary);
    let md = markdown::render(&report);
    assert!(
        md.contains("*Expected failure (baselined: upstream issue 7)*"),
        "{md}"
    );
    assert!(md.contains("### Baseline"), "{md}");
    insta::assert_snapshot!("baselined_markdown", md);
}

#[test]
fn junit_shows_baselined_failures_as_skipped_expected_failures() {
    let report = baselined_report();
    let xml = mcpspec_report::render::junit::render(&report);
    let baselined: Vec<&str> = report
        .cases
        .iter()
        .filter(|c| c.outcome == mcpspec_report::Outcome::Fail && report.baselined(&c.id).is_some())
        .map(|c| c.id.as_str())
        .collect();
    assert!(!baselined.is_empty(), "the fixture has baselined failures");
    for id in baselined {
        let at = xml
            .find(&format!("name=\"{id}\""))
            .unwrap_or_else(|| panic!("{id} in the XML"));
        let case = &xml[at..xml[at..].find("</testcase>").map_or(xml.len(), |e| at + e)];
        assert!(case.contains("<skipped"), "{id}: {case}");
        assert!(case.contains("expected failure (baselined"), "{id}: {case}");
        assert!(!case.contains("<failure"), "{id}: {case}");
    }
}
