//! Playing one sequence of actions on a fresh session: start the target, do the handshake
//! (unless the sequence opens with its own `initialize`), resolve and send each action, wait
//! for its answer with a deadline, then collect what is outstanding, send a closing `ping` and
//! shut the target down (stdin closed, then signals, then reaped). Every wait and every write
//! has a deadline.
//!
//! Along the way it judges the invariants ([`super::verdict`]): the first failure ends the
//! sequence; soft findings are collected. Everything sent and waited for is recorded as case
//! steps ([`super::steps`]), so a failing sequence can be written out and replayed.
//!
//! The parts: this file holds the sequence (handshake, actions, closing, shutdown) and the
//! dispatch of plain actions; `resolve.rs` resolves listed items and plays an action's missing
//! prerequisite (a listing) instead of skipping it; `features.rs` resolves tool calls and
//! prompts against the model; `hostile.rs` builds hostile input; `http.rs` plays requests that
//! abuse the Streamable HTTP transport and tracks a session ended by DELETE; `exchange.rs`
//! sends, waits, judges and records.
//!
//! Not the choice of actions (`strategy.rs`) and not the search loop (`search.rs`).

mod exchange;
mod features;
mod hostile;
mod http;
mod resolve;

use std::time::Duration;

use mcpspec_codec::MessageKind;
use mcpspec_report::WireEntry;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::action::Action;
use super::model::{Model, Phase};
use super::steps::{self, Want};
use super::verdict::{Failure, SURVIVES, Soft};
use crate::config::{REVISION, RunConfig, ToolGuard};
use crate::session::Session;
use crate::target::TransportError;

/// How long the fuzzer itself waits for an answer that may legitimately never come, once a
/// ping sent after it has been answered.
const SETTLE: Duration = Duration::from_millis(50);

/// Counters of one played sequence.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Stats {
    /// Messages (and raw lines) sent to the server.
    pub messages: u64,
    /// Answers received to the requests waited for.
    pub answers: u64,
    /// Actions of the sequence played (the implicit handshake not counted).
    pub actions: u64,
    /// Actions skipped because even their prerequisite (a listing) left nothing to resolve
    /// them against, or because the server lacks their capability or transport.
    pub skipped: u64,
    /// Time spent waiting for the server's answers.
    pub waiting: Duration,
    /// Time from start to reaped process.
    pub elapsed: Duration,
}

impl Stats {
    /// Adds another sequence's counters.
    pub fn add(&mut self, other: &Stats) {
        self.messages += other.messages;
        self.answers += other.answers;
        self.actions += other.actions;
        self.skipped += other.skipped;
        self.waiting += other.waiting;
        self.elapsed += other.elapsed;
    }
}

/// What the server said about itself in its (last) initialize result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServerFacts {
    /// The negotiated protocol version.
    pub negotiated: Option<String>,
    /// The declared capabilities.
    pub capabilities: Option<Value>,
    /// `serverInfo`.
    pub info: Option<Value>,
}

/// The result of playing one sequence.
#[derive(Debug, Clone)]
pub struct Played {
    /// Everything sent and waited for, as case steps.
    pub steps: Vec<Value>,
    /// The first broken invariant, if any.
    pub failure: Option<Failure>,
    /// Soft findings, in order.
    pub soft: Vec<Soft>,
    /// The actions played, by index, as resolved (skipped ones are absent).
    pub played: Vec<(usize, String)>,
    /// The full wire log.
    pub transcript: Vec<WireEntry>,
    /// Counters.
    pub stats: Stats,
    /// What the server said about itself.
    pub server: ServerFacts,
    /// Whether the run's deadline stopped the sequence before its end (its verdict then
    /// proves nothing).
    pub cut_short: bool,
}

/// The waits of one sequence.
#[derive(Debug, Clone, Copy)]
struct Limits {
    timeout: Duration,
    startup: Duration,
    write: Duration,
    grace: Duration,
}

/// Whether silence is a failure or a soft finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Silence {
    Fatal,
    Soft,
}

/// How one answer is waited for and judged.
#[derive(Debug, Clone)]
struct Ask {
    method: String,
    id: Value,
    or_null: bool,
    silence: Silence,
    want: Want,
}

/// Plays `actions` on a fresh session of `config`'s target. `Err` only when the target cannot be
/// started; everything the server does is in [`Played`]. Past `deadline` no further action
/// starts, and the record says it was cut short.
pub async fn play(
    config: &RunConfig,
    actions: &[Action],
    deadline: Option<std::time::Instant>,
) -> Result<Played, TransportError> {
    let started = Instant::now();
    let session = Session::start(config)?;
    let mut p = Player::new(session, config);
    p.deadline = deadline.map(Instant::from_std);
    if !matches!(actions.first(), Some(Action::Initialize(_))) {
        p.act(None, &Action::Initialize(REVISION.to_string())).await;
        if p.failure.is_none() {
            p.act(None, &Action::Initialized).await;
        }
    }
    for (i, action) in actions.iter().enumerate() {
        if p.failure.is_some() || p.cut_short {
            break;
        }
        if p.deadline.is_some_and(|d| Instant::now() >= d) {
            p.cut_short = true;
            break;
        }
        p.act(Some(i), action).await;
    }
    if p.failure.is_none() && !p.cut_short {
        p.close().await;
    }
    Ok(p.finish(started).await)
}

struct Player<'a> {
    s: Session,
    model: Model,
    limits: Limits,
    guard: &'a ToolGuard,
    client_caps: Value,
    steps: Vec<Value>,
    failure: Option<Failure>,
    soft: Vec<Soft>,
    played: Vec<(usize, String)>,
    stats: Stats,
    /// The action being played (`None`: handshake or closing).
    current: Option<usize>,
    /// Its catalogue requirement.
    requirement: &'static str,
    /// Its description.
    what: String,
    /// Whether no initialize was sent yet (the first gets the start-up allowance).
    first_initialize: bool,
    /// The method of the last message sent (`raw line` for raw bytes), naming a crash.
    last_sent: String,
    /// Whether the message being sent is a sync ping (it does not change `last_sent`).
    syncing: bool,
    /// No wait lasts past this instant (the run's time budget).
    deadline: Option<Instant>,
    /// Whether the deadline cut a wait or the sequence short.
    cut_short: bool,
}

impl<'a> Player<'a> {
    fn new(s: Session, config: &'a RunConfig) -> Self {
        let timeout = Duration::from_millis(config.timeout_ms);
        Player {
            s,
            model: Model::default(),
            limits: Limits {
                timeout,
                startup: Duration::from_millis(config.timeout_ms.max(config.startup_ms)),
                write: timeout * 2,
                // Exiting on its own is not under test here: a short grace, then signals.
                grace: Duration::from_millis(config.shutdown_grace_ms.min(50)),
            },
            guard: &config.tools,
            client_caps: config.client.capabilities(),
            steps: Vec::new(),
            failure: None,
            soft: Vec::new(),
            played: Vec::new(),
            stats: Stats::default(),
            current: None,
            requirement: "BASE-019",
            what: String::new(),
            first_initialize: true,
            last_sent: String::new(),
            syncing: false,
            deadline: None,
            cut_short: false,
        }
    }

    /// Plays one action; `index` is its place in the sequence (`None` for the handshake).
    async fn act(&mut self, index: Option<usize>, action: &Action) {
        self.current = index;
        self.requirement = action.requirement();
        self.what = action.describe();
        let played = self.dispatch(action).await;
        // Only the sequence's own actions count, not the implicit handshake.
        match (played, index) {
            (Some(resolved), Some(i)) => {
                self.stats.actions += 1;
                self.played.push((i, resolved));
            }
            (None, Some(_)) => self.stats.skipped += 1,
            (_, None) => {}
        }
        self.collect_hits();
        if self.failure.is_none() && !self.s.alive() {
            let how = self.s.gone().unwrap_or("the server exited").to_string();
            self.died(how);
        }
    }

    /// Sends what the action stands for. `None` when it was skipped (nothing to resolve);
    /// otherwise how it was resolved, for the report.
    async fn dispatch(&mut self, action: &Action) -> Option<String> {
        if self.model.http.ended.is_some() {
            return self.after_end().await;
        }
        let what = self.what.clone();
        match action {
            Action::Initialize(version) => {
                let params = self.initialize_params(version);
                let within = if self.first_initialize {
                    self.limits.startup
                } else {
                    self.limits.timeout
                };
                self.first_initialize = false;
                let answer = self
                    .request("initialize", Some(params), Want::Any, within)
                    .await;
                if answer.is_some_and(|a| a.kind == MessageKind::Result)
                    && self.model.phase == Phase::Fresh
                {
                    self.model.phase = Phase::Initialized;
                }
            }
            Action::Initialized => {
                self.notify("notifications/initialized", None).await;
                if self.model.phase == Phase::Initialized {
                    self.model.phase = Phase::Ready;
                }
                self.sync().await;
            }
            Action::Ping => {
                self.request("ping", None, Want::Any, self.limits.timeout)
                    .await;
            }
            Action::List { kind, cursor } => return Some(self.list(*kind, cursor).await),
            Action::CallTool { tool, args, wait } => {
                return self.call_tool(*tool, args, *wait).await;
            }
            Action::ReadResource(pick) => return self.read_resource(pick).await,
            Action::GetPrompt { prompt, args } => return self.get_prompt(*prompt, args).await,
            Action::Complete { target, value } => return self.complete(*target, value).await,
            Action::SetLevel(pick) => return self.set_level(pick).await,
            Action::Cancel { request } => {
                self.settle_outstanding().await;
                let live = self.model.live_requests();
                let id = match pick_of(&live, *request) {
                    Some(p) => p.id.clone(),
                    None => json!("fz-never-issued"),
                };
                if let Some(p) = self.model.outstanding.iter_mut().find(|p| p.id == id) {
                    p.cancelled = true;
                }
                self.what = format!("notifications/cancelled for {id}");
                let params = json!({ "requestId": id, "reason": "mcpspec fuzz" });
                self.notify("notifications/cancelled", Some(params)).await;
                self.sync().await;
                return Some(self.what.clone());
            }
            Action::Hostile(h) => {
                self.hostile(h).await?;
                return Some(self.what.clone());
            }
            Action::Http(h) => return self.http_abuse(h).await,
        }
        Some(what)
    }
    /// The params of an `initialize` asking for `version`.
    fn initialize_params(&self, version: &str) -> Value {
        json!({
            "protocolVersion": version,
            "capabilities": self.client_caps,
            "clientInfo": { "name": "mcpspec-fuzz", "version": env!("CARGO_PKG_VERSION") },
        })
    }

    /// Waits for every outstanding request not cancelled, then sends the closing ping.
    async fn close(&mut self) {
        if self.cut_short {
            return;
        }
        if self.model.http.ended.is_some() {
            // The session is gone: its requests need no answer, and a ping would get 404.
            self.collect_hits();
            return;
        }
        self.current = None;
        self.requirement = "PING-001";
        self.what = "the closing ping".into();
        let pending = std::mem::take(&mut self.model.outstanding);
        for p in pending.into_iter().filter(|p| !p.cancelled) {
            if self.failure.is_some() || self.cut_short {
                return;
            }
            let a = ask(&p.method, p.id, Silence::Soft, Want::Any);
            self.ask_sent(a, None).await;
        }
        if self.failure.is_none() {
            self.request("ping", None, Want::Any, self.limits.timeout)
                .await;
        }
        self.collect_hits();
    }

    /// Shuts the target down and hands over the record.
    async fn finish(mut self, started: Instant) -> Played {
        if self.failure.is_none() && !self.s.alive() {
            let how = self.s.gone().unwrap_or("the server exited").to_string();
            self.died(how);
        }
        self.s.shutdown(self.limits.grace).await;
        self.collect_hits();
        self.end_with_a_wait();
        self.stats.elapsed = started.elapsed();
        let server = ServerFacts {
            negotiated: self.s.negotiated.clone(),
            capabilities: self.s.server_caps.clone(),
            info: self.s.server_info.clone(),
        };
        Played {
            steps: self.steps,
            failure: self.failure,
            soft: self.soft,
            played: self.played,
            transcript: self.s.log.since(0).to_vec(),
            stats: self.stats,
            server,
            cut_short: self.cut_short,
        }
    }

    /// When the server died before the record ends with a wait (a write failed, say), adds the
    /// ping the sequence would have sent, so a replay of the record waits for the server and
    /// sees it gone instead of ending after its last write.
    fn end_with_a_wait(&mut self) {
        let died = self
            .failure
            .as_ref()
            .is_some_and(|f| f.rule.id == SURVIVES.id);
        let ends_with_wait = self.steps.last().is_some_and(|s| s.get("expect").is_some());
        if died && !ends_with_wait {
            let id = self.model.next_id();
            self.steps
                .push(steps::send(&request_message(&id, "ping", None), false));
            self.steps
                .push(steps::expect(&id, false, None, false, &Want::Any, ""));
        }
    }
}

fn ask(method: &str, id: Value, silence: Silence, want: Want) -> Ask {
    Ask {
        method: method.to_string(),
        id,
        or_null: false,
        silence,
        want,
    }
}

impl Ask {
    /// Lets an error with a null id answer too: the server may not be able to read the id of
    /// hostile input.
    fn or_null(mut self) -> Self {
        self.or_null = true;
        self
    }
}

/// A JSON-RPC request.
fn request_message(id: &Value, method: &str, params: Option<Value>) -> Value {
    let mut message = json!({ "jsonrpc": "2.0", "id": id, "method": method });
    if let Some(p) = params {
        message["params"] = p;
    }
    message
}

/// Item `k` of a list, modulo its length; `None` for an empty list.
fn pick_of<T>(items: &[T], k: usize) -> Option<&T> {
    if items.is_empty() {
        None
    } else {
        items.get(k % items.len())
    }
}

/// A method name short enough for a signature.
fn cut_method(method: &str) -> String {
    if method.len() <= 64 {
        method.to_string()
    } else {
        "(long method name)".to_string()
    }
}

/// A URI or other text cut for a one-line description.
fn short(text: &str) -> String {
    let mut end = text.len().min(80);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if end < text.len() {
        format!("{:?}…", &text[..end])
    } else {
        format!("{text:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_wrap_around() {
        assert_eq!(pick_of(&[1, 2, 3], 4), Some(&2));
        assert_eq!(pick_of::<u8>(&[], 4), None);
        assert_eq!(short("abc"), "\"abc\"");
        assert!(short(&"é".repeat(100)).ends_with('…'));
        assert_eq!(cut_method(&"x".repeat(65)), "(long method name)");
    }
}
