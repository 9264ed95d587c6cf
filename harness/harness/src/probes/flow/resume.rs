//! The `resume-stream` probe (Streamable HTTP): calls a slow-looking tool with a progress token
//! over a POST of its own, cuts the SSE stream after its first event, POSTs a ping on another
//! stream, then reconnects with `Last-Event-ID` and judges what the resumed stream carries:
//! `check: same-stream` (nothing that belonged to another stream) or `check: redelivery` (the
//! call's response still arrives: a dropped connection is not a cancellation).
//!
//! Not the transport's own streams (the HTTP oracles watch those) and not cancellation sent
//! on purpose (`cancel.rs`).

use std::time::Duration;

use serde_json::{Value, json};

use super::pick::{Hint, call_message, first_callable, note_called};
use super::{Budget, Fut, ProbeResult, arg_str};
use crate::case::model::Verdict;
use crate::target::http::RawRequest;

/// The progress token of the call whose stream is cut.
const TOKEN: &str = "mcpspec-resume";
/// How long the first POST may take to produce its first event.
const FIRST_EVENT: Duration = Duration::from_secs(5);
/// How long the resumed stream is read for the call's response.
const RESUME_READ: Duration = Duration::from_secs(15);

/// Cuts a call's stream after one event, reconnects with `Last-Event-ID`, and judges the replay.
pub fn resume_stream<'a>(s: &'a mut crate::session::Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        if !s.is_http() {
            return ProbeResult::untestable("needs a Streamable HTTP target");
        }
        let check = arg_str(args, "check", "redelivery").to_string();
        let budget = Budget::new();
        let (tools, c) = match first_callable(s, &budget, Hint::Slow, false).await {
            Ok(picked) => picked,
            Err(r) => return r,
        };
        note_called(s, &tools, &c.name);
        let (id, message) = call_message(s, &c, Some(json!({ "progressToken": TOKEN })));
        let first = RawRequest {
            method: "POST".into(),
            body: Some(message.to_string().into_bytes()),
            read: FIRST_EVENT,
            close_within: Duration::ZERO,
            response_id: Some(id.clone()),
            stop_after_events: Some(1),
            ..RawRequest::default()
        };
        let cut = match s.http_exchange(&first).await {
            Ok(a) => a,
            Err(why) => return ProbeResult::untestable(why),
        };
        if cut.get("media_type").and_then(Value::as_str) != Some("text/event-stream") {
            return ProbeResult::untestable(format!(
                "tool {:?} was answered without an SSE stream (status {}): no stream to resume",
                c.name,
                cut.get("status").map_or("none".into(), Value::to_string)
            ));
        }
        if messages_answer(&cut, &id) {
            return ProbeResult::untestable(format!(
                "tool {:?} answered in its first event, before the stream could be cut",
                c.name
            ));
        }
        let Some(last) = cut
            .pointer("/events/0/id")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            return ProbeResult::untestable(
                "the stream's events carry no ids: the server offers no resumption",
            );
        };
        // Another stream with traffic of its own, which a correct replay never includes.
        let ping_id = s.next_request_id();
        let ping = json!({ "jsonrpc": "2.0", "id": ping_id, "method": "ping" });
        let other = RawRequest {
            method: "POST".into(),
            body: Some(ping.to_string().into_bytes()),
            read: FIRST_EVENT,
            close_within: Duration::from_millis(200),
            response_id: Some(ping_id.clone()),
            ..RawRequest::default()
        };
        if let Err(why) = s.http_exchange(&other).await {
            return ProbeResult::untestable(why);
        }
        let resume = RawRequest {
            method: "GET".into(),
            headers: vec![("last-event-id".into(), Some(last.clone()))],
            read: RESUME_READ,
            close_within: Duration::from_millis(500),
            response_id: Some(id.clone()),
            ..RawRequest::default()
        };
        let resumed = match s.http_exchange(&resume).await {
            Ok(a) => a,
            Err(why) => return ProbeResult::untestable(why),
        };
        if resumed.get("media_type").and_then(Value::as_str) != Some("text/event-stream") {
            return ProbeResult::untestable(format!(
                "GET with Last-Event-ID was answered without an SSE stream (status {}): the server offers no resumption",
                resumed
                    .get("status")
                    .map_or("none".into(), Value::to_string)
            ));
        }
        match check.as_str() {
            "same-stream" => judge_same_stream(&resumed, &id),
            _ => judge_redelivery(&resumed, &id, &c.name),
        }
    })
}

/// Whether the answer's messages hold the response to `id`.
fn messages_answer(answer: &Value, id: &Value) -> bool {
    answer
        .get("messages")
        .and_then(Value::as_array)
        .is_some_and(|ms| ms.iter().any(|m| is_response_to(m, id)))
}

fn is_response_to(m: &Value, id: &Value) -> bool {
    m.get("id") == Some(id) && (m.get("result").is_some() || m.get("error").is_some())
}

/// HTTP-020: every replayed message belongs to the cut stream: progress for its token, its
/// response, or server requests and notifications made for it. A response to another request
/// or progress for another token came from a different stream.
fn judge_same_stream(resumed: &Value, id: &Value) -> ProbeResult {
    let mut r = ProbeResult::pass();
    let messages = resumed
        .get("messages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for m in &messages {
        let foreign_response = (m.get("result").is_some() || m.get("error").is_some())
            && m.get("id").is_some_and(|x| x != id);
        let foreign_progress = m.get("method").and_then(Value::as_str)
            == Some("notifications/progress")
            && m.pointer("/params/progressToken") != Some(&json!(TOKEN));
        if foreign_response || foreign_progress {
            r.add(
                Verdict::Fail,
                // The event id is the server's (often random): it stays out of the message so
                // reports are reproducible.
                "the stream resumed with Last-Event-ID replayed a message of another stream".into(),
                "only later events of the cut stream",
                crate::wire::excerpt(&m.to_string()),
            );
            break;
        }
    }
    if messages.is_empty() && r.verdict == Verdict::Pass {
        r.untestable = Some("the resumed stream replayed nothing".into());
    }
    r
}

/// HTTP-015: the call goes on after its stream was cut, and its response arrives on the
/// resumed stream.
fn judge_redelivery(resumed: &Value, id: &Value, tool: &str) -> ProbeResult {
    if messages_answer(resumed, id) {
        return ProbeResult::pass();
    }
    let seen = resumed
        .get("events")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let mut r = ProbeResult::pass();
    r.add(
        Verdict::Fail,
        format!(
            "the call of {tool:?} was never answered on the stream resumed with Last-Event-ID (cancelled by the disconnect, or not redelivered)"
        ),
        "the call's response on the resumed stream (a dropped connection is not a cancellation)",
        format!(
            "{seen} event(s) on the resumed stream, no response within {} s",
            RESUME_READ.as_secs()
        ),
    );
    r
}
