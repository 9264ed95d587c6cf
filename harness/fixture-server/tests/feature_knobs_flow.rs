//! End-to-end tests that each knob about the flow of a running request (progress
//! notifications, cancellation), switched on alone, shows its misbehaviour on the wire. The
//! clean behaviour is tested in `features.rs`; the other feature areas' knobs are in the other
//! `feature_knobs_*.rs` files.

mod common;

use std::time::Duration;

use common::Fixture;
use common::knobs::{ready, text_of};
use serde_json::{Value, json};

fn is_progress(msg: &Value) -> bool {
    msg["method"] == json!("notifications/progress")
}

// ---- progress ------------------------------------------------------------------------------

fn slow_progress(knob: &str, meta: Option<Value>) -> (Value, Vec<Value>, Fixture) {
    let mut fx = ready(knob);
    let mut params = json!({"name":"slow","arguments":{"ms":90,"steps":3}});
    if let Some(meta) = meta {
        params["_meta"] = meta;
    }
    let (response, before) = fx.call(json!("p"), "tools/call", Some(params));
    let progress = before.into_iter().filter(is_progress).collect();
    (response, progress, fx)
}

#[test]
fn progress_wrong_token() {
    let (_, progress, _) = slow_progress("progress-wrong-token", Some(json!({"progressToken":5})));
    assert!(
        progress
            .iter()
            .all(|m| m["params"]["progressToken"] == json!("5")),
        "{progress:?}"
    );
    let (_, progress, _) =
        slow_progress("progress-wrong-token", Some(json!({"progressToken":"t"})));
    assert!(
        progress
            .iter()
            .all(|m| m["params"]["progressToken"] == json!("xt")),
        "{progress:?}"
    );
}

#[test]
fn progress_not_increasing() {
    let (_, progress, _) =
        slow_progress("progress-not-increasing", Some(json!({"progressToken":1})));
    let values: Vec<&Value> = progress.iter().map(|m| &m["params"]["progress"]).collect();
    assert_eq!(values, vec![2, 1, 3]);
}

#[test]
fn progress_after_response() {
    let (response, progress, mut fx) =
        slow_progress("progress-after-response", Some(json!({"progressToken":1})));
    assert_eq!(progress.len(), 3);
    assert!(response.get("result").is_some());
    let late = fx.json();
    assert!(is_progress(&late), "{late}");
    assert_eq!(late["params"]["progressToken"], json!(1));
}

#[test]
fn progress_without_token() {
    let (_, progress, _) = slow_progress("progress-without-token", None);
    assert_eq!(progress.len(), 3);
    assert!(
        progress
            .iter()
            .all(|m| m["params"]["progressToken"] == json!("unsolicited"))
    );
}

// ---- cancellation --------------------------------------------------------------------------

/// Starts a 600 ms slow call with id 9 and reads the log messages its dispatch writes, so
/// that the call is surely in flight.
fn start_slow(fx: &mut Fixture) {
    fx.send(r#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"slow","arguments":{"ms":600,"steps":2}}}"#);
    for _ in 0..3 {
        assert_eq!(fx.json()["method"], json!("notifications/message"));
    }
}

const CANCEL_9: &str =
    r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":9}}"#;

#[test]
fn cancel_ignored() {
    let mut fx = ready("cancel-ignored");
    start_slow(&mut fx);
    fx.send(CANCEL_9);
    let (response, _) = fx.until_response(&json!(9));
    assert_eq!(text_of(&response["result"]), "done");
}

#[test]
fn cancel_crash() {
    let mut fx = ready("cancel-crash");
    // Cancelling something not in flight is harmless.
    fx.send(r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":12345}}"#);
    fx.assert_next_is_ping_reply();
    start_slow(&mut fx);
    fx.send(CANCEL_9);
    fx.assert_crashed();
}

#[test]
fn cancel_reply_error() {
    let mut fx = ready("cancel-reply-error");
    fx.send(r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":12345}}"#);
    let reply = fx.json();
    assert_eq!(reply["id"], Value::Null);
    assert!(reply["error"]["code"].is_i64(), "{reply}");
    // An in-flight request is still cancelled silently.
    start_slow(&mut fx);
    fx.send(CANCEL_9);
    let after = fx.drain(Duration::from_millis(900));
    assert!(after.is_empty(), "{after:?}");
}
