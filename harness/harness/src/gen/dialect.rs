//! The dialect a tool schema is read in and its compilation with the `jsonschema` crate
//! (draft-07 unless the schema says otherwise, with a fallback to the other dialect), plus the
//! check for `$ref`s that leave the document. Not the building of values (`example.rs`).

use jsonschema::{Draft, Validator};
use serde_json::Value;

/// Keywords that only exist in 2019-09 / 2020-12; their presence picks the 2020-12 dialect.
const MODERN_KEYWORDS: &[&str] = &[
    "$defs",
    "prefixItems",
    "dependentRequired",
    "dependentSchemas",
    "unevaluatedProperties",
    "unevaluatedItems",
    "$dynamicRef",
    "$dynamicAnchor",
    "$recursiveRef",
    "minContains",
    "maxContains",
];

/// A tool schema compiled with the dialect it asks for.
#[derive(Debug)]
pub struct Compiled {
    /// The validator.
    pub validator: Validator,
    /// The dialect used.
    pub draft: Draft,
    /// How the dialect was chosen, or what had to be worked around.
    pub notes: Vec<String>,
}

/// The dialect a tool schema is read in: its `$schema` when that names a known draft; 2020-12
/// when keywords that only exist there appear; otherwise draft-07 (the dialect of the MCP
/// 2025-06-18 schema files). `None` when `$schema` names something unknown.
pub fn dialect(schema: &Value) -> Option<Draft> {
    if let Some(uri) = schema.get("$schema").and_then(Value::as_str) {
        return match Draft::from_schema_uri(uri) {
            Draft::Unknown => None,
            d => Some(d),
        };
    }
    if uses_modern_keywords(schema, 0) {
        Some(Draft::Draft202012)
    } else {
        Some(Draft::Draft7)
    }
}

fn uses_modern_keywords(v: &Value, depth: usize) -> bool {
    if depth > 64 {
        return false;
    }
    match v {
        Value::Object(map) => map.iter().any(|(k, v)| {
            MODERN_KEYWORDS.contains(&k.as_str()) || uses_modern_keywords(v, depth + 1)
        }),
        Value::Array(items) => items.iter().any(|v| uses_modern_keywords(v, depth + 1)),
        _ => false,
    }
}

/// Whether the schema contains a `$ref` that does not point inside the document.
pub fn has_external_ref(schema: &Value) -> bool {
    fn walk(v: &Value, depth: usize) -> bool {
        if depth > 64 {
            return false;
        }
        match v {
            Value::Object(map) => map.iter().any(|(k, v)| {
                (k == "$ref" && v.as_str().is_some_and(|r| !r.starts_with('#')))
                    || walk(v, depth + 1)
            }),
            Value::Array(items) => items.iter().any(|v| walk(v, depth + 1)),
            _ => false,
        }
    }
    walk(schema, 0)
}

/// Compiles a tool's `inputSchema` or `outputSchema`. The dialect comes from [`dialect`]; when
/// `$schema` is absent and the schema does not compile in that dialect, the other one (draft-07
/// or 2020-12) is tried before giving up. An unknown `$schema` is set aside (draft-07 is used)
/// and noted. With `formats`, `format` keywords are asserted; otherwise they are annotations.
pub fn compile(schema: &Value, formats: bool) -> Result<Compiled, String> {
    let mut notes = Vec::new();
    let explicit = schema.get("$schema").is_some();
    let (target, drafts) = match dialect(schema) {
        Some(d) if explicit => (schema.clone(), vec![d]),
        Some(Draft::Draft202012) => (schema.clone(), vec![Draft::Draft202012, Draft::Draft7]),
        Some(d) => (schema.clone(), vec![d, Draft::Draft202012]),
        None => {
            let uri = schema
                .get("$schema")
                .map(Value::to_string)
                .unwrap_or_default();
            notes.push(format!(
                "$schema {uri} names no known dialect; compiled as draft-07 without it"
            ));
            let mut stripped = schema.clone();
            if let Some(map) = stripped.as_object_mut() {
                map.remove("$schema");
            }
            (stripped, vec![Draft::Draft7, Draft::Draft202012])
        }
    };
    let mut first_error = None;
    for (i, draft) in drafts.iter().enumerate() {
        let built = jsonschema::options()
            .with_draft(*draft)
            .should_validate_formats(formats)
            .build(&target);
        match built {
            Ok(validator) => {
                if i > 0 {
                    notes.push(format!(
                        "does not compile as {}, compiles as {}",
                        draft_name(drafts[0]),
                        draft_name(*draft)
                    ));
                }
                return Ok(Compiled {
                    validator,
                    draft: *draft,
                    notes,
                });
            }
            Err(e) => {
                if first_error.is_none() {
                    first_error = Some(format!("{} ({})", e, draft_name(*draft)));
                }
            }
        }
    }
    Err(first_error.unwrap_or_else(|| "no dialect to compile with".into()))
}

/// A short name for a dialect.
pub fn draft_name(d: Draft) -> &'static str {
    match d {
        Draft::Draft4 => "draft-04",
        Draft::Draft6 => "draft-06",
        Draft::Draft7 => "draft-07",
        Draft::Draft201909 => "2019-09",
        Draft::Draft202012 => "2020-12",
        _ => "an unknown dialect",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn dialect_choice() {
        assert_eq!(dialect(&json!({"type": "object"})), Some(Draft::Draft7));
        assert_eq!(
            dialect(&json!({"$defs": {}, "type": "object"})),
            Some(Draft::Draft202012)
        );
        assert_eq!(
            dialect(&json!({"$schema": "https://json-schema.org/draft/2020-12/schema"})),
            Some(Draft::Draft202012)
        );
        assert_eq!(
            dialect(&json!({"$schema": "https://example.com/custom"})),
            None
        );
        let c = compile(
            &json!({"$schema": "https://example.com/custom", "type": "object"}),
            false,
        )
        .expect("compiles without the unknown $schema");
        assert_eq!(c.draft, Draft::Draft7);
        assert!(!c.notes.is_empty());
        assert!(compile(&json!({"type": "object", "minimum": "zero"}), false).is_err());
        assert!(has_external_ref(
            &json!({"properties": {"a": {"$ref": "other.json#/x"}}})
        ));
        assert!(!has_external_ref(
            &json!({"properties": {"a": {"$ref": "#/$defs/x"}}})
        ));
    }
}
