//! The exchange layer of a played sequence: sending (with a deadline on every write), waiting
//! for an answer (with a deadline on every wait), judging it against what was wanted, recording
//! both as case steps, and turning what went wrong into a failure or a soft finding.
//!
//! Not the choice of what to send (`mod.rs`, `features.rs`, `hostile.rs`).

use std::time::Duration;

use mcpspec_codec::MessageKind;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::{Ask, Player, SETTLE, Silence, ask, cut_method, request_message};
use crate::config::REVISION;
use crate::fuzz::steps::{self, SETTLE_MS, Want};
use crate::fuzz::verdict::{ANSWERS, Failure, SURVIVES, Soft, sort_hits};
use crate::session::{Incoming, SendError, WaitEnd};

impl Player<'_> {
    /// A well-formed request with a fresh id, its answer required in time.
    pub(super) async fn request(
        &mut self,
        method: &str,
        params: Option<Value>,
        want: Want,
        within: Duration,
    ) -> Option<Incoming> {
        let id = self.model.next_id();
        let message = request_message(&id, method, params);
        self.ask(
            &message,
            false,
            ask(method, id, Silence::Fatal, want),
            Some(within),
        )
        .await
    }

    /// A `ping` that must be answered: sent after input that has no answer of its own, so a
    /// crash shows at once and earlier answers have arrived. `false` when it was not answered.
    pub(super) async fn sync(&mut self) -> bool {
        if self.failure.is_some() {
            return false;
        }
        // A crash seen while waiting for this ping is named after what came before it.
        self.syncing = true;
        let answered = self
            .request("ping", None, Want::Any, self.limits.timeout)
            .await
            .is_some();
        self.syncing = false;
        answered
    }

    /// Sends `message` and waits for its answer.
    pub(super) async fn ask(
        &mut self,
        message: &Value,
        hostile: bool,
        a: Ask,
        within: Option<Duration>,
    ) -> Option<Incoming> {
        if !self.send_json(message, hostile).await {
            return None;
        }
        self.ask_sent(a, within).await
    }

    /// Waits for the answer to something already sent (`within: None`: the run's timeout, left
    /// implicit in the recorded step).
    pub(super) async fn ask_sent(&mut self, a: Ask, within: Option<Duration>) -> Option<Incoming> {
        let wait = within.unwrap_or(self.limits.timeout);
        let recorded = within
            .filter(|w| *w != self.limits.timeout)
            .map(|w| w.as_millis() as u64);
        let got = self.wait(&a.id, a.or_null, wait).await;
        self.record_expect(&a, recorded, a.silence == Silence::Soft);
        match got {
            Some(m) => {
                self.judge(&a, &m);
                Some(m)
            }
            None => {
                // An oracle may know better why nothing matched (a mangled id, say).
                self.collect_hits();
                if self.failure.is_none() && !self.cut_short {
                    self.silent(&a, wait).await;
                }
                None
            }
        }
    }

    /// Looks for an answer that may never come, after a ping that was answered.
    pub(super) async fn optional(&mut self, a: Ask) {
        let got = self.wait(&a.id, a.or_null, SETTLE).await;
        self.record_expect(&a, Some(SETTLE_MS), true);
        match got {
            Some(m) => self.judge(&a, &m),
            None if self.failure.is_none() && !self.cut_short => self.silent(&a, SETTLE).await,
            None => {}
        }
    }

    /// Takes the answers that already arrived for outstanding requests off the inbox (and
    /// records them), so that only requests still running count as outstanding.
    pub(super) async fn settle_outstanding(&mut self) {
        let pending = std::mem::take(&mut self.model.outstanding);
        for p in pending {
            let answered = !p.cancelled
                && self
                    .s
                    .wait_response(&p.id, false, Instant::now())
                    .await
                    .is_ok();
            if answered {
                self.stats.answers += 1;
                let a = ask(&p.method, p.id, Silence::Soft, Want::Any);
                self.record_expect(&a, None, true);
            } else {
                self.model.outstanding.push(p);
            }
        }
    }

    /// Takes every queued error with a null or missing id off the inbox (the oracles have
    /// already seen them), without waiting.
    pub(super) async fn drop_queued_null_id_errors(&mut self) {
        while self
            .s
            .wait_response(&Value::Null, true, Instant::now())
            .await
            .is_ok()
        {}
    }

    pub(super) fn record_expect(&mut self, a: &Ask, within_ms: Option<u64>, optional: bool) {
        let because = format!(
            "{}: answer other than wanted ({})",
            self.what, self.requirement
        );
        self.steps.push(steps::expect(
            &a.id, a.or_null, within_ms, optional, &a.want, &because,
        ));
    }

    pub(super) async fn wait(
        &mut self,
        id: &Value,
        or_null: bool,
        within: Duration,
    ) -> Option<Incoming> {
        let started = Instant::now();
        let mut end = started + within;
        let cut = self.deadline.is_some_and(|d| d < end);
        if let Some(d) = self.deadline.filter(|_| cut) {
            end = d.max(started);
        }
        let got = self.s.wait_response(id, or_null, end).await;
        self.stats.waiting += started.elapsed();
        match got {
            Ok(m) => {
                self.stats.answers += 1;
                Some(m)
            }
            Err(WaitEnd::TimedOut) => {
                // Silence the budget cut short proves nothing.
                self.cut_short |= cut;
                None
            }
            Err(WaitEnd::Gone(how)) => {
                self.died(how);
                None
            }
        }
    }

    pub(super) async fn notify(&mut self, method: &str, params: Option<Value>) -> bool {
        let mut message = json!({ "jsonrpc": "2.0", "method": method });
        if let Some(p) = params {
            message["params"] = p;
        }
        let hostile =
            mcpspec_schema::method(REVISION, method, mcpspec_schema::Direction::ClientToServer)
                .is_none();
        self.send_json(&message, hostile).await
    }

    /// Sends one message; `hostile` skips the harness-origin schema check. A generated message
    /// that fails the check (the generator's mistake, not the server's) goes out unchecked and
    /// is recorded as deliberately invalid.
    pub(super) async fn send_json(&mut self, message: &Value, hostile: bool) -> bool {
        if !self.syncing {
            self.last_sent = match message {
                Value::Array(_) => "batch".to_string(),
                _ => message
                    .get("method")
                    .and_then(Value::as_str)
                    .map_or("invalid request".to_string(), cut_method),
            };
        }
        let mut unchecked = hostile;
        let mut sent = self.timed_send(message, !hostile).await;
        if let Some(Err(SendError::HarnessOrigin(_))) = sent {
            unchecked = true;
            sent = self.timed_send(message, false).await;
        }
        match sent {
            Some(Ok(())) => {
                self.stats.messages += 1;
                self.steps.push(steps::send(message, unchecked));
                true
            }
            Some(Err(e)) => {
                self.steps.push(steps::send(message, unchecked));
                // Record the wait a request would have had, so the record does not depend on
                // whether the crash showed at this write or at the next wait.
                if let (Some(id), Some(_)) = (message.get("id"), message.get("method")) {
                    let a = ask("", id.clone(), Silence::Fatal, Want::Any);
                    self.record_expect(&a, None, false);
                }
                let how = self.gone_after_write(e).await;
                self.died(how);
                false
            }
            None => {
                self.steps.push(steps::send(message, unchecked));
                self.stuck();
                false
            }
        }
    }

    pub(super) async fn timed_send(
        &mut self,
        message: &Value,
        check: bool,
    ) -> Option<Result<(), SendError>> {
        tokio::time::timeout(self.limits.write, self.s.send(message, check))
            .await
            .ok()
    }

    pub(super) async fn send_raw(&mut self, bytes: &[u8]) -> bool {
        self.last_sent = "raw line".to_string();
        self.steps.push(steps::send_raw(bytes));
        match tokio::time::timeout(self.limits.write, self.s.send_raw(bytes, None, None)).await {
            Ok(Ok(())) => {
                self.stats.messages += 1;
                true
            }
            Ok(Err(e)) => {
                let how = self.gone_after_write(e).await;
                self.died(how);
                false
            }
            Err(_) => {
                self.stuck();
                false
            }
        }
    }

    /// Why a write failed: the exit status when the process ended (as a wait would have
    /// said), else the write error.
    pub(super) async fn gone_after_write(&mut self, e: SendError) -> String {
        let soon = Instant::now() + Duration::from_millis(500);
        match self.s.wait_exit(soon).await {
            Some(status) => format!("the server exited ({status})"),
            None => format!("the server stopped reading its input: {e}"),
        }
    }

    /// Soft judgement of an answer against what was wanted.
    pub(super) fn judge(&mut self, a: &Ask, m: &Incoming) {
        let code = m.value.pointer("/error/code").and_then(Value::as_i64);
        let (key, message) = match (&a.want, m.kind) {
            (Want::Any, _) => return,
            (Want::Error(codes), MessageKind::Error) => match code {
                Some(c) if codes.contains(&c) => return,
                _ => (
                    format!(
                        "code:{}:{}",
                        self.requirement,
                        code.map_or("none".into(), |c| c.to_string())
                    ),
                    format!(
                        "{} was refused with error code {}; JSON-RPC gives {codes:?} for this input",
                        self.what,
                        code.map_or("(none)".into(), |c| c.to_string())
                    ),
                ),
            },
            (Want::Error(_), _) => (
                format!("accepted:{}", self.requirement),
                format!("{} got a result where an error was expected", self.what),
            ),
            (Want::Rejected, MessageKind::Error) => return,
            (Want::Rejected, _) => {
                if m.value.pointer("/result/isError") == Some(&Value::Bool(true)) {
                    return;
                }
                (
                    format!("accepted:{}", self.requirement),
                    format!(
                        "{} succeeded although the arguments break the tool's inputSchema",
                        self.what
                    ),
                )
            }
        };
        self.soft.push(Soft {
            key,
            message,
            expected: match &a.want {
                Want::Error(codes) => format!("an error with code {codes:?}"),
                _ => "an error, or a tool result with isError: true".into(),
            },
            actual: crate::wire::excerpt(&m.value.to_string()),
        });
    }

    pub(super) async fn silent(&mut self, a: &Ask, waited: Duration) {
        let ms = waited.as_millis();
        // An error with a null id may be the answer (an HTTP 400 body, say): not silence, but
        // not the request's id either.
        if a.silence == Silence::Fatal
            && let Some(e) = self.wait(&Value::Null, true, Duration::ZERO).await
        {
            self.soft.push(Soft {
                key: format!("null-id:{}", self.requirement),
                message: format!("{} was answered only by an error with a null id", self.what),
                expected: format!("a response with the id {}", a.id),
                actual: crate::wire::excerpt(&e.value.to_string()),
            });
            return;
        }
        if a.silence == Silence::Fatal {
            self.fail(Failure {
                rule: &ANSWERS,
                requirement: Some(self.requirement),
                signature: format!("{}:{}", ANSWERS.id, a.method),
                message: format!("no answer to {} (id {}) within {ms} ms", a.method, a.id),
                expected: ANSWERS.expectation.to_string(),
                actual: format!("no response in {ms} ms; the server is still running"),
                pointer: None,
                action: self.current,
            });
        } else {
            self.soft.push(Soft {
                key: format!("silent:{}", self.requirement),
                message: format!("no answer to {} within {ms} ms", self.what),
                expected: "an answer".into(),
                actual: "none".into(),
            });
        }
    }

    pub(super) fn died(&mut self, how: String) {
        let message = format!("{how} after {}", self.what);
        self.fail(Failure {
            rule: &SURVIVES,
            requirement: Some(self.requirement),
            // Named by what was sent last, so one crash reached by different inputs of the
            // same kind is one finding.
            signature: format!("{}:{}", SURVIVES.id, self.last_sent),
            message,
            expected: SURVIVES.expectation.to_string(),
            actual: how,
            pointer: None,
            action: self.current,
        });
    }

    pub(super) fn stuck(&mut self) {
        let ms = self.limits.write.as_millis();
        self.fail(Failure {
            rule: &SURVIVES,
            requirement: Some(self.requirement),
            signature: format!("{}:{}:stuck", SURVIVES.id, self.requirement),
            message: format!(
                "the server stopped reading its input for {ms} ms during {}",
                self.what
            ),
            expected: SURVIVES.expectation.to_string(),
            actual: format!("a write did not complete in {ms} ms"),
            pointer: None,
            action: self.current,
        });
    }

    pub(super) fn fail(&mut self, failure: Failure) {
        if self.failure.is_none() {
            self.failure = Some(failure);
        }
    }

    pub(super) fn collect_hits(&mut self) {
        let (failures, soft) = sort_hits(self.s.take_hits(), self.current);
        if let Some(f) = failures.into_iter().next() {
            self.fail(f);
        }
        self.soft.extend(soft);
    }
}
