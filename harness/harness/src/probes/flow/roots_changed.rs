//! The `roots-list-changed` probe (S2C-006): once the server has asked for the client's roots,
//! the harness sends `notifications/roots/list_changed` and watches for a new `roots/list`. Not
//! the validity of `roots/list` requests (`server_requests.rs`) and not the harness's answers to
//! them (the session).

use std::time::Duration;

use mcpspec_codec::MessageKind;
use serde_json::Value;
use tokio::time::Instant;

use super::pick::{Hint, callables, list_tools, note_called, send_call};
use super::{
    Budget, CALL_TIMEOUT, Fut, MAX_PROVOKE_CALLS, ProbeResult, check_alive, collect, send_failed,
    wait_call,
};
use crate::case::model::Verdict;
use crate::session::{Incoming, Session};

/// How long a `roots/list` may take to come on its own after initialization.
const UNPROMPTED: Duration = Duration::from_millis(1500);
/// How long the harness waits for the new `roots/list` after its notification.
const REFETCH: Duration = Duration::from_secs(5);

fn is_roots_request(m: &Incoming) -> bool {
    m.kind == MessageKind::Request && m.method() == Some("roots/list")
}

/// Waits for the server's first `roots/list` (on its own, else provoked by tools that look
/// related), sends `notifications/roots/list_changed`, and judges whether the roots are fetched
/// again: a server that fetched them unprompted keeps a copy, so not refreshing it is
/// non-strict; one that only asked while a tool ran may fetch on demand (informational).
pub fn roots_list_changed<'a>(s: &'a mut Session, _args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let budget = Budget::new();
        if !s.client_declares("roots") {
            return ProbeResult::untestable(
                "the client did not declare `roots`; the case must declare it with listChanged",
            );
        }
        let mut r = ProbeResult::pass();
        let first = collect(s, budget.deadline(UNPROMPTED), is_roots_request).await;
        let unprompted = !first.is_empty();
        if !unprompted {
            match provoke(s, &budget, &mut r).await {
                Ok(true) => {}
                Ok(false) => {
                    check_alive(s, &mut r);
                    if r.verdict == Verdict::Pass {
                        r.untestable = Some(
                            "the server sent no roots/list, unprompted or while related tools ran"
                                .into(),
                        );
                    }
                    return r;
                }
                Err(()) => return r,
            }
        }
        // Requests still queued from before the notification do not count as a new fetch.
        let _ = collect(s, Instant::now(), is_roots_request).await;
        if let Err(e) = s.notify("notifications/roots/list_changed", None).await {
            send_failed(&mut r, "notifications/roots/list_changed", e.to_string());
            return r;
        }
        let again = s
            .watch(is_roots_request, budget.deadline(REFETCH))
            .await
            .is_some();
        if !again && s.alive() {
            let (verdict, how) = if unprompted {
                (
                    Verdict::NonStrict,
                    "the server fetched the roots unprompted earlier",
                )
            } else {
                (
                    Verdict::Informational,
                    "the server asked for roots only while a tool ran, so it may fetch them on demand",
                )
            };
            r.add(
                verdict,
                format!(
                    "no roots/list within {} s of notifications/roots/list_changed; {how}",
                    REFETCH.as_secs()
                ),
                "a new roots/list after the client says its roots changed",
                "no roots/list".into(),
            );
        }
        check_alive(s, &mut r);
        r
    })
}

/// Calls up to three tools that look like they read roots until one makes the server send
/// `roots/list`. `Ok(true)` when one did; `Err` when the probe must stop (already recorded).
async fn provoke(s: &mut Session, budget: &Budget, r: &mut ProbeResult) -> Result<bool, ()> {
    let tools = list_tools(s, budget).await.unwrap_or_default();
    let related: Vec<_> = callables(s, &tools, Some(Hint::Roots), false)
        .into_iter()
        .filter(|c| c.score > 0)
        .take(MAX_PROVOKE_CALLS)
        .collect();
    for c in related {
        if budget.spent() {
            break;
        }
        note_called(s, &tools, &c.name);
        let id = match send_call(s, &c).await {
            Ok(id) => id,
            Err(e) => {
                send_failed(r, "the call", e);
                return Err(());
            }
        };
        let mut during = Vec::new();
        let end = wait_call(
            s,
            &id,
            budget.deadline(CALL_TIMEOUT),
            is_roots_request,
            &mut during,
        )
        .await;
        if !during.is_empty() {
            return Ok(true);
        }
        if end.is_err() && !s.alive() {
            check_alive(s, r);
            return Err(());
        }
    }
    Ok(false)
}
