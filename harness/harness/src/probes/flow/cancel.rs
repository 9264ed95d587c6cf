//! The `cancel-in-flight` probe: calls a tool, sends `notifications/cancelled` for it after a
//! short wait, and judges any late response or only that the session survives. Not the
//! cancellation oracle, which watches every cancellation of every case.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::pick::{Hint, first_callable, note_called, send_call};
use super::{Budget, Fut, ProbeResult, answers, arg_str, check_alive, ping_survives, send_failed};
use crate::case::model::Verdict;
use crate::session::{Incoming, Session};

/// How long a cancellation probe waits before cancelling.
const CANCEL_AFTER: Duration = Duration::from_millis(100);
/// How long after the cancellation a late response is still watched for.
const CANCEL_WATCH: Duration = Duration::from_millis(2500);
/// A response this soon after the cancellation may have crossed it on the wire.
const CANCEL_RACE_MS: u64 = 500;

/// Calls a tool, cancels it after 100 ms, and judges a late response or only survival.
pub fn cancel_in_flight<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let budget = Budget::new();
        let judge_response = arg_str(args, "judge", "response") == "response";
        let (tools, c) = match first_callable(s, &budget, Hint::Slow, false).await {
            Ok(picked) => picked,
            Err(r) => return r,
        };
        note_called(s, &tools, &c.name);
        let mut r = ProbeResult::pass();
        let id = match send_call(s, &c).await {
            Ok(id) => id,
            Err(e) => {
                send_failed(&mut r, "the call", e);
                return r;
            }
        };
        let is_answer = |m: &Incoming| answers(m, &id);
        let early = s.watch(is_answer, Instant::now() + CANCEL_AFTER).await;
        let cancel = json!({
            "jsonrpc": "2.0",
            "method": "notifications/cancelled",
            "params": { "requestId": id, "reason": "mcpspec: cancellation check" },
        });
        if let Err(e) = s.send(&cancel, true).await {
            send_failed(&mut r, "the cancellation", e.to_string());
            return r;
        }
        let cancelled_at = Instant::now();
        if early.is_some() {
            ping_survives(s, &mut r, "a cancellation of a finished call").await;
            check_alive(s, &mut r);
            if r.verdict == Verdict::Pass {
                r.untestable = Some(format!(
                    "tool {:?} answered within {} ms, before a cancellation could reach it",
                    c.name,
                    CANCEL_AFTER.as_millis()
                ));
            }
            return r;
        }
        let late = s.watch(is_answer, budget.deadline(CANCEL_WATCH)).await;
        if judge_response && let Some(m) = late {
            let gap = m.t_ms.saturating_sub(ms_at(s, cancelled_at));
            let actual = crate::wire::excerpt(&m.value.to_string());
            // An error that speaks of the cancellation was caused by it, however fast it came.
            let about_cancel = m
                .value
                .pointer("/error/message")
                .and_then(Value::as_str)
                .is_some_and(|t| t.to_ascii_lowercase().contains("cancel"));
            if about_cancel {
                r.add(
                    Verdict::Fail,
                    "the cancelled call was answered with an error about its cancellation".into(),
                    "no response to a cancelled request",
                    actual,
                );
            } else if gap <= CANCEL_RACE_MS {
                r.add(
                    Verdict::Informational,
                    format!("the call was answered within {CANCEL_RACE_MS} ms of its cancellation; the answer may have crossed it"),
                    "no response to a cancelled request",
                    actual,
                );
            } else {
                r.add(
                    Verdict::Fail,
                    format!(
                        "the call was answered more than {CANCEL_RACE_MS} ms after its cancellation"
                    ),
                    "no response to a cancelled request",
                    actual,
                );
            }
        }
        ping_survives(s, &mut r, "a cancellation").await;
        check_alive(s, &mut r);
        r
    })
}

/// The session time (ms) of an instant in the past.
fn ms_at(s: &Session, at: Instant) -> u64 {
    let ago = Instant::now().saturating_duration_since(at).as_millis() as u64;
    s.log.now_ms().saturating_sub(ago)
}
