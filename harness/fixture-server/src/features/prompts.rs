//! The fixture's prompts: `greet`, `summarize`, `code_review` and `embedded_resource` (which
//! hands over the greeting resource as an embedded resource), their listing and `prompts/get`.
//! Argument values are pasted into the messages verbatim; nothing in them is evaluated. It is
//! not a template engine.

use serde_json::{Map, Value, json};

use super::resources::{self, GREETING_URI};
use super::{Crash, Params};
use crate::bugs::Bugs;
use crate::protocol::Reply;

/// One argument of a prompt: (name, description, required).
type Arg = (&'static str, &'static str, bool);

/// The prompts: (name, title, description, arguments).
const PROMPTS: [(&str, &str, &str, &[Arg]); 4] = [
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
    (
        "embedded_resource",
        "Embedded resource",
        "Hands the model the greeting resource as an embedded resource.",
        &[],
    ),
];

/// The description every `prompts/get` result carries.
const RESULT_DESCRIPTION: &str = "A request for the model";

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
/// such prompt, an empty list for an argument without suggestions or one the prompt lacks.
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

/// True when prompt `prompt` exists and declares an argument called `arg`.
pub fn has_argument(prompt: &str, arg: &str) -> bool {
    PROMPTS
        .iter()
        .any(|(p, _, _, args)| *p == prompt && args.iter().any(|(a, ..)| *a == arg))
}

/// `prompts/get`: -32602 for an unknown prompt or a bad or missing argument.
pub fn get(params: Params, bugs: &Bugs) -> Result<Reply, Crash> {
    if bugs.wrong_params_accepted
        && !params
            .and_then(|p| p.get("name"))
            .is_some_and(Value::is_string)
    {
        return Ok(Reply::Result(json!({ "messages": [] })));
    }
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
    Ok(match argument_values(arguments, declared, bugs) {
        Ok(values) => render(name, &values, bugs),
        Err(reply) => reply,
    })
}

/// The argument values as strings, with every required argument present, or the -32602 reply.
fn argument_values(
    arguments: &Map<String, Value>,
    declared: &[Arg],
    bugs: &Bugs,
) -> Result<Map<String, Value>, Reply> {
    let mut values = Map::new();
    for (key, value) in arguments {
        let text = match value {
            Value::String(s) => s.clone(),
            _ if bugs.prompts_non_string_arg_accepted => value.to_string(),
            _ => {
                return Err(Reply::invalid_params(format!(
                    "argument {key} must be a string"
                )));
            }
        };
        values.insert(key.clone(), Value::String(text));
    }
    for (arg, _, required) in declared {
        if *required && !values.contains_key(*arg) {
            if !bugs.prompts_missing_arg_accepted {
                return Err(Reply::invalid_params(format!(
                    "missing required argument: {arg}"
                )));
            }
            values.insert((*arg).to_owned(), json!(""));
        }
    }
    Ok(values)
}

/// The `prompts/get` result of prompt `name` (a known prompt) with checked argument `values`.
fn render(name: &str, values: &Map<String, Value>, bugs: &Bugs) -> Reply {
    let value = |key: &str| values.get(key).and_then(Value::as_str);
    match name {
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
        "embedded_resource" => embedded_resource(bugs),
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
    }
}

/// The role a message of role `role` is sent with (`prompts-bad-role` makes them all "system").
fn role(bugs: &Bugs, role: &'static str) -> &'static str {
    if bugs.prompts_bad_role {
        "system"
    } else {
        role
    }
}

/// A `prompts/get` result: one user message per text, then the optional assistant message.
fn messages(bugs: &Bugs, user: &[String], assistant: Option<&str>) -> Reply {
    let mut out: Vec<Value> = user
        .iter()
        .map(|text| json!({ "role": role(bugs, "user"), "content": { "type": "text", "text": text } }))
        .collect();
    if let Some(text) = assistant {
        out.push(
            json!({ "role": role(bugs, "assistant"), "content": { "type": "text", "text": text } }),
        );
    }
    Reply::Result(json!({ "description": RESULT_DESCRIPTION, "messages": out }))
}

/// The `embedded_resource` prompt: one user message embedding the greeting exactly as
/// `resources/read` returns it (`prompts-bad-embedded-resource` drops its text).
fn embedded_resource(bugs: &Bugs) -> Reply {
    let mut resource = resources::contents(GREETING_URI, 0).unwrap_or_default();
    if bugs.prompts_bad_embedded_resource
        && let Value::Object(fields) = &mut resource
    {
        fields.remove("text");
        fields.remove("blob");
    }
    let message = json!({
        "role": role(bugs, "user"),
        "content": { "type": "resource", "resource": resource }
    });
    Reply::Result(json!({ "description": RESULT_DESCRIPTION, "messages": [message] }))
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
    fn embedded_resource_embeds_what_resources_read_returns() {
        let Reply::Result(r) = get_clean(json!({"name":"embedded_resource"})) else {
            panic!("expected a result");
        };
        let read = resources::contents(GREETING_URI, 0).expect("greeting");
        assert_eq!(
            r["messages"],
            json!([{"role":"user","content":{"type":"resource","resource":read}}])
        );
        let bugs = Bugs {
            prompts_bad_embedded_resource: true,
            ..Bugs::default()
        };
        let Ok(Reply::Result(r)) = get(json!({"name":"embedded_resource"}).as_object(), &bugs)
        else {
            panic!("expected a result");
        };
        assert_eq!(
            r["messages"][0]["content"]["resource"],
            json!({"uri":GREETING_URI,"mimeType":"text/plain"})
        );
        assert!(has_argument("greet", "name"));
        assert!(!has_argument("greet", "style"));
        assert!(!has_argument("embedded_resource", "name"));
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
