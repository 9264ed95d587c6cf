//! Newline framing for the stdio transport: turns arbitrary read chunks into complete lines with a
//! hard bound on buffered memory. This module does not read from anything, decode UTF-8 or parse
//! JSON; it only splits bytes.

use std::fmt;

/// How many leading bytes of an oversize line are kept in [`Frame::Oversize`] at most.
const HEAD_BYTES: usize = 256;

/// One unit produced by [`LineFramer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// One complete line without its "\n"; a trailing "\r" is removed and `crlf` set.
    Line {
        /// The line's bytes, exactly as received, minus the terminator.
        bytes: Vec<u8>,
        /// True when the line ended with "\r\n".
        crlf: bool,
    },
    /// A line exceeded the limit: emitted ONCE, as soon as the limit is passed, with the first 256 bytes;
    /// the rest of that line (up to and including its "\n") is discarded, then framing continues.
    ///
    /// `head` holds the first `min(256, limit + 1)` bytes of the line, so it does not depend on how
    /// the input was cut into chunks.
    Oversize {
        /// The first bytes of the offending line.
        head: Vec<u8>,
        /// The limit that was exceeded, in bytes.
        limit: usize,
    },
    /// Bytes left without a final "\n" at end of input.
    Unterminated {
        /// The pending bytes, raw (a trailing "\r" is kept).
        bytes: Vec<u8>,
    },
}

/// Newline framing for stdio: push arbitrary chunks, get complete frames.
///
/// A line's size is its length without the "\n" and without a "\r" right before it. A line may be
/// at most `max_line_bytes` long; the framer never holds more than `max_line_bytes + 1` bytes of a
/// pending line (the extra byte is a "\r" whose role is not yet known). The sequence of frames
/// depends only on the bytes pushed, never on how they were split into chunks.
pub struct LineFramer {
    /// Maximum line size in bytes.
    limit: usize,
    /// The pending, incomplete line.
    pending: Vec<u8>,
    /// True while skipping the remainder of a line already reported as oversize.
    discarding: bool,
}

impl fmt::Debug for LineFramer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LineFramer")
            .field("limit", &self.limit)
            .field("pending_bytes", &self.pending.len())
            .field("discarding", &self.discarding)
            .finish()
    }
}

impl LineFramer {
    /// Creates a framer that accepts lines of up to `max_line_bytes` bytes.
    pub fn new(max_line_bytes: usize) -> Self {
        Self {
            limit: max_line_bytes,
            pending: Vec::new(),
            discarding: false,
        }
    }

    /// Feeds bytes; returns the frames completed by them, in order.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Frame> {
        let mut frames = Vec::new();
        let mut rest = chunk;
        while !rest.is_empty() {
            let newline = rest.iter().position(|&b| b == b'\n');
            if self.discarding {
                match newline {
                    Some(at) => {
                        self.discarding = false;
                        rest = &rest[at + 1..];
                        continue;
                    }
                    None => break,
                }
            }
            match newline {
                Some(at) => {
                    let part = &rest[..at];
                    rest = &rest[at + 1..];
                    frames.push(self.complete_line(part));
                }
                None => {
                    let total = self.pending.len() + rest.len();
                    // A "\r" at the very end may turn out to be part of "\r\n": allow it one byte
                    // beyond the limit until the next byte tells.
                    let allowed = if rest.last() == Some(&b'\r') {
                        self.limit.saturating_add(1)
                    } else {
                        self.limit
                    };
                    if total > allowed {
                        frames.push(self.oversize(rest));
                        self.discarding = true;
                    } else {
                        self.append(rest);
                    }
                    break;
                }
            }
        }
        frames
    }

    /// End of input: returns a trailing partial line as Frame::Unterminated (if any bytes are pending and the
    /// line was not already reported as oversize).
    ///
    /// The framer is reset afterwards and may be reused.
    pub fn finish(&mut self) -> Vec<Frame> {
        let was_discarding = std::mem::replace(&mut self.discarding, false);
        let bytes = std::mem::take(&mut self.pending);
        if was_discarding || bytes.is_empty() {
            Vec::new()
        } else {
            vec![Frame::Unterminated { bytes }]
        }
    }

    /// Memory currently reserved for the pending line, in bytes (the internal buffer's capacity).
    /// Never exceeds `max_line_bytes + 1`.
    #[doc(hidden)]
    pub fn buffered_len(&self) -> usize {
        self.pending.capacity()
    }

    /// Ends the pending line with `part` (the bytes before its "\n").
    fn complete_line(&mut self, part: &[u8]) -> Frame {
        let total = self.pending.len() + part.len();
        let last = part.last().or(self.pending.last()).copied();
        let crlf = last == Some(b'\r');
        let size = total - usize::from(crlf);
        if size > self.limit {
            return self.oversize(part);
        }
        let mut bytes = if self.pending.is_empty() {
            part.to_vec()
        } else {
            let mut bytes = std::mem::take(&mut self.pending);
            bytes.reserve_exact(part.len());
            bytes.extend_from_slice(part);
            bytes
        };
        if crlf {
            bytes.pop();
        }
        Frame::Line { bytes, crlf }
    }

    /// Builds the oversize frame for the pending bytes followed by `more`, and drops the pending
    /// bytes. The caller decides whether the rest of the line must still be skipped.
    fn oversize(&mut self, more: &[u8]) -> Frame {
        let want = HEAD_BYTES.min(self.limit.saturating_add(1));
        let from_pending = self.pending.len().min(want);
        let from_more = (want - from_pending).min(more.len());
        let mut head = Vec::with_capacity(from_pending + from_more);
        head.extend_from_slice(&self.pending[..from_pending]);
        head.extend_from_slice(&more[..from_more]);
        self.pending = Vec::new();
        Frame::Oversize {
            head,
            limit: self.limit,
        }
    }

    /// Appends to the pending line, growing the buffer geometrically but never past the limit
    /// plus one byte (callers guarantee the result fits in that).
    fn append(&mut self, bytes: &[u8]) {
        let needed = self.pending.len() + bytes.len();
        if needed > self.pending.capacity() {
            let ceiling = self.limit.saturating_add(1).max(needed);
            let target = self
                .pending
                .capacity()
                .saturating_mul(2)
                .max(needed)
                .max(64)
                .min(ceiling);
            self.pending.reserve_exact(target - self.pending.len());
        }
        self.pending.extend_from_slice(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(bytes: &[u8], crlf: bool) -> Frame {
        Frame::Line {
            bytes: bytes.to_vec(),
            crlf,
        }
    }

    #[test]
    fn pending_carriage_return_may_exceed_limit_by_one() {
        let mut framer = LineFramer::new(3);
        assert!(framer.push(b"abc\r").is_empty());
        assert_eq!(framer.push(b"\n"), vec![line(b"abc", true)]);
    }

    #[test]
    fn carriage_return_not_followed_by_newline_makes_it_oversize() {
        let mut framer = LineFramer::new(3);
        assert!(framer.push(b"abc\r").is_empty());
        assert_eq!(
            framer.push(b"x\nok\n"),
            vec![
                Frame::Oversize {
                    head: b"abc\r".to_vec(),
                    limit: 3
                },
                line(b"ok", false)
            ]
        );
    }

    #[test]
    fn capacity_never_exceeds_limit_plus_one() {
        let mut framer = LineFramer::new(1000);
        for _ in 0..100 {
            assert!(framer.push(b"0123456789").is_empty());
            assert!(framer.buffered_len() <= 1001, "{}", framer.buffered_len());
        }
        assert_eq!(framer.push(b"\n").len(), 1);
    }

    #[test]
    fn zero_limit_accepts_only_empty_lines() {
        let mut framer = LineFramer::new(0);
        assert_eq!(
            framer.push(b"\n\r\nx\n\n"),
            vec![
                line(b"", false),
                line(b"", true),
                Frame::Oversize {
                    head: b"x".to_vec(),
                    limit: 0
                },
                line(b"", false)
            ]
        );
        assert!(framer.finish().is_empty());
    }

    #[test]
    fn debug_does_not_dump_the_buffer() {
        let mut framer = LineFramer::new(100);
        framer.push(b"secret-bytes");
        let shown = format!("{framer:?}");
        assert!(shown.contains("pending_bytes: 12"), "{shown}");
        assert!(!shown.contains("secret"), "{shown}");
    }
}
