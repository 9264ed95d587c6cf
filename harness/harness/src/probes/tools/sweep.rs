//! The loop shared by the probes that send deliberately unusual arguments to every tool
//! (`invalid.rs`, `hostile.rs`): list the tools, plan the argument sets for each (as far as the
//! side-effect guard permits), send them within the budget, judge silence and crashes, note each
//! guard decision, and finish with a ping. Not what the argument sets are, nor which plain
//! answers are findings: the [`Sweep`] a probe passes says that.

use serde_json::{Value, json};

use super::request::{Answer, call, guard_note, known_slow, mark_slow, note_tool, still_serving};
use super::walk::tools_or_stop;
use super::{Findings, Opts, ProbeResult, excerpt, input_schema, is_error_result, tool_name};
use crate::case::model::Verdict;
use crate::session::Session;

/// One set of arguments a sweep sends to a tool.
pub(super) struct Attempt {
    /// What is sent, as findings name it ("invalid arguments (...)", "a 1 MiB string in `x`").
    pub(super) what: String,
    /// The `arguments` value.
    pub(super) arguments: Value,
    /// Whether the harness-origin schema check applies to the request.
    pub(super) check: bool,
    /// The verdict for silence; `None` when silence is not judged (the tool is then remembered
    /// as slow).
    pub(super) on_silence: Option<Verdict>,
}

/// How one probe's sweep is worded and judged.
pub(super) struct Sweep {
    /// The argument sets for a tool, from its inputSchema and whether the guard allows it.
    pub(super) plan: fn(&Value, bool) -> Vec<Attempt>,
    /// The expectation of a plain success (neither an error nor isError), which is then a
    /// non-strict finding; `None` when any answer is fine.
    pub(super) plain_success: Option<&'static str>,
    /// The expectation when a call got no answer.
    pub(super) answer: &'static str,
    /// The expectation when the server died.
    pub(super) survive: &'static str,
    /// The word for one argument set when the harness could not send it.
    pub(super) noun: &'static str,
    /// Whether a tool that gave no answer earlier in the session is skipped.
    pub(super) skip_slow: bool,
    /// The untestable reason when nothing was sent.
    pub(super) nothing_sent: &'static str,
    /// What the closing ping comes after, for its finding.
    pub(super) after: &'static str,
}

/// Runs a sweep over every tool `tools/list` gives.
pub(super) async fn sweep(s: &mut Session, o: &Opts, how: &Sweep) -> ProbeResult {
    let tools = match tools_or_stop(s, o).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let mut f = Findings::new();
    let mut sent = 0;
    for tool in &tools {
        let Some(name) = tool_name(tool).map(str::to_string) else {
            continue;
        };
        let decision = s.tool_guard.decide(tool);
        let attempts = (how.plan)(&input_schema(tool), decision.is_ok());
        let before = sent;
        for Attempt {
            what,
            arguments,
            check,
            on_silence,
        } in attempts
        {
            if how.skip_slow && known_slow(s, &name) {
                break;
            }
            let Some(wait) = o.wait() else { break };
            let answer = call(
                s,
                json!({ "name": name, "arguments": arguments }),
                check,
                wait,
            )
            .await;
            sent += 1;
            match answer {
                Answer::Error(_) => {}
                Answer::Result(r) if is_error_result(&r) => {}
                Answer::Result(r) => {
                    if let Some(expected) = how.plain_success {
                        f.add(
                            Verdict::NonStrict,
                            format!("tool `{name}` accepted {what} with a normal result"),
                            expected,
                            excerpt(&r),
                        );
                    }
                }
                Answer::Silent(w) => match on_silence {
                    None => mark_slow(s, &name),
                    Some(verdict) => f.add(
                        verdict,
                        format!(
                            "tool `{name}` with {what} got no answer within {} ms",
                            w.as_millis()
                        ),
                        how.answer,
                        "nothing".into(),
                    ),
                },
                Answer::Gone(gone) => {
                    f.add(
                        Verdict::Fail,
                        format!("{gone} after tool `{name}` was sent {what}"),
                        how.survive,
                        gone.clone(),
                    );
                    return f.finish();
                }
                Answer::NotSent(why) => {
                    return ProbeResult::untestable(format!(
                        "mcpspec could not send a {}: {why}",
                        how.noun
                    ));
                }
            }
        }
        note_tool(s, &name, guard_note(decision, sent > before));
    }
    if sent == 0 {
        return ProbeResult::untestable(how.nothing_sent);
    }
    still_serving(s, &mut f, how.after).await;
    f.finish()
}
