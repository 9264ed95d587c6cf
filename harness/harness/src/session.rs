//! A client session over one transport: sends messages (checking the harness's own against the
//! schema), records the wire log, runs every oracle on every frame, answers the server's own
//! requests, and hands received messages to whoever waits for them. Every wait has a deadline.
//!
//! Not the step interpreter (`interp.rs`) and not the run loop (`runner.rs`).

mod http;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::Duration;

use mcpspec_codec::{Classified, Frame, MessageKind, classify, encode};
use mcpspec_schema::{Direction, Schema};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::config::{
    ClientConfig, ElicitationReply, REVISION, RunConfig, SamplingReply, ToolGuard,
};
use crate::oracles::stdio::StdoutStats;
use crate::oracles::{self, Hit, View, id_key};
use crate::target::{Shutdown, Transport, TransportError, TransportEvent};
use crate::wire::{Dir, WireLog};

/// Messages kept for later `expect` steps; the oldest go first past this.
const INBOX_CAP: usize = 4096;

/// How long stdout is still read after the process exited.
const EXIT_DRAIN: Duration = Duration::from_millis(300);

/// The id the harness uses for its own `initialize`.
pub const INIT_ID: &str = "mcpspec-init";

/// A message received from the server.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// When it arrived, in session milliseconds.
    pub t_ms: u64,
    /// Its kind.
    pub kind: MessageKind,
    /// The whole message.
    pub value: Value,
}

impl Incoming {
    /// The `id` member, if any.
    pub fn id(&self) -> Option<&Value> {
        self.value.get("id")
    }

    /// The `method` member, if a string.
    pub fn method(&self) -> Option<&str> {
        self.value.get("method").and_then(Value::as_str)
    }
}

/// How a wait ended without what it waited for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitEnd {
    /// The deadline passed.
    TimedOut,
    /// The server exited or closed stdout; the text says how.
    Gone(String),
}

/// Why [`Session::request`] got no response.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The request could not be sent.
    #[error(transparent)]
    Send(SendError),
    /// No response came.
    #[error("{}", match .0 { WaitEnd::TimedOut => "no response in time".to_string(), WaitEnd::Gone(how) => how.clone() })]
    Wait(WaitEnd),
}

/// A send the harness refused or could not make.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// A harness-origin message is invalid: a bug in a case or in mcpspec, never the server's.
    #[error("harness-origin message is invalid: {0}")]
    HarnessOrigin(String),
    /// The transport failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
}

/// One live session.
#[derive(Debug)]
pub struct Session {
    proc: Transport,
    /// The full wire log of the session.
    pub log: WireLog,
    inbox: VecDeque<Incoming>,
    sent_requests: HashMap<String, String>,
    answered: HashSet<String>,
    reused_ids: HashSet<String>,
    server_request_ids: HashSet<String>,
    sent_batch: bool,
    client: ClientConfig,
    client_caps: Value,
    init_ids: HashSet<String>,
    /// The server's declared capabilities, once an initialize result was seen.
    pub server_caps: Option<Value>,
    /// The negotiated protocol version, once an initialize result was seen.
    pub negotiated: Option<String>,
    /// The server's `serverInfo`, once seen.
    pub server_info: Option<Value>,
    /// stdout facts for the stdio probes.
    pub stdout: StdoutStats,
    hits: Vec<Hit>,
    schema: &'static Schema,
    next_id: u64,
    /// The side-effect guard for tool calls.
    pub tool_guard: ToolGuard,
    /// Per tool name: whether the harness called it, and why (for the report).
    pub tool_calls: BTreeMap<String, String>,
    /// Tools that gave no answer in time in this session (later probes skip them).
    pub slow_tools: HashSet<String>,
    /// The call of every tool made by the first `tools-call-each` check of this session, which
    /// the later ones judge again instead of calling every tool once more.
    pub tool_sweep: Option<crate::probes::tools::ToolSweep>,
    /// How probes want `sampling/createMessage` answered, instead of the run's configuration.
    pub sampling_override: Option<SamplingReply>,
    /// How probes want `elicitation/create` answered, instead of the run's configuration.
    pub elicitation_override: Option<ElicitationOverride>,
    progress: oracles::progress::Tracker,
    subscriptions: oracles::subscription::Tracker,
    http_oracles: oracles::http::Tracker,
    gone: Option<String>,
    stdout_closed: bool,
    exit_seen: Option<(Instant, String)>,
}

impl Session {
    /// Starts the target of `config` (no handshake).
    pub fn start(config: &RunConfig) -> Result<Session, TransportError> {
        let schema = Schema::for_revision(REVISION).expect("the embedded schema of REVISION loads");
        let proc = Transport::start(&config.target, config.max_message_bytes)?;
        Ok(Session {
            proc,
            log: WireLog::new(),
            inbox: VecDeque::new(),
            sent_requests: HashMap::new(),
            answered: HashSet::new(),
            reused_ids: HashSet::new(),
            server_request_ids: HashSet::new(),
            sent_batch: false,
            client: config.client.clone(),
            client_caps: json!({}),
            init_ids: HashSet::new(),
            server_caps: None,
            negotiated: None,
            server_info: None,
            stdout: StdoutStats::default(),
            hits: Vec::new(),
            schema,
            next_id: 0,
            tool_guard: config.tools.clone(),
            tool_calls: BTreeMap::new(),
            slow_tools: HashSet::new(),
            tool_sweep: None,
            sampling_override: None,
            elicitation_override: None,
            progress: Default::default(),
            subscriptions: Default::default(),
            http_oracles: Default::default(),
            gone: None,
            stdout_closed: false,
            exit_seen: None,
        })
    }

    /// The schema of the revision under test.
    pub fn schema(&self) -> &'static Schema {
        self.schema
    }

    /// The OS pid of the server, if known.
    pub fn pid(&self) -> Option<u32> {
        self.proc.pid()
    }

    /// Why the server is gone, if it is (exited or stdout closed).
    pub fn gone(&self) -> Option<&str> {
        self.gone.as_deref()
    }

    /// Whether the server still runs and its stdout is open.
    pub fn alive(&mut self) -> bool {
        if self.gone.is_none()
            && let Some(status) = self.proc.try_exit()
        {
            self.mark_gone(format!("the server exited ({status})"));
        }
        self.gone.is_none()
    }

    /// Oracle hits since the last call.
    pub fn take_hits(&mut self) -> Vec<Hit> {
        std::mem::take(&mut self.hits)
    }

    /// The initialize handshake with the run's client configuration: `initialize`, its result,
    /// then `notifications/initialized`. Returns a one-line reason on failure.
    pub async fn handshake(&mut self, timeout: Duration) -> Result<(), String> {
        let init = json!({
            "jsonrpc": "2.0",
            "id": INIT_ID,
            "method": "initialize",
            "params": {
                "protocolVersion": REVISION,
                "capabilities": self.client.capabilities(),
                "clientInfo": { "name": "mcpspec", "version": env!("CARGO_PKG_VERSION") },
            },
        });
        self.send(&init, true).await.map_err(|e| e.to_string())?;
        let deadline = Instant::now() + timeout;
        let reply = match self.wait_response(&json!(INIT_ID), false, deadline).await {
            Ok(reply) => reply,
            Err(WaitEnd::TimedOut) => {
                return Err(format!(
                    "no answer to initialize within {} ms",
                    timeout.as_millis()
                ));
            }
            Err(WaitEnd::Gone(how)) => return Err(format!("{how} before answering initialize")),
        };
        if reply.kind != MessageKind::Result {
            return Err(format!(
                "initialize was answered with an error: {}",
                crate::wire::excerpt(&reply.value.to_string())
            ));
        }
        let initialized = json!({ "jsonrpc": "2.0", "method": "notifications/initialized" });
        self.send(&initialized, true)
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    /// Sends one message as a line. With `check`, a harness-origin message is first classified
    /// and validated against the schema, and refused if invalid.
    pub async fn send(&mut self, value: &Value, check: bool) -> Result<(), SendError> {
        if check {
            self.check_outgoing(value)?;
        }
        self.note_outgoing(value);
        let bytes = encode(value);
        self.log.message(Dir::Out, value, bytes.len());
        self.proc.write(&bytes).await?;
        Ok(())
    }

    /// Sends exact bytes, optionally in chunks with pauses. JSON content is still noted (ids,
    /// batches) so oracles can tell answers from strays.
    pub async fn send_raw(
        &mut self,
        bytes: &[u8],
        chunk: Option<usize>,
        delay: Option<Duration>,
    ) -> Result<(), SendError> {
        for line in bytes.split(|b| *b == b'\n') {
            match serde_json::from_slice::<Value>(line) {
                Ok(value) => self.note_outgoing(&value),
                // Too deep, not UTF-8, or broken on purpose: still remember any id it carries,
                // so an answer that echoes it is not mistaken for a stray response.
                Err(_) => {
                    for id in raw_ids(line) {
                        self.sent_requests.entry(id_key(&id)).or_default();
                    }
                }
            }
        }
        self.log.raw(Dir::Out, bytes);
        let size = chunk.unwrap_or(bytes.len()).max(1);
        let mut first = true;
        for piece in bytes.chunks(size) {
            if !first && let Some(d) = delay {
                tokio::time::sleep(d).await;
            }
            first = false;
            self.proc.write(piece).await?;
        }
        Ok(())
    }

    /// A fresh request id of the harness's own (`mcpspec-<n>`), unique in the session.
    pub fn next_request_id(&mut self) -> Value {
        self.next_id += 1;
        Value::String(format!("mcpspec-{}", self.next_id))
    }

    /// Sends a valid request with a fresh id and waits for its response. `params: None` leaves
    /// the member out. The harness-origin check applies: a bad request is a harness error.
    pub async fn request(
        &mut self,
        method: &str,
        params: Option<Value>,
        timeout: Duration,
    ) -> Result<Incoming, RequestError> {
        let id = self.next_request_id();
        let mut message = json!({ "jsonrpc": "2.0", "id": id, "method": method });
        if let Some(p) = params {
            message["params"] = p;
        }
        self.send(&message, true)
            .await
            .map_err(RequestError::Send)?;
        let deadline = Instant::now() + timeout;
        self.wait_response(&id, false, deadline)
            .await
            .map_err(RequestError::Wait)
    }

    /// Sends a valid notification.
    pub async fn notify(&mut self, method: &str, params: Option<Value>) -> Result<(), SendError> {
        let mut message = json!({ "jsonrpc": "2.0", "method": method });
        if let Some(p) = params {
            message["params"] = p;
        }
        self.send(&message, true).await
    }

    /// Whether the client capabilities of the last `initialize` sent declare `name` (`roots`,
    /// `sampling`, `elicitation`); the harness answers those server requests only then.
    pub fn client_declares(&self, name: &str) -> bool {
        oracles::has_capability(&self.client_caps, name)
    }

    /// Whether the server declared a capability path (`tools`, `resources.subscribe`).
    pub fn server_has(&self, path: &str) -> bool {
        self.server_caps
            .as_ref()
            .is_some_and(|c| oracles::has_capability(c, path))
    }

    /// Drops queued messages that no step consumed (they stay in the log and were checked by
    /// the oracles), so a case on a shared session never sees a previous case's leftovers.
    pub fn clear_inbox(&mut self) {
        self.inbox.clear();
    }

    /// Closes the server's input: stdin over stdio, the MCP session over HTTP.
    pub async fn close_input(&mut self) {
        let what = if self.proc.is_http() {
            "harness ended the HTTP session"
        } else {
            "harness closed the server's stdin"
        };
        self.log.text(Dir::Local, "closed", what);
        self.proc.close_input().await;
    }

    /// Whether the target is reached over HTTP.
    pub fn is_http(&self) -> bool {
        self.proc.is_http()
    }

    /// Waits for the response with exactly this id (`null`: an error with a null or missing id).
    /// With `or_null_id`, an error with a null or missing id answers too.
    pub async fn wait_response(
        &mut self,
        id: &Value,
        or_null_id: bool,
        deadline: Instant,
    ) -> Result<Incoming, WaitEnd> {
        let null_ok = id.is_null() || or_null_id;
        let wanted = |m: &Incoming| match m.kind {
            MessageKind::Result | MessageKind::Error => match m.id() {
                Some(Value::Null) | None => null_ok && m.kind == MessageKind::Error,
                Some(got) => got == id,
            },
            _ => false,
        };
        self.wait_for(wanted, deadline).await
    }

    /// Waits for a server notification with this method.
    pub async fn wait_notification(
        &mut self,
        method: &str,
        deadline: Instant,
    ) -> Result<Incoming, WaitEnd> {
        let wanted =
            |m: &Incoming| m.kind == MessageKind::Notification && m.method() == Some(method);
        self.wait_for(wanted, deadline).await
    }

    /// Watches until the deadline for a message `unwanted` picks; returns the first one. Messages
    /// that are not picked stay available to later steps.
    pub async fn watch(
        &mut self,
        unwanted: impl Fn(&Incoming) -> bool,
        deadline: Instant,
    ) -> Option<Incoming> {
        self.wait_for(unwanted, deadline).await.ok()
    }

    /// Waits for the server process to exit. Returns its status text, or `None` at the deadline.
    pub async fn wait_exit(&mut self, deadline: Instant) -> Option<String> {
        loop {
            if let Some(status) = self.proc.exit_status() {
                return Some(status.to_string());
            }
            if !self.pump(deadline).await {
                return self.proc.try_exit().map(|s| s.to_string());
            }
        }
    }

    async fn wait_for(
        &mut self,
        wanted: impl Fn(&Incoming) -> bool,
        deadline: Instant,
    ) -> Result<Incoming, WaitEnd> {
        loop {
            if let Some(pos) = self.inbox.iter().position(&wanted)
                && let Some(found) = self.inbox.remove(pos)
            {
                return Ok(found);
            }
            if let Some(how) = &self.gone {
                return Err(WaitEnd::Gone(how.clone()));
            }
            // After the process exits, drain what is still in the pipe for a moment, then stop.
            let deadline = match &self.exit_seen {
                Some((at, how)) => {
                    let drain_end = *at + EXIT_DRAIN;
                    if Instant::now() >= drain_end {
                        let how = how.clone();
                        self.mark_gone(how);
                        continue;
                    }
                    deadline.min(drain_end)
                }
                None => deadline,
            };
            if !self.pump(deadline).await {
                return match &self.gone {
                    Some(how) => Err(WaitEnd::Gone(how.clone())),
                    None => Err(WaitEnd::TimedOut),
                };
            }
        }
    }

    /// Processes one transport event. Returns false at the deadline or when nothing more can come.
    async fn pump(&mut self, deadline: Instant) -> bool {
        let Some(event) = self.proc.next_event(deadline).await else {
            if self.stdout_closed
                && self.gone.is_none()
                && let Some(status) = self.proc.try_exit()
            {
                self.mark_gone(format!("the server exited ({status})"));
            }
            return false;
        };
        match event {
            TransportEvent::Frame(frame) => self.on_frame(frame).await,
            TransportEvent::Stderr { text, utf8 } => {
                self.log.text(Dir::In, "stderr", &text);
                self.hits.extend(oracles::stdio::check_stderr(utf8, &text));
            }
            TransportEvent::StdoutClosed => {
                self.stdout_closed = true;
                self.log.text(Dir::Local, "closed", "server closed stdout");
                if let Some(status) = self.proc.try_exit() {
                    self.mark_gone(format!("the server exited ({status})"));
                } else {
                    self.mark_gone("the server closed stdout".into());
                }
            }
            TransportEvent::Http { text } => self.log.text(Dir::In, "http", &text),
            TransportEvent::Observed(obs) => self.hits.extend(self.http_oracles.check(&obs)),
            TransportEvent::Exited(status) => {
                self.log
                    .text(Dir::Local, "exit", &format!("server exited: {status}"));
                let how = format!("the server exited ({status})");
                if self.stdout_closed {
                    self.mark_gone(how);
                } else {
                    self.exit_seen = Some((Instant::now(), how));
                }
            }
        }
        true
    }

    fn mark_gone(&mut self, how: String) {
        if self.gone.is_none() {
            self.gone = Some(how);
        }
    }

    async fn on_frame(&mut self, frame: Frame) {
        let classified = match &frame {
            Frame::Line { bytes, .. } => Some(classify(bytes)),
            _ => None,
        };
        if !self.proc.is_http() {
            self.hits.extend(oracles::stdio::check_frame(
                &frame,
                classified.as_ref(),
                &mut self.stdout,
            ));
        }
        match &frame {
            Frame::Line { bytes, .. } => {
                let Some(c) = classified else { return };
                match &c.value {
                    Some(value) if value.is_object() || value.is_array() => {
                        self.log.message(Dir::In, value, bytes.len());
                    }
                    _ => self.log.raw(Dir::In, bytes),
                }
                self.on_message(c).await;
            }
            Frame::Oversize { head, limit } => {
                self.log.text(
                    Dir::In,
                    "raw",
                    &format!(
                        "(line over {limit} bytes skipped) {}",
                        String::from_utf8_lossy(head)
                    ),
                );
            }
            Frame::Unterminated { bytes } => self.log.raw(Dir::In, bytes),
        }
    }

    async fn on_message(&mut self, c: Classified) {
        let Some(value) = c.value.clone() else { return };
        if let Value::Array(items) = &value {
            self.run_oracles(&c);
            // A batch answer: its responses still answer the requests inside the batch.
            for item in items {
                if let Ok(bytes) = serde_json::to_vec(item) {
                    let inner = classify(&bytes);
                    if matches!(inner.kind, Some(MessageKind::Result | MessageKind::Error)) {
                        self.accept(inner);
                    }
                }
            }
            return;
        }
        if c.kind.is_none() {
            self.run_oracles(&c);
            return;
        }
        self.run_oracles(&c);
        if c.kind == Some(MessageKind::Request) {
            self.answer_server_request(&value).await;
        }
        self.accept(c);
    }

    fn run_oracles(&mut self, c: &Classified) {
        let view = View {
            sent_requests: &self.sent_requests,
            answered: &self.answered,
            reused_ids: &self.reused_ids,
            sent_batch: self.sent_batch,
            client_caps: &self.client_caps,
            server_caps: self.server_caps.as_ref(),
            server_request_ids: &self.server_request_ids,
            schema: self.schema,
        };
        let mut hits = oracles::envelope::check(&view, c);
        hits.extend(oracles::schema_check::check(&view, c));
        hits.extend(oracles::capability::check(&view, c));
        hits.extend(oracles::meta::check(c));
        hits.extend(oracles::cancel::check(&view, c));
        hits.extend(self.progress.check(c));
        hits.extend(self.subscriptions.check(c, self.log.now_ms()));
        self.hits.extend(hits);
    }

    /// Records a classified message as seen and queues it for waiters.
    fn accept(&mut self, c: Classified) {
        let (Some(kind), Some(value)) = (c.kind, c.value) else {
            return;
        };
        if let Some(id) = value.get("id") {
            let key = id_key(id);
            match kind {
                MessageKind::Result | MessageKind::Error => {
                    if kind == MessageKind::Result && self.init_ids.contains(&key) {
                        self.learn_initialize(&value);
                    }
                    if !id.is_null() {
                        self.progress.on_response(&key);
                        self.answered.insert(key);
                    }
                }
                MessageKind::Request => {
                    self.server_request_ids.insert(key);
                }
                MessageKind::Notification => {}
            }
        }
        if self.inbox.len() >= INBOX_CAP {
            self.inbox.pop_front();
        }
        self.inbox.push_back(Incoming {
            t_ms: self.log.now_ms(),
            kind,
            value,
        });
    }

    fn learn_initialize(&mut self, value: &Value) {
        let result = value.get("result");
        self.server_caps = result.and_then(|r| r.get("capabilities")).cloned();
        self.negotiated = result
            .and_then(|r| r.get("protocolVersion"))
            .and_then(Value::as_str)
            .map(str::to_string);
        self.server_info = result.and_then(|r| r.get("serverInfo")).cloned();
    }

    fn note_outgoing(&mut self, value: &Value) {
        match value {
            Value::Array(items) => {
                self.sent_batch = true;
                for item in items {
                    self.note_outgoing(item);
                }
            }
            Value::Object(map) => {
                self.progress.on_outgoing(value);
                self.subscriptions.on_outgoing(value, self.log.now_ms());
                // A message with an id that is no response counts as a request, even without a
                // method (deliberately invalid input): the server may answer it with that id.
                let is_response = map.contains_key("result") || map.contains_key("error");
                let (Some(id), false) = (map.get("id"), is_response) else {
                    return;
                };
                let method = map
                    .get("method")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let key = id_key(id);
                if method == "initialize" {
                    self.init_ids.insert(key.clone());
                    if let Some(caps) = value.pointer("/params/capabilities") {
                        self.client_caps = caps.clone();
                    }
                }
                if self.sent_requests.contains_key(&key) && !self.answered.contains(&key) {
                    self.reused_ids.insert(key.clone());
                }
                self.sent_requests.insert(key, method);
            }
            _ => {}
        }
    }

    fn check_outgoing(&self, value: &Value) -> Result<(), SendError> {
        let bytes = encode(value);
        let c = classify(&bytes[..bytes.len().saturating_sub(1)]);
        if let Some(v) = c.violations.first() {
            return Err(SendError::HarnessOrigin(v.describe()));
        }
        let definition = match (c.kind, c.method()) {
            (Some(MessageKind::Request | MessageKind::Notification), Some(method)) => {
                match mcpspec_schema::method(
                    self.schema.revision(),
                    method,
                    Direction::ClientToServer,
                ) {
                    Some(info) => info.definition,
                    None => return Ok(()),
                }
            }
            _ => return Ok(()),
        };
        let violations = self
            .schema
            .validate(definition, value)
            .map_err(|e| SendError::HarnessOrigin(e.to_string()))?;
        match violations.first() {
            None => Ok(()),
            Some(v) => Err(SendError::HarnessOrigin(format!(
                "not a valid {definition}: {} at {}",
                v.message, v.instance_path
            ))),
        }
    }

    async fn answer_server_request(&mut self, request: &Value) {
        let Some(id) = request.get("id").cloned() else {
            return;
        };
        let method = request.get("method").and_then(Value::as_str).unwrap_or("");
        let reply = match method {
            "ping" => json!({ "jsonrpc": "2.0", "id": id, "result": {} }),
            "roots/list" if self.client_declares("roots") => {
                let roots: Vec<Value> = self
                    .client
                    .root_uris
                    .iter()
                    .map(|u| json!({ "uri": u }))
                    .collect();
                json!({ "jsonrpc": "2.0", "id": id, "result": { "roots": roots } })
            }
            "sampling/createMessage" if self.client_declares("sampling") => match self
                .sampling_override
                .as_ref()
                .unwrap_or(&self.client.sampling_reply)
            {
                SamplingReply::Text(text) => json!({
                    "jsonrpc": "2.0", "id": id,
                    "result": {
                        "role": "assistant",
                        "content": { "type": "text", "text": text },
                        "model": "mcpspec",
                        "stopReason": "endTurn",
                    },
                }),
                SamplingReply::Decline => json!({
                    "jsonrpc": "2.0", "id": id,
                    "error": { "code": -1, "message": "declined by user" },
                }),
            },
            "elicitation/create" if self.client_declares("elicitation") => {
                let schema = request.pointer("/params/requestedSchema");
                let reply = self
                    .elicitation_override
                    .unwrap_or(ElicitationOverride::Reply(self.client.elicitation_reply));
                let result = match reply {
                    ElicitationOverride::Reply(ElicitationReply::Accept) => json!({
                        "action": "accept",
                        "content": elicitation_content(schema),
                    }),
                    ElicitationOverride::Reply(ElicitationReply::Decline) => {
                        json!({ "action": "decline" })
                    }
                    ElicitationOverride::Reply(ElicitationReply::Cancel) => {
                        json!({ "action": "cancel" })
                    }
                    ElicitationOverride::BreakSchema => json!({
                        "action": "accept",
                        "content": elicitation_content_breaking(schema),
                    }),
                };
                json!({ "jsonrpc": "2.0", "id": id, "result": result })
            }
            _ => json!({
                "jsonrpc": "2.0", "id": id,
                "error": { "code": -32601, "message": "method not supported by this client" },
            }),
        };
        let bytes = encode(&reply);
        self.log.message(Dir::Out, &reply, bytes.len());
        let _ = self.proc.write(&bytes).await;
    }

    /// Ends the session: closes stdin, waits `grace`, then signals the process group; reaps.
    pub async fn shutdown(&mut self, grace: Duration) -> Shutdown {
        let how = self.proc.shutdown(grace).await;
        let text = match how {
            Shutdown::ExitedOnClose => "server exited after stdin closed",
            Shutdown::NeededSigterm => "server needed SIGTERM",
            Shutdown::NeededSigkill => "server needed SIGKILL",
            Shutdown::SessionEnded => "HTTP session ended",
        };
        self.log.text(Dir::Local, "exit", text);
        how
    }
}

/// How a probe wants `elicitation/create` answered for the rest of the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElicitationOverride {
    /// This reply, with content generated from the requested schema when accepting.
    Reply(ElicitationReply),
    /// Accept, with content of the wrong type for every requested property (still a valid
    /// `ElicitResult`: strings, numbers and booleans only).
    BreakSchema,
}

/// Content that breaks the requested schema: for each property a value of another primitive
/// type (a string property gets `true`, a number or boolean property gets a string).
fn elicitation_content_breaking(schema: Option<&Value>) -> Value {
    let mut out = serde_json::Map::new();
    if let Some(Value::Object(props)) = schema.and_then(|s| s.get("properties")) {
        for (name, prop) in props {
            let value = match prop.get("type").and_then(Value::as_str) {
                Some("string") => json!(true),
                _ => json!("mcpspec: not a valid value"),
            };
            out.insert(name.clone(), value);
        }
    }
    Value::Object(out)
}

/// Content for an accepted elicitation, generated from the restricted requested schema: one
/// value per property, of the property's type.
fn elicitation_content(schema: Option<&Value>) -> Value {
    let mut out = serde_json::Map::new();
    if let Some(Value::Object(props)) = schema.and_then(|s| s.get("properties")) {
        for (name, prop) in props {
            let value = if let Some(first) = prop.get("enum").and_then(|e| e.get(0)) {
                first.clone()
            } else {
                match prop.get("type").and_then(Value::as_str) {
                    Some("boolean") => json!(false),
                    Some("number") | Some("integer") => {
                        prop.get("minimum").cloned().unwrap_or(json!(0))
                    }
                    _ => json!("mcpspec"),
                }
            };
            out.insert(name.clone(), value);
        }
    }
    Value::Object(out)
}

/// Ids that appear as `"id": <string or integer>` in raw bytes that do not parse as JSON.
fn raw_ids(bytes: &[u8]) -> Vec<Value> {
    static RE: std::sync::OnceLock<regex::bytes::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::bytes::Regex::new(r#""id"\s*:\s*("(?:[^"\\]|\\.)*"|-?[0-9]+)"#)
            .expect("static regex compiles")
    });
    re.captures_iter(bytes)
        .filter_map(|c| c.get(1))
        .filter_map(|m| serde_json::from_slice::<Value>(m.as_bytes()).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_broken_bytes() {
        let ids = raw_ids(b"{\"jsonrpc\":\"2.0\",\"id\":\"a\\\"b\",\"x\":[[[[\xff");
        assert_eq!(ids, vec![json!("a\"b")]);
        assert_eq!(raw_ids(b"{\"id\": -12,"), vec![json!(-12)]);
    }
}
