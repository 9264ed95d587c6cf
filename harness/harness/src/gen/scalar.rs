//! Strings and numbers for a schema: formats, lengths and patterns for strings (with the
//! pattern sketch of `pattern.rs` as a fallback), bounds and `multipleOf` for numbers, and the
//! type to build when a schema leaves it open. Not arrays, objects or branches (`example.rs`).

use serde_json::{Value, json};

use super::example::Gen;
use super::pattern::from_pattern;
use super::{MAX_LENGTH, PLAIN};

impl Gen<'_> {
    pub(super) fn string(&mut self, schema: &Value, variant: usize) -> String {
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
}

fn suffix(variant: usize) -> String {
    if variant == 0 {
        String::new()
    } else {
        format!("-{variant}")
    }
}

/// The type to build: the first non-null entry of `type`, else one inferred from the keywords.
pub(super) fn pick_type(schema: &Value) -> &'static str {
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
pub(super) fn number(schema: &Value, integer: bool, variant: usize) -> Result<Value, String> {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::{assert_valid, example};

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
}
