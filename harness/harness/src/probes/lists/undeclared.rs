//! The `undeclared-feature` probe: a server that does not declare the tools, resources, prompts,
//! completions or logging capability must not serve that feature anyway (LIFECYCLE-008,
//! TOOLS-001, RESOURCES-001, PROMPTS-001, COMPLETION-001), and should refuse its methods with
//! -32601 (LIFECYCLE-009, COMPLETION-008). Not here: checks of a declared feature (the area
//! modules).

use serde_json::{Value, json};

use super::context::{Answer, Ctx, Fut, METHOD_NOT_FOUND, arg_str, bad_args, short};
use super::walk::{PROMPTS, RESOURCES, TEMPLATES, TOOLS};
use crate::case::model::Verdict;
use crate::session::Session;

/// The capabilities the probe knows, in the order `all` visits them.
pub(super) const CAPABILITIES: [&str; 5] =
    ["tools", "resources", "prompts", "completions", "logging"];

/// One request of a feature: method, params, and where the items of a result are (`None` for a
/// method whose result has no items, such as `logging/setLevel`).
type Request = (&'static str, Value, Option<&'static str>);

/// A completion target the server itself lists (the first of [`super::completion::targets`]:
/// a prompt argument, else a template variable); a made-up prompt when it lists neither.
async fn completion_target(ctx: &mut Ctx<'_>) -> Value {
    match super::completion::targets(ctx).await.into_iter().next() {
        Some(t) => json!({ "ref": t.reference, "argument": { "name": t.arg, "value": "" } }),
        None => json!({
            "ref": { "type": "ref/prompt", "name": "mcpspec-probe" },
            "argument": { "name": "value", "value": "" },
        }),
    }
}

/// The requests that exercise the feature behind `capability`.
fn requests(capability: &str) -> Vec<Request> {
    match capability {
        "tools" => vec![(TOOLS.method, json!({}), Some("/tools"))],
        "resources" => vec![
            (RESOURCES.method, json!({}), Some("/resources")),
            (TEMPLATES.method, json!({}), Some("/resourceTemplates")),
        ],
        "prompts" => vec![(PROMPTS.method, json!({}), Some("/prompts"))],
        // The params are filled in by `completion_target` before sending.
        "completions" => vec![(
            "completion/complete",
            Value::Null,
            Some("/completion/values"),
        )],
        "logging" => vec![("logging/setLevel", json!({ "level": "info" }), None)],
        _ => Vec::new(),
    }
}

/// A feature served without its capability, or refused with the wrong code: args
/// `{capability: tools | resources | prompts | completions | logging | all, check?: served | code}`.
///
/// Each capability the server declared passes at once; for the others the feature's own requests
/// are sent. `served` (the default): a result with items fails, a result without items (or a
/// `logging/setLevel` result) is non-strict, any error passes. `code`: error -32601 passes,
/// another error code or a result is non-strict.
pub(super) fn undeclared_feature<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let capability = arg_str(args, "capability");
        let wanted: Vec<&str> = match capability {
            "all" => CAPABILITIES.to_vec(),
            c if CAPABILITIES.contains(&c) => vec![c],
            _ => return bad_args("undeclared-feature", args),
        };
        let code_check = match args.get("check").and_then(Value::as_str) {
            None | Some("served") => false,
            Some("code") => true,
            Some(_) => return bad_args("undeclared-feature", args),
        };
        let mut ctx = Ctx::new(s, args);
        let undeclared: Vec<&str> = wanted
            .into_iter()
            .filter(|c| !ctx.s.server_has(c))
            .collect();
        if undeclared.is_empty() {
            return ctx.done(true, "");
        }
        let mut tested = false;
        'all: for cap in undeclared {
            for (method, mut params, items) in requests(cap) {
                if params.is_null() {
                    params = completion_target(&mut ctx).await;
                }
                let Some(answer) = ctx.call(method, Some(params)).await else {
                    break 'all;
                };
                tested = true;
                if code_check {
                    judge_code(&mut ctx, cap, method, answer);
                } else {
                    judge_served(&mut ctx, cap, method, items, answer);
                }
            }
        }
        ctx.done(tested, "the feature's requests got no answer")
    })
}

/// LIFECYCLE-008 and the per-feature rules: items served without the capability fail.
fn judge_served(ctx: &mut Ctx<'_>, cap: &str, method: &str, items: Option<&str>, answer: Answer) {
    let Answer::Result(result) = answer else {
        return;
    };
    let count = items
        .and_then(|p| result.pointer(p))
        .and_then(Value::as_array)
        .map(Vec::len);
    let (verdict, what) = match count {
        Some(n) if n > 0 => (Verdict::Fail, format!("{n} item(s)")),
        _ if items.is_none() => (Verdict::NonStrict, "a result".to_string()),
        _ => (Verdict::NonStrict, "a result without items".to_string()),
    };
    ctx.find(
        verdict,
        format!("{method} was served with {what} although the {cap} capability is not declared"),
        &format!(
            "the {cap} capability declared by a server that offers the feature; an error otherwise"
        ),
        short(&result),
    );
}

/// LIFECYCLE-009 / COMPLETION-008: a method of an undeclared capability should get -32601.
fn judge_code(ctx: &mut Ctx<'_>, cap: &str, method: &str, answer: Answer) {
    if answer.code() == Some(METHOD_NOT_FOUND) {
        return;
    }
    ctx.find(
        Verdict::NonStrict,
        format!(
            "{method} was answered with {} although the {cap} capability is not declared",
            answer.describe()
        ),
        "error -32601 (Method not found) for a method whose capability is not declared",
        answer.describe(),
    );
}
