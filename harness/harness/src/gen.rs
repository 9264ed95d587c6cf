//! Tool arguments from a tool's `inputSchema`: one value the schema accepts, and a few it must
//! reject (a required property missing, a property of the wrong type, `arguments` as an array, an
//! unexpected property). Also the dialect choice and compilation of tool schemas (draft-07 unless
//! the schema says otherwise), shared by the tool probes.
//!
//! Covers the subset of JSON Schema (draft-07 and 2020-12) that tool schemas use in practice:
//! `type`, `properties`, `required`, `enum`, `const`, `default`, `examples`, numeric and length
//! bounds, simple `pattern`s, common `format`s, `items`/`prefixItems`, `minItems`, `anyOf`/`oneOf`
//! (first branch that works), `allOf` (merged) and local `$ref`s. Every value handed out as valid
//! has been checked with the `jsonschema` crate; when no such value can be built the caller is
//! told why. Not a general-purpose data generator, and never reaches the network.

use std::collections::BTreeMap;

use jsonschema::{Draft, Validator};
use serde_json::{Map, Value, json};

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

/// A value built from a schema, with notes on constraints it may not meet.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// The value.
    pub value: Value,
    /// Constraints the generator could not honour (a `pattern` it could not satisfy, ...).
    pub notes: Vec<String>,
}

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
        let mut g = Gen {
            root: schema,
            notes: Vec::new(),
            use_hints,
            work: 0,
        };
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
    let required: Vec<String> = root
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
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

/// The properties a schema requires at the top level (after `$ref` and `allOf`).
pub fn required_properties(schema: &Value) -> Vec<String> {
    resolve_root(schema)
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

/// The top-level properties with the JSON type each declares (the first non-null one; from
/// `const`/`enum` when no `type` is given), or `None` when the type is open.
pub fn property_types(schema: &Value) -> BTreeMap<String, Option<String>> {
    let g = Gen {
        root: schema,
        notes: Vec::new(),
        use_hints: true,
        work: 0,
    };
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
    let g = Gen {
        root: schema,
        notes: Vec::new(),
        use_hints: true,
        work: 0,
    };
    g.flatten(schema, 0).unwrap_or_else(|_| schema.clone())
}

struct Gen<'a> {
    root: &'a Value,
    notes: Vec<String>,
    use_hints: bool,
    /// Schema nodes visited so far; generation stops past [`MAX_NODES`].
    work: usize,
}

impl Gen<'_> {
    /// Resolves a local `$ref` (`#`, `#/$defs/X`, `#/definitions/X`, any JSON pointer).
    fn resolve(&self, reference: &str) -> Result<Value, String> {
        let Some(pointer) = reference.strip_prefix('#') else {
            return Err(format!("$ref {reference:?} points outside the schema"));
        };
        let decoded = percent_decode(pointer);
        if decoded.is_empty() {
            return Ok(self.root.clone());
        }
        if !decoded.starts_with('/') {
            return Err(format!(
                "$ref {reference:?} uses an anchor, which is not followed"
            ));
        }
        self.root
            .pointer(&decoded)
            .cloned()
            .ok_or_else(|| format!("$ref {reference:?} does not resolve"))
    }

    /// `$ref` and `allOf` folded into one schema object (siblings kept).
    fn flatten(&self, schema: &Value, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err("the schema nests or refers to itself too deeply".into());
        }
        let Value::Object(map) = schema else {
            return Ok(schema.clone());
        };
        let mut current = Value::Object(map.clone());
        if let Some(r) = map.get("$ref").and_then(Value::as_str) {
            let target = self.flatten(&self.resolve(r)?, depth + 1)?;
            let mut rest = map.clone();
            rest.remove("$ref");
            current = merge(&target, &Value::Object(rest));
        }
        if let Some(all) = current.get("allOf").and_then(Value::as_array).cloned() {
            let mut base = current.clone();
            if let Some(m) = base.as_object_mut() {
                m.remove("allOf");
            }
            for sub in &all {
                let sub = self.flatten(sub, depth + 1)?;
                base = merge(&base, &sub);
            }
            current = self.flatten(&base, depth + 1)?;
        }
        Ok(current)
    }

    /// Whether `node` (a part of the root schema) accepts `v`, checked with the root's
    /// definitions attached; `None` when the part does not compile on its own.
    fn accepts(&mut self, node: &Value, v: &Value) -> Option<bool> {
        self.work += 100;
        if self.work > MAX_NODES {
            return None;
        }
        let mut wrapped = node.clone();
        let map = wrapped.as_object_mut()?;
        for key in ["$defs", "definitions", "$schema"] {
            if let Some(d) = self.root.get(key) {
                map.entry(key).or_insert_with(|| d.clone());
            }
        }
        let compiled = compile(&wrapped, true).ok()?;
        Some(compiled.validator.is_valid(v))
    }

    fn value(&mut self, schema: &Value, depth: usize, variant: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err("the schema nests or refers to itself too deeply".into());
        }
        self.work += 1;
        if self.work > MAX_NODES {
            return Err("the schema asks for too large a value".into());
        }
        let schema = match schema {
            Value::Bool(true) => return Ok(Value::String(PLAIN.into())),
            Value::Bool(false) => return Err("a `false` schema accepts no value".into()),
            Value::Object(_) => self.flatten(schema, depth)?,
            _ => return Err(format!("{schema} is not a schema")),
        };
        if let Some(c) = schema.get("const") {
            return Ok(c.clone());
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array) {
            if options.is_empty() {
                return Err("an empty `enum` accepts no value".into());
            }
            return Ok(options[variant % options.len()].clone());
        }
        if self.use_hints && variant == 0 {
            if let Some(d) = schema.get("default") {
                return Ok(d.clone());
            }
            if let Some(first) = schema
                .get("examples")
                .and_then(Value::as_array)
                .and_then(|e| e.first())
            {
                return Ok(first.clone());
            }
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(branches) = schema.get(key).and_then(Value::as_array) {
                let mut base = schema.clone();
                if let Some(m) = base.as_object_mut() {
                    m.remove(key);
                }
                let mut last = format!("no branch of `{key}` could be built");
                let mut first_built = None;
                // The first branch whose value the whole node accepts (for oneOf: matches no
                // other branch); a few variants per branch; else the first value built.
                for branch in branches {
                    let candidate = match self.flatten(branch, depth + 1) {
                        Ok(b) => merge(&base, &b),
                        Err(e) => {
                            last = e;
                            continue;
                        }
                    };
                    for extra in 0..3 {
                        match self.value(&candidate, depth + 1, variant + extra) {
                            Ok(v) => {
                                if self.accepts(&schema, &v) != Some(false) {
                                    return Ok(v);
                                }
                                first_built.get_or_insert(v);
                            }
                            Err(e) => {
                                last = e;
                                break;
                            }
                        }
                    }
                }
                return first_built.ok_or(last);
            }
        }
        match pick_type(&schema) {
            "null" => Ok(Value::Null),
            "boolean" => Ok(Value::Bool(variant % 2 == 1)),
            "integer" => number(&schema, true, variant),
            "number" => number(&schema, false, variant),
            "array" => self.array(&schema, depth, variant),
            "object" => self.object(&schema, depth, variant),
            _ => Ok(Value::String(self.string(&schema, variant))),
        }
    }

    fn string(&mut self, schema: &Value, variant: usize) -> String {
        let format = schema.get("format").and_then(Value::as_str);
        let mut s = match format {
            Some("email") | Some("idn-email") => format!("mcpspec{}@example.com", suffix(variant)),
            Some("uri") | Some("iri") | Some("uri-reference") | Some("iri-reference") => {
                format!("https://example.com/mcpspec{}", suffix(variant))
            }
            Some("uri-template") => "https://example.com/{id}".into(),
            Some("date") => format!("2025-01-{:02}", 1 + variant % 28),
            Some("date-time") => format!("2025-01-{:02}T00:00:00Z", 1 + variant % 28),
            Some("time") => "00:00:00Z".into(),
            Some("duration") => "P1D".into(),
            Some("uuid") => format!("00000000-0000-4000-8000-{:012}", variant),
            Some("hostname") | Some("idn-hostname") => "example.com".into(),
            Some("ipv4") => "127.0.0.1".into(),
            Some("ipv6") => "::1".into(),
            Some("json-pointer") => "/mcpspec".into(),
            Some("relative-json-pointer") => "0".into(),
            Some("regex") => "^mcpspec$".into(),
            Some("byte") => "bWNwc3BlYw==".into(),
            _ => format!("{PLAIN}{}", suffix(variant)),
        };
        // Beyond the cap the value stays short and validation reports the miss.
        let min = schema
            .get("minLength")
            .and_then(Value::as_u64)
            .unwrap_or(0)
            .min(MAX_LENGTH as u64) as usize;
        let max = schema
            .get("maxLength")
            .and_then(Value::as_u64)
            .map(|m| m as usize);
        if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
            match regex::Regex::new(pattern) {
                Ok(re) => {
                    let fits = |c: &str| {
                        re.is_match(c)
                            && c.chars().count() >= min
                            && max.is_none_or(|m| c.chars().count() <= m)
                    };
                    if !fits(&s) {
                        let mut candidates = Vec::new();
                        if let Some(g) = from_pattern(pattern, min) {
                            candidates.push(g);
                        }
                        candidates.extend(
                            [
                                "a",
                                "A",
                                "0",
                                "1",
                                "x",
                                "abc",
                                "ABC",
                                "123",
                                "a1",
                                "mcpspec_1",
                                "mcpspec-1",
                                "UTC",
                                "00:00",
                                "2025-01-01",
                                "2025-01-01T00:00:00Z",
                                "mcpspec@example.com",
                                "https://example.com",
                                "",
                            ]
                            .iter()
                            .map(|c| c.to_string()),
                        );
                        match candidates.into_iter().find(|c| fits(c)) {
                            Some(c) => s = c,
                            None => self.notes.push(format!(
                                "pattern {pattern:?} could not be satisfied; used {s:?}"
                            )),
                        }
                    }
                }
                Err(_) => {
                    // A pattern the regex crate cannot read (look-around, ...): try the sketch.
                    if let Some(g) = from_pattern(pattern, min) {
                        s = g;
                    } else {
                        self.notes
                            .push(format!("pattern {pattern:?} could not be read; used {s:?}"));
                    }
                }
            }
        }
        let len = s.chars().count();
        if len < min {
            s.push_str(&"x".repeat(min - len));
        }
        if let Some(max) = max
            && s.chars().count() > max
        {
            s = s.chars().take(max).collect();
        }
        s
    }

    fn array(&mut self, schema: &Value, depth: usize, variant: usize) -> Result<Value, String> {
        let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0);
        if min > MAX_ITEMS as u64 {
            return Err(format!("minItems {min} is more than mcpspec builds"));
        }
        let min = min as usize;
        // Tuple forms: 2020-12 `prefixItems` (+ `items` for the rest), draft-07 `items` as an
        // array (+ `additionalItems`).
        let (prefix, rest): (Vec<Value>, Option<Value>) =
            if let Some(p) = schema.get("prefixItems").and_then(Value::as_array) {
                (p.clone(), schema.get("items").cloned())
            } else if let Some(p) = schema.get("items").and_then(Value::as_array) {
                (p.clone(), schema.get("additionalItems").cloned())
            } else {
                (Vec::new(), schema.get("items").cloned())
            };
        let mut count = min;
        let contains = schema.get("contains").cloned();
        if contains.is_some() && count == 0 {
            count = 1;
        }
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let item_schema = if i == 0
                && let Some(c) = &contains
            {
                match prefix.first().or(rest.as_ref()) {
                    Some(s) => merge(&self.flatten(s, depth + 1)?, &self.flatten(c, depth + 1)?),
                    None => c.clone(),
                }
            } else {
                prefix
                    .get(i)
                    .cloned()
                    .or_else(|| rest.clone())
                    .unwrap_or(Value::Bool(true))
            };
            out.push(self.value(&item_schema, depth + 1, variant + i)?);
        }
        Ok(Value::Array(out))
    }

    fn object(&mut self, schema: &Value, depth: usize, variant: usize) -> Result<Value, String> {
        let props = schema
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let additional = schema.get("additionalProperties").cloned();
        let mut wanted: Vec<String> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let min = schema
            .get("minProperties")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if min > MAX_ITEMS as u64 {
            return Err(format!("minProperties {min} is more than mcpspec builds"));
        }
        let min = min as usize;
        for name in props.keys() {
            if wanted.len() >= min {
                break;
            }
            if !wanted.contains(name) {
                wanted.push(name.clone());
            }
        }
        let mut n = 0;
        while wanted.len() < min {
            n += 1;
            let name = format!("mcpspec{n}");
            if !wanted.contains(&name) {
                wanted.push(name);
            }
        }
        // draft-07 `dependencies` (array form) and 2020-12 `dependentRequired`.
        let mut i = 0;
        while i < wanted.len() {
            for key in ["dependencies", "dependentRequired"] {
                if let Some(deps) = schema
                    .get(key)
                    .and_then(|d| d.get(&wanted[i]))
                    .and_then(Value::as_array)
                {
                    for d in deps.iter().filter_map(Value::as_str) {
                        if !wanted.iter().any(|w| w == d) {
                            wanted.push(d.to_string());
                        }
                    }
                }
            }
            i += 1;
        }
        let mut out = Map::new();
        for name in wanted {
            let sub = match props.get(&name) {
                Some(s) => s.clone(),
                None => match &additional {
                    Some(Value::Bool(false)) => {
                        return Err(format!(
                            "property `{name}` is required but additionalProperties is false"
                        ));
                    }
                    Some(s @ Value::Object(_)) => s.clone(),
                    _ => Value::Bool(true),
                },
            };
            let v = self
                .value(&sub, depth + 1, variant)
                .map_err(|e| format!("property `{name}`: {e}"))?;
            out.insert(name, v);
        }
        Ok(Value::Object(out))
    }
}

fn suffix(variant: usize) -> String {
    if variant == 0 {
        String::new()
    } else {
        format!("-{variant}")
    }
}

/// The type to build: the first non-null entry of `type`, else one inferred from the keywords.
fn pick_type(schema: &Value) -> &'static str {
    const KNOWN: &[&str] = &[
        "string", "integer", "number", "boolean", "array", "object", "null",
    ];
    let declared: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if let Some(t) = declared.iter().find(|t| **t != "null") {
        return KNOWN.iter().find(|k| *k == t).copied().unwrap_or("string");
    }
    if !declared.is_empty() {
        return "null";
    }
    let has = |keys: &[&str]| keys.iter().any(|k| schema.get(*k).is_some());
    if has(&[
        "properties",
        "required",
        "additionalProperties",
        "minProperties",
        "patternProperties",
    ]) {
        "object"
    } else if has(&["items", "prefixItems", "minItems", "maxItems", "contains"]) {
        "array"
    } else if has(&[
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    ]) {
        "number"
    } else {
        "string"
    }
}

/// A number inside the schema's bounds: 1 (plus the variant) when allowed, else the nearest
/// bound, moved to a multiple of `multipleOf` where one is asked for.
fn number(schema: &Value, integer: bool, variant: usize) -> Result<Value, String> {
    let f = |k: &str| schema.get(k).and_then(Value::as_f64);
    // draft-04 boolean exclusives ride on minimum/maximum; draft-06+ use numbers.
    let bool_flag = |k: &str| schema.get(k).and_then(Value::as_bool).unwrap_or(false);
    let (mut lo, mut lo_excl) = (f("minimum"), bool_flag("exclusiveMinimum"));
    if let Some(x) = f("exclusiveMinimum")
        && lo.is_none_or(|l| x >= l)
    {
        lo = Some(x);
        lo_excl = true;
    }
    let (mut hi, mut hi_excl) = (f("maximum"), bool_flag("exclusiveMaximum"));
    if let Some(x) = f("exclusiveMaximum")
        && hi.is_none_or(|h| x <= h)
    {
        hi = Some(x);
        hi_excl = true;
    }
    let preferred = 1.0 + variant as f64;
    let above = |v: f64| lo.is_none_or(|l| if lo_excl { v > l } else { v >= l });
    let below = |v: f64| hi.is_none_or(|h| if hi_excl { v < h } else { v <= h });
    let mut v = if above(preferred) && below(preferred) {
        preferred
    } else if let Some(l) = lo {
        if integer {
            let c = l.ceil();
            if lo_excl && c == l { c + 1.0 } else { c }
        } else if lo_excl {
            match hi {
                Some(h) => (l + h) / 2.0,
                None => l + 1.0,
            }
        } else {
            l
        }
    } else if let Some(h) = hi {
        if integer {
            let c = h.floor();
            if hi_excl && c == h { c - 1.0 } else { c }
        } else if hi_excl {
            h - 1.0
        } else {
            h
        }
    } else {
        preferred
    };
    if let Some(m) = f("multipleOf").filter(|m| *m > 0.0) {
        let k = (v / m).ceil();
        v = k * m;
        if !below(v) {
            v = (k - 1.0) * m;
        }
    }
    if !(above(v) && below(v)) {
        return Err(format!(
            "no {} lies within the bounds",
            if integer { "integer" } else { "number" }
        ));
    }
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        Ok(json!(v as i64))
    } else if integer {
        Err("no integer fits the bounds and multipleOf".into())
    } else {
        Ok(json!(v))
    }
}

/// Two schema objects as one (for `allOf`, `$ref` siblings and `anyOf` branches): properties and
/// required lists are united, bounds tightened, types intersected; for anything else the first
/// schema's keyword is kept.
fn merge(a: &Value, b: &Value) -> Value {
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

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A string that a simple regular expression matches, built by walking it: literals are kept,
/// classes give their first member, `?`/`*` give nothing, `+` one, `{n,m}` n repetitions, and the
/// first branch of an alternation is taken. `None` for constructs it does not know
/// (back-references, unbalanced syntax). The result is padded towards `min_len` by repeating the
/// last repeatable piece where there is one.
fn from_pattern(pattern: &str, min_len: usize) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut pos = 0;
    let mut out = String::new();
    let mut last_repeatable: Option<String> = None;
    sequence(&chars, &mut pos, &mut out, &mut last_repeatable, 0)?;
    if pos != chars.len() {
        return None;
    }
    if let Some(unit) = last_repeatable.filter(|u| !u.is_empty()) {
        while out.chars().count() < min_len.min(MAX_LENGTH) {
            out.push_str(&unit);
        }
    }
    Some(out)
}

/// One atom and its text; returns `None` on unknown syntax.
fn atom(chars: &[char], pos: &mut usize, depth: usize) -> Option<String> {
    let c = *chars.get(*pos)?;
    *pos += 1;
    match c {
        '.' => Some("a".into()),
        '\\' => {
            let e = *chars.get(*pos)?;
            *pos += 1;
            match e {
                'd' => Some("0".into()),
                'w' => Some("a".into()),
                's' => Some(" ".into()),
                'W' => Some("-".into()),
                'D' | 'S' => Some("a".into()),
                'n' => Some("\n".into()),
                't' => Some("\t".into()),
                'b' | 'B' | 'A' | 'z' | 'Z' => Some(String::new()),
                '1'..='9' => None,
                'u' => {
                    let hex: String = chars.get(*pos..*pos + 4)?.iter().collect();
                    *pos += 4;
                    char::from_u32(u32::from_str_radix(&hex, 16).ok()?).map(String::from)
                }
                other => Some(other.to_string()),
            }
        }
        '[' => class(chars, pos),
        '(' => {
            // (?:...), (?<name>...), (?=...) / (?!...) (look-arounds match nothing here).
            let mut lookaround = false;
            if chars.get(*pos) == Some(&'?') {
                match chars.get(*pos + 1) {
                    Some(':') => *pos += 2,
                    Some('=') | Some('!') => {
                        *pos += 2;
                        lookaround = true;
                    }
                    Some('<') if matches!(chars.get(*pos + 2), Some('=') | Some('!')) => {
                        *pos += 3;
                        lookaround = true;
                    }
                    Some('<') | Some('P') => {
                        while *pos < chars.len() && chars[*pos] != '>' {
                            *pos += 1;
                        }
                        *pos += 1;
                    }
                    _ => return None,
                }
            }
            let mut inner = String::new();
            let mut unit = None;
            sequence(chars, pos, &mut inner, &mut unit, depth + 1)?;
            if chars.get(*pos) != Some(&')') {
                return None;
            }
            *pos += 1;
            Some(if lookaround { String::new() } else { inner })
        }
        '^' | '$' => Some(String::new()),
        ')' | '|' | '*' | '+' | '?' | '{' => None,
        other => Some(other.to_string()),
    }
}

/// A sequence of atoms up to `)` or the end; alternatives after `|` are skipped.
fn sequence(
    chars: &[char],
    pos: &mut usize,
    out: &mut String,
    last_repeatable: &mut Option<String>,
    depth: usize,
) -> Option<()> {
    if depth > 16 {
        return None;
    }
    while *pos < chars.len() {
        match chars[*pos] {
            ')' => return Some(()),
            '|' => {
                // Skip the other branches of this level.
                let mut level = 0usize;
                let mut escaped = false;
                let mut in_class = false;
                while *pos < chars.len() {
                    let c = chars[*pos];
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if in_class {
                        if c == ']' {
                            in_class = false;
                        }
                    } else if c == '[' {
                        in_class = true;
                    } else if c == '(' {
                        level += 1;
                    } else if c == ')' {
                        if level == 0 {
                            return Some(());
                        }
                        level -= 1;
                    }
                    *pos += 1;
                }
                return Some(());
            }
            _ => {}
        }
        let text = atom(chars, pos, depth)?;
        let (lo, repeatable) = quantifier(chars, pos)?;
        for _ in 0..lo {
            out.push_str(&text);
        }
        if out.len() > MAX_LENGTH {
            return None;
        }
        if repeatable {
            *last_repeatable = Some(text);
        }
    }
    Some(())
}

/// Reads a quantifier after an atom: (minimum count, whether more repetitions are allowed).
fn quantifier(chars: &[char], pos: &mut usize) -> Option<(usize, bool)> {
    let q = match chars.get(*pos) {
        Some('?') => {
            *pos += 1;
            (0, false)
        }
        Some('*') => {
            *pos += 1;
            (0, true)
        }
        Some('+') => {
            *pos += 1;
            (1, true)
        }
        Some('{') => {
            let start = *pos;
            let end = chars[start..].iter().position(|c| *c == '}')? + start;
            let body: String = chars[start + 1..end].iter().collect();
            let (lo, more) = match body.split_once(',') {
                Some((lo, hi)) => {
                    let lo: usize = lo.trim().parse().ok()?;
                    let more = hi.trim().is_empty() || hi.trim().parse::<usize>().ok()? > lo;
                    (lo, more)
                }
                None => (body.trim().parse().ok()?, false),
            };
            *pos = end + 1;
            (lo.min(256), more)
        }
        _ => return Some((1, false)),
    };
    // Lazy or possessive suffixes change nothing here.
    if matches!(chars.get(*pos), Some('?') | Some('+')) {
        *pos += 1;
    }
    Some(q)
}

/// A character class: its first member, or for a negated class the first of a few candidates
/// outside it.
fn class(chars: &[char], pos: &mut usize) -> Option<String> {
    let negated = chars.get(*pos) == Some(&'^');
    if negated {
        *pos += 1;
    }
    let mut members: Vec<(char, char)> = Vec::new();
    let mut first = true;
    loop {
        let c = *chars.get(*pos)?;
        *pos += 1;
        if c == ']' && !first {
            break;
        }
        first = false;
        let lo = if c == '\\' {
            let e = *chars.get(*pos)?;
            *pos += 1;
            match e {
                'd' => {
                    members.push(('0', '9'));
                    continue;
                }
                'w' => {
                    members.push(('a', 'z'));
                    members.push(('A', 'Z'));
                    members.push(('0', '9'));
                    members.push(('_', '_'));
                    continue;
                }
                's' => {
                    members.push((' ', ' '));
                    continue;
                }
                'n' => '\n',
                't' => '\t',
                other => other,
            }
        } else {
            c
        };
        if chars.get(*pos) == Some(&'-') && chars.get(*pos + 1).is_some_and(|n| *n != ']') {
            let mut hi = chars[*pos + 1];
            *pos += 2;
            if hi == '\\' {
                hi = *chars.get(*pos)?;
                *pos += 1;
            }
            members.push((lo, hi));
        } else {
            members.push((lo, lo));
        }
    }
    let inside = |ch: char| members.iter().any(|(a, b)| *a <= ch && ch <= *b);
    if negated {
        "a0A_-x.Z9 ".chars().find(|c| !inside(*c)).map(String::from)
    } else {
        members.first().map(|(a, _)| a.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_valid(schema: Value) -> Value {
        let v = match example(&schema) {
            Ok(g) => g.value,
            Err(e) => panic!("no example for {schema}: {e}"),
        };
        let validator = compile(&schema, true).expect("compiles").validator;
        assert!(validator.is_valid(&v), "{v} is not valid for {schema}");
        v
    }

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
    fn numbers_respect_bounds() {
        assert_eq!(
            assert_valid(json!({"type": "integer", "minimum": 10})),
            json!(10)
        );
        assert_eq!(
            assert_valid(json!({"type": "integer", "maximum": -3})),
            json!(-3)
        );
        assert_eq!(
            assert_valid(json!({"type": "integer", "exclusiveMinimum": 1})),
            json!(2)
        );
        assert_valid(json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.5}));
        assert_valid(json!({"type": "integer", "minimum": 3, "multipleOf": 5}));
        assert_valid(json!({"type": "number", "minimum": 0.25, "maximum": 0.75}));
        assert_valid(json!({
            "$schema": "http://json-schema.org/draft-04/schema#",
            "type": "integer", "minimum": 0, "exclusiveMinimum": true
        }));
        assert!(example(&json!({"type": "integer", "minimum": 0.2, "maximum": 0.8})).is_err());
    }

    #[test]
    fn strings_respect_lengths_formats_patterns() {
        let v = assert_valid(json!({"type": "string", "minLength": 20}));
        assert!(v.as_str().is_some_and(|s| s.len() >= 20));
        assert_valid(json!({"type": "string", "maxLength": 3}));
        for f in [
            "email",
            "uri",
            "date",
            "date-time",
            "uuid",
            "ipv4",
            "ipv6",
            "hostname",
        ] {
            assert_valid(json!({"type": "string", "format": f}));
        }
        assert_valid(json!({"type": "string", "pattern": "^[A-Z]{3}-\\d{4}$"}));
        assert_valid(json!({"type": "string", "pattern": "^(foo|bar)+baz?$"}));
        assert_valid(json!({"type": "string", "pattern": "^[^a-z]+$"}));
        assert_valid(json!({"type": "string", "pattern": "^\\d{2}:\\d{2}$"}));
        assert_valid(json!({"type": "string", "pattern": "^[a-z0-9_-]{8,}$", "maxLength": 12}));
        assert_valid(json!({"type": "string", "pattern": "^(?:[a-z]+\\.)+[a-z]{2,}$"}));
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
    fn arrays_nested_objects_and_tuples() {
        let v = assert_valid(json!({
            "type": "object",
            "properties": {"paths": {"type": "array", "items": {"type": "string"}, "minItems": 2, "uniqueItems": true}},
            "required": ["paths"]
        }));
        assert_eq!(v, json!({"paths": ["mcpspec", "mcpspec-1"]}));
        assert_valid(json!({
            "type": "array",
            "prefixItems": [{"type": "integer"}, {"type": "string"}],
            "minItems": 2
        }));
        assert_valid(json!({
            "type": "array", "items": [{"type": "boolean"}, {"type": "null"}], "minItems": 2
        }));
        assert_valid(json!({"type": "array", "contains": {"const": 3}}));
        assert_valid(json!({
            "type": "object",
            "properties": {"edits": {"type": "array", "minItems": 1, "items": {
                "type": "object",
                "properties": {"old": {"type": "string"}, "new": {"type": "string"}},
                "required": ["old", "new"], "additionalProperties": false}}},
            "required": ["edits"], "additionalProperties": false
        }));
    }

    #[test]
    fn branches_refs_and_all_of() {
        assert_valid(json!({"anyOf": [{"type": "string", "minLength": 2}, {"type": "null"}]}));
        assert_valid(json!({"oneOf": [{"type": "integer", "minimum": 5}, {"type": "string"}]}));
        // The first branch's first value also matches the second branch: oneOf needs another.
        assert_eq!(
            assert_valid(json!({"oneOf": [{"enum": ["a", "b"]}, {"const": "a"}]})),
            json!("b")
        );
        assert_valid(json!({"oneOf": [{"type": "string"}, {"type": "string", "maxLength": 3}]}));
        assert_valid(json!({
            "$defs": {"Point": {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]}},
            "type": "object",
            "properties": {"p": {"$ref": "#/$defs/Point"}},
            "required": ["p"]
        }));
        assert_valid(json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "definitions": {"Name": {"type": "string", "minLength": 3}},
            "type": "object",
            "properties": {"n": {"$ref": "#/definitions/Name"}},
            "required": ["n"]
        }));
        assert_valid(json!({
            "allOf": [
                {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
                {"properties": {"b": {"type": "integer", "minimum": 4}}, "required": ["b"]}
            ]
        }));
        // A required recursive structure ends at the depth limit instead of looping.
        let looped =
            json!({"type": "object", "properties": {"next": {"$ref": "#"}}, "required": ["next"]});
        assert!(example(&looped).is_err());
        // An optional recursive one is fine.
        assert_valid(json!({"type": "object", "properties": {"next": {"$ref": "#"}}}));
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

    #[test]
    fn pattern_sketches() {
        assert_eq!(from_pattern("^abc$", 0).as_deref(), Some("abc"));
        assert_eq!(from_pattern("^[a-c]{2}x?$", 0).as_deref(), Some("aa"));
        assert_eq!(from_pattern("^(x|y)z+$", 0).as_deref(), Some("xz"));
        assert_eq!(from_pattern("^a+$", 4).as_deref(), Some("aaaa"));
        assert_eq!(from_pattern("(a)\\1", 0), None);
        assert_eq!(from_pattern("^(ab", 0), None);
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

    #[test]
    fn hostile_schemas_end_quickly() {
        let wide = json!({
            "$defs": {"N": {"type": "object", "properties": {
                "a": {"$ref": "#/$defs/N"}, "b": {"$ref": "#/$defs/N"}, "c": {"$ref": "#/$defs/N"}},
                "required": ["a", "b", "c"]}},
            "$ref": "#/$defs/N"
        });
        assert!(example(&wide).is_err());
        assert!(example(&json!({"type": "array", "minItems": 1_000_000_000u64})).is_err());
        assert!(example(&json!({"type": "object", "minProperties": 1_000_000_000u64})).is_err());
        assert!(example(&json!({"type": "string", "minLength": 1_000_000_000u64})).is_err());
        assert!(from_pattern("((a{256}){256}){256}", 0).is_none());
    }
}
