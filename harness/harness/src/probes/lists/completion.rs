//! The `completion` probe: `completion/complete` for every prompt argument and resource template
//! variable (valid results, at most 100 values, a consistent total, context accepted, missing
//! parts rejected, hostile values survived). Not here: listing prompts or templates as checks
//! of their own (`prompts.rs`, `resources.rs`).

use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::CHECKS;
use super::context::{Answer, Ctx, Fut, arg_str, bad_args, short};
use super::prompts::listed_prompts;
use super::rfc6570;
use super::walk::{ITEM_PAGES, MAX_ITEMS, TEMPLATES, walk};
use crate::case::model::Verdict;
use crate::probes::ProbeResult;
use crate::session::Session;

/// Completion targets (prompt arguments and template variables) per probe.
const MAX_TARGETS: usize = 30;
/// A completion slower than this hints at a pathological matcher (COMPLETION-010).
const SLOW_COMPLETION: Duration = Duration::from_secs(5);

/// Something to complete: a prompt argument or a template variable.
#[derive(Debug, Clone)]
pub(super) struct Target {
    pub(super) reference: Value,
    pub(super) arg: String,
    siblings: Vec<String>,
    label: String,
    is_prompt: bool,
}

/// Prompt arguments (when `prompts` is declared) and template variables (when `resources` is).
pub(super) async fn targets(ctx: &mut Ctx<'_>) -> Vec<Target> {
    let mut out = Vec::new();
    if ctx.s.server_has("prompts")
        && let Ok(prompts) = listed_prompts(ctx).await
    {
        for p in prompts {
            let names: Vec<String> = p.args.iter().map(|a| a.name.clone()).collect();
            for a in &p.args {
                out.push(Target {
                    reference: json!({ "type": "ref/prompt", "name": p.name }),
                    arg: a.name.clone(),
                    siblings: names.iter().filter(|n| **n != a.name).cloned().collect(),
                    label: format!("argument {:?} of prompt {:?}", a.name, p.name),
                    is_prompt: true,
                });
            }
        }
    }
    if ctx.s.server_has("resources") {
        let w = walk(ctx, TEMPLATES, ITEM_PAGES, MAX_ITEMS).await;
        for t in w
            .items
            .iter()
            .filter_map(|t| t.get("uriTemplate").and_then(Value::as_str))
        {
            let Ok(vars) = rfc6570::parse(t) else {
                continue;
            };
            for v in &vars {
                out.push(Target {
                    reference: json!({ "type": "ref/resource", "uri": t }),
                    arg: v.clone(),
                    siblings: vars.iter().filter(|n| *n != v).cloned().collect(),
                    label: format!("variable {v:?} of template {t:?}"),
                    is_prompt: false,
                });
            }
        }
    }
    out
}

async fn complete(
    ctx: &mut Ctx<'_>,
    t: &Target,
    value: &str,
    context: Option<Map<String, Value>>,
) -> Option<Answer> {
    let mut params = json!({
        "ref": t.reference,
        "argument": { "name": t.arg, "value": value },
    });
    if let Some(c) = context {
        params["context"] = json!({ "arguments": c });
    }
    ctx.call("completion/complete", Some(params)).await
}

/// `completion/complete` for every prompt argument and template variable (at most 30): args
/// `{check}`. `prompt-valid` (COMPLETION-002) / `resource-valid` (COMPLETION-003): values ""
/// and "a" give a valid `CompleteResult` (an error is non-strict). `max-values`
/// (COMPLETION-004): at most 100 values. `total` (COMPLETION-005): `total` is not below the
/// number of values, nor above it with `hasMore: false`. `context` (COMPLETION-006): a request
/// with `context.arguments` is served when the same request without it is. `missing-parts`
/// (COMPLETION-009): leaving out `argument`, `argument.value` or `ref` gives -32602.
/// `hostile-values` (COMPLETION-010): huge, unicode and regex-special values are answered
/// within 5 s and the server keeps serving. `unknown-argument` (PROBE-010): an argument name
/// the prompt or template does not have gets no values (an empty result or -32602).
pub(super) fn completion<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let check = arg_str(args, "check");
        let known = CHECKS
            .iter()
            .find(|(p, _)| *p == "completion")
            .is_some_and(|(_, c)| c.contains(&check));
        if !known {
            return bad_args("completion", args);
        }
        let mut ctx = Ctx::new(s, args);
        let all = targets(&mut ctx).await;
        match check {
            "prompt-valid" | "resource-valid" => {
                let want_prompt = check == "prompt-valid";
                let chosen: Vec<Target> = all
                    .into_iter()
                    .filter(|t| t.is_prompt == want_prompt)
                    .collect();
                completion_valid(ctx, &chosen, want_prompt).await
            }
            "max-values" => completion_max_values(ctx, &all).await,
            "total" => completion_total(ctx, &all).await,
            "context" => completion_context(ctx, &all).await,
            "missing-parts" => completion_missing_parts(ctx, &all).await,
            "unknown-argument" => completion_unknown_argument(ctx, &all).await,
            _ => completion_hostile(ctx, &all).await,
        }
    })
}

/// The argument name no prompt or template of any server is expected to have.
const UNKNOWN_ARGUMENT: &str = "mcpspec-no-such-argument";

async fn completion_unknown_argument(mut ctx: Ctx<'_>, targets: &[Target]) -> ProbeResult {
    let mut tested = false;
    let mut seen_refs = Vec::new();
    for t in targets.iter().take(MAX_TARGETS) {
        if seen_refs.contains(&&t.reference) {
            continue;
        }
        seen_refs.push(&t.reference);
        let unknown = Target {
            arg: UNKNOWN_ARGUMENT.to_string(),
            ..t.clone()
        };
        let Some(answer) = complete(&mut ctx, &unknown, "", None).await else {
            if ctx.halted {
                break;
            }
            continue;
        };
        tested = true;
        let what = t.label.split(" of ").nth(1).unwrap_or(&t.label).to_string();
        match &answer {
            Answer::Result(r) => {
                let n = r
                    .pointer("/completion/values")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                if n > 0 {
                    ctx.find(
                        Verdict::NonStrict,
                        format!("completion/complete offered {n} value(s) for the argument {UNKNOWN_ARGUMENT:?}, which {what} does not have"),
                        "no values (an empty result) or error -32602 for an unknown argument",
                        short(r),
                    );
                }
            }
            a if a.code() == Some(super::context::INVALID_PARAMS) => {}
            a => ctx.find(
                Verdict::Informational,
                format!("completion/complete for the unknown argument {UNKNOWN_ARGUMENT:?} of {what} got an error other than -32602"),
                "no values (an empty result) or error -32602 for an unknown argument",
                a.describe(),
            ),
        }
    }
    ctx.still_alive().await;
    ctx.done(
        tested,
        "the server has no prompt arguments or template variables to complete",
    )
}

async fn completion_valid(mut ctx: Ctx<'_>, targets: &[Target], prompts: bool) -> ProbeResult {
    let mut tested = false;
    'targets: for t in targets.iter().take(MAX_TARGETS) {
        for value in ["", "a"] {
            match complete(&mut ctx, t, value, None).await {
                Some(Answer::Result(r)) => {
                    tested = true;
                    ctx.check_schema(
                        "CompleteResult",
                        &r,
                        &format!("the completion of {} for {value:?}", t.label),
                    );
                }
                Some(a) => {
                    tested = true;
                    ctx.find(
                        Verdict::NonStrict,
                        format!(
                            "completion/complete for {} with value {value:?} failed",
                            t.label
                        ),
                        "a CompleteResult (possibly with no values)",
                        a.describe(),
                    );
                }
                None if ctx.halted => break 'targets,
                None => {}
            }
        }
    }
    let reason = if prompts {
        "no listed prompt has arguments to complete"
    } else {
        "no listed resource template has variables to complete"
    };
    ctx.done(tested, reason)
}

async fn completion_max_values(mut ctx: Ctx<'_>, targets: &[Target]) -> ProbeResult {
    let mut tested = false;
    for t in targets.iter().take(MAX_TARGETS) {
        match complete(&mut ctx, t, "", None).await {
            Some(Answer::Result(r)) => {
                let Some(values) = r.pointer("/completion/values").and_then(Value::as_array) else {
                    continue;
                };
                tested = true;
                if values.len() > 100 {
                    ctx.find(
                        Verdict::Fail,
                        format!(
                            "the completion of {} for \"\" has {} values",
                            t.label,
                            values.len()
                        ),
                        "at most 100 values per completion result",
                        format!("{} values", values.len()),
                    );
                }
            }
            None if ctx.halted => break,
            _ => {}
        }
    }
    ctx.done(tested, "no completion request gave a list of values")
}

async fn completion_total(mut ctx: Ctx<'_>, targets: &[Target]) -> ProbeResult {
    let mut tested = false;
    'targets: for t in targets.iter().take(MAX_TARGETS) {
        for value in ["", "a"] {
            match complete(&mut ctx, t, value, None).await {
                Some(Answer::Result(r)) => {
                    let Some(c) = r.get("completion") else {
                        continue;
                    };
                    let Some(n) = c.get("values").and_then(Value::as_array).map(Vec::len) else {
                        continue;
                    };
                    let Some(total) = c.get("total").and_then(Value::as_u64) else {
                        continue;
                    };
                    tested = true;
                    let n = n as u64;
                    if total < n {
                        ctx.find(
                            Verdict::Fail,
                            format!("the completion of {} for {value:?} has total {total} but {n} values", t.label),
                            "total at least the number of values returned",
                            short(c),
                        );
                    } else if total > n && c.get("hasMore") == Some(&Value::Bool(false)) {
                        ctx.find(
                            Verdict::Fail,
                            format!("the completion of {} for {value:?} has hasMore false but total {total} above its {n} values", t.label),
                            "hasMore true when total exceeds the values returned",
                            short(c),
                        );
                    }
                }
                None if ctx.halted => break 'targets,
                _ => {}
            }
        }
    }
    ctx.done(tested, "no completion result carried a total")
}

async fn completion_context(mut ctx: Ctx<'_>, targets: &[Target]) -> ProbeResult {
    let mut order: Vec<&Target> = targets.iter().filter(|t| !t.siblings.is_empty()).collect();
    order.extend(targets.iter().filter(|t| t.siblings.is_empty()));
    let mut tested = false;
    for t in order.into_iter().take(10) {
        match complete(&mut ctx, t, "", None).await {
            Some(Answer::Result(_)) => {}
            None if ctx.halted => break,
            _ => continue,
        }
        let mut chosen = Map::new();
        if let Some(sibling) = t.siblings.first() {
            let other = Target {
                arg: sibling.clone(),
                ..t.clone()
            };
            let value = match complete(&mut ctx, &other, "", None).await {
                Some(Answer::Result(r)) => r
                    .pointer("/completion/values/0")
                    .and_then(Value::as_str)
                    .unwrap_or("mcpspec")
                    .to_string(),
                _ => "mcpspec".to_string(),
            };
            chosen.insert(sibling.clone(), Value::String(value));
        }
        let shown = Value::Object(chosen.clone());
        match complete(&mut ctx, t, "", Some(chosen)).await {
            Some(Answer::Result(r)) => {
                tested = true;
                ctx.check_schema(
                    "CompleteResult",
                    &r,
                    &format!(
                        "the completion of {} with context.arguments {shown}",
                        t.label
                    ),
                );
            }
            Some(a) => {
                tested = true;
                ctx.find(
                    Verdict::Fail,
                    format!("completion/complete for {} was refused with context.arguments {shown}, though served without it", t.label),
                    "a CompleteResult: context.arguments is a valid part of the request",
                    a.describe(),
                );
            }
            None => {}
        }
        break;
    }
    ctx.done(
        tested,
        "no completion request was answered even without context",
    )
}

async fn completion_missing_parts(mut ctx: Ctx<'_>, targets: &[Target]) -> ProbeResult {
    let mut variants: Vec<(&str, Value)> = Vec::new();
    let arg = targets.first().map_or("value", |t| t.arg.as_str());
    if let Some(t) = targets.first() {
        variants.push(("without argument", json!({ "ref": t.reference })));
        variants.push((
            "without argument.value",
            json!({ "ref": t.reference, "argument": { "name": t.arg } }),
        ));
    }
    variants.push((
        "without ref",
        json!({ "argument": { "name": arg, "value": "" } }),
    ));
    let mut tested = false;
    for (label, params) in variants {
        let Some(answer) = ctx.call_raw("completion/complete", params).await else {
            break;
        };
        tested = true;
        ctx.expect_invalid_params(
            answer,
            format!("completion/complete {label} got an error code other than -32602"),
            format!("completion/complete {label} was served as if complete"),
            "error -32602 (Invalid params)",
        );
    }
    ctx.done(tested, "completion/complete gave no answer")
}

async fn completion_hostile(mut ctx: Ctx<'_>, targets: &[Target]) -> ProbeResult {
    if targets.is_empty() {
        return ctx.done(false, "no prompt argument or template variable to complete");
    }
    let values = [
        "a".repeat(10 * 1024),
        ".*".to_string(),
        "(a+)+$".to_string(),
        "((((((((((a*)*)*)*)*)*)*)*)*)*)*$".to_string(),
        format!("{}!", "a".repeat(64)),
        "\u{1F511}ключ\u{200D}\u{FEFF}".to_string(),
        "\\".to_string(),
        "[".to_string(),
        "%00%ff\u{0}".to_string(),
    ];
    let mut tested = false;
    'targets: for t in targets.iter().take(3) {
        for v in &values {
            let started = Instant::now();
            if complete(&mut ctx, t, v, None).await.is_none() {
                if ctx.halted {
                    break 'targets;
                }
                continue;
            }
            tested = true;
            let took = started.elapsed();
            if took > SLOW_COMPLETION {
                let shown: String = v.chars().take(40).collect();
                ctx.find(
                    Verdict::NonStrict,
                    format!(
                        "completion of {} for {shown:?} took {} ms: a possible pathological match",
                        t.label,
                        took.as_millis()
                    ),
                    "an answer within 5 s",
                    format!("{} ms", took.as_millis()),
                );
            }
        }
    }
    ctx.still_alive().await;
    ctx.done(tested, "completion/complete gave no answer")
}
