//! Loading and linting case files, in the style of a checker that collects every error with its
//! file and JSON pointer before failing: a broken case never reaches a server.
//!
//! Not the interpreter. The lint rules are documented in `cases/README.md`.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

use mcpspec_report::Level;
use serde_json::Value;

use super::model::{Case, Expect, HttpStep, Predicate, SelfTest, SessionKind, Step, TransportReq};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_cases.rs"));
}

/// The case schema (our own format), embedded.
pub const CASE_SCHEMA: &str = include_str!("../../../../schemas/mcpspec/case.v1.schema.json");

/// Spec pages a case may cite (2025-06-18), plus the JSON-RPC 2.0 document.
pub const KNOWN_PAGES: &[&str] = &[
    "basic",
    "basic/lifecycle",
    "basic/transports",
    "basic/authorization",
    "basic/security_best_practices",
    "basic/utilities/ping",
    "basic/utilities/cancellation",
    "basic/utilities/progress",
    "server/tools",
    "server/resources",
    "server/prompts",
    "server/utilities/logging",
    "server/utilities/completion",
    "server/utilities/pagination",
    "client/sampling",
    "client/roots",
    "client/elicitation",
    "changelog",
    "jsonrpc-2.0",
];

/// A parsed case and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedCase {
    /// Path relative to the cases root, with `/` separators.
    pub path: String,
    /// The case.
    pub case: Case,
}

/// One problem in one case file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}{}: {message}", if pointer.is_empty() { String::new() } else { format!(" at {pointer}") })]
pub struct CaseLoadError {
    /// The file, relative to the cases root.
    pub path: String,
    /// JSON pointer into the file, if the problem has a place.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

fn err(path: &str, pointer: impl Into<String>, message: impl Into<String>) -> CaseLoadError {
    CaseLoadError {
        path: path.to_string(),
        pointer: pointer.into(),
        message: message.into(),
    }
}

/// The cases compiled into the binary, parsed (not yet linted).
pub fn embedded_cases() -> Result<Vec<LoadedCase>, Vec<CaseLoadError>> {
    parse_all(
        embedded::EMBEDDED
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string())),
    )
}

/// The embedded retired-ID list.
pub fn retired_ids() -> HashSet<String> {
    embedded::RETIRED
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Every `*.json` under `dir`, parsed (not yet linted).
pub fn load_dir(dir: &Path) -> Result<Vec<LoadedCase>, Vec<CaseLoadError>> {
    let mut files = Vec::new();
    walk(dir, dir, &mut files)
        .map_err(|e| vec![err(&dir.display().to_string(), "", e.to_string())])?;
    files.sort();
    let mut texts = Vec::new();
    for (rel, abs) in files {
        match std::fs::read_to_string(&abs) {
            Ok(t) => texts.push((rel, t)),
            Err(e) => return Err(vec![err(&rel, "", format!("cannot read: {e}"))]),
        }
    }
    parse_all(texts.into_iter())
}

/// One case file's text, parsed (not yet linted); `path` is relative to the cases root.
pub fn parse_text(path: &str, text: &str) -> Result<LoadedCase, Vec<CaseLoadError>> {
    let mut cases = parse_all(std::iter::once((path.to_string(), text.to_string())))?;
    cases
        .pop()
        .ok_or_else(|| vec![err(path, "", "no case in the file")])
}

fn walk(
    root: &Path,
    dir: &Path,
    out: &mut Vec<(String, std::path::PathBuf)>,
) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('_'))
        {
            continue;
        }
        if p.is_dir() {
            walk(root, &p, out)?;
        } else if p.extension().is_some_and(|x| x == "json") {
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, p));
        }
    }
    Ok(())
}

fn case_validator() -> Result<&'static jsonschema::Validator, String> {
    static V: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    V.get_or_init(|| {
        let schema: Value = serde_json::from_str(CASE_SCHEMA)
            .map_err(|e| format!("case schema is not JSON: {e}"))?;
        jsonschema::validator_for(&schema).map_err(|e| format!("case schema does not compile: {e}"))
    })
    .as_ref()
    .map_err(Clone::clone)
}

fn parse_all(
    files: impl Iterator<Item = (String, String)>,
) -> Result<Vec<LoadedCase>, Vec<CaseLoadError>> {
    let mut cases = Vec::new();
    let mut errors = Vec::new();
    let validator = match case_validator() {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(err("schemas/mcpspec/case.v1.schema.json", "", e));
            None
        }
    };
    for (path, text) in files {
        let value: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                errors.push(err(&path, "", format!("not JSON: {e}")));
                continue;
            }
        };
        if let Some(v) = validator {
            let schema_errors: Vec<_> = v
                .iter_errors(&value)
                .take(5)
                .map(|e| {
                    err(
                        &path,
                        e.instance_path().to_string(),
                        format!("case schema: {e}"),
                    )
                })
                .collect();
            if !schema_errors.is_empty() {
                errors.extend(schema_errors);
                continue;
            }
        }
        match serde_json::from_value::<Case>(value) {
            Ok(case) => cases.push(LoadedCase { path, case }),
            Err(e) => errors.push(err(&path, "", format!("not a valid case: {e}"))),
        }
    }
    if errors.is_empty() {
        Ok(cases)
    } else {
        Err(errors)
    }
}

/// Checks the rules a schema cannot: IDs against paths, uniqueness, the level keyword, step
/// shapes, probe names, known knobs (when `knobs` is given), retired IDs, pages, definitions.
pub fn lint(cases: &[LoadedCase], knobs: Option<&[String]>) -> Vec<CaseLoadError> {
    let mut errors = Vec::new();
    let retired = retired_ids();
    let schema = mcpspec_schema::Schema::for_revision(crate::config::REVISION);
    let mut ids: BTreeMap<&str, &str> = BTreeMap::new();
    let mut shared_ids: BTreeMap<String, String> = BTreeMap::new();
    for lc in cases {
        let (path, case) = (lc.path.as_str(), &lc.case);
        let expected_id = path.trim_end_matches(".json").replace('/', ".");
        if case.id != expected_id {
            errors.push(err(
                path,
                "/id",
                format!("id {:?} must equal the path ({expected_id:?})", case.id),
            ));
        }
        if let Some(prev) = ids.insert(&case.id, path) {
            errors.push(err(
                path,
                "/id",
                format!("id {:?} also used by {prev}", case.id),
            ));
        }
        if retired.contains(&case.id) {
            errors.push(err(
                path,
                "/id",
                format!("id {:?} is retired and must not be reused", case.id),
            ));
        }
        let keyword = case.level.as_str();
        if !case.spec.statement.contains(keyword) {
            errors.push(err(
                path,
                "/spec/statement",
                format!("statement must contain the level keyword {keyword}"),
            ));
        }
        if !KNOWN_PAGES.contains(&case.spec.page.as_str()) {
            errors.push(err(
                path,
                "/spec/page",
                format!("unknown spec page {:?}", case.spec.page),
            ));
        }
        if case.requirements.is_empty() {
            errors.push(err(
                path,
                "/requirements",
                "a case names at least one catalogue requirement",
            ));
        }
        match &case.self_test {
            SelfTest::BreaksWith(knob) => {
                if let Some(knobs) = knobs
                    && !knobs.iter().any(|k| k == knob)
                {
                    errors.push(err(
                        path,
                        "/self_test/breaks_with",
                        format!("unknown fixture knob {knob:?}"),
                    ));
                }
            }
            SelfTest::Exempt(_) => {
                if case.level != Level::May {
                    errors.push(err(
                        path,
                        "/self_test",
                        "MUST and SHOULD cases name a breaks_with knob",
                    ));
                }
            }
        }
        for (i, step) in case.steps.iter().enumerate() {
            let at = format!("/steps/{i}");
            match step {
                Step::Send(s) => {
                    if let Some(id) = s.message.get("id") {
                        lint_id(path, &at, case, id, &mut shared_ids, &mut errors);
                    }
                }
                Step::SendRaw(r) => {
                    if r.text.is_some() == r.hex.is_some() {
                        errors.push(err(path, &at, "send_raw needs exactly one of text and hex"));
                    }
                    if let Some(h) = &r.hex
                        && crate::interp::decode_hex(h).is_none()
                    {
                        errors.push(err(path, &at, "send_raw.hex is not hex"));
                    }
                }
                Step::Expect(e) => lint_expect(path, &at, e, schema, &mut errors),
                Step::CloseInput(_) => {}
                Step::Probe(p) => {
                    if crate::probes::find(&p.name).is_none() {
                        errors.push(err(path, &at, format!("unknown probe {:?}", p.name)));
                    }
                }
                Step::Http(h) => {
                    lint_http(path, &at, case, h, schema, &mut errors);
                    if let Some(id) = h.body.as_ref().and_then(|b| b.get("id")) {
                        lint_id(path, &at, case, id, &mut shared_ids, &mut errors);
                    }
                }
            }
        }
    }
    errors
}

fn lint_id(
    path: &str,
    at: &str,
    case: &Case,
    id: &Value,
    shared_ids: &mut BTreeMap<String, String>,
    errors: &mut Vec<CaseLoadError>,
) {
    if id.as_str().is_some_and(|s| s.starts_with("mcpspec-")) {
        errors.push(err(
            path,
            format!("{at}/message/id"),
            "ids starting with mcpspec- are the harness's own",
        ));
    }
    if case.session == SessionKind::Shared {
        let key = id.to_string();
        if let Some(other) = shared_ids.get(&key) {
            if other != &case.id {
                errors.push(err(
                    path,
                    format!("{at}/message/id"),
                    format!("id {key} is also used by shared case {other}: ids on the shared session must be unique"),
                ));
            }
        } else {
            shared_ids.insert(key, case.id.clone());
        }
    }
}

fn lint_expect(
    path: &str,
    at: &str,
    e: &Expect,
    schema: Option<&'static mcpspec_schema::Schema>,
    errors: &mut Vec<CaseLoadError>,
) {
    let modes = [
        e.response_to.is_some(),
        e.notification.is_some(),
        e.no_message_within_ms.is_some(),
        e.exit_within_ms.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if modes != 1 {
        errors.push(err(
            path,
            at,
            "expect needs exactly one of response_to, notification, no_message_within_ms, exit_within_ms",
        ));
    }
    let preds = e
        .matches
        .iter()
        .map(|(p, v)| (format!("{at}/expect/match{p}"), v))
        .chain(e.otherwise.iter().enumerate().flat_map(|(i, alt)| {
            alt.when
                .iter()
                .map(move |(p, v)| (format!("{at}/expect/otherwise/{i}/if{p}"), v))
        }));
    for (where_, p) in preds {
        lint_predicate(path, &where_, p, schema, errors);
    }
    for pointer in e.matches.keys().chain(e.bind.values()) {
        if !pointer.is_empty() && !pointer.starts_with('/') {
            errors.push(err(path, at, format!("{pointer:?} is not a JSON pointer")));
        }
    }
}

fn lint_http(
    path: &str,
    at: &str,
    case: &Case,
    h: &HttpStep,
    schema: Option<&'static mcpspec_schema::Schema>,
    errors: &mut Vec<CaseLoadError>,
) {
    if case.requires.transport != TransportReq::Http {
        errors.push(err(
            path,
            at,
            "a case with an http step requires the http transport",
        ));
    }
    let token = !h.method.is_empty()
        && h.method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !token {
        errors.push(err(
            path,
            at,
            format!("{:?} is not an HTTP method", h.method),
        ));
    }
    if h.body.is_some() && h.body_text.is_some() {
        errors.push(err(
            path,
            at,
            "http takes at most one of body and body_text",
        ));
    }
    if let Some(p) = &h.path
        && !(p.starts_with('/') || p.starts_with("http://"))
    {
        errors.push(err(
            path,
            at,
            "http.path starts with / or is an http:// URL",
        ));
    }
    if !h.require.is_empty() && h.require_because.is_none() {
        errors.push(err(path, at, "http.require needs require_because"));
    }
    let preds = h
        .matches
        .iter()
        .map(|(p, v)| (format!("{at}/http/match{p}"), v))
        .chain(
            h.require
                .iter()
                .map(|(p, v)| (format!("{at}/http/require{p}"), v)),
        )
        .chain(h.otherwise.iter().enumerate().flat_map(|(i, alt)| {
            alt.when
                .iter()
                .map(move |(p, v)| (format!("{at}/http/otherwise/{i}/if{p}"), v))
        }));
    for (where_, p) in preds {
        lint_predicate(path, &where_, p, schema, errors);
    }
    for pointer in h
        .matches
        .keys()
        .chain(h.require.keys())
        .chain(h.bind.values())
    {
        if !pointer.is_empty() && !pointer.starts_with('/') {
            errors.push(err(path, at, format!("{pointer:?} is not a JSON pointer")));
        }
    }
}

fn lint_predicate(
    path: &str,
    at: &str,
    p: &Predicate,
    schema: Option<&'static mcpspec_schema::Schema>,
    errors: &mut Vec<CaseLoadError>,
) {
    let set = [
        p.equals.is_some(),
        p.present.is_some(),
        p.json_type.is_some(),
        p.one_of.is_some(),
        p.not_in.is_some(),
        p.regex.is_some(),
        p.schema.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if set != 1 {
        errors.push(err(path, at, "a predicate sets exactly one test"));
    }
    if let Some(re) = &p.regex
        && regex::Regex::new(re).is_err()
    {
        errors.push(err(path, at, format!("bad regex {re:?}")));
    }
    if let (Some(def), Some(schema)) = (&p.schema, schema)
        && !schema.has(def)
    {
        errors.push(err(path, at, format!("unknown schema definition {def:?}")));
    }
    if let Some(t) = &p.json_type
        && ![
            "null", "boolean", "integer", "number", "string", "array", "object",
        ]
        .contains(&t.as_str())
    {
        errors.push(err(path, at, format!("unknown JSON type {t:?}")));
    }
}
