//! The `during-call` probe: while a tool call runs, sends `ping` (PING-002: answered without
//! waiting for the call) or a second request reusing the call's id (PROBE-008: the server must
//! survive). Not the ping cases of the step vocabulary, and not cancellation (`cancel.rs`).

use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::pick::{Hint, first_callable, note_called, send_call};
use super::{
    Budget, CALL_TIMEOUT, Fut, ProbeResult, answers, arg_str, check_alive, ping_survives,
    send_failed,
};
use crate::case::model::Verdict;
use crate::session::{Incoming, Session};

/// A call answered sooner than this was not in flight long enough to tell whether a ping
/// waited for it.
const QUICK_CALL_MS: u64 = 300;

/// Sends ping (`check: ping`) or a ping reusing the call's id (`check: reused-id`) right after a
/// tool call (a slow-looking tool first), and judges the answers.
pub fn during_call<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let reuse = match arg_str(args, "check", "ping") {
            "ping" => false,
            "reused-id" => true,
            other => return ProbeResult::untestable(format!("unknown check {other:?}")),
        };
        let budget = Budget::new();
        let (tools, c) = match first_callable(s, &budget, Hint::Slow, false).await {
            Ok(picked) => picked,
            Err(r) => return r,
        };
        note_called(s, &tools, &c.name);
        let mut r = ProbeResult::pass();
        let sent_at = Instant::now();
        let call_id = match send_call(s, &c).await {
            Ok(id) => id,
            Err(e) => {
                send_failed(&mut r, "the call", e);
                return r;
            }
        };
        let ping_id = if reuse {
            call_id.clone()
        } else {
            s.next_request_id()
        };
        let ping = json!({ "jsonrpc": "2.0", "id": ping_id, "method": "ping" });
        if let Err(e) = s.send(&ping, true).await {
            send_failed(&mut r, "the ping", e.to_string());
            return r;
        }
        if reuse {
            judge_reused(s, &mut r, &c.name, &call_id, &budget).await;
        } else {
            judge_ping(s, &mut r, &c.name, (&call_id, &ping_id), sent_at, &budget).await;
        }
        check_alive(s, &mut r);
        r
    })
}

/// PING-002: the ping's answer must not wait for the call's.
async fn judge_ping(
    s: &mut Session,
    r: &mut ProbeResult,
    tool: &str,
    (call_id, ping_id): (&Value, &Value),
    sent_at: Instant,
    budget: &Budget,
) {
    let deadline = budget.deadline(CALL_TIMEOUT);
    let mut call_ms: Option<u64> = None;
    let mut ping_ms: Option<u64> = None;
    // Wait for the ping's answer; once it is in, only as long as it takes to tell whether the
    // call was in flight for QUICK_CALL_MS (the verdict must not depend on which answer won a
    // race between two quick ones).
    loop {
        let until = match ping_ms {
            None => deadline,
            Some(_) if call_ms.is_some() => break,
            Some(_) => (sent_at + Duration::from_millis(QUICK_CALL_MS)).min(deadline),
        };
        let want = |m: &Incoming| answers(m, call_id) || answers(m, ping_id);
        let Some(m) = s.watch(want, until).await else {
            break;
        };
        let ms = Instant::now()
            .saturating_duration_since(sent_at)
            .as_millis() as u64;
        if answers(&m, ping_id) {
            ping_ms = Some(ms);
        } else {
            call_ms = Some(ms);
        }
    }
    match (ping_ms, call_ms) {
        (None, _) if !s.alive() => {}
        (None, _) => r.add(
            Verdict::Fail,
            format!(
                "ping sent while tool {tool:?} ran got no answer within {} s",
                CALL_TIMEOUT.as_secs()
            ),
            "a prompt answer to ping, whatever else is running",
            "no answer".into(),
        ),
        (Some(_), Some(c)) if c < QUICK_CALL_MS => {
            r.untestable = Some(format!(
                "tool {tool:?} answered within {QUICK_CALL_MS} ms: nothing was in flight long enough to tell"
            ));
        }
        (Some(p), Some(c)) if p > c => r.add(
            Verdict::NonStrict,
            format!(
                "ping was answered only after tool {tool:?} had finished: the call took {c} ms, the ping {p} ms"
            ),
            "ping answered while the call is still running",
            format!("ping answered {p} ms after it was sent, after the call's response"),
        ),
        (Some(_), _) => {}
    }
}

/// PROBE-008: a request id reused while the first request is in flight must not break the
/// server; whatever answers come are recorded.
async fn judge_reused(
    s: &mut Session,
    r: &mut ProbeResult,
    tool: &str,
    id: &Value,
    budget: &Budget,
) {
    let deadline = budget.deadline(CALL_TIMEOUT);
    let mut answers_seen: Vec<String> = Vec::new();
    // Two requests share the id, so up to two answers may come.
    while answers_seen.len() < 2 {
        let Some(m) = s.watch(|m| answers(m, id), deadline).await else {
            break;
        };
        answers_seen.push(crate::wire::excerpt(&m.value.to_string()));
    }
    // Let a slow server's late second answer show before the survival ping.
    if answers_seen.len() < 2 {
        let settle = budget.deadline(Duration::from_millis(300));
        if let Some(m) = s.watch(|m| answers(m, id), settle).await {
            answers_seen.push(crate::wire::excerpt(&m.value.to_string()));
        }
    }
    if answers_seen.len() != 2 {
        r.add(
            Verdict::Informational,
            format!(
                "tool {tool:?} and a ping shared the request id {id}: {} answer(s) came with that id, not 2",
                answers_seen.len()
            ),
            "unspecified: a client must not reuse an id in flight; the server must keep serving",
            if answers_seen.is_empty() {
                "no answer".into()
            } else {
                answers_seen.join(" / ")
            },
        );
    }
    ping_survives(s, r, "a request id used twice").await;
}
