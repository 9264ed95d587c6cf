//! The record of a played sequence in the case format (`case.v1` steps as JSON): every message
//! sent becomes a `send` or `send_raw` step, every answer waited for an `expect` step whose
//! `match`/`otherwise` carry the same soft judgement the fuzzer made. Replaying the steps with
//! `mcpspec run --cases DIR` sends the same bytes in the same order.
//!
//! Not the judgement itself (`play/`) and not the rest of the case file (`to_case.rs`).

use serde_json::{Map, Value, json};

/// How long a recorded case waits for an answer that may legitimately never come (it is
/// judged after a ping that must be answered, so anything still to come is late).
pub const SETTLE_MS: u64 = 300;

/// What the fuzzer wants from an answer, beyond its arrival.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Want {
    /// Any result or error.
    Any,
    /// An error with one of these codes (a result, or another code, is a soft finding).
    Error(Vec<i64>),
    /// A refusal: an error, or a tool result with `isError: true`.
    Rejected,
}

/// A `send` step.
pub fn send(message: &Value, deliberately_invalid: bool) -> Value {
    let mut send = Map::new();
    send.insert("message".into(), message.clone());
    if deliberately_invalid {
        send.insert("deliberately_invalid".into(), Value::Bool(true));
    }
    json!({ "send": send })
}

/// A `send_raw` step: `text` when the bytes are UTF-8, `hex` otherwise.
pub fn send_raw(bytes: &[u8]) -> Value {
    match std::str::from_utf8(bytes) {
        Ok(text) => json!({ "send_raw": { "text": text } }),
        Err(_) => {
            let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
            json!({ "send_raw": { "hex": hex.join(" ") } })
        }
    }
}

/// An `expect` step for the answer to `id` (`or_null`: a null-id error answers too).
/// `within_ms: None` leaves the run's timeout in charge; `optional` makes silence
/// informational; `because` explains a soft mismatch.
pub fn expect(
    id: &Value,
    or_null: bool,
    within_ms: Option<u64>,
    optional: bool,
    want: &Want,
    because: &str,
) -> Value {
    let mut e = Map::new();
    e.insert("response_to".into(), id.clone());
    if or_null && !id.is_null() {
        e.insert("or_null_id".into(), Value::Bool(true));
    }
    if let Some(ms) = within_ms {
        e.insert("within_ms".into(), json!(ms));
    }
    if optional {
        e.insert("on_timeout".into(), json!("informational"));
    }
    let soft = json!({ "then": "informational", "because": because });
    match want {
        Want::Any => {}
        Want::Error(codes) => {
            e.insert("match".into(), json!({ "/error/code": { "in": codes } }));
            e.insert("otherwise".into(), json!([soft]));
        }
        Want::Rejected => {
            e.insert(
                "match".into(),
                json!({ "/result/isError": { "equals": true } }),
            );
            e.insert(
                "otherwise".into(),
                json!([{ "if": { "/error": { "present": true } }, "then": "pass" }, soft]),
            );
        }
    }
    json!({ "expect": e })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_have_the_case_shape() {
        assert_eq!(
            send(&json!({"a": 1}), false),
            json!({"send": {"message": {"a": 1}}})
        );
        assert_eq!(send_raw(b"x\n"), json!({"send_raw": {"text": "x\n"}}));
        assert_eq!(
            send_raw(&[0xff, 0x0a]),
            json!({"send_raw": {"hex": "ff 0a"}})
        );
        let e = expect(
            &json!("fz-1"),
            true,
            Some(5),
            true,
            &Want::Error(vec![-32700]),
            "b",
        );
        assert_eq!(e["expect"]["or_null_id"], true);
        assert_eq!(e["expect"]["on_timeout"], "informational");
        assert_eq!(e["expect"]["match"]["/error/code"]["in"], json!([-32700]));
        let plain = expect(&Value::Null, true, None, false, &Want::Any, "");
        assert_eq!(plain, json!({"expect": {"response_to": null}}));
    }
}
