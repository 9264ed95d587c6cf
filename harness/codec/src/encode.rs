//! Encoding of one outgoing message as a single line of compact JSON. This module does not frame
//! HTTP bodies or SSE events and does not validate what it encodes.

use serde_json::Value;

/// Encodes one message as compact single-line JSON followed by `"\n"`.
///
/// The compact serialiser escapes control characters inside strings and adds no whitespace, so
/// the only raw newline in the output is the terminating one.
pub fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    // Serialising a `Value` into a `Vec` cannot fail: map keys are always strings, numbers are
    // always finite and writes to a `Vec` are infallible.
    let _ = serde_json::to_writer(&mut out, value);
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn output_is_one_compact_line() {
        let msg = json!({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"text": "a\nb\r\u{2028}"}});
        let bytes = encode(&msg);
        assert_eq!(bytes.last(), Some(&b'\n'));
        let body = &bytes[..bytes.len() - 1];
        assert!(!body.contains(&b'\n'));
        assert!(!body.contains(&b'\r'));
        assert!(!body.contains(&b' '));
        let back: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        assert_eq!(back, msg);
    }

    #[test]
    fn encodes_scalars_too() {
        assert_eq!(encode(&Value::Null), b"null\n");
        assert_eq!(encode(&json!("x")), b"\"x\"\n");
    }
}
