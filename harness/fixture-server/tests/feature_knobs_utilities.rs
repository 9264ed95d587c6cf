//! End-to-end tests that each knob of the server utilities (logging levels and messages,
//! argument completion, pagination cursors), switched on alone, shows its misbehaviour on the
//! wire. The clean behaviour is tested in `features.rs`; the other feature areas' knobs are in
//! the other `feature_knobs_*.rs` files.

mod common;

use common::Fixture;
use common::knobs::{pages, ready};
use serde_json::{Value, json};

// ---- logging -------------------------------------------------------------------------------

#[test]
fn logging_setlevel_fails() {
    let mut fx = ready("logging-setlevel-fails");
    for level in ["debug", "error"] {
        let code = fx.call_error(
            json!(level),
            "logging/setLevel",
            Some(json!({"level": level})),
        );
        assert_eq!(code, -32602);
    }
}

#[test]
fn logging_invalid_level_accepted() {
    let mut fx = ready("logging-invalid-level-accepted");
    let result = fx.call_result(
        json!(1),
        "logging/setLevel",
        Some(json!({"level":"verbose"})),
    );
    assert_eq!(result, json!({}));
}

#[test]
fn logging_ignores_level() {
    let mut fx = ready("logging-ignores-level");
    fx.call_result(
        json!(1),
        "logging/setLevel",
        Some(json!({"level":"emergency"})),
    );
    let (_, before) = fx.call(json!(2), "tools/call", Some(json!({"name":"fail"})));
    assert!(
        before
            .iter()
            .any(|m| m["params"]["level"] == json!("debug")),
        "{before:?}"
    );
}

#[test]
fn logging_bad_level_value() {
    let mut fx = Fixture::spawn(&["logging-bad-level-value"]);
    fx.initialize_with("2025-06-18", json!({}));
    fx.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
    let ready = fx.json();
    assert_eq!(ready["params"]["level"], json!("verbose"));
    let (_, before) = fx.call(json!(1), "tools/call", Some(json!({"name":"fail"})));
    assert!(!before.is_empty());
    assert!(
        before
            .iter()
            .all(|m| m["params"]["level"] == json!("verbose"))
    );
}

// ---- completion ----------------------------------------------------------------------------

fn complete(fx: &mut Fixture, params: Value) -> (Value, Vec<Value>) {
    fx.call(json!("c"), "completion/complete", Some(params))
}

fn greet_ref() -> Value {
    json!({"type":"ref/prompt","name":"greet"})
}

#[test]
fn completion_too_many_values() {
    let mut fx = ready("completion-too-many-values");
    let (r, _) = complete(
        &mut fx,
        json!({"ref":greet_ref(),"argument":{"name":"name","value":""}}),
    );
    assert_eq!(
        r["result"]["completion"]["values"].as_array().map(Vec::len),
        Some(150)
    );
}

#[test]
fn completion_total_too_small() {
    let mut fx = ready("completion-total-too-small");
    let (r, _) = complete(
        &mut fx,
        json!({"ref":greet_ref(),"argument":{"name":"name","value":""}}),
    );
    let completion = &r["result"]["completion"];
    assert_eq!(completion["total"], json!(0));
    assert!(
        completion["values"]
            .as_array()
            .is_some_and(|v| !v.is_empty())
    );
}

#[test]
fn completion_values_not_strings() {
    let mut fx = ready("completion-values-not-strings");
    let (r, _) = complete(
        &mut fx,
        json!({"ref":greet_ref(),"argument":{"name":"name","value":""}}),
    );
    let values = r["result"]["completion"]["values"]
        .as_array()
        .cloned()
        .expect("values");
    assert!(
        !values.is_empty() && values.iter().all(Value::is_number),
        "{values:?}"
    );
}

#[test]
fn completion_reject_context() {
    let mut fx = ready("completion-reject-context");
    let (r, _) = complete(
        &mut fx,
        json!({"ref":greet_ref(),"argument":{"name":"name","value":""},"context":{"arguments":{}}}),
    );
    assert_eq!(r["error"]["code"], json!(-32602));
    let (r, _) = complete(
        &mut fx,
        json!({"ref":greet_ref(),"argument":{"name":"name","value":""}}),
    );
    assert!(r["result"].is_object());
}

#[test]
fn completion_unknown_prompt_empty() {
    let mut fx = ready("completion-unknown-prompt-empty");
    let (r, _) = complete(
        &mut fx,
        json!({"ref":{"type":"ref/prompt","name":"no-such-prompt"},"argument":{"name":"x","value":""}}),
    );
    assert_eq!(r["result"], json!({"completion":{"values":[]}}));
}

#[test]
fn completion_missing_argument_accepted() {
    let mut fx = ready("completion-missing-argument-accepted");
    for params in [
        json!({"ref":greet_ref()}),
        json!({"ref":greet_ref(),"argument":{"name":"name"}}),
    ] {
        let (r, _) = complete(&mut fx, params.clone());
        assert_eq!(r["result"]["completion"]["values"], json!([]), "{params}");
    }
}

#[test]
fn completion_template_fails() {
    let mut fx = ready("completion-template-fails");
    let (r, _) = complete(
        &mut fx,
        json!({"ref":{"type":"ref/resource","uri":"fixture://items/{id}"},"argument":{"name":"id","value":""}}),
    );
    assert_eq!(r["error"]["code"], json!(-32603));
}

#[test]
fn no_completions_capability() {
    let mut fx = Fixture::spawn(&["no-completions-capability"]);
    let response = fx.handshake();
    let caps = &response["result"]["capabilities"];
    assert!(caps.get("completions").is_none(), "{caps}");
    assert!(caps.get("prompts").is_some());
    let (r, _) = complete(
        &mut fx,
        json!({"ref":greet_ref(),"argument":{"name":"name","value":"b"}}),
    );
    assert_eq!(r["result"]["completion"]["values"], json!(["bob"]));
}

#[test]
fn undeclared_method_wrong_code() {
    let mut fx = Fixture::spawn(&["undeclared-method-wrong-code"]);
    let response = fx.handshake();
    let caps = &response["result"]["capabilities"];
    assert!(caps.get("completions").is_none(), "{caps}");
    let (r, _) = complete(
        &mut fx,
        json!({"ref":greet_ref(),"argument":{"name":"name","value":"b"}}),
    );
    assert_eq!(r["error"]["code"], json!(-32603), "{r}");
    assert_eq!(
        r["error"]["message"],
        json!("completions are not supported")
    );
    // Declared features are unaffected.
    assert_eq!(fx.list_all("prompts/list", "prompts").len(), 4);
}

#[test]
fn completion_unknown_argument_values() {
    let mut fx = ready("completion-unknown-argument-values");
    let (r, _) = complete(
        &mut fx,
        json!({"ref":greet_ref(),"argument":{"name":"colour","value":"zz"}}),
    );
    assert_eq!(
        r["result"]["completion"]["values"],
        json!(["alpha", "beta"])
    );
    let (r, _) = complete(
        &mut fx,
        json!({"ref":greet_ref(),"argument":{"name":"name","value":"b"}}),
    );
    assert_eq!(r["result"]["completion"]["values"], json!(["bob"]));
}

// ---- pagination ----------------------------------------------------------------------------

#[test]
fn pagination_repeat_items() {
    let mut fx = ready("pagination-repeat-items");
    let all = pages(&mut fx, "prompts/list", 5);
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["prompts"], all[1]["prompts"]);
}

#[test]
fn pagination_endless() {
    let mut fx = ready("pagination-endless");
    let only = fx.call_result(json!(1), "resources/templates/list", None);
    let cursor = only
        .get("nextCursor")
        .cloned()
        .expect("a cursor on the last page");
    let again = fx.call_result(
        json!(2),
        "resources/templates/list",
        Some(json!({ "cursor": cursor })),
    );
    assert_eq!(again["resourceTemplates"], only["resourceTemplates"]);
    assert_eq!(
        pages(&mut fx, "tools/list", 12).len(),
        12,
        "the list never ends"
    );
}

#[test]
fn pagination_invalid_cursor_accepted() {
    let mut fx = ready("pagination-invalid-cursor-accepted");
    let first = fx.call_result(json!(1), "tools/list", None);
    let forged = fx.call_result(
        json!(2),
        "tools/list",
        Some(json!({"cursor":"not-a-cursor"})),
    );
    assert_eq!(first, forged);
}

#[test]
fn pagination_unstable_cursor() {
    let mut fx = ready("pagination-unstable-cursor");
    let first = fx.call_result(json!(1), "tools/list", None);
    let cursor = first["nextCursor"].clone();
    let a = fx.call_result(json!(2), "tools/list", Some(json!({ "cursor": cursor })));
    let b = fx.call_result(json!(3), "tools/list", Some(json!({ "cursor": cursor })));
    assert_ne!(a["tools"], b["tools"]);
}

#[test]
fn pagination_foreign_cursor_accepted() {
    let mut fx = ready("pagination-foreign-cursor-accepted");
    let tools = fx.call_result(json!(1), "tools/list", None);
    let foreign = tools["nextCursor"].clone();
    let taken = fx.call_result(json!(2), "prompts/list", Some(json!({ "cursor": foreign })));
    let first = fx.call_result(json!(3), "prompts/list", None);
    let second = fx.call_result(
        json!(4),
        "prompts/list",
        Some(json!({ "cursor": first["nextCursor"].clone() })),
    );
    assert_eq!(taken, second);
    // Cursors this server never issued are still rejected.
    let code = fx.call_error(
        json!(5),
        "prompts/list",
        Some(json!({"cursor":"not-a-cursor"})),
    );
    assert_eq!(code, -32602);
}
