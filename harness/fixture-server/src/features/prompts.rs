//! The fixture's prompts: `greet`, `summarize` and `code_review`, their listing and
//! `prompts/get`. Argument values are pasted into the messages verbatim; nothing in them is
//! evaluated. It is not a template engine.

use serde_json::{Map, Value, json};

use super::{Crash, Params};
use crate::bugs::Bugs;
use crate::protocol::Reply;

/// One argument of a prompt: (name, description, required).
type Arg = (&'static str, &'static str, bool);

/// The prompts: (name, title, description, arguments).
const PROMPTS: [(&str, &str, &str, &[Arg]); 3] = [
    (
        "greet",
        "Greet",
        "Asks for a short greeting for someone.",
        &[("name", "Who to greet", true)],
    ),
    (
        "summarize",
        "Summarize",
        "Asks for a summary of the conversation so far.",
        &[(
            "style",
            "How the summary should read, e.g. brief or detailed",
            false,
        )],
    ),
    (
        "code_review",
        "Code review",
        "Asks for a review of a piece of code.",
        &[
            ("code", "The code to review", true),
            ("language", "The programming language of the code", false),
        ],
    ),
];

/// Languages the `code_review` prompt's `language` argument completes to.
pub const LANGUAGES: [&str; 8] = [
    "rust",
    "python",
    "go",
    "javascript",
    "typescript",
    "java",
    "c",
    "cpp",
];
/// Styles the `summarize` prompt's `style` argument completes to.
pub const STYLES: [&str; 3] = ["brief", "detailed", "bullet-points"];
/// Names the `greet` prompt's `name` argument completes to.
pub const GREET_NAMES: [&str; 5] = ["alice", "bob", "carol", "dave", "erin"];

/// The prompts as `prompts/list` shows them (before pagination).
pub fn list(bugs: &Bugs) -> Vec<Value> {
    let mut prompts: Vec<Value> = PROMPTS
        .iter()
        .map(|(name, title, description, args)| {
            let arguments: Vec<Value> = args
                .iter()
                .map(|(arg, about, required)| {
                    json!({ "name": arg, "description": about, "required": required })
                })
                .collect();
            json!({
                "name": name,
                "title": title,
                "description": description,
                "arguments": arguments
            })
        })
        .collect();
    if bugs.prompts_duplicate_names {
        prompts.push(prompts[0].clone());
    }
    prompts
}

/// The completion candidates for argument `arg` of prompt `prompt`: `None` when there is no
/// such prompt, an empty list for an argument without suggestions.
pub fn candidates(prompt: &str, arg: &str) -> Option<&'static [&'static str]> {
    if !PROMPTS.iter().any(|(p, ..)| *p == prompt) {
        return None;
    }
    Some(match (prompt, arg) {
        ("greet", "name") => &GREET_NAMES,
        ("summarize", "style") => &STYLES,
        ("code_review", "language") => &LANGUAGES,
        _ => &[],
    })
}

/// `prompts/get`: -32602 for an unknown prompt or a bad or missing argument.
pub fn get(params: Params, bugs: &Bugs) -> Result<Reply, Crash> {
    let Some(params) = params else {
        return Ok(Reply::invalid_params(
            "prompts/get needs params with a prompt name",
        ));
    };
    let Some(name) = params.get("name").and_then(Value::as_str) else {
        return Ok(Reply::invalid_params("name must be a string"));
    };
    let empty = Map::new();
    let arguments = match params.get("arguments") {
        None => &empty,
        Some(Value::Object(arguments)) => arguments,
        Some(_) => return Ok(Reply::invalid_params("arguments must be an object")),
    };
    if bugs.prompts_crash_on_injection
        && arguments
            .values()
            .any(|v| v.as_str().is_some_and(|s| s.contains("{{")))
    {
        return Err(Crash("template characters in a prompt argument"));
    }
    let Some((_, _, _, declared)) = PROMPTS.iter().find(|(p, ..)| *p == name) else {
        if bugs.prompts_unknown_name_result {
            return Ok(messages(
                bugs,
                &[format!("There is no prompt called {name}.")],
                None,
            ));
        }
        return Ok(Reply::invalid_params(format!("unknown prompt: {name}")));
    };
    let mut values = Map::new();
    for (key, value) in arguments {
        let text = match value {
            Value::String(s) => s.clone(),
            _ if bugs.prompts_non_string_arg_accepted => value.to_string(),
            _ => {
                return Ok(Reply::invalid_params(format!(
                    "argument {key} must be a string"
                )));
            }
        };
        values.insert(key.clone(), Value::String(text));
    }
    for (arg, _, required) in declared.iter() {
        if *required && !values.contains_key(*arg) {
            if !bugs.prompts_missing_arg_accepted {
                return Ok(Reply::invalid_params(format!(
                    "missing required argument: {arg}"
                )));
            }
            values.insert((*arg).to_owned(), json!(""));
        }
    }
    let value = |key: &str| values.get(key).and_then(Value::as_str);
    Ok(match name {
        "greet" => messages(
            bugs,
            &[format!(
                "Please write a short greeting for {}.",
                value("name").unwrap_or_default()
            )],
            None,
        ),
        "summarize" => {
            let ask = match value("style") {
                Some(style) => {
                    format!("Please summarize our conversation so far in a {style} style.")
                }
                None => "Please summarize our conversation so far.".to_owned(),
            };
            messages(bugs, &[ask], None)
        }
        _ => {
            let code = value("code").unwrap_or_default();
            let ask = match value("language") {
                Some(language) => format!("Please review this {language} code:\n\n{code}"),
                None => format!("Please review this code:\n\n{code}"),
            };
            messages(
                bugs,
                &[ask],
                Some("I will check it for correctness, clarity and style."),
            )
        }
    })
}

/// A `prompts/get` result: one user message per text, then the optional assistant message.
fn messages(bugs: &Bugs, user: &[String], assistant: Option<&str>) -> Reply {
    let role = |r: &'static str| if bugs.prompts_bad_role { "system" } else { r };
    let mut out: Vec<Value> = user
        .iter()
        .map(|text| json!({ "role": role("user"), "content": { "type": "text", "text": text } }))
        .collect();
    if let Some(text) = assistant {
        out.push(json!({ "role": role("assistant"), "content": { "type": "text", "text": text } }));
    }
    Reply::Result(json!({ "description": "A request for the model", "messages": out }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::INVALID_PARAMS;

    fn get_clean(params: Value) -> Reply {
        get(params.as_object(), &Bugs::default()).expect("no crash")
    }

    #[test]
    fn prompt_argument_values_must_be_strings_and_present() {
        for params in [
            json!({"name":"greet","arguments":{"name":3}}),
            json!({"name":"greet","arguments":{}}),
            json!({"name":"code_review","arguments":{"language":"go"}}),
            json!({"name":"nope"}),
            json!({"name":"greet","arguments":[]}),
        ] {
            let Reply::Error { code, .. } = get_clean(params.clone()) else {
                panic!("{params} accepted");
            };
            assert_eq!(code, INVALID_PARAMS);
        }
    }

    #[test]
    fn values_are_used_verbatim() {
        let Reply::Result(r) =
            get_clean(json!({"name":"greet","arguments":{"name":"{{7*7}} ${x}"}}))
        else {
            panic!("expected a result");
        };
        let text = r["messages"][0]["content"]["text"].as_str().expect("text");
        assert!(text.contains("{{7*7}} ${x}"), "{text}");
    }

    #[test]
    fn code_review_adds_an_assistant_message() {
        let Reply::Result(r) = get_clean(json!({"name":"code_review","arguments":{"code":"x=1"}}))
        else {
            panic!("expected a result");
        };
        let roles: Vec<&Value> = r["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .map(|m| &m["role"])
            .collect();
        assert_eq!(roles, vec!["user", "assistant"]);
        let Reply::Result(r) = get_clean(json!({"name":"summarize"})) else {
            panic!("optional arguments may be left out");
        };
        assert_eq!(r["messages"].as_array().map(Vec::len), Some(1));
    }
}
