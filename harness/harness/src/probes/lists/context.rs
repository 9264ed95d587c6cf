//! The probe context shared by the list-area probes: one request at a time under a per-request
//! wait and an overall budget, findings capped and counted, schema checks, notification
//! collection, and the small argument and rendering helpers. Not here: any probe or any check
//! of its own (the area modules), and paginated walks (`walk.rs`).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use mcpspec_codec::MessageKind;
use mcpspec_report::Finding;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::walk::MAX_ITEMS;
use crate::case::model::Verdict;
use crate::probes::ProbeResult;
use crate::session::{Incoming, SendError, Session, WaitEnd};

/// The future a probe entry point returns.
pub(super) type Fut<'a> = Pin<Box<dyn Future<Output = ProbeResult> + Send + 'a>>;

/// Wait per request unless the case passes `timeout_ms`.
const DEFAULT_REQUEST_MS: u64 = 10_000;
/// Time a probe may take in all; the runner's case budget is a little longer.
const BUDGET: Duration = Duration::from_secs(25);
/// Findings listed per probe; further ones are counted.
const MAX_FINDINGS: usize = 20;
/// The JSON-RPC error code for invalid params.
pub(super) const INVALID_PARAMS: i64 = -32602;
/// The JSON-RPC error code for an unknown method.
pub(super) const METHOD_NOT_FOUND: i64 = -32601;

/// A server's answer to one request.
#[derive(Debug, Clone)]
pub(super) enum Answer {
    /// The `result` member.
    Result(Value),
    /// An error, with its code when that is an integer.
    Error { code: Option<i64>, message: String },
}

impl Answer {
    fn from_message(m: &Incoming) -> Answer {
        if m.kind == MessageKind::Result {
            Answer::Result(m.value.get("result").cloned().unwrap_or(Value::Null))
        } else {
            Answer::Error {
                code: m.value.pointer("/error/code").and_then(Value::as_i64),
                message: m
                    .value
                    .pointer("/error/message")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .chars()
                    .take(200)
                    .collect(),
            }
        }
    }

    pub(super) fn code(&self) -> Option<i64> {
        match self {
            Answer::Error { code, .. } => *code,
            Answer::Result(_) => None,
        }
    }

    pub(super) fn describe(&self) -> String {
        match self {
            Answer::Result(v) => format!("a result {}", short(v)),
            Answer::Error { code, message } => match code {
                Some(c) => format!("error {c} {message:?}"),
                None => format!("an error without an integer code {message:?}"),
            },
        }
    }
}

/// The state of one probe run: the session, its deadlines and the findings so far.
pub(super) struct Ctx<'a> {
    pub(super) s: &'a mut Session,
    per_request: Duration,
    end: Instant,
    out: ProbeResult,
    /// The server is gone or stopped answering: nothing more is sent.
    pub(super) halted: bool,
    /// The probe's own budget ran out (not held against the server).
    pub(super) out_of_time: bool,
    unlisted: usize,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(s: &'a mut Session, args: &Value) -> Self {
        let ms = args
            .get("timeout_ms")
            .and_then(Value::as_u64)
            .unwrap_or(DEFAULT_REQUEST_MS);
        Ctx {
            s,
            per_request: Duration::from_millis(ms.max(1)),
            end: Instant::now() + BUDGET,
            out: ProbeResult::pass(),
            halted: false,
            out_of_time: false,
            unlisted: 0,
        }
    }

    /// A schema-checked request; `None` when no answer came (see `halted`) or mcpspec refused
    /// to send a request built from server data that is not valid.
    pub(super) async fn call(&mut self, method: &str, params: Option<Value>) -> Option<Answer> {
        self.exchange(method, params, true).await
    }

    /// A request sent as is, for deliberately invalid params.
    pub(super) async fn call_raw(&mut self, method: &str, params: Value) -> Option<Answer> {
        self.exchange(method, Some(params), false).await
    }

    async fn exchange(
        &mut self,
        method: &str,
        params: Option<Value>,
        check: bool,
    ) -> Option<Answer> {
        if self.halted {
            return None;
        }
        let now = Instant::now();
        if now >= self.end {
            self.out_of_time = true;
            self.halted = true;
            return None;
        }
        let id = self.s.next_request_id();
        let mut message = json!({ "jsonrpc": "2.0", "id": id, "method": method });
        if let Some(p) = params {
            message["params"] = p;
        }
        match self.s.send(&message, check).await {
            Ok(()) => {}
            // Built from server data the schema does not allow (a listed URI that is not a URI,
            // say): the item is skipped; the listing cases judge the data itself.
            Err(SendError::HarnessOrigin(_)) => return None,
            Err(SendError::Transport(e)) => {
                self.lost(method, &e.to_string());
                return None;
            }
        }
        let full = now + self.per_request;
        let deadline = full.min(self.end);
        match self.s.wait_response(&id, false, deadline).await {
            Ok(m) => Some(Answer::from_message(&m)),
            Err(WaitEnd::TimedOut) => {
                self.halted = true;
                if deadline < full {
                    self.out_of_time = true;
                } else {
                    self.find(
                        Verdict::Fail,
                        format!(
                            "no response to {method} within {} ms",
                            self.per_request.as_millis()
                        ),
                        "a response to every request",
                        "no response".into(),
                    );
                }
                None
            }
            Err(WaitEnd::Gone(how)) => {
                self.lost(method, &how);
                None
            }
        }
    }

    fn lost(&mut self, during: &str, how: &str) {
        self.halted = true;
        self.find(
            Verdict::Fail,
            format!("the server stopped during {during}: {how}"),
            "the server keeps running and answering",
            how.to_string(),
        );
    }

    /// Records a finding; past [`MAX_FINDINGS`] only the verdict and a count are kept.
    pub(super) fn find(
        &mut self,
        verdict: Verdict,
        message: String,
        expected: &str,
        actual: String,
    ) {
        self.find_at(verdict, message, expected, actual, None);
    }

    pub(super) fn find_at(
        &mut self,
        verdict: Verdict,
        message: String,
        expected: &str,
        actual: String,
        pointer: Option<String>,
    ) {
        if verdict == Verdict::Pass {
            return;
        }
        self.out.verdict = self.out.verdict.max(verdict);
        if self.out.findings.len() >= MAX_FINDINGS {
            self.unlisted += 1;
            return;
        }
        self.out.findings.push(Finding {
            message,
            expected: expected.to_string(),
            actual,
            step: None,
            json_pointer: pointer,
            observed_in: None,
        });
    }

    /// Judges an answer that must be error -32602: another error code fails with `wrong_code`,
    /// a result fails with `served`.
    pub(super) fn expect_invalid_params(
        &mut self,
        answer: Answer,
        wrong_code: String,
        served: String,
        expected: &str,
    ) {
        match answer {
            a if a.code() == Some(INVALID_PARAMS) => {}
            a @ Answer::Error { .. } => {
                self.find(Verdict::Fail, wrong_code, expected, a.describe())
            }
            a => self.find(Verdict::Fail, served, expected, a.describe()),
        }
    }

    /// Validates `value` against a schema definition; each violation (at most 3) fails.
    pub(super) fn check_schema(&mut self, definition: &str, value: &Value, what: &str) -> bool {
        match self.s.schema().validate(definition, value) {
            Ok(violations) if violations.is_empty() => true,
            Ok(violations) => {
                let total = violations.len();
                for v in violations.iter().take(3) {
                    let at = if v.instance_path.is_empty() {
                        "(root)"
                    } else {
                        v.instance_path.as_str()
                    };
                    self.find_at(
                        Verdict::Fail,
                        format!("{what} is not a valid {definition}: {at}: {}", v.message),
                        &format!("a valid {definition}"),
                        short(value.pointer(&v.instance_path).unwrap_or(value)),
                        Some(v.instance_path.clone()),
                    );
                }
                if total > 3 {
                    self.unlisted += total - 3;
                }
                false
            }
            Err(e) => {
                self.find(
                    Verdict::Fail,
                    format!("mcpspec cannot validate: {e}"),
                    "a definition of the embedded schema",
                    definition.to_string(),
                );
                false
            }
        }
    }

    /// Takes every queued or arriving notification with this method until `until`.
    pub(super) async fn collect(&mut self, method: &str, until: Instant) -> Vec<Incoming> {
        let until = until.min(self.end);
        let mut got = Vec::new();
        while got.len() < MAX_ITEMS {
            let picked = self
                .s
                .watch(
                    |m| m.kind == MessageKind::Notification && m.method() == Some(method),
                    until,
                )
                .await;
            match picked {
                Some(m) => got.push(m),
                None => break,
            }
        }
        if !self.halted
            && let Some(how) = self.s.gone().map(str::to_string)
        {
            self.lost(&format!("the wait for {method}"), &how);
        }
        got
    }

    /// A final ping: the server must still answer after what the probe sent.
    pub(super) async fn still_alive(&mut self) {
        // Any answer proves the session alive; a ping error is another case's matter.
        let _ = self.call("ping", None).await;
    }

    /// The result: findings if any, else `untestable(reason)` when nothing was exercised.
    pub(super) fn done(mut self, tested: bool, reason: &str) -> ProbeResult {
        if self.unlisted > 0
            && let Some(last) = self.out.findings.last_mut()
        {
            last.message.push_str(&format!(
                " (and {} more findings not listed)",
                self.unlisted
            ));
        }
        if self.out.verdict != Verdict::Pass || tested {
            return self.out;
        }
        if self.out_of_time {
            ProbeResult::untestable(format!("{reason} (the probe ran out of time)"))
        } else {
            ProbeResult::untestable(reason)
        }
    }
}

/// A short one-line rendering of a JSON value for findings.
pub(super) fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.len() <= 300 {
        return text;
    }
    let mut end = 300;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// A string argument of the probe call, or "" when it is absent or not a string.
pub(super) fn arg_str<'v>(args: &'v Value, key: &str) -> &'v str {
    args.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A case passed arguments this probe does not know: a case-file bug, reported loudly.
pub(super) fn bad_args(probe: &str, args: &Value) -> ProbeResult {
    ProbeResult::fail(
        format!(
            "probe {probe} was called with unknown arguments {}",
            short(args)
        ),
        "arguments listed in the probe's documentation",
        short(args),
    )
}
