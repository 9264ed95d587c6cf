//! The catalogue of JSON-RPC envelope faults the classifier can report, with their wording,
//! requirement IDs and JSON pointers. This module only describes faults; it does not detect them
//! (see `classify`).

use serde_json::Value;

/// Longest rendering of an offending value inside [`EnvelopeViolation::describe`], in bytes.
const SHOWN_VALUE_BYTES: usize = 80;

/// One way in which a frame breaks the JSON-RPC 2.0 envelope rules as profiled by MCP 2025-06-18.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EnvelopeViolation {
    /// The bytes are not valid UTF-8; `valid_up_to` is the length of the longest valid prefix.
    NotUtf8 {
        /// Offset of the first byte that does not belong to a valid UTF-8 sequence.
        valid_up_to: usize,
    },
    /// The text is not a single JSON value.
    NotJson {
        /// The parser's error text, including line and column.
        message: String,
    },
    /// Valid JSON beyond what mcpspec reads in full: nesting deeper than [`crate::KEPT_DEPTH`]
    /// levels or a number outside IEEE 754 double range. RFC 8259 lets parsers limit both
    /// (sections 6 and 9), so many clients cannot read such a message either.
    BeyondLimits {
        /// Nesting went deeper than the kept depth.
        depth: bool,
        /// A number was outside double range.
        number: bool,
    },
    /// The frame is a top-level JSON array (a batch); batching is not part of 2025-06-18.
    Batch {
        /// Number of elements in the array.
        len: usize,
    },
    /// The frame is a JSON scalar or `null` instead of an object.
    NotAnObject {
        /// JSON type name of what was found: "null", "boolean", "number" or "string".
        found: &'static str,
    },
    /// The `jsonrpc` member is absent.
    JsonrpcMissing,
    /// The `jsonrpc` member is present but is not exactly the string "2.0".
    JsonrpcNotTwoPointZero {
        /// The value that was sent instead.
        found: Value,
    },
    /// The `id` member is neither a string nor an integer (floats such as `1.0` included).
    IdWrongType {
        /// The value that was sent.
        found: Value,
    },
    /// A request carries `"id": null`, which MCP forbids.
    IdNullOnRequest,
    /// A response (it has `result` or `error`) carries no `id` member.
    IdMissingOnResponse,
    /// The `method` member is not a string.
    MethodNotString {
        /// The value that was sent.
        found: Value,
    },
    /// `params` is present but is neither an object nor an array.
    ParamsNotStructured {
        /// The value that was sent.
        found: Value,
    },
    /// `params` is an array: positional parameters are legal JSON-RPC but not valid MCP.
    ParamsNotObject,
    /// A response carries both `result` and `error`.
    ResultAndError,
    /// `result` is not a JSON object.
    ResultNotObject {
        /// The value that was sent.
        found: Value,
    },
    /// `error` is not a JSON object.
    ErrorNotObject {
        /// The value that was sent.
        found: Value,
    },
    /// `error.code` is missing or not an integer.
    ErrorCodeNotInteger {
        /// The value that was sent; `Value::Null` when the member is missing.
        found: Value,
    },
    /// `error.message` is missing or not a string.
    ErrorMessageNotString {
        /// The value that was sent; `Value::Null` when the member is missing.
        found: Value,
    },
    /// A message whose method starts with `notifications/` carries an `id` member (even `null`).
    NotificationWithId,
    /// An object that has neither `method` nor `result` nor `error`, so it is no message at all.
    NoShape,
}

impl EnvelopeViolation {
    /// A one-line, human-readable statement of what was expected and what arrived.
    pub fn describe(&self) -> String {
        match self {
            Self::NotUtf8 { valid_up_to } => {
                format!("frame must be UTF-8, got an invalid byte sequence at offset {valid_up_to}")
            }
            Self::NotJson { message } => {
                format!("frame must be one JSON value, got a parse error: {message}")
            }
            Self::BeyondLimits { depth, number } => {
                let what = match (depth, number) {
                    (true, true) => format!(
                        "nesting deeper than {} levels and a number beyond IEEE 754 double range",
                        crate::KEPT_DEPTH
                    ),
                    (true, false) => format!("nesting deeper than {} levels", crate::KEPT_DEPTH),
                    _ => "a number beyond IEEE 754 double range".to_owned(),
                };
                format!(
                    "a message should stay within what JSON parsers commonly read (RFC 8259 \
                     sections 6 and 9), got {what}; the rest was read from a shallow copy"
                )
            }
            Self::Batch { len } => format!(
                "frame must be a single JSON object, got an array of {len} element(s) (a batch)"
            ),
            Self::NotAnObject { found } => {
                format!("frame must be a JSON object, got a {found}")
            }
            Self::JsonrpcMissing => {
                "\"jsonrpc\" must be the string \"2.0\", got no such member".to_owned()
            }
            Self::JsonrpcNotTwoPointZero { found } => {
                format!(
                    "\"jsonrpc\" must be the string \"2.0\", got {}",
                    show(found)
                )
            }
            Self::IdWrongType { found } => {
                format!("\"id\" must be a string or an integer, got {}", show(found))
            }
            Self::IdNullOnRequest => {
                "a request \"id\" must be a string or an integer, got null".to_owned()
            }
            Self::IdMissingOnResponse => {
                "a response must carry the \"id\" of its request, got no \"id\" member".to_owned()
            }
            Self::MethodNotString { found } => {
                format!("\"method\" must be a string, got {}", show(found))
            }
            Self::ParamsNotStructured { found } => {
                format!("\"params\" must be an object, got {}", show(found))
            }
            Self::ParamsNotObject => {
                "\"params\" must be an object of named parameters, got an array".to_owned()
            }
            Self::ResultAndError => {
                "a response must carry exactly one of \"result\" and \"error\", got both".to_owned()
            }
            Self::ResultNotObject { found } => {
                format!("\"result\" must be an object, got {}", show(found))
            }
            Self::ErrorNotObject { found } => {
                format!("\"error\" must be an object, got {}", show(found))
            }
            Self::ErrorCodeNotInteger { found } => format!(
                "\"error.code\" must be an integer, got {}",
                show_or_missing(found)
            ),
            Self::ErrorMessageNotString { found } => format!(
                "\"error.message\" must be a string, got {}",
                show_or_missing(found)
            ),
            Self::NotificationWithId => {
                "a \"notifications/\" message must not carry an \"id\" member, got one".to_owned()
            }
            Self::NoShape => "object must be a request, a notification or a response \
                 (\"method\", \"result\" or \"error\"), got none of these members"
                .to_owned(),
        }
    }

    /// The ID of the catalogue requirement this fault breaks (for example `"BASE-004"`).
    pub fn requirement(&self) -> &'static str {
        match self {
            Self::NotJson { .. }
            | Self::BeyondLimits { .. }
            | Self::NotAnObject { .. }
            | Self::JsonrpcMissing
            | Self::JsonrpcNotTwoPointZero { .. }
            | Self::MethodNotString { .. }
            | Self::NoShape => "BASE-001",
            Self::Batch { .. } => "BASE-002",
            Self::IdWrongType { .. } | Self::IdMissingOnResponse => "BASE-003",
            Self::ResultAndError => "BASE-004",
            Self::ResultNotObject { .. } => "BASE-005",
            Self::ErrorNotObject { .. }
            | Self::ErrorCodeNotInteger { .. }
            | Self::ErrorMessageNotString { .. } => "BASE-006",
            Self::IdNullOnRequest => "BASE-008",
            Self::NotificationWithId => "BASE-010",
            Self::ParamsNotStructured { .. } | Self::ParamsNotObject => "BASE-016",
            Self::NotUtf8 { .. } => "BASE-018",
        }
    }

    /// JSON pointer (RFC 6901) of the offending member; `""` designates the whole frame.
    pub fn pointer(&self) -> &'static str {
        match self {
            Self::NotUtf8 { .. }
            | Self::NotJson { .. }
            | Self::BeyondLimits { .. }
            | Self::Batch { .. }
            | Self::NotAnObject { .. }
            | Self::ResultAndError
            | Self::NoShape => "",
            Self::JsonrpcMissing | Self::JsonrpcNotTwoPointZero { .. } => "/jsonrpc",
            Self::IdWrongType { .. }
            | Self::IdNullOnRequest
            | Self::IdMissingOnResponse
            | Self::NotificationWithId => "/id",
            Self::MethodNotString { .. } => "/method",
            Self::ParamsNotStructured { .. } | Self::ParamsNotObject => "/params",
            Self::ResultNotObject { .. } => "/result",
            Self::ErrorNotObject { .. } => "/error",
            Self::ErrorCodeNotInteger { .. } => "/error/code",
            Self::ErrorMessageNotString { .. } => "/error/message",
        }
    }
}

/// Renders a value for a description: `null` is spelled "null or nothing" because the classifier
/// uses `Null` for an absent member as well.
fn show_or_missing(value: &Value) -> String {
    if value.is_null() {
        "null or nothing".to_owned()
    } else {
        show(value)
    }
}

/// Compact JSON rendering of `value`, cut after [`SHOWN_VALUE_BYTES`] bytes (with "...") so that a
/// huge offending value neither floods a report nor is serialised in full.
pub(crate) fn show(value: &Value) -> String {
    let mut sink = CappedSink {
        bytes: Vec::new(),
        cap: SHOWN_VALUE_BYTES + 1,
    };
    // The sink refuses bytes past its cap, which aborts serialisation early; that error is the
    // expected way to stop and is not a failure.
    let _ = serde_json::to_writer(&mut sink, value);
    let truncated = sink.bytes.len() > SHOWN_VALUE_BYTES;
    if truncated {
        sink.bytes.truncate(SHOWN_VALUE_BYTES);
    }
    // Cutting may have split a multi-byte character: keep the longest valid prefix.
    let text = match std::str::from_utf8(&sink.bytes) {
        Ok(text) => text,
        Err(err) => std::str::from_utf8(&sink.bytes[..err.valid_up_to()]).unwrap_or_default(),
    };
    if truncated {
        format!("{text}...")
    } else {
        text.to_owned()
    }
}

/// An in-memory writer that accepts at most `cap` bytes and then reports an error.
struct CappedSink {
    bytes: Vec<u8>,
    cap: usize,
}

impl std::io::Write for CappedSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = self.cap.saturating_sub(self.bytes.len());
        if room == 0 {
            return Err(std::io::Error::other("value rendering cap reached"));
        }
        let take = room.min(buf.len());
        self.bytes.extend_from_slice(&buf[..take]);
        Ok(take)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn show_keeps_short_values_whole() {
        assert_eq!(show(&json!("1.0")), "\"1.0\"");
        assert_eq!(show(&json!({"a": [1, 2]})), "{\"a\":[1,2]}");
        assert_eq!(show(&Value::Null), "null");
    }

    #[test]
    fn show_truncates_long_values_on_a_char_boundary() {
        let long = "é".repeat(500);
        let shown = show(&json!(long));
        assert!(shown.ends_with("..."), "{shown}");
        assert!(shown.len() <= SHOWN_VALUE_BYTES + 3, "{}", shown.len());
        assert!(shown.starts_with("\"éé"));
    }

    #[test]
    fn show_of_exactly_cap_bytes_is_not_marked_truncated() {
        // A string of 78 'a' renders as 80 bytes with its quotes.
        let exact = "a".repeat(SHOWN_VALUE_BYTES - 2);
        let shown = show(&json!(exact));
        assert_eq!(shown.len(), SHOWN_VALUE_BYTES);
        assert!(!shown.ends_with("..."));
    }

    #[test]
    fn missing_members_are_described_as_such() {
        let v = EnvelopeViolation::ErrorCodeNotInteger { found: Value::Null };
        assert_eq!(
            v.describe(),
            "\"error.code\" must be an integer, got null or nothing"
        );
    }
}
