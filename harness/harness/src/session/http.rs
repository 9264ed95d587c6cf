//! The session side of the `http` step: sends a request a case composed, logs both directions,
//! passes every JSON-RPC message of a successful answer through the oracles and the inbox (as
//! if it came on the transport's own streams), and describes the answer as one JSON object for
//! the step's predicates.
//!
//! Not HTTP itself (`target/http/raw.rs`) and not the judgement (`interp.rs`).

use mcpspec_codec::Frame;
use serde_json::{Map, Value, json};

use super::Session;
use crate::target::http::{RawAnswer, RawRequest, media_type};
use crate::wire::Dir;

/// Most characters of a body kept in the answer object as `body_text`.
const BODY_TEXT_CAP: usize = 4096;

impl Session {
    /// Sends `req` on the HTTP transport and returns the answer object, or why it could not
    /// be sent (a stdio target).
    pub async fn http_exchange(&mut self, req: &RawRequest) -> Result<Value, String> {
        if !self.proc.is_http() {
            return Err("the http step needs a Streamable HTTP target".into());
        }
        if let Some(value) = req
            .body
            .as_deref()
            .and_then(|b| serde_json::from_slice::<Value>(b).ok())
        {
            self.note_outgoing(&value);
        }
        let (answer, loopback) = match self.proc.http() {
            Some(h) => (h.raw(req).await, h.loopback()),
            None => return Err("the http step needs a Streamable HTTP target".into()),
        };
        self.log_exchange(req, &answer);
        // Only the MCP endpoint speaks JSON-RPC: a document from another path (the resource
        // metadata) is judged by its case, not by the message oracles. A stream resumed with
        // Last-Event-ID repeats messages on purpose: its case judges the replay, and the oracles
        // (one response per request) must not count a redelivery as a second answer.
        let replay = req
            .headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("last-event-id") && v.is_some());
        let mcp = (200..300).contains(&answer.status) && req.path.is_none() && !replay;
        let mut messages = Vec::new();
        if mcp {
            let bodies: Vec<Vec<u8>> = if answer.events.is_empty() {
                if answer.body.iter().all(u8::is_ascii_whitespace) {
                    Vec::new()
                } else {
                    vec![answer.body.clone()]
                }
            } else {
                answer
                    .events
                    .iter()
                    .filter(|e| !e.data.is_empty())
                    .map(|e| e.data.clone().into_bytes())
                    .collect()
            };
            for bytes in bodies {
                if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
                    messages.push(v);
                }
                self.on_frame(Frame::Line { bytes, crlf: false }).await;
            }
        } else if replay {
            for e in answer.events.iter().filter(|e| !e.data.is_empty()) {
                if let Ok(v) = serde_json::from_str::<Value>(&e.data) {
                    self.log.message(Dir::In, &v, e.data.len());
                    messages.push(v);
                }
            }
        } else if !answer.body.is_empty() {
            self.log.raw(Dir::In, &answer.body);
        }
        Ok(describe(&answer, messages, loopback))
    }

    /// The HTTP endpoint URL, for an HTTP target.
    pub fn http_endpoint(&self) -> Option<reqwest::Url> {
        self.proc.http().map(|h| h.endpoint().clone())
    }

    /// One of the user's request headers (such as `authorization`), for an HTTP target.
    pub fn http_user_header(&self, name: &str) -> Option<String> {
        self.proc.http().and_then(|h| h.user_header(name))
    }

    fn log_exchange(&mut self, req: &RawRequest, answer: &RawAnswer) {
        let set: Vec<String> = req
            .headers
            .iter()
            .map(|(n, v)| match v {
                None => format!("-{n}"),
                Some(_) if crate::redact::is_secret_name(n) => format!("{n}: [redacted]"),
                Some(v) => format!("{n}: {v}"),
            })
            .collect();
        let line = if set.is_empty() {
            format!("{} {}", answer.sent_method, answer.sent_url)
        } else {
            format!(
                "{} {} ({})",
                answer.sent_method,
                answer.sent_url,
                set.join("; ")
            )
        };
        self.log.text(Dir::Out, "http", &line);
        if let Some(body) = &req.body {
            match serde_json::from_slice::<Value>(body) {
                Ok(v) => self.log.message(Dir::Out, &v, body.len()),
                Err(_) => self.log.raw(Dir::Out, body),
            }
        }
        let note = match &answer.error {
            Some(e) => format!("no answer: {e}"),
            None => {
                let ct = header(answer, "content-type").unwrap_or("no content type");
                format!("{} -> {} ({ct})", answer.sent_method, answer.status)
            }
        };
        self.log.text(Dir::In, "http", &note);
    }
}

fn header<'a>(answer: &'a RawAnswer, name: &str) -> Option<&'a str> {
    answer
        .headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The answer as the JSON object the step's predicates look at.
fn describe(answer: &RawAnswer, messages: Vec<Value>, loopback: bool) -> Value {
    let mut o = Map::new();
    o.insert(
        "sent".into(),
        json!({
            "method": answer.sent_method,
            "url": answer.sent_url,
            "session_id": answer.sent_session_id,
            "headers": answer
                .sent_headers
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect::<Map<String, Value>>(),
        }),
    );
    o.insert("target_loopback".into(), Value::Bool(loopback));
    if let Some(e) = &answer.error {
        o.insert("error".into(), Value::String(e.clone()));
        return Value::Object(o);
    }
    o.insert("status".into(), json!(answer.status));
    o.insert(
        "status_class".into(),
        Value::String(format!("{}xx", answer.status / 100)),
    );
    let headers: Map<String, Value> = answer
        .headers
        .iter()
        .map(|(n, v)| (n.clone(), Value::String(v.clone())))
        .collect();
    o.insert("headers".into(), Value::Object(headers));
    if let Some(ct) = header(answer, "content-type") {
        o.insert("media_type".into(), Value::String(media_type(ct)));
    }
    if !answer.body.is_empty() {
        let text = String::from_utf8_lossy(&answer.body);
        let cut: String = text.chars().take(BODY_TEXT_CAP).collect();
        o.insert("body_text".into(), Value::String(cut));
        if let Ok(v) = serde_json::from_slice::<Value>(&answer.body) {
            o.insert("body".into(), v);
        }
    }
    o.insert("body_length".into(), json!(answer.body.len()));
    o.insert("body_capped".into(), Value::Bool(answer.body_capped));
    let events: Vec<Value> = answer
        .events
        .iter()
        .map(|e| json!({"event": e.event, "id": e.id, "data": e.data}))
        .collect();
    o.insert("events".into(), Value::Array(events));
    o.insert("messages".into(), Value::Array(messages));
    o.insert(
        "sse_problems".into(),
        Value::Array(
            answer
                .sse_problems
                .iter()
                .map(|p| Value::String(p.clone()))
                .collect(),
        ),
    );
    o.insert("stream_ended".into(), Value::Bool(answer.ended));
    if let Some(c) = answer.closed_after_response {
        o.insert("closed_after_response".into(), Value::Bool(c));
    }
    if let Some(b) = &answer.broken {
        o.insert("broken".into(), Value::String(b.clone()));
    }
    Value::Object(o)
}
