//! The SARIF 2.1.0 report, for code-scanning dashboards: one run of the `mcpspec` tool, one rule
//! per case that has results, and one result per finding. Not a SARIF reader or validator.
//!
//! The mapping:
//!
//! - `fail` findings are `error` results, `non-strict` findings `warning` results and
//!   `informational` findings `note` results. A case with such an outcome but no finding gives one
//!   result from its reason (or expectation), so no graded problem is lost.
//! - A rule is a case: its ID is the case ID, its help link the spec section, and its properties
//!   carry the requirement level and the catalogue requirement IDs (also as tags).
//! - There is no source file to point at, so each result has a logical location naming the case
//!   (`area.topic.behaviour`), and its properties carry step, JSON pointer and the case an oracle
//!   finding was observed in.
//! - `harness-error` cases become tool execution notifications of the invocation, which is then
//!   not successful; `pass`, `not-applicable` and `untestable` give nothing.
//!
//! Server text is written with control characters shown escaped, as in the text summary. Arrays
//! follow case ID order, so the output depends only on the report.

use serde_json::{Map, Value, json};

use super::common;
use super::text::clean;
use crate::{CaseResult, Finding, Level, Outcome, RunReport};

/// The `$schema` URI written into every document.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The SARIF version written into every document.
pub const VERSION: &str = "2.1.0";

/// Renders the report as a SARIF 2.1.0 JSON document (pretty-printed, ending with a newline).
pub fn render(report: &RunReport) -> String {
    let mut text = match serde_json::to_string_pretty(&to_value(report)) {
        Ok(text) => text,
        // A `Value` with string keys always serialises.
        Err(e) => unreachable!("a JSON value failed to serialise: {e}"),
    };
    text.push('\n');
    text
}

/// The SARIF document as a JSON value.
pub fn to_value(report: &RunReport) -> Value {
    let mut cases: Vec<&CaseResult> = report.cases.iter().collect();
    cases.sort_by(|a, b| a.id.cmp(&b.id));
    let mut rules = Vec::new();
    let mut results = Vec::new();
    for case in cases.iter().filter(|c| result_level(c.outcome).is_some()) {
        let index = rules.len();
        rules.push(rule(case));
        if case.findings.is_empty() {
            results.push(result(case, index, None));
        } else {
            results.extend(case.findings.iter().map(|f| result(case, index, Some(f))));
        }
    }
    let notifications: Vec<Value> = cases
        .iter()
        .filter(|c| c.outcome == Outcome::HarnessError)
        .map(|c| {
            json!({
                "level": "error",
                "message": { "text": clean(common::headline(c)) },
                "descriptor": { "id": clean(&c.id) },
            })
        })
        .collect();
    let mut invocation = Map::new();
    invocation.insert(
        "executionSuccessful".into(),
        Value::Bool(notifications.is_empty()),
    );
    if chrono::DateTime::parse_from_rfc3339(&report.started_at).is_ok() {
        invocation.insert("startTimeUtc".into(), json!(report.started_at));
    }
    if !notifications.is_empty() {
        invocation.insert(
            "toolExecutionNotifications".into(),
            Value::Array(notifications),
        );
    }
    let mut run_props = Map::new();
    if let Some((name, version)) = common::server(report) {
        run_props.insert(
            "server".into(),
            json!({ "name": clean(&name), "version": clean(&version) }),
        );
    }
    run_props.insert("transport".into(), json!(clean(&report.target.transport)));
    let target = common::target(report);
    if !target.is_empty() {
        run_props.insert("target".into(), json!(clean(&target)));
    }
    run_props.insert(
        "requestedProtocolVersion".into(),
        json!(clean(&report.requested_protocol_version)),
    );
    run_props.insert(
        "negotiatedProtocolVersion".into(),
        json!(report.negotiated_protocol_version.as_deref().map(clean)),
    );
    run_props.insert("durationMs".into(), json!(report.duration_ms));
    run_props.insert("totals".into(), json!(report.summary.totals));
    json!({
        "$schema": SCHEMA_URI,
        "version": VERSION,
        "runs": [{
            "tool": {
                "driver": {
                    "name": "mcpspec",
                    "version": clean(&report.tool.version),
                    "rules": rules,
                }
            },
            "invocations": [Value::Object(invocation)],
            "originalUriBaseIds": {
                "MCPSPEC": {
                    "description": { "text": "mcpspec's source tree: case files under cases/, oracles under oracles/" }
                }
            },
            "results": results,
            "properties": Value::Object(run_props),
        }]
    })
}

/// The SARIF result level of an outcome, for the outcomes that give results.
fn result_level(outcome: Outcome) -> Option<&'static str> {
    match outcome {
        Outcome::Fail => Some("error"),
        Outcome::NonStrict => Some("warning"),
        Outcome::Informational => Some("note"),
        _ => None,
    }
}

/// The level a broken requirement of this strength is reported at by default.
fn default_level(level: Level) -> &'static str {
    match level {
        Level::Must => "error",
        Level::Should => "warning",
        Level::May => "note",
    }
}

fn rule(case: &CaseResult) -> Value {
    let requirements: Vec<String> = case
        .requirements
        .iter()
        .map(|r| clean(r).into_owned())
        .collect();
    let mut rule = json!({
        "id": clean(&case.id),
        "shortDescription": { "text": clean(&case.title) },
        "fullDescription": { "text": clean(&case.spec.statement) },
        "help": { "text": clean(&case.expectation) },
        "defaultConfiguration": { "level": default_level(case.level) },
        "properties": {
            "level": case.level.as_str(),
            "requirements": requirements,
            "tags": requirements,
        },
    });
    if !case.spec.url.is_empty() {
        rule["helpUri"] = json!(clean(&case.spec.url));
    }
    rule
}

/// The file a case ID names, relative to mcpspec's source tree (IDs are paths under `cases/`).
fn case_file(id: &str) -> String {
    let id = clean(id);
    match id.strip_prefix("oracle.") {
        Some(name) => format!("oracles/{name}"),
        None => format!("cases/{}.json", id.replace('.', "/")),
    }
}

fn result(case: &CaseResult, rule_index: usize, finding: Option<&Finding>) -> Value {
    let text = match finding {
        Some(f) => format!(
            "{}\nexpected: {}\nactual: {}",
            clean(&f.message),
            clean(&f.expected),
            clean(&f.actual)
        ),
        None => clean(common::headline(case)).into_owned(),
    };
    let name = case.id.rsplit('.').next().unwrap_or(&case.id);
    let mut props = Map::new();
    props.insert("outcome".into(), json!(case.outcome.as_str()));
    props.insert("level".into(), json!(case.level.as_str()));
    props.insert(
        "requirements".into(),
        json!(
            case.requirements
                .iter()
                .map(|r| clean(r).into_owned())
                .collect::<Vec<_>>()
        ),
    );
    if let Some(f) = finding {
        if let Some(step) = f.step {
            props.insert("step".into(), json!(step));
        }
        if let Some(ptr) = &f.json_pointer {
            props.insert("jsonPointer".into(), json!(clean(ptr)));
        }
        if let Some(seen) = &f.observed_in {
            props.insert("observedIn".into(), json!(clean(seen)));
        }
    }
    json!({
        "ruleId": clean(&case.id),
        "ruleIndex": rule_index,
        "level": result_level(case.outcome).unwrap_or("none"),
        "message": { "text": text },
        "locations": [{
            // Code-scanning dashboards want a file: the case file under mcpspec's `cases/`
            // (oracles, which have none, under `oracles/`), relative to the MCPSPEC base.
            "physicalLocation": {
                "artifactLocation": { "uri": case_file(&case.id), "uriBaseId": "MCPSPEC" },
                "region": { "startLine": 1 },
            },
            "logicalLocations": [{
                "name": clean(name),
                "fullyQualifiedName": clean(&case.id),
            }]
        }],
        "properties": Value::Object(props),
    })
}
