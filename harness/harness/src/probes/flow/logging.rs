//! The `logging-provoke` probe: sets a log level, calls tools to provoke `notifications/message`,
//! and judges the messages against the level threshold or the schema. Not the logging
//! capability checks of the handshake (those are oracles and case steps).

use std::time::Duration;

use mcpspec_codec::MessageKind;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::pick::{Hint, note_called, pick_tools, send_call};
use super::{
    Budget, CALL_TIMEOUT, Fut, GRACE, MAX_PROVOKE_CALLS, ProbeResult, arg_str, check_alive,
    collect_notifications, is_notification, wait_call,
};
use crate::case::model::Verdict;
use crate::session::Session;

/// The notification that carries a log message.
const LOG_MESSAGE: &str = "notifications/message";

/// The eight log levels, least severe first (RFC 5424 order; the schema's `LoggingLevel` enum has
/// the same names in no order, which a test checks).
const LEVELS: [&str; 8] = [
    "debug",
    "info",
    "notice",
    "warning",
    "error",
    "critical",
    "alert",
    "emergency",
];

/// Sets a level, provokes log messages by calling tools, and judges them.
pub fn logging_provoke<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let budget = Budget::new();
        let level = arg_str(args, "level", "debug").to_string();
        let check = arg_str(args, "check", "schema").to_string();
        let Some(rank) = LEVELS.iter().position(|l| *l == level) else {
            return ProbeResult::untestable(format!("unknown log level {level:?} in the case"));
        };
        let (tools, mut chosen) = match pick_tools(s, &budget, Hint::Slow, true).await {
            Ok(picked) => picked,
            Err(r) => return r,
        };
        // Quick tools first (list order among them): logs are the point, not the tool's work.
        chosen.sort_by_key(|c| c.score);
        let set = s
            .request(
                "logging/setLevel",
                Some(json!({ "level": level })),
                budget.wait(CALL_TIMEOUT),
            )
            .await;
        match set {
            Ok(m) if m.kind == MessageKind::Result => {}
            Ok(_) => {
                return ProbeResult::untestable(format!(
                    "logging/setLevel {level:?} was refused, so no level applies"
                ));
            }
            Err(e) => {
                let mut r = ProbeResult::pass();
                check_alive(s, &mut r);
                if r.verdict == Verdict::Pass {
                    r.untestable = Some(format!("logging/setLevel {level:?} got no answer: {e}"));
                }
                return r;
            }
        }
        // Messages queued before the level took effect do not count.
        let _ = collect_notifications(s, Instant::now(), LOG_MESSAGE).await;
        let mut logs = Vec::new();
        for c in chosen.iter().take(MAX_PROVOKE_CALLS) {
            if budget.spent() {
                break;
            }
            note_called(s, &tools, &c.name);
            let Ok(id) = send_call(s, c).await else {
                break;
            };
            let deadline = budget.deadline(CALL_TIMEOUT);
            let _ = wait_call(
                s,
                &id,
                deadline,
                |m| is_notification(m, LOG_MESSAGE),
                &mut logs,
            )
            .await;
        }
        logs.extend(collect_notifications(s, budget.deadline(GRACE), LOG_MESSAGE).await);
        let mut r = ProbeResult::pass();
        if level != "debug" {
            // Leave the shared session as verbose as a fresh one of the fixture.
            let _ = s
                .request(
                    "logging/setLevel",
                    Some(json!({ "level": "debug" })),
                    Duration::from_secs(2),
                )
                .await;
        }
        check_alive(s, &mut r);
        if logs.is_empty() {
            if r.verdict == Verdict::Pass {
                r.untestable = Some(format!(
                    "no log message arrived while {} tool call(s) ran at level {level}",
                    chosen.len().min(MAX_PROVOKE_CALLS)
                ));
            }
            return r;
        }
        for m in &logs {
            let got = m.value.pointer("/params/level").and_then(Value::as_str);
            match check.as_str() {
                "threshold" => {
                    let below = got
                        .and_then(|g| LEVELS.iter().position(|l| *l == g))
                        .is_some_and(|p| p < rank);
                    if below {
                        r.add(
                            Verdict::Fail,
                            format!(
                                "a {} message arrived after the level was set to {level}",
                                got.unwrap_or("?")
                            ),
                            &format!("only messages at level {level} or more severe"),
                            crate::wire::excerpt(&m.value.to_string()),
                        );
                    }
                }
                _ => {
                    let violations = s
                        .schema()
                        .validate("LoggingMessageNotification", &m.value)
                        .unwrap_or_default();
                    if let Some(v) = violations.first() {
                        r.add(
                            Verdict::Fail,
                            format!(
                                "a log message is not a valid LoggingMessageNotification: {} at {}",
                                v.message, v.instance_path
                            ),
                            "params with level (one of the eight), data, and an optional string logger",
                            crate::wire::excerpt(&m.value.to_string()),
                        );
                    }
                }
            }
        }
        r
    })
}

#[cfg(test)]
mod tests {
    use super::LEVELS;

    #[test]
    fn levels_are_the_schema_logging_levels() {
        let schema = mcpspec_schema::Schema::for_revision(crate::config::REVISION).expect("schema");
        let mut from_schema: Vec<&str> = schema.raw()["definitions"]["LoggingLevel"]["enum"]
            .as_array()
            .expect("LoggingLevel is an enum")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        let mut ours = LEVELS.to_vec();
        from_schema.sort_unstable();
        ours.sort_unstable();
        assert_eq!(ours, from_schema);
    }
}
