//! Property bodies shared by the fuzz targets and the property tests. Each function panics (through
//! assertions) when the codec breaks one of its invariants; they are not meant for production use.
//!
//! The fuzz targets in `fuzz/fuzz_targets/` are one-line shims over [`classify_roundtrip`]
//! (`jsonrpc_classify`), [`stdio_framing`] and [`sse_parse`]; `tests/fuzz_corpus.rs` replays the
//! committed corpus through the same functions on a stable toolchain. The chunked targets read
//! their chunking plan from the input itself (see [`chunk_plan`]), so corpus files are plain
//! streams and need no `arbitrary` decoding.

use crate::{
    DEFAULT_MAX_MESSAGE_BYTES, Frame, LineFramer, SseItem, SseParser, classify, encode,
    serialize_event,
};

/// Line limits exercised by [`framing_chunked`]: around zero, around the 256-byte oversize head,
/// and the default.
const FRAMING_LIMITS: [usize; 7] = [0, 1, 2, 5, 17, 300, DEFAULT_MAX_MESSAGE_BYTES];

/// Classifies `data`; whenever it parsed as JSON, re-encoding the value must classify identically
/// (for clean messages this is the round-trip property; a frame beyond the parser's limits loses
/// only that flag). Also checks that every reported violation
/// is well-formed.
pub fn classify_roundtrip(data: &[u8]) {
    let first = classify(data);
    for violation in &first.violations {
        let text = violation.describe();
        assert!(!text.is_empty());
        assert!(!text.contains('\n'), "multi-line description: {text:?}");
        assert!(violation.requirement().starts_with("BASE-"));
        let pointer = violation.pointer();
        assert!(pointer.is_empty() || pointer.starts_with('/'));
    }
    if first.is_clean() {
        assert!(first.kind.is_some(), "a clean frame must have a kind");
    }
    let Some(value) = &first.value else {
        assert!(first.kind.is_none());
        assert!(!first.is_clean(), "a frame without a value cannot be clean");
        return;
    };
    let encoded = encode(value);
    assert_eq!(encoded.last(), Some(&b'\n'));
    let line = &encoded[..encoded.len() - 1];
    assert!(!line.contains(&b'\n'), "encoded message spans lines");
    let second = classify(line);
    // A frame beyond the parser's limits was read from a shallow copy, which is within them:
    // the copy must classify the same apart from that one flag.
    let mut expected = first.clone();
    expected
        .violations
        .retain(|v| !matches!(v, crate::EnvelopeViolation::BeyondLimits { .. }));
    assert_eq!(expected, second, "re-encoded frame classifies differently");
}

/// Frames `data` pushed whole and pushed in pieces cut at `cuts` (each taken modulo the length),
/// for several line limits; both must produce the same frames. With the default limit the frames
/// must also reassemble into exactly `data`.
pub fn framing_chunked(data: &[u8], cuts: &[usize]) {
    let mut offsets: Vec<usize> = if data.is_empty() {
        Vec::new()
    } else {
        cuts.iter().map(|cut| cut % data.len()).collect()
    };
    offsets.sort_unstable();
    offsets.dedup();

    for limit in FRAMING_LIMITS {
        let whole = {
            let mut framer = LineFramer::new(limit);
            let mut frames = framer.push(data);
            frames.extend(framer.finish());
            frames
        };
        let pieces = {
            let mut framer = LineFramer::new(limit);
            let mut frames = Vec::new();
            let mut start = 0;
            for &cut in &offsets {
                frames.extend(framer.push(&data[start..cut]));
                assert!(framer.buffered_len() <= limit.saturating_add(1).max(64));
                start = cut;
            }
            frames.extend(framer.push(&data[start..]));
            frames.extend(framer.finish());
            frames
        };
        assert_eq!(whole, pieces, "chunking changed the frames (limit {limit})");

        if data.len() <= limit {
            assert_eq!(reassemble(&whole), data, "frames lost or altered bytes");
        }
    }
}

/// Rebuilds the byte stream from frames that contain no oversize line.
fn reassemble(frames: &[Frame]) -> Vec<u8> {
    let mut out = Vec::new();
    for frame in frames {
        match frame {
            Frame::Line { bytes, crlf } => {
                out.extend_from_slice(bytes);
                if *crlf {
                    out.push(b'\r');
                }
                out.push(b'\n');
            }
            Frame::Unterminated { bytes } => out.extend_from_slice(bytes),
            Frame::Oversize { .. } => panic!("oversize frame below the limit"),
        }
    }
    out
}

/// First byte of a fuzz input that carries an explicit chunking plan. It never starts UTF-8 text,
/// so hand-written text seeds are always taken as plain streams.
pub const PLAN_MARKER: u8 = 0xFF;

/// Splits a fuzz input into a chunking plan (chunk lengths) and the stream to chunk.
///
/// `[PLAN_MARKER, n, l1, .., ln, stream..]` gives the lengths `l1..ln` explicitly (0 is an empty
/// push; a missing length byte ends the plan early). Any other input is the stream itself, with
/// lengths of 1 to 16 bytes drawn from a generator seeded by a hash of the stream. Whatever the
/// plan leaves over is pushed as one last chunk.
pub fn chunk_plan(data: &[u8]) -> (Vec<usize>, &[u8]) {
    if let [PLAN_MARKER, rest @ ..] = data {
        let Some((&count, rest)) = rest.split_first() else {
            return (Vec::new(), rest);
        };
        let count = usize::from(count).min(rest.len());
        let (lengths, stream) = rest.split_at(count);
        return (lengths.iter().map(|&b| usize::from(b)).collect(), stream);
    }
    // FNV-1a, then xorshift64: cheap, deterministic, and steered by the fuzzer through the bytes.
    let mut state = data.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    }) | 1;
    let mut lengths = Vec::new();
    let mut covered = 0;
    while covered < data.len() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let length = 1 + (state % 16) as usize;
        lengths.push(length);
        covered += length;
    }
    (lengths, data)
}

/// Cuts `stream` into the pieces `lengths` asks for; the remainder, if any, is the last piece.
fn pieces<'a>(stream: &'a [u8], lengths: &[usize]) -> Vec<&'a [u8]> {
    let mut out = Vec::with_capacity(lengths.len() + 1);
    let mut rest = stream;
    for &length in lengths {
        let (piece, tail) = rest.split_at(length.min(rest.len()));
        out.push(piece);
        rest = tail;
    }
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// Streams up to this length are also pushed one byte at a time. Longer ones rely on their plan
/// alone: byte-wise pushes of long inputs cost more fuzzing throughput than they find.
const BYTEWISE_MAX: usize = 512;

/// Fuzz body of `stdio_framing`: the stream framed whole, cut by the input's plan, and (when
/// short) cut after every byte must give the same frames (see [`framing_chunked`] and
/// [`chunk_plan`]).
pub fn stdio_framing(data: &[u8]) {
    let (lengths, stream) = chunk_plan(data);
    let offsets: Vec<usize> = pieces(stream, &lengths)
        .iter()
        .scan(0, |offset, piece| {
            *offset += piece.len();
            Some(*offset)
        })
        .filter(|&offset| offset < stream.len())
        .collect();
    framing_chunked(stream, &offsets);
    if stream.len() <= BYTEWISE_MAX {
        let every_byte: Vec<usize> = (1..stream.len()).collect();
        framing_chunked(stream, &every_byte);
    }
}

/// Event size limits exercised by [`sse_chunked`]: tiny ones that make most events oversize,
/// middling ones, and no limit at all.
const SSE_LIMITS: [usize; 6] = [0, 1, 9, 64, 300, usize::MAX];

/// Fuzz body of `sse_parse`: [`sse_chunked`] with the plan found by [`chunk_plan`].
pub fn sse_parse(data: &[u8]) {
    let (lengths, stream) = chunk_plan(data);
    sse_chunked(stream, &lengths);
}

/// Parses `stream` pushed whole, in the pieces `lengths` asks for, and (when short) one byte at
/// a time, for several event size limits: the items must be identical, memory must stay within the limit,
/// the items must be well-formed, and every event must survive [`serialize_event`] -> parse
/// unchanged (alone and all of them concatenated).
pub fn sse_chunked(stream: &[u8], lengths: &[usize]) {
    for limit in SSE_LIMITS {
        let whole = sse_items(limit, [stream]);
        let planned = sse_items(limit, pieces(stream, lengths));
        assert_eq!(
            whole, planned,
            "the chunking plan changed the items (limit {limit})"
        );
        if stream.len() <= BYTEWISE_MAX {
            let bytewise = sse_items(limit, stream.chunks(1));
            assert_eq!(
                whole, bytewise,
                "byte-wise pushes changed the items (limit {limit})"
            );
        }
        check_sse_items(&whole, limit, stream);
    }
}

/// Runs a fresh parser over the chunks, checking the memory bound after each push.
fn sse_items<'a>(limit: usize, chunks: impl IntoIterator<Item = &'a [u8]>) -> Vec<SseItem> {
    let mut parser = SseParser::new(limit);
    let mut items = Vec::new();
    for chunk in chunks {
        items.extend(parser.push(chunk));
        assert!(
            parser.buffered_len() <= limit,
            "holding {} bytes with limit {limit}",
            parser.buffered_len()
        );
    }
    items.extend(parser.finish());
    assert_eq!(parser.buffered_len(), 0, "finish left bytes behind");
    items
}

/// Checks each item on its own, then the serialise -> parse round trip of the events.
fn check_sse_items(items: &[SseItem], limit: usize, stream: &[u8]) {
    let breaks_line = |text: &str| text.contains(['\r', '\n']);
    let mut events = Vec::new();
    for (index, item) in items.iter().enumerate() {
        match item {
            SseItem::Event(event) => {
                assert!(!event.data.contains('\r'), "CR in data: {event:?}");
                assert!(
                    !event.event.as_deref().is_some_and(breaks_line),
                    "{event:?}"
                );
                assert!(!event.id.as_deref().is_some_and(breaks_line), "{event:?}");
                assert!(!event.id.as_deref().is_some_and(|id| id.contains('\0')));
                let text = serialize_event(event);
                let again = sse_items(usize::MAX, [text.as_bytes()]);
                assert_eq!(
                    again,
                    std::slice::from_ref(item),
                    "re-serialised event parses differently"
                );
                events.push(item.clone());
            }
            SseItem::Comment(text) => assert!(!breaks_line(text), "{text:?}"),
            SseItem::BadField { line } => {
                assert!(!line.is_empty() && !line.starts_with(':') && !breaks_line(line));
            }
            SseItem::Oversize { limit: reported } => {
                assert_eq!(*reported, limit);
                assert_ne!(limit, usize::MAX, "oversize without a limit");
            }
            SseItem::NotUtf8 => assert!(std::str::from_utf8(stream).is_err()),
            SseItem::Incomplete { bytes } => {
                assert_eq!(index + 1, items.len(), "Incomplete is not the last item");
                assert!(
                    *bytes > 0 && *bytes <= limit,
                    "Incomplete {{ bytes: {bytes} }}"
                );
            }
        }
    }
    if events.len() > 1 {
        let text: String = events
            .iter()
            .filter_map(|item| match item {
                SseItem::Event(event) => Some(serialize_event(event)),
                _ => None,
            })
            .collect();
        assert_eq!(sse_items(usize::MAX, [text.as_bytes()]), events);
    }
}
