//! Stream routing of one Streamable HTTP session: where each message its server core writes
//! goes (a response to the POST stream waiting for its request, progress to the stream that
//! owns its token, anything else to the newest POST event stream with a reader, else to the
//! GET stream or its bounded queue), and the hand-off of a POST stream from a client that
//! dropped it to a GET that resumes it with `Last-Event-ID` (or, under
//! `http-disconnect-cancels`, the giving up of its request).
//!
//! It does not own the server core or the session table (`sessions.rs`), cut the core's output
//! into messages (`writer.rs`), number or keep events (`resume.rs`) or touch sockets: streams
//! are channels that the connection threads drain.

use std::collections::VecDeque;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::{self, ThreadId};

use serde_json::Value;

use super::resume::{History, Origin};
use crate::bugs::Bugs;
use crate::protocol::id_key;

/// Most messages a session keeps for a GET stream that is not open; the oldest go first.
pub const QUEUE_CAP: usize = 1000;

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
pub struct Waiter {
    /// [`id_key`] of the request's id.
    pub key: String,
    /// [`id_key`] of the request's `_meta.progressToken`.
    pub token: Option<String>,
    /// Whether it is an event stream (see [`PostStream::takes_others`]).
    pub takes_others: bool,
}

/// Why a GET stream could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetRefused {
    /// The session already has an open GET stream.
    Conflict,
    /// The session has ended.
    Gone,
}

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
pub struct Routes {
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
    /// Empty routes for a session running with `bugs`.
    pub fn new(bugs: Bugs) -> Self {
        Routes {
            bugs,
            ..Routes::default()
        }
    }

    /// Opens a POST stream for `waiter`, the request about to be fed to the core on this
    /// thread: a response the core writes on this thread before [`Routes::fed`] answers it.
    /// `None` once the session has ended.
    pub fn open_fed(&mut self, waiter: Waiter, tx: Sender<Message>) -> Option<StreamId> {
        if self.ended {
            return None;
        }
        let stream = self.open_post(waiter, tx);
        self.feeding = Some((thread::current().id(), stream));
        Some(stream)
    }

    /// The core has finished with the message fed on this thread.
    pub fn fed(&mut self) {
        self.feeding = None;
    }

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

    pub fn open_get(&mut self, tx: Sender<Message>) -> Result<StreamId, GetRefused> {
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

    pub fn close(&mut self, stream: StreamId) {
        self.posts.retain(|post| post.stream != stream);
        if self.get.as_ref().is_some_and(|(open, _)| *open == stream) {
            self.get = None;
        }
    }

    /// See [`super::sessions::Session::release`]; returns the id key of a request to cancel.
    pub fn release(&mut self, stream: StreamId, reader: u64) -> Option<String> {
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

    /// See [`super::sessions::Session::resume`].
    pub fn resume(&mut self, last: u64) -> Option<Resumed> {
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

    pub fn end(&mut self) {
        self.ended = true;
        self.posts.clear();
        self.get = None;
        self.queue.clear();
        self.history.clear();
        self.feeding = None;
    }

    /// Delivers one message the core wrote.
    pub fn route(&mut self, data: Vec<u8>, value: Option<&Value>) {
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

#[cfg(test)]
mod tests;
