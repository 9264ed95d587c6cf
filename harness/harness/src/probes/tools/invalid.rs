//! The `tools-invalid-args` probe: arguments each tool's inputSchema rejects, built by
//! `crate::r#gen::variants`, and how the server answers them. Not the sending loop (`sweep.rs`),
//! and not calls with valid (`call.rs`), absent (`no_arguments.rs`) or hostile (`hostile.rs`)
//! arguments.

use serde_json::Value;

use super::sweep::{Attempt, Sweep, sweep};
use super::{Fut, Opts};
use crate::case::model::Verdict;
use crate::r#gen;
use crate::session::Session;

/// Sends, for each tool, arguments its inputSchema rejects: a required property left out, a
/// property of the wrong type, `arguments` as an array, and an unexpected property where
/// `additionalProperties` is false (TOOLS-010). Tools the guard does not allow only get variants
/// without valid sibling arguments, so no variant amounts to a real call of them. A JSON-RPC
/// error or an isError result passes; a plain success is non-strict (the server may have coerced
/// the input), and so is silence from a tool the guard allows (it is probably running); silence
/// from any other tool, or a crash, fails. A final ping must still be answered.
pub fn tools_invalid_args<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let o = Opts::new(args);
        sweep(s, &o, &INVALID).await
    })
}

const INVALID: Sweep = Sweep {
    plan,
    plain_success: Some("a JSON-RPC error (preferably -32602) or a result with isError: true"),
    answer: "an answer: an error or a result with isError: true",
    survive: "a server that rejects invalid arguments and keeps running",
    noun: "variant",
    skip_slow: false,
    nothing_sent: "no tool has an inputSchema from which invalid arguments could be built",
    after: "invalid tool arguments",
};

/// The variants for one tool; with `allowed` they carry valid sibling arguments.
fn plan(schema: &Value, allowed: bool) -> Vec<Attempt> {
    // A tool the guard allows got arguments that are otherwise valid: silence most likely means
    // it is running with them, which is as lenient as a plain success. Silence from a call that
    // cannot run is a hang.
    let on_silence = if allowed {
        Verdict::NonStrict
    } else {
        Verdict::Fail
    };
    r#gen::variants(schema, allowed)
        .into_iter()
        .map(|v| Attempt {
            what: format!("invalid arguments ({})", v.label),
            arguments: v.value,
            check: v.kind != r#gen::VariantKind::ArgumentsArray,
            on_silence: Some(on_silence),
        })
        .collect()
}
