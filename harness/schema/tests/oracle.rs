//! Compares mcpspec's own 2025-06-18 schema with the official one used as an oracle.
//!
//! Checks definition names, `required` lists and property names (at every nesting of inline
//! `properties`), and identical verdicts of both schemas on the committed corpus
//! (tests/corpus/messages.json). It is not a test of the harness: only of the schema file.
//! When the official file is not present next to the repository, the oracle comparisons are
//! skipped with a note on stderr; the corpus is still checked against our schema. The variable
//! `MCPSPEC_ORACLE_SCHEMA` overrides where the official file is looked for.

use std::collections::BTreeSet;
use std::path::Path;

use mcpspec_schema::Schema;
use serde_json::Value;

const REVISION: &str = "2025-06-18";
const ORACLE_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/spec/2025-06-18/schema.json"
);
const CORPUS_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/messages.json");

struct Item {
    definition: String,
    instance: Value,
    valid: bool,
    note: String,
}

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {path}: {e}"))
}

fn corpus() -> Vec<Item> {
    let Value::Array(entries) = read_json(CORPUS_PATH) else {
        panic!("{CORPUS_PATH}: top level must be an array");
    };
    entries
        .into_iter()
        .enumerate()
        .map(|(i, entry)| {
            let definition = entry["definition"].as_str().map(str::to_owned);
            let valid = entry["valid"].as_bool();
            let note = entry["note"].as_str().map(str::to_owned);
            match (definition, valid, note, entry.get("instance")) {
                (Some(definition), Some(valid), Some(note), Some(instance)) => Item {
                    definition,
                    instance: instance.clone(),
                    valid,
                    note,
                },
                _ => panic!("corpus entry {i} lacks definition/instance/valid/note: {entry}"),
            }
        })
        .collect()
}

fn ours() -> &'static Schema {
    Schema::try_for_revision(REVISION).unwrap_or_else(|e| panic!("{e}"))
}

/// The official schema, compiled with the same options as ours; `None` (after a note) when absent.
/// `MCPSPEC_ORACLE_SCHEMA` may point at another copy of the file.
fn oracle() -> Option<Schema> {
    let path = std::env::var("MCPSPEC_ORACLE_SCHEMA").unwrap_or_else(|_| ORACLE_PATH.to_owned());
    if !Path::new(&path).exists() {
        eprintln!("SKIPPED: ../shared not present (oracle schema comparison)");
        return None;
    }
    let raw = read_json(&path);
    Some(Schema::compile("oracle-2025-06-18", raw).unwrap_or_else(|e| panic!("{e}")))
}

fn verdict(schema: &Schema, definition: &str, instance: &Value) -> bool {
    schema
        .is_valid(definition, instance)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn name_set(value: Option<&Value>) -> BTreeSet<String> {
    match value {
        Some(Value::Object(map)) => map.keys().cloned().collect(),
        _ => BTreeSet::new(),
    }
}

fn required_set(value: &Value, at: &str) -> BTreeSet<String> {
    match value.get("required") {
        None => BTreeSet::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .unwrap_or_else(|| panic!("{at}: non-string in required"))
                    .to_owned()
            })
            .collect(),
        Some(other) => panic!("{at}: required is not an array: {other}"),
    }
}

/// Compares required lists and property names of two subschemas, then recurses into every
/// property both have. Returns how many object levels were compared.
fn compare_shape(official: &Value, mine: &Value, at: &str, problems: &mut Vec<String>) -> usize {
    let mut levels = 1;
    let (req_o, req_m) = (required_set(official, at), required_set(mine, at));
    if req_o != req_m {
        problems.push(format!(
            "{at}: required {req_o:?} (official) vs {req_m:?} (ours)"
        ));
    }
    let (props_o, props_m) = (
        name_set(official.get("properties")),
        name_set(mine.get("properties")),
    );
    if props_o != props_m {
        problems.push(format!(
            "{at}: properties {props_o:?} (official) vs {props_m:?} (ours)"
        ));
    }
    for name in props_o.intersection(&props_m) {
        let (sub_o, sub_m) = (&official["properties"][name], &mine["properties"][name]);
        if sub_o.get("properties").is_some() || sub_m.get("properties").is_some() {
            levels += compare_shape(sub_o, sub_m, &format!("{at}/{name}"), problems);
        } else if required_set(sub_o, at) != required_set(sub_m, at) {
            problems.push(format!("{at}/{name}: required differs"));
        }
    }
    levels
}

#[test]
fn corpus_matches_recorded_verdicts_in_our_schema() {
    let ours = ours();
    let items = corpus();
    assert!(items.len() >= 200, "corpus has only {} items", items.len());
    let valid = items.iter().filter(|i| i.valid).count();
    let invalid = items.len() - valid;
    assert!(
        valid >= 80 && invalid >= 80,
        "{valid} valid / {invalid} invalid"
    );
    let definitions: BTreeSet<&str> = items.iter().map(|i| i.definition.as_str()).collect();
    assert!(
        definitions.len() >= 70,
        "corpus spans only {} definitions",
        definitions.len()
    );
    let mut wrong = Vec::new();
    for item in &items {
        let violations = ours
            .validate(&item.definition, &item.instance)
            .unwrap_or_else(|e| panic!("{e}"));
        let got = verdict(ours, &item.definition, &item.instance);
        assert_eq!(
            got,
            violations.is_empty(),
            "is_valid and validate disagree on {} ({})",
            item.definition,
            item.note
        );
        if got != item.valid {
            wrong.push(format!(
                "{} ({}): recorded {}, ours {got}: {violations:?}",
                item.definition, item.note, item.valid
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn definitions_match_the_oracle() {
    let Some(oracle) = oracle() else {
        return;
    };
    let ours = ours();
    assert_eq!(oracle.definitions().len(), 91);
    assert_eq!(ours.definitions(), oracle.definitions());

    let mut problems = Vec::new();
    let mut levels = 0;
    for name in ours.definitions() {
        let official = &oracle.raw()["definitions"][name];
        let mine = &ours.raw()["definitions"][name];
        levels += compare_shape(official, mine, name, &mut problems);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // the nested params/capability objects were reached, not only the top level
    assert!(levels > 91, "only {levels} object levels compared");
}

#[test]
fn corpus_verdicts_match_the_oracle() {
    let Some(oracle) = oracle() else {
        return;
    };
    let ours = ours();
    let items = corpus();
    let mut disagreements = Vec::new();
    for item in &items {
        let official = verdict(&oracle, &item.definition, &item.instance);
        let mine = verdict(ours, &item.definition, &item.instance);
        if official != item.valid || mine != item.valid {
            disagreements.push(format!(
                "{} ({}): recorded {}, official {official}, ours {mine}",
                item.definition, item.note, item.valid
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} items disagree:\n{}",
        disagreements.len(),
        items.len(),
        disagreements.join("\n")
    );

    // every corpus instance against every definition: both schemas must give the same verdict
    let mut cross = 0usize;
    let mut cross_disagreements = Vec::new();
    for item in &items {
        for name in ours.definitions() {
            let official = verdict(&oracle, name, &item.instance);
            let mine = verdict(ours, name, &item.instance);
            cross += 1;
            if official != mine {
                cross_disagreements.push(format!(
                    "{name} on the instance of {} ({}): official {official}, ours {mine}",
                    item.definition, item.note
                ));
            }
        }
    }
    assert!(
        cross_disagreements.is_empty(),
        "{}",
        cross_disagreements.join("\n")
    );
    eprintln!(
        "oracle: {} definitions, {} corpus items agreed ({} cross-definition verdicts agreed)",
        ours.definitions().len(),
        items.len(),
        cross
    );
}
