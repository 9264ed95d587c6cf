//! Integration tests for `LineFramer` and `encode`: CRLF, partial reads, oversize lines, memory
//! bound on large inputs and end-of-input handling. Envelope classification is tested elsewhere.

use mcpspec_codec::{
    DEFAULT_MAX_MESSAGE_BYTES, EnvelopeViolation, Frame, LineFramer, classify, encode,
};
use serde_json::json;

fn line(bytes: &[u8]) -> Frame {
    Frame::Line {
        bytes: bytes.to_vec(),
        crlf: false,
    }
}

fn crlf_line(bytes: &[u8]) -> Frame {
    Frame::Line {
        bytes: bytes.to_vec(),
        crlf: true,
    }
}

/// Pushes `data` in one go and finishes.
fn frame_all(limit: usize, data: &[u8]) -> Vec<Frame> {
    let mut framer = LineFramer::new(limit);
    let mut frames = framer.push(data);
    frames.extend(framer.finish());
    frames
}

#[test]
fn splits_lines_and_strips_crlf() {
    let frames = frame_all(1024, b"a\r\nb\nc\r\r\n\n\r\n");
    assert_eq!(
        frames,
        vec![
            crlf_line(b"a"),
            line(b"b"),
            crlf_line(b"c\r"),
            line(b""),
            crlf_line(b""),
        ]
    );
}

#[test]
fn lone_carriage_return_is_content() {
    assert_eq!(frame_all(1024, b"a\rb\n"), vec![line(b"a\rb")]);
}

#[test]
fn byte_at_a_time_matches_one_push() {
    let mut data = Vec::new();
    for id in 0..20 {
        data.extend(encode(
            &json!({"jsonrpc": "2.0", "id": id, "method": "ping", "params": {"t": "é\r\n"}}),
        ));
    }
    data.extend_from_slice(b"{\"partial\":\r\n{\"x\":1}");
    let mut framer = LineFramer::new(1024);
    let mut frames = Vec::new();
    for byte in &data {
        frames.extend(framer.push(std::slice::from_ref(byte)));
    }
    frames.extend(framer.finish());
    assert_eq!(frames, frame_all(1024, &data));
    assert_eq!(frames.len(), 22);
    for frame in &frames[..20] {
        let Frame::Line { bytes, crlf } = frame else {
            panic!("expected a line, got {frame:?}");
        };
        assert!(!crlf);
        assert!(classify(bytes).is_clean());
    }
    assert_eq!(frames[20], crlf_line(b"{\"partial\":"));
    assert_eq!(
        frames[21],
        Frame::Unterminated {
            bytes: b"{\"x\":1}".to_vec()
        }
    );
}

#[test]
fn crlf_split_across_reads() {
    let mut framer = LineFramer::new(1024);
    assert!(framer.push(b"{}\r").is_empty());
    assert_eq!(framer.push(b"\n{"), vec![crlf_line(b"{}")]);
    assert_eq!(framer.push(b"}\n"), vec![line(b"{}")]);
    assert!(framer.finish().is_empty());
}

#[test]
fn many_messages_in_one_chunk() {
    let mut data = Vec::new();
    for id in 0..1000 {
        data.extend(encode(&json!({"jsonrpc": "2.0", "id": id, "result": {}})));
    }
    let mut framer = LineFramer::new(DEFAULT_MAX_MESSAGE_BYTES);
    let frames = framer.push(&data);
    assert_eq!(frames.len(), 1000);
    for (expected, frame) in frames.iter().enumerate() {
        let Frame::Line { bytes, crlf: false } = frame else {
            panic!("expected a plain line, got {frame:?}");
        };
        let got = classify(bytes);
        assert!(got.is_clean());
        assert_eq!(got.id(), Some(&json!(expected)));
    }
    assert!(framer.finish().is_empty());
}

#[test]
fn invalid_utf8_passes_through_as_a_line() {
    let frames = frame_all(1024, b"{\"t\":\"fixtur\xe9\"}\n");
    assert_eq!(frames, vec![line(b"{\"t\":\"fixtur\xe9\"}")]);
    let Frame::Line { bytes, .. } = &frames[0] else {
        panic!("expected a line");
    };
    let got = classify(bytes);
    assert_eq!(
        got.violations,
        vec![EnvelopeViolation::NotUtf8 { valid_up_to: 12 }]
    );
}

#[test]
fn oversize_line_is_reported_once_and_framing_continues() {
    let limit = 10;
    let mut data = b"short\n".to_vec();
    data.extend_from_slice(b"0123456789ABCDEFGHIJ-and-more-and-more\n");
    data.extend_from_slice(b"next\n");
    data.extend_from_slice(b"0123456789\n"); // exactly the limit: fine
    data.extend_from_slice(b"0123456789\r\n"); // the limit plus CRLF: fine
    let expected = vec![
        line(b"short"),
        Frame::Oversize {
            head: b"0123456789A".to_vec(),
            limit,
        },
        line(b"next"),
        line(b"0123456789"),
        crlf_line(b"0123456789"),
    ];
    assert_eq!(frame_all(limit, &data), expected);

    // Same stream, three bytes at a time: the oversize frame comes out as soon as the limit is
    // passed, before the end of the line has been seen.
    let mut framer = LineFramer::new(limit);
    let mut frames = Vec::new();
    let mut oversize_seen_after = None;
    for (index, piece) in data.chunks(3).enumerate() {
        let out = framer.push(piece);
        if oversize_seen_after.is_none() && out.iter().any(|f| matches!(f, Frame::Oversize { .. }))
        {
            oversize_seen_after = Some(index);
        }
        frames.extend(out);
    }
    frames.extend(framer.finish());
    assert_eq!(frames, expected);
    // "short\n" is 6 bytes; the 11th byte of the long line is byte 17, in chunk 5.
    assert_eq!(oversize_seen_after, Some(5));
}

#[test]
fn oversize_head_is_256_bytes_for_large_limits() {
    let limit = 1000;
    let long: Vec<u8> = (0..5000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let mut data = long.clone();
    data.extend_from_slice(b"\nafter\n");
    let frames = frame_all(limit, &data);
    assert_eq!(
        frames,
        vec![
            Frame::Oversize {
                head: long[..256].to_vec(),
                limit
            },
            line(b"after")
        ]
    );
}

#[test]
fn unterminated_oversize_line_is_not_reported_twice() {
    let mut framer = LineFramer::new(4);
    let frames = framer.push(b"abcdefgh");
    assert_eq!(
        frames,
        vec![Frame::Oversize {
            head: b"abcde".to_vec(),
            limit: 4
        }]
    );
    assert!(framer.push(b"ijkl").is_empty());
    assert!(framer.finish().is_empty());
}

#[test]
fn unterminated_at_finish() {
    let mut framer = LineFramer::new(1024);
    assert_eq!(framer.push(b"{}\n{\"jsonrpc\""), vec![line(b"{}")]);
    assert_eq!(
        framer.finish(),
        vec![Frame::Unterminated {
            bytes: b"{\"jsonrpc\"".to_vec()
        }]
    );
    // The framer is reset and reusable.
    assert!(framer.finish().is_empty());
    assert_eq!(framer.push(b"x\n"), vec![line(b"x")]);
}

#[test]
fn unterminated_keeps_a_trailing_carriage_return() {
    assert_eq!(
        frame_all(1024, b"abc\r"),
        vec![Frame::Unterminated {
            bytes: b"abc\r".to_vec()
        }]
    );
}

#[test]
fn empty_input_gives_nothing() {
    assert!(frame_all(1024, b"").is_empty());
    let mut framer = LineFramer::new(1024);
    assert!(framer.push(b"").is_empty());
    assert!(framer.finish().is_empty());
}

#[test]
fn encode_then_frame_roundtrips() {
    let messages = [
        json!({"jsonrpc": "2.0", "id": 0, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "line1\nline2\r\n"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": "ключ🔑", "result": {"content": []}}),
    ];
    let mut stream = Vec::new();
    for message in &messages {
        stream.extend(encode(message));
    }
    let frames = frame_all(DEFAULT_MAX_MESSAGE_BYTES, &stream);
    assert_eq!(frames.len(), messages.len());
    for (message, frame) in messages.iter().zip(&frames) {
        let Frame::Line { bytes, crlf: false } = frame else {
            panic!("expected a plain line, got {frame:?}");
        };
        let got = classify(bytes);
        assert!(got.is_clean(), "{:?}", got.violations);
        assert_eq!(got.value.as_ref(), Some(message));
    }
}

/// Yields `total` bytes in chunks of `chunk` bytes following a repeating pattern of lines:
/// one 20 MiB line (oversize), one line of exactly the limit, one CRLF line of exactly the limit,
/// then 40 000 short lines of 99 bytes.
struct Stream {
    limit: usize,
    position: usize,
    total: usize,
}

impl Stream {
    fn byte_at(&self, offset: usize) -> u8 {
        let oversize = 20 * 1024 * 1024;
        let exact = self.limit + 1;
        let exact_crlf = self.limit + 2;
        let small = 40_000 * 100;
        let period = oversize + 1 + exact + exact_crlf + small;
        let mut at = offset % period;
        if at < oversize + 1 {
            return if at == oversize { b'\n' } else { b'o' };
        }
        at -= oversize + 1;
        if at < exact {
            return if at == self.limit { b'\n' } else { b'e' };
        }
        at -= exact;
        if at < exact_crlf {
            return if at < self.limit {
                b'c'
            } else if at == self.limit {
                b'\r'
            } else {
                b'\n'
            };
        }
        at -= exact_crlf;
        if at % 100 == 99 { b'\n' } else { b's' }
    }

    fn next_chunk(&mut self, size: usize) -> Option<Vec<u8>> {
        if self.position >= self.total {
            return None;
        }
        let end = (self.position + size).min(self.total);
        let chunk = (self.position..end).map(|i| self.byte_at(i)).collect();
        self.position = end;
        Some(chunk)
    }
}

#[test]
fn hundred_megabytes_in_64k_chunks_keeps_memory_bounded() {
    let limit = DEFAULT_MAX_MESSAGE_BYTES;
    let chunk_size = 64 * 1024;
    let mut stream = Stream {
        limit,
        position: 0,
        total: 100 * 1000 * 1000,
    };
    let mut framer = LineFramer::new(limit);
    let (mut oversize, mut exact, mut exact_crlf, mut small, mut other) = (0, 0, 0, 0, 0);
    let mut peak = 0;
    while let Some(chunk) = stream.next_chunk(chunk_size) {
        for frame in framer.push(&chunk) {
            match frame {
                Frame::Oversize { head, limit: l } => {
                    assert_eq!(l, limit);
                    assert_eq!(head, vec![b'o'; 256]);
                    oversize += 1;
                }
                Frame::Line { bytes, crlf } if bytes.len() == limit => {
                    if crlf {
                        assert!(bytes.iter().all(|&b| b == b'c'));
                        exact_crlf += 1;
                    } else {
                        assert!(bytes.iter().all(|&b| b == b'e'));
                        exact += 1;
                    }
                }
                Frame::Line { bytes, crlf: false } if bytes.len() == 99 => small += 1,
                _ => other += 1,
            }
        }
        peak = peak.max(framer.buffered_len());
        assert!(
            framer.buffered_len() < limit + 64 * 1024,
            "buffer grew to {}",
            framer.buffered_len()
        );
    }
    let tail = framer.finish();
    // One period is 20 MiB + 1, 16 MiB + 1, 16 MiB + 2 and 4 000 000 bytes (58 525 956 bytes).
    // 100 MB hold one full period, then the second period's oversize and exact lines, and the
    // first 3 725 306 bytes of its CRLF line, which are left unterminated.
    assert_eq!(oversize, 2, "oversize lines");
    assert_eq!(exact, 2, "exact-limit lines");
    assert_eq!(exact_crlf, 1, "exact-limit CRLF lines");
    assert_eq!(small, 40_000, "short lines");
    assert_eq!(other, 0, "unexpected frames");
    assert_eq!(
        tail,
        vec![Frame::Unterminated {
            bytes: vec![b'c'; 3_725_306]
        }]
    );
    assert!(
        peak >= limit,
        "peak {peak}: the exact-limit lines were buffered"
    );
}
