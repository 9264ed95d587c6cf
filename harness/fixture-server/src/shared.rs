//! State shared between the reading loop and the worker threads: the one locked writer every
//! message goes through, the in-flight requests that can be cancelled, the ids of every request
//! the server has sent, the server's own requests waiting for the client's answer, the server
//! request counter and the clock's counter. It holds no protocol logic.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;

use crate::bugs::Bugs;
use crate::output::Writer;
use crate::protocol::{Reply, id_key};

/// A cancel flag: set when the client cancels the request it belongs to.
pub type CancelFlag = Arc<AtomicBool>;

/// Everything the session's threads share.
pub struct Shared<W> {
    /// The enabled knobs.
    pub bugs: Bugs,
    out: Mutex<Writer<W>>,
    in_flight: Mutex<HashMap<String, CancelFlag>>,
    /// Keys ([`id_key`]) of every request the server has sent to the client.
    issued: Mutex<HashSet<String>>,
    waiting: Mutex<HashMap<String, Sender<Value>>>,
    next_request: AtomicU64,
    ticks: AtomicU64,
}

/// Locks `mutex`, carrying on with the data if another thread panicked while holding it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<W: Write> Shared<W> {
    /// Shared state writing to `out` with the wire-level knobs of `bugs`.
    pub fn new(bugs: Bugs, out: W) -> Arc<Self> {
        Arc::new(Shared {
            bugs,
            out: Mutex::new(Writer::new(out, bugs)),
            in_flight: Mutex::new(HashMap::new()),
            issued: Mutex::new(HashSet::new()),
            waiting: Mutex::new(HashMap::new()),
            next_request: AtomicU64::new(1),
            ticks: AtomicU64::new(0),
        })
    }

    /// Runs `send` with the writer locked, so that what it writes is never interleaved.
    pub fn write<R>(&self, send: impl FnOnce(&mut Writer<W>) -> io::Result<R>) -> io::Result<R> {
        send(&mut lock(&self.out))
    }

    /// Answers request `id` unless `cancelled` is set; the check and the write happen under the
    /// writer lock. Returns whether the answer was written.
    pub fn answer(&self, id: &Value, reply: Reply, cancelled: &AtomicBool) -> io::Result<bool> {
        self.write(|out| {
            if cancelled.load(Ordering::SeqCst) {
                return Ok(false);
            }
            out.reply(id, reply).map(|()| true)
        })
    }

    /// Sends a request to the client and remembers `id` as one the server issued. The id is
    /// recorded before the write, so that even the fastest answer is recognised.
    pub fn request(&self, id: &str, method: &str, params: Option<Value>) -> io::Result<()> {
        lock(&self.issued).insert(id_key(&Value::from(id)));
        self.write(|out| out.request(id, method, params))
    }

    /// True when the server has sent a request whose id is `id`.
    pub fn issued(&self, id: &Value) -> bool {
        lock(&self.issued).contains(&id_key(id))
    }

    /// A fresh id for a request from the server: `"srv-1"`, `"srv-2"`, ...
    pub fn next_request_id(&self) -> String {
        format!("srv-{}", self.next_request.fetch_add(1, Ordering::SeqCst))
    }

    /// Records request `id` as in flight and returns its cancel flag.
    pub fn track(&self, id: &Value) -> CancelFlag {
        let flag = CancelFlag::default();
        lock(&self.in_flight).insert(id_key(id), Arc::clone(&flag));
        flag
    }

    /// Forgets in-flight request `id`, if `flag` is still the one recorded for it.
    pub fn untrack(&self, id: &Value, flag: &CancelFlag) {
        let mut map = lock(&self.in_flight);
        let key = id_key(id);
        if map.get(&key).is_some_and(|f| Arc::ptr_eq(f, flag)) {
            map.remove(&key);
        }
    }

    /// The cancel flag of in-flight request `id`, if it is in flight.
    pub fn in_flight(&self, id: &Value) -> Option<CancelFlag> {
        lock(&self.in_flight).get(&id_key(id)).cloned()
    }

    /// True while any tracked request (a tools/call on a worker thread) is in flight.
    pub fn busy(&self) -> bool {
        !lock(&self.in_flight).is_empty()
    }

    /// Starts waiting for the client's answer to the server's request `server_id`.
    pub fn expect_answer(&self, server_id: &str) -> Receiver<Value> {
        let (tx, rx) = mpsc::channel();
        lock(&self.waiting).insert(id_key(&Value::from(server_id)), tx);
        rx
    }

    /// Stops waiting for an answer to `server_id`.
    pub fn forget_answer(&self, server_id: &str) {
        lock(&self.waiting).remove(&id_key(&Value::from(server_id)));
    }

    /// Hands the client's response `message` (whose id is `id`) to whoever waits for it.
    /// Returns false when nobody does.
    pub fn deliver(&self, id: &Value, message: Value) -> bool {
        let waiter = lock(&self.waiting).remove(&id_key(id));
        waiter.is_some_and(|tx| tx.send(message).is_ok())
    }

    /// The clock resource's counter.
    pub fn ticks(&self) -> u64 {
        self.ticks.load(Ordering::SeqCst)
    }

    /// Advances the clock resource's counter.
    pub fn tick(&self) {
        self.ticks.fetch_add(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_of_different_types_are_tracked_apart() {
        let shared = Shared::new(Bugs::default(), Vec::new());
        let one = shared.track(&json!(1));
        assert!(shared.in_flight(&json!("1")).is_none());
        assert!(shared.in_flight(&json!(1)).is_some());
        // A stale flag does not remove a newer request with the same id.
        let newer = shared.track(&json!(1));
        shared.untrack(&json!(1), &one);
        assert!(shared.in_flight(&json!(1)).is_some());
        shared.untrack(&json!(1), &newer);
        assert!(shared.in_flight(&json!(1)).is_none());
    }

    #[test]
    fn answers_reach_only_their_waiter() {
        let shared = Shared::new(Bugs::default(), Vec::new());
        let id = shared.next_request_id();
        assert_eq!(id, "srv-1");
        let rx = shared.expect_answer(&id);
        assert!(!shared.deliver(&json!("srv-9"), json!({})));
        assert!(shared.deliver(&json!("srv-1"), json!({"result": {}})));
        assert_eq!(rx.try_recv().ok(), Some(json!({"result": {}})));
        // Delivered once only.
        assert!(!shared.deliver(&json!("srv-1"), json!({})));
    }

    #[test]
    fn issued_requests_and_busy_state_are_remembered() {
        let shared = Shared::new(Bugs::default(), Vec::new());
        assert!(!shared.busy());
        let flag = shared.track(&json!("x"));
        assert!(shared.busy());
        shared.untrack(&json!("x"), &flag);
        assert!(!shared.busy());
        shared.request("srv-7", "ping", None).expect("vec write");
        assert!(shared.issued(&json!("srv-7")));
        assert!(!shared.issued(&json!("srv-8")));
        assert!(!shared.issued(&json!(7)));
    }

    #[test]
    fn cancelled_answers_are_not_written() {
        let shared = Shared::new(Bugs::default(), Vec::new());
        let flag = shared.track(&json!(5));
        flag.store(true, Ordering::SeqCst);
        let written = shared
            .answer(&json!(5), Reply::Result(json!({})), &flag)
            .expect("vec write");
        assert!(!written);
        let empty = shared.write(|w| Ok(w.sink().is_empty())).expect("no error");
        assert!(empty);
    }
}
