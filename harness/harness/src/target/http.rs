//! The Streamable HTTP transport: every client message is a POST to the endpoint; answers come
//! back as a JSON body or an SSE stream, server-initiated messages also on the GET stream; the
//! `Mcp-Session-Id` the server assigns and the negotiated `MCP-Protocol-Version` go on every later
//! request; DELETE ends the session.
//!
//! Not a session: it turns HTTP exchanges into the same [`TransportEvent`]s the stdio transport
//! gives (one `Frame::Line` per JSON-RPC message) plus `Http` notes for the wire log. Every body
//! and event is capped, every exchange runs on its own task (so a slow answer never holds up
//! the next request), and every task is aborted at shutdown.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcpspec_codec::{Frame, SseItem, SseParser};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::{HttpObservation, HttpSpec, Shutdown, TransportError, TransportEvent};

mod raw;
pub use raw::{RawAnswer, RawEvent, RawRequest, media_type};

/// Events buffered between the exchange tasks and the session.
const CHANNEL_DEPTH: usize = 256;
/// How long the transport waits for the TCP connection when it starts.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long the DELETE at shutdown may take.
const DELETE_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a POST waits for the previous POST's response headers before it goes out anyway.
/// Waiting keeps messages in the order the case sent them (over stdio a pipe does that) without
/// letting a server that answers only when done hold up the next request for long.
const ORDER_WAIT: Duration = Duration::from_millis(250);
/// The header that carries the session id.
const SESSION_HEADER: &str = "mcp-session-id";
/// The header that carries the negotiated protocol version.
const VERSION_HEADER: &str = "mcp-protocol-version";

/// What the exchange tasks learn that later requests need.
#[derive(Debug, Default)]
struct Shared {
    session_id: Option<String>,
    protocol_version: Option<String>,
    /// A case's own `initialize` (the `http` step) set up the session: the case opens any GET
    /// stream itself, so the transport does not.
    case_driven: bool,
}

/// A Streamable HTTP connection to one MCP endpoint (one MCP session at most).
#[derive(Debug)]
pub struct HttpTransport {
    client: reqwest::Client,
    url: reqwest::Url,
    headers: HeaderMap,
    shared: Arc<Mutex<Shared>>,
    tx: mpsc::Sender<TransportEvent>,
    events: mpsc::Receiver<TransportEvent>,
    tasks: Vec<JoinHandle<()>>,
    max_body: usize,
    ended: bool,
    get_opened: bool,
    /// The number of the next stream (exchange) of this transport, for the event-id oracle.
    next_stream: u64,
    /// Fires when the previous POST's response headers arrived (or the POST failed).
    previous: Option<tokio::sync::oneshot::Receiver<()>>,
}

/// What an exchange carried, which decides what its answer may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The POST of `initialize`: its answer also names the protocol version.
    Initialize,
    /// The POST of another request (or of bytes that are not one JSON message).
    Request,
    /// The POST of a notification or a response, or the GET stream.
    Other,
}

impl HttpTransport {
    /// Checks that the endpoint accepts TCP connections and prepares the client. `max_body`
    /// caps one message (a JSON body or one SSE event's data).
    pub fn connect(spec: &HttpSpec, max_body: usize) -> Result<Self, TransportError> {
        let url = reqwest::Url::parse(&spec.url).map_err(|e| TransportError::Http {
            url: spec.url.clone(),
            reason: format!("not a URL: {e}"),
        })?;
        if url.scheme() != "http" {
            return Err(TransportError::Http {
                url: spec.url.clone(),
                reason: "only http:// URLs are supported".into(),
            });
        }
        reachable(&url).map_err(|reason| TransportError::Http {
            url: spec.url.clone(),
            reason,
        })?;
        let mut headers = HeaderMap::new();
        for (name, value) in &spec.headers {
            let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) else {
                return Err(TransportError::Http {
                    url: spec.url.clone(),
                    reason: format!("invalid header {name:?}"),
                });
            };
            headers.insert(n, v);
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(|e| TransportError::Http {
                url: spec.url.clone(),
                reason: e.to_string(),
            })?;
        let (tx, events) = mpsc::channel(CHANNEL_DEPTH);
        Ok(HttpTransport {
            client,
            url,
            headers,
            shared: Arc::default(),
            tx,
            events,
            tasks: Vec::new(),
            max_body,
            ended: false,
            get_opened: false,
            next_stream: 0,
            previous: None,
        })
    }

    /// POSTs one encoded message (its trailing newline is dropped) on a task of its own. After
    /// the first `notifications/initialized` the GET stream is opened too.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        if self.ended {
            return Err(TransportError::InputClosed);
        }
        let body = bytes.strip_suffix(b"\n").unwrap_or(bytes).to_vec();
        let parsed: Option<Value> = serde_json::from_slice(&body).ok();
        let method = parsed
            .as_ref()
            .and_then(|v| v.get("method"))
            .and_then(Value::as_str)
            .map(str::to_string);
        // Only a request is answered with a JSON-RPC message; the error body of an HTTP error
        // status for a notification or response is transport detail, not an answer. A batch
        // (an array) holding any request counts as a request: a server may answer it, or
        // refuse it, as the batch cases judge; it is not a body that must get 202.
        let is_request = posts_request(parsed.as_ref());
        if let Some(previous) = self.previous.take() {
            let _ = tokio::time::timeout(ORDER_WAIT, previous).await;
        }
        self.open_get_stream();
        let headers = self.request_headers(true);
        let request = self
            .client
            .post(self.url.clone())
            .headers(headers)
            .body(body);
        let (done, previous) = tokio::sync::oneshot::channel();
        self.previous = Some(previous);
        let mut ex = self.exchange();
        ex.headers_seen = Some(done);
        if !is_request {
            ex.posted = Some(if method.is_some() {
                "notification"
            } else {
                "response"
            });
        }
        let initialize = method.as_deref() == Some("initialize");
        let kind = if initialize {
            Kind::Initialize
        } else if is_request {
            Kind::Request
        } else {
            Kind::Other
        };
        self.tasks.push(tokio::spawn(async move {
            ex.run("POST", request, kind).await;
        }));
        if method.as_deref() == Some("notifications/initialized") {
            self.open_get_stream_anyway();
        }
        Ok(())
    }

    /// Opens the GET stream once the server has assigned a session id (so that what it sends
    /// before `notifications/initialized` can be seen).
    fn open_get_stream(&mut self) {
        let (known, case_driven) = {
            let shared = self.shared.lock().expect("transport state lock");
            (shared.session_id.is_some(), shared.case_driven)
        };
        if known && !case_driven {
            self.open_get_stream_anyway();
        }
    }

    /// Opens the GET stream, once per transport, whether or not a session id is known.
    fn open_get_stream_anyway(&mut self) {
        if self.get_opened || self.ended {
            return;
        }
        self.get_opened = true;
        let mut headers = self.request_headers(false);
        headers.insert(ACCEPT, HeaderValue::from_static("text/event-stream"));
        let request = self.client.get(self.url.clone()).headers(headers);
        let mut ex = self.exchange();
        ex.get = true;
        self.tasks.push(tokio::spawn(async move {
            ex.run("GET", request, Kind::Other).await;
        }));
    }

    fn exchange(&mut self) -> Exchange {
        self.next_stream += 1;
        Exchange {
            shared: Arc::clone(&self.shared),
            tx: self.tx.clone(),
            max_body: self.max_body,
            headers_seen: None,
            stream: self.next_stream,
            get: false,
            posted: None,
        }
    }

    /// The user's headers plus the session id and protocol version once known; with `post`,
    /// the content type and the Accept header every POST carries.
    fn request_headers(&self, post: bool) -> HeaderMap {
        let mut h = self.headers.clone();
        if post {
            h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            h.insert(
                ACCEPT,
                HeaderValue::from_static("application/json, text/event-stream"),
            );
        }
        let shared = self.shared.lock().expect("transport state lock");
        if let Some(id) = shared.session_id.as_deref()
            && let Ok(v) = HeaderValue::from_str(id)
        {
            h.insert(SESSION_HEADER, v);
        }
        if let Some(version) = shared.protocol_version.as_deref()
            && let Ok(v) = HeaderValue::from_str(version)
        {
            h.insert(VERSION_HEADER, v);
        }
        h
    }

    /// The next event, or `None` at the deadline.
    pub async fn next_event(&mut self, deadline: tokio::time::Instant) -> Option<TransportEvent> {
        self.open_get_stream();
        tokio::time::timeout_at(deadline, self.events.recv())
            .await
            .ok()
            .flatten()
    }

    /// The endpoint URL.
    pub fn endpoint(&self) -> &reqwest::Url {
        &self.url
    }

    /// The value of one of the user's headers (`--header`, `--bearer-env`), if set.
    pub fn user_header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// Whether the endpoint's host is a loopback address or `localhost`.
    pub fn loopback(&self) -> bool {
        let host = self.url.host_str().unwrap_or("");
        let host = host.trim_start_matches('[').trim_end_matches(']');
        host.eq_ignore_ascii_case("localhost")
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// Whether the session still takes messages (false after [`Self::end_session`]).
    pub fn input_open(&self) -> bool {
        !self.ended
    }

    /// Ends the MCP session: DELETE when the server assigned a session id. Later writes fail.
    pub async fn end_session(&mut self) {
        if self.ended {
            return;
        }
        self.ended = true;
        if self
            .shared
            .lock()
            .expect("transport state lock")
            .session_id
            .is_none()
        {
            return;
        }
        let headers = self.request_headers(false);
        let request = self
            .client
            .delete(self.url.clone())
            .headers(headers)
            .timeout(DELETE_TIMEOUT);
        let note = match request.send().await {
            Ok(r) => format!("DELETE -> {}", r.status().as_u16()),
            Err(e) => format!("DELETE failed: {e}"),
        };
        let _ = self.tx.try_send(TransportEvent::Http { text: note });
    }

    /// Ends the session and stops every exchange task.
    pub async fn shutdown(&mut self) -> Shutdown {
        self.end_session().await;
        for t in self.tasks.drain(..) {
            t.abort();
        }
        Shutdown::SessionEnded
    }
}

impl Drop for HttpTransport {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// What one exchange task needs.
struct Exchange {
    shared: Arc<Mutex<Shared>>,
    tx: mpsc::Sender<TransportEvent>,
    max_body: usize,
    /// Told when the response headers arrived (or the request failed).
    headers_seen: Option<tokio::sync::oneshot::Sender<()>>,
    /// This exchange's stream number within the transport.
    stream: u64,
    /// Whether this is the GET stream.
    get: bool,
    /// For the POST of a notification or response: which of the two.
    posted: Option<&'static str>,
}

impl Exchange {
    async fn note(&self, text: String) {
        let _ = self.tx.send(TransportEvent::Http { text }).await;
    }

    async fn observe(&self, obs: HttpObservation) {
        let _ = self.tx.send(TransportEvent::Observed(obs)).await;
    }

    /// For the POST of a notification or response that got a 2xx: reports how it was acknowledged.
    async fn acknowledged(&self, status: u16, body_bytes: usize) {
        if let Some(what) = self.posted
            && (200..300).contains(&status)
        {
            self.observe(HttpObservation::Acknowledged {
                what: what.to_string(),
                status,
                body_bytes,
            })
            .await;
        }
    }

    async fn frame(&self, bytes: Vec<u8>) {
        let frame = if bytes.len() > self.max_body {
            Frame::Oversize {
                head: bytes[..256.min(bytes.len())].to_vec(),
                limit: self.max_body,
            }
        } else {
            Frame::Line { bytes, crlf: false }
        };
        let _ = self.tx.send(TransportEvent::Frame(frame)).await;
    }

    /// Sends the request and turns its answer into events until the body ends.
    async fn run(mut self, verb: &str, request: reqwest::RequestBuilder, kind: Kind) {
        let initialize = kind == Kind::Initialize;
        let sent = request.send().await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => {
                if let Some(done) = self.headers_seen.take() {
                    let _ = done.send(());
                }
                self.note(format!("{verb} failed: {e}")).await;
                return;
            }
        };
        let status = response.status().as_u16();
        let success = response.status().is_success();
        let content_type = header(response.headers(), CONTENT_TYPE.as_str());
        if let Some(id) = header(response.headers(), SESSION_HEADER) {
            let mut shared = self.shared.lock().expect("transport state lock");
            if shared.session_id.is_none() {
                shared.session_id = Some(id);
            }
        }
        if let Some(done) = self.headers_seen.take() {
            let _ = done.send(());
        }
        self.note(format!(
            "{verb} -> {status}{}",
            content_type
                .as_deref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default()
        ))
        .await;
        let media = content_type
            .as_deref()
            .and_then(|c| c.split(';').next())
            .map(|c| c.trim().to_ascii_lowercase());
        match media.as_deref() {
            Some("text/event-stream") => {
                let bytes = self.stream(response, initialize).await;
                self.acknowledged(status, bytes).await;
            }
            Some("application/json") if success || kind != Kind::Other => {
                let Some(body) = self.body(response).await else {
                    self.acknowledged(status, self.max_body).await;
                    return;
                };
                self.acknowledged(status, body.len()).await;
                if initialize {
                    self.learn_version(&body);
                }
                if !body.iter().all(u8::is_ascii_whitespace) {
                    self.frame(body).await;
                }
            }
            _ => {
                let body = self.body(response).await;
                let length = body.as_ref().map_or(self.max_body, Vec::len);
                self.acknowledged(status, length).await;
                if let Some(body) = body
                    && !body.is_empty()
                {
                    let shown = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
                    self.note(format!("{verb} body (not JSON): {shown}")).await;
                }
            }
        }
    }

    /// The whole body, capped: past the cap a note is sent and `None` returned.
    async fn body(&self, mut response: reqwest::Response) -> Option<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > self.max_body {
                        self.note(format!(
                            "response body over {} bytes dropped",
                            self.max_body
                        ))
                        .await;
                        return None;
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => return Some(body),
                Err(e) => {
                    self.note(format!("response body broken off: {e}")).await;
                    return Some(body);
                }
            }
        }
    }

    /// Reads an SSE body: each event's data is one message. Returns the bytes read.
    async fn stream(&self, mut response: reqwest::Response, initialize: bool) -> usize {
        let mut parser = SseParser::new(self.max_body);
        let mut total = 0usize;
        loop {
            let chunk = match response.chunk().await {
                Ok(Some(c)) => {
                    total = total.saturating_add(c.len());
                    c
                }
                Ok(None) => break,
                Err(e) => {
                    self.note(format!("SSE stream broken off: {e}")).await;
                    break;
                }
            };
            for item in parser.push(&chunk) {
                self.sse_item(item, initialize).await;
            }
        }
        for item in parser.finish() {
            self.sse_item(item, initialize).await;
        }
        self.note("SSE stream ended".into()).await;
        total
    }

    async fn sse_item(&self, item: SseItem, initialize: bool) {
        match item {
            SseItem::Event(ev) => {
                if let Some(id) = ev.id.clone() {
                    self.observe(HttpObservation::EventId {
                        stream: self.stream,
                        id,
                    })
                    .await;
                }
                if ev.data.is_empty() {
                    return;
                }
                if self.get
                    && let Ok(v) = serde_json::from_str::<Value>(&ev.data)
                    && v.get("id").is_some()
                    && (v.get("result").is_some() || v.get("error").is_some())
                {
                    self.observe(HttpObservation::ResponseOnGet {
                        excerpt: crate::wire::excerpt(&ev.data),
                    })
                    .await;
                }
                let bytes = ev.data.into_bytes();
                if initialize {
                    self.learn_version(&bytes);
                }
                self.frame(bytes).await;
            }
            SseItem::Comment(_) => {}
            other => self.note(format!("SSE: {other:?}")).await,
        }
    }

    /// Remembers the protocol version an initialize result names.
    fn learn_version(&self, body: &[u8]) {
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            return;
        };
        if let Some(version) = v.pointer("/result/protocolVersion").and_then(Value::as_str) {
            self.shared
                .lock()
                .expect("transport state lock")
                .protocol_version = Some(version.to_string());
        }
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// A TCP connection to the URL's host and port succeeds within [`CONNECT_TIMEOUT`].
fn reachable(url: &reqwest::Url) -> Result<(), String> {
    use std::net::{TcpStream, ToSocketAddrs};
    let host = url.host_str().ok_or("the URL has no host")?;
    let port = url.port_or_known_default().ok_or("the URL has no port")?;
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    let mut last = format!("{host}:{port} has no address");
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(_) => return Ok(()),
            Err(e) => last = format!("cannot connect to {addr}: {e}"),
        }
    }
    Err(last)
}

/// Whether a POST body expects a JSON-RPC answer: a request, a batch holding any request (or an
/// empty one), or a body that is not JSON at all. Notifications and responses, alone or in a
/// batch, do not.
fn posts_request(parsed: Option<&Value>) -> bool {
    let one_request = |v: &Value| v.get("method").is_some() && v.get("id").is_some();
    parsed.is_none_or(|v| match v.as_array() {
        Some(items) => items.is_empty() || items.iter().any(one_request),
        None => one_request(v),
    })
}

#[cfg(test)]
mod posts_request_tests {
    use serde_json::json;

    use super::posts_request;

    #[test]
    fn requests_and_batches_with_a_request_expect_an_answer() {
        let ping = json!({"jsonrpc":"2.0","id":1,"method":"ping"});
        let note = json!({"jsonrpc":"2.0","method":"notifications/initialized"});
        let reply = json!({"jsonrpc":"2.0","id":"s1","result":{}});
        assert!(posts_request(None));
        assert!(posts_request(Some(&ping)));
        assert!(posts_request(Some(&json!([ping.clone(), ping.clone()]))));
        assert!(posts_request(Some(&json!([note.clone(), ping]))));
        assert!(posts_request(Some(&json!([]))));
        assert!(!posts_request(Some(&note)));
        assert!(!posts_request(Some(&reply)));
        assert!(!posts_request(Some(&json!([note, reply]))));
    }
}
