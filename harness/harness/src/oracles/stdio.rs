//! stdio framing oracles: what the line framer and the UTF-8 check reveal about the server's
//! stdout and stderr. Not JSON-RPC shape (`envelope.rs`).

use mcpspec_codec::{Classified, EnvelopeViolation, Frame};

use super::Hit;
use crate::case::model::Verdict;

/// Per-session stdout facts, which the stdio probes read back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StdoutStats {
    /// Lines that were not a JSON-RPC message (not JSON, not an object, blank).
    pub non_mcp_lines: usize,
    /// Lines that were not UTF-8.
    pub not_utf8_lines: usize,
    /// Lines that looked like part of a message broken over several lines.
    pub multiline_messages: usize,
    /// Lines ending in CRLF.
    pub crlf_lines: usize,
    /// Lines over the size limit.
    pub oversize_lines: usize,
}

/// Checks one stdout frame; `classified` is the codec's verdict on a complete line.
pub fn check_frame(
    frame: &Frame,
    classified: Option<&Classified>,
    stats: &mut StdoutStats,
) -> Vec<Hit> {
    let mut hits = Vec::new();
    match frame {
        Frame::Line { bytes, crlf } => {
            if *crlf {
                stats.crlf_lines += 1;
                hits.push(
                    Hit::fail(
                        "oracle.stdio-single-line",
                        "a message line ends in CR LF".into(),
                        "lines ending in a bare LF",
                        "a line ending in \\r\\n".into(),
                    )
                    .with_verdict(Verdict::NonStrict),
                );
            }
            if bytes.iter().all(u8::is_ascii_whitespace) {
                stats.non_mcp_lines += 1;
                hits.push(
                    Hit::fail(
                        "oracle.stdio-stdout-only-mcp",
                        "an empty line on stdout".into(),
                        "only MCP messages on stdout",
                        "an empty line".into(),
                    )
                    .with_verdict(Verdict::NonStrict),
                );
                return hits;
            }
            let Some(c) = classified else {
                return hits;
            };
            for v in &c.violations {
                match v {
                    EnvelopeViolation::NotUtf8 { valid_up_to } => {
                        stats.not_utf8_lines += 1;
                        hits.push(Hit::fail(
                            "oracle.stdio-utf8",
                            format!(
                                "stdout line is not valid UTF-8 (bad byte at offset {valid_up_to})"
                            ),
                            "UTF-8 encoded messages",
                            crate::wire::excerpt(&String::from_utf8_lossy(bytes)),
                        ));
                    }
                    EnvelopeViolation::NotJson { message } => {
                        stats.non_mcp_lines += 1;
                        let text = String::from_utf8_lossy(bytes);
                        if message.contains("EOF while parsing") && looks_like_json_start(&text) {
                            stats.multiline_messages += 1;
                            hits.push(Hit::fail(
                                "oracle.stdio-single-line",
                                "a JSON value continues past the end of its line (a message with embedded newlines)".into(),
                                "each message on exactly one line",
                                crate::wire::excerpt(&text),
                            ));
                        }
                        hits.push(Hit::fail(
                            "oracle.stdio-stdout-only-mcp",
                            format!("stdout line is not a JSON-RPC message ({message})"),
                            "only MCP messages on stdout",
                            crate::wire::excerpt(&text),
                        ));
                    }
                    EnvelopeViolation::NotAnObject { found } => {
                        stats.non_mcp_lines += 1;
                        hits.push(Hit::fail(
                            "oracle.stdio-stdout-only-mcp",
                            format!("stdout line is a JSON {found}, not a JSON-RPC message"),
                            "only MCP messages on stdout",
                            crate::wire::excerpt(&String::from_utf8_lossy(bytes)),
                        ));
                    }
                    _ => {}
                }
            }
        }
        Frame::Oversize { head, limit } => {
            stats.oversize_lines += 1;
            hits.push(
                Hit::fail(
                    "oracle.message-size-limit",
                    format!("a stdout line exceeded the {limit}-byte limit and was skipped"),
                    format!("messages up to {limit} bytes").as_str(),
                    crate::wire::excerpt(&String::from_utf8_lossy(head)),
                )
                .with_verdict(Verdict::Informational),
            );
        }
        Frame::Unterminated { bytes } => {
            if !bytes.iter().all(u8::is_ascii_whitespace) {
                hits.push(
                    Hit::fail(
                        "oracle.stdio-single-line",
                        "stdout ended in the middle of a line (no final newline)".into(),
                        "every message terminated by a newline",
                        crate::wire::excerpt(&String::from_utf8_lossy(bytes)),
                    )
                    .with_verdict(Verdict::NonStrict),
                );
            }
        }
    }
    hits
}

/// Checks one stderr line: logging there is allowed, but it should be UTF-8.
pub fn check_stderr(utf8: bool, text: &str) -> Vec<Hit> {
    if utf8 {
        return Vec::new();
    }
    vec![
        Hit::fail(
            "oracle.stdio-utf8",
            "stderr line is not valid UTF-8".into(),
            "UTF-8 log text on stderr",
            crate::wire::excerpt(text),
        )
        .with_verdict(Verdict::NonStrict),
    ]
}

fn looks_like_json_start(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with('{') || t.starts_with('[')
}
