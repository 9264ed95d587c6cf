//! Server-sent event streams of the Streamable HTTP mode: the response head of a stream, the
//! encoding of one message as an event, and the loop that drains a stream's channel onto its
//! socket with keep-alive comments until the channel closes or the client leaves. It does not
//! decide which messages a stream gets (`sessions.rs`).

use std::io::{self, Write};
use std::net::TcpStream;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::sessions::Message;

/// Time without events after which a stream gets a `: keep-alive` comment.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How often an idle stream checks whether the client has closed the connection.
const PEER_CHECK: Duration = Duration::from_millis(250);

/// The head of an event-stream response: its body lasts until the connection closes.
pub const STREAM_HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\
Cache-Control: no-cache\r\nConnection: close\r\n\r\n";

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

/// Writes the stream head, then every message from `rx` as an event until the channel closes.
/// Returns early when the client is gone (a write fails or it closed its side).
pub fn pump(mut stream: &TcpStream, rx: &Receiver<Message>) -> io::Result<()> {
    stream.write_all(STREAM_HEAD)?;
    let mut quiet_since = Instant::now();
    loop {
        match rx.recv_timeout(PEER_CHECK) {
            Ok(message) => {
                stream.write_all(&event(&message))?;
                quiet_since = Instant::now();
            }
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
            Err(RecvTimeoutError::Timeout) => {
                if peer_closed(stream) {
                    return Ok(());
                }
                if quiet_since.elapsed() >= KEEP_ALIVE {
                    stream.write_all(b": keep-alive\n\n")?;
                    quiet_since = Instant::now();
                }
            }
        }
    }
}

/// True when the client has closed its side of the connection (nothing it could still send
/// matters: one request per connection).
fn peer_closed(stream: &TcpStream) -> bool {
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
    use super::{Message, event};

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
