//! The session table of the Streamable HTTP mode: one server core per MCP session, the writer
//! that cuts the core's output into messages, and the routing of each message to a POST stream
//! (progress by its token, a response by its request), the session's GET stream or its queue.
//! A POST stream outlives a client that drops it: its messages are kept until a GET with
//! `Last-Event-ID` resumes it (or, under `http-disconnect-cancels`, its request is cancelled).
//! It does not parse HTTP or write responses; streams are channels that the connection threads
//! drain onto their sockets, and the event history is in `resume.rs`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{BuildHasher, RandomState};
use std::io::{self, Write};
use std::process;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, ThreadId};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::resume::{History, Origin};
use crate::bugs::Bugs;
use crate::protocol::id_key;
use crate::server::{Flow, Server};

/// Most messages a session keeps for a GET stream that is not open; the oldest go first.
pub const QUEUE_CAP: usize = 1000;

/// A server core driven by the HTTP mode.
type Core = Server<SessionWriter>;

/// One message on its way to a stream, with the session-wide event number it goes out under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The SSE event id (a per-session counter starting at 1).
    pub event_id: u64,
    /// The message as the core wrote it, without its line ending.
    pub data: Vec<u8>,
}

/// Identifies one open stream within its session.
pub type StreamId = u64;

/// A POST stream resumed by a GET with `Last-Event-ID`.
pub struct Resumed {
    /// The replayed events, then (while the request is unanswered) its later ones.
    pub rx: Receiver<Message>,
    /// The stream and reader number to release when the connection ends; `None` when the
    /// stream had already ended (the channel closes after the replay).
    pub reader: Option<(StreamId, u64)>,
}

/// What a POST stream is opened for.
struct Waiter {
    /// [`id_key`] of the request's id.
    key: String,
    /// [`id_key`] of the request's `_meta.progressToken`.
    token: Option<String>,
    /// Whether it is an event stream (see [`PostStream::takes_others`]).
    takes_others: bool,
}

/// Why a GET stream could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetRefused {
    /// The session already has an open GET stream.
    Conflict,
    /// The session has ended.
    Gone,
}

/// The session has ended.
#[derive(Debug)]
struct Gone;

/// How an `initialize` without a session ended.
pub enum Init {
    /// The core answered with a result: the session is in the table under `id`.
    Ready {
        /// The new session id.
        id: String,
        /// The core's response, as written.
        response: Vec<u8>,
    },
    /// The core answered with an error: no session was kept.
    Refused {
        /// The core's response, as written.
        response: Vec<u8>,
    },
    /// The core wrote no response (a crash knob fired): no session was kept.
    NoAnswer,
}

/// What the core did with a message it refuses.
pub enum Rejected {
    /// It answered with this response (an error with a null id, as written).
    Answer(Vec<u8>),
    /// It wrote no answer (a crash knob fired and ended the session).
    NoAnswer,
    /// The session had already ended.
    Gone,
}

/// Locks `mutex`, carrying on with the data if another thread panicked while holding it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

// ---- the table ------------------------------------------------------------------------------

/// Every live session, by id.
pub struct Sessions {
    bugs: Bugs,
    /// Live sessions by id (under `http-session-id-changes` a session has several ids).
    table: Mutex<HashMap<String, Arc<Session>>>,
    /// Every id ever handed to a client, live or ended.
    issued: Mutex<HashSet<String>>,
    /// How many session cores have been started.
    started: AtomicU64,
    /// How many `session-N` ids have been made (`http-sequential-session-ids`).
    numbered: AtomicU64,
    /// Whether any session has been ended by a client's DELETE.
    ended_any: std::sync::atomic::AtomicBool,
}

impl Sessions {
    /// An empty table whose sessions all run with `bugs`.
    pub fn new(bugs: Bugs) -> Self {
        Sessions {
            bugs,
            table: Mutex::new(HashMap::new()),
            issued: Mutex::new(HashSet::new()),
            started: AtomicU64::new(0),
            numbered: AtomicU64::new(0),
            ended_any: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The knobs every session runs with.
    pub fn bugs(&self) -> Bugs {
        self.bugs
    }

    /// The live session called `id`.
    pub fn get(&self, id: &str) -> Option<Arc<Session>> {
        lock(&self.table).get(id).cloned()
    }

    /// True when `id` was handed to a client at some point (whether or not it still lives).
    pub fn was_issued(&self, id: &str) -> bool {
        lock(&self.issued).contains(id)
    }

    /// True once any session has been ended by [`Sessions::end`].
    pub fn any_ended(&self) -> bool {
        self.ended_any.load(Ordering::SeqCst)
    }

    /// The most recently created session that is still live.
    pub fn newest(&self) -> Option<Arc<Session>> {
        lock(&self.table)
            .values()
            .max_by_key(|session| session.serial)
            .cloned()
    }

    /// A further id for the live `session` (`http-session-id-changes`): it is issued and names
    /// the same session as its other ids.
    pub fn alias(&self, session: &Arc<Session>) -> String {
        let id = self.fresh_id();
        lock(&self.table).insert(id.clone(), Arc::clone(session));
        lock(&self.issued).insert(id.clone());
        id
    }

    /// Starts a fresh core, feeds it the `initialize` request `bytes` whose id key is `key`,
    /// and keeps the session only when the core answered with a result.
    pub fn initialize(&self, key: String, bytes: &[u8]) -> Init {
        let serial = self.started.fetch_add(1, Ordering::SeqCst) + 1;
        let session = Arc::new(Session::new(self.fresh_id(), serial, self.bugs));
        let waiter = Waiter {
            key,
            token: None,
            takes_others: false,
        };
        let response = match session.feed(self, bytes, Some(waiter)) {
            Ok(Some((stream, rx))) => {
                session.close_stream(stream);
                rx.try_iter().next()
            }
            _ => None,
        };
        let Some(response) = response else {
            self.end(&session);
            return Init::NoAnswer;
        };
        let parsed = serde_json::from_str::<Value>(&String::from_utf8_lossy(&response.data));
        let succeeded = parsed.is_ok_and(|v| v.get("result").is_some() && v.get("error").is_none());
        if !succeeded {
            self.end(&session);
            return Init::Refused {
                response: response.data,
            };
        }
        let id = session.id.clone();
        lock(&self.table).insert(id.clone(), session);
        lock(&self.issued).insert(id.clone());
        Init::Ready {
            id,
            response: response.data,
        }
    }

    /// Ends `session`: forgets it, stops its core and closes its streams. Idempotent.
    pub fn end(&self, session: &Session) {
        self.ended_any.store(true, Ordering::SeqCst);
        self.forget(session);
        let mut core = lock(&session.core);
        session.end_locked(&mut core);
    }

    /// Removes every id of `session` from the table.
    fn forget(&self, session: &Session) {
        lock(&self.table).retain(|_, live| !std::ptr::eq(Arc::as_ptr(live), session));
    }

    /// A session id never issued before: 32 lowercase hex digits, or under
    /// `http-sequential-session-ids` `session-N` (N counting up from 1), or under
    /// `http-session-id-space` two groups of 16 hex digits joined by a space.
    fn fresh_id(&self) -> String {
        loop {
            let id = if self.bugs.http_sequential_session_ids {
                let n = self.numbered.fetch_add(1, Ordering::SeqCst) + 1;
                format!("session-{n}")
            } else if self.bugs.http_session_id_space {
                let random = random_id();
                format!("{} {}", &random[..16], &random[16..])
            } else {
                random_id()
            };
            if !lock(&self.table).contains_key(&id) && !self.was_issued(&id) {
                return id;
            }
        }
    }
}

/// 128 bits from the clock, a process-wide counter and the process id, mixed by std's randomly
/// keyed hasher, as 32 hex digits.
pub fn random_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut id = String::with_capacity(32);
    for half in 0u8..2 {
        let bits = RandomState::new().hash_one((nanos, count, process::id(), half));
        id.push_str(&format!("{bits:016x}"));
    }
    id
}

// ---- one session ----------------------------------------------------------------------------

/// One MCP session: its core (gone once the session ended) and its routes.
pub struct Session {
    /// The id the client sends in `Mcp-Session-Id`.
    pub id: String,
    /// Creation order among the sessions of the process (1 for the first).
    serial: u64,
    /// Held while a message is fed to the core, never while waiting on the network.
    core: Mutex<Option<Core>>,
    routes: Arc<Mutex<Routes>>,
}

impl Session {
    fn new(id: String, serial: u64, bugs: Bugs) -> Self {
        let routes = Arc::new(Mutex::new(Routes {
            bugs,
            ..Routes::default()
        }));
        let writer = SessionWriter {
            routes: Arc::clone(&routes),
            pending: Vec::new(),
        };
        let mut core = Server::new(bugs, writer);
        // The writer only fills channels and a queue; it cannot fail.
        let _ = core.start();
        Session {
            id,
            serial,
            core: Mutex::new(Some(core)),
            routes,
        }
    }

    /// Feeds a message that is not a request (a notification or a response). Returns false
    /// when the session has ended.
    pub fn feed_message(&self, sessions: &Sessions, bytes: &[u8]) -> bool {
        self.feed(sessions, bytes, None).is_ok()
    }

    /// Opens a POST event stream waiting for the response whose id key is `key` (and taking
    /// the progress notifications for the token key `token`), then feeds the request `bytes`.
    /// Returns the stream and its channel (reader 0 of the stream, see [`Session::release`]),
    /// or `None` when the session has ended.
    pub fn feed_request(
        &self,
        sessions: &Sessions,
        key: String,
        token: Option<String>,
        bytes: &[u8],
    ) -> Option<(StreamId, Receiver<Message>)> {
        let waiter = Waiter {
            key,
            token,
            takes_others: true,
        };
        self.feed(sessions, bytes, Some(waiter)).ok().flatten()
    }

    /// Feeds a message without a usable request id that the core refuses (see
    /// [`crate::protocol::classify`]) and returns what the core answered to it.
    pub fn feed_rejected(&self, sessions: &Sessions, bytes: &[u8]) -> Rejected {
        // No id key is empty: only what the core writes while it is fed reaches this stream.
        let waiter = Waiter {
            key: String::new(),
            token: None,
            takes_others: false,
        };
        match self.feed(sessions, bytes, Some(waiter)) {
            Ok(Some((stream, rx))) => {
                self.close_stream(stream);
                match rx.try_iter().next() {
                    Some(message) => Rejected::Answer(message.data),
                    None => Rejected::NoAnswer,
                }
            }
            Ok(None) | Err(Gone) => Rejected::Gone,
        }
    }

    /// Opens the session's GET stream and hands it everything queued so far.
    pub fn open_get(&self) -> Result<(StreamId, Receiver<Message>), GetRefused> {
        let (tx, rx) = mpsc::channel();
        let stream = lock(&self.routes).open_get(tx)?;
        Ok((stream, rx))
    }

    /// Forgets a stream whose connection has finished.
    pub fn close_stream(&self, stream: StreamId) {
        lock(&self.routes).close(stream);
    }

    /// The client reading POST stream `stream` as reader `reader` went away. An unanswered
    /// request goes on and its messages are kept for a resumption; under
    /// `http-disconnect-cancels` the core is told the request was cancelled and the stream's
    /// messages are dropped from now on (even when a resumption already took the stream over).
    pub fn release(&self, sessions: &Sessions, stream: StreamId, reader: u64) {
        let abandoned = lock(&self.routes).release(stream, reader);
        if let Some(key) = abandoned {
            let id = serde_json::from_str::<Value>(&key).unwrap_or(Value::Null);
            let cancel = serde_json::json!({
                "jsonrpc": "2.0",
                "method": "notifications/cancelled",
                "params": { "requestId": id, "reason": "the client dropped the stream" }
            });
            let _ = self.feed_message(sessions, cancel.to_string().as_bytes());
        }
    }

    /// Resumes the POST stream that the kept event `last` went out on: its later kept events
    /// (every stream's under `http-resume-other-stream`), then its live ones until its
    /// response. A reader already on that stream is cut off. `None` when `last` is no kept
    /// event of a POST stream.
    pub fn resume(&self, last: u64) -> Option<Resumed> {
        lock(&self.routes).resume(last)
    }

    /// Feeds `bytes` to the core, first opening a POST stream for `waiter` (the id key of the
    /// request and whether the stream also takes messages that are not its response). A crash
    /// of the core ends the session.
    fn feed(
        &self,
        sessions: &Sessions,
        bytes: &[u8],
        waiter: Option<Waiter>,
    ) -> Result<Option<(StreamId, Receiver<Message>)>, Gone> {
        let mut core = lock(&self.core);
        let server = core.as_mut().ok_or(Gone)?;
        let opened = match waiter {
            Some(waiter) => {
                let (tx, rx) = mpsc::channel();
                let mut routes = lock(&self.routes);
                if routes.ended {
                    return Err(Gone);
                }
                let stream = routes.open_post(waiter, tx);
                routes.feeding = Some((thread::current().id(), stream));
                Some((stream, rx))
            }
            None => None,
        };
        let flow = server.handle_candidate(bytes);
        lock(&self.routes).feeding = None;
        if !matches!(flow, Ok(Flow::Continue)) {
            eprintln!("mcpspec-fixture-server: session {} ended", self.id);
            sessions.forget(self);
            self.end_locked(&mut core);
        }
        Ok(opened)
    }

    /// Stops the core (if still running) and closes every stream; `core` is this session's
    /// locked core.
    fn end_locked(&self, core: &mut Option<Core>) {
        if let Some(mut server) = core.take() {
            server.shutdown();
        }
        lock(&self.routes).end();
    }
}

// ---- routing --------------------------------------------------------------------------------

/// A POST stream waiting for the response to its request.
struct PostStream {
    stream: StreamId,
    /// [`id_key`] of the request's id.
    key: String,
    /// [`id_key`] of the request's progress token: progress carrying it belongs here.
    token: Option<String>,
    /// Whether this is an event stream, whose events are kept for resumption and which takes
    /// messages that are not its response (false for `initialize`, whose answer is a plain
    /// JSON body, and for refused messages).
    takes_others: bool,
    /// The connection reading the stream now (its reader number and channel); `None` while
    /// no client reads it.
    reader: Option<(u64, Sender<Message>)>,
    /// The number of the newest reader (0 for the POST that opened the stream).
    readers: u64,
    /// `http-disconnect-cancels`: the request was given up with its stream; its messages are
    /// dropped.
    abandoned: bool,
}

/// Where a session's messages go.
#[derive(Default)]
struct Routes {
    /// The session's knobs (`http-response-on-get` copies responses to the GET stream).
    bugs: Bugs,
    ended: bool,
    /// The event numbering and the events kept for resumption.
    history: History,
    streams: StreamId,
    /// Open POST streams, oldest first.
    posts: Vec<PostStream>,
    get: Option<(StreamId, Sender<Message>)>,
    /// Messages for a GET stream that is not open yet.
    queue: VecDeque<Vec<u8>>,
    /// The thread feeding a request to the core, and that request's stream: a response the
    /// core writes on that thread is the answer to it, whatever id it carries.
    feeding: Option<(ThreadId, StreamId)>,
}

/// What a message written by the core is, for routing.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    /// A response (no `method`, a `result` or `error`) with the id key of its non-null id.
    Response(Option<String>),
    /// Anything else: notifications, requests to the client, text that is not JSON.
    Other,
}

fn kind(value: Option<&Value>) -> Kind {
    match value {
        Some(Value::Object(obj))
            if !obj.contains_key("method")
                && (obj.contains_key("result") || obj.contains_key("error")) =>
        {
            Kind::Response(obj.get("id").filter(|id| !id.is_null()).map(id_key))
        }
        _ => Kind::Other,
    }
}

/// [`id_key`] of the progress token of a `notifications/progress` message.
fn progress_token(value: Option<&Value>) -> Option<String> {
    let value = value?;
    if value.get("method").and_then(Value::as_str) != Some("notifications/progress") {
        return None;
    }
    value.pointer("/params/progressToken").map(id_key)
}

impl Routes {
    fn next_stream(&mut self) -> StreamId {
        self.streams += 1;
        self.streams
    }

    fn open_post(&mut self, waiter: Waiter, tx: Sender<Message>) -> StreamId {
        let stream = self.next_stream();
        self.posts.push(PostStream {
            stream,
            key: waiter.key,
            token: waiter.token,
            takes_others: waiter.takes_others,
            reader: Some((0, tx)),
            readers: 0,
            abandoned: false,
        });
        stream
    }

    fn open_get(&mut self, tx: Sender<Message>) -> Result<StreamId, GetRefused> {
        if self.ended {
            return Err(GetRefused::Gone);
        }
        if self.get.is_some() {
            return Err(GetRefused::Conflict);
        }
        let stream = self.next_stream();
        while let Some(data) = self.queue.pop_front() {
            // The receiver is still held by the caller: this cannot fail.
            let _ = self.history.send(Origin::Get(stream), &tx, data);
        }
        self.get = Some((stream, tx));
        Ok(stream)
    }

    fn close(&mut self, stream: StreamId) {
        self.posts.retain(|post| post.stream != stream);
        if self.get.as_ref().is_some_and(|(open, _)| *open == stream) {
            self.get = None;
        }
    }

    /// See [`Session::release`]; returns the id key of a request to cancel.
    fn release(&mut self, stream: StreamId, reader: u64) -> Option<String> {
        let post = self.posts.iter_mut().find(|p| p.stream == stream)?;
        if post
            .reader
            .as_ref()
            .is_some_and(|(open, _)| *open == reader)
        {
            // Otherwise another connection took the stream over and goes on reading it.
            post.reader = None;
        }
        if self.bugs.http_disconnect_cancels && post.takes_others && !post.abandoned {
            post.abandoned = true;
            return Some(post.key.clone());
        }
        None
    }

    /// See [`Session::resume`].
    fn resume(&mut self, last: u64) -> Option<Resumed> {
        let stream = self.history.post_stream_of(last)?;
        let replay = self
            .history
            .replay(last, stream, self.bugs.http_resume_other_stream);
        let (tx, rx) = mpsc::channel();
        for message in replay {
            // The receiver is still held here: this cannot fail.
            let _ = tx.send(message);
        }
        let reader = self
            .posts
            .iter_mut()
            .find(|p| p.stream == stream)
            .map(|post| {
                post.readers += 1;
                // Dropping an older reader's channel ends that connection's stream.
                post.reader = Some((post.readers, tx));
                (stream, post.readers)
            });
        Some(Resumed { rx, reader })
    }

    fn end(&mut self) {
        self.ended = true;
        self.posts.clear();
        self.get = None;
        self.queue.clear();
        self.history.clear();
        self.feeding = None;
    }

    /// Delivers one message the core wrote.
    fn route(&mut self, data: Vec<u8>, value: Option<&Value>) {
        if self.ended {
            return;
        }
        let key = match kind(value) {
            Kind::Response(key) => key,
            Kind::Other => {
                let token = progress_token(value);
                let owner = token.and_then(|token| {
                    let mine = |p: &&PostStream| p.takes_others && p.token.as_ref() == Some(&token);
                    self.posts.iter().rev().find(mine).map(|p| p.stream)
                });
                return match owner {
                    Some(stream) => self.keep_for(stream, data),
                    None => self.send_to_newest_post(data),
                };
            }
        };
        let on_feeding_thread = self
            .feeding
            .filter(|(thread, _)| *thread == thread::current().id())
            .map(|(_, stream)| stream);
        let waiting = on_feeding_thread
            .and_then(|stream| self.posts.iter().position(|p| p.stream == stream))
            .or_else(|| {
                let key = key.as_ref()?;
                self.posts.iter().position(|p| &p.key == key)
            });
        match waiting {
            Some(index) => {
                // The response ends its stream: dropping the sender closes the channel once
                // the response has been read.
                let stream = self.posts[index].stream;
                if self.posts[index].abandoned {
                    self.posts.remove(index);
                    return;
                }
                let copy = self.bugs.http_response_on_get.then(|| data.clone());
                if self.posts[index].takes_others {
                    self.keep_for(stream, data);
                    self.posts.remove(index);
                } else {
                    let post = self.posts.remove(index);
                    let sent = match &post.reader {
                        Some((_, tx)) => self.history.send(Origin::Body, tx, data),
                        None => Err(data),
                    };
                    if let Err(data) = sent {
                        return self.send_to_get(data);
                    }
                }
                if let (Some(copy), Some((open, tx))) = (copy, &self.get) {
                    let _ = self.history.send(Origin::Get(*open), tx, copy);
                }
            }
            None if key.is_none() => self.send_to_newest_post(data),
            None => self.send_to_get(data),
        }
    }

    /// Keeps `data` for the event stream `stream` of a live request and sends it to the
    /// stream's reader if it has one; drops it when the request was abandoned.
    fn keep_for(&mut self, stream: StreamId, data: Vec<u8>) {
        let Some(post) = self.posts.iter().find(|p| p.stream == stream) else {
            return;
        };
        if !post.abandoned {
            let reader = post.reader.as_ref().map(|(_, tx)| tx);
            self.history.keep(stream, reader, data);
        }
    }

    /// To the most recently opened POST stream that takes other messages and has a reader,
    /// else to the GET stream or its queue.
    fn send_to_newest_post(&mut self, mut data: Vec<u8>) {
        let open = self
            .posts
            .iter()
            .rev()
            .filter(|p| p.takes_others && !p.abandoned);
        for post in open {
            let Some((_, tx)) = &post.reader else {
                continue;
            };
            match self.history.send(Origin::Post(post.stream), tx, data) {
                Ok(()) => return,
                Err(back) => data = back,
            }
        }
        self.send_to_get(data);
    }

    /// To the open GET stream, else to the queue (dropping the oldest beyond [`QUEUE_CAP`]).
    fn send_to_get(&mut self, data: Vec<u8>) {
        let data = match &self.get {
            Some((open, tx)) => match self.history.send(Origin::Get(*open), tx, data) {
                Ok(()) => return,
                Err(back) => {
                    self.get = None;
                    back
                }
            },
            None => data,
        };
        self.queue.push_back(data);
        while self.queue.len() > QUEUE_CAP {
            self.queue.pop_front();
        }
    }
}

// ---- the core's writer ----------------------------------------------------------------------

/// The writer a session's core writes to: it collects bytes until the core flushes (after
/// every message), cuts them into messages and routes each one. It never blocks on a socket.
pub struct SessionWriter {
    routes: Arc<Mutex<Routes>>,
    pending: Vec<u8>,
}

impl Write for SessionWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::take(&mut self.pending);
        let mut routes = lock(&self.routes);
        for (data, value) in split_messages(&chunk) {
            routes.route(data, value.as_ref());
        }
        Ok(())
    }
}

/// Cuts what the core wrote between two flushes into messages, each with its parsed value
/// when it is JSON. Normally that is one compact line; wire knobs can make it a pretty-printed
/// message, two copies of one, a line that is not UTF-8 or a line of plain text.
fn split_messages(chunk: &[u8]) -> Vec<(Vec<u8>, Option<Value>)> {
    let chunk = chunk.trim_ascii();
    if chunk.is_empty() {
        return Vec::new();
    }
    // One message, perhaps spread over lines or with a byte that is not UTF-8.
    if let Ok(value) = serde_json::from_str::<Value>(&String::from_utf8_lossy(chunk)) {
        return vec![(chunk.to_vec(), Some(value))];
    }
    // Several JSON values back to back.
    let mut values = serde_json::Deserializer::from_slice(chunk).into_iter::<Value>();
    let mut messages = Vec::new();
    let mut start = 0;
    while let Some(next) = values.next() {
        let Ok(value) = next else {
            messages.clear();
            break;
        };
        let end = values.byte_offset();
        messages.push((chunk[start..end].trim_ascii().to_vec(), Some(value)));
        start = end;
    }
    if !messages.is_empty() {
        return messages;
    }
    // Anything else: one message per line.
    chunk
        .split(|b| *b == b'\n')
        .map(<[u8]>::trim_ascii)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let value = serde_json::from_str(&String::from_utf8_lossy(line)).ok();
            (line.to_vec(), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn waiter(key: &str, takes_others: bool) -> Waiter {
        Waiter {
            key: key.into(),
            token: None,
            takes_others,
        }
    }

    fn routes_with_post(key: &str, takes_others: bool) -> (Routes, StreamId, Receiver<Message>) {
        let mut routes = Routes::default();
        let (tx, rx) = mpsc::channel();
        let stream = routes.open_post(waiter(key, takes_others), tx);
        (routes, stream, rx)
    }

    fn route_json(routes: &mut Routes, value: Value) {
        routes.route(value.to_string().into_bytes(), Some(&value));
    }

    fn received(rx: &Receiver<Message>) -> Vec<(u64, Value)> {
        rx.try_iter()
            .map(|m| (m.event_id, serde_json::from_slice(&m.data).expect("JSON")))
            .collect()
    }

    #[test]
    fn compact_pretty_duplicate_and_text_output_is_cut_into_messages() {
        let one = split_messages(b"{\"id\":1,\"result\":{}}\n");
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].0, b"{\"id\":1,\"result\":{}}");
        let pretty = split_messages(b"{\n  \"id\": 1,\n  \"result\": {}\n}\r\n");
        assert_eq!(pretty.len(), 1);
        assert_eq!(pretty[0].1, Some(json!({"id":1,"result":{}})));
        let twice = split_messages(b"{\"id\":1}\n{\"id\":1}\n");
        assert_eq!(twice.len(), 2);
        assert_eq!(twice[1].0, b"{\"id\":1}");
        let latin1 = split_messages(b"{\"t\":\"caf\xE9\"}\n");
        assert_eq!(latin1[0].0, b"{\"t\":\"caf\xE9\"}");
        assert!(latin1[0].1.is_some());
        let both = split_messages(b"{\"t\":\"\xE9\"}\n{\"t\":\"\xE9\"}\n");
        assert_eq!(both.len(), 2);
        let text = split_messages(b"fixture server ready\n");
        assert_eq!(text, vec![(b"fixture server ready".to_vec(), None)]);
        assert!(split_messages(b"\n").is_empty());
    }

    #[test]
    fn a_response_ends_the_stream_waiting_for_its_id() {
        let (mut routes, _, rx) = routes_with_post("7", true);
        route_json(&mut routes, json!({"method":"notifications/progress"}));
        route_json(&mut routes, json!({"id":7,"result":{}}));
        assert!(routes.posts.is_empty());
        let got = received(&rx);
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].0, got[1].0), (1, 2));
        assert_eq!(got[1].1["id"], json!(7));
        // The sender is gone: the stream ends.
        assert!(rx.recv().is_err());
    }

    #[test]
    fn unmatched_responses_and_other_messages_queue_for_the_get_stream() {
        let mut routes = Routes::default();
        route_json(&mut routes, json!({"id":"x","result":{}}));
        route_json(&mut routes, json!({"id":"srv-1","method":"roots/list"}));
        assert_eq!(routes.queue.len(), 2);
        let (tx, rx) = mpsc::channel();
        let stream = routes.open_get(tx).expect("first GET");
        let (second, _) = mpsc::channel();
        assert_eq!(routes.open_get(second), Err(GetRefused::Conflict));
        route_json(&mut routes, json!({"method":"notifications/message"}));
        let ids: Vec<u64> = received(&rx).iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, vec![1, 2, 3]);
        routes.close(stream);
        assert!(routes.get.is_none());
    }

    #[test]
    fn the_queue_keeps_only_the_newest_messages() {
        let mut routes = Routes::default();
        for n in 0..QUEUE_CAP + 5 {
            route_json(&mut routes, json!({"method":"m","params":{"n":n}}));
        }
        assert_eq!(routes.queue.len(), QUEUE_CAP);
        let first: Value = serde_json::from_slice(&routes.queue[0]).expect("JSON");
        assert_eq!(first["params"]["n"], json!(5));
    }

    #[test]
    fn others_go_to_the_newest_stream_that_takes_them() {
        let (mut routes, _, older) = routes_with_post("1", true);
        let (tx, newer) = mpsc::channel();
        routes.open_post(waiter("2", true), tx);
        let (tx, init) = mpsc::channel();
        routes.open_post(waiter("3", false), tx);
        route_json(&mut routes, json!({"method":"notifications/message"}));
        assert_eq!(received(&newer).len(), 1);
        assert!(received(&older).is_empty());
        assert!(received(&init).is_empty());
    }

    #[test]
    fn a_response_written_while_feeding_answers_the_fed_request() {
        let (mut routes, stream, rx) = routes_with_post("1", true);
        let (tx, other) = mpsc::channel();
        routes.open_post(waiter("\"1\"", true), tx);
        routes.feeding = Some((thread::current().id(), stream));
        // An id mangled by a knob still ends the stream of the request being fed.
        route_json(&mut routes, json!({"id":"1","result":{}}));
        assert_eq!(received(&rx).len(), 1);
        assert!(received(&other).is_empty());
        // A second copy goes by id.
        route_json(&mut routes, json!({"id":"1","result":{}}));
        assert_eq!(received(&other).len(), 1);
    }

    fn progress(token: &str, n: u64) -> Value {
        json!({"method":"notifications/progress","params":{"progressToken":token,"progress":n}})
    }

    #[test]
    fn a_dropped_stream_keeps_its_messages_for_a_resumption() {
        let mut routes = Routes::default();
        let (tx, first) = mpsc::channel();
        let token = Waiter {
            key: "5".into(),
            token: Some(id_key(&json!("t"))),
            takes_others: true,
        };
        let stream = routes.open_post(token, tx);
        route_json(&mut routes, progress("t", 1));
        assert_eq!(received(&first).len(), 1);
        drop(first);
        assert_eq!(routes.release(stream, 0), None);
        // A later POST stream with a reader takes other messages, not the dropped one's.
        let (tx, other) = mpsc::channel();
        let second = routes.open_post(waiter("6", true), tx);
        route_json(&mut routes, progress("t", 2));
        route_json(&mut routes, json!({"method":"notifications/message"}));
        route_json(&mut routes, json!({"id":6,"result":{}}));
        assert_eq!(
            received(&other).iter().map(|m| m.0).collect::<Vec<_>>(),
            [3, 4]
        );
        // The other stream, answered already, replays only its own response.
        let other_resumed = routes.resume(3).expect("event 3 is kept");
        assert_eq!(other_resumed.reader, None);
        let replayed = received(&other_resumed.rx);
        assert_eq!(replayed.iter().map(|m| m.0).collect::<Vec<_>>(), [4]);
        assert!(routes.posts.iter().all(|p| p.stream != second));
        // Resuming from event 1 replays progress 2, then the response arrives live.
        let resumed = routes.resume(1).expect("event 1 is kept");
        assert_eq!(resumed.reader, Some((stream, 1)));
        route_json(&mut routes, json!({"id":5,"result":{}}));
        let got = received(&resumed.rx);
        assert_eq!(got.iter().map(|m| m.0).collect::<Vec<_>>(), [2, 5]);
        assert_eq!(got[1].1["id"], json!(5));
        assert!(
            resumed.rx.recv().is_err(),
            "the stream ends after its response"
        );
        assert!(routes.queue.is_empty(), "nothing went to the GET stream");
        // Once answered, the stream replays what was kept and ends.
        let again = routes.resume(2).expect("event 2 is kept");
        assert_eq!(again.reader, None);
        assert_eq!(
            received(&again.rx).iter().map(|m| m.0).collect::<Vec<_>>(),
            [5]
        );
        assert!(routes.resume(99).is_none(), "an event never sent");
    }

    #[test]
    fn a_second_resumption_takes_the_stream_over() {
        let (mut routes, stream, rx) = routes_with_post("1", true);
        route_json(&mut routes, json!({"method":"notifications/message"}));
        assert_eq!(received(&rx).len(), 1);
        let one = routes.resume(1).expect("kept");
        let two = routes.resume(1).expect("kept");
        assert!(one.rx.recv().is_err(), "the first resumption was cut off");
        // The old readers leaving does not detach the new one.
        assert_eq!(routes.release(stream, 0), None);
        assert_eq!(routes.release(stream, 1), None);
        route_json(&mut routes, json!({"id":1,"result":{}}));
        assert_eq!(received(&two.rx).len(), 1);
    }

    #[test]
    fn under_the_knob_a_dropped_stream_abandons_its_request() {
        let (mut routes, stream, rx) = routes_with_post("1", true);
        routes.bugs.http_disconnect_cancels = true;
        route_json(&mut routes, json!({"method":"notifications/message"}));
        drop(rx);
        assert_eq!(routes.release(stream, 0), Some("1".into()));
        assert_eq!(routes.release(stream, 0), None, "only once");
        let resumed = routes.resume(1).expect("kept");
        route_json(&mut routes, json!({"id":1,"result":{}}));
        assert!(routes.posts.is_empty());
        assert!(resumed.rx.try_recv().is_err(), "the response is dropped");
        assert!(routes.queue.is_empty(), "and not sent elsewhere");
    }

    #[test]
    fn under_the_knob_a_resumption_replays_other_streams_too() {
        for every in [false, true] {
            let (mut routes, _, rx) = routes_with_post("1", true);
            routes.bugs.http_resume_other_stream = every;
            route_json(&mut routes, json!({"method":"notifications/message"}));
            drop(rx);
            let (tx, _other) = mpsc::channel();
            routes.open_post(waiter("2", true), tx);
            route_json(&mut routes, json!({"id":2,"result":{}}));
            let resumed = routes.resume(1).expect("kept");
            assert_eq!(received(&resumed.rx).len(), usize::from(every));
        }
    }

    #[test]
    fn ended_routes_drop_everything() {
        let (mut routes, _, rx) = routes_with_post("1", true);
        routes.end();
        route_json(&mut routes, json!({"id":1,"result":{}}));
        assert!(rx.recv().is_err());
        assert!(routes.queue.is_empty());
        let (tx, _rx) = mpsc::channel();
        assert_eq!(routes.open_get(tx), Err(GetRefused::Gone));
    }

    #[test]
    fn responses_are_copied_to_the_open_get_stream_only_under_the_knob() {
        for copied in [false, true] {
            let (mut routes, _, post) = routes_with_post("1", true);
            routes.bugs.http_response_on_get = copied;
            let (tx, get) = mpsc::channel();
            routes.open_get(tx).expect("GET");
            route_json(&mut routes, json!({"id":1,"result":{}}));
            assert_eq!(received(&post).len(), 1);
            let on_get = received(&get);
            assert_eq!(on_get.len(), usize::from(copied), "{on_get:?}");
            if copied {
                assert_eq!(on_get[0].1, json!({"id":1,"result":{}}));
            }
        }
    }

    #[test]
    fn knob_session_id_shapes() {
        let numbered = Sessions::new(Bugs {
            http_sequential_session_ids: true,
            ..Bugs::default()
        });
        assert_eq!(numbered.fresh_id(), "session-1");
        assert_eq!(numbered.fresh_id(), "session-2");
        let spaced = Sessions::new(Bugs {
            http_session_id_space: true,
            ..Bugs::default()
        })
        .fresh_id();
        let (a, b) = spaced.split_once(' ').expect("a space");
        assert_eq!((a.len(), b.len()), (16, 16), "{spaced:?}");
        assert_eq!(Sessions::new(Bugs::default()).fresh_id().len(), 32);
    }

    #[test]
    fn session_ids_are_32_hex_digits_and_differ() {
        let a = random_id();
        let b = random_id();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
