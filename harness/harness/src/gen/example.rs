//! The structural part of building a value from a schema: resolving local `$ref`s, folding
//! `allOf`, choosing among `anyOf`/`oneOf` branches, and building arrays and objects. Not strings
//! and numbers (`scalar.rs`), nor the combining of two schema objects (`merge.rs`).

use serde_json::{Map, Value};

use super::merge::merge;
use super::scalar::{number, pick_type};
use super::{MAX_DEPTH, MAX_ITEMS, MAX_NODES, PLAIN, compile, required_of};

/// One run of the generator over a root schema.
pub(super) struct Gen<'a> {
    /// The schema `$ref`s resolve against.
    pub(super) root: &'a Value,
    /// Constraints the run could not honour.
    pub(super) notes: Vec<String>,
    /// Whether `default` and `examples` are used as they are.
    pub(super) use_hints: bool,
    /// Schema nodes visited so far; generation stops past [`MAX_NODES`].
    work: usize,
}

impl<'a> Gen<'a> {
    /// A fresh run over `root`.
    pub(super) fn new(root: &'a Value, use_hints: bool) -> Self {
        Gen {
            root,
            notes: Vec::new(),
            use_hints,
            work: 0,
        }
    }

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
    pub(super) fn flatten(&self, schema: &Value, depth: usize) -> Result<Value, String> {
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

    pub(super) fn value(
        &mut self,
        schema: &Value,
        depth: usize,
        variant: usize,
    ) -> Result<Value, String> {
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
        let mut wanted = required_of(schema);
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::{assert_valid, example};

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
    }
}
