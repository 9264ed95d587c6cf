//! POST on the Streamable HTTP endpoint: content checks, `initialize` creating a session with a
//! JSON answer, requests answered on their own event stream, and notifications or responses
//! accepted with 202. It does not route messages (`sessions.rs`) or parse HTTP (`request.rs`).

use std::net::TcpStream;

use serde_json::Value;

use super::request::{Head, media_type};
use super::sessions::{Init, Sessions};
use super::{response, session_of, sse};
use crate::protocol::{INTERNAL_ERROR, INVALID_REQUEST, PARSE_ERROR, id_key, is_valid_id};

/// Answers one POST whose body has been read.
pub fn handle(stream: &TcpStream, head: &Head, body: &[u8], sessions: &Sessions) {
    let json_body = head
        .header("content-type")
        .is_some_and(|value| media_type(value) == "application/json");
    if !json_body {
        let message = "Content-Type must be application/json";
        return response::error(stream, 415, INVALID_REQUEST, message, &[]);
    }
    if !(head.accepts("application/json") && head.accepts("text/event-stream")) {
        let message = "Accept must list application/json and text/event-stream";
        return response::error(stream, 406, INVALID_REQUEST, message, &[]);
    }
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return response::error(stream, 400, PARSE_ERROR, "parse error", &[]);
    };
    if value.is_array() {
        let message = "invalid request: batches are not supported";
        return response::error(stream, 400, INVALID_REQUEST, message, &[]);
    }
    let request_id = request_id(&value);
    if head.header("mcp-session-id").is_none() {
        let method = value.get("method").and_then(Value::as_str);
        return match (request_id, method) {
            (Some(id), Some("initialize")) => initialize(stream, id, body, sessions),
            _ => response::error(stream, 400, INVALID_REQUEST, "missing session id", &[]),
        };
    }
    let Some(session) = session_of(stream, head, sessions) else {
        return;
    };
    let Some(id) = request_id else {
        if session.feed_message(sessions, body) {
            response::send(stream, 202, &[], None, b"");
        } else {
            response::error(stream, 404, INVALID_REQUEST, "session not found", &[]);
        }
        return;
    };
    match session.feed_request(sessions, id_key(id), body) {
        Some((stream_id, rx)) => {
            let _ = sse::pump(stream, &rx);
            session.close_stream(stream_id);
        }
        None => response::error(stream, 404, INVALID_REQUEST, "session not found", &[]),
    }
}

/// The id of a message the server will answer: an object with a string or integer `id` that
/// is not itself a response. (Whatever else is wrong with it, the core answers it under that
/// id.)
fn request_id(value: &Value) -> Option<&Value> {
    let obj = value.as_object()?;
    let response =
        !obj.contains_key("method") && (obj.contains_key("result") || obj.contains_key("error"));
    obj.get("id").filter(|id| is_valid_id(id) && !response)
}

/// `initialize` without a session: a new session whose core answers it as a JSON body.
fn initialize(stream: &TcpStream, id: &Value, body: &[u8], sessions: &Sessions) {
    match sessions.initialize(id_key(id), body) {
        Init::Ready { id, response } => {
            let headers = [("Mcp-Session-Id", id.as_str())];
            response::send(stream, 200, &headers, Some("application/json"), &response);
        }
        Init::Refused { response } => {
            response::send(stream, 200, &[], Some("application/json"), &response);
        }
        Init::NoAnswer => {
            let message = "the server ended the session without answering initialize";
            response::error(stream, 500, INTERNAL_ERROR, message, &[]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::request_id;
    use serde_json::json;

    #[test]
    fn requests_are_messages_with_a_usable_id_that_are_not_responses() {
        let id = |v| request_id(&v).cloned();
        assert_eq!(id(json!({"id":1,"method":"ping"})), Some(json!(1)));
        assert_eq!(id(json!({"id":"a","method":7})), Some(json!("a")));
        assert_eq!(id(json!({"id":2})), Some(json!(2)));
        assert_eq!(id(json!({"method":"notifications/initialized"})), None);
        assert_eq!(id(json!({"id":"srv-1","result":{}})), None);
        assert_eq!(id(json!({"id":null,"method":"ping"})), None);
        assert_eq!(id(json!({"id":1.5,"method":"ping"})), None);
        assert_eq!(id(json!(5)), None);
    }
}
