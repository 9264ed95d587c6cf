//! The MCP features the fixture server offers after initialization: tools, resources, prompts,
//! logging levels and completion. Each handler turns a request's params into a [`Reply`]; none of
//! them writes to stdout, tracks session state or looks at the JSON-RPC envelope.

use serde_json::{Map, Number, Value, json};

use crate::bugs::Bugs;
use crate::protocol::{RESOURCE_NOT_FOUND, Reply};

/// URI of the one static resource.
pub const GREETING_URI: &str = "fixture://greeting";
/// URI template of the item resources.
pub const ITEM_TEMPLATE: &str = "fixture://items/{id}";
/// The eight log levels, least severe first.
pub const LOG_LEVELS: [&str; 8] = [
    "debug",
    "info",
    "notice",
    "warning",
    "error",
    "critical",
    "alert",
    "emergency",
];

const ITEM_PREFIX: &str = "fixture://items/";
const GREET_NAMES: [&str; 5] = ["alice", "bob", "carol", "dave", "erin"];
const ITEM_IDS: [&str; 5] = ["1", "2", "3", "10", "42"];

type Params<'a> = Option<&'a Map<String, Value>>;

/// The list methods return a single page, so the server never hands out a cursor and any cursor a
/// client sends is one it cannot know.
fn reject_cursor(params: Params) -> Option<Reply> {
    match params.and_then(|p| p.get("cursor")) {
        None | Some(Value::Null) => None,
        Some(_) => Some(Reply::invalid_params("invalid cursor")),
    }
}

// ---- tools ---------------------------------------------------------------------------------

/// `tools/list`: the `echo` and `add` tools.
pub fn tools_list(params: Params, bugs: &Bugs) -> Reply {
    if let Some(reply) = reject_cursor(params) {
        return reply;
    }
    let echo_schema = if bugs.tools_list_invalid_schema {
        json!({ "type": "string" })
    } else {
        json!({
            "type": "object",
            "properties": { "text": { "type": "string" } },
            "required": ["text"]
        })
    };
    Reply::Result(json!({
        "tools": [
            {
                "name": "echo",
                "title": "Echo",
                "description": "Returns the given text unchanged.",
                "inputSchema": echo_schema,
                "annotations": { "readOnlyHint": true }
            },
            {
                "name": "add",
                "title": "Add",
                "description": "Adds two numbers.",
                "inputSchema": {
                    "type": "object",
                    "properties": { "a": { "type": "number" }, "b": { "type": "number" } },
                    "required": ["a", "b"]
                },
                "outputSchema": {
                    "type": "object",
                    "properties": { "sum": { "type": "number" } },
                    "required": ["sum"]
                },
                "annotations": { "readOnlyHint": true }
            }
        ]
    }))
}

/// `tools/call`: unknown tools are a protocol error, bad arguments a tool error (`isError`).
pub fn tools_call(params: Params) -> Reply {
    let Some(params) = params else {
        return Reply::invalid_params("tools/call needs params with a tool name");
    };
    let Some(name) = params.get("name").and_then(Value::as_str) else {
        return Reply::invalid_params("name must be a string");
    };
    let empty = Map::new();
    let arguments = match params.get("arguments") {
        None => &empty,
        Some(Value::Object(arguments)) => arguments,
        Some(_) if is_tool(name) => return tool_error("arguments must be an object"),
        Some(_) => &empty,
    };
    match name {
        "echo" => call_echo(arguments),
        "add" => call_add(arguments),
        _ => Reply::invalid_params(format!("unknown tool: {name}")),
    }
}

fn is_tool(name: &str) -> bool {
    name == "echo" || name == "add"
}

fn call_echo(arguments: &Map<String, Value>) -> Reply {
    match arguments.get("text") {
        Some(Value::String(text)) => Reply::Result(json!({
            "content": [{ "type": "text", "text": text }]
        })),
        Some(_) => tool_error("argument `text` must be a string"),
        None => tool_error("missing required argument `text`"),
    }
}

fn call_add(arguments: &Map<String, Value>) -> Reply {
    let (a, b) = match (arguments.get("a"), arguments.get("b")) {
        (Some(Value::Number(a)), Some(Value::Number(b))) => (a, b),
        (None, _) | (_, None) => return tool_error("arguments `a` and `b` are required"),
        _ => return tool_error("arguments `a` and `b` must be numbers"),
    };
    let exact = match (a.as_i64(), b.as_i64()) {
        (Some(x), Some(y)) => x.checked_add(y).map(Value::from),
        _ => None,
    };
    let sum = exact.or_else(|| {
        let (x, y) = (a.as_f64()?, b.as_f64()?);
        Number::from_f64(x + y).map(Value::Number)
    });
    let Some(sum) = sum else {
        return tool_error("the sum is not a finite number");
    };
    let structured = json!({ "sum": sum });
    Reply::Result(json!({
        "content": [{ "type": "text", "text": structured.to_string() }],
        "structuredContent": structured
    }))
}

fn tool_error(message: &str) -> Reply {
    Reply::Result(json!({
        "content": [{ "type": "text", "text": message }],
        "isError": true
    }))
}

// ---- resources -----------------------------------------------------------------------------

/// `resources/list`: the greeting resource.
pub fn resources_list(params: Params) -> Reply {
    if let Some(reply) = reject_cursor(params) {
        return reply;
    }
    Reply::Result(json!({
        "resources": [{
            "uri": GREETING_URI,
            "name": "greeting",
            "title": "Greeting",
            "mimeType": "text/plain"
        }]
    }))
}

/// `resources/templates/list`: the item template.
pub fn resource_templates_list(params: Params) -> Reply {
    if let Some(reply) = reject_cursor(params) {
        return reply;
    }
    Reply::Result(json!({
        "resourceTemplates": [{
            "uriTemplate": ITEM_TEMPLATE,
            "name": "item",
            "title": "Item",
            "mimeType": "text/plain"
        }]
    }))
}

/// `resources/read`: the greeting, or an item named by the template; -32002 for anything else.
pub fn resources_read(params: Params) -> Reply {
    let Some(uri) = params.and_then(|p| p.get("uri")) else {
        return Reply::invalid_params("missing uri");
    };
    let Some(uri) = uri.as_str() else {
        return Reply::invalid_params("uri must be a string");
    };
    let text = if uri == GREETING_URI {
        "hello".to_owned()
    } else {
        match uri.strip_prefix(ITEM_PREFIX) {
            Some(id) if is_item_id(id) => format!("item {id}"),
            _ => {
                return Reply::Error {
                    code: RESOURCE_NOT_FOUND,
                    message: "resource not found".into(),
                    data: Some(json!({ "uri": uri })),
                };
            }
        }
    };
    Reply::Result(json!({
        "contents": [{ "uri": uri, "mimeType": "text/plain", "text": text }]
    }))
}

fn is_item_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

// ---- prompts -------------------------------------------------------------------------------

/// `prompts/list`: the `greet` prompt with one required argument.
pub fn prompts_list(params: Params) -> Reply {
    if let Some(reply) = reject_cursor(params) {
        return reply;
    }
    Reply::Result(json!({
        "prompts": [{
            "name": "greet",
            "title": "Greet",
            "description": "Asks for a short greeting for someone.",
            "arguments": [{
                "name": "name",
                "description": "Who to greet",
                "required": true
            }]
        }]
    }))
}

/// `prompts/get`: one user message; -32602 for an unknown prompt or a bad or missing argument.
pub fn prompts_get(params: Params) -> Reply {
    let Some(params) = params else {
        return Reply::invalid_params("prompts/get needs params with a prompt name");
    };
    let Some(name) = params.get("name").and_then(Value::as_str) else {
        return Reply::invalid_params("name must be a string");
    };
    if name != "greet" {
        return Reply::invalid_params(format!("unknown prompt: {name}"));
    }
    let empty = Map::new();
    let arguments = match params.get("arguments") {
        None => &empty,
        Some(Value::Object(arguments)) => arguments,
        Some(_) => return Reply::invalid_params("arguments must be an object"),
    };
    if arguments.values().any(|v| !v.is_string()) {
        return Reply::invalid_params("argument values must be strings");
    }
    let Some(who) = arguments.get("name").and_then(Value::as_str) else {
        return Reply::invalid_params("missing required argument: name");
    };
    Reply::Result(json!({
        "description": "A greeting request",
        "messages": [{
            "role": "user",
            "content": { "type": "text", "text": format!("Please write a short greeting for {who}.") }
        }]
    }))
}

// ---- logging -------------------------------------------------------------------------------

/// The index in [`LOG_LEVELS`] of `logging/setLevel`'s level, or the -32602 reply.
pub fn parse_log_level(params: Params) -> Result<usize, Reply> {
    let level = params.and_then(|p| p.get("level")).and_then(Value::as_str);
    level
        .and_then(|level| LOG_LEVELS.iter().position(|known| *known == level))
        .ok_or_else(|| Reply::invalid_params("level must be one of the eight log levels"))
}

// ---- completion ----------------------------------------------------------------------------

/// `completion/complete` for the `greet` prompt's `name` and the item template's `id`.
pub fn complete(params: Params) -> Reply {
    let Some(params) = params else {
        return Reply::invalid_params("completion/complete needs params");
    };
    let Some(reference) = params.get("ref").and_then(Value::as_object) else {
        return Reply::invalid_params("ref must be an object");
    };
    let Some(argument) = params.get("argument").and_then(Value::as_object) else {
        return Reply::invalid_params("argument must be an object");
    };
    let (Some(arg_name), Some(prefix)) = (
        argument.get("name").and_then(Value::as_str),
        argument.get("value").and_then(Value::as_str),
    ) else {
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
    }
    let candidates: &[&str] = match reference.get("type").and_then(Value::as_str) {
        Some("ref/prompt") => match reference.get("name").and_then(Value::as_str) {
            Some("greet") if arg_name == "name" => &GREET_NAMES,
            Some("greet") => &[],
            _ => return Reply::invalid_params("unknown prompt in ref"),
        },
        Some("ref/resource") => match reference.get("uri").and_then(Value::as_str) {
            Some(ITEM_TEMPLATE) if arg_name == "id" => &ITEM_IDS,
            Some(ITEM_TEMPLATE) => &[],
            _ => return Reply::invalid_params("unknown resource template in ref"),
        },
        _ => return Reply::invalid_params("ref.type must be ref/prompt or ref/resource"),
    };
    let values: Vec<&str> = candidates
        .iter()
        .copied()
        .filter(|c| c.starts_with(prefix))
        .collect();
    Reply::Result(json!({
        "completion": { "values": values, "total": values.len(), "hasMore": false }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::INVALID_PARAMS;

    fn call(f: fn(Params) -> Reply, params: Value) -> Reply {
        f(params.as_object())
    }

    fn code(reply: &Reply) -> Option<i64> {
        match reply {
            Reply::Error { code, .. } => Some(*code),
            Reply::Result(_) => None,
        }
    }

    #[test]
    fn add_is_exact_for_integers_and_falls_back_to_floats() {
        let exact = call(tools_call, json!({"name":"add","arguments":{"a":2,"b":40}}));
        assert_eq!(
            exact,
            Reply::Result(json!({
                "content": [{"type":"text","text":"{\"sum\":42}"}],
                "structuredContent": {"sum": 42}
            }))
        );
        let big = call(
            tools_call,
            json!({"name":"add","arguments":{"a":i64::MAX,"b":1}}),
        );
        let Reply::Result(big) = big else {
            panic!("expected a result")
        };
        assert!(big["structuredContent"]["sum"].is_f64());
        let inf = call(
            tools_call,
            json!({"name":"add","arguments":{"a":1e308,"b":1e308}}),
        );
        let Reply::Result(inf) = inf else {
            panic!("expected a result")
        };
        assert_eq!(inf["isError"], json!(true));
    }

    #[test]
    fn bad_tool_arguments_are_tool_errors() {
        for args in [json!({}), json!({"text": 5}), json!([1])] {
            let Reply::Result(r) = call(tools_call, json!({"name":"echo","arguments":args})) else {
                panic!("expected a result");
            };
            assert_eq!(r["isError"], json!(true));
        }
        let unknown = call(tools_call, json!({"name":"nope"}));
        assert_eq!(code(&unknown), Some(INVALID_PARAMS));
    }

    #[test]
    fn resources_read_rejects_unknown_and_template_text() {
        for uri in [
            "fixture://items/{id}",
            "fixture://items/",
            "file:///etc/passwd",
        ] {
            let reply = call(resources_read, json!({ "uri": uri }));
            assert_eq!(code(&reply), Some(RESOURCE_NOT_FOUND), "{uri}");
        }
        let reply = call(resources_read, json!({ "uri": 123 }));
        assert_eq!(code(&reply), Some(INVALID_PARAMS));
        let Reply::Result(item) = call(resources_read, json!({ "uri": "fixture://items/7" }))
        else {
            panic!("expected a result");
        };
        assert_eq!(item["contents"][0]["text"], json!("item 7"));
    }

    #[test]
    fn prompt_argument_values_must_be_strings() {
        let reply = call(prompts_get, json!({"name":"greet","arguments":{"name":3}}));
        assert_eq!(code(&reply), Some(INVALID_PARAMS));
        let reply = call(prompts_get, json!({"name":"greet","arguments":{}}));
        assert_eq!(code(&reply), Some(INVALID_PARAMS));
    }

    #[test]
    fn log_levels_are_case_sensitive() {
        assert_eq!(parse_log_level(json!({"level":"error"}).as_object()), Ok(4));
        assert!(parse_log_level(json!({"level":"DEBUG"}).as_object()).is_err());
        assert!(parse_log_level(json!({"level":3}).as_object()).is_err());
        assert!(parse_log_level(None).is_err());
    }

    #[test]
    fn completion_filters_by_prefix_and_checks_its_input() {
        let reply = call(
            complete,
            json!({"ref":{"type":"ref/resource","uri":ITEM_TEMPLATE},"argument":{"name":"id","value":"1"}}),
        );
        assert_eq!(
            reply,
            Reply::Result(json!({"completion":{"values":["1","10"],"total":2,"hasMore":false}}))
        );
        let missing_value = call(
            complete,
            json!({"ref":{"type":"ref/prompt","name":"greet"},"argument":{"name":"name"}}),
        );
        assert_eq!(code(&missing_value), Some(INVALID_PARAMS));
        let bad_context = call(
            complete,
            json!({"ref":{"type":"ref/prompt","name":"greet"},"argument":{"name":"name","value":""},"context":{"arguments":{"x":1}}}),
        );
        assert_eq!(code(&bad_context), Some(INVALID_PARAMS));
    }
}
