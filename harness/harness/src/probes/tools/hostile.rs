//! The `tools-call-hostile` probe: prototype keys, deep nesting, a 1 MiB string and unusual
//! Unicode sent to each tool, within what the side-effect guard permits; every call must be
//! answered and the server must keep serving. Not the sending loop (`sweep.rs`), and not calls
//! with merely invalid arguments (`invalid.rs`).

use serde_json::{Map, Value, json};

use super::sweep::{Attempt, Sweep, sweep};
use super::{Fut, Opts};
use crate::case::model::Verdict;
use crate::r#gen;
use crate::session::Session;

/// A 1 MiB string.
fn big_string() -> String {
    "mcpspec-".repeat(128 * 1024)
}

/// Nesting 64 arrays deep: deep enough to stress a tool's input handling, shallow enough that
/// the JSON parsers of common SDKs still read the message.
fn deep_value() -> Value {
    let mut v = json!("mcpspec");
    for _ in 0..64 {
        v = Value::Array(vec![v]);
    }
    v
}

const UNUSUAL_TEXT: &str = "\u{0}\u{7}\u{202e}\u{feff}e\u{301}\u{1F469}\u{200D}\u{1F467}\u{fffd}\u{10ffff}\\\"'<>%s%n{{x}}";

/// Sends hostile arguments to each tool (TOOLS-012): `__proto__` and `constructor` keys, a value
/// nested 64 arrays deep, a 1 MiB string and a string of unusual Unicode. Tools the guard allows
/// get them next to valid arguments; other tools only get them where the result is still invalid
/// for the schema (a required property missing or mistyped). Every call must be answered (a
/// result or an error, either is fine) and a final ping too; silence or a crash fails, except
/// silence on a payload the schema accepts (a real call of a slow tool), which is not judged.
pub fn tools_call_hostile<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let o = Opts::new(args);
        sweep(s, &o, &HOSTILE).await
    })
}

const HOSTILE: Sweep = Sweep {
    plan,
    plain_success: None,
    answer: "a result or an error",
    survive: "a server that survives hostile input",
    noun: "payload",
    skip_slow: true,
    nothing_sent: "no tool could be sent hostile arguments without running a tool the guard does not allow",
    after: "hostile tool arguments",
};

/// The hostile payloads for one tool; a payload the schema accepts is a real call, so a slow tool
/// may take its time with it (its silence is not judged).
fn plan(schema: &Value, allowed: bool) -> Vec<Attempt> {
    let compiled = r#gen::compile(schema, false).ok();
    hostile_payloads(schema, allowed)
        .into_iter()
        .map(|(label, arguments)| {
            let valid_call = compiled
                .as_ref()
                .is_some_and(|c| c.validator.is_valid(&arguments));
            Attempt {
                what: label,
                arguments,
                check: false,
                on_silence: (!valid_call).then_some(Verdict::Fail),
            }
        })
        .collect()
}

/// The hostile argument sets for one tool. With `allowed`, they ride on valid arguments; without,
/// each one leaves a required property missing or mistyped so that no set is a valid call.
fn hostile_payloads(schema: &Value, allowed: bool) -> Vec<(String, Value)> {
    let compiled = r#gen::compile(schema, false).ok();
    let rejects = |v: &Value| compiled.as_ref().is_none_or(|c| !c.validator.is_valid(v));
    let required = r#gen::required_properties(schema);
    let props = r#gen::property_types(schema);
    let base: Map<String, Value> = if allowed {
        match r#gen::valid_example(schema) {
            Some(Value::Object(m)) => m,
            _ => return Vec::new(),
        }
    } else {
        Map::new()
    };
    let mut out = Vec::new();
    let mut push = |label: &str, args: Map<String, Value>| {
        let v = Value::Object(args);
        if allowed || rejects(&v) {
            out.push((label.to_string(), v));
        }
    };
    // Prototype keys.
    let mut proto = base.clone();
    proto.insert("__proto__".into(), json!({ "polluted": "mcpspec" }));
    proto.insert(
        "constructor".into(),
        json!({ "prototype": { "polluted": "mcpspec" } }),
    );
    push("`__proto__` and `constructor` keys", proto);
    // The property to aim at: the first required one, else (allowed tools only) any declared one.
    let target = required.first().cloned().or_else(|| {
        if allowed {
            props.keys().next().cloned()
        } else {
            None
        }
    });
    if let Some(t) = &target {
        let mut deep = base.clone();
        deep.insert(t.clone(), deep_value());
        push(&format!("`{t}` nested 64 arrays deep"), deep);
    }
    // A huge string and unusual text go where strings are expected when the tool may run; else
    // only into a required property that is not a string (so the call stays invalid).
    let string_prop = if allowed {
        props
            .iter()
            .find(|(_, t)| t.as_deref() == Some("string"))
            .map(|(n, _)| n.clone())
            .or(target.clone())
    } else {
        required
            .iter()
            .find(|r| {
                props
                    .get(*r)
                    .is_some_and(|t| t.as_deref() != Some("string"))
            })
            .cloned()
    };
    if let Some(p) = string_prop {
        let mut big = base.clone();
        big.insert(p.clone(), Value::String(big_string()));
        push(&format!("a 1 MiB string in `{p}`"), big);
        let mut odd = base.clone();
        odd.insert(p.clone(), Value::String(UNUSUAL_TEXT.into()));
        push(&format!("unusual Unicode in `{p}`"), odd);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_payloads_stay_invalid_for_tools_that_may_not_run() {
        let schema = json!({
            "type": "object",
            "properties": {"path": {"type": "string"}, "count": {"type": "integer"}},
            "required": ["path", "count"]
        });
        let validator = r#gen::compile(&schema, false).expect("compiles").validator;
        let guarded = hostile_payloads(&schema, false);
        assert!(!guarded.is_empty());
        for (label, v) in &guarded {
            assert!(!validator.is_valid(v), "{label} would be a valid call");
        }
        // Nothing required: nothing can be sent without risking a real call.
        let open = json!({"type": "object", "properties": {"n": {"type": "integer"}}});
        assert!(hostile_payloads(&open, false).is_empty());
        // Allowed tools get all four, on top of valid arguments.
        let allowed = hostile_payloads(&schema, true);
        assert_eq!(allowed.len(), 4);
        assert!(allowed.iter().all(|(_, v)| v.get("count").is_some()));
    }
}
