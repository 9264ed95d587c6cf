//! stdio probes: read back what the framing oracles counted on this session's stdout. They let a
//! case own a stdio requirement (ID, level, knob) while the oracles do the watching.

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;

use super::{ProbeDef, ProbeResult};
use crate::session::Session;

type Fut<'a> = Pin<Box<dyn Future<Output = ProbeResult> + Send + 'a>>;

/// The stdio probes.
pub const PROBES: &[ProbeDef] = &[
    ProbeDef {
        name: "stdout-clean",
        doc: "fails if any stdout line of this session so far was not a JSON-RPC message",
        run: stdout_clean,
    },
    ProbeDef {
        name: "stdout-no-crlf",
        doc: "fails if any stdout line of this session so far ended in CR LF",
        run: stdout_no_crlf,
    },
    ProbeDef {
        name: "stdout-single-line",
        doc: "fails if any message of this session so far was spread over several lines",
        run: stdout_single_line,
    },
    ProbeDef {
        name: "stdout-utf8",
        doc: "fails if any stdout line of this session so far was not valid UTF-8",
        run: stdout_utf8,
    },
];

fn count_probe(count: usize, what: &str, expected: &str) -> ProbeResult {
    if count == 0 {
        ProbeResult::pass()
    } else {
        ProbeResult::fail(
            format!("{count} stdout line(s) {what}"),
            expected,
            format!("{count} line(s) {what} (see the transcript)"),
        )
    }
}

/// Fails if a stdout line was not a JSON-RPC message.
pub fn stdout_clean<'a>(s: &'a mut Session, _: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        count_probe(
            s.stdout.non_mcp_lines,
            "were not MCP messages",
            "only MCP messages on stdout",
        )
    })
}

/// Fails if a stdout line ended in CR LF.
pub fn stdout_no_crlf<'a>(s: &'a mut Session, _: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        count_probe(
            s.stdout.crlf_lines,
            "ended in CR LF",
            "lines ending in a bare LF",
        )
    })
}

/// Fails if a message was spread over several lines.
pub fn stdout_single_line<'a>(s: &'a mut Session, _: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        count_probe(
            s.stdout.multiline_messages,
            "began a message that continued on later lines",
            "each message on a single line",
        )
    })
}

/// Fails if a stdout line was not UTF-8.
pub fn stdout_utf8<'a>(s: &'a mut Session, _: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        count_probe(
            s.stdout.not_utf8_lines,
            "were not valid UTF-8",
            "UTF-8 encoded messages",
        )
    })
}
