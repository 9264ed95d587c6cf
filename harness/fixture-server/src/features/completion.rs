//! `completion/complete` for the prompts' arguments and the item template's `id`: prefix
//! matching over fixed candidate lists, input checks, and the completion knobs. It keeps no
//! state and does not know about the other features beyond their candidate lists.

use serde_json::{Map, Value, json};

use super::Params;
use super::prompts;
use super::resources::{ITEM_IDS, ITEM_TEMPLATE};
use crate::bugs::Bugs;
use crate::protocol::{INTERNAL_ERROR, Reply};

/// Most values one answer may carry.
pub const MAX_VALUES: usize = 100;

/// What `completion-unknown-argument-values` offers for an argument the prompt does not have.
const UNKNOWN_ARGUMENT_VALUES: [&str; 2] = ["alpha", "beta"];

/// `completion/complete`.
pub fn complete(params: Params, bugs: &Bugs) -> Reply {
    let Some(params) = params else {
        return Reply::invalid_params("completion/complete needs params");
    };
    let Some(reference) = params.get("ref").and_then(Value::as_object) else {
        return Reply::invalid_params("ref must be an object");
    };
    let argument = params.get("argument").and_then(Value::as_object);
    let arg_name = argument.and_then(|a| a.get("name")).and_then(Value::as_str);
    let prefix = argument
        .and_then(|a| a.get("value"))
        .and_then(Value::as_str);
    let (Some(arg_name), Some(prefix)) = (arg_name, prefix) else {
        if bugs.completion_missing_argument_accepted {
            return Reply::Result(json!({
                "completion": { "values": [], "total": 0, "hasMore": false }
            }));
        }
        return Reply::invalid_params("argument needs string name and value");
    };
    if let Some(context) = params.get("context")
        && let Err(reply) = check_context(context, bugs)
    {
        return reply;
    }
    let candidates = match reference.get("type").and_then(Value::as_str) {
        Some("ref/prompt") => prompt_candidates(reference, arg_name, bugs),
        Some("ref/resource") => template_candidates(reference, arg_name, bugs),
        _ => Err(Reply::invalid_params(
            "ref.type must be ref/prompt or ref/resource",
        )),
    };
    match candidates {
        Ok(candidates) => answer(candidates, prefix, bugs),
        Err(reply) => reply,
    }
}

/// Checks `context`: its `arguments`, when present, must map names to strings.
fn check_context(context: &Value, bugs: &Bugs) -> Result<(), Reply> {
    let arguments_ok = match context.as_object().map(|c| c.get("arguments")) {
        None => false,
        Some(None) => true,
        Some(Some(Value::Object(chosen))) => chosen.values().all(Value::is_string),
        Some(Some(_)) => false,
    };
    if !arguments_ok {
        return Err(Reply::invalid_params(
            "context.arguments must map names to strings",
        ));
    }
    if bugs.completion_reject_context && context.get("arguments").is_some() {
        return Err(Reply::invalid_params("context is not supported"));
    }
    Ok(())
}

/// The candidates for argument `arg_name` of the prompt `reference` names, or the reply to
/// send instead.
fn prompt_candidates(
    reference: &Map<String, Value>,
    arg_name: &str,
    bugs: &Bugs,
) -> Result<&'static [&'static str], Reply> {
    let name = reference.get("name").and_then(Value::as_str).unwrap_or("");
    match prompts::candidates(name, arg_name) {
        Some(_)
            if bugs.completion_unknown_argument_values
                && !prompts::has_argument(name, arg_name) =>
        {
            // Offered whatever was typed.
            Err(Reply::Result(json!({
                "completion": { "values": UNKNOWN_ARGUMENT_VALUES, "total": 2, "hasMore": false }
            })))
        }
        Some(candidates) => Ok(candidates),
        None if bugs.completion_unknown_prompt_empty => {
            Err(Reply::Result(json!({ "completion": { "values": [] } })))
        }
        None => Err(Reply::invalid_params("unknown prompt in ref")),
    }
}

/// The candidates for argument `arg_name` of the template `reference` names, or the reply to
/// send instead.
fn template_candidates(
    reference: &Map<String, Value>,
    arg_name: &str,
    bugs: &Bugs,
) -> Result<&'static [&'static str], Reply> {
    if bugs.completion_template_fails {
        return Err(Reply::error(INTERNAL_ERROR, "internal error"));
    }
    match reference.get("uri").and_then(Value::as_str) {
        Some(ITEM_TEMPLATE) if arg_name == "id" => Ok(&ITEM_IDS),
        Some(ITEM_TEMPLATE) => Ok(&[]),
        _ => Err(Reply::invalid_params("unknown resource template in ref")),
    }
}

/// The completion result: the candidates starting with `prefix`, at most [`MAX_VALUES`].
fn answer(candidates: &[&str], prefix: &str, bugs: &Bugs) -> Reply {
    let matches: Vec<String> = if bugs.completion_too_many_values {
        (0..150).map(|i| format!("{prefix}{i:03}")).collect()
    } else {
        candidates
            .iter()
            .filter(|c| c.starts_with(prefix))
            .map(|c| (*c).to_owned())
            .collect()
    };
    let total = if bugs.completion_total_too_small {
        0
    } else {
        matches.len()
    };
    let shown = if bugs.completion_too_many_values {
        matches.len()
    } else {
        matches.len().min(MAX_VALUES)
    };
    let values: Vec<Value> = matches[..shown]
        .iter()
        .enumerate()
        .map(|(i, v)| {
            if bugs.completion_values_not_strings {
                json!(i + 1)
            } else {
                json!(v)
            }
        })
        .collect();
    Reply::Result(json!({
        "completion": { "values": values, "total": total, "hasMore": shown < matches.len() }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::INVALID_PARAMS;

    fn run(params: Value) -> Reply {
        complete(params.as_object(), &Bugs::default())
    }

    #[test]
    fn completion_filters_by_prefix() {
        assert_eq!(
            run(
                json!({"ref":{"type":"ref/resource","uri":ITEM_TEMPLATE},"argument":{"name":"id","value":"1"}})
            ),
            Reply::Result(json!({"completion":{"values":["1","10"],"total":2,"hasMore":false}}))
        );
        assert_eq!(
            run(
                json!({"ref":{"type":"ref/prompt","name":"code_review"},"argument":{"name":"language","value":"py"},"context":{"arguments":{"code":"x"}}})
            ),
            Reply::Result(json!({"completion":{"values":["python"],"total":1,"hasMore":false}}))
        );
    }

    #[test]
    fn arguments_a_prompt_lacks_complete_to_nothing() {
        let params = json!({"ref":{"type":"ref/prompt","name":"greet"},"argument":{"name":"colour","value":""}});
        assert_eq!(
            run(params.clone()),
            Reply::Result(json!({"completion":{"values":[],"total":0,"hasMore":false}}))
        );
        let bugs = Bugs {
            completion_unknown_argument_values: true,
            ..Bugs::default()
        };
        let Reply::Result(r) = complete(params.as_object(), &bugs) else {
            panic!("expected a result");
        };
        assert_eq!(r["completion"]["values"], json!(["alpha", "beta"]));
        // Declared arguments are unaffected.
        let known = json!({"ref":{"type":"ref/prompt","name":"greet"},"argument":{"name":"name","value":"b"}});
        let Reply::Result(r) = complete(known.as_object(), &bugs) else {
            panic!("expected a result");
        };
        assert_eq!(r["completion"]["values"], json!(["bob"]));
    }

    #[test]
    fn completion_checks_its_input() {
        for params in [
            json!({"ref":{"type":"ref/prompt","name":"greet"},"argument":{"name":"name"}}),
            json!({"ref":{"type":"ref/prompt","name":"greet"}}),
            json!({"argument":{"name":"name","value":""}}),
            json!({"ref":{"type":"ref/prompt","name":"nope"},"argument":{"name":"name","value":""}}),
            json!({"ref":{"type":"ref/resource","uri":"fixture://nope/{x}"},"argument":{"name":"x","value":""}}),
            json!({"ref":{"type":"ref/prompt","name":"greet"},"argument":{"name":"name","value":""},"context":{"arguments":{"x":1}}}),
        ] {
            let Reply::Error { code, .. } = run(params.clone()) else {
                panic!("{params} accepted");
            };
            assert_eq!(code, INVALID_PARAMS, "{params}");
        }
    }
}
