//! Server-sent event streams of the Streamable HTTP mode: the response head of a stream, the
//! encoding of one message as an event, and the loop that drains a stream's channel onto its
//! socket with keep-alive comments until the channel closes or the client leaves, shaped by the
//! stream knobs (content type, per-stream event ids, holding a finished stream open). It does
//! not decide which messages a stream gets (`routes.rs`).

use std::io::{self, Write};
use std::net::TcpStream;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::routes::Message;
use crate::bugs::Bugs;

/// Time without events after which a stream gets a `: keep-alive` comment.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How often an idle stream checks whether the client has closed the connection.
const PEER_CHECK: Duration = Duration::from_millis(250);

/// How long `http-sse-stays-open` holds a POST stream open after its response.
pub const HOLD_AFTER_RESPONSE: Duration = Duration::from_secs(5);

/// How one stream is written.
#[derive(Debug, Clone, Default)]
pub struct Style {
    /// The `Content-Type` announced (`text/event-stream` unless a knob says otherwise).
    pub content_type: &'static str,
    /// Extra header fields for the head.
    pub headers: Vec<(&'static str, String)>,
    /// Number events from 1 on this stream instead of using the session-wide ids.
    pub own_event_ids: bool,
    /// Keep the connection open this long after the channel closed.
    pub hold: Option<Duration>,
}

impl Style {
    /// The clean style with the knobs in `bugs` applied; `post` for the stream answering a
    /// POSTed request (the content type and hold knobs concern only those).
    pub fn new(bugs: &Bugs, post: bool, headers: Vec<(&'static str, String)>) -> Self {
        Style {
            content_type: if post && bugs.http_content_type_text_plain {
                "text/plain"
            } else {
                "text/event-stream"
            },
            headers,
            own_event_ids: bugs.http_duplicate_event_ids,
            hold: (post && bugs.http_sse_stays_open).then_some(HOLD_AFTER_RESPONSE),
        }
    }

    /// The head of the response: its body lasts until the connection closes.
    pub fn head(&self) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nCache-Control: no-cache\r\n",
            self.content_type
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("Connection: close\r\n\r\n");
        head.into_bytes()
    }
}

/// One message as an SSE event: its id, then one `data:` line per line of the message.
pub fn event(message: &Message) -> Vec<u8> {
    let mut bytes = format!("id: {}\n", message.event_id).into_bytes();
    for line in message.data.split(|b| *b == b'\n') {
        bytes.extend_from_slice(b"data: ");
        bytes.extend_from_slice(line.strip_suffix(b"\r").unwrap_or(line));
        bytes.push(b'\n');
    }
    bytes.push(b'\n');
    bytes
}

/// How [`pump`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The channel closed and everything sent on it was written.
    Drained,
    /// The client went away first (a write failed or it closed its side).
    ClientLeft,
}

/// Writes the stream head, then every message from `rx` as an event until the channel closes
/// (and, with [`Style::hold`], a while longer). Returns early when the client is gone.
pub fn pump(stream: &TcpStream, rx: &Receiver<Message>, style: &Style) -> Ended {
    drain(stream, rx, style).unwrap_or(Ended::ClientLeft)
}

fn drain(mut stream: &TcpStream, rx: &Receiver<Message>, style: &Style) -> io::Result<Ended> {
    stream.write_all(&style.head())?;
    let mut quiet_since = Instant::now();
    let mut sent = 0;
    loop {
        match rx.recv_timeout(PEER_CHECK) {
            Ok(mut message) => {
                sent += 1;
                if style.own_event_ids {
                    message.event_id = sent;
                }
                stream.write_all(&event(&message))?;
                quiet_since = Instant::now();
            }
            Err(RecvTimeoutError::Disconnected) => {
                if let Some(hold) = style.hold {
                    stream.flush()?;
                    hold_open(stream, hold);
                }
                return Ok(Ended::Drained);
            }
            Err(RecvTimeoutError::Timeout) => {
                if peer_closed(stream) {
                    return Ok(Ended::ClientLeft);
                }
                if quiet_since.elapsed() >= KEEP_ALIVE {
                    stream.write_all(b": keep-alive\n\n")?;
                    quiet_since = Instant::now();
                }
            }
        }
    }
}

/// Waits up to `hold` without writing, ending early when the client closes its side.
fn hold_open(stream: &TcpStream, hold: Duration) {
    let start = Instant::now();
    while start.elapsed() < hold {
        if peer_closed(stream) {
            return;
        }
        std::thread::sleep(PEER_CHECK.min(hold.saturating_sub(start.elapsed())));
    }
}

/// True when the client has closed its side of the connection (nothing it could still send
/// matters: one request per connection).
pub fn peer_closed(stream: &TcpStream) -> bool {
    if stream
        .set_read_timeout(Some(Duration::from_millis(1)))
        .is_err()
    {
        return true;
    }
    let mut byte = [0u8; 1];
    match stream.peek(&mut byte) {
        Ok(0) => true,
        // Bytes sent after the request are left alone; a write failure will tell.
        Ok(_) => false,
        Err(e) => !matches!(
            e.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::{HOLD_AFTER_RESPONSE, Message, Style, event};
    use crate::bugs::Bugs;

    #[test]
    fn the_clean_style_and_the_stream_knobs() {
        let clean = Style::new(&Bugs::default(), true, Vec::new());
        assert_eq!(
            clean.head(),
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\
              Cache-Control: no-cache\r\nConnection: close\r\n\r\n"
        );
        assert!(!clean.own_event_ids && clean.hold.is_none());
        let bugs = Bugs {
            http_content_type_text_plain: true,
            http_sse_stays_open: true,
            http_duplicate_event_ids: true,
            ..Bugs::default()
        };
        let post = Style::new(&bugs, true, vec![("Mcp-Session-Id", "x".into())]);
        let head = String::from_utf8(post.head()).expect("ASCII");
        assert!(head.contains("Content-Type: text/plain\r\n"), "{head}");
        assert!(head.contains("Mcp-Session-Id: x\r\n"), "{head}");
        assert_eq!(post.hold, Some(HOLD_AFTER_RESPONSE));
        let get = Style::new(&bugs, false, Vec::new());
        assert_eq!(get.content_type, "text/event-stream");
        assert!(get.own_event_ids && get.hold.is_none());
    }

    #[test]
    fn multi_line_messages_become_several_data_lines() {
        let one = Message {
            event_id: 3,
            data: b"{\"a\":1}".to_vec(),
        };
        assert_eq!(event(&one), b"id: 3\ndata: {\"a\":1}\n\n");
        let pretty = Message {
            event_id: 4,
            data: b"{\r\n  \"a\": 1\r\n}".to_vec(),
        };
        assert_eq!(
            event(&pretty),
            b"id: 4\ndata: {\ndata:   \"a\": 1\ndata: }\n\n"
        );
    }
}
