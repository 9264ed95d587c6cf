//! Probes for resources, prompts, completion and pagination: walking paginated lists, reading
//! every listed resource, getting every listed prompt, asking for completions, watching resource
//! subscriptions, plus the small strict parsers they need (RFC 3986 URIs, RFC 6570 URI
//! templates, base64). Every probe works on any server: it exercises whatever the server lists
//! and reports `untestable` when there is nothing to exercise.
//!
//! Not here: tools and their content (`tools.rs`), logging, progress, cancellation and server
//! requests (`flow.rs`), and checks that run on every message (the oracles). Cursors are never
//! built, except the deliberately invalid ones of the invalid-cursor check.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use mcpspec_codec::MessageKind;
use mcpspec_report::Finding;
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::{ProbeDef, ProbeResult};
use crate::case::model::Verdict;
use crate::session::{Incoming, SendError, Session, WaitEnd};

type Fut<'a> = Pin<Box<dyn Future<Output = ProbeResult> + Send + 'a>>;

/// The probes of this area.
pub const PROBES: &[ProbeDef] = &[
    ProbeDef {
        name: "walk-list",
        doc: "args {method: tools/list | resources/list | resources/templates/list | prompts/list, check: terminates | no-repeats | stable-cursor | param-forms | invalid-cursor}: pagination checks on one list",
        run: walk_list,
    },
    ProbeDef {
        name: "resources-list",
        doc: "args {check: valid | unique-uris}: every page of resources/list against the schema, or duplicate URIs across pages",
        run: resources_list,
    },
    ProbeDef {
        name: "resources-read",
        doc: "args {check: contents | size | uris}: reads every listed resource (at most 50) and checks contents, size or RFC 3986 syntax",
        run: resources_read,
    },
    ProbeDef {
        name: "resource-templates",
        doc: "validates every page of resources/templates/list and parses each uriTemplate as RFC 6570 (levels 1-4)",
        run: resource_templates,
    },
    ProbeDef {
        name: "resources-hostile-uris",
        doc: "args {check: traversal | survives}: reads path-traversal URIs (fails on /etc/passwd content) or malformed URIs (fails on a crash or hang)",
        run: resources_hostile_uris,
    },
    ProbeDef {
        name: "resources-subscribe",
        doc: "args {check: round-trip | only-subscribed | stops-after-unsubscribe}: subscribe/unsubscribe results and when notifications/resources/updated arrive",
        run: resources_subscribe,
    },
    ProbeDef {
        name: "undeclared-feature",
        doc: "args {capability: resources | prompts | completions}: when the capability is not declared, the feature must not be served anyway (items served fail, an empty list is non-strict)",
        run: undeclared_feature,
    },
    ProbeDef {
        name: "prompts-list",
        doc: "validates every page of prompts/list; duplicate prompt names fail, duplicate argument names are non-strict",
        run: prompts_list,
    },
    ProbeDef {
        name: "prompts-get",
        doc: "args {check: valid | missing-required | non-string | injection}: prompts/get with filled, missing, non-string or hostile arguments",
        run: prompts_get,
    },
    ProbeDef {
        name: "completion",
        doc: "args {check: prompt-valid | resource-valid | max-values | total | context | missing-parts | hostile-values}: completion/complete for every prompt argument and template variable",
        run: completion,
    },
];

/// The `check` values each probe of this module accepts (for the case-file test).
const CHECKS: &[(&str, &[&str])] = &[
    (
        "walk-list",
        &[
            "terminates",
            "no-repeats",
            "stable-cursor",
            "param-forms",
            "invalid-cursor",
        ],
    ),
    ("resources-list", &["valid", "unique-uris"]),
    ("resources-read", &["contents", "size", "uris"]),
    ("resource-templates", &[]),
    ("resources-hostile-uris", &["traversal", "survives"]),
    (
        "resources-subscribe",
        &["round-trip", "only-subscribed", "stops-after-unsubscribe"],
    ),
    ("undeclared-feature", &[]),
    ("prompts-list", &[]),
    (
        "prompts-get",
        &["valid", "missing-required", "non-string", "injection"],
    ),
    (
        "completion",
        &[
            "prompt-valid",
            "resource-valid",
            "max-values",
            "total",
            "context",
            "missing-parts",
            "hostile-values",
        ],
    ),
];

/// Wait per request unless the case passes `timeout_ms`.
const DEFAULT_REQUEST_MS: u64 = 10_000;
/// Time a probe may take in all; the runner's case budget is a little longer.
const BUDGET: Duration = Duration::from_secs(25);
/// Findings listed per probe; further ones are counted.
const MAX_FINDINGS: usize = 20;
/// Pagination walk caps (PAGINATION-004).
const MAX_PAGES: usize = 1000;
const MAX_ITEMS: usize = 10_000;
/// Pages walked when a probe only needs the list's items.
const ITEM_PAGES: usize = 100;
/// Resources read per probe, and the largest declared size read.
const MAX_READS: usize = 50;
const MAX_READ_SIZE: u64 = 4 * 1024 * 1024;
/// Prompts fetched per probe.
const MAX_PROMPTS: usize = 20;
/// Completion targets (prompt arguments and template variables) per probe.
const MAX_TARGETS: usize = 30;
/// Resources subscribed to at once.
const MAX_SUBSCRIPTIONS: usize = 20;
/// How long subscriptions are watched.
const WATCH: Duration = Duration::from_millis(1500);
/// Updates may still arrive this long after unsubscribing (RESOURCES-009).
const UNSUBSCRIBE_GRACE_MS: u64 = 1000;
/// A completion slower than this hints at a pathological matcher (COMPLETION-010).
const SLOW_COMPLETION: Duration = Duration::from_secs(5);
const INVALID_PARAMS: i64 = -32602;
const METHOD_NOT_FOUND: i64 = -32601;
/// Deliberately invalid cursors (PAGINATION-002): one not even base64, one valid base64 of
/// bytes no server could have issued.
const BAD_CURSORS: [&str; 2] = [
    "mcp-conformance-invalid-cursor-%%",
    "q83vASNFZ4mrze8BI0VniavN7wEjRWeJ3q2+7/7t",
];

// ---- the probe context ------------------------------------------------------------------------

/// A server's answer to one request.
#[derive(Debug, Clone)]
enum Answer {
    /// The `result` member.
    Result(Value),
    /// An error, with its code when that is an integer.
    Error { code: Option<i64>, message: String },
}

impl Answer {
    fn from_message(m: &Incoming) -> Answer {
        if m.kind == MessageKind::Result {
            Answer::Result(m.value.get("result").cloned().unwrap_or(Value::Null))
        } else {
            Answer::Error {
                code: m.value.pointer("/error/code").and_then(Value::as_i64),
                message: m
                    .value
                    .pointer("/error/message")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .chars()
                    .take(200)
                    .collect(),
            }
        }
    }

    fn code(&self) -> Option<i64> {
        match self {
            Answer::Error { code, .. } => *code,
            Answer::Result(_) => None,
        }
    }

    fn describe(&self) -> String {
        match self {
            Answer::Result(v) => format!("a result {}", short(v)),
            Answer::Error { code, message } => match code {
                Some(c) => format!("error {c} {message:?}"),
                None => format!("an error without an integer code {message:?}"),
            },
        }
    }
}

/// The state of one probe run: the session, its deadlines and the findings so far.
struct Ctx<'a> {
    s: &'a mut Session,
    per_request: Duration,
    end: Instant,
    out: ProbeResult,
    /// The server is gone or stopped answering: nothing more is sent.
    halted: bool,
    /// The probe's own budget ran out (not held against the server).
    out_of_time: bool,
    unlisted: usize,
}

impl<'a> Ctx<'a> {
    fn new(s: &'a mut Session, args: &Value) -> Self {
        let ms = args
            .get("timeout_ms")
            .and_then(Value::as_u64)
            .unwrap_or(DEFAULT_REQUEST_MS);
        Ctx {
            s,
            per_request: Duration::from_millis(ms.max(1)),
            end: Instant::now() + BUDGET,
            out: ProbeResult::pass(),
            halted: false,
            out_of_time: false,
            unlisted: 0,
        }
    }

    /// A schema-checked request; `None` when no answer came (see `halted`) or mcpspec refused
    /// to send a request built from server data that is not valid.
    async fn call(&mut self, method: &str, params: Option<Value>) -> Option<Answer> {
        self.exchange(method, params, true).await
    }

    /// A request sent as is, for deliberately invalid params.
    async fn call_raw(&mut self, method: &str, params: Value) -> Option<Answer> {
        self.exchange(method, Some(params), false).await
    }

    async fn exchange(
        &mut self,
        method: &str,
        params: Option<Value>,
        check: bool,
    ) -> Option<Answer> {
        if self.halted {
            return None;
        }
        let now = Instant::now();
        if now >= self.end {
            self.out_of_time = true;
            self.halted = true;
            return None;
        }
        let id = self.s.next_request_id();
        let mut message = json!({ "jsonrpc": "2.0", "id": id, "method": method });
        if let Some(p) = params {
            message["params"] = p;
        }
        match self.s.send(&message, check).await {
            Ok(()) => {}
            // Built from server data the schema does not allow (a listed URI that is not a URI,
            // say): the item is skipped; the listing cases judge the data itself.
            Err(SendError::HarnessOrigin(_)) => return None,
            Err(SendError::Transport(e)) => {
                self.lost(method, &e.to_string());
                return None;
            }
        }
        let full = now + self.per_request;
        let deadline = full.min(self.end);
        match self.s.wait_response(&id, false, deadline).await {
            Ok(m) => Some(Answer::from_message(&m)),
            Err(WaitEnd::TimedOut) => {
                self.halted = true;
                if deadline < full {
                    self.out_of_time = true;
                } else {
                    self.find(
                        Verdict::Fail,
                        format!(
                            "no response to {method} within {} ms",
                            self.per_request.as_millis()
                        ),
                        "a response to every request",
                        "no response".into(),
                    );
                }
                None
            }
            Err(WaitEnd::Gone(how)) => {
                self.lost(method, &how);
                None
            }
        }
    }

    fn lost(&mut self, during: &str, how: &str) {
        self.halted = true;
        self.find(
            Verdict::Fail,
            format!("the server stopped during {during}: {how}"),
            "the server keeps running and answering",
            how.to_string(),
        );
    }

    /// Records a finding; past [`MAX_FINDINGS`] only the verdict and a count are kept.
    fn find(&mut self, verdict: Verdict, message: String, expected: &str, actual: String) {
        self.find_at(verdict, message, expected, actual, None);
    }

    fn find_at(
        &mut self,
        verdict: Verdict,
        message: String,
        expected: &str,
        actual: String,
        pointer: Option<String>,
    ) {
        if verdict == Verdict::Pass {
            return;
        }
        self.out.verdict = self.out.verdict.max(verdict);
        if self.out.findings.len() >= MAX_FINDINGS {
            self.unlisted += 1;
            return;
        }
        self.out.findings.push(Finding {
            message,
            expected: expected.to_string(),
            actual,
            step: None,
            json_pointer: pointer,
            observed_in: None,
        });
    }

    /// Validates `value` against a schema definition; each violation (at most 3) fails.
    fn check_schema(&mut self, definition: &str, value: &Value, what: &str) -> bool {
        match self.s.schema().validate(definition, value) {
            Ok(violations) if violations.is_empty() => true,
            Ok(violations) => {
                let total = violations.len();
                for v in violations.iter().take(3) {
                    let at = if v.instance_path.is_empty() {
                        "(root)"
                    } else {
                        v.instance_path.as_str()
                    };
                    self.find_at(
                        Verdict::Fail,
                        format!("{what} is not a valid {definition}: {at}: {}", v.message),
                        &format!("a valid {definition}"),
                        short(value.pointer(&v.instance_path).unwrap_or(value)),
                        Some(v.instance_path.clone()),
                    );
                }
                if total > 3 {
                    self.unlisted += total - 3;
                }
                false
            }
            Err(e) => {
                self.find(
                    Verdict::Fail,
                    format!("mcpspec cannot validate: {e}"),
                    "a definition of the embedded schema",
                    definition.to_string(),
                );
                false
            }
        }
    }

    /// Takes every queued or arriving notification with this method until `until`.
    async fn collect(&mut self, method: &str, until: Instant) -> Vec<Incoming> {
        let until = until.min(self.end);
        let mut got = Vec::new();
        while got.len() < MAX_ITEMS {
            let picked = self
                .s
                .watch(
                    |m| m.kind == MessageKind::Notification && m.method() == Some(method),
                    until,
                )
                .await;
            match picked {
                Some(m) => got.push(m),
                None => break,
            }
        }
        if !self.halted
            && let Some(how) = self.s.gone().map(str::to_string)
        {
            self.lost(&format!("the wait for {method}"), &how);
        }
        got
    }

    /// A final ping: the server must still answer after what the probe sent.
    async fn still_alive(&mut self) {
        // Any answer proves the session alive; a ping error is another case's matter.
        let _ = self.call("ping", None).await;
    }

    /// The result: findings if any, else `untestable(reason)` when nothing was exercised.
    fn done(mut self, tested: bool, reason: &str) -> ProbeResult {
        if self.unlisted > 0
            && let Some(last) = self.out.findings.last_mut()
        {
            last.message.push_str(&format!(
                " (and {} more findings not listed)",
                self.unlisted
            ));
        }
        if self.out.verdict != Verdict::Pass || tested {
            return self.out;
        }
        if self.out_of_time {
            ProbeResult::untestable(format!("{reason} (the probe ran out of time)"))
        } else {
            ProbeResult::untestable(reason)
        }
    }
}

/// A short one-line rendering of a JSON value for findings.
fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.len() <= 300 {
        return text;
    }
    let mut end = 300;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

fn arg_str<'v>(args: &'v Value, key: &str) -> &'v str {
    args.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A case passed arguments this probe does not know: a case-file bug, reported loudly.
fn bad_args(probe: &str, args: &Value) -> ProbeResult {
    ProbeResult::fail(
        format!(
            "probe {probe} was called with unknown arguments {}",
            short(args)
        ),
        "arguments listed in the probe's documentation",
        short(args),
    )
}

// ---- paginated lists --------------------------------------------------------------------------

/// One paginated list method.
#[derive(Debug, Clone, Copy)]
struct ListKind {
    method: &'static str,
    /// The array member of the result.
    field: &'static str,
    /// The member that identifies an item.
    key: &'static str,
    /// The schema definition of a page.
    result: &'static str,
    /// The notification that announces a change of the list.
    changed: &'static str,
}

const TOOLS: ListKind = ListKind {
    method: "tools/list",
    field: "tools",
    key: "name",
    result: "ListToolsResult",
    changed: "notifications/tools/list_changed",
};
const RESOURCES: ListKind = ListKind {
    method: "resources/list",
    field: "resources",
    key: "uri",
    result: "ListResourcesResult",
    changed: "notifications/resources/list_changed",
};
const TEMPLATES: ListKind = ListKind {
    method: "resources/templates/list",
    field: "resourceTemplates",
    key: "uriTemplate",
    result: "ListResourceTemplatesResult",
    changed: "notifications/resources/list_changed",
};
const PROMPTS: ListKind = ListKind {
    method: "prompts/list",
    field: "prompts",
    key: "name",
    result: "ListPromptsResult",
    changed: "notifications/prompts/list_changed",
};

fn list_kind(method: &str) -> Option<ListKind> {
    [TOOLS, RESOURCES, TEMPLATES, PROMPTS]
        .into_iter()
        .find(|k| k.method == method)
}

/// How a walk over a list's pages ended.
#[derive(Debug)]
enum WalkEnd {
    /// A page without `nextCursor`.
    Complete,
    /// The first page was an error.
    FirstError(Answer),
    /// A page requested with a cursor the server issued was an error.
    LaterError { cursor: String, answer: Answer },
    /// `nextCursor` was present but not a string.
    CursorNotString(Value),
    /// A cursor came back that was already followed.
    RepeatedCursor(String),
    /// The page or item cap was reached.
    Capped,
    /// No answer (server gone, timeout, or the probe's budget).
    Halted,
}

/// The pages and items of one list.
#[derive(Debug)]
struct Walk {
    pages: Vec<Value>,
    items: Vec<Value>,
    end: WalkEnd,
}

/// Follows `nextCursor` from the first page until the last page or a cap.
async fn walk(ctx: &mut Ctx<'_>, kind: ListKind, max_pages: usize, max_items: usize) -> Walk {
    let mut pages = Vec::new();
    let mut items = Vec::new();
    let mut seen = HashSet::new();
    let mut cursor: Option<String> = None;
    let end = loop {
        if pages.len() >= max_pages || items.len() >= max_items {
            break WalkEnd::Capped;
        }
        let params = cursor.as_ref().map(|c| json!({ "cursor": c }));
        let Some(answer) = ctx.call(kind.method, params).await else {
            break WalkEnd::Halted;
        };
        let result = match (answer, &cursor) {
            (Answer::Result(r), _) => r,
            (answer, None) => break WalkEnd::FirstError(answer),
            (answer, Some(c)) => {
                break WalkEnd::LaterError {
                    cursor: c.clone(),
                    answer,
                };
            }
        };
        if let Some(Value::Array(list)) = result.get(kind.field) {
            items.extend(list.iter().cloned());
        }
        let next = result.get("nextCursor").cloned();
        pages.push(result);
        match next {
            None => break WalkEnd::Complete,
            Some(Value::String(c)) => {
                if !seen.insert(c.clone()) {
                    break WalkEnd::RepeatedCursor(c);
                }
                cursor = Some(c);
            }
            Some(other) => break WalkEnd::CursorNotString(other),
        }
    };
    Walk { pages, items, end }
}

/// Pagination checks on one list: args `{method, check}`. `terminates` (PAGINATION-004/001):
/// the walk ends within 1000 pages and 10,000 items, with string cursors never repeated.
/// `no-repeats` (PAGINATION-004): no item key twice. `stable-cursor` (PAGINATION-003): page 2
/// twice gives the same items. `param-forms` (PAGINATION-005): params left out, `{}` and
/// `{cursor}` are all served. `invalid-cursor` (PAGINATION-002): unknown cursors get -32602.
pub fn walk_list<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let Some(kind) = list_kind(arg_str(args, "method")) else {
            return bad_args("walk-list", args);
        };
        let ctx = Ctx::new(s, args);
        match arg_str(args, "check") {
            "terminates" => pagination_terminates(ctx, kind).await,
            "no-repeats" => pagination_no_repeats(ctx, kind).await,
            "stable-cursor" => pagination_stable_cursor(ctx, kind).await,
            "param-forms" => pagination_param_forms(ctx, kind).await,
            "invalid-cursor" => pagination_invalid_cursor(ctx, kind).await,
            _ => bad_args("walk-list", args),
        }
    })
}

async fn pagination_terminates(mut ctx: Ctx<'_>, kind: ListKind) -> ProbeResult {
    let w = walk(&mut ctx, kind, MAX_PAGES, MAX_ITEMS).await;
    let method = kind.method;
    match w.end {
        WalkEnd::Complete | WalkEnd::Halted => {}
        WalkEnd::FirstError(a) => {
            let reason = format!("{method} answered its first page with {}", a.describe());
            return ctx.done(false, &reason);
        }
        WalkEnd::LaterError { cursor, answer } => ctx.find(
            Verdict::Fail,
            format!(
                "{method} rejected the cursor it had issued itself ({cursor:?}) on page {}",
                w.pages.len() + 1
            ),
            "every nextCursor the server hands out leads to a page",
            answer.describe(),
        ),
        WalkEnd::CursorNotString(v) => ctx.find(
            Verdict::Fail,
            format!("page {} of {method} has a nextCursor that is not a string", w.pages.len()),
            "nextCursor left out on the last page, a string otherwise",
            short(&v),
        ),
        WalkEnd::RepeatedCursor(c) => ctx.find(
            Verdict::Fail,
            format!(
                "page {} of {method} handed out the cursor {c:?} a second time: following nextCursor never ends",
                w.pages.len()
            ),
            "cursors that lead to the last page",
            format!("cursor {c:?} repeated after {} pages", w.pages.len()),
        ),
        WalkEnd::Capped => ctx.find(
            Verdict::Fail,
            format!(
                "{method} was not at its last page after {} pages and {} items",
                w.pages.len(),
                w.items.len()
            ),
            format!("a last page within {MAX_PAGES} pages and {MAX_ITEMS} items").as_str(),
            "still a nextCursor".into(),
        ),
    }
    // A walk cut short by the probe's own time budget proves nothing about the end.
    let tested = !w.pages.is_empty() && !ctx.out_of_time;
    let reason = format!("{method}: no last page seen after {} pages", w.pages.len());
    ctx.done(tested, &reason)
}

async fn pagination_no_repeats(mut ctx: Ctx<'_>, kind: ListKind) -> ProbeResult {
    let w = walk(&mut ctx, kind, MAX_PAGES, MAX_ITEMS).await;
    let method = kind.method;
    if let WalkEnd::FirstError(a) = &w.end {
        let reason = format!("{method} answered its first page with {}", a.describe());
        return ctx.done(false, &reason);
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut findings = Vec::new();
    for (i, item) in w.items.iter().enumerate() {
        let Some(key) = item.get(kind.key).and_then(Value::as_str) else {
            continue;
        };
        match seen.get(key) {
            None => {
                seen.insert(key, i);
            }
            Some(&first) => {
                let same = w.items.get(first) == Some(item);
                let verdict = if !same && kind.method == RESOURCES.method {
                    // Two different entries sharing a URI is RESOURCES-003 (a warning there),
                    // not a pagination bug for certain.
                    Verdict::NonStrict
                } else {
                    Verdict::Fail
                };
                let what = if same {
                    "was listed again"
                } else {
                    "is shared by two different items"
                };
                findings.push((
                    verdict,
                    format!(
                        "{} {key:?} {what} (items {} and {})",
                        kind.key,
                        first + 1,
                        i + 1
                    ),
                    short(item),
                ));
            }
        }
    }
    for (verdict, message, actual) in findings {
        ctx.find(
            verdict,
            format!("{method}: {message}"),
            "each item once across all pages",
            actual,
        );
    }
    let reason = format!("{method} listed no items");
    let tested = !w.items.is_empty();
    ctx.done(tested, &reason)
}

async fn pagination_stable_cursor(mut ctx: Ctx<'_>, kind: ListKind) -> ProbeResult {
    let method = kind.method;
    let first = match ctx.call(method, None).await {
        Some(Answer::Result(r)) => r,
        Some(a) => {
            let reason = format!("{method} answered its first page with {}", a.describe());
            return ctx.done(false, &reason);
        }
        None => return ctx.done(false, &format!("{method} gave no page")),
    };
    let Some(cursor) = first.get("nextCursor").and_then(Value::as_str) else {
        let reason = format!("{method} fits in one page: there is no cursor to reuse");
        return ctx.done(false, &reason);
    };
    let cursor = cursor.to_string();
    let a = ctx.call(method, Some(json!({ "cursor": cursor }))).await;
    let b = ctx.call(method, Some(json!({ "cursor": cursor }))).await;
    let changed = ctx.collect(kind.changed, Instant::now()).await;
    if !changed.is_empty() {
        let reason = format!("{} arrived between the two requests", kind.changed);
        return ctx.done(false, &reason);
    }
    match (a, b) {
        (Some(Answer::Result(a)), Some(Answer::Result(b))) => {
            let page = |r: &Value| (r.get(kind.field).cloned(), r.get("nextCursor").cloned());
            if page(&a) != page(&b) {
                ctx.find(
                    Verdict::Fail,
                    format!("{method} with the same cursor {cursor:?} gave two different pages"),
                    "the same page for the same cursor while the list is unchanged",
                    format!("first: {} / then: {}", short(&a), short(&b)),
                );
            }
        }
        (Some(Answer::Error { .. }), Some(Answer::Error { .. })) => ctx.find(
            Verdict::Fail,
            format!("{method} rejected the cursor {cursor:?} it had issued itself"),
            "the page for a cursor the server issued",
            "errors on both uses".into(),
        ),
        (Some(x), Some(y)) => ctx.find(
            Verdict::Fail,
            format!("{method} answered the same cursor {cursor:?} once with a page and once with an error"),
            "the same page for the same cursor while the list is unchanged",
            format!("first: {} / then: {}", x.describe(), y.describe()),
        ),
        _ => {}
    }
    ctx.done(true, "")
}

async fn pagination_param_forms(mut ctx: Ctx<'_>, kind: ListKind) -> ProbeResult {
    let method = kind.method;
    let mut forms: Vec<(&str, Option<Value>)> =
        vec![("params left out", None), ("params {}", Some(json!({})))];
    let mut tested = false;
    let mut i = 0;
    while i < forms.len() {
        let (label, params) = forms[i].clone();
        i += 1;
        match ctx.call(method, params).await {
            Some(Answer::Result(r)) => {
                tested = true;
                if !r.get(kind.field).is_some_and(Value::is_array) {
                    ctx.find(
                        Verdict::Fail,
                        format!(
                            "{method} with {label} gave a result without a {} array",
                            kind.field
                        ),
                        "a page of the list",
                        short(&r),
                    );
                }
                if forms.len() == 2
                    && let Some(c) = r.get("nextCursor").and_then(Value::as_str)
                {
                    forms.push(("params {cursor}", Some(json!({ "cursor": c }))));
                }
            }
            Some(a) => {
                tested = true;
                ctx.find(
                    Verdict::Fail,
                    format!("{method} with {label} was rejected"),
                    "a page for params left out, {} and {cursor}",
                    a.describe(),
                );
            }
            None => break,
        }
    }
    ctx.done(tested, &format!("{method} gave no answer"))
}

async fn pagination_invalid_cursor(mut ctx: Ctx<'_>, kind: ListKind) -> ProbeResult {
    let method = kind.method;
    let mut tested = false;
    for cursor in BAD_CURSORS {
        let Some(answer) = ctx.call(method, Some(json!({ "cursor": cursor }))).await else {
            break;
        };
        tested = true;
        match answer.code() {
            Some(INVALID_PARAMS) => {}
            _ if matches!(answer, Answer::Error { .. }) => ctx.find(
                Verdict::Fail,
                format!("{method} answered the invalid cursor {cursor:?} with an error code other than -32602"),
                "error -32602 (Invalid params)",
                answer.describe(),
            ),
            _ => ctx.find(
                Verdict::Fail,
                format!("{method} ignored the invalid cursor {cursor:?} and returned a page"),
                "error -32602 (Invalid params)",
                answer.describe(),
            ),
        }
    }
    ctx.still_alive().await;
    ctx.done(tested, &format!("{method} gave no answer"))
}

// ---- resources --------------------------------------------------------------------------------

/// The objects `resources/list` returned, or why there are none to use.
async fn listed_resources(ctx: &mut Ctx<'_>, max_pages: usize) -> Result<Vec<Value>, String> {
    let w = walk(ctx, RESOURCES, max_pages, MAX_ITEMS).await;
    match w.end {
        WalkEnd::FirstError(a) => Err(format!("resources/list answered {}", a.describe())),
        WalkEnd::Halted if w.pages.is_empty() => Err("resources/list gave no answer".into()),
        _ => Ok(w.items.into_iter().filter(Value::is_object).collect()),
    }
}

fn uri_of(resource: &Value) -> Option<&str> {
    resource.get("uri").and_then(Value::as_str)
}

/// `resources/list` as a whole: args `{check}`. `valid` (RESOURCES-002): every page is a
/// `ListResourcesResult` and the list is served at all. `unique-uris` (RESOURCES-003): no URI
/// is listed twice across pages.
pub fn resources_list<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let mut ctx = Ctx::new(s, args);
        match arg_str(args, "check") {
            "valid" => {
                let w = walk(&mut ctx, RESOURCES, ITEM_PAGES, MAX_ITEMS).await;
                if let WalkEnd::FirstError(a) = &w.end {
                    ctx.find(
                        Verdict::Fail,
                        "resources/list failed although the resources capability is declared"
                            .into(),
                        "a ListResourcesResult",
                        a.describe(),
                    );
                }
                for (i, page) in w.pages.iter().enumerate() {
                    ctx.check_schema(
                        RESOURCES.result,
                        page,
                        &format!("page {} of resources/list", i + 1),
                    );
                }
                let tested = !w.pages.is_empty();
                ctx.done(tested, "resources/list gave no answer")
            }
            "unique-uris" => {
                let resources = match listed_resources(&mut ctx, ITEM_PAGES).await {
                    Ok(r) => r,
                    Err(why) => return ctx.done(false, &why),
                };
                let mut count: HashMap<&str, usize> = HashMap::new();
                let mut order = Vec::new();
                for uri in resources.iter().filter_map(uri_of) {
                    let n = count.entry(uri).or_insert(0);
                    *n += 1;
                    if *n == 2 {
                        order.push(uri);
                    }
                }
                let dups: Vec<(String, usize)> = order
                    .into_iter()
                    .map(|u| (u.to_string(), count.get(u).copied().unwrap_or(0)))
                    .collect();
                for (uri, n) in dups {
                    ctx.find(
                        Verdict::Fail,
                        format!("resources/list lists the URI {uri:?} {n} times"),
                        "each resource URI once in the listing",
                        format!("{n} entries with uri {uri:?}"),
                    );
                }
                let tested = resources.len() >= 2;
                ctx.done(
                    tested,
                    "the server lists fewer than two resources: nothing to compare",
                )
            }
            _ => bad_args("resources-list", args),
        }
    })
}

/// Reads listed resources: args `{check}`. `contents` (RESOURCES-004): each read of a listed
/// URI is a valid `ReadResourceResult` whose items hold `text` or `blob`. `size`
/// (RESOURCES-017): a declared `size` equals the byte length of the text or decoded blob.
/// `uris` (RESOURCES-012): every listed URI and every URI in read results parses as RFC 3986.
pub fn resources_read<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let check = arg_str(args, "check");
        if !["contents", "size", "uris"].contains(&check) {
            return bad_args("resources-read", args);
        }
        let mut ctx = Ctx::new(s, args);
        let resources = match listed_resources(&mut ctx, ITEM_PAGES).await {
            Ok(r) => r,
            Err(why) => return ctx.done(false, &why),
        };
        match check {
            "contents" => read_contents(ctx, &resources).await,
            "size" => read_sizes(ctx, &resources).await,
            _ => read_uris(ctx, &resources).await,
        }
    })
}

/// Whether a listed resource is small enough (or of unknown size) to read.
fn readable(resource: &Value) -> bool {
    resource
        .get("size")
        .and_then(Value::as_u64)
        .is_none_or(|n| n <= MAX_READ_SIZE)
}

async fn read(ctx: &mut Ctx<'_>, uri: &str) -> Option<Answer> {
    ctx.call("resources/read", Some(json!({ "uri": uri })))
        .await
}

async fn read_contents(mut ctx: Ctx<'_>, resources: &[Value]) -> ProbeResult {
    let mut tested = false;
    for resource in resources.iter().filter(|r| readable(r)).take(MAX_READS) {
        let Some(uri) = uri_of(resource) else {
            continue;
        };
        match read(&mut ctx, uri).await {
            Some(Answer::Result(result)) => {
                tested = true;
                let what = format!("resources/read of {uri:?}");
                if ctx.check_schema("ReadResourceResult", &result, &what) {
                    let items = result.get("contents").and_then(Value::as_array);
                    for (i, item) in items.into_iter().flatten().enumerate() {
                        if item.get("text").is_some() && item.get("blob").is_some() {
                            ctx.find_at(
                                Verdict::NonStrict,
                                format!("{what}: item {i} carries both text and blob"),
                                "text contents (uri, text) or binary contents (uri, blob)",
                                short(item),
                                Some(format!("/contents/{i}")),
                            );
                        }
                    }
                }
            }
            Some(a) => {
                tested = true;
                ctx.find(
                    Verdict::NonStrict,
                    format!("the listed resource {uri:?} could not be read"),
                    "a ReadResourceResult for a URI from resources/list",
                    a.describe(),
                );
            }
            None if ctx.halted => break,
            None => {}
        }
    }
    ctx.done(tested, "the server lists no resource mcpspec could read")
}

/// Bytes of the contents items for `uri` (all items when none names it): UTF-8 text length or
/// decoded blob length. `None` if a blob is not valid base64.
fn content_bytes(result: &Value, uri: &str) -> Option<u64> {
    let items: Vec<&Value> = result
        .get("contents")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let named: Vec<&Value> = items
        .iter()
        .copied()
        .filter(|i| i.get("uri").and_then(Value::as_str) == Some(uri))
        .collect();
    let chosen = if named.is_empty() { items } else { named };
    let mut total = 0u64;
    for item in chosen {
        if let Some(text) = item.get("text").and_then(Value::as_str) {
            total += text.len() as u64;
        } else if let Some(blob) = item.get("blob").and_then(Value::as_str) {
            total += base64_decode(blob)?.len() as u64;
        }
    }
    Some(total)
}

async fn read_sizes(mut ctx: Ctx<'_>, resources: &[Value]) -> ProbeResult {
    let mut tested = false;
    let sized = resources
        .iter()
        .filter(|r| readable(r))
        .filter_map(|r| Some((uri_of(r)?, r.get("size")?.as_u64()?)))
        .take(MAX_READS)
        .collect::<Vec<_>>();
    for (uri, size) in sized {
        match read(&mut ctx, uri).await {
            Some(Answer::Result(result)) => {
                let Some(actual) = content_bytes(&result, uri) else {
                    continue;
                };
                tested = true;
                if actual != size {
                    ctx.find(
                        Verdict::Fail,
                        format!("resource {uri:?} is listed with size {size} but its contents have {actual} bytes"),
                        "size equal to the raw byte count of the text or decoded blob",
                        format!("size {size}, {actual} bytes read"),
                    );
                }
            }
            None if ctx.halted => break,
            _ => {}
        }
    }
    ctx.done(
        tested,
        "no listed resource declares a size that could be compared with its contents",
    )
}

async fn read_uris(mut ctx: Ctx<'_>, resources: &[Value]) -> ProbeResult {
    let mut tested = false;
    let mut readable_uris = Vec::new();
    for resource in resources {
        let Some(uri) = uri_of(resource) else {
            continue;
        };
        tested = true;
        match rfc3986::check(uri) {
            Ok(()) => {
                if readable(resource) && readable_uris.len() < MAX_READS {
                    readable_uris.push(uri.to_string());
                }
            }
            Err(why) => ctx.find(
                Verdict::Fail,
                format!(
                    "resources/list gives the URI {uri:?}, which is not an RFC 3986 URI: {why}"
                ),
                "an absolute URI following RFC 3986 (custom schemes too)",
                uri.to_string(),
            ),
        }
    }
    for uri in readable_uris {
        match read(&mut ctx, &uri).await {
            Some(Answer::Result(result)) => {
                let items = result.get("contents").and_then(Value::as_array);
                for (i, item) in items.into_iter().flatten().enumerate() {
                    let Some(inner) = item.get("uri").and_then(Value::as_str) else {
                        continue;
                    };
                    if let Err(why) = rfc3986::check(inner) {
                        ctx.find_at(
                            Verdict::Fail,
                            format!("resources/read of {uri:?} returns the URI {inner:?}, which is not an RFC 3986 URI: {why}"),
                            "an absolute URI following RFC 3986",
                            inner.to_string(),
                            Some(format!("/contents/{i}/uri")),
                        );
                    }
                }
            }
            None if ctx.halted => break,
            _ => {}
        }
    }
    ctx.done(tested, "the server lists no resources")
}

/// `resources/templates/list` (RESOURCES-007): every page is a `ListResourceTemplatesResult`
/// and every `uriTemplate` parses under RFC 6570 levels 1-4. An error for the list while
/// `resources` is declared is non-strict (an empty list is the expected answer).
pub fn resource_templates<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let mut ctx = Ctx::new(s, args);
        let w = walk(&mut ctx, TEMPLATES, ITEM_PAGES, MAX_ITEMS).await;
        if let WalkEnd::FirstError(a) = &w.end {
            let why = if a.code() == Some(METHOD_NOT_FOUND) {
                "resources/templates/list is not implemented although resources is declared"
            } else {
                "resources/templates/list failed although resources is declared"
            };
            ctx.find(
                Verdict::NonStrict,
                why.into(),
                "a ListResourceTemplatesResult (an empty list when there are no templates)",
                a.describe(),
            );
        }
        for (i, page) in w.pages.iter().enumerate() {
            ctx.check_schema(
                TEMPLATES.result,
                page,
                &format!("page {} of resources/templates/list", i + 1),
            );
        }
        let bad: Vec<(String, String)> = w
            .items
            .iter()
            .filter_map(|t| t.get("uriTemplate").and_then(Value::as_str))
            .filter_map(|t| rfc6570::parse(t).err().map(|why| (t.to_string(), why)))
            .collect();
        for (template, why) in bad {
            ctx.find(
                Verdict::Fail,
                format!("the uriTemplate {template:?} is not an RFC 6570 URI template: {why}"),
                "a URI template valid under RFC 6570 (levels 1-4)",
                template,
            );
        }
        let tested = !w.pages.is_empty();
        ctx.done(tested, "resources/templates/list gave no answer")
    })
}

/// Path traversal payloads for `resources/read`.
fn traversal_uris(sample: Option<&str>) -> Vec<String> {
    let mut uris = vec![
        "file:///../../../../../../../../etc/passwd".to_string(),
        "file:///%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd".to_string(),
        "file://localhost/../../../../../../../../etc/passwd".to_string(),
        "../../../../../../../../etc/passwd".to_string(),
    ];
    if let Some(sample) = sample {
        uris.push(format!(
            "{}/../../../../../../../../../../etc/passwd",
            sample.trim_end_matches('/')
        ));
        if let Some((scheme, _)) = sample.split_once(':')
            && scheme != "file"
        {
            uris.push(format!("{scheme}:///../../../../../../../../etc/passwd"));
            uris.push(format!("{scheme}://../../../../../../../../etc/passwd"));
        }
    }
    let mut seen = HashSet::new();
    uris.retain(|u| seen.insert(u.clone()));
    uris
}

/// Whether a read result holds text shaped like a Unix password file.
fn leaks_passwd(result: &Value) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"(?m)^root:[^:\n]*:0:0:").expect("static regex compiles")
    });
    let items = result.get("contents").and_then(Value::as_array);
    items.into_iter().flatten().any(|item| {
        if let Some(text) = item.get("text").and_then(Value::as_str) {
            return re.is_match(text);
        }
        item.get("blob")
            .and_then(Value::as_str)
            .and_then(base64_decode)
            .is_some_and(|bytes| re.is_match(&String::from_utf8_lossy(&bytes)))
    })
}

/// Hostile URIs for `resources/read` (RESOURCES-015): args `{check}`. `traversal`: path
/// traversal URIs (also built on a listed URI's scheme) must never return the contents of
/// `/etc/passwd`. `survives`: malformed URIs (no scheme, NUL, 100 KB, a number, a raw template)
/// may get any answer, but the server must answer each and keep serving.
pub fn resources_hostile_uris<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let check = arg_str(args, "check");
        if !["traversal", "survives"].contains(&check) {
            return bad_args("resources-hostile-uris", args);
        }
        let mut ctx = Ctx::new(s, args);
        let payloads: Vec<Value> = if check == "traversal" {
            let sample = match ctx.call(RESOURCES.method, None).await {
                Some(Answer::Result(r)) => r
                    .pointer("/resources/0/uri")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                _ => None,
            };
            traversal_uris(sample.as_deref())
                .into_iter()
                .map(Value::String)
                .collect()
        } else {
            let template = match ctx.call(TEMPLATES.method, None).await {
                Some(Answer::Result(r)) => r
                    .pointer("/resourceTemplates/0/uriTemplate")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                _ => None,
            };
            vec![
                json!("no-scheme"),
                json!("file:///%00"),
                json!("mcpconf://nul/a\u{0}b"),
                json!(format!("mcpconf://long/{}", "a".repeat(100 * 1024))),
                json!(123),
                json!(null),
                json!({ "uri": "mcpconf://nested" }),
                json!(template.unwrap_or_else(|| "mcpconf://items/{id}".into())),
                json!(""),
                json!("http://[::1"),
                json!("mcpconf://%zz/\u{1b}[31m"),
            ]
        };
        let mut tested = false;
        for uri in payloads {
            let Some(answer) = ctx.call_raw("resources/read", json!({ "uri": uri })).await else {
                break;
            };
            tested = true;
            if check == "traversal"
                && let Answer::Result(result) = &answer
                && leaks_passwd(result)
            {
                ctx.find(
                    Verdict::Fail,
                    format!(
                        "SECURITY: resources/read of {} returned what looks like /etc/passwd",
                        short(&uri)
                    ),
                    "an error for a URI that escapes the server's resources",
                    short(result),
                );
            }
        }
        ctx.still_alive().await;
        ctx.done(tested, "resources/read gave no answer")
    })
}

/// Whether an update for `updated` belongs to a subscription to `subscribed` (the URI itself or
/// a sub-resource of it).
fn covers(subscribed: &str, updated: &str) -> bool {
    match updated.strip_prefix(subscribed) {
        Some("") => true,
        Some(rest) => subscribed.ends_with('/') || rest.starts_with(['/', '?', '#']),
        None => false,
    }
}

/// `(arrival ms, uri)` of each `notifications/resources/updated` taken until `until`.
async fn updates(ctx: &mut Ctx<'_>, until: Instant) -> Vec<(u64, String)> {
    ctx.collect("notifications/resources/updated", until)
        .await
        .into_iter()
        .filter_map(|m| {
            let uri = m.value.pointer("/params/uri")?.as_str()?.to_string();
            Some((m.t_ms, uri))
        })
        .collect()
}

/// Resource subscriptions: args `{check}`. `round-trip` (RESOURCES-008): subscribe and
/// unsubscribe on a listed URI each give an empty result. `only-subscribed` (RESOURCES-009):
/// subscribing to the first listed resource for 1.5 s, no update arrives for another URI or
/// before the subscription. `stops-after-unsubscribe` (RESOURCES-009): after subscribing to the
/// listed resources and seeing updates, none arrives more than 1 s after unsubscribing
/// (untestable when no update arrives at all).
pub fn resources_subscribe<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let ctx = Ctx::new(s, args);
        match arg_str(args, "check") {
            "round-trip" => subscribe_round_trip(ctx).await,
            "only-subscribed" => subscribe_only_subscribed(ctx).await,
            "stops-after-unsubscribe" => subscribe_stops(ctx).await,
            _ => bad_args("resources-subscribe", args),
        }
    })
}

async fn first_resource_uri(ctx: &mut Ctx<'_>) -> Result<String, String> {
    let resources = listed_resources(ctx, 10).await?;
    resources
        .iter()
        .find_map(uri_of)
        .map(str::to_string)
        .ok_or_else(|| "the server lists no resources to subscribe to".into())
}

async fn subscribe_round_trip(mut ctx: Ctx<'_>) -> ProbeResult {
    let uri = match first_resource_uri(&mut ctx).await {
        Ok(u) => u,
        Err(why) => return ctx.done(false, &why),
    };
    let mut tested = false;
    for method in ["resources/subscribe", "resources/unsubscribe"] {
        match ctx.call(method, Some(json!({ "uri": uri }))).await {
            Some(Answer::Result(r)) => {
                tested = true;
                ctx.check_schema("EmptyResult", &r, &format!("the result of {method}"));
            }
            Some(a) => {
                tested = true;
                ctx.find(
                    Verdict::Fail,
                    format!("{method} of the listed URI {uri:?} failed although resources.subscribe is declared"),
                    "an empty result {}",
                    a.describe(),
                );
            }
            None => break,
        }
    }
    ctx.done(tested, "resources/subscribe gave no answer")
}

async fn subscribe_only_subscribed(mut ctx: Ctx<'_>) -> ProbeResult {
    let uri = match first_resource_uri(&mut ctx).await {
        Ok(u) => u,
        Err(why) => return ctx.done(false, &why),
    };
    // Everything taken before the subscribe request is sent came while nothing was subscribed
    // (the session is new); order of arrival decides, not clock readings.
    let before = updates(&mut ctx, Instant::now()).await;
    let subscribed = matches!(
        ctx.call("resources/subscribe", Some(json!({ "uri": uri })))
            .await,
        Some(Answer::Result(_))
    );
    let mut during = updates(&mut ctx, Instant::now() + WATCH).await;
    if subscribed {
        ctx.call("resources/unsubscribe", Some(json!({ "uri": uri })))
            .await;
    }
    // Late updates for the subscribed URI belong to stops-after-unsubscribe.
    during.extend(updates(&mut ctx, Instant::now()).await);
    let unsolicited = before
        .into_iter()
        .map(|u| (u, "before mcpspec subscribed to anything"))
        .chain(
            during
                .into_iter()
                .filter(|(_, updated)| !subscribed || !covers(&uri, updated))
                .map(|u| (u, "for a URI mcpspec did not subscribe to")),
        );
    for ((t, updated), what) in unsolicited {
        ctx.find(
            Verdict::Fail,
            format!("notifications/resources/updated for {updated:?} arrived at {t} ms, {what}"),
            &format!(
                "updates only for the subscribed URI {uri:?} (or its sub-resources) while subscribed"
            ),
            format!("update for {updated:?}"),
        );
    }
    ctx.done(true, "")
}

async fn subscribe_stops(mut ctx: Ctx<'_>) -> ProbeResult {
    let resources = match listed_resources(&mut ctx, 10).await {
        Ok(r) => r,
        Err(why) => return ctx.done(false, &why),
    };
    let mut subscribed: Vec<String> = Vec::new();
    for uri in resources.iter().filter_map(uri_of).take(MAX_SUBSCRIPTIONS) {
        match ctx
            .call("resources/subscribe", Some(json!({ "uri": uri })))
            .await
        {
            Some(Answer::Result(_)) => subscribed.push(uri.to_string()),
            None if ctx.halted => break,
            _ => {}
        }
    }
    if subscribed.is_empty() {
        return ctx.done(false, "no resources/subscribe succeeded");
    }
    let during = updates(&mut ctx, Instant::now() + WATCH).await;
    let relevant = during
        .iter()
        .filter(|(_, u)| subscribed.iter().any(|s| covers(s, u)))
        .count();
    for uri in &subscribed {
        ctx.call("resources/unsubscribe", Some(json!({ "uri": uri })))
            .await;
    }
    if relevant == 0 {
        let reason = format!(
            "no notifications/resources/updated arrived within {} ms of subscribing to {} resource(s): whether updates stop cannot be observed",
            WATCH.as_millis(),
            subscribed.len()
        );
        return ctx.done(false, &reason);
    }
    let t_done = ctx.s.log.now_ms();
    let after = updates(
        &mut ctx,
        Instant::now() + Duration::from_millis(UNSUBSCRIBE_GRACE_MS) + WATCH,
    )
    .await;
    let late: Vec<&(u64, String)> = after
        .iter()
        .filter(|(t, u)| {
            *t > t_done + UNSUBSCRIBE_GRACE_MS && subscribed.iter().any(|s| covers(s, u))
        })
        .collect();
    if let Some((t, u)) = late.first() {
        ctx.find(
            Verdict::Fail,
            format!(
                "{} notifications/resources/updated arrived more than {UNSUBSCRIBE_GRACE_MS} ms after unsubscribing (first: {u:?}, {} ms after)",
                late.len(),
                t.saturating_sub(t_done)
            ),
            "no updates once the subscription ended",
            format!("{} late update(s)", late.len()),
        );
    }
    ctx.done(true, "")
}

/// A feature served without its capability (RESOURCES-001, PROMPTS-001, COMPLETION-001): args
/// `{capability}`. Passes at once when the capability is declared. Otherwise the feature's own
/// requests are sent: a result with items fails, a result without items is non-strict, an error
/// (the expected answer) passes.
pub fn undeclared_feature<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let capability = arg_str(args, "capability");
        let requests: Vec<(&str, Value, &str)> = match capability {
            "resources" => vec![
                (RESOURCES.method, json!({}), "/resources"),
                (TEMPLATES.method, json!({}), "/resourceTemplates"),
            ],
            "prompts" => vec![(PROMPTS.method, json!({}), "/prompts")],
            "completions" => vec![(
                "completion/complete",
                json!({
                    "ref": { "type": "ref/prompt", "name": "mcpspec-probe" },
                    "argument": { "name": "value", "value": "" },
                }),
                "/completion/values",
            )],
            _ => return bad_args("undeclared-feature", args),
        };
        let mut ctx = Ctx::new(s, args);
        if ctx.s.server_has(capability) {
            return ctx.done(true, "");
        }
        let mut tested = false;
        for (method, params, items) in requests {
            let Some(answer) = ctx.call(method, Some(params)).await else {
                break;
            };
            tested = true;
            let Answer::Result(result) = answer else {
                continue;
            };
            let count = result
                .pointer(items)
                .and_then(Value::as_array)
                .map(Vec::len);
            let (verdict, what) = match count {
                Some(n) if n > 0 => (Verdict::Fail, format!("{n} item(s)")),
                _ => (Verdict::NonStrict, "a result without items".to_string()),
            };
            ctx.find(
                verdict,
                format!("{method} was served with {what} although the {capability} capability is not declared"),
                &format!("the {capability} capability declared by a server that offers the feature; an error otherwise"),
                short(&result),
            );
        }
        ctx.done(tested, "the feature's requests got no answer")
    })
}

// ---- prompts ----------------------------------------------------------------------------------

/// One argument of a listed prompt.
#[derive(Debug, Clone)]
struct PromptArg {
    name: String,
    required: bool,
}

/// A listed prompt.
#[derive(Debug, Clone)]
struct PromptInfo {
    name: String,
    args: Vec<PromptArg>,
}

impl PromptInfo {
    fn from_value(v: &Value) -> Option<PromptInfo> {
        let name = v.get("name")?.as_str()?.to_string();
        let args = v
            .get("arguments")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|a| {
                        Some(PromptArg {
                            name: a.get("name")?.as_str()?.to_string(),
                            required: a.get("required") == Some(&Value::Bool(true)),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(PromptInfo { name, args })
    }

    fn first_required(&self) -> Option<&PromptArg> {
        self.args.iter().find(|a| a.required)
    }
}

async fn listed_prompts(ctx: &mut Ctx<'_>) -> Result<Vec<PromptInfo>, String> {
    let w = walk(ctx, PROMPTS, ITEM_PAGES, MAX_ITEMS).await;
    match w.end {
        WalkEnd::FirstError(a) => Err(format!("prompts/list answered {}", a.describe())),
        WalkEnd::Halted if w.pages.is_empty() => Err("prompts/list gave no answer".into()),
        _ => Ok(w.items.iter().filter_map(PromptInfo::from_value).collect()),
    }
}

/// `prompts/list` (PROMPTS-002): every page is a `ListPromptsResult`, no prompt name appears
/// twice (fail) and no argument name twice within one prompt (non-strict). An error for the
/// list while `prompts` is declared fails.
pub fn prompts_list<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let mut ctx = Ctx::new(s, args);
        let w = walk(&mut ctx, PROMPTS, ITEM_PAGES, MAX_ITEMS).await;
        if let WalkEnd::FirstError(a) = &w.end {
            ctx.find(
                Verdict::Fail,
                "prompts/list failed although the prompts capability is declared".into(),
                "a ListPromptsResult",
                a.describe(),
            );
        }
        for (i, page) in w.pages.iter().enumerate() {
            ctx.check_schema(
                PROMPTS.result,
                page,
                &format!("page {} of prompts/list", i + 1),
            );
        }
        let prompts: Vec<PromptInfo> = w.items.iter().filter_map(PromptInfo::from_value).collect();
        let mut names = HashSet::new();
        for p in &prompts {
            if !names.insert(p.name.as_str()) {
                ctx.find(
                    Verdict::Fail,
                    format!(
                        "prompts/list lists the prompt name {:?} more than once",
                        p.name
                    ),
                    "unique prompt names across all pages",
                    format!("duplicate name {:?}", p.name),
                );
            }
            let mut arg_names = HashSet::new();
            for a in &p.args {
                if !arg_names.insert(a.name.as_str()) {
                    ctx.find(
                        Verdict::NonStrict,
                        format!(
                            "prompt {:?} declares the argument {:?} more than once",
                            p.name, a.name
                        ),
                        "unique argument names within a prompt",
                        format!("duplicate argument {:?}", a.name),
                    );
                }
            }
        }
        let tested = !w.pages.is_empty();
        ctx.done(tested, "prompts/list gave no answer")
    })
}

/// Argument values for a prompt: every required argument (every argument with `all`) except
/// `skip`, from the server's own completions when it offers them, else a sample string.
async fn fill(ctx: &mut Ctx<'_>, prompt: &PromptInfo, skip: Option<&str>) -> Map<String, Value> {
    let completions = ctx.s.server_has("completions");
    let mut chosen = Map::new();
    for a in prompt.args.iter().filter(|a| a.required) {
        if Some(a.name.as_str()) == skip {
            continue;
        }
        let mut value = "mcpspec".to_string();
        if completions && !ctx.halted {
            let mut params = json!({
                "ref": { "type": "ref/prompt", "name": prompt.name },
                "argument": { "name": a.name, "value": "" },
            });
            if !chosen.is_empty() {
                params["context"] = json!({ "arguments": chosen });
            }
            if let Some(Answer::Result(r)) = ctx.call("completion/complete", Some(params)).await
                && let Some(v) = r.pointer("/completion/values/0").and_then(Value::as_str)
                && !v.is_empty()
            {
                value = v.to_string();
            }
        }
        chosen.insert(a.name.clone(), Value::String(value));
    }
    chosen
}

fn get_params(prompt: &PromptInfo, args: Map<String, Value>, always: bool) -> Value {
    let mut params = json!({ "name": prompt.name });
    if always || !args.is_empty() {
        params["arguments"] = Value::Object(args);
    }
    params
}

/// `prompts/get`: args `{check}`. `valid` (PROMPTS-003): each listed prompt (at most 20),
/// required arguments filled from completions or samples, gives a valid `GetPromptResult`.
/// `missing-required` (PROMPTS-005): leaving out a required argument gives -32602.
/// `non-string` (PROMPTS-006): a number, object or boolean as a value gives -32602.
/// `injection` (PROMPTS-007): template-injection, control-character and 100 KB values get a
/// result or an error, never a crash; output showing an evaluated `7*7` is non-strict.
pub fn prompts_get<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let check = arg_str(args, "check");
        if !["valid", "missing-required", "non-string", "injection"].contains(&check) {
            return bad_args("prompts-get", args);
        }
        let mut ctx = Ctx::new(s, args);
        let prompts = match listed_prompts(&mut ctx).await {
            Ok(p) if p.is_empty() => return ctx.done(false, "the server lists no prompts"),
            Ok(p) => p,
            Err(why) => return ctx.done(false, &why),
        };
        match check {
            "valid" => prompts_get_valid(ctx, &prompts).await,
            "missing-required" => prompts_missing_required(ctx, &prompts).await,
            "non-string" => prompts_non_string(ctx, &prompts).await,
            _ => prompts_injection(ctx, &prompts).await,
        }
    })
}

async fn prompts_get_valid(mut ctx: Ctx<'_>, prompts: &[PromptInfo]) -> ProbeResult {
    let mut tested = false;
    let mut rejected = Vec::new();
    for p in prompts.iter().take(MAX_PROMPTS) {
        let args = fill(&mut ctx, p, None).await;
        match ctx
            .call("prompts/get", Some(get_params(p, args, false)))
            .await
        {
            Some(Answer::Result(r)) => {
                tested = true;
                ctx.check_schema(
                    "GetPromptResult",
                    &r,
                    &format!("prompts/get of {:?}", p.name),
                );
            }
            Some(a) if p.first_required().is_some() => {
                // The sample values may simply not be acceptable to this prompt.
                rejected.push(format!("{}: {}", p.name, a.describe()));
            }
            Some(a) => {
                tested = true;
                ctx.find(
                    Verdict::NonStrict,
                    format!(
                        "prompts/get of {:?}, which has no required arguments, failed",
                        p.name
                    ),
                    "a GetPromptResult",
                    a.describe(),
                );
            }
            None if ctx.halted => break,
            None => {}
        }
    }
    let reason = format!(
        "every prompts/get with sample arguments was rejected ({})",
        rejected.join("; ")
    );
    ctx.done(tested, &reason)
}

async fn prompts_missing_required(mut ctx: Ctx<'_>, prompts: &[PromptInfo]) -> ProbeResult {
    let Some((p, omit)) = prompts
        .iter()
        .find_map(|p| Some((p, p.first_required()?.name.clone())))
    else {
        return ctx.done(false, "no listed prompt has a required argument");
    };
    let args = fill(&mut ctx, p, Some(&omit)).await;
    let answer = ctx
        .call("prompts/get", Some(get_params(p, args, true)))
        .await;
    let tested = answer.is_some();
    match answer {
        Some(a) if a.code() == Some(INVALID_PARAMS) => {}
        Some(a @ Answer::Error { .. }) => ctx.find(
            Verdict::Fail,
            format!("prompts/get of {:?} without its required argument {omit:?} got an error code other than -32602", p.name),
            "error -32602 (Invalid params)",
            a.describe(),
        ),
        Some(a) => ctx.find(
            Verdict::Fail,
            format!("prompts/get of {:?} was served without its required argument {omit:?}", p.name),
            "error -32602 (Invalid params)",
            a.describe(),
        ),
        None => {}
    }
    ctx.done(tested, "prompts/get gave no answer")
}

async fn prompts_non_string(mut ctx: Ctx<'_>, prompts: &[PromptInfo]) -> ProbeResult {
    let chosen = prompts
        .iter()
        .find(|p| p.first_required().is_some())
        .or_else(|| prompts.iter().find(|p| !p.args.is_empty()));
    let Some(p) = chosen else {
        return ctx.done(false, "no listed prompt takes arguments");
    };
    let Some(target) = p.first_required().or_else(|| p.args.first()).cloned() else {
        return ctx.done(false, "no listed prompt takes arguments");
    };
    let base = fill(&mut ctx, p, Some(&target.name)).await;
    let mut tested = false;
    for bad in [json!(42), json!({ "text": "mcpspec" }), json!(true)] {
        let mut args = base.clone();
        args.insert(target.name.clone(), bad.clone());
        let params = json!({ "name": p.name, "arguments": args });
        let Some(answer) = ctx.call_raw("prompts/get", params).await else {
            break;
        };
        tested = true;
        match answer {
            a if a.code() == Some(INVALID_PARAMS) => {}
            a @ Answer::Error { .. } => ctx.find(
                Verdict::Fail,
                format!("prompts/get of {:?} with {} as the value of {:?} got an error code other than -32602", p.name, bad, target.name),
                "error -32602 (Invalid params): argument values are strings",
                a.describe(),
            ),
            a => ctx.find(
                Verdict::Fail,
                format!("prompts/get of {:?} accepted {} as the value of {:?}", p.name, bad, target.name),
                "error -32602 (Invalid params): argument values are strings",
                a.describe(),
            ),
        }
    }
    ctx.done(tested, "prompts/get gave no answer")
}

/// Every string inside a JSON value, joined by newlines.
fn texts(v: &Value) -> String {
    fn walk_into(v: &Value, out: &mut String) {
        match v {
            Value::String(s) => {
                out.push_str(s);
                out.push('\n');
            }
            Value::Array(a) => a.iter().for_each(|x| walk_into(x, out)),
            Value::Object(o) => o.values().for_each(|x| walk_into(x, out)),
            _ => {}
        }
    }
    let mut out = String::new();
    walk_into(v, &mut out);
    out
}

/// Whether a prompt's output suggests the template payload `7*7` was evaluated.
fn evaluated(payload: &str, baseline: &str, output: &str) -> bool {
    payload.contains("7*7")
        && !output.contains(payload)
        && output.contains("49")
        && !baseline.contains("49")
}

async fn prompts_injection(mut ctx: Ctx<'_>, prompts: &[PromptInfo]) -> ProbeResult {
    let targets: Vec<&PromptInfo> = prompts
        .iter()
        .filter(|p| !p.args.is_empty())
        .take(5)
        .collect();
    if targets.is_empty() {
        return ctx.done(false, "no listed prompt takes arguments");
    }
    let payloads = [
        "{{7*7}}".to_string(),
        "${7*7}".to_string(),
        "#{7*7}".to_string(),
        "<%= 7*7 %>".to_string(),
        "%s%s%s%n%x".to_string(),
        "\u{0}\u{7}\u{1b}[31m\u{7f}\r\n\u{2028}".to_string(),
        "'; DROP TABLE prompts; --".to_string(),
        "A".repeat(100 * 1024),
    ];
    let mut tested = false;
    'prompts: for p in targets {
        let with = |value: &str| {
            let args: Map<String, Value> = p
                .args
                .iter()
                .map(|a| (a.name.clone(), Value::String(value.to_string())))
                .collect();
            json!({ "name": p.name, "arguments": args })
        };
        let baseline = match ctx.call("prompts/get", Some(with("mcpspec"))).await {
            Some(Answer::Result(r)) => texts(&r),
            Some(_) => String::new(),
            None => break,
        };
        for payload in &payloads {
            let Some(answer) = ctx.call("prompts/get", Some(with(payload))).await else {
                break 'prompts;
            };
            tested = true;
            if let Answer::Result(r) = &answer
                && evaluated(payload, &baseline, &texts(r))
            {
                ctx.find(
                    Verdict::NonStrict,
                    format!("prompts/get of {:?} with the argument value {payload:?} returned text containing 49: the template expression may have been evaluated", p.name),
                    "argument values used as data, never evaluated",
                    short(r),
                );
            }
        }
    }
    ctx.still_alive().await;
    ctx.done(tested, "prompts/get gave no answer")
}

// ---- completion -------------------------------------------------------------------------------

/// Something to complete: a prompt argument or a template variable.
#[derive(Debug, Clone)]
struct Target {
    reference: Value,
    arg: String,
    siblings: Vec<String>,
    label: String,
    is_prompt: bool,
}

/// Prompt arguments (when `prompts` is declared) and template variables (when `resources` is).
async fn targets(ctx: &mut Ctx<'_>) -> Vec<Target> {
    let mut out = Vec::new();
    if ctx.s.server_has("prompts")
        && let Ok(prompts) = listed_prompts(ctx).await
    {
        for p in prompts {
            let names: Vec<String> = p.args.iter().map(|a| a.name.clone()).collect();
            for a in &p.args {
                out.push(Target {
                    reference: json!({ "type": "ref/prompt", "name": p.name }),
                    arg: a.name.clone(),
                    siblings: names.iter().filter(|n| **n != a.name).cloned().collect(),
                    label: format!("argument {:?} of prompt {:?}", a.name, p.name),
                    is_prompt: true,
                });
            }
        }
    }
    if ctx.s.server_has("resources") {
        let w = walk(ctx, TEMPLATES, ITEM_PAGES, MAX_ITEMS).await;
        for t in w
            .items
            .iter()
            .filter_map(|t| t.get("uriTemplate").and_then(Value::as_str))
        {
            let Ok(vars) = rfc6570::parse(t) else {
                continue;
            };
            for v in &vars {
                out.push(Target {
                    reference: json!({ "type": "ref/resource", "uri": t }),
                    arg: v.clone(),
                    siblings: vars.iter().filter(|n| *n != v).cloned().collect(),
                    label: format!("variable {v:?} of template {t:?}"),
                    is_prompt: false,
                });
            }
        }
    }
    out
}

async fn complete(
    ctx: &mut Ctx<'_>,
    t: &Target,
    value: &str,
    context: Option<Map<String, Value>>,
) -> Option<Answer> {
    let mut params = json!({
        "ref": t.reference,
        "argument": { "name": t.arg, "value": value },
    });
    if let Some(c) = context {
        params["context"] = json!({ "arguments": c });
    }
    ctx.call("completion/complete", Some(params)).await
}

/// `completion/complete` for every prompt argument and template variable (at most 30): args
/// `{check}`. `prompt-valid` (COMPLETION-002) / `resource-valid` (COMPLETION-003): values ""
/// and "a" give a valid `CompleteResult` (an error is non-strict). `max-values`
/// (COMPLETION-004): at most 100 values. `total` (COMPLETION-005): `total` is not below the
/// number of values, nor above it with `hasMore: false`. `context` (COMPLETION-006): a request
/// with `context.arguments` is served when the same request without it is. `missing-parts`
/// (COMPLETION-009): leaving out `argument`, `argument.value` or `ref` gives -32602.
/// `hostile-values` (COMPLETION-010): huge, unicode and regex-special values are answered
/// within 5 s and the server keeps serving.
pub fn completion<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let check = arg_str(args, "check");
        let known = CHECKS
            .iter()
            .find(|(p, _)| *p == "completion")
            .is_some_and(|(_, c)| c.contains(&check));
        if !known {
            return bad_args("completion", args);
        }
        let mut ctx = Ctx::new(s, args);
        let all = targets(&mut ctx).await;
        match check {
            "prompt-valid" | "resource-valid" => {
                let want_prompt = check == "prompt-valid";
                let chosen: Vec<Target> = all
                    .into_iter()
                    .filter(|t| t.is_prompt == want_prompt)
                    .collect();
                completion_valid(ctx, &chosen, want_prompt).await
            }
            "max-values" => completion_max_values(ctx, &all).await,
            "total" => completion_total(ctx, &all).await,
            "context" => completion_context(ctx, &all).await,
            "missing-parts" => completion_missing_parts(ctx, &all).await,
            _ => completion_hostile(ctx, &all).await,
        }
    })
}

async fn completion_valid(mut ctx: Ctx<'_>, targets: &[Target], prompts: bool) -> ProbeResult {
    let mut tested = false;
    'targets: for t in targets.iter().take(MAX_TARGETS) {
        for value in ["", "a"] {
            match complete(&mut ctx, t, value, None).await {
                Some(Answer::Result(r)) => {
                    tested = true;
                    ctx.check_schema(
                        "CompleteResult",
                        &r,
                        &format!("the completion of {} for {value:?}", t.label),
                    );
                }
                Some(a) => {
                    tested = true;
                    ctx.find(
                        Verdict::NonStrict,
                        format!(
                            "completion/complete for {} with value {value:?} failed",
                            t.label
                        ),
                        "a CompleteResult (possibly with no values)",
                        a.describe(),
                    );
                }
                None if ctx.halted => break 'targets,
                None => {}
            }
        }
    }
    let reason = if prompts {
        "no listed prompt has arguments to complete"
    } else {
        "no listed resource template has variables to complete"
    };
    ctx.done(tested, reason)
}

async fn completion_max_values(mut ctx: Ctx<'_>, targets: &[Target]) -> ProbeResult {
    let mut tested = false;
    for t in targets.iter().take(MAX_TARGETS) {
        match complete(&mut ctx, t, "", None).await {
            Some(Answer::Result(r)) => {
                let Some(values) = r.pointer("/completion/values").and_then(Value::as_array) else {
                    continue;
                };
                tested = true;
                if values.len() > 100 {
                    ctx.find(
                        Verdict::Fail,
                        format!(
                            "the completion of {} for \"\" has {} values",
                            t.label,
                            values.len()
                        ),
                        "at most 100 values per completion result",
                        format!("{} values", values.len()),
                    );
                }
            }
            None if ctx.halted => break,
            _ => {}
        }
    }
    ctx.done(tested, "no completion request gave a list of values")
}

async fn completion_total(mut ctx: Ctx<'_>, targets: &[Target]) -> ProbeResult {
    let mut tested = false;
    'targets: for t in targets.iter().take(MAX_TARGETS) {
        for value in ["", "a"] {
            match complete(&mut ctx, t, value, None).await {
                Some(Answer::Result(r)) => {
                    let Some(c) = r.get("completion") else {
                        continue;
                    };
                    let Some(n) = c.get("values").and_then(Value::as_array).map(Vec::len) else {
                        continue;
                    };
                    let Some(total) = c.get("total").and_then(Value::as_u64) else {
                        continue;
                    };
                    tested = true;
                    let n = n as u64;
                    if total < n {
                        ctx.find(
                            Verdict::Fail,
                            format!("the completion of {} for {value:?} has total {total} but {n} values", t.label),
                            "total at least the number of values returned",
                            short(c),
                        );
                    } else if total > n && c.get("hasMore") == Some(&Value::Bool(false)) {
                        ctx.find(
                            Verdict::Fail,
                            format!("the completion of {} for {value:?} has hasMore false but total {total} above its {n} values", t.label),
                            "hasMore true when total exceeds the values returned",
                            short(c),
                        );
                    }
                }
                None if ctx.halted => break 'targets,
                _ => {}
            }
        }
    }
    ctx.done(tested, "no completion result carried a total")
}

async fn completion_context(mut ctx: Ctx<'_>, targets: &[Target]) -> ProbeResult {
    let mut order: Vec<&Target> = targets.iter().filter(|t| !t.siblings.is_empty()).collect();
    order.extend(targets.iter().filter(|t| t.siblings.is_empty()));
    let mut tested = false;
    for t in order.into_iter().take(10) {
        match complete(&mut ctx, t, "", None).await {
            Some(Answer::Result(_)) => {}
            None if ctx.halted => break,
            _ => continue,
        }
        let mut chosen = Map::new();
        if let Some(sibling) = t.siblings.first() {
            let other = Target {
                arg: sibling.clone(),
                ..t.clone()
            };
            let value = match complete(&mut ctx, &other, "", None).await {
                Some(Answer::Result(r)) => r
                    .pointer("/completion/values/0")
                    .and_then(Value::as_str)
                    .unwrap_or("mcpspec")
                    .to_string(),
                _ => "mcpspec".to_string(),
            };
            chosen.insert(sibling.clone(), Value::String(value));
        }
        let shown = Value::Object(chosen.clone());
        match complete(&mut ctx, t, "", Some(chosen)).await {
            Some(Answer::Result(r)) => {
                tested = true;
                ctx.check_schema(
                    "CompleteResult",
                    &r,
                    &format!(
                        "the completion of {} with context.arguments {shown}",
                        t.label
                    ),
                );
            }
            Some(a) => {
                tested = true;
                ctx.find(
                    Verdict::Fail,
                    format!("completion/complete for {} was refused with context.arguments {shown}, though served without it", t.label),
                    "a CompleteResult: context.arguments is a valid part of the request",
                    a.describe(),
                );
            }
            None => {}
        }
        break;
    }
    ctx.done(
        tested,
        "no completion request was answered even without context",
    )
}

async fn completion_missing_parts(mut ctx: Ctx<'_>, targets: &[Target]) -> ProbeResult {
    let mut variants: Vec<(&str, Value)> = Vec::new();
    let arg = targets.first().map_or("value", |t| t.arg.as_str());
    if let Some(t) = targets.first() {
        variants.push(("without argument", json!({ "ref": t.reference })));
        variants.push((
            "without argument.value",
            json!({ "ref": t.reference, "argument": { "name": t.arg } }),
        ));
    }
    variants.push((
        "without ref",
        json!({ "argument": { "name": arg, "value": "" } }),
    ));
    let mut tested = false;
    for (label, params) in variants {
        let Some(answer) = ctx.call_raw("completion/complete", params).await else {
            break;
        };
        tested = true;
        match answer {
            a if a.code() == Some(INVALID_PARAMS) => {}
            a @ Answer::Error { .. } => ctx.find(
                Verdict::Fail,
                format!("completion/complete {label} got an error code other than -32602"),
                "error -32602 (Invalid params)",
                a.describe(),
            ),
            a => ctx.find(
                Verdict::Fail,
                format!("completion/complete {label} was served as if complete"),
                "error -32602 (Invalid params)",
                a.describe(),
            ),
        }
    }
    ctx.done(tested, "completion/complete gave no answer")
}

async fn completion_hostile(mut ctx: Ctx<'_>, targets: &[Target]) -> ProbeResult {
    if targets.is_empty() {
        return ctx.done(false, "no prompt argument or template variable to complete");
    }
    let values = [
        "a".repeat(10 * 1024),
        ".*".to_string(),
        "(a+)+$".to_string(),
        "((((((((((a*)*)*)*)*)*)*)*)*)*)*$".to_string(),
        format!("{}!", "a".repeat(64)),
        "\u{1F511}ключ\u{200D}\u{FEFF}".to_string(),
        "\\".to_string(),
        "[".to_string(),
        "%00%ff\u{0}".to_string(),
    ];
    let mut tested = false;
    'targets: for t in targets.iter().take(3) {
        for v in &values {
            let started = Instant::now();
            if complete(&mut ctx, t, v, None).await.is_none() {
                if ctx.halted {
                    break 'targets;
                }
                continue;
            }
            tested = true;
            let took = started.elapsed();
            if took > SLOW_COMPLETION {
                let shown: String = v.chars().take(40).collect();
                ctx.find(
                    Verdict::NonStrict,
                    format!(
                        "completion of {} for {shown:?} took {} ms: a possible pathological match",
                        t.label,
                        took.as_millis()
                    ),
                    "an answer within 5 s",
                    format!("{} ms", took.as_millis()),
                );
            }
        }
    }
    ctx.still_alive().await;
    ctx.done(tested, "completion/complete gave no answer")
}

// ---- small strict parsers ---------------------------------------------------------------------

/// Strict base64 (standard alphabet, padding required); `None` when not valid.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let chunks = bytes.len() / 4;
    for (i, chunk) in bytes.chunks(4).enumerate() {
        let last = i + 1 == chunks;
        let pad = chunk.iter().rev().take_while(|b| **b == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for &c in &chunk[..4 - pad] {
            n = (n << 6) | sextet(c)?;
        }
        n <<= 6 * pad as u32;
        let decoded = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        // Leftover bits in the last sextet must be zero (canonical encoding).
        match pad {
            1 if n & 0xff != 0 => return None,
            2 if n & 0xffff != 0 => return None,
            _ => {}
        }
        out.extend_from_slice(&decoded[..3 - pad]);
    }
    Some(out)
}

/// RFC 3986 URI syntax, strictly: an absolute URI with a scheme, ASCII only, every `%`
/// followed by two hex digits, each character allowed where it stands.
mod rfc3986 {
    fn unreserved(c: u8) -> bool {
        c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~')
    }

    fn sub_delim(c: u8) -> bool {
        matches!(
            c,
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
        )
    }

    /// Checks that `part` holds only unreserved, sub-delims, `extra` and percent-encodings.
    fn chars(part: &str, extra: &[u8], what: &str) -> Result<(), String> {
        let b = part.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if c == b'%' {
                let ok = b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                    && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
                if !ok {
                    return Err(format!("'%' not followed by two hex digits in the {what}"));
                }
                i += 3;
                continue;
            }
            if !(unreserved(c) || sub_delim(c) || extra.contains(&c)) {
                let shown = part[i..].chars().next().unwrap_or('?');
                return Err(format!("character {shown:?} is not allowed in the {what}"));
            }
            i += 1;
        }
        Ok(())
    }

    fn authority(auth: &str) -> Result<(), String> {
        let (userinfo, hostport) = match auth.split_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, auth),
        };
        if let Some(u) = userinfo {
            chars(u, b":", "userinfo")?;
        }
        let port = if let Some(rest) = hostport.strip_prefix('[') {
            let Some((literal, after)) = rest.split_once(']') else {
                return Err("IP literal without a closing ']'".into());
            };
            let future = literal
                .strip_prefix(['v', 'V'])
                .and_then(|r| r.split_once('.'))
                .is_some_and(|(hex, tail)| {
                    !hex.is_empty()
                        && hex.bytes().all(|c| c.is_ascii_hexdigit())
                        && !tail.is_empty()
                        && tail
                            .bytes()
                            .all(|c| unreserved(c) || sub_delim(c) || c == b':')
                });
            if !future && literal.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(format!(
                    "[{literal}] is not an IPv6 address or IPvFuture literal"
                ));
            }
            match after {
                "" => None,
                a => match a.strip_prefix(':') {
                    Some(p) => Some(p),
                    None => return Err("characters after the IP literal".into()),
                },
            }
        } else {
            let (host, port) = match hostport.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            };
            chars(host, b"", "host")?;
            port
        };
        if let Some(p) = port
            && !p.bytes().all(|c| c.is_ascii_digit())
        {
            return Err(format!("port {p:?} is not a number"));
        }
        Ok(())
    }

    /// `Ok` when `uri` is a URI under RFC 3986 (absolute: with a scheme), else why not.
    pub fn check(uri: &str) -> Result<(), String> {
        if let Some(c) = uri.chars().find(|c| !c.is_ascii()) {
            return Err(format!(
                "non-ASCII character {c:?} (must be percent-encoded)"
            ));
        }
        let Some((scheme, rest)) = uri.split_once(':') else {
            return Err("no scheme".into());
        };
        let mut sb = scheme.bytes();
        let scheme_ok = sb.next().is_some_and(|c| c.is_ascii_alphabetic())
            && sb.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'));
        if !scheme_ok {
            return Err(format!("{scheme:?} is not a valid scheme"));
        }
        let (rest, fragment) = match rest.split_once('#') {
            Some((r, f)) => (r, Some(f)),
            None => (rest, None),
        };
        let (hier, query) = match rest.split_once('?') {
            Some((h, q)) => (h, Some(q)),
            None => (rest, None),
        };
        if let Some(f) = fragment {
            chars(f, b":@/?", "fragment")?;
        }
        if let Some(q) = query {
            chars(q, b":@/?", "query")?;
        }
        let path = match hier.strip_prefix("//") {
            Some(after) => {
                let end = after.find('/').unwrap_or(after.len());
                authority(&after[..end])?;
                &after[end..]
            }
            None => hier,
        };
        chars(path, b":@/", "path")
    }
}

/// RFC 6570 URI template syntax (levels 1-4), strictly.
mod rfc6570 {
    /// Literal characters outside expressions (ASCII part; non-ASCII is checked by range).
    fn literal_ok(c: char) -> bool {
        match c {
            '!' | '#' | '$' | '&' | '('..=';' | '=' | '?'..='[' | ']' | '_' | 'a'..='z' | '~' => {
                true
            }
            c if !c.is_ascii() => ucschar_or_private(c),
            _ => false,
        }
    }

    fn ucschar_or_private(c: char) -> bool {
        let n = c as u32;
        let ucs = matches!(n, 0xA0..=0xD7FF | 0xF900..=0xFDCF | 0xFDF0..=0xFFEF)
            || ((0x10000..=0xEFFFD).contains(&n)
                && (n & 0xFFFF) <= 0xFFFD
                && !(0xE0000..0xE1000).contains(&n));
        let private = matches!(n, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD);
        ucs || private
    }

    fn pct_at(s: &[u8], i: usize) -> bool {
        s.get(i) == Some(&b'%')
            && s.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && s.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
    }

    /// A variable name: varchar *( ["."] varchar ), varchar = ALPHA / DIGIT / "_" / pct.
    fn varname(name: &str) -> Result<(), String> {
        let b = name.as_bytes();
        if b.is_empty() {
            return Err("empty variable name".into());
        }
        let mut i = 0;
        let mut after_dot = true;
        while i < b.len() {
            let c = b[i];
            if c == b'.' {
                if after_dot {
                    return Err(format!("misplaced '.' in variable name {name:?}"));
                }
                after_dot = true;
                i += 1;
                continue;
            }
            if c.is_ascii_alphanumeric() || c == b'_' {
                i += 1;
            } else if pct_at(b, i) {
                i += 3;
            } else {
                return Err(format!(
                    "variable name {name:?} has the character {:?}",
                    c as char
                ));
            }
            after_dot = false;
        }
        if after_dot {
            return Err(format!("variable name {name:?} ends with '.'"));
        }
        Ok(())
    }

    fn varspec(spec: &str) -> Result<String, String> {
        if let Some(name) = spec.strip_suffix('*') {
            varname(name)?;
            return Ok(name.to_string());
        }
        if let Some((name, len)) = spec.split_once(':') {
            varname(name)?;
            let ok = !len.is_empty()
                && len.len() <= 4
                && len.bytes().all(|c| c.is_ascii_digit())
                && !len.starts_with('0');
            if !ok {
                return Err(format!("prefix length {len:?} is not 1-9999"));
            }
            return Ok(name.to_string());
        }
        varname(spec)?;
        Ok(spec.to_string())
    }

    /// The variable names of `template` in order, or why it is not a valid template.
    pub fn parse(template: &str) -> Result<Vec<String>, String> {
        let mut vars: Vec<String> = Vec::new();
        let bytes = template.as_bytes();
        let mut i = 0;
        while i < template.len() {
            let Some(c) = template[i..].chars().next() else {
                break;
            };
            match c {
                '{' => {
                    let Some(len) = template[i + 1..].find('}') else {
                        return Err("an expression is not closed with '}'".into());
                    };
                    let body = &template[i + 1..i + 1 + len];
                    if body.contains('{') {
                        return Err("'{' inside an expression".into());
                    }
                    let list = match body.chars().next() {
                        None => return Err("empty expression {}".into()),
                        Some('+' | '#' | '.' | '/' | ';' | '?' | '&') => &body[1..],
                        Some(op @ ('=' | ',' | '!' | '@' | '|')) => {
                            return Err(format!(
                                "operator {op:?} is reserved for future extensions"
                            ));
                        }
                        Some(_) => body,
                    };
                    for spec in list.split(',') {
                        let name = varspec(spec)?;
                        if !vars.contains(&name) {
                            vars.push(name);
                        }
                    }
                    i += len + 2;
                }
                '}' => return Err("'}' without a matching '{'".into()),
                '%' => {
                    if !pct_at(bytes, i) {
                        return Err("'%' not followed by two hex digits".into());
                    }
                    i += 3;
                }
                c if literal_ok(c) => i += c.len_utf8(),
                c => {
                    return Err(format!(
                        "character {c:?} is not allowed in a template literal"
                    ));
                }
            }
        }
        Ok(vars)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3986_accepts_uris() {
        for uri in [
            "fixture://greeting",
            "file:///etc/hosts",
            "file:///C:/Users/a%20b.txt",
            "demo://resource/static/document/architecture.md",
            "memory://knowledge-graph",
            "https://user:pw@example.com:8080/a/b?x=1&y=%2F#frag/ment?",
            "http://[::1]:80/",
            "http://[v7.fe80::1]/",
            "mailto:someone@example.com",
            "urn:isbn:0451450523",
            "test:",
            "s3+x-y.z://bucket/key",
        ] {
            assert_eq!(rfc3986::check(uri), Ok(()), "{uri}");
        }
    }

    #[test]
    fn rfc3986_rejects_non_uris() {
        for uri in [
            "not a uri",
            "no-scheme",
            "/etc/passwd",
            "1abc://x",
            "file:///a b",
            "file:///caf\u{e9}",
            "x:%zz",
            "x:%4",
            "http://[::1/",
            "http://[nothex]/",
            "http://host:port/",
            "http://a^b/",
            "x:a#b#c",
            "x:{id}",
            "",
            ":nothing",
        ] {
            assert!(rfc3986::check(uri).is_err(), "{uri} accepted");
        }
    }

    #[test]
    fn rfc6570_parses_templates_and_names_variables() {
        let cases: &[(&str, &[&str])] = &[
            ("fixture://items/{id}", &["id"]),
            ("demo://resource/dynamic/text/{resourceId}", &["resourceId"]),
            ("file:///{+path}", &["path"]),
            (
                "http://x/{a,b}{?q,lang}{&more*}{#frag:3}",
                &["a", "b", "q", "lang", "more", "frag"],
            ),
            ("x:{.dom*}{/seg}{;p}", &["dom", "seg", "p"]),
            ("x:{var.sub}{%41b}", &["var.sub", "%41b"]),
            ("no-variables:%20literal", &[]),
            ("x:{a:9999}", &["a"]),
            ("x:{a}/{a}", &["a"]),
        ];
        for (template, vars) in cases {
            assert_eq!(
                rfc6570::parse(template),
                Ok(vars.iter().map(|v| v.to_string()).collect::<Vec<_>>()),
                "{template}"
            );
        }
    }

    #[test]
    fn rfc6570_rejects_broken_templates() {
        for template in [
            "fixture://items/{id",
            "fixture://items/id}",
            "x:{}",
            "x:{a b}",
            "x:{=a}",
            "x:{|a}",
            "x:{a:0}",
            "x:{a:10000}",
            "x:{.a.}",
            "x:{a..b}",
            "x:{a{b}}",
            "x:a b",
            "x:\"q\"",
            "x:50%",
            "x:{a,}",
            "x:a|b",
        ] {
            assert!(rfc6570::parse(template).is_err(), "{template} accepted");
        }
    }

    #[test]
    fn base64_is_strict() {
        assert_eq!(base64_decode("aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(base64_decode("aGk="), Some(b"hi".to_vec()));
        assert_eq!(base64_decode("aA=="), Some(b"h".to_vec()));
        assert_eq!(base64_decode(""), Some(Vec::new()));
        for bad in [
            "aGVsbG8",
            "aG=k",
            "aGk=aGk=",
            "%%not-base64%%",
            "aGk",
            "aB==",
            "a===",
        ] {
            assert_eq!(base64_decode(bad), None, "{bad}");
        }
        // The first invalid cursor is not base64 at all; the second is, but decodes to noise.
        assert_eq!(base64_decode(BAD_CURSORS[0]), None);
        let noise = base64_decode(BAD_CURSORS[1]).expect("valid base64");
        assert!(!noise.is_ascii());
    }

    #[test]
    fn passwd_detection() {
        let leak =
            json!({ "contents": [{ "uri": "x:y", "text": "root:x:0:0:root:/root:/bin/sh\n" }] });
        assert!(leaks_passwd(&leak));
        let blob = json!({ "contents": [{ "uri": "x:y", "blob": "cm9vdDp4OjA6MDo=" }] });
        assert!(leaks_passwd(&blob));
        let fine = json!({ "contents": [{ "uri": "x:y", "text": "hello root:0:0" }] });
        assert!(!leaks_passwd(&fine));
        assert!(!leaks_passwd(&json!({})));
    }

    #[test]
    fn subscription_coverage() {
        assert!(covers("fixture://clock", "fixture://clock"));
        assert!(covers("file:///dir", "file:///dir/a.txt"));
        assert!(covers("file:///dir/", "file:///dir/a.txt"));
        assert!(!covers("fixture://clock", "fixture://clockwork"));
        assert!(!covers("fixture://clock", "fixture://greeting"));
    }

    #[test]
    fn sizes_count_utf8_and_decoded_bytes() {
        let r = json!({ "contents": [
            { "uri": "a:1", "text": "h\u{e9}llo" },
            { "uri": "a:2", "blob": "aGk=" }
        ] });
        assert_eq!(content_bytes(&r, "a:1"), Some(6));
        assert_eq!(content_bytes(&r, "a:2"), Some(2));
        assert_eq!(content_bytes(&r, "a:3"), Some(8));
        let bad = json!({ "contents": [{ "uri": "a:1", "blob": "%%" }] });
        assert_eq!(content_bytes(&bad, "a:1"), None);
    }

    #[test]
    fn evaluation_heuristic() {
        assert!(evaluated("{{7*7}}", "Hello mcpspec", "Hello 49"));
        assert!(!evaluated("{{7*7}}", "Hello mcpspec", "Hello {{7*7}} 49"));
        assert!(!evaluated("{{7*7}}", "at 12:49", "at 12:49"));
        assert!(!evaluated("%s%s", "x", "49"));
    }

    #[test]
    fn traversal_payloads_use_the_listed_scheme() {
        let uris = traversal_uris(Some("demo://resource/x"));
        assert!(uris.iter().any(|u| u.starts_with("demo:///..")));
        assert!(uris.iter().any(|u| u.starts_with("demo://resource/x/..")));
        assert!(uris.iter().all(|u| u.contains("..") || u.contains("%2e")));
        let plain = traversal_uris(Some("file:///srv/a"));
        assert_eq!(plain.len(), 5);
    }

    #[test]
    fn schema_definitions_exist() {
        let schema = mcpspec_schema::Schema::for_revision(crate::config::REVISION).expect("schema");
        for def in [
            TOOLS.result,
            RESOURCES.result,
            TEMPLATES.result,
            PROMPTS.result,
            "ReadResourceResult",
            "GetPromptResult",
            "CompleteResult",
            "EmptyResult",
        ] {
            assert!(schema.has(def), "{def}");
        }
    }

    #[test]
    fn probe_table_matches_checks() {
        for p in PROBES {
            assert!(
                CHECKS.iter().any(|(name, _)| *name == p.name),
                "{} has no CHECKS entry",
                p.name
            );
        }
        assert_eq!(PROBES.len(), CHECKS.len());
    }

    /// Every case that calls a probe of this module passes arguments the probe knows.
    #[test]
    fn case_files_pass_known_arguments() {
        let cases = crate::case::embedded_cases().expect("cases load");
        let mut used = 0;
        for loaded in &cases {
            for step in &loaded.case.steps {
                let crate::case::model::Step::Probe(call) = step else {
                    continue;
                };
                let Some((_, checks)) = CHECKS.iter().find(|(n, _)| *n == call.name) else {
                    continue;
                };
                used += 1;
                let check = arg_str(&call.args, "check");
                if checks.is_empty() {
                    assert!(
                        call.args.get("check").is_none(),
                        "{}: no check expected",
                        loaded.path
                    );
                } else {
                    assert!(
                        checks.contains(&check),
                        "{}: unknown check {check:?}",
                        loaded.path
                    );
                }
                if call.name == "undeclared-feature" {
                    assert!(
                        ["resources", "prompts", "completions"]
                            .contains(&arg_str(&call.args, "capability")),
                        "{}: unknown capability",
                        loaded.path
                    );
                }
                if call.name == "walk-list" {
                    assert!(
                        list_kind(arg_str(&call.args, "method")).is_some(),
                        "{}: unknown method",
                        loaded.path
                    );
                }
                if let Some(obj) = call.args.as_object() {
                    for key in obj.keys() {
                        assert!(
                            ["check", "method", "capability", "timeout_ms"].contains(&key.as_str()),
                            "{}: unknown probe argument {key:?}",
                            loaded.path
                        );
                    }
                }
            }
        }
        assert!(used > 0, "no case uses the probes of this module");
    }
}
