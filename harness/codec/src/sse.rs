//! Incremental parser for the `text/event-stream` format (the WHATWG "server-sent events" wire
//! format) as MCP's Streamable HTTP transport uses it, plus a serialiser for single events.
//!
//! This module only turns bytes into events, comments and notes about malformed input. It does
//! no I/O, does not read HTTP headers, does not parse `data` as JSON and keeps nothing from one
//! event to the next: the last event ID and the reconnection time are the caller's business
//! (the harness does the resumption bookkeeping from the raw per-event fields).
//!
//! Decisions where the format leaves room or where a harness needs more than a browser:
//!
//! - **Dispatch.** A blank line dispatches an event only if the block had at least one `data`
//!   line. This is exactly the format's rule: each `data` line appends its value plus a line
//!   feed to the data buffer, and only a buffer that is still completely empty suppresses the
//!   dispatch. So `data:` alone (or MCP's priming event `id: 0` + `data: `) yields an event with
//!   `data == ""`, while a block of only `id:`/`event:`/`retry:` lines yields nothing; its
//!   fields are dropped with it (a browser would still remember such an `id` and `retry`).
//! - **Raw fields.** [`SseEvent::event`], [`SseEvent::id`] and [`SseEvent::retry`] are the values
//!   seen in that block (the last one wins), `None` when the block had no such line; nothing is
//!   inherited from earlier events and no default type `"message"` is filled in.
//! - **Ignored input is reported.** Lines the format says to ignore come out as
//!   [`SseItem::BadField`]: unknown field names (names are case-sensitive), `retry` values that
//!   are not all ASCII digits (or do not fit in a `u64`) and `id` values containing NUL. Comment
//!   lines come out as [`SseItem::Comment`] with the text after the colon, untouched.
//! - **UTF-8.** The format decodes with replacement characters. A line with invalid UTF-8 gives
//!   [`SseItem::NotUtf8`] first and is then processed with U+FFFD in place of the bad bytes.
//! - **Memory.** The size of an event is the byte count of its field lines (line terminators and
//!   comment lines excluded; a line with invalid UTF-8 counts as decoded, each replacement
//!   character as three bytes) plus the raw bytes of the line being received. When it exceeds
//!   `max_event_bytes`, [`SseItem::Oversize`] is reported at once and everything up to the next
//!   blank line is skipped without being stored; a blank line ends the skipping without
//!   dispatching.
//! - **End of stream.** An unfinished event (field lines without their blank line, or an
//!   unterminated last line) is reported as [`SseItem::Incomplete`] and never dispatched.
//!
//! The sequence of items depends only on the bytes, never on how they were split into chunks
//! (splits inside "\r\n", inside a UTF-8 sequence or inside the byte order mark included).

use std::borrow::Cow;
use std::fmt;

/// The UTF-8 byte order mark, skipped once at the very start of a stream.
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// One dispatched event with the raw fields of its block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The value of the block's last `event` line; `None` if it had none (a browser would then
    /// use the type `"message"`).
    pub event: Option<String>,
    /// The values of the block's `data` lines joined with "\n" (`""` for a single empty line).
    pub data: String,
    /// The value of the block's last valid `id` line (values containing NUL are ignored); `None`
    /// if it had none. Not inherited from earlier events.
    pub id: Option<String>,
    /// The value of the block's last valid `retry` line, in milliseconds.
    pub retry: Option<u64>,
}

/// One thing found in the stream, in stream order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseItem {
    /// A complete event (its block ended with a blank line and had at least one `data` line).
    Event(SseEvent),
    /// A comment line: the text after the leading colon, exactly as sent (a space is kept).
    Comment(String),
    /// An event grew beyond the limit; it is dropped and input is skipped up to the next blank
    /// line. Reported once per dropped event.
    Oversize {
        /// The limit that was exceeded, in bytes.
        limit: usize,
    },
    /// A line was not valid UTF-8; it is processed with U+FFFD in place of the bad bytes.
    /// Reported once per such line, before anything the line produces.
    NotUtf8,
    /// The stream ended inside an event, which is therefore not dispatched.
    Incomplete {
        /// The size of the unfinished event as counted for the limit.
        bytes: usize,
    },
    /// A field line the format says to ignore: an unknown field name, a `retry` value that is
    /// not a decimal number, or an `id` value containing NUL. It has no effect on the event.
    BadField {
        /// The whole line (lossily decoded), without its terminator.
        line: String,
    },
}

/// The fields collected so far for the event being received.
#[derive(Debug, Default)]
struct PendingEvent {
    /// Bytes of the event's field lines (terminators and comments excluded).
    bytes: usize,
    /// True once a `data` line was seen: the event will be dispatched.
    has_data: bool,
    /// The data lines joined with "\n".
    data: String,
    /// Last `event` value.
    event: Option<String>,
    /// Last valid `id` value.
    id: Option<String>,
    /// Last valid `retry` value.
    retry: Option<u64>,
}

/// Incremental `text/event-stream` parser: push arbitrary chunks, get the items they complete.
///
/// Lines end with "\r\n", "\n" or a lone "\r"; a "\r" at the end of one chunk followed by "\n"
/// at the start of the next counts as one terminator. After [`SseParser::finish`] the parser is
/// back in its initial state and may be reused for a new stream.
pub struct SseParser {
    /// Largest event size in bytes.
    limit: usize,
    /// While the start of the stream is still being checked for a BOM: how many BOM bytes have
    /// matched so far. `None` once decided.
    bom_matched: Option<usize>,
    /// The line being received, without terminator.
    line: Vec<u8>,
    /// The previous byte was a "\r" terminator: a "\n" right after it belongs to it.
    skip_lf: bool,
    /// Skipping the rest of an oversize event until a blank line.
    discarding: bool,
    /// While discarding: no byte has been seen since the last terminator.
    at_line_start: bool,
    /// The event being received.
    event: PendingEvent,
}

impl fmt::Debug for SseParser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SseParser")
            .field("limit", &self.limit)
            .field("pending_line_bytes", &self.line.len())
            .field("pending_event_bytes", &self.event.bytes)
            .field("discarding", &self.discarding)
            .finish()
    }
}

impl SseParser {
    /// Creates a parser that drops events larger than `max_event_bytes` (see the module docs for
    /// how an event is measured).
    pub fn new(max_event_bytes: usize) -> Self {
        Self {
            limit: max_event_bytes,
            bom_matched: Some(0),
            line: Vec::new(),
            skip_lf: false,
            discarding: false,
            at_line_start: false,
            event: PendingEvent::default(),
        }
    }

    /// Feeds bytes; returns the items they complete, in order.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<SseItem> {
        let mut out = Vec::new();
        let mut rest = chunk;
        while let Some(matched) = self.bom_matched {
            let Some((&first, tail)) = rest.split_first() else {
                break;
            };
            if first == BOM[matched] {
                rest = tail;
                self.bom_matched = (matched + 1 < BOM.len()).then_some(matched + 1);
            } else {
                // Not a BOM after all: what matched so far is ordinary content.
                self.bom_matched = None;
                self.feed(&BOM[..matched], &mut out);
            }
        }
        self.feed(rest, &mut out);
        out
    }

    /// End of stream: reports an unfinished event as [`SseItem::Incomplete`] (never dispatched)
    /// and resets the parser.
    pub fn finish(&mut self) -> Vec<SseItem> {
        let mut out = Vec::new();
        if let Some(matched) = self.bom_matched.take() {
            self.feed(&BOM[..matched], &mut out);
        }
        if !self.discarding {
            let bytes = self.event.bytes + self.line.len();
            if bytes > 0 {
                out.push(SseItem::Incomplete { bytes });
            }
        }
        *self = Self::new(self.limit);
        out
    }

    /// Bytes currently held for the pending line and event (lengths, not capacities). Never
    /// more than `max_event_bytes`.
    #[doc(hidden)]
    pub fn buffered_len(&self) -> usize {
        self.line.len()
            + self.event.data.len()
            + self.event.event.as_ref().map_or(0, String::len)
            + self.event.id.as_ref().map_or(0, String::len)
    }

    /// Splits content bytes into lines and processes each complete one.
    fn feed(&mut self, mut rest: &[u8], out: &mut Vec<SseItem>) {
        while !rest.is_empty() {
            if std::mem::take(&mut self.skip_lf) && rest[0] == b'\n' {
                rest = &rest[1..];
                continue;
            }
            let (segment, terminator) = match rest.iter().position(|&b| b == b'\r' || b == b'\n') {
                Some(at) => {
                    let parts = (&rest[..at], Some(rest[at]));
                    rest = &rest[at + 1..];
                    parts
                }
                None => (std::mem::take(&mut rest), None),
            };
            if let Some(terminator) = terminator {
                self.skip_lf = terminator == b'\r';
            }

            if self.discarding {
                if !segment.is_empty() {
                    self.at_line_start = false;
                }
                if terminator.is_some() {
                    if self.at_line_start {
                        // A blank line ends the dropped event.
                        self.discarding = false;
                    }
                    self.at_line_start = true;
                }
                continue;
            }

            if !segment.is_empty() {
                let size = self.event.bytes + self.line.len() + segment.len();
                if size > self.limit {
                    out.push(SseItem::Oversize { limit: self.limit });
                    self.line = Vec::new();
                    self.event = PendingEvent::default();
                    self.discarding = true;
                    self.at_line_start = terminator.is_some();
                    continue;
                }
                self.append(segment);
            }
            if terminator.is_some() {
                let line = std::mem::take(&mut self.line);
                self.process_line(&line, out);
                // Keep the allocation for the next line.
                self.line = line;
                self.line.clear();
            }
        }
    }

    /// Appends to the pending line, growing the buffer geometrically but not past the limit
    /// (the caller has checked that the result fits).
    fn append(&mut self, bytes: &[u8]) {
        let needed = self.line.len() + bytes.len();
        if needed > self.line.capacity() {
            let target = self
                .line
                .capacity()
                .saturating_mul(2)
                .max(64)
                .min(self.limit)
                .max(needed);
            self.line.reserve_exact(target - self.line.len());
        }
        self.line.extend_from_slice(bytes);
    }

    /// Interprets one complete line (terminator removed).
    fn process_line(&mut self, raw: &[u8], out: &mut Vec<SseItem>) {
        if raw.is_empty() {
            let event = std::mem::take(&mut self.event);
            if event.has_data {
                out.push(SseItem::Event(SseEvent {
                    event: event.event,
                    data: event.data,
                    id: event.id,
                    retry: event.retry,
                }));
            }
            return;
        }
        let text = match std::str::from_utf8(raw) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => {
                out.push(SseItem::NotUtf8);
                String::from_utf8_lossy(raw)
            }
        };
        if let Some(comment) = text.strip_prefix(':') {
            out.push(SseItem::Comment(comment.to_owned()));
            return;
        }
        // Counted after decoding: each replaced byte became the three bytes of U+FFFD, and the
        // decoded text is what the event keeps.
        let size = self.event.bytes + text.len();
        if size > self.limit {
            out.push(SseItem::Oversize { limit: self.limit });
            self.event = PendingEvent::default();
            self.discarding = true;
            // The line's terminator has been consumed: a terminator next is a blank line.
            self.at_line_start = true;
            return;
        }
        self.event.bytes = size;
        let (name, value) = match text.split_once(':') {
            Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
            None => (text.as_ref(), ""),
        };
        let accepted = match name {
            "data" => {
                if self.event.has_data {
                    self.event.data.push('\n');
                }
                self.event.data.push_str(value);
                self.event.has_data = true;
                true
            }
            "event" => {
                self.event.event = Some(value.to_owned());
                true
            }
            "id" if !value.contains('\0') => {
                self.event.id = Some(value.to_owned());
                true
            }
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                match value.parse::<u64>() {
                    Ok(millis) => {
                        self.event.retry = Some(millis);
                        true
                    }
                    Err(_) => false,
                }
            }
            _ => false,
        };
        if !accepted {
            out.push(SseItem::BadField {
                line: text.into_owned(),
            });
        }
    }
}

/// Writes one event in the wire format: `event`, `id`, `retry` lines when set, one `data` line
/// per "\n"-separated piece of the data (always at least one), then the blank line.
///
/// Every event produced by [`SseParser`] survives serialise -> parse unchanged. Values the
/// format cannot carry do not: a "\r" anywhere, a "\n" in `event` or `id`, or a NUL in `id`.
pub fn serialize_event(e: &SseEvent) -> String {
    let mut out = String::with_capacity(e.data.len() + 16);
    if let Some(event) = &e.event {
        out.push_str("event: ");
        out.push_str(event);
        out.push('\n');
    }
    if let Some(id) = &e.id {
        out.push_str("id: ");
        out.push_str(id);
        out.push('\n');
    }
    if let Some(retry) = e.retry {
        out.push_str("retry: ");
        out.push_str(&retry.to_string());
        out.push('\n');
    }
    for piece in e.data.split('\n') {
        out.push_str("data: ");
        out.push_str(piece);
        out.push('\n');
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(limit: usize, bytes: &[u8]) -> Vec<SseItem> {
        let mut parser = SseParser::new(limit);
        let mut items = parser.push(bytes);
        items.extend(parser.finish());
        items
    }

    #[test]
    fn partial_bom_is_content() {
        assert_eq!(
            parse(100, b"\xEF\xBB"),
            vec![SseItem::Incomplete { bytes: 2 }]
        );
        let items = parse(100, b"\xEF\xBBdata: x\n\n");
        assert_eq!(
            items,
            vec![
                SseItem::NotUtf8,
                SseItem::BadField {
                    line: "\u{FFFD}data: x".to_owned()
                }
            ]
        );
    }

    #[test]
    fn buffers_stay_within_the_limit() {
        let mut parser = SseParser::new(100);
        for _ in 0..9 {
            assert!(parser.push(b"data: 12345\n").is_empty());
            assert!(parser.buffered_len() <= 100);
        }
        assert_eq!(
            parser.push(b"data: 12345"),
            vec![SseItem::Oversize { limit: 100 }]
        );
        assert_eq!(parser.buffered_len(), 0);
        assert!(parser.line.capacity() <= 100, "{}", parser.line.capacity());
    }

    #[test]
    fn debug_does_not_dump_the_buffer() {
        let mut parser = SseParser::new(100);
        parser.push(b"data: secret");
        let shown = format!("{parser:?}");
        assert!(shown.contains("pending_line_bytes: 12"), "{shown}");
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn finish_resets_for_reuse() {
        let mut parser = SseParser::new(100);
        assert!(parser.push(b"data: a\n").is_empty());
        assert_eq!(parser.finish(), vec![SseItem::Incomplete { bytes: 7 }]);
        // The BOM is skipped again at the start of the next stream.
        let mut items = parser.push(b"\xEF\xBB\xBFdata: b\n\n");
        items.extend(parser.finish());
        assert_eq!(items.len(), 1);
        assert!(matches!(&items[0], SseItem::Event(e) if e.data == "b"));
    }
}
