//! The wire log: every byte exchange of a session as self-describing entries with millisecond
//! offsets, capped in count and size so a flooding server cannot exhaust memory.
//!
//! Not a renderer: the report crate's `WireEntry` is the format; this module only records.

use std::time::Instant;

use mcpspec_report::WireEntry;
use serde_json::Value;

/// Entries kept per session; later ones are counted, not stored.
const MAX_ENTRIES: usize = 20_000;
/// Messages bigger than this are stored as a text excerpt, not as JSON.
const MAX_JSON_BYTES: usize = 64 * 1024;
/// Length of a text excerpt.
const TEXT_EXCERPT: usize = 2048;

/// A session's wire log.
#[derive(Debug)]
pub struct WireLog {
    started: Instant,
    entries: Vec<WireEntry>,
    dropped: usize,
}

/// Direction of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Harness to server.
    Out,
    /// Server to harness.
    In,
    /// The harness's own observation (exit, timeout, note).
    Local,
}

impl Dir {
    fn as_str(self) -> &'static str {
        match self {
            Dir::Out => "out",
            Dir::In => "in",
            Dir::Local => "local",
        }
    }
}

impl WireLog {
    /// A new, empty log whose clock starts now.
    pub fn new() -> Self {
        WireLog {
            started: Instant::now(),
            entries: Vec::new(),
            dropped: 0,
        }
    }

    /// Milliseconds since the log started.
    pub fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Number of entries stored so far (an index for slicing a case's part).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing was logged yet.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries stored from index `from` on.
    pub fn since(&self, from: usize) -> &[WireEntry] {
        self.entries.get(from..).unwrap_or(&[])
    }

    /// How many entries were dropped over the cap.
    pub fn dropped(&self) -> usize {
        self.dropped
    }

    /// Logs a JSON message of `raw_len` bytes.
    pub fn message(&mut self, dir: Dir, value: &Value, raw_len: usize) {
        if raw_len > MAX_JSON_BYTES {
            let text = value.to_string();
            self.push(dir, "message", None, Some(excerpt(&text)), true);
        } else {
            self.push(dir, "message", Some(value.clone()), None, false);
        }
    }

    /// Logs raw bytes (not a JSON message, or sent raw).
    pub fn raw(&mut self, dir: Dir, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        let truncated = text.len() > TEXT_EXCERPT;
        self.push(dir, "raw", None, Some(excerpt(&text)), truncated);
    }

    /// Logs a line of text of the given kind (`stderr`, `note`, `exit`, `closed`).
    pub fn text(&mut self, dir: Dir, kind: &str, text: &str) {
        let truncated = text.len() > TEXT_EXCERPT;
        self.push(dir, kind, None, Some(excerpt(text)), truncated);
    }

    fn push(
        &mut self,
        dir: Dir,
        kind: &str,
        json: Option<Value>,
        text: Option<String>,
        truncated: bool,
    ) {
        if self.entries.len() >= MAX_ENTRIES {
            self.dropped += 1;
            return;
        }
        let t_ms = self.now_ms();
        self.entries.push(WireEntry {
            t_ms,
            dir: dir.as_str().to_string(),
            kind: kind.to_string(),
            json,
            text,
            truncated,
        });
    }
}

impl Default for WireLog {
    fn default() -> Self {
        Self::new()
    }
}

/// The first `TEXT_EXCERPT` bytes of `text`, cut on a char boundary.
pub fn excerpt(text: &str) -> String {
    if text.len() <= TEXT_EXCERPT {
        return text.to_string();
    }
    let mut end = TEXT_EXCERPT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// A copy of `entries` fit for a report excerpt: at most `max` entries, each JSON value larger
/// than `max_bytes` replaced by a text excerpt.
pub fn report_excerpt(
    entries: &[WireEntry],
    max: usize,
    max_bytes: usize,
) -> (Vec<WireEntry>, bool) {
    let mut out = Vec::new();
    for e in entries.iter().take(max) {
        let mut e = e.clone();
        if let Some(json) = &e.json {
            let text = json.to_string();
            if text.len() > max_bytes {
                let mut end = max_bytes;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                e.text = Some(format!("{}…", &text[..end]));
                e.json = None;
                e.truncated = true;
            }
        }
        if let Some(text) = &e.text
            && text.len() > max_bytes
        {
            let mut end = max_bytes;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            e.text = Some(format!("{}…", &text[..end]));
            e.truncated = true;
        }
        out.push(e);
    }
    (out, entries.len() > max)
}
