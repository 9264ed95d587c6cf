//! Helpers shared by the feature-knob tests (`feature_knobs_*.rs`): a stdio server started with
//! one knob and taken through the handshake, the text of a tool result, and the raw pages of a
//! list. They only drive the server and pick values out; the tests judge what comes back.

use serde_json::{Value, json};

use super::Fixture;

/// A server running with `knob` alone, past the clean handshake.
pub fn ready(knob: &str) -> Fixture {
    let mut fx = Fixture::spawn(&[knob]);
    fx.handshake();
    fx
}

/// A server running with `knob` alone, past a handshake declaring the client `capabilities`.
pub fn ready_with(knob: &str, capabilities: Value) -> Fixture {
    let mut fx = Fixture::spawn(&[knob]);
    fx.handshake_with(capabilities);
    fx
}

/// The text of the first content block of a tool result; fails the test when there is none.
pub fn text_of(result: &Value) -> &str {
    result["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text in {result}"))
}

/// The pages of list `method`, each as its full result, following at most `limit` cursors.
pub fn pages(fx: &mut Fixture, method: &str, limit: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<Value> = None;
    for n in 0..limit {
        let params = cursor.take().map(|c| json!({ "cursor": c }));
        let page = fx.call_result(json!(format!("page-{n}")), method, params);
        cursor = page.get("nextCursor").cloned();
        out.push(page);
        if cursor.is_none() {
            break;
        }
    }
    out
}
