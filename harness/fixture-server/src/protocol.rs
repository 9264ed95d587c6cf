//! JSON-RPC 2.0 envelope rules as the fixture server applies them: error codes, the shape of a
//! method's answer, and the sorting of one parsed JSON value into request, notification,
//! client response or invalid message. It knows nothing about MCP methods or session state.

use serde_json::{Map, Value};

use crate::bugs::Bugs;

/// Invalid JSON was received.
pub const PARSE_ERROR: i64 = -32700;
/// The JSON sent is not a valid request object.
pub const INVALID_REQUEST: i64 = -32600;
/// The method does not exist or is not available.
pub const METHOD_NOT_FOUND: i64 = -32601;
/// Invalid method parameters.
pub const INVALID_PARAMS: i64 = -32602;
/// Internal JSON-RPC error.
pub const INTERNAL_ERROR: i64 = -32603;
/// MCP's code for a resource that does not exist.
pub const RESOURCE_NOT_FOUND: i64 = -32002;

/// What a method handler answers: a result object or a JSON-RPC error.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A successful result.
    Result(Value),
    /// An error with code, message and optional data.
    Error {
        /// The JSON-RPC error code.
        code: i64,
        /// A short, one-line description.
        message: String,
        /// Extra detail, if any.
        data: Option<Value>,
    },
}

impl Reply {
    /// An error reply without data.
    pub fn error(code: i64, message: impl Into<String>) -> Reply {
        Reply::Error {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// A -32602 reply with the given message.
    pub fn invalid_params(message: impl Into<String>) -> Reply {
        Reply::error(INVALID_PARAMS, message)
    }
}

/// One incoming JSON value, sorted by what it is.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// A request to serve. `params` is `None` when absent (or, under
    /// `accept-positional-params`, when it was an array).
    Request {
        /// The id to echo back.
        id: Value,
        /// The method name.
        method: String,
        /// The named params.
        params: Option<Map<String, Value>>,
    },
    /// A notification (no `id` member, string `method`). Never answered.
    Notification {
        /// The method name.
        method: String,
        /// The params member as sent, whatever its type.
        params: Option<Value>,
    },
    /// A response from the client to a request the server sent (a `result` or `error` member
    /// and no `method`), handed to whoever waits for it.
    ClientResponse {
        /// The id member as sent (`null` when absent).
        id: Value,
        /// The whole message.
        message: Value,
    },
    /// Not a valid request: answer with this error (id `null` unless a usable id was read).
    Invalid {
        /// The id to put in the error response.
        id: Value,
        /// -32600, or -32602 for positional params.
        code: i64,
        /// Why the message was rejected.
        message: String,
    },
}

/// The key under which a request id is tracked: its compact JSON text, so that `1` and `"1"`
/// stay distinct.
pub fn id_key(id: &Value) -> String {
    id.to_string()
}

/// True for ids MCP allows in requests: strings and integers that fit 64 bits.
pub fn is_valid_id(id: &Value) -> bool {
    match id {
        Value::String(_) => true,
        Value::Number(n) => n.is_i64() || n.is_u64(),
        _ => false,
    }
}

/// Sorts a parsed, non-array JSON value. Top-level arrays (batches) are handled by the caller.
pub fn classify(value: &Value, bugs: &Bugs) -> Incoming {
    let Value::Object(obj) = value else {
        return invalid(Value::Null, "a message must be a JSON object");
    };
    let method = obj.get("method");
    if method.is_none() && (obj.contains_key("result") || obj.contains_key("error")) {
        return Incoming::ClientResponse {
            id: obj.get("id").cloned().unwrap_or(Value::Null),
            message: value.clone(),
        };
    }
    let Some(raw_id) = obj.get("id") else {
        // No id member: a notification when the method is a string, whatever else it holds.
        return match method {
            Some(Value::String(method)) => Incoming::Notification {
                method: method.clone(),
                params: obj.get("params").cloned(),
            },
            _ => invalid(Value::Null, "method must be a string"),
        };
    };
    let echo_id = if is_valid_id(raw_id) {
        raw_id.clone()
    } else {
        Value::Null
    };
    if !bugs.lenient_envelope && obj.get("jsonrpc") != Some(&Value::from("2.0")) {
        return invalid(echo_id, "jsonrpc must be the string \"2.0\"");
    }
    let Some(Value::String(method)) = method else {
        return invalid(echo_id, "method must be a string");
    };
    if raw_id.is_null() && !bugs.null_id_executed {
        return invalid(Value::Null, "id must not be null");
    }
    if !raw_id.is_null() && !is_valid_id(raw_id) {
        return invalid(Value::Null, "id must be a string or an integer");
    }
    let params = match obj.get("params") {
        None => None,
        Some(Value::Object(params)) => Some(params.clone()),
        Some(Value::Array(_)) if bugs.accept_positional_params => None,
        Some(Value::Array(_)) => {
            return Incoming::Invalid {
                id: echo_id,
                code: INVALID_PARAMS,
                message: "params must be an object (named parameters)".into(),
            };
        }
        Some(_) => return invalid(echo_id, "params must be an object"),
    };
    Incoming::Request {
        id: raw_id.clone(),
        method: method.clone(),
        params,
    }
}

fn invalid(id: Value, message: &str) -> Incoming {
    Incoming::Invalid {
        id,
        code: INVALID_REQUEST,
        message: format!("invalid request: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::{INVALID_PARAMS, INVALID_REQUEST, Incoming, classify};
    use crate::bugs::Bugs;
    use serde_json::{Value, json};

    fn sort(value: Value) -> Incoming {
        classify(&value, &Bugs::default())
    }

    fn invalid_code_and_id(value: Value) -> (i64, Value) {
        match sort(value) {
            Incoming::Invalid { id, code, .. } => (code, id),
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn well_formed_request_keeps_id_and_params() {
        let got = sort(json!({"jsonrpc":"2.0","id":"a","method":"ping","params":{"x":1}}));
        let Incoming::Request { id, method, params } = got else {
            panic!("expected a request");
        };
        assert_eq!(id, json!("a"));
        assert_eq!(method, "ping");
        assert_eq!(params.map(Value::Object), Some(json!({"x":1})));
    }

    #[test]
    fn envelope_errors() {
        let cases = [
            (json!({"id":1,"method":"ping"}), INVALID_REQUEST, json!(1)),
            (
                json!({"jsonrpc":"1.0","id":"s","method":"ping"}),
                INVALID_REQUEST,
                json!("s"),
            ),
            (
                json!({"jsonrpc":"2.0","id":2,"method":7}),
                INVALID_REQUEST,
                json!(2),
            ),
            (
                json!({"jsonrpc":"2.0","id":null,"method":"ping"}),
                INVALID_REQUEST,
                Value::Null,
            ),
            (
                json!({"jsonrpc":"2.0","id":1.5,"method":"ping"}),
                INVALID_REQUEST,
                Value::Null,
            ),
            (
                json!({"jsonrpc":"2.0","id":[1],"method":"ping"}),
                INVALID_REQUEST,
                Value::Null,
            ),
            (
                json!({"jsonrpc":"2.0","id":3,"method":"ping","params":5}),
                INVALID_REQUEST,
                json!(3),
            ),
            (
                json!({"jsonrpc":"2.0","id":3,"method":"ping","params":null}),
                INVALID_REQUEST,
                json!(3),
            ),
            (
                json!({"jsonrpc":"2.0","id":4,"method":"ping","params":[]}),
                INVALID_PARAMS,
                json!(4),
            ),
            (json!("text"), INVALID_REQUEST, Value::Null),
            (
                json!({"jsonrpc":"2.0","method":7}),
                INVALID_REQUEST,
                Value::Null,
            ),
            (json!({"jsonrpc":"2.0","id":9}), INVALID_REQUEST, json!(9)),
        ];
        for (value, code, id) in cases {
            assert_eq!(
                invalid_code_and_id(value.clone()),
                (code, id),
                "for {value}"
            );
        }
    }

    #[test]
    fn notifications_and_responses() {
        assert_eq!(
            sort(json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":42})),
            Incoming::Notification {
                method: "notifications/cancelled".into(),
                params: Some(json!(42))
            }
        );
        let answer = json!({"jsonrpc":"2.0","id":"srv-1","result":{}});
        assert_eq!(
            sort(answer.clone()),
            Incoming::ClientResponse {
                id: json!("srv-1"),
                message: answer
            }
        );
        let refusal = json!({"jsonrpc":"2.0","id":"srv-1","error":{"code":-1,"message":"no"}});
        assert_eq!(
            sort(refusal.clone()),
            Incoming::ClientResponse {
                id: json!("srv-1"),
                message: refusal
            }
        );
    }

    #[test]
    fn knobs_relax_the_envelope() {
        let mut bugs = Bugs::default();
        bugs.enable("lenient-envelope").expect("known");
        bugs.enable("null-id-executed").expect("known");
        bugs.enable("accept-positional-params").expect("known");
        let got = classify(&json!({"id":null,"method":"ping","params":[1]}), &bugs);
        assert_eq!(
            got,
            Incoming::Request {
                id: Value::Null,
                method: "ping".into(),
                params: None
            }
        );
    }
}
