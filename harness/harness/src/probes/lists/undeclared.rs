//! The `undeclared-feature` probe: a server that does not declare the resources, prompts or
//! completions capability must not serve that feature anyway (RESOURCES-001, PROMPTS-001,
//! COMPLETION-001). Not here: checks of a declared feature (the area modules).

use serde_json::{Value, json};

use super::context::{Answer, Ctx, Fut, arg_str, bad_args, short};
use super::walk::{PROMPTS, RESOURCES, TEMPLATES};
use crate::case::model::Verdict;
use crate::session::Session;

/// A feature served without its capability (RESOURCES-001, PROMPTS-001, COMPLETION-001): args
/// `{capability}`. Passes at once when the capability is declared. Otherwise the feature's own
/// requests are sent: a result with items fails, a result without items is non-strict, an error
/// (the expected answer) passes.
pub(super) fn undeclared_feature<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let capability = arg_str(args, "capability");
        let requests: Vec<(&str, Value, &str)> = match capability {
            "resources" => vec![
                (RESOURCES.method, json!({}), "/resources"),
                (TEMPLATES.method, json!({}), "/resourceTemplates"),
            ],
            "prompts" => vec![(PROMPTS.method, json!({}), "/prompts")],
            "completions" => vec![(
                "completion/complete",
                json!({
                    "ref": { "type": "ref/prompt", "name": "mcpspec-probe" },
                    "argument": { "name": "value", "value": "" },
                }),
                "/completion/values",
            )],
            _ => return bad_args("undeclared-feature", args),
        };
        let mut ctx = Ctx::new(s, args);
        if ctx.s.server_has(capability) {
            return ctx.done(true, "");
        }
        let mut tested = false;
        for (method, params, items) in requests {
            let Some(answer) = ctx.call(method, Some(params)).await else {
                break;
            };
            tested = true;
            let Answer::Result(result) = answer else {
                continue;
            };
            let count = result
                .pointer(items)
                .and_then(Value::as_array)
                .map(Vec::len);
            let (verdict, what) = match count {
                Some(n) if n > 0 => (Verdict::Fail, format!("{n} item(s)")),
                _ => (Verdict::NonStrict, "a result without items".to_string()),
            };
            ctx.find(
                verdict,
                format!("{method} was served with {what} although the {capability} capability is not declared"),
                &format!("the {capability} capability declared by a server that offers the feature; an error otherwise"),
                short(&result),
            );
        }
        ctx.done(tested, "the feature's requests got no answer")
    })
}
