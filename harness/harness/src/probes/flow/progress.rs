//! The progress probes: `progress-provoke` calls a tool with a string token, an integer token and
//! none and judges one progress rule through the progress oracle's tracker;
//! `progress-token-accepted` checks that a progress token never turns a working request into a
//! refused one. Not the progress oracles themselves (they watch every message of every case).

use std::sync::OnceLock;
use std::time::Duration;

use mcpspec_codec::{MessageKind, classify};
use regex::Regex;
use serde_json::{Value, json};

use super::pick::{Hint, call_message, first_callable, note_called};
use super::{
    Budget, CALL_TIMEOUT, Fut, GRACE, ProbeResult, arg_str, check_alive, collect_notifications,
    is_notification, send_failed, wait_call,
};
use crate::case::model::Verdict;
use crate::oracles::{Hit, id_key, progress};
use crate::session::{Incoming, Session, WaitEnd};

/// The notification that carries progress.
const PROGRESS: &str = "notifications/progress";

/// Calls a tool with a string token, an integer token and none, and judges one progress rule.
pub fn progress_provoke<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let budget = Budget::new();
        let rule = arg_str(args, "rule", "token");
        let oracle = match rule {
            "token" => progress::TOKEN_KNOWN,
            "increasing" => progress::INCREASING,
            "after-response" => progress::AFTER_RESPONSE,
            "no-token" => progress::UNSOLICITED,
            other => {
                return ProbeResult::untestable(format!("unknown progress rule {other:?}"));
            }
        };
        let (tools, c) = match first_callable(s, &budget, Hint::Slow, true).await {
            Ok(picked) => picked,
            Err(r) => return r,
        };
        note_called(s, &tools, &c.name);
        let n = s.next_request_id();
        let serial = n.as_str().and_then(|t| t.rsplit('-').next()).unwrap_or("0");
        let string_token = json!(format!("mcpspec-progress-{serial}"));
        let int_token = json!(7_000_000 + serial.parse::<i64>().unwrap_or(0));
        let mut tracker = progress::Tracker::default();
        let mut hits: Vec<Hit> = Vec::new();
        let mut seen_progress = 0usize;
        let mut r = ProbeResult::pass();
        for token in [Some(string_token), Some(int_token), None] {
            if budget.spent() {
                break;
            }
            let meta = token.as_ref().map(|t| json!({ "progressToken": t }));
            let (id, message) = call_message(s, &c, meta);
            tracker.on_outgoing(&message);
            if let Err(e) = s.send(&message, true).await {
                send_failed(&mut r, "the call", e.to_string());
                break;
            }
            let mut notes = Vec::new();
            let reply = wait_call(
                s,
                &id,
                budget.deadline(CALL_TIMEOUT),
                |m| is_notification(m, PROGRESS),
                &mut notes,
            )
            .await;
            seen_progress += track(&mut tracker, &notes, &mut hits);
            match reply {
                Ok(_) => tracker.on_response(&id_key(&id)),
                Err(WaitEnd::Gone(_)) => break,
                Err(WaitEnd::TimedOut) => {
                    r.untestable = Some(format!(
                        "tool {:?} did not answer within {} s",
                        c.name,
                        CALL_TIMEOUT.as_secs()
                    ));
                    break;
                }
            }
        }
        let late = collect_notifications(s, budget.deadline(GRACE), PROGRESS).await;
        seen_progress += track(&mut tracker, &late, &mut hits);
        check_alive(s, &mut r);
        for h in hits.iter().filter(|h| h.oracle == oracle) {
            r.add(
                Verdict::Fail,
                h.message.clone(),
                &h.expected,
                h.actual.clone(),
            );
        }
        if r.verdict == Verdict::Pass && r.untestable.is_none() && seen_progress == 0 {
            r.untestable = Some(format!(
                "tool {:?} sent no progress notifications (reporting progress is optional)",
                c.name
            ));
        }
        if r.verdict != Verdict::Pass {
            r.untestable = None;
        }
        r
    })
}

/// Feeds progress notifications to the tracker, keeping what it finds; returns how many there
/// were.
fn track(tracker: &mut progress::Tracker, notes: &[Incoming], hits: &mut Vec<Hit>) -> usize {
    for m in notes {
        hits.extend(tracker.check(&classify(m.value.to_string().as_bytes())));
    }
    notes.len()
}

/// Sends requests with and without a progress token; the token must not make one fail.
pub fn progress_token_accepted<'a>(s: &'a mut Session, _args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let budget = Budget::new();
        let mut plan: Vec<(&str, Option<Value>)> = vec![("ping", None)];
        if s.server_has("tools") {
            plan.push(("tools/list", None));
        }
        if s.server_has("prompts") {
            plan.push(("prompts/list", None));
        }
        if s.server_has("resources")
            && let Ok(m) = s
                .request("resources/list", None, budget.wait(CALL_TIMEOUT))
                .await
            && let Some(uri) = m
                .value
                .pointer("/result/resources/0/uri")
                .and_then(Value::as_str)
        {
            plan.push(("resources/read", Some(json!({ "uri": uri }))));
        }
        if s.server_has("completions")
            && let Some(params) = completion_params(s, &budget).await
        {
            plan.push(("completion/complete", Some(params)));
        }
        let mut r = ProbeResult::pass();
        for (i, (method, params)) in plan.iter().enumerate() {
            if budget.spent() {
                break;
            }
            let wait = budget.wait(CALL_TIMEOUT);
            let plain = s.request(method, params.clone(), wait).await;
            if !matches!(&plain, Ok(m) if m.kind == MessageKind::Result) {
                // Without a token it fails already: nothing to compare.
                continue;
            }
            let serial = s.next_request_id();
            let token = if i % 2 == 0 {
                json!(format!("mcpspec-token-{}", serial.as_str().unwrap_or("")))
            } else {
                json!(8_000_000 + i as i64)
            };
            let mut with = params.clone().unwrap_or(json!({}));
            with["_meta"] = json!({ "progressToken": token });
            let wait = budget.wait(CALL_TIMEOUT);
            match s.request(method, Some(with), wait).await {
                Ok(m) if m.kind == MessageKind::Result => {}
                Ok(m) => r.add(
                    Verdict::Fail,
                    format!("{method} with _meta.progressToken {token} was refused, though it succeeds without one"),
                    "the same success as without a progress token",
                    crate::wire::excerpt(&m.value.to_string()),
                ),
                Err(e) => r.add(
                    Verdict::Fail,
                    format!("{method} with _meta.progressToken {token} got no answer: {e}"),
                    "the same success as without a progress token",
                    e.to_string(),
                ),
            }
        }
        // Progress the server may send for these tokens is judged by the progress oracles.
        let _ =
            collect_notifications(s, budget.deadline(Duration::from_millis(200)), PROGRESS).await;
        check_alive(s, &mut r);
        r
    })
}

/// A valid `completion/complete` params object from the server's first prompt argument or
/// resource template variable.
async fn completion_params(s: &mut Session, budget: &Budget) -> Option<Value> {
    if s.server_has("prompts")
        && let Ok(m) = s
            .request("prompts/list", None, budget.wait(CALL_TIMEOUT))
            .await
        && let Some(prompts) = m.value.pointer("/result/prompts").and_then(Value::as_array)
    {
        for p in prompts {
            let name = p.get("name").and_then(Value::as_str);
            let arg = p.pointer("/arguments/0/name").and_then(Value::as_str);
            if let (Some(name), Some(arg)) = (name, arg) {
                return Some(json!({
                    "ref": { "type": "ref/prompt", "name": name },
                    "argument": { "name": arg, "value": "" },
                }));
            }
        }
    }
    if s.server_has("resources")
        && let Ok(m) = s
            .request("resources/templates/list", None, budget.wait(CALL_TIMEOUT))
            .await
        && let Some(templates) = m
            .value
            .pointer("/result/resourceTemplates")
            .and_then(Value::as_array)
    {
        static VAR: OnceLock<Regex> = OnceLock::new();
        let var = VAR.get_or_init(|| {
            Regex::new(r"\{[+#./;?&]?([A-Za-z0-9_]+)").expect("static regex compiles")
        });
        for t in templates {
            let Some(uri) = t.get("uriTemplate").and_then(Value::as_str) else {
                continue;
            };
            if let Some(name) = var.captures(uri).and_then(|c| c.get(1)) {
                return Some(json!({
                    "ref": { "type": "ref/resource", "uri": uri },
                    "argument": { "name": name.as_str(), "value": "" },
                }));
            }
        }
    }
    None
}
