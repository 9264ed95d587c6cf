//! mcpspec's embedded MCP JSON schemas, compiled once per revision, plus the table of MCP methods.
//!
//! This crate answers "does this JSON value match definition X of revision R?" and "what is
//! method M?". It does not parse wire bytes, classify messages or grade requirements; the codec
//! and the harness do that and use this crate as a second opinion on shapes.
//!
//! The schema files live in `schemas/mcp/<revision>.json` at the repository root and are written
//! by this project (draft-07, one entry under `definitions` per MCP type). Validation uses one
//! compiled validator per definition, built from a shared registry: `"format"` is asserted
//! (`uri`, `uri-template`, and `byte` as strict padded base64), and an unknown format name makes
//! the build fail instead of being silently ignored.

mod methods;

#[doc(hidden)]
pub mod fuzzing;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use base64::Engine as _;
use jsonschema::{Draft, Registry, Validator};
use serde_json::Value;

pub use methods::{Direction, MethodInfo, MethodKind, method, methods};

/// Every protocol revision that has an embedded schema.
pub const REVISIONS: &[&str] = &["2025-06-18"];

/// Longest violation message kept, in bytes; longer ones are cut at a character boundary.
const MAX_MESSAGE_LEN: usize = 400;

/// Embedded schema text per revision; keep in step with [`REVISIONS`].
fn embedded_source(revision: &str) -> Option<&'static str> {
    match revision {
        "2025-06-18" => Some(include_str!("../../../schemas/mcp/2025-06-18.json")),
        _ => None,
    }
}

/// The compiled-once slot of each embedded revision.
fn slot(revision: &str) -> Option<&'static OnceLock<Result<Schema, SchemaBuildError>>> {
    static R_2025_06_18: OnceLock<Result<Schema, SchemaBuildError>> = OnceLock::new();
    match revision {
        "2025-06-18" => Some(&R_2025_06_18),
        _ => None,
    }
}

/// A revision's schema with one compiled validator per definition.
pub struct Schema {
    revision: String,
    raw: Value,
    validators: BTreeMap<String, Validator>,
}

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schema")
            .field("revision", &self.revision)
            .field("definitions", &self.validators.len())
            .finish_non_exhaustive()
    }
}

/// One way in which a value fails a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaViolation {
    /// JSON Pointer into the checked value ("" for the value itself), e.g. `/tools/0/name`.
    pub instance_path: String,
    /// JSON Pointer of the failing keyword in the schema, e.g. `/definitions/Tool/required`.
    pub schema_path: String,
    /// Human-readable explanation (shortened when very long).
    pub message: String,
}

impl fmt::Display for SchemaViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.instance_path.is_empty() {
            "(root)"
        } else {
            self.instance_path.as_str()
        };
        write!(f, "{at}: {}", self.message)
    }
}

/// A definition name that the schema does not contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownDefinition(pub String);

impl fmt::Display for UnknownDefinition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the schema has no definition named {:?}", self.0)
    }
}

impl std::error::Error for UnknownDefinition {}

/// Why a schema could not be turned into validators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaBuildError {
    /// Revision being built.
    pub revision: String,
    /// The definition that failed to compile, when the failure is specific to one.
    pub definition: Option<String>,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for SchemaBuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.definition {
            Some(name) => write!(
                f,
                "schema {}: definition {name:?} does not compile: {}",
                self.revision, self.message
            ),
            None => write!(f, "schema {}: {}", self.revision, self.message),
        }
    }
}

impl std::error::Error for SchemaBuildError {}

/// Strict base64: standard alphabet, `=` padding required, no whitespace, no stray bits.
pub fn is_strict_base64(text: &str) -> bool {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .is_ok()
}

/// Escapes a definition name for use as one JSON Pointer token inside a URI fragment.
fn pointer_fragment_token(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.replace('~', "~0").replace('/', "~1").bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn shorten(mut message: String) -> String {
    if message.len() > MAX_MESSAGE_LEN {
        let mut cut = MAX_MESSAGE_LEN;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
        message.push('…');
    }
    message
}

impl Schema {
    /// The embedded schema of a revision ("2025-06-18"), compiled once (OnceLock) and shared; None for unknown revisions.
    ///
    /// Also `None` if the embedded schema failed to build, which the crate's tests rule out; use
    /// [`Schema::try_for_revision`] to see the reason.
    pub fn for_revision(revision: &str) -> Option<&'static Schema> {
        Self::try_for_revision(revision).ok()
    }

    /// Like [`Schema::for_revision`], but says why no schema is available.
    pub fn try_for_revision(revision: &str) -> Result<&'static Schema, SchemaBuildError> {
        let (Some(source), Some(cell)) = (embedded_source(revision), slot(revision)) else {
            return Err(SchemaBuildError {
                revision: revision.to_owned(),
                definition: None,
                message: format!("no embedded schema for this revision (known: {REVISIONS:?})"),
            });
        };
        cell.get_or_init(|| {
            let raw: Value = serde_json::from_str(source).map_err(|e| SchemaBuildError {
                revision: revision.to_owned(),
                definition: None,
                message: format!("embedded schema is not valid JSON: {e}"),
            })?;
            Schema::compile(revision, raw)
        })
        .as_ref()
        .map_err(Clone::clone)
    }

    /// Compiles a draft-07 schema document whose top level has a `definitions` object.
    ///
    /// Every definition gets its own validator, and the build fails if any one of them does not
    /// compile. Options: draft-07, formats asserted, unknown formats rejected, `byte` checked as
    /// strict base64. References resolve only inside the document (nothing is fetched). The
    /// document is registered under its `$id`, or under `urn:mcpspec:unnamed:<revision>` if it
    /// has none.
    pub fn compile(revision: &str, raw: Value) -> Result<Schema, SchemaBuildError> {
        let fail = |definition: Option<&str>, message: String| SchemaBuildError {
            revision: revision.to_owned(),
            definition: definition.map(str::to_owned),
            message,
        };
        let names: Vec<String> = match raw.get("definitions") {
            Some(Value::Object(defs)) if !defs.is_empty() => defs.keys().cloned().collect(),
            _ => {
                return Err(fail(
                    None,
                    "top level has no non-empty \"definitions\" object".to_owned(),
                ));
            }
        };
        let base = match raw.get("$id") {
            None => format!("urn:mcpspec:unnamed:{revision}"),
            Some(Value::String(id)) => id.trim_end_matches('#').to_owned(),
            Some(_) => return Err(fail(None, "\"$id\" is not a string".to_owned())),
        };

        let mut validators = BTreeMap::new();
        {
            let registry = Registry::new()
                .add(base.as_str(), &raw)
                .and_then(|builder| builder.prepare())
                .map_err(|e| fail(None, format!("cannot register the document: {e}")))?;
            let options = jsonschema::options()
                .with_draft(Draft::Draft7)
                .with_registry(&registry)
                .should_validate_formats(true)
                .should_ignore_unknown_formats(false)
                .with_format("byte", is_strict_base64);
            for name in &names {
                let target = format!(
                    "{base}#/definitions/{}",
                    pointer_fragment_token(name.as_str())
                );
                let wrapper = serde_json::json!({ "$ref": target });
                let validator = options
                    .build(&wrapper)
                    .map_err(|e| fail(Some(name), e.to_string()))?;
                validators.insert(name.clone(), validator);
            }
        }
        if validators.len() != names.len() {
            return Err(fail(
                None,
                format!(
                    "compiled {} validators for {} definitions",
                    validators.len(),
                    names.len()
                ),
            ));
        }
        Ok(Schema {
            revision: revision.to_owned(),
            raw,
            validators,
        })
    }

    /// The revision this schema describes.
    pub fn revision(&self) -> &str {
        &self.revision
    }

    /// Whether the schema has a definition of this name.
    pub fn has(&self, definition: &str) -> bool {
        self.validators.contains_key(definition)
    }

    /// All definition names, sorted.
    pub fn definitions(&self) -> Vec<&str> {
        self.validators.keys().map(String::as_str).collect()
    }

    fn validator(&self, definition: &str) -> Result<&Validator, UnknownDefinition> {
        self.validators
            .get(definition)
            .ok_or_else(|| UnknownDefinition(definition.to_owned()))
    }

    /// Every violation of `value` against `#/definitions/<definition>` (empty = valid).
    pub fn validate(
        &self,
        definition: &str,
        value: &Value,
    ) -> Result<Vec<SchemaViolation>, UnknownDefinition> {
        let validator = self.validator(definition)?;
        Ok(validator
            .iter_errors(value)
            .map(|error| SchemaViolation {
                instance_path: error.instance_path().to_string(),
                schema_path: error.schema_path().to_string(),
                message: shorten(error.to_string()),
            })
            .collect())
    }

    /// Whether `value` matches `#/definitions/<definition>`.
    pub fn is_valid(&self, definition: &str, value: &Value) -> Result<bool, UnknownDefinition> {
        Ok(self.validator(definition)?.is_valid(value))
    }

    /// The raw schema JSON (for tools that need it).
    pub fn raw(&self) -> &Value {
        &self.raw
    }
}

#[cfg(test)]
mod tests;
