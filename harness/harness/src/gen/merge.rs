//! Two schema objects combined into one, for `allOf`, `$ref` siblings and `anyOf` branches.
//! Not the resolution of `$ref`s (`example.rs`).

use serde_json::{Value, json};

/// Two schema objects as one (for `allOf`, `$ref` siblings and `anyOf` branches): properties and
/// required lists are united, bounds tightened, types intersected; for anything else the first
/// schema's keyword is kept.
pub(super) fn merge(a: &Value, b: &Value) -> Value {
    let (Some(am), Some(bm)) = (a.as_object(), b.as_object()) else {
        return if b.is_object() { b.clone() } else { a.clone() };
    };
    let mut out = am.clone();
    for (k, bv) in bm {
        let Some(av) = am.get(k) else {
            out.insert(k.clone(), bv.clone());
            continue;
        };
        let merged = match k.as_str() {
            "properties" => {
                let mut props = av.as_object().cloned().unwrap_or_default();
                if let Some(bp) = bv.as_object() {
                    for (name, s) in bp {
                        let v = match props.get(name) {
                            Some(existing) => json!({ "allOf": [existing, s] }),
                            None => s.clone(),
                        };
                        props.insert(name.clone(), v);
                    }
                }
                Value::Object(props)
            }
            "required" => {
                let mut req = av.as_array().cloned().unwrap_or_default();
                for r in bv.as_array().into_iter().flatten() {
                    if !req.contains(r) {
                        req.push(r.clone());
                    }
                }
                Value::Array(req)
            }
            "type" => intersect_types(av, bv),
            "enum" => {
                let bs = bv.as_array().cloned().unwrap_or_default();
                Value::Array(
                    av.as_array()
                        .into_iter()
                        .flatten()
                        .filter(|x| bs.contains(x))
                        .cloned()
                        .collect(),
                )
            }
            "minimum" | "minLength" | "minItems" | "minProperties" | "exclusiveMinimum" => {
                match (av.as_f64(), bv.as_f64()) {
                    (Some(x), Some(y)) if y > x => bv.clone(),
                    _ => av.clone(),
                }
            }
            "maximum" | "maxLength" | "maxItems" | "maxProperties" | "exclusiveMaximum" => {
                match (av.as_f64(), bv.as_f64()) {
                    (Some(x), Some(y)) if y < x => bv.clone(),
                    _ => av.clone(),
                }
            }
            _ => av.clone(),
        };
        out.insert(k.clone(), merged);
    }
    Value::Object(out)
}

fn intersect_types(a: &Value, b: &Value) -> Value {
    let list = |v: &Value| -> Vec<String> {
        match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(xs) => xs
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        }
    };
    let (la, lb) = (list(a), list(b));
    let mut both = Vec::new();
    for t in &la {
        if lb.contains(t) {
            both.push(t.clone());
        } else if (t == "number" && lb.iter().any(|x| x == "integer"))
            || (t == "integer" && lb.iter().any(|x| x == "number"))
        {
            both.push("integer".into());
        }
    }
    match both.len() {
        0 => b.clone(),
        1 => Value::String(both.remove(0)),
        _ => Value::Array(both.into_iter().map(Value::String).collect()),
    }
}
