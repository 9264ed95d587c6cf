//! Test driver for the built fixture-server binary: spawns it with bug knobs (one spawn helper,
//! [`Process::spawn`], for the stdio driver here and the HTTP mode's driver in `http.rs`), writes
//! raw input and reads raw output lines with deadlines. It is not an MCP client; tests decide
//! what to send.
//!
//! Every wait is bounded: lines come from a reader thread through a channel read with a timeout,
//! exit is polled until a deadline, and the child is killed when its [`Process`] is dropped.

// Each test file uses a different subset of these helpers.
#![allow(dead_code)]

pub mod http;
pub mod knobs;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The longest any single wait may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// Path of the binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_mcpspec-fixture-server");

/// A running fixture-server process: its stdin, its stdout lines through a channel, and the
/// child, killed when this is dropped.
pub struct Process {
    child: Child,
    stdin: Option<ChildStdin>,
    /// Every stdout line (terminator included), read by a thread until stdout ends.
    lines: Receiver<Vec<u8>>,
}

impl Process {
    /// Starts the binary with `args`, then `--bug KNOB` for each of `bugs`; stdin and stdout
    /// are piped, stderr is dropped.
    pub fn spawn(args: &[&str], bugs: &[&str]) -> Process {
        let mut cmd = Command::new(BIN);
        cmd.args(args);
        for bug in bugs {
            cmd.arg("--bug").arg(bug);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn fixture server");
        let stdout = child.stdout.take().expect("piped stdout");
        let stdin = child.stdin.take();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut line = Vec::new();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if tx.send(line).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        Process {
            child,
            stdin,
            lines: rx,
        }
    }

    /// The next stdout line (terminator included), or `None` on timeout or end of output.
    pub fn try_line(&mut self, timeout: Duration) -> Option<Vec<u8>> {
        self.lines.recv_timeout(timeout).ok()
    }

    /// Closes the server's stdin.
    pub fn close_stdin(&mut self) {
        self.stdin.take();
    }

    /// The exit status, once the process has exited within `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        wait_child(&mut self.child, timeout)
    }

    /// True while the process has not exited.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running fixture server in stdio mode.
pub struct Fixture {
    process: Process,
}

impl Fixture {
    /// Starts the server with the given bug knobs.
    pub fn spawn(bugs: &[&str]) -> Fixture {
        Fixture {
            process: Process::spawn(&[], bugs),
        }
    }

    /// Writes `bytes` as they are, in one write.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.process.stdin.as_mut().expect("stdin still open");
        stdin.write_all(bytes).expect("write to server");
        stdin.flush().expect("flush to server");
    }

    /// Writes `line` followed by "\n".
    pub fn send(&mut self, line: &str) {
        let mut bytes = line.as_bytes().to_vec();
        bytes.push(b'\n');
        self.send_raw(&bytes);
    }

    /// Writes `value` as one line of compact JSON.
    pub fn send_json(&mut self, value: &Value) {
        self.send(&value.to_string());
    }

    /// The next raw output line (terminator included), or `None` on timeout or end of output.
    pub fn try_line(&mut self, timeout: Duration) -> Option<Vec<u8>> {
        self.process.try_line(timeout)
    }

    /// The next raw output line; fails the test after [`DEADLINE`].
    pub fn line(&mut self) -> Vec<u8> {
        match self.process.lines.recv_timeout(DEADLINE) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => panic!("no output line within {DEADLINE:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("server closed stdout"),
        }
    }

    /// The next output line parsed as JSON; it must be strictly "<json>\n".
    pub fn json(&mut self) -> Value {
        let line = self.line();
        let text = String::from_utf8(line).expect("output line is UTF-8");
        let body = text.strip_suffix('\n').expect("line ends with \\n");
        assert!(!body.ends_with('\r'), "unexpected CR in {body:?}");
        serde_json::from_str(body).unwrap_or_else(|e| panic!("bad JSON line {body:?}: {e}"))
    }

    /// Sends a request and returns the next output message (its response, in these tests).
    pub fn request(&mut self, id: Value, method: &str, params: Option<Value>) -> Value {
        let mut msg = json!({ "jsonrpc": "2.0", "id": id, "method": method });
        if let Some(params) = params {
            msg["params"] = params;
        }
        self.send_json(&msg);
        self.json()
    }

    /// Sends a request and returns its `result`, checking the id came back unchanged.
    pub fn result(&mut self, id: Value, method: &str, params: Option<Value>) -> Value {
        let response = self.request(id.clone(), method, params);
        assert_eq!(response["id"], id, "id not echoed in {response}");
        assert_eq!(response["jsonrpc"], json!("2.0"));
        assert!(
            response.get("error").is_none(),
            "unexpected error {response}"
        );
        response.get("result").cloned().expect("a result member")
    }

    /// Sends a request and returns its error code, checking the id and the error shape.
    pub fn error_code(&mut self, id: Value, method: &str, params: Option<Value>) -> i64 {
        let response = self.request(id.clone(), method, params);
        assert_eq!(response["id"], id, "id not echoed in {response}");
        assert!(
            response.get("result").is_none(),
            "unexpected result {response}"
        );
        assert!(response["error"]["message"].is_string(), "{response}");
        response["error"]["code"]
            .as_i64()
            .unwrap_or_else(|| panic!("no integer code in {response}"))
    }

    /// Sends a valid initialize with `version` and `capabilities`; returns the whole response.
    pub fn initialize_with(&mut self, version: &str, capabilities: Value) -> Value {
        self.request(
            json!(0),
            "initialize",
            Some(json!({
                "protocolVersion": version,
                "capabilities": capabilities,
                "clientInfo": { "name": "fixture-tests", "version": "1.0.0" }
            })),
        )
    }

    /// The clean handshake: initialize, notifications/initialized, and the "ready" log message.
    pub fn handshake(&mut self) -> Value {
        let response = self.initialize_with("2025-06-18", json!({}));
        self.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
        let ready = self.json();
        assert_eq!(ready["method"], json!("notifications/message"), "{ready}");
        response
    }

    /// Checks that the next output is the answer to a fresh ping, i.e. that nothing else was
    /// written before it.
    pub fn assert_next_is_ping_reply(&mut self) {
        let reply = self.request(json!("probe-ping"), "ping", None);
        assert_eq!(
            reply,
            json!({"jsonrpc":"2.0","id":"probe-ping","result":{}}),
            "something else was written first"
        );
    }

    /// The client's handshake with `capabilities`: initialize, notifications/initialized and
    /// the "ready" log message.
    pub fn handshake_with(&mut self, capabilities: Value) -> Value {
        let response = self.initialize_with("2025-06-18", capabilities);
        assert!(response.get("result").is_some(), "{response}");
        self.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
        let ready = self.json();
        assert_eq!(ready["params"]["data"], json!("ready"), "{ready}");
        response
    }

    /// Reads messages until the response whose id is `id` (a message with that id and no
    /// method); returns it with every message read before it, in order.
    pub fn until_response(&mut self, id: &Value) -> (Value, Vec<Value>) {
        let mut before = Vec::new();
        loop {
            let msg = self.json();
            if msg.get("method").is_none() && msg.get("id") == Some(id) {
                return (msg, before);
            }
            before.push(msg);
            assert!(before.len() < 1000, "no response to {id}: {before:?}");
        }
    }

    /// Sends a request and returns its response and every message written before it.
    pub fn call(&mut self, id: Value, method: &str, params: Option<Value>) -> (Value, Vec<Value>) {
        let mut msg = json!({ "jsonrpc": "2.0", "id": id, "method": method });
        if let Some(params) = params {
            msg["params"] = params;
        }
        self.send_json(&msg);
        self.until_response(&id)
    }

    /// Sends a request and returns its `result`, skipping the notifications before it.
    pub fn call_result(&mut self, id: Value, method: &str, params: Option<Value>) -> Value {
        let (response, _) = self.call(id.clone(), method, params);
        assert_eq!(response["jsonrpc"], json!("2.0"), "{response}");
        assert!(
            response.get("error").is_none(),
            "unexpected error {response}"
        );
        response.get("result").cloned().expect("a result member")
    }

    /// Sends a request and returns its error code, skipping the notifications before it.
    pub fn call_error(&mut self, id: Value, method: &str, params: Option<Value>) -> i64 {
        let (response, _) = self.call(id.clone(), method, params);
        assert!(
            response.get("result").is_none(),
            "unexpected result {response}"
        );
        response["error"]["code"]
            .as_i64()
            .unwrap_or_else(|| panic!("no integer code in {response}"))
    }

    /// Calls tool `name` with `arguments` and returns the result, skipping notifications.
    pub fn tool(&mut self, id: Value, name: &str, arguments: Value) -> Value {
        let params = json!({ "name": name, "arguments": arguments });
        self.call_result(id, "tools/call", Some(params))
    }

    /// Walks every page of list `method` and returns all items of `member`, failing after 50
    /// pages.
    pub fn list_all(&mut self, method: &str, member: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<Value> = None;
        for page in 0..50 {
            let params = cursor.take().map(|c| json!({ "cursor": c }));
            let result = self.call_result(json!(format!("list-{page}")), method, params);
            let got = result[member]
                .as_array()
                .unwrap_or_else(|| panic!("no {member} array in {result}"));
            items.extend(got.iter().cloned());
            match result.get("nextCursor") {
                Some(next) => cursor = Some(next.clone()),
                None => return items,
            }
        }
        panic!("{method} did not end within 50 pages");
    }

    /// The next message for which `wanted` is true, skipping others; `None` if none comes
    /// within `timeout`.
    pub fn next_matching(
        &mut self,
        timeout: Duration,
        wanted: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        let end = Instant::now() + timeout;
        loop {
            let left = end.checked_duration_since(Instant::now())?;
            let line = self.try_line(left)?;
            let msg: Value = serde_json::from_slice(&line).expect("output line is JSON");
            if wanted(&msg) {
                return Some(msg);
            }
        }
    }

    /// Every message written within `window`.
    pub fn drain(&mut self, window: Duration) -> Vec<Value> {
        let end = Instant::now() + window;
        let mut out = Vec::new();
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            match self.try_line(left) {
                Some(line) => out.push(serde_json::from_slice(&line).expect("output line is JSON")),
                None => break,
            }
        }
        out
    }

    /// Closes the server's stdin.
    pub fn close_stdin(&mut self) {
        self.process.close_stdin();
    }

    /// The exit status, once the process has exited within `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        self.process.wait_exit(timeout)
    }

    /// Checks the process exits with status 1 and has written nothing more.
    pub fn assert_crashed(&mut self) {
        let status = self.wait_exit(DEADLINE).expect("server should have exited");
        assert_eq!(status.code(), Some(1), "exit status");
        let rest = self.try_line(DEADLINE);
        assert_eq!(rest.map(|l| String::from_utf8_lossy(&l).into_owned()), None);
    }

    /// True while the process has not exited.
    pub fn is_running(&mut self) -> bool {
        self.process.is_running()
    }
}

/// Runs the binary with `args` and no stdin; returns (status, stdout, stderr) or fails after
/// [`DEADLINE`].
pub fn run_cli(args: &[&str]) -> (ExitStatus, String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn fixture server");
    let start = Instant::now();
    while matches!(child.try_wait(), Ok(None)) {
        if start.elapsed() >= DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?} did not exit within {DEADLINE:?}");
        }
        thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("collect output");
    (
        output.status,
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The exit status of `child`, once it has exited within `timeout`.
pub fn wait_child(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if start.elapsed() >= timeout {
            return None;
        }
        thread::sleep(Duration::from_millis(20));
    }
}
