//! Resumable streams of the Streamable HTTP mode: the per-session event numbering with the
//! bounded history of the events that went out (or were kept) on event streams, the choice of
//! what a stream resumed with `Last-Event-ID` replays (and the `http-resume-other-stream`
//! knob), and the GET that resumes a POST stream. It does not route messages to streams or
//! hand a dropped POST stream over to its resumption (`routes.rs`), nor write events on sockets
//! (`sse.rs`).

use std::collections::VecDeque;
use std::net::TcpStream;
use std::sync::mpsc::Sender;

use super::request::Head;
use super::routes::{Message, StreamId};
use super::sessions::{Session, Sessions};
use super::sse;

/// Most events a session keeps for replay; the oldest go first.
pub const HISTORY_CAP: usize = 1000;

/// The kind of stream an event went out on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The event stream answering a POSTed request.
    Post(StreamId),
    /// The session's standalone GET stream.
    Get(StreamId),
    /// Not an event stream (the JSON body answering `initialize` or a refused message): the
    /// message takes an event number but is not kept.
    Body,
}

/// One kept event.
#[derive(Debug, Clone)]
struct Kept {
    origin: Origin,
    message: Message,
}

/// A session's event numbers and the events it keeps for replay.
#[derive(Debug, Default)]
pub struct History {
    /// The id of the last event numbered (ids start at 1).
    last: u64,
    /// Kept events, in id order, at most [`HISTORY_CAP`].
    kept: VecDeque<Kept>,
}

impl History {
    /// Sends `data` on `tx` under the next event id and keeps it for `origin`. Gives the data
    /// back, using no id, when the receiver is gone.
    pub fn send(
        &mut self,
        origin: Origin,
        tx: &Sender<Message>,
        data: Vec<u8>,
    ) -> Result<(), Vec<u8>> {
        let message = Message {
            event_id: self.last + 1,
            data,
        };
        let copy = (origin != Origin::Body).then(|| message.clone());
        match tx.send(message) {
            Ok(()) => {
                self.last += 1;
                if let Some(copy) = copy {
                    self.push(origin, copy);
                }
                Ok(())
            }
            Err(failed) => Err(failed.0.data),
        }
    }

    /// Numbers `data` and keeps it for the POST stream `stream`, whether or not a client reads
    /// that stream now; `reader` gets it too when there is one (and is still listening).
    pub fn keep(&mut self, stream: StreamId, reader: Option<&Sender<Message>>, data: Vec<u8>) {
        self.last += 1;
        let message = Message {
            event_id: self.last,
            data,
        };
        if let Some(tx) = reader {
            let _ = tx.send(message.clone());
        }
        self.push(Origin::Post(stream), message);
    }

    fn push(&mut self, origin: Origin, message: Message) {
        self.kept.push_back(Kept { origin, message });
        while self.kept.len() > HISTORY_CAP {
            self.kept.pop_front();
        }
    }

    /// The POST stream that the kept event `id` went out on.
    pub fn post_stream_of(&self, id: u64) -> Option<StreamId> {
        let at = self.kept.partition_point(|k| k.message.event_id < id);
        match self.kept.get(at) {
            Some(Kept {
                origin: Origin::Post(stream),
                message,
            }) if message.event_id == id => Some(*stream),
            _ => None,
        }
    }

    /// The kept events after event `id` to replay when POST stream `stream` is resumed: only
    /// that stream's, or with `every_stream` (the `http-resume-other-stream` knob) those of
    /// all the session's streams.
    pub fn replay(&self, id: u64, stream: StreamId, every_stream: bool) -> Vec<Message> {
        let at = self.kept.partition_point(|k| k.message.event_id <= id);
        self.kept
            .range(at..)
            .filter(|k| every_stream || k.origin == Origin::Post(stream))
            .map(|k| k.message.clone())
            .collect()
    }

    /// Forgets every kept event (the numbering goes on).
    pub fn clear(&mut self) {
        self.kept.clear();
    }
}

/// The event id in `Last-Event-ID`, when it is one this server could have issued (a decimal
/// number).
pub fn last_event_id(head: &Head) -> Option<u64> {
    head.header("last-event-id")?.trim().parse().ok()
}

/// GET with `Last-Event-ID: last`: when `last` is a kept event of one of `session`'s POST
/// streams, streams that stream's later events and returns true; otherwise answers nothing
/// and returns false (the caller serves a plain GET).
pub fn serve(
    stream: &TcpStream,
    session: &Session,
    sessions: &Sessions,
    last: u64,
    headers: &[(&'static str, String)],
) -> bool {
    let bugs = sessions.bugs();
    let Some(resumed) = session.resume(last) else {
        return false;
    };
    let style = sse::Style::new(&bugs, false, headers.to_vec());
    let ended = sse::pump(stream, &resumed.rx, &style);
    if let Some((post, reader)) = resumed.reader
        && (ended == sse::Ended::ClientLeft || sse::peer_closed(stream))
    {
        session.release(sessions, post, reader);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::{HISTORY_CAP, History, Origin};
    use std::sync::mpsc;

    fn ids(messages: &[super::Message]) -> Vec<u64> {
        messages.iter().map(|m| m.event_id).collect()
    }

    #[test]
    fn events_are_numbered_and_kept_per_stream() {
        let mut history = History::default();
        let (tx, rx) = mpsc::channel();
        history
            .send(Origin::Body, &tx, b"init".to_vec())
            .expect("sent");
        history
            .send(Origin::Post(2), &tx, b"a".to_vec())
            .expect("sent");
        history.keep(2, None, b"b".to_vec());
        history
            .send(Origin::Post(3), &tx, b"c".to_vec())
            .expect("sent");
        history
            .send(Origin::Get(4), &tx, b"d".to_vec())
            .expect("sent");
        history.keep(2, Some(&tx), b"e".to_vec());
        assert_eq!(ids(&rx.try_iter().collect::<Vec<_>>()), vec![1, 2, 4, 5, 6]);
        // The JSON body is numbered but not kept; GET events are kept but not resumable.
        assert_eq!(history.post_stream_of(1), None);
        assert_eq!(history.post_stream_of(2), Some(2));
        assert_eq!(history.post_stream_of(4), Some(3));
        assert_eq!(history.post_stream_of(5), None);
        assert_eq!(history.post_stream_of(99), None);
        assert_eq!(ids(&history.replay(2, 2, false)), vec![3, 6]);
        assert_eq!(ids(&history.replay(3, 2, false)), vec![6]);
        assert_eq!(ids(&history.replay(2, 2, true)), vec![3, 4, 5, 6]);
        assert_eq!(history.replay(6, 2, true), Vec::new());
    }

    #[test]
    fn a_closed_receiver_uses_no_event_id() {
        let mut history = History::default();
        let (tx, rx) = mpsc::channel();
        drop(rx);
        assert_eq!(
            history.send(Origin::Post(1), &tx, b"x".to_vec()),
            Err(b"x".to_vec())
        );
        history.keep(1, Some(&tx), b"y".to_vec());
        assert_eq!(history.post_stream_of(1), Some(1));
        assert_eq!(history.replay(0, 1, false)[0].data, b"y");
    }

    #[test]
    fn only_the_newest_events_are_kept() {
        let mut history = History::default();
        for _ in 0..HISTORY_CAP + 10 {
            history.keep(1, None, b"p".to_vec());
        }
        assert_eq!(history.post_stream_of(10), None);
        assert_eq!(history.post_stream_of(11), Some(1));
        assert_eq!(history.replay(0, 1, false).len(), HISTORY_CAP);
        history.clear();
        assert_eq!(history.post_stream_of(HISTORY_CAP as u64), None);
        history.keep(1, None, b"q".to_vec());
        let next = (HISTORY_CAP + 11) as u64;
        assert_eq!(history.post_stream_of(next), Some(1));
    }
}
