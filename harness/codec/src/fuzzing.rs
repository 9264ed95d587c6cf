//! Property bodies shared by the fuzz targets and the property tests. Each function panics (through
//! assertions) when the codec breaks one of its invariants; they are not meant for production use.

use crate::{DEFAULT_MAX_MESSAGE_BYTES, Frame, LineFramer, classify, encode};

/// Line limits exercised by [`framing_chunked`]: around zero, around the 256-byte oversize head,
/// and the default.
const FRAMING_LIMITS: [usize; 7] = [0, 1, 2, 5, 17, 300, DEFAULT_MAX_MESSAGE_BYTES];

/// Classifies `data`; whenever it parsed as JSON, re-encoding the value must classify identically
/// (for clean messages this is the round-trip property). Also checks that every reported violation
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
    assert_eq!(first, second, "re-encoded frame classifies differently");
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
