//! Invalid `params` for the client's requests, derived from mcpspec's own MCP schema: for every
//! client-to-server request whose params have required members, the argument generator
//! (`crate::gen`) builds the variants the params definition rejects (a required member left
//! out, a member of the wrong type, params as an array). The schema is the only source; there
//! is no hand-written list of bad params per method.
//!
//! Not the sending (`play/`), and not tool arguments (those come from each tool's own
//! `inputSchema`).

use std::sync::OnceLock;

use mcpspec_schema::{Direction, MethodKind, Schema};
use serde_json::{Map, Value};

use crate::config::REVISION;

/// A client request method with the invalid params variants of its definition.
#[derive(Debug, Clone)]
pub struct MethodVariants {
    /// The method.
    pub method: &'static str,
    /// The capability that gates it, if any.
    pub capability: Option<&'static str>,
    /// Params the definition rejects, each with a label.
    pub variants: Vec<(String, Value)>,
}

/// Every client request method with at least one invalid params variant, in the schema
/// crate's method order. Built once.
pub fn wrong_params() -> &'static [MethodVariants] {
    static TABLE: OnceLock<Vec<MethodVariants>> = OnceLock::new();
    TABLE.get_or_init(|| match Schema::for_revision(REVISION) {
        Some(schema) => build(schema.raw()),
        None => Vec::new(),
    })
}

fn build(raw: &Value) -> Vec<MethodVariants> {
    let definitions = raw.get("definitions").cloned().unwrap_or(Value::Null);
    let mut out = Vec::new();
    for info in mcpspec_schema::methods(REVISION) {
        if info.direction != Direction::ClientToServer || info.kind != MethodKind::Request {
            continue;
        }
        let Some(params) = raw.pointer(&format!(
            "/definitions/{}/properties/params",
            info.definition
        )) else {
            continue;
        };
        let Value::Object(params) = params else {
            continue;
        };
        if params
            .get("required")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty)
        {
            continue;
        }
        let mut schema: Map<String, Value> = params.clone();
        schema.insert("definitions".into(), definitions.clone());
        let variants: Vec<(String, Value)> = crate::r#gen::variants(&Value::Object(schema), true)
            .into_iter()
            .filter(|v| safe_to_send(info.method, &v.value))
            .map(|v| (v.label, v.value))
            .collect();
        if !variants.is_empty() {
            out.push(MethodVariants {
                method: info.method,
                capability: info.capability,
                variants,
            });
        }
    }
    out
}

/// Whether a variant can be sent without bypassing the side-effect guard: a `tools/call` whose
/// `name` is still a string could run a real tool of that name.
fn safe_to_send(method: &str, params: &Value) -> bool {
    method != "tools/call" || !params.get("name").is_some_and(Value::is_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_come_from_the_schema() {
        let table = wrong_params();
        let methods: Vec<&str> = table.iter().map(|m| m.method).collect();
        for m in ["initialize", "tools/call", "resources/read", "prompts/get"] {
            assert!(methods.contains(&m), "{m} missing from {methods:?}");
        }
        assert!(!methods.contains(&"ping"), "ping has no required params");
        let schema = Schema::for_revision(REVISION).expect("schema");
        for m in table {
            let info = mcpspec_schema::method(REVISION, m.method, Direction::ClientToServer)
                .expect("known method");
            for (label, params) in &m.variants {
                let message = serde_json::json!({"method": m.method, "params": params});
                assert!(
                    !schema
                        .is_valid(info.definition, &message)
                        .expect("definition"),
                    "{} accepts {label}: {params}",
                    m.method
                );
                assert!(safe_to_send(m.method, params));
            }
        }
    }
}
