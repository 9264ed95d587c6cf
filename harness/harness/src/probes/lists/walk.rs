//! Paginated lists: the four list methods this area walks and the walk that follows
//! `nextCursor` from the first page to the last (or a cap), keeping pages and items. Not here:
//! judging a walk (the probes do that), and cursors of our own making (`pagination.rs` sends
//! the only invalid ones).

use std::collections::HashSet;

use serde_json::{Value, json};

use super::context::{Answer, Ctx};

/// Pagination walk caps (PAGINATION-004).
pub(super) const MAX_PAGES: usize = 1000;
pub(super) const MAX_ITEMS: usize = 10_000;
/// Pages walked when a probe only needs the list's items.
pub(super) const ITEM_PAGES: usize = 100;

/// One paginated list method.
#[derive(Debug, Clone, Copy)]
pub(super) struct ListKind {
    /// The request method.
    pub(super) method: &'static str,
    /// The array member of the result.
    pub(super) field: &'static str,
    /// The member that identifies an item.
    pub(super) key: &'static str,
    /// The schema definition of a page.
    pub(super) result: &'static str,
    /// The notification that announces a change of the list.
    pub(super) changed: &'static str,
}

pub(super) const TOOLS: ListKind = ListKind {
    method: "tools/list",
    field: "tools",
    key: "name",
    result: "ListToolsResult",
    changed: "notifications/tools/list_changed",
};
pub(super) const RESOURCES: ListKind = ListKind {
    method: "resources/list",
    field: "resources",
    key: "uri",
    result: "ListResourcesResult",
    changed: "notifications/resources/list_changed",
};
pub(super) const TEMPLATES: ListKind = ListKind {
    method: "resources/templates/list",
    field: "resourceTemplates",
    key: "uriTemplate",
    result: "ListResourceTemplatesResult",
    changed: "notifications/resources/list_changed",
};
pub(super) const PROMPTS: ListKind = ListKind {
    method: "prompts/list",
    field: "prompts",
    key: "name",
    result: "ListPromptsResult",
    changed: "notifications/prompts/list_changed",
};

/// The list kind whose request method is `method`.
pub(super) fn list_kind(method: &str) -> Option<ListKind> {
    [TOOLS, RESOURCES, TEMPLATES, PROMPTS]
        .into_iter()
        .find(|k| k.method == method)
}

/// How a walk over a list's pages ended.
#[derive(Debug)]
pub(super) enum WalkEnd {
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
pub(super) struct Walk {
    /// Every page result, in order.
    pub(super) pages: Vec<Value>,
    /// The items of every page, in order.
    pub(super) items: Vec<Value>,
    /// Why the walk stopped.
    pub(super) end: WalkEnd,
}

/// Follows `nextCursor` from the first page until the last page or a cap.
pub(super) async fn walk(
    ctx: &mut Ctx<'_>,
    kind: ListKind,
    max_pages: usize,
    max_items: usize,
) -> Walk {
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

/// Validates every page of a walk against the list's result definition.
pub(super) fn check_pages(ctx: &mut Ctx<'_>, kind: ListKind, pages: &[Value]) {
    for (i, page) in pages.iter().enumerate() {
        let what = format!("page {} of {}", i + 1, kind.method);
        ctx.check_schema(kind.result, page, &what);
    }
}
