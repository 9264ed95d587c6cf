//! Prompt probes: `prompts/list` pages and unique names, and `prompts/get` with filled,
//! missing, non-string and hostile arguments. Not here: completing prompt arguments as a
//! check of its own (`completion.rs`; this module only borrows completions to fill values).

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::context::{Answer, Ctx, Fut, arg_str, bad_args, short};
use super::walk::{ITEM_PAGES, MAX_ITEMS, PROMPTS, WalkEnd, check_pages, walk};
use crate::case::model::Verdict;
use crate::probes::ProbeResult;
use crate::session::Session;

/// Prompts fetched per probe.
const MAX_PROMPTS: usize = 20;

/// One argument of a listed prompt.
#[derive(Debug, Clone)]
pub(super) struct PromptArg {
    pub(super) name: String,
    required: bool,
}

/// A listed prompt.
#[derive(Debug, Clone)]
pub(super) struct PromptInfo {
    pub(super) name: String,
    pub(super) args: Vec<PromptArg>,
}

impl PromptInfo {
    fn from_value(v: &Value) -> Option<PromptInfo> {
        let name = v.get("name")?.as_str()?.to_string();
        let args = v
            .get("arguments")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|a| {
                        Some(PromptArg {
                            name: a.get("name")?.as_str()?.to_string(),
                            required: a.get("required") == Some(&Value::Bool(true)),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(PromptInfo { name, args })
    }

    fn first_required(&self) -> Option<&PromptArg> {
        self.args.iter().find(|a| a.required)
    }
}

/// The prompts `prompts/list` returned, or why there are none to use.
pub(super) async fn listed_prompts(ctx: &mut Ctx<'_>) -> Result<Vec<PromptInfo>, String> {
    let w = walk(ctx, PROMPTS, ITEM_PAGES, MAX_ITEMS).await;
    match w.end {
        WalkEnd::FirstError(a) => Err(format!("prompts/list answered {}", a.describe())),
        WalkEnd::Halted if w.pages.is_empty() => Err("prompts/list gave no answer".into()),
        _ => Ok(w.items.iter().filter_map(PromptInfo::from_value).collect()),
    }
}

/// `prompts/list` (PROMPTS-002): every page is a `ListPromptsResult`, no prompt name appears
/// twice (fail) and no argument name twice within one prompt (non-strict). An error for the
/// list while `prompts` is declared fails.
pub(super) fn prompts_list<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let mut ctx = Ctx::new(s, args);
        let w = walk(&mut ctx, PROMPTS, ITEM_PAGES, MAX_ITEMS).await;
        if let WalkEnd::FirstError(a) = &w.end {
            ctx.find(
                Verdict::Fail,
                "prompts/list failed although the prompts capability is declared".into(),
                "a ListPromptsResult",
                a.describe(),
            );
        }
        check_pages(&mut ctx, PROMPTS, &w.pages);
        let prompts: Vec<PromptInfo> = w.items.iter().filter_map(PromptInfo::from_value).collect();
        let mut names = HashSet::new();
        for p in &prompts {
            if !names.insert(p.name.as_str()) {
                ctx.find(
                    Verdict::Fail,
                    format!(
                        "prompts/list lists the prompt name {:?} more than once",
                        p.name
                    ),
                    "unique prompt names across all pages",
                    format!("duplicate name {:?}", p.name),
                );
            }
            let mut arg_names = HashSet::new();
            for a in &p.args {
                if !arg_names.insert(a.name.as_str()) {
                    ctx.find(
                        Verdict::NonStrict,
                        format!(
                            "prompt {:?} declares the argument {:?} more than once",
                            p.name, a.name
                        ),
                        "unique argument names within a prompt",
                        format!("duplicate argument {:?}", a.name),
                    );
                }
            }
        }
        let tested = !w.pages.is_empty();
        ctx.done(tested, "prompts/list gave no answer")
    })
}

/// Argument values for a prompt: every required argument (every argument with `all`) except
/// `skip`, from the server's own completions when it offers them, else a sample string.
async fn fill(ctx: &mut Ctx<'_>, prompt: &PromptInfo, skip: Option<&str>) -> Map<String, Value> {
    let completions = ctx.s.server_has("completions");
    let mut chosen = Map::new();
    for a in prompt.args.iter().filter(|a| a.required) {
        if Some(a.name.as_str()) == skip {
            continue;
        }
        let mut value = "mcpspec".to_string();
        if completions && !ctx.halted {
            let mut params = json!({
                "ref": { "type": "ref/prompt", "name": prompt.name },
                "argument": { "name": a.name, "value": "" },
            });
            if !chosen.is_empty() {
                params["context"] = json!({ "arguments": chosen });
            }
            if let Some(Answer::Result(r)) = ctx.call("completion/complete", Some(params)).await
                && let Some(v) = r.pointer("/completion/values/0").and_then(Value::as_str)
                && !v.is_empty()
            {
                value = v.to_string();
            }
        }
        chosen.insert(a.name.clone(), Value::String(value));
    }
    chosen
}

fn get_params(prompt: &PromptInfo, args: Map<String, Value>, always: bool) -> Value {
    let mut params = json!({ "name": prompt.name });
    if always || !args.is_empty() {
        params["arguments"] = Value::Object(args);
    }
    params
}

/// `prompts/get`: args `{check}`. `valid` (PROMPTS-003): each listed prompt (at most 20),
/// required arguments filled from completions or samples, gives a valid `GetPromptResult`.
/// `missing-required` (PROMPTS-005): leaving out a required argument gives -32602.
/// `non-string` (PROMPTS-006): a number, object or boolean as a value gives -32602.
/// `injection` (PROMPTS-007): template-injection, control-character and 100 KB values get a
/// result or an error, never a crash; output showing an evaluated `7*7` is non-strict.
/// `embedded-resources` (CONTENT-005): each embedded resource in the messages has an RFC 3986
/// uri and text or a base64 blob (else fail) and a mimeType (else non-strict).
pub(super) fn prompts_get<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let check = arg_str(args, "check");
        if ![
            "valid",
            "missing-required",
            "non-string",
            "injection",
            "embedded-resources",
        ]
        .contains(&check)
        {
            return bad_args("prompts-get", args);
        }
        let mut ctx = Ctx::new(s, args);
        let prompts = match listed_prompts(&mut ctx).await {
            Ok(p) if p.is_empty() => return ctx.done(false, "the server lists no prompts"),
            Ok(p) => p,
            Err(why) => return ctx.done(false, &why),
        };
        match check {
            "valid" => prompts_get_valid(ctx, &prompts).await,
            "missing-required" => prompts_missing_required(ctx, &prompts).await,
            "non-string" => prompts_non_string(ctx, &prompts).await,
            "embedded-resources" => prompts_embedded_resources(ctx, &prompts).await,
            _ => prompts_injection(ctx, &prompts).await,
        }
    })
}

async fn prompts_get_valid(mut ctx: Ctx<'_>, prompts: &[PromptInfo]) -> ProbeResult {
    let mut tested = false;
    let mut rejected = Vec::new();
    for p in prompts.iter().take(MAX_PROMPTS) {
        let args = fill(&mut ctx, p, None).await;
        match ctx
            .call("prompts/get", Some(get_params(p, args, false)))
            .await
        {
            Some(Answer::Result(r)) => {
                tested = true;
                ctx.check_schema(
                    "GetPromptResult",
                    &r,
                    &format!("prompts/get of {:?}", p.name),
                );
            }
            Some(a) if p.first_required().is_some() => {
                // The sample values may simply not be acceptable to this prompt.
                rejected.push(format!("{}: {}", p.name, a.describe()));
            }
            Some(a) => {
                tested = true;
                ctx.find(
                    Verdict::NonStrict,
                    format!(
                        "prompts/get of {:?}, which has no required arguments, failed",
                        p.name
                    ),
                    "a GetPromptResult",
                    a.describe(),
                );
            }
            None if ctx.halted => break,
            None => {}
        }
    }
    let reason = format!(
        "every prompts/get with sample arguments was rejected ({})",
        rejected.join("; ")
    );
    ctx.done(tested, &reason)
}

async fn prompts_embedded_resources(mut ctx: Ctx<'_>, prompts: &[PromptInfo]) -> ProbeResult {
    let mut seen = 0;
    for p in prompts.iter().take(MAX_PROMPTS) {
        let args = fill(&mut ctx, p, None).await;
        let Some(answer) = ctx
            .call("prompts/get", Some(get_params(p, args, false)))
            .await
        else {
            if ctx.halted {
                break;
            }
            continue;
        };
        let Answer::Result(r) = answer else { continue };
        let messages = r.get("messages").and_then(Value::as_array);
        for (i, m) in messages.into_iter().flatten().enumerate() {
            let Some(res) = m
                .get("content")
                .filter(|c| c.get("type") == Some(&json!("resource")))
            else {
                continue;
            };
            seen += 1;
            let res = res.get("resource").unwrap_or(&Value::Null);
            for (verdict, problem) in embedded_problems(res) {
                ctx.find(
                    verdict,
                    format!(
                        "prompts/get of {:?}: the embedded resource in message {i} {problem}",
                        p.name
                    ),
                    "a uri (RFC 3986), a mimeType, and either text or a base64 blob",
                    short(res),
                );
            }
        }
    }
    ctx.done(seen > 0, "no prompt returned an embedded resource")
}

/// What is wrong with one embedded resource's contents (CONTENT-005).
fn embedded_problems(res: &Value) -> Vec<(Verdict, String)> {
    let mut out = Vec::new();
    match res.get("uri").and_then(Value::as_str) {
        None => out.push((Verdict::Fail, "has no uri".to_string())),
        Some(uri) => {
            if let Err(why) = super::rfc3986::check(uri) {
                out.push((
                    Verdict::Fail,
                    format!("has a uri that is not RFC 3986: {why}"),
                ));
            }
        }
    }
    let text = res.get("text").is_some_and(Value::is_string);
    let blob = res.get("blob").and_then(Value::as_str);
    match (text, blob) {
        (false, None) => out.push((Verdict::Fail, "has neither text nor blob".to_string())),
        (_, Some(b)) if !mcpspec_schema::is_strict_base64(b) => {
            out.push((Verdict::Fail, "has a blob that is not base64".to_string()))
        }
        _ => {}
    }
    if res.get("mimeType").is_none() {
        out.push((
            Verdict::NonStrict,
            "has no mimeType (the schema leaves it optional, the prompts page asks for one)"
                .to_string(),
        ));
    }
    out
}

async fn prompts_missing_required(mut ctx: Ctx<'_>, prompts: &[PromptInfo]) -> ProbeResult {
    let Some((p, omit)) = prompts
        .iter()
        .find_map(|p| Some((p, p.first_required()?.name.clone())))
    else {
        return ctx.done(false, "no listed prompt has a required argument");
    };
    let args = fill(&mut ctx, p, Some(&omit)).await;
    let answer = ctx
        .call("prompts/get", Some(get_params(p, args, true)))
        .await;
    let tested = answer.is_some();
    if let Some(a) = answer {
        ctx.expect_invalid_params(
            a,
            format!("prompts/get of {:?} without its required argument {omit:?} got an error code other than -32602", p.name),
            format!("prompts/get of {:?} was served without its required argument {omit:?}", p.name),
            "error -32602 (Invalid params)",
        );
    }
    ctx.done(tested, "prompts/get gave no answer")
}

async fn prompts_non_string(mut ctx: Ctx<'_>, prompts: &[PromptInfo]) -> ProbeResult {
    let chosen = prompts
        .iter()
        .find(|p| p.first_required().is_some())
        .or_else(|| prompts.iter().find(|p| !p.args.is_empty()));
    let Some(p) = chosen else {
        return ctx.done(false, "no listed prompt takes arguments");
    };
    let Some(target) = p.first_required().or_else(|| p.args.first()).cloned() else {
        return ctx.done(false, "no listed prompt takes arguments");
    };
    let base = fill(&mut ctx, p, Some(&target.name)).await;
    let mut tested = false;
    for bad in [json!(42), json!({ "text": "mcpspec" }), json!(true)] {
        let mut args = base.clone();
        args.insert(target.name.clone(), bad.clone());
        let params = json!({ "name": p.name, "arguments": args });
        let Some(answer) = ctx.call_raw("prompts/get", params).await else {
            break;
        };
        tested = true;
        ctx.expect_invalid_params(
            answer,
            format!("prompts/get of {:?} with {} as the value of {:?} got an error code other than -32602", p.name, bad, target.name),
            format!("prompts/get of {:?} accepted {} as the value of {:?}", p.name, bad, target.name),
            "error -32602 (Invalid params): argument values are strings",
        );
    }
    ctx.done(tested, "prompts/get gave no answer")
}

/// Every string inside a JSON value, joined by newlines.
fn texts(v: &Value) -> String {
    fn walk_into(v: &Value, out: &mut String) {
        match v {
            Value::String(s) => {
                out.push_str(s);
                out.push('\n');
            }
            Value::Array(a) => a.iter().for_each(|x| walk_into(x, out)),
            Value::Object(o) => o.values().for_each(|x| walk_into(x, out)),
            _ => {}
        }
    }
    let mut out = String::new();
    walk_into(v, &mut out);
    out
}

/// Whether a prompt's output suggests the template payload `7*7` was evaluated.
fn evaluated(payload: &str, baseline: &str, output: &str) -> bool {
    payload.contains("7*7")
        && !output.contains(payload)
        && output.contains("49")
        && !baseline.contains("49")
}

async fn prompts_injection(mut ctx: Ctx<'_>, prompts: &[PromptInfo]) -> ProbeResult {
    let targets: Vec<&PromptInfo> = prompts
        .iter()
        .filter(|p| !p.args.is_empty())
        .take(5)
        .collect();
    if targets.is_empty() {
        return ctx.done(false, "no listed prompt takes arguments");
    }
    let payloads = [
        "{{7*7}}".to_string(),
        "${7*7}".to_string(),
        "#{7*7}".to_string(),
        "<%= 7*7 %>".to_string(),
        "%s%s%s%n%x".to_string(),
        "\u{0}\u{7}\u{1b}[31m\u{7f}\r\n\u{2028}".to_string(),
        "'; DROP TABLE prompts; --".to_string(),
        "A".repeat(100 * 1024),
    ];
    let mut tested = false;
    'prompts: for p in targets {
        let with = |value: &str| {
            let args: Map<String, Value> = p
                .args
                .iter()
                .map(|a| (a.name.clone(), Value::String(value.to_string())))
                .collect();
            json!({ "name": p.name, "arguments": args })
        };
        let baseline = match ctx.call("prompts/get", Some(with("mcpspec"))).await {
            Some(Answer::Result(r)) => texts(&r),
            Some(_) => String::new(),
            None => break,
        };
        for payload in &payloads {
            let Some(answer) = ctx.call("prompts/get", Some(with(payload))).await else {
                break 'prompts;
            };
            tested = true;
            if let Answer::Result(r) = &answer
                && evaluated(payload, &baseline, &texts(r))
            {
                ctx.find(
                    Verdict::NonStrict,
                    format!("prompts/get of {:?} with the argument value {payload:?} returned text containing 49: the template expression may have been evaluated", p.name),
                    "argument values used as data, never evaluated",
                    short(r),
                );
            }
        }
    }
    ctx.still_alive().await;
    ctx.done(tested, "prompts/get gave no answer")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluation_heuristic() {
        assert!(evaluated("{{7*7}}", "Hello mcpspec", "Hello 49"));
        assert!(!evaluated("{{7*7}}", "Hello mcpspec", "Hello {{7*7}} 49"));
        assert!(!evaluated("{{7*7}}", "at 12:49", "at 12:49"));
        assert!(!evaluated("%s%s", "x", "49"));
    }
}
