//! Std-only HTTP/1.1 test client for the fixture server's Streamable HTTP mode: spawns the binary
//! with `--http` (through the shared [`Process::spawn`] of `mod.rs`), sends one request per connection over a raw `TcpStream`, and reads whole
//! responses or server-sent events one at a time, every wait bounded by [`DEADLINE`]. It is not a
//! general HTTP client, and the MCP helpers at the end only build messages; tests judge answers.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::ExitStatus;
use std::time::Duration;

use serde_json::{Value, json};

use super::{DEADLINE, Process};

/// A fixture server running in HTTP mode.
pub struct HttpFixture {
    process: Process,
    /// `HOST:PORT` it listens on.
    pub addr: String,
    /// The full endpoint URL it announced.
    pub url: String,
}

impl HttpFixture {
    /// Starts `--http 127.0.0.1:0` with the given bug knobs and waits for its announcement.
    pub fn spawn(bugs: &[&str]) -> HttpFixture {
        HttpFixture::spawn_with(&[], bugs)
    }

    /// Like [`HttpFixture::spawn`], with further command-line arguments (`--require-bearer`).
    pub fn spawn_with(args: &[&str], bugs: &[&str]) -> HttpFixture {
        let mut all = vec!["--http", "127.0.0.1:0"];
        all.extend_from_slice(args);
        let mut process = Process::spawn(&all, bugs);
        let line = process
            .try_line(DEADLINE)
            .expect("the server announces its address");
        let line = String::from_utf8_lossy(&line);
        let url = line
            .strip_prefix("listening on ")
            .and_then(|rest| rest.strip_suffix('\n'))
            .unwrap_or_else(|| panic!("unexpected announcement {line:?}"))
            .to_owned();
        let addr = url
            .strip_prefix("http://")
            .and_then(|rest| rest.strip_suffix("/mcp"))
            .unwrap_or_else(|| panic!("unexpected URL {url:?}"))
            .to_owned();
        HttpFixture { process, addr, url }
    }

    /// A client for this server with no session yet.
    pub fn client(&self) -> Client {
        Client {
            addr: self.addr.clone(),
            session: None,
            authorization: None,
        }
    }

    /// Closes the server's stdin.
    pub fn close_stdin(&mut self) {
        self.process.close_stdin();
    }

    /// The exit status, once the process has exited within `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        self.process.wait_exit(timeout)
    }
}

// ---- raw requests and responses -------------------------------------------------------------

/// A whole response, read until the server closed the connection.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Header fields with lowercased names.
    pub headers: Vec<(String, String)>,
    /// Everything after the header section.
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_in(&self.headers, name)
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The body read as a stream of server-sent events.
    pub fn events(&self) -> Vec<Event> {
        let mut reader = BufReader::new(&self.body[..]);
        std::iter::from_fn(|| read_event(&mut reader)).collect()
    }

    /// The JSON-RPC error code of a refusal body.
    pub fn error_code(&self) -> i64 {
        let body = self.json();
        assert_eq!(body["id"], Value::Null, "{body}");
        body["error"]["code"]
            .as_i64()
            .unwrap_or_else(|| panic!("no error code in {body}"))
    }
}

/// One server-sent event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The `id:` field, if any.
    pub id: Option<String>,
    /// The `data:` lines joined by "\n".
    pub data: String,
}

impl Event {
    /// The data parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data)
            .unwrap_or_else(|e| panic!("event data is not JSON ({e}): {:?}", self.data))
    }

    /// The `id:` field as a number.
    pub fn number(&self) -> u64 {
        self.id
            .as_deref()
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("event without a numeric id: {self:?}"))
    }
}

/// Reads one event (skipping comments); `None` at end of input. Panics on a read error
/// (including the read timeout).
fn read_event(reader: &mut impl BufRead) -> Option<Event> {
    let mut id = None;
    let mut data: Option<String> = None;
    loop {
        let mut line = String::new();
        let read = reader
            .read_line(&mut line)
            .unwrap_or_else(|e| panic!("reading events: {e}"));
        if read == 0 {
            return None;
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if let Some(data) = data.take() {
                return Some(Event { id, data });
            }
            id = None;
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "id" => id = Some(value.to_owned()),
            "data" => match &mut data {
                Some(joined) => {
                    joined.push('\n');
                    joined.push_str(value);
                }
                None => data = Some(value.to_owned()),
            },
            _ => {}
        }
    }
}

fn connect(addr: &str) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect to the fixture server");
    stream
        .set_read_timeout(Some(DEADLINE))
        .expect("set read timeout");
    stream
}

/// The bytes of a request for `/mcp` with `Host` and, when there is a body, `Content-Length`.
pub fn build(method: &str, addr: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Vec<u8> {
    build_for(method, "/mcp", addr, headers, body)
}

/// Like [`build`] for the request target `target`.
pub fn build_for(
    method: &str,
    target: &str,
    addr: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Vec<u8> {
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body.unwrap_or_default());
    bytes
}

/// Sends `bytes` as they are on a new connection and reads the response to the end.
pub fn raw(addr: &str, bytes: &[u8]) -> Response {
    raw_with_timeout(addr, bytes, DEADLINE)
}

/// Like [`raw`], waiting up to `timeout` for each read.
pub fn raw_with_timeout(addr: &str, bytes: &[u8], timeout: Duration) -> Response {
    let mut stream = connect(addr);
    stream
        .set_read_timeout(Some(timeout))
        .expect("set read timeout");
    stream.write_all(bytes).expect("send request");
    let mut all = Vec::new();
    stream
        .read_to_end(&mut all)
        .unwrap_or_else(|e| panic!("reading the response: {e}"));
    parse_response(&all)
}

/// Sends one request and reads the whole response.
pub fn request(
    addr: &str,
    method: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Response {
    raw(addr, &build(method, addr, headers, body))
}

fn parse_head(head: &str) -> (u16, Vec<(String, String)>) {
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    assert_eq!(
        parts.next(),
        Some("HTTP/1.1"),
        "status line {status_line:?}"
    );
    let status = parts
        .next()
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("status line {status_line:?}"));
    let headers = lines
        .filter(|line| !line.is_empty())
        .map(|line| {
            let (name, value) = line
                .split_once(':')
                .unwrap_or_else(|| panic!("header line {line:?}"));
            (name.to_ascii_lowercase(), value.trim().to_owned())
        })
        .collect();
    (status, headers)
}

fn parse_response(all: &[u8]) -> Response {
    let end = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header section in {:?}", String::from_utf8_lossy(all)));
    let head = std::str::from_utf8(&all[..end]).expect("ASCII response head");
    let (status, headers) = parse_head(head);
    Response {
        status,
        headers,
        body: all[end + 4..].to_vec(),
    }
}

// ---- event streams --------------------------------------------------------------------------

/// A response read as it arrives: the head at once, then events one at a time.
pub struct EventStream {
    reader: BufReader<TcpStream>,
    /// The status code.
    pub status: u16,
    /// Header fields with lowercased names.
    pub headers: Vec<(String, String)>,
}

impl EventStream {
    /// Sends a request and reads the response head.
    pub fn open(
        addr: &str,
        method: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> EventStream {
        let mut stream = connect(addr);
        stream
            .write_all(&build(method, addr, headers, body))
            .expect("send request");
        let mut reader = BufReader::new(stream);
        let mut head = String::new();
        loop {
            let mut line = String::new();
            let read = reader
                .read_line(&mut line)
                .unwrap_or_else(|e| panic!("reading the response head: {e}"));
            assert!(read > 0, "connection closed inside the head: {head:?}");
            if line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let (status, headers) = parse_head(head.trim_end());
        EventStream {
            reader,
            status,
            headers,
        }
    }

    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_in(&self.headers, name)
    }

    /// The next event, or `None` when the server closed the stream. Fails after [`DEADLINE`].
    pub fn next_event(&mut self) -> Option<Event> {
        read_event(&mut self.reader)
    }

    /// Every remaining event, until the server closes the stream.
    pub fn rest(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.next_event()).collect()
    }

    /// Events until (and including) the response whose id is `id`.
    pub fn until_response(&mut self, id: &Value) -> (Value, Vec<Event>) {
        let mut before = Vec::new();
        while let Some(event) = self.next_event() {
            let msg = event.json();
            if msg.get("method").is_none() && msg.get("id") == Some(id) {
                return (msg, before);
            }
            before.push(event);
        }
        panic!("stream ended without a response to {id}: {before:?}");
    }
}

// ---- MCP over HTTP --------------------------------------------------------------------------

/// Header value of `Accept` for POST.
pub const ACCEPT_BOTH: &str = "application/json, text/event-stream";

/// A client of one session (or none yet).
#[derive(Debug, Clone)]
pub struct Client {
    /// `HOST:PORT` of the server.
    pub addr: String,
    /// The session id, once initialized.
    pub session: Option<String>,
    /// The `Authorization` value sent with every request, if any.
    pub authorization: Option<String>,
}

impl Client {
    /// The headers of a clean POST carrying JSON.
    fn post_headers(&self) -> Vec<(&str, &str)> {
        let mut headers = vec![
            ("Content-Type", "application/json"),
            ("Accept", ACCEPT_BOTH),
            ("MCP-Protocol-Version", "2025-06-18"),
        ];
        if let Some(session) = &self.session {
            headers.push(("Mcp-Session-Id", session.as_str()));
        }
        if let Some(authorization) = &self.authorization {
            headers.push(("Authorization", authorization.as_str()));
        }
        headers
    }

    /// POSTs `msg` with the clean headers and reads the whole response.
    pub fn post(&self, msg: &Value) -> Response {
        let body = msg.to_string();
        request(
            &self.addr,
            "POST",
            &self.post_headers(),
            Some(body.as_bytes()),
        )
    }

    /// POSTs `msg` with the clean headers plus `extra`, reading the whole response.
    pub fn post_with(&self, msg: &Value, extra: &[(&str, &str)]) -> Response {
        let body = msg.to_string();
        let mut headers = self.post_headers();
        headers.extend_from_slice(extra);
        request(&self.addr, "POST", &headers, Some(body.as_bytes()))
    }

    /// POSTs `msg` and returns the response as an event stream.
    pub fn post_stream(&self, msg: &Value) -> EventStream {
        let body = msg.to_string();
        EventStream::open(
            &self.addr,
            "POST",
            &self.post_headers(),
            Some(body.as_bytes()),
        )
    }

    /// Opens the session's GET stream.
    pub fn get_stream(&self) -> EventStream {
        let session = self.session.as_deref().expect("a session");
        let mut headers = vec![
            ("Accept", "text/event-stream"),
            ("Mcp-Session-Id", session),
            ("MCP-Protocol-Version", "2025-06-18"),
        ];
        if let Some(authorization) = &self.authorization {
            headers.push(("Authorization", authorization.as_str()));
        }
        EventStream::open(&self.addr, "GET", &headers, None)
    }

    /// Sends `initialize` with `capabilities`; keeps the session id and returns the response.
    pub fn initialize(&mut self, capabilities: Value) -> Response {
        let response = self.post(&initialize_request(1, capabilities));
        assert_eq!(response.status, 200, "{response:?}");
        let id = response
            .header("mcp-session-id")
            .unwrap_or_else(|| panic!("no session id in {response:?}"));
        self.session = Some(id.to_owned());
        response
    }

    /// Sends `notifications/initialized`, which must be accepted with 202.
    pub fn initialized(&self) {
        let response = self.post(&json!({"jsonrpc":"2.0","method":"notifications/initialized"}));
        assert_eq!(response.status, 202, "{response:?}");
        assert!(response.body.is_empty(), "{response:?}");
    }

    /// Sends a request and returns its response with the events before it; the stream must
    /// end right after the response.
    pub fn call(&self, id: Value, method: &str, params: Option<Value>) -> (Value, Vec<Event>) {
        let mut msg = json!({ "jsonrpc": "2.0", "id": id, "method": method });
        if let Some(params) = params {
            msg["params"] = params;
        }
        let mut stream = self.post_stream(&msg);
        assert_eq!(stream.status, 200, "{:?}", stream.headers);
        let (response, before) = stream.until_response(&id);
        assert_eq!(stream.rest(), Vec::new(), "events after the response");
        (response, before)
    }
}

/// A valid `initialize` request with id `id` asking for protocol version 2025-06-18.
pub fn initialize_request(id: u64, capabilities: Value) -> Value {
    initialize_request_for(id, "2025-06-18", capabilities)
}

/// A valid `initialize` request with id `id` asking for protocol version `version`.
pub fn initialize_request_for(id: u64, version: &str, capabilities: Value) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": id,
        "method": "initialize",
        "params": {
            "protocolVersion": version,
            "capabilities": capabilities,
            "clientInfo": { "name": "fixture-http-tests", "version": "1.0.0" }
        }
    })
}

/// The first value of header `name` (any case) among `headers` (names in lower case).
fn header_in<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    let name = name.to_ascii_lowercase();
    headers
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.as_str())
}
