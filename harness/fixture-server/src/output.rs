//! The single place where messages become bytes on stdout. Every knob about how a message looks
//! on the wire (envelope version, id echo, error shape, pretty printing, line endings, invalid
//! UTF-8, duplicates) is applied here and nowhere else. It does not decide *what* to send.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use crate::bugs::Bugs;
use crate::protocol::Reply;

/// serverInfo.title as the clean server sends it; `latin1-output` rewrites its last byte.
pub const SERVER_TITLE: &str = "mcpspec fixture";

/// Writes JSON-RPC messages, one per line, flushing after each.
pub struct Writer<W> {
    out: W,
    bugs: Bugs,
}

impl<W: Write> Writer<W> {
    /// A writer over `out` that applies the wire-level knobs in `bugs`.
    pub fn new(out: W, bugs: Bugs) -> Self {
        Writer { out, bugs }
    }

    /// What has been written so far (for unit tests over in-memory sinks).
    #[cfg(test)]
    pub fn sink(&self) -> &W {
        &self.out
    }

    /// Sends a success response to the request whose id was `id`.
    pub fn result(&mut self, id: &Value, result: Value) -> io::Result<()> {
        let result = if self.bugs.empty_result_as_null && result == json!({}) {
            Value::Null
        } else {
            result
        };
        let mut msg = self.response_envelope(id);
        msg.insert("result".into(), result);
        self.emit(&Value::Object(msg), true)
    }

    /// Sends an error response with `code` and `message` (and `data` when given).
    pub fn error(
        &mut self,
        id: &Value,
        code: i64,
        message: &str,
        data: Option<Value>,
    ) -> io::Result<()> {
        let code = if self.bugs.error_code_as_string {
            Value::String(code.to_string())
        } else {
            Value::from(code)
        };
        let message = if self.bugs.error_message_multiline {
            fake_stack_trace(message)
        } else {
            message.to_owned()
        };
        let mut error = Map::new();
        error.insert("code".into(), code);
        error.insert("message".into(), Value::String(message));
        if let Some(data) = data {
            error.insert("data".into(), data);
        }
        let mut msg = self.response_envelope(id);
        msg.insert("error".into(), Value::Object(error));
        if self.bugs.result_and_error {
            msg.insert("result".into(), json!({}));
        }
        self.emit(&Value::Object(msg), true)
    }

    /// Sends a method's answer (result or error) to the request whose id was `id`.
    pub fn reply(&mut self, id: &Value, reply: Reply) -> io::Result<()> {
        match reply {
            Reply::Result(result) => self.result(id, result),
            Reply::Error {
                code,
                message,
                data,
            } => self.error(id, code, &message, data),
        }
    }

    /// Sends a notification from the server.
    pub fn notification(&mut self, method: &str, params: Value) -> io::Result<()> {
        let msg = json!({ "jsonrpc": "2.0", "method": method, "params": params });
        self.emit(&msg, false)
    }

    /// Sends a request from the server to the client with the given id.
    pub fn request(&mut self, id: &str, method: &str, params: Option<Value>) -> io::Result<()> {
        let mut msg = json!({ "jsonrpc": "2.0", "id": id, "method": method });
        if let (Some(params), Value::Object(obj)) = (params, &mut msg) {
            obj.insert("params".into(), params);
        }
        self.emit(&msg, false)
    }

    /// Sends an already built message that is not a response, exactly as given.
    pub fn message(&mut self, msg: &Value) -> io::Result<()> {
        self.emit(msg, false)
    }

    /// Writes one line of plain text (not JSON) to stdout.
    pub fn text_line(&mut self, text: &str) -> io::Result<()> {
        let mut bytes = text.as_bytes().to_vec();
        bytes.extend_from_slice(self.line_ending());
        self.out.write_all(&bytes)?;
        self.out.flush()
    }

    fn response_envelope(&self, id: &Value) -> Map<String, Value> {
        let version = if self.bugs.wrong_jsonrpc_version {
            "1.0"
        } else {
            "2.0"
        };
        let mut msg = Map::new();
        msg.insert("jsonrpc".into(), Value::from(version));
        msg.insert("id".into(), self.echo_id(id));
        msg
    }

    /// The id as it goes back to the client: unchanged, unless an id knob mangles it.
    fn echo_id(&self, id: &Value) -> Value {
        match id {
            Value::Number(n) if self.bugs.stringify_ids => Value::String(n.to_string()),
            Value::String(s) => {
                if self.bugs.coerce_string_ids {
                    if s.is_empty() {
                        return Value::Null;
                    }
                    if let Some(number) = digits_as_number(s) {
                        return number;
                    }
                }
                let mut s = s.clone();
                if self.bugs.ascii_only_ids {
                    s = s
                        .chars()
                        .map(|c| if c.is_ascii() { c } else { '?' })
                        .collect();
                }
                if self.bugs.truncate_long_ids && s.len() > 255 {
                    let mut cut = 255;
                    while !s.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    s.truncate(cut);
                }
                Value::String(s)
            }
            other => other.clone(),
        }
    }

    fn line_ending(&self) -> &'static [u8] {
        if self.bugs.crlf_line_endings {
            b"\r\n"
        } else {
            b"\n"
        }
    }

    fn emit(&mut self, msg: &Value, is_response: bool) -> io::Result<()> {
        let encoded = if is_response && self.bugs.pretty_print_responses {
            serde_json::to_vec_pretty(msg)
        } else {
            serde_json::to_vec(msg)
        };
        let mut bytes = encoded.map_err(io::Error::other)?;
        if self.bugs.latin1_output && carries_server_title(msg) {
            replace_title_with_latin1(&mut bytes);
        }
        bytes.extend_from_slice(self.line_ending());
        self.out.write_all(&bytes)?;
        if is_response && self.bugs.duplicate_responses {
            self.out.write_all(&bytes)?;
        }
        self.out.flush()
    }
}

/// `s` as a JSON integer when it is an optional '-' followed by ASCII digits only.
fn digits_as_number(s: &str) -> Option<Value> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Ok(n) = s.parse::<i64>() {
        return Some(Value::from(n));
    }
    if let Ok(n) = s.parse::<u64>() {
        return Some(Value::from(n));
    }
    // Too large for 64 bits: still a JSON number, if only an approximate one.
    s.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
}

fn carries_server_title(msg: &Value) -> bool {
    msg.pointer("/result/serverInfo/title") == Some(&Value::from(SERVER_TITLE))
}

/// Rewrites the first `"mcpspec fixture"` string in `bytes` to end in a Latin-1 'é' (0xE9).
fn replace_title_with_latin1(bytes: &mut [u8]) {
    let needle = format!("\"{SERVER_TITLE}\"").into_bytes();
    if let Some(pos) = bytes.windows(needle.len()).position(|w| w == needle) {
        // Index of the final 'e', just before the closing quote.
        let last_letter = pos + needle.len() - 2;
        bytes[last_letter] = 0xE9;
    }
}

/// A multi-line, 300+ character message that looks like a leaked stack trace.
fn fake_stack_trace(message: &str) -> String {
    let frames = [
        "fixture::server::dispatch (src/server.rs:212:17)",
        "fixture::server::handle_request (src/server.rs:148:13)",
        "fixture::server::handle_value (src/server.rs:96:21)",
        "fixture::main::serve_forever (src/main.rs:88:9)",
        "std::rt::lang_start_internal (library/std/src/rt.rs:174:5)",
        "core::ops::function::FnOnce::call_once (library/core/src/ops/function.rs:250:5)",
    ];
    let mut text = format!("Unhandled error: {message}\nStack trace:");
    for frame in frames {
        text.push_str("\n    at ");
        text.push_str(frame);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::{Writer, fake_stack_trace};
    use crate::bugs::Bugs;
    use serde_json::{Value, json};

    fn with(knob: &str) -> Bugs {
        let mut bugs = Bugs::default();
        bugs.enable(knob).expect("known knob");
        bugs
    }

    fn written(bugs: Bugs, send: impl FnOnce(&mut Writer<&mut Vec<u8>>)) -> Vec<u8> {
        let mut out = Vec::new();
        let mut writer = Writer::new(&mut out, bugs);
        send(&mut writer);
        out
    }

    #[test]
    fn clean_result_is_one_compact_line() {
        let out = written(Bugs::default(), |w| {
            w.result(&json!(7), json!({})).expect("write to vec")
        });
        assert_eq!(out, b"{\"id\":7,\"jsonrpc\":\"2.0\",\"result\":{}}\n");
    }

    #[test]
    fn id_knobs_rewrite_only_the_echo() {
        let echo = |knob: &str, id: Value| -> Value {
            let out = written(with(knob), |w| w.result(&id, json!({})).expect("write"));
            let msg: Value = serde_json::from_slice(&out).expect("valid JSON");
            msg["id"].clone()
        };
        assert_eq!(echo("stringify-ids", json!(0)), json!("0"));
        assert_eq!(echo("stringify-ids", json!("x")), json!("x"));
        assert_eq!(echo("coerce-string-ids", json!("-12")), json!(-12));
        assert_eq!(echo("coerce-string-ids", json!("")), Value::Null);
        assert_eq!(echo("coerce-string-ids", json!("-")), json!("-"));
        assert_eq!(echo("coerce-string-ids", json!("1a")), json!("1a"));
        assert_eq!(echo("ascii-only-ids", json!("añ🔑b")), json!("a??b"));
        let long = "é".repeat(200);
        let cut = echo("truncate-long-ids", json!(long));
        assert_eq!(cut.as_str().map(str::len), Some(254));
    }

    #[test]
    fn stack_trace_is_long_and_multiline() {
        let text = fake_stack_trace("method not found");
        assert!(text.len() >= 300, "only {} chars", text.len());
        assert!(text.lines().count() > 3);
    }

    #[test]
    fn latin1_touches_only_the_title() {
        let out = written(with("latin1-output"), |w| {
            let result = json!({"serverInfo": {"name": "n", "title": "mcpspec fixture"}});
            w.result(&json!(1), result).expect("write")
        });
        assert!(std::str::from_utf8(&out).is_err());
        assert!(out.windows(2).any(|w| w == b"r\xE9"));
    }
}
