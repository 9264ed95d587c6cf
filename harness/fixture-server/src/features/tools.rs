//! The fixture's tools: their listing (one table drives both the advertised input schemas and
//! the argument checks), argument validation, and the tools that answer at once. Tools that
//! need time or the client (`slow`, `sample`, `elicit`, `roots`) are only recognised here and
//! handed back to the session as [`Call::Slow`] or [`Call::Ask`]; threads live in `workers.rs`.

use serde_json::{Map, Number, Value, json};

use super::media::{base64_encode, png_1x1, wav_tiny};
use super::resources::GREETING_URI;
use super::{Crash, Params};
use crate::bugs::Bugs;
use crate::protocol::{INTERNAL_ERROR, Reply};

/// The JSON type an argument must have.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// A string.
    Str,
    /// Any number.
    Num,
    /// An integer within bounds, with a default when absent.
    Int { min: i64, max: i64, default: i64 },
}

/// One property of a tool's input.
#[derive(Debug)]
struct Prop {
    name: &'static str,
    kind: Kind,
    required: bool,
    description: &'static str,
}

/// One tool as listed.
#[derive(Debug)]
struct Tool {
    name: &'static str,
    title: &'static str,
    description: &'static str,
    props: &'static [Prop],
}

const fn text_prop(name: &'static str, description: &'static str) -> Prop {
    Prop {
        name,
        kind: Kind::Str,
        required: true,
        description,
    }
}

/// Longest run the `slow` tool accepts, in milliseconds.
pub const SLOW_MAX_MS: i64 = 10_000;

/// How long the `slow` tool takes when not told: long enough that a cancellation sent 100 ms
/// after the call still lands well over 500 ms before the answer (the cancellation probe counts
/// an answer within 500 ms of a cancellation as one that may have crossed it), short enough not
/// to dominate a run of every tool-calling case.
pub const SLOW_DEFAULT_MS: i64 = 1200;

const TOOLS: [Tool; 9] = [
    Tool {
        name: "echo",
        title: "Echo",
        description: "Returns the given text unchanged.",
        props: &[text_prop("text", "Text to return")],
    },
    Tool {
        name: "add",
        title: "Add",
        description: "Adds two numbers.",
        props: &[
            Prop {
                name: "a",
                kind: Kind::Num,
                required: true,
                description: "First addend",
            },
            Prop {
                name: "b",
                kind: Kind::Num,
                required: true,
                description: "Second addend",
            },
        ],
    },
    Tool {
        name: "slow",
        title: "Slow",
        description: "Waits, reporting progress in steps when asked to, then answers \"done\".",
        props: &[
            Prop {
                name: "ms",
                kind: Kind::Int {
                    min: 0,
                    max: SLOW_MAX_MS,
                    default: SLOW_DEFAULT_MS,
                },
                required: false,
                description: "Total time to take, in milliseconds",
            },
            Prop {
                name: "steps",
                kind: Kind::Int {
                    min: 1,
                    max: 100,
                    default: 3,
                },
                required: false,
                description: "Number of progress steps",
            },
        ],
    },
    Tool {
        name: "mixed_content",
        title: "Mixed content",
        description: "Returns one content block of every type.",
        props: &[],
    },
    Tool {
        name: "fail",
        title: "Fail",
        description: "Always reports a tool error.",
        props: &[],
    },
    Tool {
        name: "sample",
        title: "Sample",
        description: "Asks the client's model to answer a prompt (needs client sampling).",
        props: &[text_prop("prompt", "What to ask the model")],
    },
    Tool {
        name: "elicit",
        title: "Elicit",
        description: "Asks the user for a name, an age and a subscription choice (needs client elicitation).",
        props: &[],
    },
    Tool {
        name: "roots",
        title: "Roots",
        description: "Lists the client's roots (needs client roots).",
        props: &[],
    },
    Tool {
        name: "write_note",
        title: "Write note",
        description: "Appends a note to the server's in-memory notebook.",
        props: &[text_prop("text", "The note")],
    },
];

/// A request the tool needs the client to answer before it can finish.
#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    /// `sampling/createMessage` with this prompt.
    Sample(String),
    /// `elicitation/create` for the fixed form.
    Elicit,
    /// `roots/list`.
    Roots,
}

/// What a `tools/call` turns into.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    /// The answer, ready to send.
    Done(Reply),
    /// Run the `slow` tool on its own thread.
    Slow {
        /// Total duration in milliseconds.
        ms: u64,
        /// Number of progress steps.
        steps: u64,
    },
    /// Ask the client, then answer.
    Ask(Ask),
}

/// The tool definitions as `tools/list` shows them (before pagination).
pub fn list(bugs: &Bugs) -> Vec<Value> {
    let mut tools: Vec<Value> = TOOLS.iter().map(|t| describe(t, bugs)).collect();
    if bugs.tools_duplicate_names {
        tools.push(describe(&TOOLS[0], bugs));
    }
    if bugs.tools_empty_name {
        tools.push(json!({
            "name": "",
            "description": "A tool without a name.",
            "inputSchema": { "type": "object" },
            "annotations": { "readOnlyHint": true }
        }));
    }
    tools
}

fn describe(tool: &Tool, bugs: &Bugs) -> Value {
    let mut properties = Map::new();
    for prop in tool.props {
        let schema = match prop.kind {
            Kind::Str => json!({ "type": "string", "description": prop.description }),
            Kind::Num => json!({ "type": "number", "description": prop.description }),
            Kind::Int { min, max, default } => json!({
                "type": "integer",
                "minimum": min,
                "maximum": max,
                "default": default,
                "description": prop.description
            }),
        };
        properties.insert(prop.name.into(), schema);
    }
    let required: Vec<&str> = tool
        .props
        .iter()
        .filter(|p| p.required)
        .map(|p| p.name)
        .collect();
    let mut input = json!({ "type": "object", "properties": properties });
    if !required.is_empty() {
        input["required"] = json!(required);
    }
    let mut annotations = json!({ "readOnlyHint": true });
    match tool.name {
        "echo" if bugs.tools_list_invalid_schema => input = json!({ "type": "string" }),
        "write_note" => annotations = json!({ "readOnlyHint": false, "destructiveHint": true }),
        _ => {}
    }
    if tool.name == "echo" && bugs.tools_bad_annotations {
        annotations = json!({ "readOnlyHint": "yes" });
    }
    let mut def = json!({
        "name": tool.name,
        "title": tool.title,
        "description": tool.description,
        "inputSchema": input,
        "annotations": annotations
    });
    if tool.name == "add" {
        def["outputSchema"] = if bugs.tools_bad_output_schema {
            json!({ "type": "array" })
        } else {
            json!({
                "type": "object",
                "properties": { "sum": { "type": "number" } },
                "required": ["sum"]
            })
        };
    }
    def
}

/// `tools/call`: unknown tools are a protocol error, bad arguments a tool error (`isError`).
/// `notes` is the notebook `write_note` appends to.
pub fn call(params: Params, bugs: &Bugs, notes: &mut Vec<String>) -> Result<Call, Crash> {
    if bugs.wrong_params_accepted && params.and_then(|p| p.get("name")).is_none() {
        return Ok(done(text_result("no tool name given")));
    }
    let Some(params) = params else {
        return Ok(done(Reply::invalid_params(
            "tools/call needs params with a tool name",
        )));
    };
    let Some(name) = params.get("name").and_then(Value::as_str) else {
        return Ok(done(Reply::invalid_params("name must be a string")));
    };
    if bugs.tools_require_arguments && !params.contains_key("arguments") {
        return Ok(done(Reply::invalid_params("arguments are required")));
    }
    let Some(tool) = TOOLS.iter().find(|t| t.name == name) else {
        if bugs.tools_unknown_tool_result {
            return Ok(done(tool_error(&format!("no tool called {name}"))));
        }
        return Ok(done(Reply::invalid_params(format!("unknown tool: {name}"))));
    };
    let args = match validate(tool, params.get("arguments")) {
        Ok(args) => args,
        Err(_) if bugs.tools_crash_on_invalid_args => return Err(Crash("invalid tool arguments")),
        Err(_) if bugs.tools_invalid_args_succeed => defaults(tool),
        Err(why) => return Ok(done(tool_error(&why))),
    };
    let text = |key: &str| args.get(key).and_then(Value::as_str).unwrap_or_default();
    let int = |key: &str| args.get(key).and_then(as_integer).unwrap_or(0);
    Ok(match tool.name {
        "echo" => done(text_result(text("text"))),
        "add" => done(add(&args, bugs)),
        "slow" => Call::Slow {
            ms: u64::try_from(int("ms")).unwrap_or(0),
            steps: u64::try_from(int("steps")).unwrap_or(1),
        },
        "mixed_content" => done(mixed_content(bugs)),
        "fail" if bugs.tools_fail_as_error => {
            done(Reply::error(INTERNAL_ERROR, "the fail tool failed"))
        }
        "fail" => done(tool_error(
            "the fail tool always fails: this is a deliberate tool error",
        )),
        "sample" => Call::Ask(Ask::Sample(text("prompt").to_owned())),
        "elicit" => Call::Ask(Ask::Elicit),
        "roots" => Call::Ask(Ask::Roots),
        _ => {
            notes.push(text("text").to_owned());
            done(text_result(&format!("saved note #{}", notes.len())))
        }
    })
}

fn done(reply: Reply) -> Call {
    Call::Done(reply)
}

/// The final touch every `tools/call` result gets (the `tools-call-missing-content` knob).
pub fn finish(reply: Reply, bugs: &Bugs) -> Reply {
    match reply {
        Reply::Result(Value::Object(mut result)) if bugs.tools_call_missing_content => {
            result.remove("content");
            Reply::Result(Value::Object(result))
        }
        other => other,
    }
}

/// The arguments with every property checked against the tool's table, or why they are wrong.
fn validate(tool: &Tool, arguments: Option<&Value>) -> Result<Map<String, Value>, String> {
    let mut args = match arguments {
        None => Map::new(),
        Some(Value::Object(args)) => args.clone(),
        Some(_) => return Err("arguments must be an object".into()),
    };
    for prop in tool.props {
        let Some(value) = args.get(prop.name) else {
            if prop.required {
                return Err(format!("missing required argument `{}`", prop.name));
            }
            if let Kind::Int { default, .. } = prop.kind {
                args.insert(prop.name.to_owned(), json!(default));
            }
            continue;
        };
        let fits = match prop.kind {
            Kind::Str => value.is_string(),
            Kind::Num => value.is_number(),
            Kind::Int { min, max, .. } => {
                as_integer(value).is_some_and(|n| (min..=max).contains(&n))
            }
        };
        if !fits {
            let wanted = match prop.kind {
                Kind::Str => "a string".to_owned(),
                Kind::Num => "a number".to_owned(),
                Kind::Int { min, max, .. } => format!("an integer from {min} to {max}"),
            };
            return Err(format!("argument `{}` must be {wanted}", prop.name));
        }
    }
    Ok(args)
}

/// Stand-in arguments for `tools-invalid-args-succeed`.
fn defaults(tool: &Tool) -> Map<String, Value> {
    tool.props
        .iter()
        .map(|p| {
            let value = match p.kind {
                Kind::Str => json!(""),
                Kind::Num => json!(0),
                Kind::Int { default, .. } => json!(default),
            };
            (p.name.to_owned(), value)
        })
        .collect()
}

/// An integral JSON number as `i64` (`3` and `3.0` both count), else `None`.
fn as_integer(value: &Value) -> Option<i64> {
    let n = value.as_number()?;
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    let in_range = f.fract() == 0.0 && f.abs() < 9.0e15;
    in_range.then_some(f as i64)
}

fn add(args: &Map<String, Value>, bugs: &Bugs) -> Reply {
    let number = |key: &str| args.get(key).and_then(Value::as_number).cloned();
    let (Some(a), Some(b)) = (number("a"), number("b")) else {
        return tool_error("arguments `a` and `b` must be numbers");
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
    let structured = if bugs.tools_structured_content_mismatch {
        json!({ "sum": "three" })
    } else {
        json!({ "sum": sum })
    };
    let content = if bugs.tools_no_text_fallback {
        json!([])
    } else {
        json!([{ "type": "text", "text": structured.to_string() }])
    };
    let mut result = json!({ "content": content });
    if !bugs.tools_missing_structured_content {
        result["structuredContent"] = structured;
    }
    Reply::Result(result)
}

fn mixed_content(bugs: &Bugs) -> Reply {
    let annotations = if bugs.content_bad_annotations {
        json!({ "audience": ["robot"], "priority": 2 })
    } else {
        let when = if bugs.content_bad_last_modified {
            "yesterday"
        } else {
            "2025-01-01T00:00:00Z"
        };
        json!({ "audience": ["user"], "priority": 0.5, "lastModified": when })
    };
    let image_data = if bugs.content_bad_base64 {
        "%%not-base64%%".to_owned()
    } else {
        base64_encode(&png_1x1())
    };
    let image_mime = if bugs.content_bad_mime {
        "png"
    } else {
        "image/png"
    };
    let mut embedded = json!({ "uri": GREETING_URI, "mimeType": "text/plain", "text": "hello" });
    if bugs.content_text_and_blob {
        embedded["blob"] = json!(base64_encode(b"hello"));
    }
    let mut blocks = vec![
        json!({
            "type": "text",
            "text": "One block of each content type follows.",
            "annotations": annotations
        }),
        json!({ "type": "image", "data": image_data, "mimeType": image_mime }),
        json!({ "type": "audio", "data": base64_encode(&wav_tiny()), "mimeType": "audio/wav" }),
        json!({
            "type": "resource_link",
            "uri": if bugs.content_bad_link_uri { "not a uri" } else { GREETING_URI },
            "name": "greeting",
            "mimeType": "text/plain"
        }),
        json!({ "type": "resource", "resource": embedded }),
    ];
    if bugs.content_unknown_type {
        blocks.push(json!({ "type": "video", "data": "AAAA" }));
    }
    Reply::Result(json!({ "content": blocks }))
}

/// A successful tool result holding one text block.
pub fn text_result(text: &str) -> Reply {
    Reply::Result(json!({ "content": [{ "type": "text", "text": text }] }))
}

/// A tool-level error: a result with one text block and `isError: true`.
pub fn tool_error(message: &str) -> Reply {
    Reply::Result(json!({
        "content": [{ "type": "text", "text": message }],
        "isError": true
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::INVALID_PARAMS;

    fn run(params: Value, bugs: &Bugs) -> Call {
        let mut notes = Vec::new();
        call(params.as_object(), bugs, &mut notes).expect("no crash")
    }

    fn reply(params: Value) -> Reply {
        match run(params, &Bugs::default()) {
            Call::Done(reply) => reply,
            other => panic!("expected an answer, got {other:?}"),
        }
    }

    fn result(params: Value) -> Value {
        match reply(params) {
            Reply::Result(v) => v,
            Reply::Error { message, .. } => panic!("error {message}"),
        }
    }

    #[test]
    fn add_is_exact_for_integers_and_falls_back_to_floats() {
        assert_eq!(
            result(json!({"name":"add","arguments":{"a":2,"b":40}})),
            json!({
                "content": [{"type":"text","text":"{\"sum\":42}"}],
                "structuredContent": {"sum": 42}
            })
        );
        let big = result(json!({"name":"add","arguments":{"a":i64::MAX,"b":1}}));
        assert!(big["structuredContent"]["sum"].is_f64());
        let inf = result(json!({"name":"add","arguments":{"a":1e308,"b":1e308}}));
        assert_eq!(inf["isError"], json!(true));
    }

    #[test]
    fn bad_tool_arguments_are_tool_errors() {
        for args in [json!({}), json!({"text": 5}), json!([1])] {
            let r = result(json!({"name":"echo","arguments":args}));
            assert_eq!(r["isError"], json!(true));
        }
        for args in [
            json!({"ms": -1}),
            json!({"ms": 10001}),
            json!({"steps": 0}),
            json!({"ms": 1.5}),
        ] {
            let r = result(json!({"name":"slow","arguments":args}));
            assert_eq!(r["isError"], json!(true), "{args}");
        }
        let Reply::Error { code, .. } = reply(json!({"name":"nope"})) else {
            panic!("expected an error");
        };
        assert_eq!(code, INVALID_PARAMS);
    }

    #[test]
    fn slow_defaults_and_accepts_integral_floats() {
        assert_eq!(
            run(json!({"name":"slow"}), &Bugs::default()),
            Call::Slow { ms: 1200, steps: 3 }
        );
        assert_eq!(
            run(
                json!({"name":"slow","arguments":{"ms":20.0,"steps":2}}),
                &Bugs::default()
            ),
            Call::Slow { ms: 20, steps: 2 }
        );
    }

    #[test]
    fn listing_matches_the_validation_table() {
        let tools = list(&Bugs::default());
        assert_eq!(tools.len(), TOOLS.len());
        let slow = &tools[2];
        assert_eq!(
            slow["inputSchema"]["properties"]["ms"]["maximum"],
            json!(SLOW_MAX_MS)
        );
        assert!(slow["inputSchema"].get("required").is_none());
        let note = &tools[8];
        assert_eq!(note["annotations"]["readOnlyHint"], json!(false));
        assert!(
            tools[..8]
                .iter()
                .all(|t| t["annotations"]["readOnlyHint"] == json!(true))
        );
    }

    #[test]
    fn write_note_appends() {
        let mut notes = Vec::new();
        let params = json!({"name":"write_note","arguments":{"text":"n1"}});
        call(params.as_object(), &Bugs::default(), &mut notes).expect("no crash");
        call(params.as_object(), &Bugs::default(), &mut notes).expect("no crash");
        assert_eq!(notes, vec!["n1", "n1"]);
    }
}
