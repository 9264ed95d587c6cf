//! Value predicates used by the tool checks: JSON equality with numbers compared by value, MIME
//! type and ISO 8601 syntax, and the leading bytes of base64 data against a type's magic number.
//! Pure functions of their input; not checks of a server's answers themselves (`call.rs`,
//! `content.rs`).

use std::sync::OnceLock;

use serde_json::Value;

/// JSON equality where numbers compare by value (`1` equals `1.0`).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// Whether `s` is a MIME type: `type/subtype` of RFC 6838 restricted names, optionally followed
/// by `; name=value` parameters.
pub fn is_mime_type(s: &str) -> bool {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        let name = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}";
        let token = r#"[^\s;"=()<>@,:\\/\[\]?]+"#;
        regex::Regex::new(&format!(
            r#"^{name}/{name}(\s*;\s*{token}=({token}|"[^"]*"))*\s*$"#
        ))
        .expect("static regex compiles")
    });
    re.is_match(s)
}

/// Whether `s` is an ISO 8601 date or date-time (extended or basic format, optional fraction and
/// offset), with field values in range.
pub fn is_iso8601(s: &str) -> bool {
    static RE: OnceLock<[regex::Regex; 2]> = OnceLock::new();
    let res = RE.get_or_init(|| {
        [
            regex::Regex::new(
                r"^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(Z|z|[+-](\d{2})(?::?(\d{2}))?)?)?$",
            )
            .expect("static regex compiles"),
            regex::Regex::new(
                r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(?:(\d{2})(?:[.,]\d+)?)?(Z|[+-](\d{2})(\d{2})?)?)?$",
            )
            .expect("static regex compiles"),
        ]
    });
    let Some(c) = res.iter().find_map(|re| re.captures(s)) else {
        return false;
    };
    let n = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
    let (Some(year), Some(month), Some(day)) = (n(1), n(2), n(3)) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if day == 0 || day > days {
        return false;
    }
    let within = |i: usize, max: u32| n(i).is_none_or(|v| v <= max);
    within(4, 24) && within(5, 59) && within(6, 60) && within(8, 23) && within(9, 59)
}

/// The first bytes (up to 12) of base64 text, for magic-number checks; `None` if they do not
/// decode.
pub(super) fn decode_head(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let bytes = text.as_bytes();
    let end = bytes.len().min(16) / 4 * 4;
    base64::engine::general_purpose::STANDARD
        .decode(&bytes[..end])
        .ok()
}

/// Whether the leading bytes fit the declared type; `None` for types without a known signature.
pub(super) fn magic_matches(mime: &str, head: &[u8]) -> Option<bool> {
    let essence = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let riff = |tag: &[u8]| head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == tag;
    Some(match essence.as_str() {
        "image/png" => head.starts_with(&[0x89, b'P', b'N', b'G']),
        "image/jpeg" | "image/jpg" => head.starts_with(&[0xff, 0xd8, 0xff]),
        "image/gif" => head.starts_with(b"GIF8"),
        "image/webp" => riff(b"WEBP"),
        "audio/wav" | "audio/x-wav" | "audio/wave" | "audio/vnd.wave" => riff(b"WAVE"),
        "audio/ogg" => head.starts_with(b"OggS"),
        "audio/flac" | "audio/x-flac" => head.starts_with(b"fLaC"),
        "audio/mpeg" | "audio/mp3" => {
            head.starts_with(b"ID3")
                || (head.len() >= 2 && head[0] == 0xff && head[1] & 0xe0 == 0xe0)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn numbers_compare_by_value() {
        assert!(json_eq(&json!({"a": [1, 2.0]}), &json!({"a": [1.0, 2]})));
        assert!(!json_eq(&json!({"a": 1}), &json!({"a": "1"})));
        assert!(!json_eq(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(!json_eq(&json!([1]), &json!([1, 1])));
    }

    #[test]
    fn mime_types() {
        for ok in [
            "image/png",
            "audio/wav",
            "application/vnd.api+json",
            "text/plain; charset=utf-8",
            "text/plain;charset=\"utf-8\"",
        ] {
            assert!(is_mime_type(ok), "{ok}");
        }
        for bad in [
            "png",
            "image/",
            "/png",
            "image png",
            "image/png/x",
            "",
            "image/p ng",
        ] {
            assert!(!is_mime_type(bad), "{bad}");
        }
    }

    #[test]
    fn timestamps() {
        for ok in [
            "2025-01-01T00:00:00Z",
            "2025-01-01T00:00:00.123+02:00",
            "2025-01-01",
            "2024-02-29T23:59:60Z",
            "2025-06-18T12:00",
            "20250101T000000Z",
            "2025-01-01 10:00:00+0100",
        ] {
            assert!(is_iso8601(ok), "{ok}");
        }
        for bad in [
            "yesterday",
            "2025-13-01",
            "2025-02-30",
            "2023-02-29",
            "2025-01-01T25:00:00Z",
            "01/02/2025",
            "",
            "2025-01-01T00:00:00 UTC",
        ] {
            assert!(!is_iso8601(bad), "{bad}");
        }
    }

    #[test]
    fn magic_numbers() {
        // A PNG signature and a WAV header, base64.
        let png = decode_head("iVBORw0KGgoAAAANSUhEUgAA").expect("decodes");
        assert_eq!(magic_matches("image/png", &png), Some(true));
        assert_eq!(magic_matches("image/jpeg", &png), Some(false));
        let wav = decode_head("UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=")
            .expect("decodes");
        assert_eq!(magic_matches("audio/wav", &wav), Some(true));
        assert_eq!(magic_matches("image/svg+xml", &wav), None);
        assert_eq!(decode_head("%%not-base64%%"), None);
    }
}
