//! One call of every tool per session, with generated valid arguments: the calls the
//! `tools-call-each` checks judge. The first check on a session makes them (all requests at
//! once); later checks on that session judge the same answers, so a run pays once per session
//! for tools that take long. Not the judgements (`call.rs`, `content.rs`).

use serde_json::{Value, json};

use super::request::{Answer, call_all, known_slow, mark_slow, note_tool};
use super::walk::tools_or_stop;
use super::{Opts, ProbeResult, input_schema, tool_name};
use crate::r#gen;
use crate::session::Session;
use crate::wire::Dir;

/// One tool called with generated arguments.
#[derive(Debug, Clone)]
pub(super) struct Called {
    pub(super) name: String,
    pub(super) tool: Value,
    pub(super) answer: Answer,
}

/// The calls of one session, kept on the session for the checks that follow.
#[derive(Debug, Clone)]
pub struct ToolSweep {
    /// Every tool `tools/list` gave.
    tools: Vec<Value>,
    /// The tools called, with their answers.
    calls: Vec<Called>,
    /// Tools left out, by name, with the word for the untestable reason.
    skipped: Vec<(String, String)>,
    /// The ids of the requests, for the note of a check that reuses them.
    ids: Vec<String>,
}

/// The calls of every tool `want` picks, made now or earlier in this session. Returns the
/// probe's result instead when nothing could be exercised or the server died.
pub(super) async fn call_each(
    s: &mut Session,
    o: &Opts,
    want: impl Fn(&Value) -> bool,
    none_wanted: &str,
) -> Result<Vec<Called>, ProbeResult> {
    let sweep = match s.tool_sweep.clone() {
        Some(sweep) => {
            let ids = match (sweep.ids.first(), sweep.ids.last()) {
                (Some(a), Some(b)) if a != b => format!("{a} to {b}"),
                (Some(a), _) => a.clone(),
                _ => "(none)".into(),
            };
            s.log.text(
                Dir::Local,
                "note",
                &format!(
                    "judging the answers an earlier case on this session got to its tools/call requests ({ids}); no call is sent again"
                ),
            );
            sweep
        }
        None => {
            let sweep = sweep_all(s, o).await?;
            s.tool_sweep = Some(sweep.clone());
            sweep
        }
    };
    if !sweep.tools.iter().any(&want) {
        return Err(ProbeResult::untestable(none_wanted));
    }
    let called: Vec<Called> = sweep.calls.into_iter().filter(|c| want(&c.tool)).collect();
    let answered = called
        .iter()
        .any(|c| matches!(c.answer, Answer::Result(_) | Answer::Error(_)));
    if !answered {
        let picked: Vec<&str> = sweep
            .tools
            .iter()
            .filter(|t| want(t))
            .filter_map(tool_name)
            .collect();
        let skipped: Vec<&str> = sweep
            .skipped
            .iter()
            .filter(|(name, _)| picked.contains(&name.as_str()))
            .map(|(_, word)| word.as_str())
            .collect();
        let mut why = "no tool could be called and answered".to_string();
        if !skipped.is_empty() {
            why.push_str(&format!(" (skipped: {})", skipped.join(", ")));
        }
        let silent: Vec<&str> = called
            .iter()
            .filter(|c| matches!(c.answer, Answer::Silent(_)))
            .map(|c| c.name.as_str())
            .collect();
        if !silent.is_empty() {
            why.push_str(&format!(" (no answer in time: {})", silent.join(", ")));
        }
        return Err(ProbeResult::untestable(why));
    }
    Ok(called)
}

/// Valid arguments for a tool, or the note saying why it is not called.
fn arguments_for(tool: &Value) -> Result<Value, String> {
    match r#gen::example(&input_schema(tool)) {
        Ok(g) if g.value.is_object() => Ok(g.value),
        Ok(g) => Err(format!(
            "not called: its inputSchema describes {}, not an object",
            r#gen::type_name(&g.value)
        )),
        Err(why) => Err(format!(
            "not called: no valid arguments could be generated ({why})"
        )),
    }
}

/// Records a tool left out: the note for the report and a word for the untestable reason.
fn skip(s: &mut Session, skipped: &mut Vec<(String, String)>, name: &str, why: String, tag: &str) {
    note_tool(s, name, why);
    skipped.push((name.to_string(), format!("{name} ({tag})")));
}

/// Calls every tool the guard allows (each decision is recorded for the report) with arguments
/// generated from its inputSchema, all requests at once, within the budget.
async fn sweep_all(s: &mut Session, o: &Opts) -> Result<ToolSweep, ProbeResult> {
    let tools = tools_or_stop(s, o).await?;
    let mut planned = Vec::new();
    let mut skipped = Vec::new();
    for tool in &tools {
        let Some(name) = tool_name(tool).map(str::to_string) else {
            continue;
        };
        let allowed = match s.tool_guard.decide(tool) {
            Ok(why) => why,
            Err(why) => {
                skip(s, &mut skipped, &name, why, "guard");
                continue;
            }
        };
        let args = match arguments_for(tool) {
            Ok(args) => args,
            Err(why) => {
                skip(s, &mut skipped, &name, why, "arguments");
                continue;
            }
        };
        if known_slow(s, &name) {
            skipped.push((
                name.clone(),
                format!("{name} (no answer earlier in this session)"),
            ));
            continue;
        }
        planned.push((name, tool.clone(), args, allowed));
    }
    let wait = match o.wait() {
        Some(wait) => wait,
        None if planned.is_empty() => std::time::Duration::ZERO,
        None => {
            for (name, ..) in planned {
                let why = "not called: the probe's time budget ran out".into();
                skip(s, &mut skipped, &name, why, "time budget");
            }
            let words: Vec<&str> = skipped.iter().map(|(_, w)| w.as_str()).collect();
            return Err(ProbeResult::untestable(format!(
                "the probe's time budget ran out before any call (skipped: {})",
                words.join(", ")
            )));
        }
    };
    let params = planned
        .iter()
        .map(|(name, _, args, _)| json!({ "name": name, "arguments": args }))
        .collect();
    let (answers, ids) = call_all(s, params, true, wait).await;
    let mut calls = Vec::new();
    for ((name, tool, _, allowed), answer) in planned.into_iter().zip(answers) {
        note_tool(s, &name, allowed);
        match &answer {
            Answer::Gone(how) => {
                return Err(ProbeResult::fail(
                    format!("{how} during a call of tool `{name}` with valid arguments"),
                    "a server that answers tools/call and keeps running",
                    how.clone(),
                ));
            }
            Answer::Silent(_) => mark_slow(s, &name),
            _ => {}
        }
        calls.push(Called { name, tool, answer });
    }
    Ok(ToolSweep {
        tools,
        calls,
        skipped,
        ids,
    })
}
