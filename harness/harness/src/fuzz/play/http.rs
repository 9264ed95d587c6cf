//! Playing requests that abuse the Streamable HTTP transport: each is sent as a case's `http`
//! step beside the transport's own traffic, recorded as that step and judged by evaluating it
//! (`http_rules.rs`), then a ping through the transport checks that the session still serves.
//! A DELETE that ends the session is tracked in the model: every later action of the sequence
//! is played as a ping carrying the ended id, which must get 404, and the closing ping is left
//! out.
//!
//! Not the vocabulary (`http_abuse.rs`), not the rules (`http_rules.rs`), and not the messages
//! the transport sends itself (`exchange.rs`).

use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::Player;
use crate::case::model::Verdict;
use crate::fuzz::http_abuse::HttpAbuse;
use crate::fuzz::http_rules::{self, Ctx, ENDED_BIND, Plan};
use crate::fuzz::http_step;
use crate::fuzz::model::Phase;
use crate::fuzz::verdict::{Failure, Soft};

impl Player<'_> {
    /// Plays one abuse request, then a ping that must be answered. `None` (skipped) on stdio.
    pub(super) async fn http_abuse(&mut self, abuse: &HttpAbuse) -> Option<String> {
        if !self.s.is_http() {
            return None;
        }
        let ctx = Ctx {
            id: self.model.next_id(),
            live: self.model.live(),
            has_session_id: self.model.http.session_id.is_some(),
            read_ms: millis(self.limits.timeout),
        };
        let plan = http_rules::plan(abuse, &ctx);
        let answer = self.http_step(&plan).await;
        if self.stopped() {
            return Some(self.what.clone());
        }
        if *abuse == HttpAbuse::Delete
            && let Some(a) = &answer
            && a.get("status_class") == Some(&json!("2xx"))
            && let Some(id) = a.pointer("/sent/session_id").and_then(Value::as_str)
        {
            self.model.http.ended = Some(id.to_string());
            self.model.phase = Phase::Fresh;
            self.ended_probe().await;
            return Some(self.what.clone());
        }
        self.sync().await;
        Some(self.what.clone())
    }

    /// An action on a session a DELETE ended: a ping carrying the ended session's id, which
    /// must get 404. (A fresh `initialize` is not sent: it would open a second MCP session in
    /// the same harness session, whose per-session oracles, such as unique event ids, would then
    /// mix two sessions.)
    pub(super) async fn after_end(&mut self) -> Option<String> {
        self.requirement = "HTTP-024";
        let instead = std::mem::take(&mut self.what);
        self.what = format!("POST ping with the ended session's id (in place of {instead})");
        self.ended_probe().await;
        Some(self.what.clone())
    }

    /// A ping carrying the ended session's id.
    async fn ended_probe(&mut self) {
        if self.model.http.ended.is_none() {
            return;
        }
        let id = self.model.next_id();
        let plan = http_rules::ended_probe(&id, millis(self.limits.timeout));
        self.http_step(&plan).await;
    }

    /// Sends a planned step, records it, judges the answer and learns the session id from it.
    /// `None` when it was not sent (stdio, or the time budget would end during the read).
    async fn http_step(&mut self, plan: &Plan) -> Option<Value> {
        let binds = self
            .model
            .http
            .ended
            .iter()
            .map(|id| (ENDED_BIND.to_string(), json!(id)))
            .collect();
        let req = http_step::raw_request(&plan.step, &binds);
        if self.deadline.is_some_and(|d| Instant::now() + req.read > d) {
            self.cut_short = true;
            return None;
        }
        self.last_sent = format!("http {}", plan.step.method);
        let started = Instant::now();
        let sent = self.s.http_exchange(&req).await;
        self.stats.waiting += started.elapsed();
        let answer = sent.ok()?;
        self.stats.messages += 1;
        if answer.get("status").is_some() {
            self.stats.answers += 1;
        }
        self.steps.push(json!({ "http": plan.step }));
        let own_id = !plan
            .step
            .headers
            .keys()
            .any(|k| k.eq_ignore_ascii_case("mcp-session-id"));
        if own_id && let Some(id) = answer.pointer("/sent/session_id").and_then(Value::as_str) {
            self.model.http.session_id = Some(id.to_string());
        }
        self.judge_http(plan, &answer);
        Some(answer)
    }

    fn judge_http(&mut self, plan: &Plan, answer: &Value) {
        let (verdict, because, pointer) = http_step::judge(&plan.step, answer);
        let status = status_of(answer);
        let expected = pointer
            .as_ref()
            .and_then(|p| plan.step.matches.get(p).map(|pred| (p, pred)))
            .map(|(p, pred)| format!("{p} {}", crate::interp::describe(pred)))
            .unwrap_or_default();
        match (verdict, plan.rule) {
            (Verdict::Pass, _) => {}
            (Verdict::Fail, Some(rule)) => self.fail(Failure {
                rule,
                requirement: None,
                signature: rule.id.to_string(),
                message: format!("{} got {status}; expected {expected}", self.what),
                expected: rule.expectation.to_string(),
                actual: actual_of(answer),
                pointer,
                action: self.current,
            }),
            _ => self.soft.push(Soft {
                key: format!("http:{}:{}", self.requirement, status),
                message: format!(
                    "{}: {}",
                    self.what,
                    because.unwrap_or_else(|| format!("got {status}"))
                ),
                expected,
                actual: actual_of(answer),
            }),
        }
    }
}

fn millis(d: Duration) -> u64 {
    d.as_millis() as u64
}

/// "status 404", or why no answer came.
fn status_of(answer: &Value) -> String {
    match (answer.get("status"), answer.get("error")) {
        (Some(s), _) => format!("status {s}"),
        (None, Some(_)) => "no HTTP answer".into(),
        (None, None) => "nothing".into(),
    }
}

/// Status, media type and the start of the body, for findings.
fn actual_of(answer: &Value) -> String {
    let media = answer
        .get("media_type")
        .and_then(Value::as_str)
        .unwrap_or("no content type");
    let body = answer
        .get("body_text")
        .and_then(Value::as_str)
        .or_else(|| answer.get("error").and_then(Value::as_str))
        .unwrap_or("");
    crate::wire::excerpt(&format!("{} ({media}) {body}", status_of(answer)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_summarised() {
        let a = json!({"status": 200, "media_type": "application/json", "body_text": "{}"});
        assert_eq!(status_of(&a), "status 200");
        assert!(
            actual_of(&a).contains("application/json"),
            "{}",
            actual_of(&a)
        );
        assert_eq!(status_of(&json!({"error": "refused"})), "no HTTP answer");
    }
}
