//! Tests of the report model's logic: exit codes, summary totals and the outcome scale. Not the
//! on-disk format (see `schema.rs`) nor the renderers (see `render.rs`).

use std::collections::BTreeMap;

use mcpspec_report::exit_code::{self, FailOn};
use mcpspec_report::{CaseResult, Level, Outcome, RunReport, SpecRef, Summary};

fn case(id: &str, outcome: Outcome) -> CaseResult {
    CaseResult {
        id: id.into(),
        title: "t".into(),
        expectation: "e".into(),
        level: Level::Must,
        requirements: vec!["BASE-001".into()],
        spec: SpecRef {
            revision: "2025-06-18".into(),
            page: "basic".into(),
            anchor: String::new(),
            url: "https://modelcontextprotocol.io/specification/2025-06-18/basic".into(),
            statement: "s".into(),
        },
        outcome,
        reason: None,
        findings: Vec::new(),
        duration_ms: 0,
        transcript: Vec::new(),
        transcript_truncated: false,
    }
}

fn summary(outcomes: &[Outcome]) -> Summary {
    let cases: Vec<CaseResult> = outcomes
        .iter()
        .enumerate()
        .map(|(i, o)| case(&format!("c.{i}"), *o))
        .collect();
    Summary::of(&cases)
}

#[test]
fn exit_code_truth_table() {
    use Outcome::*;
    let rows: &[(&[Outcome], i32, i32)] = &[
        // (outcomes, exit under --fail-on must, exit under --fail-on should)
        (
            &[],
            exit_code::NO_CASES_SELECTED,
            exit_code::NO_CASES_SELECTED,
        ),
        (&[Pass], exit_code::SUCCESS, exit_code::SUCCESS),
        (&[Pass, Informational, NotApplicable, Untestable], 0, 0),
        (&[Fail], 1, 1),
        (&[Pass, Fail], 1, 1),
        (&[NonStrict], 0, 1),
        (&[Pass, NonStrict, Informational], 0, 1),
        (&[HarnessError], 5, 5),
        (&[Pass, HarnessError], 5, 5),
        (&[Fail, HarnessError], 1, 1),
        (&[NonStrict, HarnessError], 5, 1),
        (&[Untestable, NotApplicable], 0, 0),
    ];
    for (outcomes, must, should) in rows {
        let s = summary(outcomes);
        assert_eq!(
            exit_code::for_summary(&s, FailOn::Must),
            *must,
            "must: {outcomes:?}"
        );
        assert_eq!(
            exit_code::for_summary(&s, FailOn::Should),
            *should,
            "should: {outcomes:?}"
        );
    }
    assert_eq!(FailOn::default(), FailOn::Must);
}

#[test]
fn exit_codes_are_distinct_and_stable() {
    let codes = [
        exit_code::SUCCESS,
        exit_code::CONFORMANCE_FAILURES,
        exit_code::USAGE_ERROR,
        exit_code::TARGET_UNREACHABLE,
        exit_code::NO_CASES_SELECTED,
        exit_code::HARNESS_ERROR,
        exit_code::STALE_BASELINE,
    ];
    assert_eq!(codes, [0, 1, 2, 3, 4, 5, 6]);
}

#[test]
fn zero_cases_wins_even_with_stale_totals() {
    // A summary that claims no cases but carries counts (hand-edited JSON) is still "nothing ran".
    let mut s = summary(&[Outcome::Fail]);
    s.cases = 0;
    assert_eq!(
        exit_code::for_summary(&s, FailOn::Must),
        exit_code::NO_CASES_SELECTED
    );
}

#[test]
fn summary_counts_every_outcome_key() {
    use Outcome::*;
    let s = summary(&[Pass, Pass, Fail, Untestable, Pass, HarnessError]);
    assert_eq!(s.cases, 6);
    let want: BTreeMap<String, usize> = [
        ("pass", 3),
        ("informational", 0),
        ("not-applicable", 0),
        ("non-strict", 0),
        ("untestable", 1),
        ("fail", 1),
        ("harness-error", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(s.totals, want);
    for o in Outcome::ALL {
        assert_eq!(s.count(o), want[o.as_str()], "{o}");
    }

    let empty = Summary::of(&[]);
    assert_eq!(empty.cases, 0);
    assert_eq!(empty.totals.len(), Outcome::ALL.len());
    assert!(empty.totals.values().all(|n| *n == 0));
}

#[test]
fn summary_count_of_a_missing_key_is_zero() {
    let s = Summary::default();
    assert_eq!(s.count(Outcome::Fail), 0);
}

#[test]
fn outcome_order_is_severity_order() {
    use Outcome::*;
    let mut shuffled = vec![
        Fail,
        Pass,
        HarnessError,
        Untestable,
        NonStrict,
        Informational,
        NotApplicable,
    ];
    shuffled.sort();
    assert_eq!(shuffled, Outcome::ALL);
    assert!(Pass < Informational);
    assert!(Informational < NotApplicable);
    assert!(NotApplicable < NonStrict);
    assert!(NonStrict < Untestable);
    assert!(Untestable < Fail);
    assert!(Fail < HarnessError);
}

#[test]
fn outcome_serde_names_are_kebab_case() {
    let names = [
        "pass",
        "informational",
        "not-applicable",
        "non-strict",
        "untestable",
        "fail",
        "harness-error",
    ];
    for (o, name) in Outcome::ALL.iter().zip(names) {
        assert_eq!(serde_json::to_value(o).unwrap(), serde_json::json!(name));
        assert_eq!(o.as_str(), name);
        assert_eq!(o.to_string(), name);
        let back: Outcome = serde_json::from_value(serde_json::json!(name)).unwrap();
        assert_eq!(back, *o);
    }
    for bad in ["Pass", "not_applicable", "NonStrict", "harness error"] {
        assert!(
            serde_json::from_value::<Outcome>(serde_json::json!(bad)).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn level_names_are_the_spec_keywords() {
    for (level, name) in [
        (Level::Must, "MUST"),
        (Level::Should, "SHOULD"),
        (Level::May, "MAY"),
    ] {
        assert_eq!(level.as_str(), name);
        assert_eq!(
            serde_json::to_value(level).unwrap(),
            serde_json::json!(name)
        );
    }
    assert!(serde_json::from_value::<Level>(serde_json::json!("Must")).is_err());
}

#[test]
fn worst_is_the_most_severe_outcome() {
    let text = include_str!("fixtures/all-outcomes.json");
    let mut report: RunReport = serde_json::from_str(text).expect("fixture deserialises");
    assert_eq!(report.worst(), Some(Outcome::HarnessError));
    report.cases.retain(|c| c.outcome <= Outcome::NonStrict);
    assert_eq!(report.worst(), Some(Outcome::NonStrict));
    report.cases.clear();
    assert_eq!(report.worst(), None);
}
