//! Probes for logging, progress, cancellation and server-to-client requests: the `PROBES`
//! registry of the area, its shared limits, and the helpers every probe here uses (the time
//! budget, waiting for a call's response while collecting other traffic, liveness checks). The
//! probes work on any server: they pick among the tools the server lists (only those the
//! side-effect guard allows), generate arguments from each tool's input schema, and report
//! `untestable` when nothing fits.
//!
//! Not the oracles: the progress, cancellation and subscription rules are also watched on every
//! message by `oracles/`; these probes provoke the traffic and judge the part their case owns.
//! Not the probes themselves either: each lives in the submodule of its area.

mod cancel;
mod during_call;
mod logging;
mod pick;
mod progress;
mod resume;
mod roots_changed;
mod server_requests;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use mcpspec_codec::MessageKind;
use serde_json::Value;
use tokio::time::Instant;

use super::{ProbeDef, ProbeResult};
use crate::case::model::Verdict;
use crate::session::{Incoming, Session, WaitEnd};

pub use cancel::cancel_in_flight;
pub use during_call::during_call;
pub use logging::logging_provoke;
pub use pick::sample_arguments;
pub use progress::{progress_provoke, progress_token_accepted};
pub use resume::resume_stream;
pub use roots_changed::roots_list_changed;
pub use server_requests::server_request;

type Fut<'a> = Pin<Box<dyn Future<Output = ProbeResult> + Send + 'a>>;

/// The probes of this area.
pub const PROBES: &[ProbeDef] = &[
    ProbeDef {
        name: "cancel-in-flight",
        doc: "calls a tool (a slow-looking one first), cancels it after 100 ms, and judges any late response (`judge: response`) or only that the session survives (`judge: survival`)",
        run: cancel_in_flight,
    },
    ProbeDef {
        name: "during-call",
        doc: "calls a tool (a slow-looking one first) and sends a ping right after it: `check: ping` (the ping must not wait for the call; non-strict when it does) or `check: reused-id` (the ping reuses the call's id; the server must keep serving)",
        run: during_call,
    },
    ProbeDef {
        name: "logging-provoke",
        doc: "sets the log level (`level`, default debug), calls up to three tools, and judges the log messages that follow: `check: threshold` (none below the level) or `check: schema` (each valid)",
        run: logging_provoke,
    },
    ProbeDef {
        name: "progress-provoke",
        doc: "calls a tool (a progress-looking one first) with a string token, an integer token and no token, and judges one progress rule: `rule: token`, `increasing`, `after-response` or `no-token`",
        run: progress_provoke,
    },
    ProbeDef {
        name: "progress-token-accepted",
        doc: "sends ping, tools/list, prompts/list, resources/read and completion/complete (as declared) with and without a progress token; fails when only the one with a token is refused",
        run: progress_token_accepted,
    },
    ProbeDef {
        name: "resume-stream",
        doc: "Streamable HTTP: calls a slow-looking tool with a progress token, cuts its SSE stream after the first event, POSTs a ping on another stream, reconnects with Last-Event-ID and judges the replay: `check: same-stream` (nothing from another stream) or `redelivery` (the call's response still arrives)",
        run: resume_stream,
    },
    ProbeDef {
        name: "roots-list-changed",
        doc: "waits for the server's roots/list (unprompted, else provoked by roots-looking tools), sends notifications/roots/list_changed and watches 5 s for a new roots/list: none is non-strict when the first came unprompted, informational when it came only during a tool call",
        run: roots_list_changed,
    },
    ProbeDef {
        name: "server-request",
        doc: "provokes `method` (sampling/createMessage, roots/list or elicitation/create) by calling tools that look related; `check: valid` (each request valid, each call ends), `absent` (none may come) or `validates-content` (elicitation answered with schema-breaking content must be rejected)",
        run: server_request,
    },
];

/// Longest wait for one call a probe makes.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest a probe runs in all; the runner's slack per case is 30 s.
const PROBE_BUDGET: Duration = Duration::from_secs(20);
/// Most tools a probe calls to provoke traffic.
const MAX_PROVOKE_CALLS: usize = 3;
/// How long stray notifications are still collected after the last call.
const GRACE: Duration = Duration::from_millis(500);

/// The end of a probe's time.
struct Budget {
    end: Instant,
}

impl Budget {
    fn new() -> Self {
        Budget {
            end: Instant::now() + PROBE_BUDGET,
        }
    }

    /// A deadline `wait` from now, never past the budget.
    fn deadline(&self, wait: Duration) -> Instant {
        (Instant::now() + wait).min(self.end)
    }

    /// How long a wait of at most `cap` may last from now.
    fn wait(&self, cap: Duration) -> Duration {
        self.deadline(cap).saturating_duration_since(Instant::now())
    }

    fn spent(&self) -> bool {
        Instant::now() >= self.end
    }
}

/// Waits for the response to `id`, handing every other message `on_other` picks to it in arrival
/// order. Returns the response, or how the wait ended.
async fn wait_call(
    s: &mut Session,
    id: &Value,
    deadline: Instant,
    on_other: impl Fn(&Incoming) -> bool,
    seen: &mut Vec<Incoming>,
) -> Result<Incoming, WaitEnd> {
    loop {
        let want = |m: &Incoming| answers(m, id) || on_other(m);
        let got = s.watch(want, deadline).await;
        match got {
            Some(m) if answers(&m, id) => return Ok(m),
            Some(m) => seen.push(m),
            None => {
                return Err(match s.gone() {
                    Some(how) => WaitEnd::Gone(how.to_string()),
                    None => WaitEnd::TimedOut,
                });
            }
        }
    }
}

/// Whether `m` is the response (a result or an error) to the request `id`.
fn answers(m: &Incoming, id: &Value) -> bool {
    matches!(m.kind, MessageKind::Result | MessageKind::Error) && m.id() == Some(id)
}

/// Takes every kept message `pick` selects that arrives before `deadline`.
async fn collect(
    s: &mut Session,
    deadline: Instant,
    pick: impl Fn(&Incoming) -> bool,
) -> Vec<Incoming> {
    let mut out = Vec::new();
    while let Some(m) = s.watch(&pick, deadline).await {
        out.push(m);
    }
    out
}

/// Takes every `method` notification that arrives before `deadline`.
async fn collect_notifications(s: &mut Session, deadline: Instant, method: &str) -> Vec<Incoming> {
    collect(s, deadline, |m| is_notification(m, method)).await
}

fn is_notification(m: &Incoming, method: &str) -> bool {
    m.kind == MessageKind::Notification && m.method() == Some(method)
}

/// A failing finding for a message (`what`: "the call", "the cancellation") that could not be
/// written to the server.
fn send_failed(r: &mut ProbeResult, what: &str, error: String) {
    r.add(
        Verdict::Fail,
        format!("{what} could not be sent: {error}"),
        "a server that reads its input",
        error,
    );
}

/// A failing finding when the server is gone, so the case counts as a crash.
fn check_alive(s: &mut Session, r: &mut ProbeResult) {
    if !s.alive() {
        let how = s.gone().unwrap_or("the server is gone").to_string();
        r.add(
            Verdict::Fail,
            format!("{how} during the probe"),
            "a server that keeps running",
            how,
        );
    }
}

/// Sends ping and fails when it is not answered with a result.
async fn ping_survives(s: &mut Session, r: &mut ProbeResult, after: &str) {
    match s.request("ping", None, Duration::from_secs(5)).await {
        Ok(m) if m.kind == MessageKind::Result => {}
        Ok(m) => r.add(
            Verdict::Fail,
            format!("ping after {after} was answered with an error"),
            "ping answered with a result",
            crate::wire::excerpt(&m.value.to_string()),
        ),
        Err(e) => r.add(
            Verdict::Fail,
            format!("ping after {after} got no answer: {e}"),
            "ping answered with a result",
            e.to_string(),
        ),
    }
}

fn arg_str<'a>(args: &'a Value, key: &str, default: &'a str) -> &'a str {
    args.get(key).and_then(Value::as_str).unwrap_or(default)
}
