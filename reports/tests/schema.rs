//! Checks the hand-made `RunReport` fixtures against both readers of the format: the serde model
//! (round trip) and `schemas/mcpspec/report.v1.schema.json`, and checks that the two agree on what
//! is required and what values are allowed. Not a renderer test: see `render.rs`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use jsonschema::Validator;
use mcpspec_report::model::Selection;
use mcpspec_report::{FORMAT_VERSION, Level, Outcome, RunReport, Summary, TargetInfo};
use serde_json::{Value, json};

fn schema_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/mcpspec/report.v1.schema.json")
}

fn schema() -> Value {
    let text = std::fs::read_to_string(schema_path()).expect("report.v1.schema.json is readable");
    serde_json::from_str(&text).expect("report.v1.schema.json is JSON")
}

fn validator() -> Validator {
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .should_ignore_unknown_formats(false)
        .build(&schema())
        .expect("report.v1.schema.json compiles")
}

/// Every fixture as (file name, parsed JSON), sorted by name.
fn fixtures() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/fixtures exists") {
        let path = entry.expect("directory entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).expect("fixture is readable");
        let value: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"));
        out.push((name, value));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    let names: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"all-outcomes.json"), "fixtures: {names:?}");
    assert!(names.contains(&"minimal.json"), "fixtures: {names:?}");
    out
}

fn fixture(name: &str) -> Value {
    fixtures()
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no fixture {name}"))
}

fn schema_errors(validator: &Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn serde_accepts(value: &Value) -> bool {
    serde_json::from_value::<RunReport>(value.clone()).is_ok()
}

#[test]
fn schema_is_a_valid_draft7_document() {
    let schema = schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    if let Err(e) = jsonschema::meta::validate(&schema) {
        panic!("report.v1.schema.json is not a valid schema: {e}");
    }
}

#[test]
fn every_fixture_round_trips_through_the_model() {
    for (name, value) in fixtures() {
        let report: RunReport = serde_json::from_value(value.clone())
            .unwrap_or_else(|e| panic!("{name} does not deserialise: {e}"));
        let again = serde_json::to_value(&report).expect("a report serialises");
        assert_eq!(again, value, "{name} changed in a round trip");
        let text = serde_json::to_string_pretty(&report).expect("a report serialises");
        let reread: RunReport = serde_json::from_str(&text).expect("own output reads back");
        assert_eq!(reread, report, "{name}: text round trip");
    }
}

#[test]
fn every_fixture_validates_against_the_schema() {
    let validator = validator();
    for (name, value) in fixtures() {
        let errors = schema_errors(&validator, &value);
        assert!(errors.is_empty(), "{name} is invalid: {errors:#?}");
    }
}

#[test]
fn fixtures_are_internally_consistent() {
    for (name, value) in fixtures() {
        let report: RunReport = serde_json::from_value(value).expect("fixture deserialises");
        assert_eq!(report.format_version, FORMAT_VERSION, "{name}");
        assert_eq!(
            report.summary,
            Summary::of(&report.cases),
            "{name}: summary"
        );
        let ids: Vec<&str> = report.cases.iter().map(|c| c.id.as_str()).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted, "{name}: cases are not sorted by unique id");
    }
}

#[test]
fn all_outcomes_fixture_covers_the_format() {
    let report: RunReport =
        serde_json::from_value(fixture("all-outcomes.json")).expect("fixture deserialises");
    let outcomes: BTreeSet<Outcome> = report.cases.iter().map(|c| c.outcome).collect();
    assert_eq!(outcomes, Outcome::ALL.into_iter().collect(), "outcomes");
    let levels: BTreeSet<Level> = report.cases.iter().map(|c| c.level).collect();
    assert_eq!(
        levels,
        [Level::Must, Level::Should, Level::May]
            .into_iter()
            .collect()
    );

    let findings: Vec<_> = report.cases.iter().flat_map(|c| &c.findings).collect();
    assert!(
        findings.iter().any(|f| f.step.is_some()),
        "a finding with step"
    );
    assert!(
        findings.iter().any(|f| f.json_pointer.is_some()),
        "a finding with json_pointer"
    );
    assert!(
        findings.iter().any(|f| f.observed_in.is_some()),
        "a finding with observed_in"
    );
    assert!(
        report.cases.iter().any(|c| c.findings.len() > 3),
        "a case with over 3 findings"
    );
    assert!(
        report.cases.iter().any(|c| c.reason.is_some()),
        "a case with a reason"
    );

    let entries: Vec<_> = report.cases.iter().flat_map(|c| &c.transcript).collect();
    let kinds: BTreeSet<&str> = entries.iter().map(|e| e.kind.as_str()).collect();
    let want: BTreeSet<&str> = ["message", "raw", "stderr", "closed", "exit", "note"].into();
    assert_eq!(kinds, want, "transcript kinds");
    let dirs: BTreeSet<&str> = entries.iter().map(|e| e.dir.as_str()).collect();
    assert_eq!(dirs, ["out", "in", "local"].into(), "transcript directions");
    assert!(
        entries.iter().any(|e| e.json.is_some()),
        "an entry with json"
    );
    assert!(entries.iter().any(|e| e.truncated), "a truncated entry");
    assert!(
        report.cases.iter().any(|c| c.transcript_truncated),
        "a truncated transcript"
    );

    assert!(!report.notes.is_empty(), "notes");
    assert!(!report.could_not_test.is_empty(), "could_not_test");
    let t = &report.target;
    assert!(
        !t.command.is_empty() && t.cwd.is_some() && !t.env.is_empty(),
        "stdio target"
    );
    assert!(report.server_info.is_some() && report.capabilities.is_some());
}

#[test]
fn schema_enums_match_the_model() {
    let schema = schema();
    let outcomes: Vec<Value> = Outcome::ALL.iter().map(|o| json!(o.as_str())).collect();
    assert_eq!(
        schema["definitions"]["outcome"]["enum"],
        Value::Array(outcomes)
    );
    let totals = &schema["definitions"]["summary"]["properties"]["totals"];
    let keys: Vec<Value> = Outcome::ALL.iter().map(|o| json!(o.as_str())).collect();
    assert_eq!(totals["required"], Value::Array(keys));

    let levels: Vec<Value> = [Level::Must, Level::Should, Level::May]
        .iter()
        .map(|l| serde_json::to_value(l).expect("a level serialises"))
        .collect();
    assert_eq!(schema["definitions"]["level"]["enum"], Value::Array(levels));
}

#[test]
fn a_report_built_in_code_validates() {
    let report = RunReport {
        format_version: FORMAT_VERSION,
        tool: mcpspec_report::model::ToolInfo {
            name: "mcpspec".into(),
            version: "0.1.0".into(),
        },
        started_at: "2025-07-01T09:30:00Z".into(),
        duration_ms: 12,
        target: TargetInfo {
            transport: "http".into(),
            url: Some("https://mcp.example.test/".into()),
            ..TargetInfo::default()
        },
        requested_protocol_version: "2025-06-18".into(),
        negotiated_protocol_version: None,
        server_info: None,
        capabilities: None,
        selection: Selection::default(),
        notes: Vec::new(),
        could_not_test: Default::default(),
        tools: Default::default(),
        cases: Vec::new(),
        summary: Summary::of(&[]),
        baseline: None,
    };
    let value = serde_json::to_value(&report).expect("a report serialises");
    let errors = schema_errors(&validator(), &value);
    assert!(errors.is_empty(), "{errors:#?}\n{value:#}");
    assert_eq!(value["negotiated_protocol_version"], Value::Null);
    assert!(value.get("notes").is_none(), "empty notes are omitted");
}

/// Replaces the value at a JSON pointer.
fn set(value: &mut Value, pointer: &str, new: Value) {
    *value
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer}")) = new;
}

/// Removes the member named by the last segment of a JSON pointer.
fn remove(value: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer with a parent");
    let object = value
        .pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("no object at {parent:?}"));
    assert!(object.remove(key).is_some(), "no member {pointer}");
}

fn assert_both_reject(broken: &Value, what: &str) {
    assert!(!serde_accepts(broken), "serde accepted {what}");
    assert!(!validator().is_valid(broken), "the schema accepted {what}");
}

#[test]
fn an_unknown_outcome_is_rejected_by_both() {
    for bad in ["skipped", "Pass", "non_strict", "FAIL", ""] {
        let mut value = fixture("all-outcomes.json");
        set(&mut value, "/cases/0/outcome", json!(bad));
        assert_both_reject(&value, &format!("outcome {bad:?}"));
    }
}

#[test]
fn an_unknown_level_is_rejected_by_both() {
    let mut value = fixture("all-outcomes.json");
    set(&mut value, "/cases/0/level", json!("must"));
    assert_both_reject(&value, "level \"must\"");
}

#[test]
fn a_missing_required_field_is_rejected_by_both() {
    for pointer in [
        "/summary",
        "/tool",
        "/cases/0/outcome",
        "/cases/0/spec/url",
        "/cases/0/findings/0/actual",
        "/cases/0/transcript/0/kind",
        "/summary/totals",
    ] {
        let mut value = fixture("all-outcomes.json");
        remove(&mut value, pointer);
        assert_both_reject(&value, &format!("a report without {pointer}"));
    }
}

#[test]
fn wrong_types_are_rejected_by_both() {
    for (pointer, bad) in [
        ("/duration_ms", json!(-1)),
        ("/duration_ms", json!(1.5)),
        ("/cases/0/findings/0/step", json!("0")),
        ("/cases/0/requirements", json!("BASE-007")),
        ("/notes", json!("one note")),
        ("/cases/4/transcript_truncated", json!("yes")),
    ] {
        let mut value = fixture("all-outcomes.json");
        set(&mut value, pointer, bad.clone());
        assert_both_reject(&value, &format!("{pointer} = {bad}"));
    }
}

#[test]
fn the_schema_is_stricter_where_the_model_is_open() {
    // The model stores these as plain strings or open maps; the schema pins the documented values.
    for (pointer, bad) in [
        ("/format_version", json!(2)),
        ("/started_at", json!("yesterday")),
        ("/target/transport", json!("carrier-pigeon")),
        ("/cases/0/transcript/0/dir", json!("sideways")),
        ("/cases/0/transcript/0/kind", json!("telegram")),
        ("/cases/0/findings/0/json_pointer", json!("error/message")),
        ("/cases/0/spec/url", json!("not a url")),
    ] {
        let mut value = fixture("all-outcomes.json");
        set(&mut value, pointer, bad.clone());
        assert!(serde_accepts(&value), "serde rejected {pointer} = {bad}");
        assert!(
            !validator().is_valid(&value),
            "schema accepted {pointer} = {bad}"
        );
    }
    let mut value = fixture("all-outcomes.json");
    value["cases"][0]["surprise"] = json!(true);
    assert!(serde_accepts(&value), "serde ignores unknown members");
    assert!(
        !validator().is_valid(&value),
        "schema rejects unknown members"
    );
}

/// Every object in the all-outcomes fixture that has a model struct behind it.
const STRUCT_OBJECTS: &[&str] = &[
    "",
    "/tool",
    "/target",
    "/selection",
    "/summary",
    "/cases/0",
    "/cases/0/spec",
    "/cases/0/findings/0",
    "/cases/0/transcript/1",
    "/cases/3",
    "/cases/4",
    "/cases/4/findings/0",
    "/cases/5/findings/0",
];

/// Members the writer always emits (possibly as null) but serde fills in when absent, because
/// they are `Option`s: the schema requires them so that a written report states them.
const ALWAYS_WRITTEN_OPTIONS: &[&str] = &[
    "/negotiated_protocol_version",
    "/server_info",
    "/capabilities",
];

#[test]
fn schema_required_lists_agree_with_serde() {
    let validator = validator();
    let base = fixture("all-outcomes.json");
    let mut checked = 0;
    for object in STRUCT_OBJECTS {
        let keys: Vec<String> = base
            .pointer(object)
            .and_then(Value::as_object)
            .unwrap_or_else(|| panic!("no object at {object:?}"))
            .keys()
            .cloned()
            .collect();
        for key in keys {
            let pointer = format!("{object}/{key}");
            let mut value = base.clone();
            remove(&mut value, &pointer);
            let by_serde = serde_accepts(&value);
            let by_schema = validator.is_valid(&value);
            if ALWAYS_WRITTEN_OPTIONS.contains(&pointer.as_str()) {
                assert!(
                    by_serde && !by_schema,
                    "{pointer}: serde {by_serde}, schema {by_schema}"
                );
            } else {
                assert_eq!(by_serde, by_schema, "without {pointer}: serde vs schema");
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} members checked");
}
