//! Strict classification of one received frame into a JSON-RPC message kind plus the complete list
//! of envelope faults. This module checks the envelope only: it does not look at MCP method names
//! (beyond the `notifications/` prefix), params contents or result shapes.

use serde_json::{Map, Value};

use crate::violation::EnvelopeViolation;

/// The four shapes of JSON-RPC 2.0 message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// Has `method` and an `id` member.
    Request,
    /// Has `method` and no `id` member.
    Notification,
    /// Has `result`, no `error` and no `method`.
    Result,
    /// Has `error` (possibly alongside a forbidden `result`) and no `method`.
    Error,
}

/// The outcome of [`classify`] for one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Classified {
    /// The parsed JSON value, when the bytes were UTF-8 JSON (even if not a valid message).
    pub value: Option<Value>,
    /// The recognised shape, when one could be told (even with violations); None for garbage / arrays / scalars.
    pub kind: Option<MessageKind>,
    /// Every envelope rule the bytes break, in a stable order. Empty = a clean JSON-RPC 2.0 message.
    pub violations: Vec<EnvelopeViolation>,
}

impl Classified {
    /// True when the frame is a well-formed JSON-RPC 2.0 message under MCP's envelope rules.
    pub fn is_clean(&self) -> bool {
        self.violations.is_empty()
    }

    /// The `id` member if present (it may be `Value::Null`), whatever its type.
    pub fn id(&self) -> Option<&Value> {
        self.value.as_ref()?.as_object()?.get("id")
    }

    /// The `method` member if it is a string.
    pub fn method(&self) -> Option<&str> {
        self.value.as_ref()?.as_object()?.get("method")?.as_str()
    }
}

/// Strict classification of one frame (one stdio line without its newline, or one HTTP body / SSE data).
///
/// The bytes are decoded as strict UTF-8, then parsed as one JSON value (surrounding JSON
/// whitespace is allowed, trailing garbage is not). An object with a `method` member is a request
/// when it also has an `id` member and a notification otherwise; an object with `result` or
/// `error` (and no `method`) is a response. Every applicable fault is listed, ordered by the member
/// it concerns: `jsonrpc`, `id`, `method`, `params`, `result`, `error`, then the shape as a whole.
///
/// Noteworthy decisions:
/// - Only JSON integers count as integers: `1.0` and `1e3` are floats and therefore wrong ids/codes.
/// - An error response may carry `"id": null` (the reply to unparseable input); a result may not.
/// - A `notifications/...` message with an `id` member keeps the kind [`MessageKind::Request`] and
///   is flagged [`EnvelopeViolation::NotificationWithId`]; its id type is then not checked further,
///   since the member should not exist at all.
/// - Members that do not belong to the recognised shape (say `result` on a request) are ignored.
///
/// - Valid JSON nested deeper than [`crate::KEPT_DEPTH`] levels, or with a number beyond the
///   range of an IEEE 754 double, is read from a shallow copy (deep containers replaced by
///   [`crate::DEEP_PLACEHOLDER`], such numbers by strings of their literal) and flagged first with
///   [`EnvelopeViolation::BeyondLimits`]; the envelope of the copy is then checked as usual, so
///   such a message still answers its request.
///
/// Never panics, and never recurses deeper than the parser's limit whatever the input.
pub fn classify(bytes: &[u8]) -> Classified {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            return Classified {
                value: None,
                kind: None,
                violations: vec![EnvelopeViolation::NotUtf8 {
                    valid_up_to: err.valid_up_to(),
                }],
            };
        }
    };
    let mut violations = Vec::new();
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(err) => match beyond_limits(text, &err) {
            Some((value, beyond)) => {
                violations.push(EnvelopeViolation::BeyondLimits {
                    depth: beyond.depth,
                    number: beyond.number,
                });
                value
            }
            None => {
                return Classified {
                    value: None,
                    kind: None,
                    violations: vec![EnvelopeViolation::NotJson {
                        message: err.to_string(),
                    }],
                };
            }
        },
    };
    let (kind, found) = match &value {
        Value::Object(members) => check_object(members),
        Value::Array(items) => (None, vec![EnvelopeViolation::Batch { len: items.len() }]),
        scalar => (
            None,
            vec![EnvelopeViolation::NotAnObject {
                found: type_name(scalar),
            }],
        ),
    };
    violations.extend(found);
    Classified {
        value: Some(value),
        kind,
        violations,
    }
}

/// For the two parse errors valid JSON can cause (too deep, a number out of double range): the
/// parsed shallow copy, or `None` when the text is not valid JSON after all.
fn beyond_limits(text: &str, err: &serde_json::Error) -> Option<(Value, crate::Beyond)> {
    let why = err.to_string();
    if !(why.starts_with("recursion limit exceeded") || why.starts_with("number out of range")) {
        return None;
    }
    let (copy, beyond) = crate::limits::shallow_copy(text)?;
    let value = serde_json::from_str(&copy).ok()?;
    Some((value, beyond))
}

/// Checks the members of a top-level object.
fn check_object(members: &Map<String, Value>) -> (Option<MessageKind>, Vec<EnvelopeViolation>) {
    let mut faults = Vec::new();
    match members.get("jsonrpc") {
        None => faults.push(EnvelopeViolation::JsonrpcMissing),
        Some(Value::String(version)) if version == "2.0" => {}
        Some(other) => faults.push(EnvelopeViolation::JsonrpcNotTwoPointZero {
            found: other.clone(),
        }),
    }
    let id = members.get("id");

    if let Some(method) = members.get("method") {
        let kind = if id.is_some() {
            MessageKind::Request
        } else {
            MessageKind::Notification
        };
        if let Some(id) = id {
            let named_as_notification = method
                .as_str()
                .is_some_and(|name| name.starts_with("notifications/"));
            if named_as_notification {
                faults.push(EnvelopeViolation::NotificationWithId);
            } else if id.is_null() {
                faults.push(EnvelopeViolation::IdNullOnRequest);
            } else if !is_string_or_integer(id) {
                faults.push(EnvelopeViolation::IdWrongType { found: id.clone() });
            }
        }
        if !method.is_string() {
            faults.push(EnvelopeViolation::MethodNotString {
                found: method.clone(),
            });
        }
        match members.get("params") {
            None | Some(Value::Object(_)) => {}
            Some(Value::Array(_)) => faults.push(EnvelopeViolation::ParamsNotObject),
            Some(other) => faults.push(EnvelopeViolation::ParamsNotStructured {
                found: other.clone(),
            }),
        }
        return (Some(kind), faults);
    }

    let result = members.get("result");
    let error = members.get("error");
    if result.is_none() && error.is_none() {
        faults.push(EnvelopeViolation::NoShape);
        return (None, faults);
    }
    let kind = if error.is_some() {
        MessageKind::Error
    } else {
        MessageKind::Result
    };
    match id {
        None => faults.push(EnvelopeViolation::IdMissingOnResponse),
        Some(Value::Null) if kind == MessageKind::Error => {}
        Some(id) if is_string_or_integer(id) => {}
        Some(id) => faults.push(EnvelopeViolation::IdWrongType { found: id.clone() }),
    }
    if result.is_some() && error.is_some() {
        faults.push(EnvelopeViolation::ResultAndError);
    }
    if let Some(result) = result
        && !result.is_object()
    {
        faults.push(EnvelopeViolation::ResultNotObject {
            found: result.clone(),
        });
    }
    match error {
        None => {}
        Some(Value::Object(body)) => {
            let code = body.get("code").unwrap_or(&Value::Null);
            if !is_integer(code) {
                faults.push(EnvelopeViolation::ErrorCodeNotInteger {
                    found: code.clone(),
                });
            }
            let message = body.get("message").unwrap_or(&Value::Null);
            if !message.is_string() {
                faults.push(EnvelopeViolation::ErrorMessageNotString {
                    found: message.clone(),
                });
            }
        }
        Some(other) => faults.push(EnvelopeViolation::ErrorNotObject {
            found: other.clone(),
        }),
    }
    (Some(kind), faults)
}

/// A JSON integer as written on the wire: fits i64 or u64 and was not written as a float.
fn is_integer(value: &Value) -> bool {
    match value {
        Value::Number(number) => number.is_i64() || number.is_u64(),
        _ => false,
    }
}

/// The id types JSON-RPC 2.0 allows (MCP additionally excludes null, handled by the callers).
fn is_string_or_integer(value: &Value) -> bool {
    value.is_string() || is_integer(value)
}

/// JSON type name used in [`EnvelopeViolation::NotAnObject`].
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integers_are_told_from_floats() {
        assert!(is_integer(&json!(0)));
        assert!(is_integer(&json!(-1)));
        assert!(is_integer(&json!(u64::MAX)));
        assert!(!is_integer(&json!(1.0)));
        assert!(!is_integer(&json!(1.5)));
        assert!(!is_integer(&json!("1")));
        let parsed: Value = serde_json::from_str("1e3").unwrap_or(Value::Null);
        assert!(parsed.is_number());
        assert!(!is_integer(&parsed));
    }

    #[test]
    fn type_names_cover_all_kinds() {
        assert_eq!(type_name(&json!(null)), "null");
        assert_eq!(type_name(&json!(true)), "boolean");
        assert_eq!(type_name(&json!(2)), "number");
        assert_eq!(type_name(&json!("s")), "string");
        assert_eq!(type_name(&json!([])), "array");
        assert_eq!(type_name(&json!({})), "object");
    }

    #[test]
    fn accessors_read_id_and_method() {
        let c = classify(br#"{"jsonrpc":"2.0","id":null,"method":7}"#);
        assert_eq!(c.id(), Some(&Value::Null));
        assert_eq!(c.method(), None);
        let c = classify(br#"{"jsonrpc":"2.0","id":"x","method":"ping"}"#);
        assert_eq!(c.id(), Some(&json!("x")));
        assert_eq!(c.method(), Some("ping"));
        assert!(c.is_clean());
        let c = classify(b"[1]");
        assert_eq!(c.id(), None);
        assert_eq!(c.method(), None);
        let c = classify(b"\xff");
        assert_eq!(c.id(), None);
    }
}
