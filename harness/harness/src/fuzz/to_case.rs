//! Turning a shrunk failing sequence into a case file (`case.v1`, `session: "raw"`): the
//! recorded steps, the broken rule's spec reference and level, and an ID
//! `found.<rule>.<hash8>` derived from the steps, so the same sequence always gets the same
//! file. The file loads and lints as a user case (`mcpspec run --cases DIR`), where no fixture
//! knob is checked; moving it into `cases/` means renaming it and naming its knob.
//!
//! Not the search (`search.rs`) and not the report (`report.rs`).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::play::Played;
use super::verdict::Failure;
use crate::case::model::TransportReq;

/// The `self_test.breaks_with` of a found case: a valid knob name that no fixture has, so the
/// lint of `cases/` rejects the file until a human names the real knob.
pub const KNOB_PLACEHOLDER: &str = "name-the-fixture-knob";

/// The longest case title written.
const MAX_TITLE: usize = 240;

/// The case ID for a failure and its recorded steps.
pub fn case_id(failure: &Failure, steps: &[Value]) -> String {
    let text = serde_json::to_string(steps).unwrap_or_default();
    let hash = fnv1a(format!("{}\n{text}", failure.rule.id).as_bytes());
    format!("found.{}.{hash:08x}", failure.rule_name())
}

/// The case file for a failure found by the sequence that `played` records.
pub fn found_case(
    failure: &Failure,
    played: &Played,
    seed: u64,
    shrunk_from: usize,
    transport: TransportReq,
) -> Value {
    let rule = failure.rule;
    let actions: Vec<&str> = played.played.iter().map(|(_, d)| d.as_str()).collect();
    let title = if actions.is_empty() {
        "Initializes a session and sends a ping (the sequence that fuzzing shrank to)".to_string()
    } else {
        cut(
            &format!(
                "Replays {} fuzz-found action(s) on a new session: {}",
                actions.len(),
                actions.join("; ")
            ),
            MAX_TITLE,
        )
    };
    let where_seen = if rule.id.starts_with("oracle.") {
        format!(
            " The steps alone pass; the failure is the oracle {} observed during this case.",
            rule.id
        )
    } else {
        String::new()
    };
    let notes = format!(
        "Found by `mcpspec fuzz --seed {seed}`: {}. Shrunk to {} action(s) from {shrunk_from}.{where_seen} \
         Before moving this file into cases/, rename its ID after the behaviour and set \
         self_test.breaks_with to the fixture knob that reproduces it.",
        failure.message.trim_end_matches('.'),
        actions.len(),
    );
    let transport = match transport {
        TransportReq::Any => "any",
        TransportReq::Stdio => "stdio",
        TransportReq::Http => "http",
    };
    json!({
        "id": case_id(failure, &played.steps),
        "title": title,
        "expectation": rule.expectation,
        "requirements": failure.requirements(),
        "spec": { "page": rule.page, "anchor": rule.anchor, "statement": rule.statement },
        "level": rule.level.as_str(),
        "requires": { "transport": transport },
        "session": "raw",
        "steps": played.steps,
        "self_test": { "breaks_with": KNOB_PLACEHOLDER },
        "notes": notes,
    })
}

/// The case's JSON text in the field order of the case model, after checking that it loads
/// and lints as a user case would (a failure here is mcpspec's bug).
pub fn render(case: &Value) -> Result<String, String> {
    let id = case.get("id").and_then(Value::as_str).unwrap_or("found");
    let path = format!("{id}.json");
    let loaded = load(
        &path,
        &serde_json::to_string(case).map_err(|e| e.to_string())?,
    )?;
    let mut text = serde_json::to_string_pretty(&loaded.case).map_err(|e| e.to_string())?;
    text.push('\n');
    load(&path, &text)?;
    Ok(text)
}

fn load(path: &str, text: &str) -> Result<crate::case::LoadedCase, String> {
    let loaded = crate::case::load::parse_text(path, text).map_err(|errors| {
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let problems = crate::case::lint(std::slice::from_ref(&loaded), None);
    match problems.first() {
        Some(p) => Err(p.to_string()),
        None => Ok(loaded),
    }
}

/// Writes the case as `dir/<id>.json` and returns the path.
pub fn write(dir: &Path, case: &Value) -> Result<PathBuf, String> {
    let text = render(case)?;
    let id = case.get("id").and_then(Value::as_str).unwrap_or("found");
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(format!("{id}.json"));
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// 32-bit FNV-1a: a stable hash (unlike the standard library's, which may change).
fn fnv1a(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::super::play::{ServerFacts, Stats};
    use super::super::verdict::{ANSWERS, SURVIVES};
    use super::*;
    use crate::oracles::ORACLES;
    use mcpspec_report::Level;

    fn played() -> Played {
        Played {
            steps: vec![
                json!({"send": {"message": {"jsonrpc": "2.0", "id": "fz-1", "method": "ping"}}}),
                json!({"send_raw": {"text": "{\n"}}),
                json!({"expect": {"response_to": "fz-1"}}),
            ],
            failure: None,
            soft: Vec::new(),
            played: vec![
                (0, "ping".into()),
                (1, "a malformed line (Truncated)".into()),
            ],
            transcript: Vec::new(),
            stats: Stats::default(),
            server: ServerFacts::default(),
            cut_short: false,
        }
    }

    fn failure(rule: &'static crate::oracles::OracleDef) -> Failure {
        Failure {
            rule,
            requirement: None,
            signature: rule.id.into(),
            message: "it broke".into(),
            expected: "e".into(),
            actual: "a".into(),
            pointer: None,
            action: Some(1),
        }
    }

    #[test]
    fn every_must_rule_gives_a_case_that_lints() {
        let p = played();
        let rules = ORACLES
            .iter()
            .filter(|o| o.level == Level::Must)
            .chain([&SURVIVES, &ANSWERS])
            .chain(crate::fuzz::http_rules::RULES);
        for rule in rules {
            let case = found_case(&failure(rule), &p, 7, 9, TransportReq::Stdio);
            let text = render(&case).unwrap_or_else(|e| panic!("{}: {e}", rule.id));
            assert!(text.contains(KNOB_PLACEHOLDER));
            let id = case["id"].as_str().expect("id");
            assert!(id.starts_with("found."), "{id}");
            assert_eq!(
                id.len(),
                "found.".len() + failure(rule).rule_name().len() + 9
            );
        }
    }

    #[test]
    fn ids_are_stable_and_follow_the_steps() {
        let p = played();
        let f = failure(&SURVIVES);
        assert_eq!(case_id(&f, &p.steps), case_id(&f, &p.steps));
        assert_ne!(case_id(&f, &p.steps), case_id(&f, &p.steps[1..]));
        assert_eq!(fnv1a(b"a"), 0xe40c_292c);
    }
}
