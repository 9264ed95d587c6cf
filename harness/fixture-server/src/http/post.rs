//! POST on the Streamable HTTP endpoint: content checks, `initialize` creating a session with a
//! JSON answer, requests answered on their own event stream (which a client that drops it can
//! resume, see `resume.rs`), notifications or responses
//! accepted with 202, and messages the server refuses answered with 400 and the error the
//! server core wrote. It does not route messages (`routes.rs`) or parse HTTP (`request.rs`).

use std::net::TcpStream;
use std::sync::Arc;

use serde_json::Value;

use super::request::{Head, media_type};
use super::sessions::{Init, Rejected, Session, Sessions};
use super::{response, session_headers, session_of, sse};
use crate::bugs::Bugs;
use crate::protocol::{
    INTERNAL_ERROR, INVALID_REQUEST, Incoming, PARSE_ERROR, classify, id_key, is_valid_id,
};

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
    let bugs = sessions.bugs();
    let request_id = request_id(&value);
    let session = if head.header("mcp-session-id").is_none() {
        let method = value.get("method").and_then(Value::as_str);
        if let (Some(id), Some("initialize")) = (request_id, method) {
            return initialize(stream, id, body, sessions);
        }
        // `http-missing-session-served`: the newest live session stands in for the header.
        match sessions
            .newest()
            .filter(|_| bugs.http_missing_session_served)
        {
            Some(session) => session,
            None => {
                let message = "missing session id";
                return response::error(stream, 400, INVALID_REQUEST, message, &[]);
            }
        }
    } else {
        let Some(session) = session_of(stream, head, sessions) else {
            return;
        };
        session
    };
    let extra = session_headers(sessions, &session);
    let Some(id) = request_id else {
        return message(stream, &value, body, &session, sessions, &extra);
    };
    let token = value
        .pointer("/params/_meta/progressToken")
        .filter(|token| is_valid_id(token))
        .map(id_key);
    match session.feed_request(sessions, id_key(id), token, body) {
        Some((stream_id, rx)) => {
            let style = sse::Style::new(&bugs, true, extra);
            // A stream taken over by a resumption ends drained; its client may be gone too.
            if sse::pump(stream, &rx, &style) == sse::Ended::ClientLeft || sse::peer_closed(stream)
            {
                // Reader 0: the POST that opened the stream. An unanswered request goes on.
                session.release(sessions, stream_id, 0);
            }
        }
        None => response::error(stream, 404, INVALID_REQUEST, "session not found", &[]),
    }
}

/// A message that is not a request the server answers on a stream: accepted with 202 when
/// the core takes it (a notification or a response), or answered with 400 and the core's error
/// when the core refuses it (`{"method":7}`, an id that is null or fractional, a non-object).
fn message(
    stream: &TcpStream,
    value: &Value,
    body: &[u8],
    session: &Arc<Session>,
    sessions: &Sessions,
    extra: &[(&'static str, String)],
) {
    let bugs = sessions.bugs();
    let headers = response::pairs(extra);
    if !matches!(classify(value, &bugs), Incoming::Invalid { .. }) {
        if !session.feed_message(sessions, body) {
            response::error(stream, 404, INVALID_REQUEST, "session not found", &[]);
        } else if bugs.http_notification_200 {
            response::send(stream, 200, &headers, Some("application/json"), b"{}");
        } else {
            response::send(stream, 202, &headers, None, b"");
        }
        return;
    }
    match session.feed_rejected(sessions, body) {
        Rejected::Answer(answer) if bugs.http_rejected_notification_200 => {
            let answer = with_id_zero(&answer);
            response::send(stream, 200, &headers, Some("application/json"), &answer);
        }
        Rejected::Answer(answer) => {
            response::send(stream, 400, &headers, Some("application/json"), &answer);
        }
        Rejected::NoAnswer => {
            let message = "the server ended the session without answering";
            response::error(stream, 500, INTERNAL_ERROR, message, &[]);
        }
        Rejected::Gone => {
            response::error(stream, 404, INVALID_REQUEST, "session not found", &[]);
        }
    }
}

/// `answer` with its `id` set to 0 (`http-rejected-notification-200`); as it is when it is not
/// a JSON object.
fn with_id_zero(answer: &[u8]) -> Vec<u8> {
    match serde_json::from_slice::<Value>(answer) {
        Ok(Value::Object(mut obj)) => {
            obj.insert("id".into(), Value::from(0));
            Value::Object(obj).to_string().into_bytes()
        }
        _ => answer.to_vec(),
    }
}

/// The `Content-Type` of a JSON answer to a POSTed request.
fn answer_type(bugs: &Bugs) -> &'static str {
    if bugs.http_content_type_text_plain {
        "text/plain"
    } else {
        "application/json"
    }
}

/// The body answering `initialize`: as the core wrote it, or in a one-element array under
/// `http-json-array`.
fn shape_initialize(bugs: &Bugs, response: Vec<u8>) -> Vec<u8> {
    if !bugs.http_json_array {
        return response;
    }
    let mut wrapped = Vec::with_capacity(response.len() + 2);
    wrapped.push(b'[');
    wrapped.extend_from_slice(&response);
    wrapped.push(b']');
    wrapped
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
    let bugs = sessions.bugs();
    if bugs.http_no_session_after_end && sessions.any_ended() {
        let message = "this server opens no new session once one has ended";
        return response::error(stream, 400, INVALID_REQUEST, message, &[]);
    }
    let content_type = Some(answer_type(&bugs));
    match sessions.initialize(id_key(id), body) {
        Init::Ready { id, response } => {
            let headers = [("Mcp-Session-Id", id.as_str())];
            let response = shape_initialize(&bugs, response);
            response::send(stream, 200, &headers, content_type, &response);
        }
        Init::Refused { response } => {
            let response = shape_initialize(&bugs, response);
            response::send(stream, 200, &[], content_type, &response);
        }
        Init::NoAnswer => {
            let message = "the server ended the session without answering initialize";
            response::error(stream, 500, INTERNAL_ERROR, message, &[]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{request_id, shape_initialize, with_id_zero};
    use crate::bugs::Bugs;
    use serde_json::json;

    #[test]
    fn knob_shapes_of_answers() {
        let error = br#"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"m"}}"#;
        let zero: serde_json::Value = serde_json::from_slice(&with_id_zero(error)).expect("JSON");
        assert_eq!(zero["id"], json!(0));
        assert_eq!(zero["error"]["code"], json!(-32600));
        assert_eq!(with_id_zero(b"not json"), b"not json");
        assert_eq!(shape_initialize(&Bugs::default(), b"{}".to_vec()), b"{}");
        let bugs = Bugs {
            http_json_array: true,
            ..Bugs::default()
        };
        assert_eq!(
            shape_initialize(&bugs, b"{\"a\":1}".to_vec()),
            b"[{\"a\":1}]"
        );
    }

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
