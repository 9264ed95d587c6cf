//! The case file model (`case.v1`): one JSON file per requirement, deserialised strictly.
//!
//! This is the data a contributor writes; it holds no behaviour. The loader (`load.rs`) lints it,
//! the interpreter (`interp.rs`) runs it. Every field here is mirrored in
//! `schemas/mcpspec/case.v1.schema.json`, and every step kind is documented in `cases/README.md`.

use std::collections::BTreeMap;

use mcpspec_report::Level;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One conformance case: one requirement, one ID, one verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// `$schema`, if set, points editors at the case schema; ignored by the harness.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// `id`, if set, is the stable dotted kebab-case ID; it must equal the file path under `cases/`.
    pub id: String,
    /// `title` says what the harness does, imperative, from our side.
    pub title: String,
    /// `expectation` says what the server must do, with the level keyword.
    pub expectation: String,
    /// `requirements` lists the catalogue IDs this case checks (`BASE-004`, `PROBE-002`, ...).
    pub requirements: Vec<String>,
    /// `spec` locates the requirement in the spec and states it in mcpspec's words.
    pub spec: CaseSpec,
    /// `level` is the requirement level; it decides how a broken expectation is graded.
    pub level: Level,
    /// `applies`, if set, limits the case to a range of negotiated revisions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies: Option<Applies>,
    /// `requires` states the preconditions; unmet ones give not-applicable.
    #[serde(default)]
    pub requires: Requires,
    /// `session` says which session the case runs on.
    #[serde(default)]
    pub session: SessionKind,
    /// `steps` is the ordered script.
    pub steps: Vec<Step>,
    /// `self_test` names the fixture bug knob that must break this case, or why none does.
    pub self_test: SelfTest,
    /// `notes`, if set, is free text shown by `mcpspec explain`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// Where a requirement lives and what it says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseSpec {
    /// `page` is the spec page path under the revision (`basic/lifecycle`), or a JSON-RPC section.
    pub page: String,
    /// `anchor` is the section anchor on that page (may be empty).
    #[serde(default)]
    pub anchor: String,
    /// `statement` is mcpspec's own wording of the requirement; it must contain the level keyword.
    pub statement: String,
    /// `source`, if set, is `mcp` (default) or `jsonrpc-2.0`.
    #[serde(default)]
    pub source: SpecSource,
}

/// Which document a case cites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpecSource {
    /// The MCP specification of the revision under test.
    #[default]
    Mcp,
    /// The JSON-RPC 2.0 specification.
    #[serde(rename = "jsonrpc-2.0")]
    JsonRpc2,
}

/// A range of protocol revisions, inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applies {
    /// `since`, if set, is the first revision the case applies to.
    #[serde(default)]
    pub since: Option<String>,
    /// `until`, if set, is the last revision the case applies to.
    #[serde(default)]
    pub until: Option<String>,
}

/// Preconditions of a case.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requires {
    /// `transport`, if set, limits the case to one transport.
    #[serde(default)]
    pub transport: TransportReq,
    /// `server_capabilities`, if set, lists capability paths (`tools`, `resources.subscribe`) the
    /// server must advertise; otherwise the case is not-applicable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub server_capabilities: Vec<String>,
    /// `server_capabilities_absent`, if set, lists capabilities the server must NOT advertise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub server_capabilities_absent: Vec<String>,
    /// `authorization`, if true, limits the case to runs that present credentials (an
    /// `Authorization` header from `--bearer-env` or `--header`): the user declared the server
    /// protected. Otherwise the case is not-applicable.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub authorization: bool,
}

/// Which transport a case needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransportReq {
    /// Either transport.
    #[default]
    Any,
    /// stdio only.
    Stdio,
    /// Streamable HTTP only.
    Http,
}

/// Which session a case runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionKind {
    /// An initialized session shared by read-only cases (the default).
    #[default]
    Shared,
    /// A new process (or HTTP session), handshake done by the runner.
    Fresh,
    /// A new process with no handshake: the case drives `initialize` itself.
    Raw,
}

/// How a case proves itself against the fixture server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SelfTest {
    /// `breaks_with` names the fixture bug knob that must turn this case into fail / non-strict.
    BreaksWith(String),
    /// `exempt` says why no knob can break this case (MAY-level observations, for example).
    Exempt(String),
}

/// One step of a case. The vocabulary is closed: each variant is documented in `cases/README.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// `send` writes one JSON-RPC message (one line on stdio).
    Send(Send),
    /// `send_raw` writes exact bytes, optionally in chunks with pauses.
    SendRaw(SendRaw),
    /// `expect` waits for, or rules out, something from the server.
    Expect(Expect),
    /// `close_input` closes the server's stdin (stdio) to begin shutdown.
    CloseInput(Empty),
    /// `probe` calls a named Rust procedure for what the vocabulary cannot say.
    Probe(ProbeCall),
    /// `http` sends one HTTP request of the case's choosing (Streamable HTTP targets only) and
    /// judges the answer: status, headers, body and SSE events.
    Http(HttpStep),
}

/// One HTTP request with its judgement. The request starts from what the transport would send
/// (the user's headers, the session id and protocol version once known, `Accept` and
/// `Content-Type`); `headers` overrides or removes them. The answer is judged as a JSON object:
/// `status`, `status_class` (`"2xx"`, `"4xx"`, ...), `headers` (lower-case names), `media_type`,
/// `body` (parsed JSON) or `body_text`, `events` and `messages` (SSE), `stream_ended`,
/// `closed_after_response`, `sent` (what went out) and `target_loopback`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpStep {
    /// `method` is the HTTP method (`POST`, `GET`, `DELETE`, or any token).
    pub method: String,
    /// `path`, if set, replaces the endpoint's path and query (`/.well-known/...`); it may be
    /// an absolute URL on the same origin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `headers` sets (string) or removes (`null`) request headers, by case-insensitive name.
    /// Values may use `${name}` from earlier binds.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, Option<String>>,
    /// `body`, if set, is a JSON body (binds substituted), sent compact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// `body_text`, if set, is sent exactly as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_text: Option<String>,
    /// `read_ms`, if set, bounds how long the answer's body is read (default 2000). An SSE body
    /// is read until it ends, until this deadline, or until the response to the body's request
    /// arrived and `close_within_ms` more passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_ms: Option<u64>,
    /// `close_within_ms`, if set, is how long a stream may stay open after the response it
    /// carried (default 1000) before `closed_after_response` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_within_ms: Option<u64>,
    /// `stop_after_events`, if set, drops the connection once that many SSE events arrived (a
    /// stream cut on purpose, e.g. before resuming it with `Last-Event-ID`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_after_events: Option<usize>,
    /// `require`, if set, are predicates on the answer that must hold for the rest of the case
    /// to make sense; if one fails the case ends as untestable with `require_because`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub require: BTreeMap<String, Predicate>,
    /// `require_because` explains an unmet `require`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_because: Option<String>,
    /// `match` maps JSON pointers into the answer object to predicates; all must hold.
    #[serde(rename = "match", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub matches: BTreeMap<String, Predicate>,
    /// `otherwise` grades an answer that fails `match`, as for `expect`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub otherwise: Vec<Alternative>,
    /// `bind` captures values from the answer object: name to JSON pointer.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub bind: BTreeMap<String, String>,
}

/// An empty object, for steps that take no arguments (`{"close_input": {}}`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// Send one message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Send {
    /// `message` is the JSON-RPC message; string values may use `${name}` from earlier binds.
    pub message: Value,
    /// `deliberately_invalid`, if set, skips the harness-origin schema check (the case sends a
    /// broken message on purpose).
    #[serde(default)]
    pub deliberately_invalid: bool,
}

/// Send raw bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendRaw {
    /// `text`, if set, is sent as UTF-8 exactly (include the trailing `\n` yourself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// `hex`, if set, is sent as the bytes it spells (whitespace ignored), for invalid UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hex: Option<String>,
    /// `chunk_bytes`, if set, splits the write into chunks of this many bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_bytes: Option<usize>,
    /// `chunk_delay_ms`, if set, pauses this long between chunks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_delay_ms: Option<u64>,
}

/// Wait for something, or for the absence of something, and judge it.
///
/// Exactly one of `response_to`, `notification`, `no_message_within_ms` and `exit_within_ms`
/// must be set (the loader checks).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// `response_to`, if set, waits for the response (result or error) whose `id` equals this
    /// value exactly (type and value). `null` waits for an error whose id is null or missing.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub response_to: Option<Value>,
    /// `or_null_id`, with `response_to`: an error whose id is null or missing also answers (a
    /// server that cannot read a request's id answers with a null id).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub or_null_id: bool,
    /// `notification`, if set, waits for a server notification with this method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification: Option<String>,
    /// `no_message_within_ms`, if set, waits this long and requires that no message of kind
    /// `of_kind` (default `response`) arrives, except methods in `except_methods`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_message_within_ms: Option<u64>,
    /// `of_kind`, with `no_message_within_ms`: `response`, `request`, `notification` or `any`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of_kind: Option<MessageKind>,
    /// `except_methods`, with `no_message_within_ms`: methods that are allowed to arrive.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub except_methods: Vec<String>,
    /// `exit_within_ms`, if set, waits for the server process to exit (stdio).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_within_ms: Option<u64>,
    /// `within_ms`, if set, overrides the run's timeout for `response_to` / `notification`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_ms: Option<u64>,
    /// `match` maps JSON pointers into the received message to predicates; all must hold.
    #[serde(rename = "match", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub matches: BTreeMap<String, Predicate>,
    /// `otherwise`, if set, grades a message that fails `match`: the first alternative whose `if`
    /// predicates all hold decides. With none matching, the case's level decides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub otherwise: Vec<Alternative>,
    /// `on_timeout`, if set, is the verdict when nothing arrives in time (default `fail`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_timeout: Option<Verdict>,
    /// `bind`, if set, captures values from the matched message: name to JSON pointer. A missing
    /// pointer makes the case untestable (nothing to exercise).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub bind: BTreeMap<String, String>,
}

/// A kind of JSON-RPC message, for `no_message_within_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    /// A result or error response.
    Response,
    /// A server-to-client request.
    Request,
    /// A server notification.
    Notification,
    /// Anything at all.
    Any,
}

/// A graded alternative inside `expect.otherwise`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alternative {
    /// `if` maps JSON pointers to predicates; empty matches anything.
    #[serde(rename = "if", default)]
    pub when: BTreeMap<String, Predicate>,
    /// `then` is the verdict when `if` holds.
    pub then: Verdict,
    /// `because`, if set, is the finding text for a non-pass verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub because: Option<String>,
}

/// The verdict of one step, before the case's level grades it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The behaviour meets the requirement.
    Pass,
    /// Worth recording, never a failure (gives `informational`).
    Informational,
    /// Breaks a SHOULD (gives `non-strict` in MUST and SHOULD cases, `informational` in MAY ones).
    NonStrict,
    /// Breaks the case's own requirement (graded by the case level).
    Fail,
}

/// A test on one JSON value. Exactly one field is set.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Predicate {
    /// `equals`, if set: the value equals this JSON exactly (`1` and `1.0` and `"1"` differ).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub equals: Option<Value>,
    /// `present`, if set: the pointer resolves (`true`) or does not (`false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub present: Option<bool>,
    /// `type`, if set: the JSON type (`null`, `boolean`, `integer`, `number`, `string`, `array`, `object`).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub json_type: Option<String>,
    /// `in`, if set: the value equals one of these.
    #[serde(rename = "in", default, skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<Value>>,
    /// `not_in`, if set: the value is absent or equals none of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_in: Option<Vec<Value>>,
    /// `regex`, if set: the value is a string matching this regex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// `schema`, if set: the value is valid against this definition of the MCP schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
}

/// Call a probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeCall {
    /// `name` is a probe registered in the harness.
    pub name: String,
    /// `args` are passed to the probe as JSON.
    #[serde(default)]
    pub args: Value,
}

/// serde helper that keeps an explicit JSON `null` distinct from an absent field.
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::Value;

    pub fn serialize<S: Serializer>(v: &Option<Value>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => v.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
        Value::deserialize(d).map(Some)
    }
}
