//! Tool arguments from a tool's `inputSchema`: the public face of the generator. One value the
//! schema accepts ([`example`], [`valid_example`]), a few it must reject ([`variants`]), what the
//! schema requires and declares at the top level, and (from `dialect.rs`) the dialect choice and
//! compilation of tool schemas (draft-07 unless the schema says otherwise), shared by the tool
//! probes.
//!
//! Covers the subset of JSON Schema (draft-07 and 2020-12) that tool schemas use in practice:
//! `type`, `properties`, `required`, `enum`, `const`, `default`, `examples`, numeric and length
//! bounds, simple `pattern`s, common `format`s, `items`/`prefixItems`, `minItems`, `anyOf`/`oneOf`
//! (first branch that works), `allOf` (merged) and local `$ref`s. Every value handed out as valid
//! has been checked with the `jsonschema` crate; when no such value can be built the caller is
//! told why. Not a general-purpose data generator, and never reaches the network. The building
//! itself lives in `example.rs` (structure), `scalar.rs` (strings and numbers), `merge.rs`
//! (combining subschemas) and `pattern.rs` (strings from regular expressions).

mod dialect;
mod example;
mod invalid;
mod merge;
mod pattern;
mod scalar;

use std::collections::BTreeMap;

use serde_json::Value;

pub use dialect::{Compiled, compile, dialect, draft_name, has_external_ref};
use example::Gen;
pub use invalid::{Variant, VariantKind, invalid_variants, variants};
use scalar::pick_type;

/// How deep `$ref`s and nested schemas are followed before giving up.
const MAX_DEPTH: usize = 24;

/// Schema nodes visited for one value before generation gives up (a hostile schema could
/// otherwise ask for an enormous value).
const MAX_NODES: usize = 20_000;

/// The longest string built.
const MAX_LENGTH: usize = 65_536;

/// The most array items or object properties built for one node.
const MAX_ITEMS: usize = 1_000;

/// The plain string used where a schema asks for nothing more specific.
const PLAIN: &str = "mcpspec";

/// A value built from a schema, with notes on constraints it may not meet.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// The value.
    pub value: Value,
    /// Constraints the generator could not honour (a `pattern` it could not satisfy, ...).
    pub notes: Vec<String>,
}

/// A value valid against `schema`, checked with the `jsonschema` crate; `None` when none could
/// be built (see [`example`] for the reason).
pub fn valid_example(schema: &Value) -> Option<Value> {
    example(schema).ok().map(|g| g.value)
}

/// Builds a value for `schema` and checks it: `Ok` only with a value the schema accepts (notes
/// say what the generator had to work around), `Err` with the reason otherwise.
pub fn example(schema: &Value) -> Result<Generated, String> {
    let compiled =
        compile(schema, true).map_err(|e| format!("the schema does not compile: {e}"))?;
    let mut last = String::new();
    for use_hints in [true, false] {
        let mut g = Gen::new(schema, use_hints);
        match g.value(schema, 0, 0) {
            Ok(value) => {
                if compiled.validator.is_valid(&value) {
                    return Ok(Generated {
                        value,
                        notes: g.notes,
                    });
                }
                let why = compiled
                    .validator
                    .iter_errors(&value)
                    .next()
                    .map(|e| {
                        let at = e.instance_path().to_string();
                        format!("{e} at {}", if at.is_empty() { "(root)" } else { &at })
                    })
                    .unwrap_or_default();
                let mut reason = format!("the value built is not valid: {why}");
                if !g.notes.is_empty() {
                    reason.push_str(&format!(" ({})", g.notes.join("; ")));
                }
                last = reason;
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// The properties a schema requires at the top level (after `$ref` and `allOf`).
pub fn required_properties(schema: &Value) -> Vec<String> {
    required_of(&resolve_root(schema))
}

/// The top-level properties with the JSON type each declares (the first non-null one; from
/// `const`/`enum` when no `type` is given), or `None` when the type is open.
pub fn property_types(schema: &Value) -> BTreeMap<String, Option<String>> {
    let g = Gen::new(schema, true);
    let mut out = BTreeMap::new();
    let root = resolve_root(schema);
    let Some(props) = root.get("properties").and_then(Value::as_object) else {
        return out;
    };
    for (name, sub) in props {
        let sub = g.flatten(sub, 0).unwrap_or_else(|_| sub.clone());
        let declared = if sub.get("type").is_some() {
            Some(pick_type(&sub).to_string())
        } else {
            sub.get("const")
                .or_else(|| sub.get("enum").and_then(|e| e.get(0)))
                .map(|v| type_name(v).to_string())
        };
        out.insert(name.clone(), declared);
    }
    out
}

/// The JSON type name of a value.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The root schema with a top-level `$ref` and `allOf` folded in, for reading `required` and
/// `properties`.
fn resolve_root(schema: &Value) -> Value {
    let g = Gen::new(schema, true);
    g.flatten(schema, 0).unwrap_or_else(|_| schema.clone())
}

/// The names a schema object's own `required` lists (no `$ref` or `allOf` followed).
fn required_of(schema: &Value) -> Vec<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The example for `schema`, asserted to be valid against it (a helper for the tests of the
/// generator's modules).
#[cfg(test)]
fn assert_valid(schema: Value) -> Value {
    let v = match example(&schema) {
        Ok(g) => g.value,
        Err(e) => panic!("no example for {schema}: {e}"),
    };
    let validator = compile(&schema, true).expect("compiles").validator;
    assert!(validator.is_valid(&v), "{v} is not valid for {schema}");
    v
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, json};

    use super::*;

    #[test]
    fn simple_object_gets_required_only() {
        let v = assert_valid(json!({
            "type": "object",
            "properties": {"text": {"type": "string"}, "n": {"type": "integer"}},
            "required": ["text"]
        }));
        assert_eq!(v, json!({"text": "mcpspec"}));
    }

    #[test]
    fn const_enum_default_examples() {
        assert_eq!(assert_valid(json!({"const": 7})), json!(7));
        assert_eq!(assert_valid(json!({"enum": ["b", "c"]})), json!("b"));
        assert_eq!(
            assert_valid(json!({"type": "string", "default": "d"})),
            json!("d")
        );
        assert_eq!(
            assert_valid(json!({"type": "integer", "examples": [42]})),
            json!(42)
        );
        // A default that breaks the schema is dropped in favour of a generated value.
        assert_eq!(
            assert_valid(json!({"type": "integer", "minimum": 5, "default": "x"})),
            json!(5)
        );
    }

    #[test]
    fn unsatisfiable_pattern_is_reported() {
        // Contradicts its own length limit: the generator says so and gives up.
        let schema = json!({"type": "string", "pattern": "^a{5}$", "maxLength": 2});
        let err = example(&schema).expect_err("cannot be satisfied");
        assert!(err.contains("pattern"), "{err}");
        assert_eq!(valid_example(&schema), None);
    }

    #[test]
    fn impossible_schemas_give_none() {
        assert_eq!(valid_example(&json!(false)), None);
        assert_eq!(valid_example(&json!({"enum": []})), None);
        assert_eq!(
            valid_example(
                &json!({"type": "object", "required": ["x"], "additionalProperties": false})
            ),
            None
        );
        assert_eq!(
            valid_example(&json!({"type": "integer", "not": {"type": "integer"}})),
            None
        );
        assert_eq!(
            valid_example(&json!({"$ref": "https://example.com/s.json"})),
            None
        );
    }

    #[test]
    fn pydantic_style_optional_and_nullable() {
        let v = assert_valid(json!({
            "type": "object",
            "title": "args",
            "properties": {
                "name": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": null},
                "count": {"type": ["integer", "null"], "minimum": 2}
            },
            "required": ["count"]
        }));
        assert_eq!(v, json!({"count": 2}));
    }

    /// Real tool schemas seen on public servers (shapes from the reference servers and from
    /// Python and TypeScript SDK output), all of which must yield valid arguments.
    #[test]
    fn real_world_tool_schemas() {
        let schemas = [
            json!({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {"message": {"type": "string"}}, "required": ["message"]}),
            json!({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {"messageType": {"type": "string", "enum": ["error", "success", "debug"]}, "includeImage": {"default": false, "type": "boolean"}}, "required": ["messageType"]}),
            json!({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {"count": {"default": 3, "type": "number", "minimum": 1, "maximum": 10}}}),
            json!({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {"name": {"default": "README.md.gz", "type": "string"}, "data": {"default": "https://example.com/x", "type": "string", "format": "uri"}}}),
            json!({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {"paths": {"minItems": 1, "type": "array", "items": {"type": "string"}}}, "required": ["paths"]}),
            json!({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {"path": {"type": "string"}, "edits": {"type": "array", "items": {"type": "object", "properties": {"oldText": {"type": "string"}, "newText": {"type": "string"}}, "required": ["oldText", "newText"]}}, "dryRun": {"default": false, "type": "boolean"}}, "required": ["path", "edits"]}),
            json!({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {"entities": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "entityType": {"type": "string"}, "observations": {"type": "array", "items": {"type": "string"}}}, "required": ["name", "entityType", "observations"]}}}, "required": ["entities"]}),
            json!({"properties": {"timezone": {"title": "Timezone", "type": "string"}}, "required": ["timezone"], "type": "object", "title": "get_current_timeArguments"}),
            json!({"properties": {"source_timezone": {"type": "string"}, "time": {"type": "string"}, "target_timezone": {"type": "string"}}, "required": ["source_timezone", "time", "target_timezone"], "type": "object"}),
            json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"query": {"type": "string", "minLength": 1}, "limit": {"type": ["integer", "null"], "format": "uint32", "minimum": 0}}, "required": ["query"]}),
            json!({"type": "object", "properties": {"url": {"type": "string", "format": "uri", "minLength": 1, "maxLength": 2083}, "max_length": {"type": "integer", "exclusiveMaximum": 1000000, "exclusiveMinimum": 0, "default": 5000}}, "required": ["url"]}),
            json!({"type": "object", "$defs": {"Mode": {"enum": ["fast", "slow"], "type": "string"}}, "properties": {"mode": {"$ref": "#/$defs/Mode"}, "items": {"type": "array", "items": {"type": "integer"}}}, "required": ["mode", "items"]}),
            json!({"type": "object", "properties": {"repo": {"type": "string", "pattern": "^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"}}, "required": ["repo"], "additionalProperties": false}),
            json!({"type": "object", "properties": {"ms": {"type": "integer", "minimum": 0, "maximum": 10000, "default": 1500}, "steps": {"type": "integer", "default": 3}}}),
            json!({"type": "object", "properties": {"when": {"type": "string", "format": "date-time"}, "email": {"type": "string", "format": "email"}}, "required": ["when", "email"]}),
            json!({"type": "object", "properties": {"filter": {"type": "object", "additionalProperties": {"type": "string"}, "minProperties": 1}}, "required": ["filter"]}),
            json!({"type": "object", "properties": {"kind": {"oneOf": [{"const": "a"}, {"const": "b"}]}}, "required": ["kind"]}),
            json!({"type": "object"}),
            json!({"type": "object", "properties": {}}),
        ];
        for s in schemas {
            let v = assert_valid(s.clone());
            assert!(v.is_object(), "{v} for {s}");
        }
    }

    /// A small deterministic generator of satisfiable schemas, to try the generator on many
    /// shapes at once.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n.max(1)
        }
    }

    const FORMATS: [&str; 5] = ["email", "uri", "date", "date-time", "uuid"];
    const PATTERNS: [&str; 5] = [
        "^[a-z]+$",
        "^\\d{3}$",
        "^[A-Z][a-z]*$",
        "^(x|y)-\\d+$",
        "^[^ ]+$",
    ];

    fn random_schema(r: &mut Lcg, depth: u32, defs: &mut Map<String, Value>) -> Value {
        let pick = if depth >= 3 { r.next(6) } else { r.next(11) };
        match pick {
            0 => {
                let min = r.next(6);
                let mut s =
                    json!({"type": "string", "minLength": min, "maxLength": min + 4 + r.next(10)});
                match r.next(4) {
                    0 => s = json!({"type": "string", "format": FORMATS[r.next(5) as usize]}),
                    1 => s = json!({"type": "string", "pattern": PATTERNS[r.next(5) as usize]}),
                    _ => {}
                }
                s
            }
            1 => {
                let lo = r.next(100) as i64 - 50;
                let mut s = json!({"type": "integer", "minimum": lo, "maximum": lo + r.next(20) as i64 + 5});
                if r.next(3) == 0 {
                    s["multipleOf"] = json!(1 + r.next(4));
                }
                s
            }
            2 => json!({"type": "number", "exclusiveMinimum": 0, "maximum": 1 + r.next(5)}),
            3 => json!({"type": if r.next(2) == 0 { "boolean" } else { "null" }}),
            4 => json!({"enum": ["a", 1, null, true]}),
            5 => json!({"const": {"k": r.next(9)}}),
            6 => {
                let items = random_schema(r, depth + 1, defs);
                json!({"type": "array", "items": items, "minItems": r.next(3)})
            }
            7 | 8 => {
                let mut props = Map::new();
                let mut required = Vec::new();
                for i in 0..r.next(5) {
                    let name = format!("p{i}");
                    props.insert(name.clone(), random_schema(r, depth + 1, defs));
                    if r.next(2) == 0 {
                        required.push(json!(name));
                    }
                }
                let mut s = json!({"type": "object", "properties": props, "required": required});
                if r.next(3) == 0 {
                    s["additionalProperties"] = json!(false);
                }
                s
            }
            9 => {
                let a = random_schema(r, depth + 1, defs);
                let b = random_schema(r, depth + 1, defs);
                json!({"anyOf": [a, b]})
            }
            _ => {
                let name = format!("D{}", defs.len());
                defs.insert(name.clone(), json!(true));
                let target = random_schema(r, depth + 1, defs);
                defs.insert(name.clone(), target);
                json!({"$ref": format!("#/$defs/{name}")})
            }
        }
    }

    #[test]
    fn many_generated_schemas() {
        let mut r = Lcg(7);
        let mut built = 0;
        for _ in 0..400 {
            let mut defs = Map::new();
            let mut props = Map::new();
            let mut required = Vec::new();
            for i in 0..(1 + r.next(4)) {
                props.insert(format!("a{i}"), random_schema(&mut r, 0, &mut defs));
                required.push(json!(format!("a{i}")));
            }
            let mut schema = json!({"type": "object", "properties": props, "required": required});
            if !defs.is_empty() {
                schema["$defs"] = Value::Object(defs);
            }
            let value = match example(&schema) {
                Ok(g) => g.value,
                Err(e) => panic!("no example for {schema}: {e}"),
            };
            let validator = compile(&schema, true).expect("compiles").validator;
            assert!(validator.is_valid(&value), "{value} for {schema}");
            for v in variants(&schema, true) {
                assert!(
                    !validator.is_valid(&v.value),
                    "{} accepted for {schema}",
                    v.label
                );
            }
            built += 1;
        }
        assert_eq!(built, 400);
    }
}
