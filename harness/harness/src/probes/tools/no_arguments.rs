//! The `tools-call-no-arguments` probe: each allowed tool that requires no property is called
//! with `arguments` left out and with `{}`, and both forms must be accepted. Not calls with
//! generated (`call.rs`), invalid (`invalid.rs`) or hostile (`hostile.rs`) arguments.

use serde_json::{Value, json};

use super::request::{Answer, call, known_slow, mark_slow, note_tool};
use super::walk::tools_or_stop;
use super::{Findings, Fut, Opts, ProbeResult, error_text, input_schema, tool_name};
use crate::case::model::Verdict;
use crate::r#gen;
use crate::session::Session;

/// For each tool the guard allows whose inputSchema requires nothing, calls it once with
/// `arguments` left out and once with `arguments: {}` (TOOLS-013). Both forms must be accepted:
/// a JSON-RPC error for one form while the other got a result fails. A tool that errs both ways
/// is left out of the verdict (it fails for its own reasons).
pub fn tools_call_no_arguments<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let o = Opts::new(args);
        let tools = match tools_or_stop(s, &o).await {
            Ok(t) => t,
            Err(r) => return r,
        };
        let mut f = Findings::new();
        let mut judged = 0;
        let mut eligible = 0;
        for tool in &tools {
            let Some(name) = tool_name(tool).map(str::to_string) else {
                continue;
            };
            if !r#gen::required_properties(&input_schema(tool)).is_empty() {
                continue;
            }
            let why = match s.tool_guard.decide(tool) {
                Ok(why) => why,
                Err(why) => {
                    note_tool(s, &name, why);
                    continue;
                }
            };
            eligible += 1;
            if known_slow(s, &name) {
                continue;
            }
            let mut answers = Vec::new();
            for params in [
                json!({ "name": name }),
                json!({ "name": name, "arguments": {} }),
            ] {
                let Some(wait) = o.wait() else { break };
                let a = call(s, params, true, wait).await;
                if let Answer::Gone(how) = &a {
                    f.add(
                        Verdict::Fail,
                        format!("{how} during a call of tool `{name}` without arguments"),
                        "a server that keeps running",
                        how.clone(),
                    );
                    return f.finish();
                }
                if matches!(a, Answer::Silent(_)) {
                    mark_slow(s, &name);
                }
                answers.push(a);
            }
            note_tool(s, &name, why);
            let [omitted, empty] = answers.as_slice() else {
                continue;
            };
            match (omitted, empty) {
                (Answer::Result(_), Answer::Result(_)) => judged += 1,
                (Answer::Error(e), Answer::Result(_)) => {
                    judged += 1;
                    f.add(
                        Verdict::Fail,
                        format!("tool `{name}` rejected a call that left out `arguments` (it accepted arguments: {{}})"),
                        "a result: `arguments` is optional and the tool requires no property",
                        error_text(e),
                    );
                }
                (Answer::Result(_), Answer::Error(e)) => {
                    judged += 1;
                    f.add(
                        Verdict::Fail,
                        format!("tool `{name}` rejected arguments: {{}} (it accepted a call without `arguments`)"),
                        "a result: the tool requires no property",
                        error_text(e),
                    );
                }
                _ => {}
            }
        }
        if judged == 0 {
            return ProbeResult::untestable(if eligible == 0 {
                "no tool that the guard allows requires no arguments".to_string()
            } else {
                "no tool without required properties answered both calls with a result".to_string()
            });
        }
        f.finish()
    })
}
