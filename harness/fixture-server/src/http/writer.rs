//! The writer a session's server core writes to in the Streamable HTTP mode: it gathers the
//! bytes written between two flushes, cuts them into messages (also when wire knobs make them
//! pretty-printed, doubled, not UTF-8 or not JSON) and hands each one to the session's routes.
//! It does not decide where a message goes (`routes.rs`) and never touches a socket.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::routes::Routes;
use super::sessions::lock;

/// The writer a session's core writes to: it collects bytes until the core flushes (after
/// every message), cuts them into messages and routes each one. It never blocks on a socket.
pub struct SessionWriter {
    routes: Arc<Mutex<Routes>>,
    pending: Vec<u8>,
}

impl SessionWriter {
    /// A writer that hands every message to `routes`.
    pub fn new(routes: Arc<Mutex<Routes>>) -> Self {
        SessionWriter {
            routes,
            pending: Vec::new(),
        }
    }
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
}
