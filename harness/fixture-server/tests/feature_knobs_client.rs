//! End-to-end tests that each knob about messages between server and client (sampling,
//! elicitation and roots requests, the server cancelling a request), switched on alone, shows
//! its misbehaviour on the wire. The clean behaviour is tested in `features.rs`; the other
//! feature areas' knobs are in the other `feature_knobs_*.rs` files.

mod common;

use common::DEADLINE;
use common::Fixture;
use common::knobs::{ready, ready_with, text_of};
use serde_json::{Value, json};

// ---- requests to the client ----------------------------------------------------------------

fn server_request(fx: &mut Fixture, tool: &str, method: &str) -> Value {
    let params = json!({"name": tool, "arguments": {"prompt":"p"}});
    fx.send_json(&json!({"jsonrpc":"2.0","id":"t","method":"tools/call","params":params}));
    fx.next_matching(DEADLINE, |m| m["method"] == json!(method))
        .unwrap_or_else(|| panic!("no {method} request"))
}

#[test]
fn sampling_bad_params() {
    let mut fx = ready_with("sampling-bad-params", json!({"sampling":{}}));
    let ask = server_request(&mut fx, "sample", "sampling/createMessage");
    assert!(ask["params"].get("maxTokens").is_none(), "{ask}");
    assert!(ask["params"]["messages"].is_array());
}

#[test]
fn elicitation_bad_schema() {
    let mut fx = ready_with("elicitation-bad-schema", json!({"elicitation":{}}));
    let ask = server_request(&mut fx, "elicit", "elicitation/create");
    let props = ask["params"]["requestedSchema"]["properties"]
        .as_object()
        .cloned()
        .expect("props");
    assert!(
        props.values().any(|p| p["type"] == json!("object")),
        "{props:?}"
    );
}

#[test]
fn elicitation_ignores_validation() {
    let mut fx = ready_with("elicitation-ignores-validation", json!({"elicitation":{}}));
    let ask = server_request(&mut fx, "elicit", "elicitation/create");
    fx.send_json(&json!({"jsonrpc":"2.0","id":ask["id"].clone(),"result":{"action":"accept","content":{"age":"old"}}}));
    let (response, _) = fx.until_response(&json!("t"));
    assert!(response["result"].get("isError").is_none(), "{response}");
    assert!(text_of(&response["result"]).starts_with("accept"));
}

#[test]
fn roots_bad_params() {
    let mut fx = ready_with("roots-bad-params", json!({"roots":{}}));
    let ask = server_request(&mut fx, "roots", "roots/list");
    assert_eq!(ask["params"], json!({"cursor":5}));
}

#[test]
fn elicitation_without_capability() {
    let mut fx = ready("elicitation-without-capability");
    let ask = server_request(&mut fx, "elicit", "elicitation/create");
    assert!(ask["id"].is_string());
}

#[test]
fn roots_without_capability() {
    let mut fx = ready("roots-without-capability");
    let ask = server_request(&mut fx, "roots", "roots/list");
    assert!(ask["id"].is_string());
}

#[test]
fn server_cancel_unknown_request() {
    let mut fx = ready("server-cancel-unknown-request");
    assert_eq!(
        fx.json(),
        json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"srv-never","reason":"no longer needed"}})
    );
    fx.assert_next_is_ping_reply();
}

#[test]
fn roots_ignore_list_changed() {
    let mut fx = ready_with(
        "roots-ignore-list-changed",
        json!({"roots":{"listChanged":true}}),
    );
    // The fetch after notifications/initialized still happens.
    let fetch = fx.json();
    assert_eq!(fetch["method"], json!("roots/list"), "{fetch}");
    fx.send_json(&json!({"jsonrpc":"2.0","id":fetch["id"].clone(),"result":{"roots":[]}}));
    fx.assert_next_is_ping_reply();
    fx.send(r#"{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}"#);
    fx.assert_next_is_ping_reply();
}
