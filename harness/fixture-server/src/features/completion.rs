//! `completion/complete` for the prompts' arguments and the item template's `id`: prefix
//! matching over fixed candidate lists, input checks, and the completion knobs. It keeps no
//! state and does not know about the other features beyond their candidate lists.

use serde_json::{Value, json};

use super::Params;
use super::prompts;
use super::resources::{ITEM_IDS, ITEM_TEMPLATE};
use crate::bugs::Bugs;
use crate::protocol::{INTERNAL_ERROR, Reply};

/// Most values one answer may carry.
pub const MAX_VALUES: usize = 100;

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
    if let Some(context) = params.get("context") {
        let arguments_ok = match context.as_object().map(|c| c.get("arguments")) {
            None => false,
            Some(None) => true,
            Some(Some(Value::Object(chosen))) => chosen.values().all(Value::is_string),
            Some(Some(_)) => false,
        };
        if !arguments_ok {
            return Reply::invalid_params("context.arguments must map names to strings");
        }
        let has_arguments = context.get("arguments").is_some();
        if bugs.completion_reject_context && has_arguments {
            return Reply::invalid_params("context is not supported");
        }
    }
    let candidates: &[&str] = match reference.get("type").and_then(Value::as_str) {
        Some("ref/prompt") => {
            let name = reference.get("name").and_then(Value::as_str).unwrap_or("");
            match prompts::candidates(name, arg_name) {
                Some(candidates) => candidates,
                None if bugs.completion_unknown_prompt_empty => {
                    return Reply::Result(json!({ "completion": { "values": [] } }));
                }
                None => return Reply::invalid_params("unknown prompt in ref"),
            }
        }
        Some("ref/resource") => {
            if bugs.completion_template_fails {
                return Reply::error(INTERNAL_ERROR, "internal error");
            }
            match reference.get("uri").and_then(Value::as_str) {
                Some(ITEM_TEMPLATE) if arg_name == "id" => &ITEM_IDS,
                Some(ITEM_TEMPLATE) => &[],
                _ => return Reply::invalid_params("unknown resource template in ref"),
            }
        }
        _ => return Reply::invalid_params("ref.type must be ref/prompt or ref/resource"),
    };
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
