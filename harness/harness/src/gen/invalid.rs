//! Arguments a tool's schema must reject, each built from a valid example with one thing broken
//! (a required property missing, a wrong type, `arguments` as an array, an unexpected property).
//! Not the valid example itself (`example.rs`), nor the sending of the variants (the tool probes).

use serde_json::{Map, Value, json};

use super::{compile, required_of, resolve_root, type_name, valid_example};

/// What an invalid variant breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariantKind {
    /// A required property is left out.
    MissingRequired,
    /// A property has a value of the wrong JSON type.
    WrongType,
    /// `arguments` is an array instead of an object.
    ArgumentsArray,
    /// A property the schema forbids (`additionalProperties: false`) is added.
    ExtraProperty,
}

/// One set of arguments the schema rejects.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// What is wrong with it, for findings.
    pub label: String,
    /// The `arguments` value.
    pub value: Value,
    /// Which rule it breaks.
    pub kind: VariantKind,
}

/// Arguments the schema rejects, each built from a valid example with one thing broken: a
/// required property missing, a property of the wrong type, `arguments` as an array, and an
/// extra property when `additionalProperties` is false. Only variants the schema really rejects
/// are returned.
pub fn invalid_variants(schema: &Value) -> Vec<(String, Value)> {
    variants(schema, true)
        .into_iter()
        .map(|v| (v.label, v.value))
        .collect()
}

/// As [`invalid_variants`], with the kind of each. With `valid_siblings` false the other
/// properties are left out, so no variant is a complete set of arguments: only a missing required
/// property, a wrong-typed required property and an array are produced, and only for schemas
/// that require something (the caller may not be allowed to run the tool for real).
pub fn variants(schema: &Value, valid_siblings: bool) -> Vec<Variant> {
    let Ok(compiled) = compile(schema, false) else {
        return Vec::new();
    };
    let rejects = |v: &Value| !compiled.validator.is_valid(v);
    let root = resolve_root(schema);
    let full: Option<Map<String, Value>> = match valid_example(schema) {
        Some(Value::Object(m)) => Some(m),
        _ => None,
    };
    let base = match (&full, valid_siblings) {
        (Some(m), true) => m.clone(),
        _ => Map::new(),
    };
    let required = required_of(&root);
    let props = root.get("properties").and_then(Value::as_object);
    let mut out = Vec::new();

    if let Some(first) = required.first() {
        let mut args = base.clone();
        args.remove(first);
        let value = Value::Object(args);
        if rejects(&value) {
            out.push(Variant {
                label: format!("required property `{first}` left out"),
                value,
                kind: VariantKind::MissingRequired,
            });
        }
    }

    // A wrong type: prefer a required property, then any declared one.
    let mut candidates: Vec<String> = required.clone();
    if valid_siblings && let Some(props) = props {
        candidates.extend(props.keys().filter(|k| !required.contains(k)).cloned());
    }
    'props: for name in candidates {
        // Without a valid example the cause of a rejection cannot be pinned on one property.
        let Some(full) = &full else { break };
        for wrong in [
            json!(12345),
            json!("mcpspec-not-a-number"),
            json!(true),
            json!({ "mcpspec": 1 }),
            json!(["mcpspec"]),
        ] {
            // The value must be wrong for the property itself: checked with every other
            // property valid.
            let mut probe = full.clone();
            probe.insert(name.clone(), wrong.clone());
            if rejects(&Value::Object(probe)) {
                let mut args = base.clone();
                args.insert(name.clone(), wrong.clone());
                out.push(Variant {
                    label: format!("property `{name}` given {} ({wrong})", with_article(&wrong)),
                    value: Value::Object(args),
                    kind: VariantKind::WrongType,
                });
                break 'props;
            }
        }
    }

    if valid_siblings || !required.is_empty() {
        let value = Value::Array(Vec::new());
        if rejects(&value) {
            out.push(Variant {
                label: "`arguments` given as an array".into(),
                value,
                kind: VariantKind::ArgumentsArray,
            });
        }
    }

    let closed = root.get("additionalProperties") == Some(&Value::Bool(false))
        || root.get("unevaluatedProperties") == Some(&Value::Bool(false));
    if valid_siblings && closed {
        let mut name = "mcpspec_unexpected".to_string();
        while props.is_some_and(|p| p.contains_key(&name)) {
            name.push('_');
        }
        let mut args = base.clone();
        args.insert(name.clone(), json!("mcpspec"));
        let value = Value::Object(args);
        if rejects(&value) {
            out.push(Variant {
                label: format!(
                    "unexpected property `{name}` added (additionalProperties is false)"
                ),
                value,
                kind: VariantKind::ExtraProperty,
            });
        }
    }
    out
}

fn with_article(v: &Value) -> String {
    let t = type_name(v);
    if t.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {t}")
    } else {
        format!("a {t}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_are_rejected_by_the_schema() {
        let schema = json!({
            "type": "object",
            "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
            "required": ["a", "b"],
            "additionalProperties": false
        });
        let vs = variants(&schema, true);
        let kinds: Vec<VariantKind> = vs.iter().map(|v| v.kind).collect();
        assert_eq!(
            kinds,
            vec![
                VariantKind::MissingRequired,
                VariantKind::WrongType,
                VariantKind::ArgumentsArray,
                VariantKind::ExtraProperty
            ]
        );
        let validator = compile(&schema, false).expect("compiles").validator;
        for v in &vs {
            assert!(!validator.is_valid(&v.value), "{} is accepted", v.label);
        }
        assert_eq!(vs[0].value, json!({"b": 1}));
        assert_eq!(vs[1].value, json!({"a": "mcpspec-not-a-number", "b": 1}));
        assert_eq!(invalid_variants(&schema).len(), 4);
    }

    #[test]
    fn variants_without_siblings_never_form_complete_arguments() {
        let schema = json!({
            "type": "object",
            "properties": {"path": {"type": "string"}, "n": {"type": "integer"}},
            "required": ["path"]
        });
        let vs = variants(&schema, false);
        assert_eq!(vs.len(), 3);
        assert_eq!(vs[0].value, json!({}));
        assert_eq!(vs[1].value, json!({"path": 12345}));
        assert_eq!(vs[2].value, json!([]));
        // The wrong value is wrong for the property itself, not just incomplete.
        let sum = json!({
            "type": "object",
            "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
            "required": ["a", "b"]
        });
        let bare = variants(&sum, false);
        assert_eq!(bare[1].value, json!({"a": "mcpspec-not-a-number"}));
        // Nothing required: nothing is sent for a tool that may not be run.
        let open = json!({"type": "object", "properties": {"n": {"type": "integer"}}});
        assert!(variants(&open, false).is_empty());
        let with_siblings = variants(&open, true);
        assert!(
            with_siblings
                .iter()
                .any(|v| v.kind == VariantKind::WrongType)
        );
        assert!(
            with_siblings
                .iter()
                .all(|v| v.kind != VariantKind::MissingRequired)
        );
    }
}
