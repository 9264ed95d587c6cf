//! The session: turns each input candidate into zero or more output messages, tracks the
//! lifecycle (not initialized, initialized, ready) and what the client declared, routes requests
//! to the feature handlers, starts workers for long-running calls, routes the client's answers
//! and cancellations to them, and fetches the client's roots when the client says they can
//! change (`roots.listChanged`). It is not the transport: bytes come from `input.rs` and
//! leave through the shared writer (`shared.rs`, `output.rs`).

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::bugs::Bugs;
use crate::features::paging::{List, Pager};
use crate::features::resources::{self, CLOCK_URI, GREETING_URI};
use crate::features::tools::{self, Ask, Call};
use crate::features::{self, Crash, DEBUG, ERROR, INFO, LOG_LEVELS, completion, prompts};
use crate::output::SERVER_TITLE;
use crate::protocol::{
    INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST, Incoming, METHOD_NOT_FOUND, PARSE_ERROR,
    Reply, classify,
};
use crate::shared::Shared;
use crate::workers::{self, Clock};

/// The protocol revision this server implements and prefers.
pub const LATEST_VERSION: &str = "2025-06-18";
/// Every protocol version the server accepts, newest first.
pub const SUPPORTED_VERSIONS: [&str; 3] = ["2025-06-18", "2025-03-26", "2024-11-05"];
/// Longest a ping waits for running calls under `ping-waits-for-calls`.
const PING_WAIT_LIMIT: Duration = Duration::from_secs(10);
/// How often such a ping looks again.
const PING_WAIT_POLL: Duration = Duration::from_millis(10);

/// What the main loop should do after a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Keep reading.
    Continue,
    /// Exit the process at once with this status (a crash knob fired).
    Exit(i32),
}

/// The client capabilities the server may use.
#[derive(Debug, Clone, Copy, Default)]
struct ClientCaps {
    roots: bool,
    /// The client declared `roots.listChanged: true`: the server fetches the roots after
    /// `notifications/initialized` and again on every `notifications/roots/list_changed`.
    roots_list_changed: bool,
    sampling: bool,
    elicitation: bool,
}

/// One MCP session over a writer.
pub struct Server<W> {
    bugs: Bugs,
    shared: Arc<Shared<W>>,
    /// `initialize` has been answered successfully.
    initialized: bool,
    /// `notifications/initialized` has been handled (the "ready" message went out).
    ready: bool,
    /// Index into [`LOG_LEVELS`] of the least severe level the client wants.
    log_floor: usize,
    client: ClientCaps,
    pager: Pager,
    /// What `write_note` has written.
    notes: Vec<String>,
    subscriptions: BTreeSet<String>,
    clock: Option<Clock>,
}

impl<W: Write + Send + 'static> Server<W> {
    /// A fresh, uninitialized session writing to `out`.
    pub fn new(bugs: Bugs, out: W) -> Self {
        Server {
            bugs,
            shared: Shared::new(bugs, out),
            initialized: false,
            ready: false,
            log_floor: DEBUG,
            client: ClientCaps::default(),
            pager: Pager::default(),
            notes: Vec::new(),
            subscriptions: BTreeSet::new(),
            clock: None,
        }
    }

    /// Anything the server writes before reading input.
    pub fn start(&mut self) -> io::Result<()> {
        if self.bugs.stdout_log_noise {
            self.shared
                .write(|out| out.text_line("fixture server ready"))?;
        }
        Ok(())
    }

    /// Stops background output (the clock) once input has ended.
    pub fn shutdown(&mut self) {
        if let Some(clock) = self.clock.take() {
            clock.stop();
        }
    }

    /// Handles one input candidate (a line, or a raw chunk under `parse-each-read`).
    pub fn handle_candidate(&mut self, bytes: &[u8]) -> io::Result<Flow> {
        let text = bytes.trim_ascii();
        if text.is_empty() {
            if self.bugs.crash_on_blank_line {
                return Ok(crash("blank input line"));
            }
            return Ok(Flow::Continue);
        }
        let parsed = std::str::from_utf8(text)
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(text).ok());
        match parsed {
            Some(value) => self.handle_value(value),
            None => self.parse_error(),
        }
    }

    fn parse_error(&mut self) -> io::Result<Flow> {
        if self.bugs.crash_on_parse_error {
            return Ok(crash("unparseable input"));
        }
        if !self.bugs.parse_error_silent {
            self.shared
                .write(|out| out.error(&Value::Null, PARSE_ERROR, "parse error", None))?;
        }
        Ok(Flow::Continue)
    }

    fn handle_value(&mut self, value: Value) -> io::Result<Flow> {
        if value.is_array() {
            if self.bugs.crash_on_batch {
                return Ok(crash("batch"));
            }
            let message = "invalid request: batches are not supported";
            self.shared
                .write(|out| out.error(&Value::Null, INVALID_REQUEST, message, None))?;
            return Ok(Flow::Continue);
        }
        match classify(&value, &self.bugs) {
            Incoming::Request { id, method, params } => {
                self.handle_request(&id, &method, params.as_ref())
            }
            Incoming::Notification { method, params } => {
                self.handle_notification(&method, params.as_ref())
            }
            Incoming::ClientResponse { id, message } => self.client_response(&id, message),
            Incoming::Invalid { id, code, message } => {
                if self.bugs.crash_on_invalid_request {
                    return Ok(crash("invalid request"));
                }
                self.shared
                    .write(|out| out.error(&id, code, &message, None))?;
                Ok(Flow::Continue)
            }
        }
    }

    fn handle_request(
        &mut self,
        id: &Value,
        method: &str,
        params: Option<&Map<String, Value>>,
    ) -> io::Result<Flow> {
        if self.bugs.crash_on_reused_id && self.shared.in_flight(id).is_some() {
            return Ok(crash("request id reused while a call with that id runs"));
        }
        if self.bugs.reject_unknown_meta && has_unknown_meta(params) {
            let reply = Reply::invalid_params("unsupported _meta key");
            return self.send(id, reply);
        }
        let bugs = self.bugs;
        let reply = match method {
            "initialize" => return self.initialize(id, params),
            "ping" => self.ping(params),
            _ if !self.initialized => {
                if bugs.crash_before_initialize {
                    return Ok(crash("request before initialize"));
                }
                Reply::error(INVALID_REQUEST, "server not initialized")
            }
            "tools/list" => self
                .pager
                .page(List::Tools, tools::list(&bugs), params, &bugs),
            "tools/call" => return self.tools_call(id, params),
            "resources/list" => return self.resources_list(id, params),
            "resources/templates/list" => {
                self.pager
                    .page(List::Templates, resources::templates(&bugs), params, &bugs)
            }
            "resources/read" => match resources::read(params, &bugs, self.shared.ticks()) {
                Ok(reply) => reply,
                Err(Crash(why)) => return Ok(crash(why)),
            },
            "resources/subscribe" => return self.subscribe(id, params),
            "resources/unsubscribe" => return self.unsubscribe(id, params),
            "prompts/list" => self
                .pager
                .page(List::Prompts, prompts::list(&bugs), params, &bugs),
            "prompts/get" => match prompts::get(params, &bugs) {
                Ok(reply) => reply,
                Err(Crash(why)) => return Ok(crash(why)),
            },
            "completion/complete" if bugs.undeclared_method_wrong_code => {
                Reply::error(INTERNAL_ERROR, "completions are not supported")
            }
            "completion/complete" => completion::complete(params, &bugs),
            "logging/setLevel" => self.set_level(params),
            _ if bugs.unknown_method_wrong_code => Reply::error(INTERNAL_ERROR, "internal error"),
            _ => Reply::error(METHOD_NOT_FOUND, "method not found"),
        };
        self.send(id, reply)
    }

    fn send(&mut self, id: &Value, reply: Reply) -> io::Result<Flow> {
        self.shared.write(|out| out.reply(id, reply))?;
        Ok(Flow::Continue)
    }

    /// A response from the client: handed to whoever waits for it. Answers nobody waits for
    /// (late, unknown or duplicate) need nothing further, unless `reply-to-stray-response`
    /// answers those to requests the server never sent.
    fn client_response(&mut self, id: &Value, message: Value) -> io::Result<Flow> {
        let delivered = self.shared.deliver(id, message);
        if !delivered && self.bugs.reply_to_stray_response && !self.shared.issued(id) {
            self.shared
                .write(|out| out.error(id, INVALID_REQUEST, "unexpected response", None))?;
        }
        Ok(Flow::Continue)
    }

    fn ping(&mut self, params: Option<&Map<String, Value>>) -> Reply {
        if !self.initialized && self.bugs.ping_requires_initialize {
            return Reply::error(INVALID_REQUEST, "server not initialized");
        }
        if self.bugs.ping_rejects_params && params.is_some() {
            return Reply::invalid_params("ping takes no params");
        }
        if self.bugs.slow_ping {
            thread::sleep(Duration::from_secs(3));
        }
        if self.bugs.ping_waits_for_calls {
            self.wait_for_calls();
        }
        if self.bugs.ping_result_not_empty {
            Reply::Result(json!({ "pong": true }))
        } else {
            Reply::Result(json!({}))
        }
    }

    /// `ping-waits-for-calls`: blocks until no tools/call runs on a worker thread, or until
    /// [`PING_WAIT_LIMIT`] has passed.
    fn wait_for_calls(&self) {
        let end = Instant::now() + PING_WAIT_LIMIT;
        while self.shared.busy() && Instant::now() < end {
            thread::sleep(PING_WAIT_POLL);
        }
    }

    fn set_level(&mut self, params: Option<&Map<String, Value>>) -> Reply {
        if self.bugs.logging_setlevel_fails {
            return Reply::invalid_params("cannot set the log level");
        }
        match features::parse_log_level(params) {
            Ok(floor) => {
                self.log_floor = floor;
                Reply::Result(json!({}))
            }
            Err(_) if self.bugs.logging_invalid_level_accepted => Reply::Result(json!({})),
            Err(reply) => reply,
        }
    }

    // ---- initialization ----------------------------------------------------------------------

    fn initialize(&mut self, id: &Value, params: Option<&Map<String, Value>>) -> io::Result<Flow> {
        if self.initialized {
            if self.bugs.crash_on_second_initialize {
                return Ok(crash("second initialize"));
            }
            return self.send(id, Reply::error(INVALID_REQUEST, "already initialized"));
        }
        let empty = Map::new();
        let params = params.unwrap_or(&empty);
        if !self.bugs.accept_incomplete_initialize
            && let Err(message) = check_initialize_params(params)
        {
            return self.send(id, Reply::error(INVALID_PARAMS, message));
        }
        let client_caps = params.get("capabilities").and_then(Value::as_object);
        if self.bugs.reject_unknown_capabilities {
            let known = ["roots", "sampling", "elicitation"];
            if client_caps.is_some_and(|caps| caps.keys().any(|k| !known.contains(&k.as_str()))) {
                return self.send(id, Reply::invalid_params("unknown client capability"));
            }
        }
        let declared = |name: &str| client_caps.is_some_and(|caps| caps.contains_key(name));
        let roots_list_changed = client_caps
            .and_then(|caps| caps.get("roots"))
            .and_then(|roots| roots.get("listChanged"))
            == Some(&Value::Bool(true));
        self.client = ClientCaps {
            roots: declared("roots"),
            roots_list_changed,
            sampling: declared("sampling"),
            elicitation: declared("elicitation"),
        };
        let requested = params.get("protocolVersion").and_then(Value::as_str);
        let result = self.initialize_result(requested);
        self.shared.write(|out| out.result(id, result))?;
        self.initialized = true;
        if self.bugs.request_before_initialized && self.client.roots {
            let server_id = self.shared.next_request_id();
            self.shared.request(&server_id, "roots/list", None)?;
        }
        Ok(Flow::Continue)
    }

    fn negotiate<'a>(&self, requested: Option<&'a str>) -> &'a str {
        match requested {
            Some(version) if self.bugs.echo_any_protocol_version => version,
            Some(LATEST_VERSION) if self.bugs.echo_wrong_protocol_version => "2025-03-26",
            Some(version) if SUPPORTED_VERSIONS.contains(&version) => version,
            _ if self.bugs.offer_oldest_version => "2024-11-05",
            _ => LATEST_VERSION,
        }
    }

    /// The server capabilities the initialize result declares.
    fn capabilities(&self) -> Map<String, Value> {
        let bugs = &self.bugs;
        let mut capabilities = Map::new();
        if !bugs.no_tools_capability {
            capabilities.insert("tools".into(), json!({ "listChanged": false }));
        }
        if !bugs.no_resources_capability {
            capabilities.insert(
                "resources".into(),
                json!({ "subscribe": true, "listChanged": false }),
            );
        }
        if !bugs.no_prompts_capability {
            capabilities.insert("prompts".into(), json!({ "listChanged": false }));
        }
        if !bugs.undeclared_log_notification {
            capabilities.insert("logging".into(), json!({}));
        }
        if !bugs.no_completions_capability && !bugs.undeclared_method_wrong_code {
            capabilities.insert("completions".into(), json!({}));
        }
        capabilities
    }

    fn initialize_result(&self, requested: Option<&str>) -> Value {
        let mut result = Map::new();
        result.insert(
            "protocolVersion".into(),
            Value::from(self.negotiate(requested)),
        );
        result.insert("capabilities".into(), Value::Object(self.capabilities()));
        if !self.bugs.initialize_missing_server_info {
            result.insert(
                "serverInfo".into(),
                json!({
                    "name": "mcpspec-fixture-server",
                    "title": SERVER_TITLE,
                    "version": "0.1.0"
                }),
            );
        }
        if self.bugs.bad_meta_key {
            result.insert("_meta".into(), json!({ "bad key!": 1 }));
        }
        Value::Object(result)
    }

    // ---- notifications -----------------------------------------------------------------------

    fn handle_notification(&mut self, method: &str, params: Option<&Value>) -> io::Result<Flow> {
        if self.bugs.respond_to_notifications {
            self.shared
                .write(|out| out.result(&Value::Null, json!({})))?;
        }
        match method {
            "notifications/initialized" if self.initialized && !self.ready => {
                self.ready = true;
                self.after_initialized()?;
            }
            "notifications/cancelled" => return self.cancel(params),
            "notifications/roots/list_changed"
                if self.ready
                    && self.client.roots_list_changed
                    && !self.bugs.roots_ignore_list_changed =>
            {
                self.fetch_roots()?;
            }
            _ => {}
        }
        Ok(Flow::Continue)
    }

    fn after_initialized(&mut self) -> io::Result<()> {
        self.send_ready()?;
        let bugs = self.bugs;
        if bugs.sampling_without_capability {
            let params = json!({
                "messages": [{
                    "role": "user",
                    "content": { "type": "text", "text": "Say hello." }
                }],
                "maxTokens": 32
            });
            self.shared
                .request("srv-s1", "sampling/createMessage", Some(params))?;
        }
        if bugs.reuse_server_request_ids {
            self.shared.request("srv-dup", "ping", None)?;
            self.shared.request("srv-dup", "ping", None)?;
        }
        if bugs.server_cancel_unknown_request {
            let params = json!({ "requestId": "srv-never", "reason": "no longer needed" });
            self.shared
                .write(|out| out.notification("notifications/cancelled", params))?;
        }
        if self.client.roots_list_changed {
            self.fetch_roots()?;
        }
        if bugs.resources_updated_unsubscribed {
            self.unsolicited_update()?;
        }
        Ok(())
    }

    /// Asks the client for its roots. Nobody waits for the answer: it is consumed and ignored.
    fn fetch_roots(&self) -> io::Result<()> {
        let server_id = self.shared.next_request_id();
        let params = workers::roots_list_params(&self.bugs);
        self.shared.request(&server_id, "roots/list", params)
    }

    /// `resources-updated-unsubscribed`: an update for the greeting, which nobody subscribed to.
    fn unsolicited_update(&self) -> io::Result<()> {
        let params = json!({ "uri": GREETING_URI });
        self.shared
            .write(|out| out.notification("notifications/resources/updated", params))
    }

    /// `notifications/cancelled`: stops the named in-flight request, which then sends nothing.
    fn cancel(&mut self, params: Option<&Value>) -> io::Result<Flow> {
        let flag = params
            .and_then(|p| p.get("requestId"))
            .and_then(|id| self.shared.in_flight(id));
        match flag {
            Some(_) if self.bugs.cancel_crash => return Ok(crash("cancelled request")),
            Some(_) if self.bugs.cancel_ignored => {}
            Some(flag) => flag.store(true, Ordering::SeqCst),
            None if self.bugs.cancel_reply_error => {
                let message = "no request in flight with that id";
                self.shared
                    .write(|out| out.error(&Value::Null, INVALID_PARAMS, message, None))?;
            }
            None => {}
        }
        Ok(Flow::Continue)
    }

    // ---- logging -----------------------------------------------------------------------------

    /// The level name a log message at `level` carries, or `None` when the client's level
    /// filters it out.
    fn log_level_name(&self, level: usize) -> Option<&'static str> {
        if level < self.log_floor && !self.bugs.logging_ignores_level {
            return None;
        }
        Some(if self.bugs.logging_bad_level_value {
            "verbose"
        } else {
            LOG_LEVELS[level]
        })
    }

    /// Sends a `notifications/message` at `level` from the "fixture" logger, if not filtered.
    fn log(&self, level: usize, data: &str) -> io::Result<()> {
        let Some(name) = self.log_level_name(level) else {
            return Ok(());
        };
        let params = json!({ "level": name, "logger": "fixture", "data": data });
        self.shared
            .write(|out| out.notification("notifications/message", params))
    }

    /// The "ready" log message, unless the client asked for a level above `info`.
    fn send_ready(&mut self) -> io::Result<()> {
        let Some(name) = self.log_level_name(INFO) else {
            return Ok(());
        };
        let params = json!({ "level": name, "logger": "fixture", "data": "ready" });
        if self.bugs.notification_with_id {
            let msg = json!({
                "jsonrpc": "2.0",
                "id": 99,
                "method": "notifications/message",
                "params": params
            });
            self.shared.write(|out| out.message(&msg))
        } else {
            self.shared
                .write(|out| out.notification("notifications/message", params))
        }
    }

    // ---- tools ------------------------------------------------------------------------------

    fn tools_call(&mut self, id: &Value, params: Option<&Map<String, Value>>) -> io::Result<Flow> {
        let bugs = self.bugs;
        let call = match tools::call(params, &bugs, &mut self.notes) {
            Ok(call) => call,
            Err(Crash(why)) => return Ok(crash(why)),
        };
        let name = params
            .and_then(|p| p.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("(no name)");
        self.log(DEBUG, &format!("tools/call {name}: request received"))?;
        self.log(INFO, &format!("tools/call {name}: running"))?;
        self.log(
            ERROR,
            &format!("tools/call {name}: example error-level entry (nothing failed)"),
        )?;
        match call {
            Call::Done(reply) => self.send(id, tools::finish(reply, &bugs)),
            Call::Slow { ms, steps } => {
                let token = workers::progress_token(params, &bugs);
                let cancelled = self.shared.track(id);
                let shared = Arc::clone(&self.shared);
                workers::spawn_slow(shared, id.clone(), token, ms, steps, cancelled);
                Ok(Flow::Continue)
            }
            Call::Ask(ask) => {
                let (declared, capability) = match ask {
                    Ask::Sample(_) => (self.client.sampling, "sampling"),
                    Ask::Elicit => (
                        self.client.elicitation || bugs.elicitation_without_capability,
                        "elicitation",
                    ),
                    Ask::Roots => (self.client.roots || bugs.roots_without_capability, "roots"),
                };
                if !declared {
                    let message = format!("client has no {capability} capability");
                    return self.send(id, tools::finish(tools::tool_error(&message), &bugs));
                }
                if !self.ready {
                    let message = "the client has not sent notifications/initialized yet";
                    return self.send(id, tools::finish(tools::tool_error(message), &bugs));
                }
                let cancelled = self.shared.track(id);
                let shared = Arc::clone(&self.shared);
                workers::spawn_ask(shared, id.clone(), ask, cancelled);
                Ok(Flow::Continue)
            }
        }
    }

    // ---- resources and subscriptions -------------------------------------------------------

    fn resources_list(
        &mut self,
        id: &Value,
        params: Option<&Map<String, Value>>,
    ) -> io::Result<Flow> {
        let bugs = self.bugs;
        let reply = self
            .pager
            .page(List::Resources, resources::list(&bugs), params, &bugs);
        self.send(id, reply)?;
        if bugs.resources_updated_unsubscribed && !self.subscriptions.contains(GREETING_URI) {
            self.unsolicited_update()?;
        }
        Ok(Flow::Continue)
    }

    fn subscribe(&mut self, id: &Value, params: Option<&Map<String, Value>>) -> io::Result<Flow> {
        if self.bugs.resources_subscribe_fails {
            return self.send(id, Reply::error(METHOD_NOT_FOUND, "method not found"));
        }
        let uri = match resources::subscription_target(params, &self.bugs) {
            Ok(Ok(uri)) => uri,
            Ok(Err(reply)) => return self.send(id, reply),
            Err(Crash(why)) => return Ok(crash(why)),
        };
        self.send(id, Reply::Result(json!({})))?;
        if uri == CLOCK_URI && self.clock.is_none() {
            self.clock = Some(Clock::start(Arc::clone(&self.shared)));
        }
        self.subscriptions.insert(uri);
        Ok(Flow::Continue)
    }

    fn unsubscribe(&mut self, id: &Value, params: Option<&Map<String, Value>>) -> io::Result<Flow> {
        let uri = match resources::subscription_target(params, &self.bugs) {
            Ok(Ok(uri)) => uri,
            Ok(Err(reply)) => return self.send(id, reply),
            Err(Crash(why)) => return Ok(crash(why)),
        };
        self.subscriptions.remove(&uri);
        if uri == CLOCK_URI
            && !self.bugs.resources_updates_after_unsubscribe
            && let Some(clock) = self.clock.take()
        {
            // Stopped before the answer is written: no update can follow the answer.
            clock.stop();
        }
        self.send(id, Reply::Result(json!({})))
    }
}

/// Checks the params `initialize` requires; the error names the first problem found.
fn check_initialize_params(params: &Map<String, Value>) -> Result<(), &'static str> {
    if !params.get("protocolVersion").is_some_and(Value::is_string) {
        return Err("protocolVersion must be a string");
    }
    if !params.get("capabilities").is_some_and(Value::is_object) {
        return Err("capabilities must be an object");
    }
    let Some(client) = params.get("clientInfo").and_then(Value::as_object) else {
        return Err("clientInfo must be an object");
    };
    if !client.get("name").is_some_and(Value::is_string)
        || !client.get("version").is_some_and(Value::is_string)
    {
        return Err("clientInfo needs string name and version");
    }
    Ok(())
}

/// True when `params._meta` is an object with a key other than `progressToken`.
fn has_unknown_meta(params: Option<&Map<String, Value>>) -> bool {
    params
        .and_then(|p| p.get("_meta"))
        .and_then(Value::as_object)
        .is_some_and(|meta| meta.keys().any(|key| key != "progressToken"))
}

fn crash(reason: &str) -> Flow {
    eprintln!("mcpspec-fixture-server: exiting with status 1 ({reason})");
    Flow::Exit(1)
}

#[cfg(test)]
mod tests {
    use super::{Flow, Server};
    use crate::bugs::Bugs;
    use serde_json::{Value, json};
    use std::io::{self, Write};
    use std::sync::{Arc, Mutex};

    /// An in-memory sink the test keeps a handle on while the server writes to it.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| io::Error::other("poisoned"))?
                .extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Feeds `lines` to a server with `knobs` and returns the parsed output lines.
    fn run(knobs: &[&str], lines: &[&str]) -> (Vec<Value>, Flow) {
        let mut bugs = Bugs::default();
        for knob in knobs {
            bugs.enable(knob).expect("known knob");
        }
        let sink = Sink::default();
        let mut flow = Flow::Continue;
        let mut server = Server::new(bugs, sink.clone());
        for line in lines {
            flow = server.handle_candidate(line.as_bytes()).expect("vec write");
            if flow != Flow::Continue {
                break;
            }
        }
        let out = sink.0.lock().expect("not poisoned").clone();
        let values = out
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).expect("output is JSON"))
            .collect();
        (values, flow)
    }

    const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{"roots":{}},"clientInfo":{"name":"t","version":"1"}}}"#;
    const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;

    #[test]
    fn log_level_above_info_suppresses_ready() {
        let set =
            r#"{"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"error"}}"#;
        let (out, _) = run(&[], &[INIT, set, INITIALIZED]);
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(out[1]["result"], json!({}));
    }

    #[test]
    fn ready_is_sent_once() {
        let (out, _) = run(&[], &[INIT, INITIALIZED, INITIALIZED]);
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(out[1]["method"], json!("notifications/message"));
    }

    #[test]
    fn initialized_before_initialize_is_ignored() {
        let (out, _) = run(&[], &[INITIALIZED]);
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn unknown_meta_is_fine_unless_the_knob_is_set() {
        let ping =
            r#"{"jsonrpc":"2.0","id":5,"method":"ping","params":{"_meta":{"example.com/x":1}}}"#;
        let (clean, _) = run(&[], &[ping]);
        assert_eq!(clean[0]["result"], json!({}));
        let (buggy, _) = run(&["reject-unknown-meta"], &[ping]);
        assert_eq!(buggy[0]["error"]["code"], json!(-32602));
        let token =
            r#"{"jsonrpc":"2.0","id":6,"method":"ping","params":{"_meta":{"progressToken":1}}}"#;
        let (buggy, _) = run(&["reject-unknown-meta"], &[token]);
        assert_eq!(buggy[0]["result"], json!({}));
    }

    #[test]
    fn crash_knobs_stop_without_output() {
        let (out, flow) = run(&["crash-on-blank-line"], &["  \t"]);
        assert!(out.is_empty());
        assert_eq!(flow, Flow::Exit(1));
    }

    #[test]
    fn tool_calls_log_at_three_levels_filtered_by_the_set_level() {
        let call = r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x"}}}"#;
        let (out, _) = run(&[], &[INIT, INITIALIZED, call]);
        let levels: Vec<&Value> = out[2..5].iter().map(|m| &m["params"]["level"]).collect();
        assert_eq!(levels, vec!["debug", "info", "error"]);
        assert_eq!(out[5]["id"], json!(3));
        let warn =
            r#"{"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"warning"}}"#;
        let (out, _) = run(&[], &[INIT, warn, INITIALIZED, call]);
        // initialize, setLevel, (no ready), one error log, the answer.
        assert_eq!(out.len(), 4, "{out:?}");
        assert_eq!(out[2]["params"]["level"], json!("error"));
    }

    #[test]
    fn capability_tools_refuse_without_the_capability() {
        let init = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
        for tool in ["sample", "elicit", "roots"] {
            let call = format!(
                r#"{{"jsonrpc":"2.0","id":"c","method":"tools/call","params":{{"name":"{tool}","arguments":{{"prompt":"p"}}}}}}"#
            );
            let (out, _) = run(&[], &[init, INITIALIZED, &call]);
            let answer = out.last().expect("an answer");
            assert_eq!(answer["id"], json!("c"));
            assert_eq!(answer["result"]["isError"], json!(true), "{tool}");
        }
    }
}
