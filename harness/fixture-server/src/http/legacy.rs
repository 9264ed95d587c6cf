//! The `http-legacy-only` knob: the endpoint behaves like a server that offers only the
//! 2024-11-05 HTTP+SSE transport. POST (and anything but GET) gets 405, and GET opens an event
//! stream whose first event names a message endpoint, kept open by comments for a while. It is
//! not an implementation of that transport: posting to the named endpoint serves nothing.

use std::io::{self, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use super::request::Head;
use super::sessions::random_id;
use super::{response, sse};
use crate::protocol::INVALID_REQUEST;

/// The only method served.
pub const ALLOW: &str = "GET";
/// How long the stream stays open at most.
const OPEN_FOR: Duration = Duration::from_secs(10);
/// Time between two keep-alive comments.
const COMMENT_EVERY: Duration = Duration::from_secs(1);

/// The `endpoint` event a legacy server opens its stream with.
fn endpoint_event(session: &str) -> String {
    format!(
        "event: endpoint\ndata: {}?sessionId={session}\n\n",
        super::PATH
    )
}

/// Answers a GET: the event stream when the client accepts one.
pub fn get(stream: &TcpStream, head: &Head) {
    if !head.accepts("text/event-stream") {
        let message = "GET needs Accept: text/event-stream";
        return response::error(stream, 406, INVALID_REQUEST, message, &[]);
    }
    let _ = pump(stream);
}

/// Writes the head and the endpoint event, then a comment every second until [`OPEN_FOR`] has
/// passed or the client has gone.
fn pump(mut stream: &TcpStream) -> io::Result<()> {
    stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\
          Connection: close\r\n\r\n",
    )?;
    stream.write_all(endpoint_event(&random_id()).as_bytes())?;
    let start = Instant::now();
    let mut last_comment = Instant::now();
    while start.elapsed() < OPEN_FOR {
        if sse::peer_closed(stream) {
            return Ok(());
        }
        if last_comment.elapsed() >= COMMENT_EVERY {
            stream.write_all(b": waiting\n\n")?;
            last_comment = Instant::now();
        }
        thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::endpoint_event;

    #[test]
    fn the_endpoint_event_names_the_message_path() {
        assert_eq!(
            endpoint_event("abc"),
            "event: endpoint\ndata: /mcp?sessionId=abc\n\n"
        );
    }
}
