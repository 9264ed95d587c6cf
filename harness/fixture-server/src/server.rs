//! The session: turns each input candidate into zero or more output messages, tracks the
//! lifecycle (not initialized, initialized, ready) and routes requests to the feature handlers.
//! It is not the transport: bytes come from `input.rs` and leave through `output.rs`.

use std::io::{self, Write};
use std::thread;
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::bugs::Bugs;
use crate::features;
use crate::output::{SERVER_TITLE, Writer};
use crate::protocol::{
    INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST, Incoming, METHOD_NOT_FOUND, PARSE_ERROR,
    Reply, classify,
};

/// The protocol revision this server implements and prefers.
pub const LATEST_VERSION: &str = "2025-06-18";
/// Every protocol version the server accepts, newest first.
pub const SUPPORTED_VERSIONS: [&str; 3] = ["2025-06-18", "2025-03-26", "2024-11-05"];

/// What the main loop should do after a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Keep reading.
    Continue,
    /// Exit the process at once with this status (a crash knob fired).
    Exit(i32),
}

/// One MCP session over a writer.
pub struct Server<W> {
    bugs: Bugs,
    out: Writer<W>,
    /// `initialize` has been answered successfully.
    initialized: bool,
    /// `notifications/initialized` has been handled (the "ready" message went out).
    ready: bool,
    /// Index into [`features::LOG_LEVELS`] of the least severe level the client wants.
    log_floor: Option<usize>,
}

impl<W: Write> Server<W> {
    /// A fresh, uninitialized session writing to `out`.
    pub fn new(bugs: Bugs, out: W) -> Self {
        Server {
            bugs,
            out: Writer::new(out, bugs),
            initialized: false,
            ready: false,
            log_floor: None,
        }
    }

    /// Anything the server writes before reading input.
    pub fn start(&mut self) -> io::Result<()> {
        if self.bugs.stdout_log_noise {
            self.out.text_line("fixture server ready")?;
        }
        Ok(())
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
            Some(value) => self.handle_value(&value),
            None => self.parse_error(),
        }
    }

    fn parse_error(&mut self) -> io::Result<Flow> {
        if self.bugs.crash_on_parse_error {
            return Ok(crash("unparseable input"));
        }
        if !self.bugs.parse_error_silent {
            self.out
                .error(&Value::Null, PARSE_ERROR, "parse error", None)?;
        }
        Ok(Flow::Continue)
    }

    fn handle_value(&mut self, value: &Value) -> io::Result<Flow> {
        if value.is_array() {
            if self.bugs.crash_on_batch {
                return Ok(crash("batch"));
            }
            let message = "invalid request: batches are not supported";
            self.out
                .error(&Value::Null, INVALID_REQUEST, message, None)?;
            return Ok(Flow::Continue);
        }
        match classify(value, &self.bugs) {
            Incoming::Request { id, method, params } => {
                self.handle_request(&id, &method, params.as_ref())
            }
            Incoming::Notification { method } => {
                self.handle_notification(&method)?;
                Ok(Flow::Continue)
            }
            // Answers to the server's own requests need nothing further.
            Incoming::ClientResponse => Ok(Flow::Continue),
            Incoming::Invalid { id, code, message } => {
                if self.bugs.crash_on_invalid_request {
                    return Ok(crash("invalid request"));
                }
                self.out.error(&id, code, &message, None)?;
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
        if self.bugs.reject_unknown_meta && has_unknown_meta(params) {
            let reply = Reply::invalid_params("unsupported _meta key");
            return self.send(id, reply);
        }
        let reply = match method {
            "initialize" => return self.initialize(id, params),
            "ping" => self.ping(params),
            _ if !self.initialized => {
                if self.bugs.crash_before_initialize {
                    return Ok(crash("request before initialize"));
                }
                Reply::error(INVALID_REQUEST, "server not initialized")
            }
            "tools/list" => features::tools_list(params, &self.bugs),
            "tools/call" => features::tools_call(params),
            "resources/list" => features::resources_list(params),
            "resources/templates/list" => features::resource_templates_list(params),
            "resources/read" => features::resources_read(params),
            "prompts/list" => features::prompts_list(params),
            "prompts/get" => features::prompts_get(params),
            "completion/complete" => features::complete(params),
            "logging/setLevel" => match features::parse_log_level(params) {
                Ok(floor) => {
                    self.log_floor = Some(floor);
                    Reply::Result(json!({}))
                }
                Err(reply) => reply,
            },
            _ if self.bugs.unknown_method_wrong_code => {
                Reply::error(INTERNAL_ERROR, "internal error")
            }
            _ => Reply::error(METHOD_NOT_FOUND, "method not found"),
        };
        self.send(id, reply)
    }

    fn send(&mut self, id: &Value, reply: Reply) -> io::Result<Flow> {
        match reply {
            Reply::Result(result) => self.out.result(id, result)?,
            Reply::Error {
                code,
                message,
                data,
            } => self.out.error(id, code, &message, data)?,
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
        if self.bugs.ping_result_not_empty {
            Reply::Result(json!({ "pong": true }))
        } else {
            Reply::Result(json!({}))
        }
    }

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
        let requested = params.get("protocolVersion").and_then(Value::as_str);
        let result = self.initialize_result(requested);
        self.out.result(id, result)?;
        self.initialized = true;
        let declared_roots = client_caps.is_some_and(|caps| caps.contains_key("roots"));
        if self.bugs.request_before_initialized && declared_roots {
            self.out.request("srv-1", "roots/list", None)?;
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

    fn initialize_result(&self, requested: Option<&str>) -> Value {
        let mut capabilities = json!({
            "tools": { "listChanged": false },
            "resources": { "subscribe": false, "listChanged": false },
            "prompts": { "listChanged": false },
            "logging": {},
            "completions": {}
        });
        if self.bugs.undeclared_log_notification
            && let Value::Object(caps) = &mut capabilities
        {
            caps.remove("logging");
        }
        let mut result = Map::new();
        result.insert(
            "protocolVersion".into(),
            Value::from(self.negotiate(requested)),
        );
        result.insert("capabilities".into(), capabilities);
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

    fn handle_notification(&mut self, method: &str) -> io::Result<()> {
        if self.bugs.respond_to_notifications {
            self.out.result(&Value::Null, json!({}))?;
        }
        if method == "notifications/initialized" && self.initialized && !self.ready {
            self.ready = true;
            self.send_ready()?;
            if self.bugs.sampling_without_capability {
                let params = json!({
                    "messages": [{
                        "role": "user",
                        "content": { "type": "text", "text": "Say hello." }
                    }],
                    "maxTokens": 32
                });
                self.out
                    .request("srv-s1", "sampling/createMessage", Some(params))?;
            }
            if self.bugs.reuse_server_request_ids {
                self.out.request("srv-dup", "ping", None)?;
                self.out.request("srv-dup", "ping", None)?;
            }
        }
        Ok(())
    }

    /// The "ready" log message, unless the client asked for a level above `info`.
    fn send_ready(&mut self) -> io::Result<()> {
        let info = 1;
        if self.log_floor.is_some_and(|floor| floor > info) {
            return Ok(());
        }
        let params = json!({ "level": "info", "logger": "fixture", "data": "ready" });
        if self.bugs.notification_with_id {
            let msg = json!({
                "jsonrpc": "2.0",
                "id": 99,
                "method": "notifications/message",
                "params": params
            });
            self.out.message(&msg)
        } else {
            self.out.notification("notifications/message", params)
        }
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

    /// Feeds `lines` to a server with `knobs` and returns the parsed output lines.
    fn run(knobs: &[&str], lines: &[&str]) -> (Vec<Value>, Flow) {
        let mut bugs = Bugs::default();
        for knob in knobs {
            bugs.enable(knob).expect("known knob");
        }
        let mut out = Vec::new();
        let mut flow = Flow::Continue;
        {
            let mut server = Server::new(bugs, &mut out);
            for line in lines {
                flow = server.handle_candidate(line.as_bytes()).expect("vec write");
                if flow != Flow::Continue {
                    break;
                }
            }
        }
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
}
