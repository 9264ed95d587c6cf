//! End-to-end tests that each prompts knob (listing, getting, arguments, message shapes,
//! capability), switched on alone, shows its misbehaviour on the wire. The clean behaviour is
//! tested in `features.rs`; the other feature areas' knobs are in the other
//! `feature_knobs_*.rs` files.

mod common;

use common::Fixture;
use common::knobs::ready;
use serde_json::json;

// ---- prompts -------------------------------------------------------------------------------

#[test]
fn prompts_duplicate_names() {
    let mut fx = ready("prompts-duplicate-names");
    let list = fx.list_all("prompts/list", "prompts");
    assert_eq!(
        list.iter().filter(|p| p["name"] == json!("greet")).count(),
        2
    );
}

#[test]
fn prompts_bad_role() {
    let mut fx = ready("prompts-bad-role");
    let got = fx.call_result(
        json!(1),
        "prompts/get",
        Some(json!({"name":"greet","arguments":{"name":"Ada"}})),
    );
    assert_eq!(got["messages"][0]["role"], json!("system"));
}

#[test]
fn prompts_unknown_name_result() {
    let mut fx = ready("prompts-unknown-name-result");
    let got = fx.call_result(
        json!(1),
        "prompts/get",
        Some(json!({"name":"no-such-prompt"})),
    );
    assert_eq!(got["messages"].as_array().map(Vec::len), Some(1));
}

#[test]
fn prompts_missing_arg_accepted() {
    let mut fx = ready("prompts-missing-arg-accepted");
    let got = fx.call_result(json!(1), "prompts/get", Some(json!({"name":"greet"})));
    assert_eq!(got["messages"][0]["role"], json!("user"));
}

#[test]
fn prompts_non_string_arg_accepted() {
    let mut fx = ready("prompts-non-string-arg-accepted");
    let got = fx.call_result(
        json!(1),
        "prompts/get",
        Some(json!({"name":"greet","arguments":{"name":7}})),
    );
    let text = got["messages"][0]["content"]["text"]
        .as_str()
        .expect("text");
    assert!(text.contains('7'), "{text}");
}

#[test]
fn prompts_crash_on_injection() {
    let mut fx = ready("prompts-crash-on-injection");
    fx.call_result(
        json!(1),
        "prompts/get",
        Some(json!({"name":"greet","arguments":{"name":"Ada"}})),
    );
    fx.send(r#"{"jsonrpc":"2.0","id":2,"method":"prompts/get","params":{"name":"greet","arguments":{"name":"{{7*7}}"}}}"#);
    fx.assert_crashed();
}

#[test]
fn no_prompts_capability() {
    let mut fx = Fixture::spawn(&["no-prompts-capability"]);
    let response = fx.handshake();
    let caps = &response["result"]["capabilities"];
    assert!(caps.get("prompts").is_none(), "{caps}");
    assert!(caps.get("tools").is_some());
    assert_eq!(fx.list_all("prompts/list", "prompts").len(), 4);
    let got = fx.call_result(
        json!(1),
        "prompts/get",
        Some(json!({"name":"greet","arguments":{"name":"Ada"}})),
    );
    assert_eq!(got["messages"][0]["role"], json!("user"));
}

#[test]
fn prompts_bad_embedded_resource() {
    let mut fx = ready("prompts-bad-embedded-resource");
    let got = fx.call_result(
        json!(1),
        "prompts/get",
        Some(json!({"name":"embedded_resource"})),
    );
    let content = &got["messages"][0]["content"];
    assert_eq!(content["type"], json!("resource"));
    assert_eq!(
        content["resource"],
        json!({"uri":"fixture://greeting","mimeType":"text/plain"})
    );
}
