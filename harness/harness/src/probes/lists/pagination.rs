//! The `walk-list` probe: pagination checks on any of the four paginated lists (the walk ends,
//! no item repeats, a cursor gives the same page twice, every params form is served, invalid
//! cursors are rejected). Not here: the walk itself (`walk.rs`) and what the items mean (the
//! resources, prompts and completion modules).

use std::collections::HashMap;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::context::{Answer, Ctx, Fut, arg_str, bad_args, short};
use super::walk::{
    ListKind, MAX_ITEMS, MAX_PAGES, PROMPTS, RESOURCES, TEMPLATES, TOOLS, WalkEnd, list_kind, walk,
};
use crate::case::model::Verdict;
use crate::probes::ProbeResult;
use crate::session::Session;

/// Deliberately invalid cursors (PAGINATION-002): one not even base64, one valid base64 of
/// bytes no server could have issued.
const BAD_CURSORS: [&str; 2] = [
    "mcp-conformance-invalid-cursor-%%",
    "q83vASNFZ4mrze8BI0VniavN7wEjRWeJ3q2+7/7t",
];

/// Pagination checks on one list: args `{method, check}`. `terminates` (PAGINATION-004/001):
/// the walk ends within 1000 pages and 10,000 items, with string cursors never repeated.
/// `no-repeats` (PAGINATION-004): no item key twice. `stable-cursor` (PAGINATION-003): page 2
/// twice gives the same items. `param-forms` (PAGINATION-005): params left out, `{}` and
/// `{cursor}` are all served. `invalid-cursor` (PAGINATION-002): unknown cursors get -32602.
/// `foreign-cursor` (PROBE-012): a cursor another list handed out gets -32602.
pub(super) fn walk_list<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
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
            "foreign-cursor" => pagination_foreign_cursor(ctx, kind).await,
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
            let reason = first_page_refused(method, &a);
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
        let reason = first_page_refused(method, a);
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
            let reason = first_page_refused(method, &a);
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
        ctx.expect_invalid_params(
            answer,
            format!("{method} answered the invalid cursor {cursor:?} with an error code other than -32602"),
            format!("{method} ignored the invalid cursor {cursor:?} and returned a page"),
            "error -32602 (Invalid params)",
        );
    }
    ctx.still_alive().await;
    ctx.done(tested, &format!("{method} gave no answer"))
}

/// PROBE-012: the first `nextCursor` of every other declared list, sent to `kind`'s method.
async fn pagination_foreign_cursor(mut ctx: Ctx<'_>, kind: ListKind) -> ProbeResult {
    let method = kind.method;
    let mut tested = false;
    for other in [TOOLS, RESOURCES, TEMPLATES, PROMPTS] {
        let capability = other.method.split('/').next().unwrap_or_default();
        if other.method == method || !ctx.s.server_has(capability) {
            continue;
        }
        let Some(Answer::Result(first)) = ctx.call(other.method, None).await else {
            continue;
        };
        let Some(cursor) = first.get("nextCursor").and_then(Value::as_str) else {
            continue;
        };
        let cursor = cursor.to_string();
        let Some(answer) = ctx.call(method, Some(json!({ "cursor": cursor }))).await else {
            break;
        };
        tested = true;
        ctx.expect_invalid_params(
            answer,
            format!(
                "{method} answered a cursor of {} ({cursor:?}) with an error code other than -32602",
                other.method
            ),
            format!(
                "{method} accepted a cursor that {} had handed out ({cursor:?}) and returned a page",
                other.method
            ),
            "error -32602 (Invalid params): the cursor was issued for another list",
        );
    }
    ctx.still_alive().await;
    ctx.done(
        tested,
        &format!("no other list of the server has a second page, so there is no foreign cursor to send to {method}"),
    )
}

/// Why a check cannot go on when the list's first page was refused.
fn first_page_refused(method: &str, a: &Answer) -> String {
    format!("{method} answered its first page with {}", a.describe())
}

#[cfg(test)]
mod tests {
    use super::BAD_CURSORS;
    use crate::probes::lists::base64::base64_decode;

    #[test]
    fn bad_cursors_are_not_cursors() {
        // The first invalid cursor is not base64 at all; the second is, but decodes to noise.
        assert_eq!(base64_decode(BAD_CURSORS[0]), None);
        let noise = base64_decode(BAD_CURSORS[1]).expect("valid base64");
        assert!(!noise.is_ascii());
    }
}
