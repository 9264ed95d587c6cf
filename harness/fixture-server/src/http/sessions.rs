//! The session table of the Streamable HTTP mode: one server core per MCP session, its ids
//! (and the id-shape knobs), and the feeding of messages to a session's core, each request
//! with a POST stream opened for its answer. A crash of the core ends its session.
//!
//! It does not route what the core writes (`routes.rs`, including the hand-off of a dropped
//! POST stream to a resuming GET), cut the core's output into messages (`writer.rs`), keep
//! event history (`resume.rs`), parse HTTP or write responses.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::process;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::routes::{GetRefused, Message, Resumed, Routes, StreamId, Waiter};
use super::writer::SessionWriter;
use crate::bugs::Bugs;
use crate::server::{Flow, Server};

/// A server core driven by the HTTP mode.
type Core = Server<SessionWriter>;

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
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
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
        let parsed = serde_json::from_str::<Value>(&String::from_utf8_lossy(&response.data)).ok();
        let succeeded = parsed
            .as_ref()
            .is_some_and(|v| v.get("result").is_some() && v.get("error").is_none());
        if !succeeded {
            self.end(&session);
            return Init::Refused {
                response: response.data,
            };
        }
        let negotiated = parsed
            .as_ref()
            .and_then(|v| v.pointer("/result/protocolVersion"))
            .and_then(Value::as_str);
        if let Some(version) = negotiated {
            // The session is new and not yet in the table: nothing else has set it.
            let _ = session.version.set(version.to_owned());
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
    /// The `protocolVersion` the core answered `initialize` with (unset when its result
    /// carried no string there).
    version: OnceLock<String>,
    /// Held while a message is fed to the core, never while waiting on the network.
    core: Mutex<Option<Core>>,
    routes: Arc<Mutex<Routes>>,
}

impl Session {
    fn new(id: String, serial: u64, bugs: Bugs) -> Self {
        let routes = Arc::new(Mutex::new(Routes::new(bugs)));
        let writer = SessionWriter::new(Arc::clone(&routes));
        let mut core = Server::new(bugs, writer);
        // The writer only fills channels and a queue; it cannot fail.
        let _ = core.start();
        Session {
            id,
            serial,
            version: OnceLock::new(),
            core: Mutex::new(Some(core)),
            routes,
        }
    }

    /// The protocol version negotiated for this session, as the core's `initialize` result
    /// named it.
    pub fn version(&self) -> Option<&str> {
        self.version.get().map(String::as_str)
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
                let stream = lock(&self.routes).open_fed(waiter, tx).ok_or(Gone)?;
                Some((stream, rx))
            }
            None => None,
        };
        let flow = server.handle_candidate(bytes);
        lock(&self.routes).fed();
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

#[cfg(test)]
mod tests {
    use super::*;

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
