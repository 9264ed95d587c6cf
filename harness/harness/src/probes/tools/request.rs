//! One `tools/call` as the tool probes send it: the request, its cancellation after silence, how
//! it ended ([`Answer`]), the per-session memory of tools that gave no answer, the note the report
//! keeps on why each tool was or was not called, and the closing ping. Not any judgement of the
//! answers (the probe modules do that).

use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::Findings;
use crate::case::model::Verdict;
use crate::session::{Incoming, SendError, Session, WaitEnd};

/// How one `tools/call` ended.
#[derive(Debug, Clone)]
pub(super) enum Answer {
    /// A result object.
    Result(Value),
    /// A JSON-RPC error object.
    Error(Value),
    /// Nothing within the wait (a cancellation was sent).
    Silent(Duration),
    /// The server died or stopped reading.
    Gone(String),
    /// The harness could not send it (its own bug).
    NotSent(String),
}

/// Sends one `tools/call` with these params and waits. With `check` false the request skips the
/// harness-origin schema check (for arguments that are invalid on purpose). After silence, a
/// `notifications/cancelled` is sent for the request.
pub(super) async fn call(s: &mut Session, params: Value, check: bool, wait: Duration) -> Answer {
    let (mut answers, _) = call_all(s, vec![params], check, wait).await;
    answers
        .pop()
        .unwrap_or_else(|| Answer::NotSent("no request was made".into()))
}

/// Sends one `tools/call` per params value, all before waiting for any answer (JSON-RPC lets a
/// client have several requests outstanding; a server that handles them one at a time is only
/// slower), then waits for every answer until one shared deadline. A request still unanswered
/// then gets a `notifications/cancelled`. The answers come in the order of `calls`, with the
/// ids of the requests sent. `check` as for [`call`].
pub(super) async fn call_all(
    s: &mut Session,
    calls: Vec<Value>,
    check: bool,
    wait: Duration,
) -> (Vec<Answer>, Vec<String>) {
    let mut sent: Vec<Result<Value, Answer>> = Vec::with_capacity(calls.len());
    for params in calls {
        if let Some(Err(Answer::Gone(how))) = sent.last() {
            let how = how.clone();
            sent.push(Err(Answer::Gone(how)));
            continue;
        }
        let id = s.next_request_id();
        let message =
            json!({ "jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params });
        sent.push(match s.send(&message, check).await {
            Ok(()) => Ok(id),
            Err(SendError::HarnessOrigin(why)) => Err(Answer::NotSent(why)),
            Err(SendError::Transport(e)) => Err(Answer::Gone(format!(
                "the server stopped reading its input: {e}"
            ))),
        });
    }
    let ids = sent
        .iter()
        .filter_map(|one| one.as_ref().ok())
        .map(|id| id.as_str().map_or_else(|| id.to_string(), str::to_string))
        .collect();
    let deadline = Instant::now() + wait;
    let mut answers = Vec::with_capacity(sent.len());
    for one in sent {
        let id = match one {
            Ok(id) => id,
            Err(answer) => {
                answers.push(answer);
                continue;
            }
        };
        answers.push(match s.wait_response(&id, false, deadline).await {
            Ok(reply) => answer_of(&reply),
            Err(WaitEnd::TimedOut) => {
                let _ = s
                    .notify(
                        "notifications/cancelled",
                        Some(json!({ "requestId": id, "reason": "mcpspec: no answer in time" })),
                    )
                    .await;
                Answer::Silent(wait)
            }
            Err(WaitEnd::Gone(how)) => Answer::Gone(how),
        });
    }
    (answers, ids)
}

fn answer_of(reply: &Incoming) -> Answer {
    match (reply.value.get("result"), reply.value.get("error")) {
        (Some(r), _) => Answer::Result(r.clone()),
        (None, Some(e)) => Answer::Error(e.clone()),
        (None, None) => Answer::Error(Value::Null),
    }
}

/// Records why a tool was or was not called, without overwriting an earlier "called".
pub(super) fn note_tool(s: &mut Session, name: &str, why: String) {
    let keep = s
        .tool_calls
        .get(name)
        .is_some_and(|w| w.starts_with("called"));
    if !keep {
        s.tool_calls.insert(name.to_string(), why);
    }
}

/// The note for a tool the probe sent only what the guard permits: the guard's reason, saying so
/// when arguments the schema rejects were sent to a tool the guard does not allow.
pub(super) fn guard_note(decision: Result<String, String>, sent_any: bool) -> String {
    match decision {
        Ok(why) => why,
        Err(why) if sent_any => format!("{why}; only sent arguments its schema rejects"),
        Err(why) => why,
    }
}

/// A final ping: the server must still answer after what the probe sent.
pub(super) async fn still_serving(s: &mut Session, f: &mut Findings, after: &str) {
    match s.request("ping", None, Duration::from_secs(3)).await {
        Ok(_) => {}
        Err(e) => f.add(
            Verdict::Fail,
            format!("ping after {after} got no answer: {e}"),
            "a server that keeps serving",
            e.to_string(),
        ),
    }
}

/// Whether `name` gave no answer in time earlier in this session: later probes on the same
/// session skip it instead of waiting again (a slow tool is not a fault, and each case has a
/// time budget).
pub(super) fn known_slow(s: &Session, name: &str) -> bool {
    s.slow_tools.contains(name)
}

/// Remembers that `name` gave no answer in time in this session.
pub(super) fn mark_slow(s: &mut Session, name: &str) {
    s.slow_tools.insert(name.to_string());
}
