//! Walking `tools/list` page by page for the tool probes, and the walk as a precondition (the
//! tools, or why there is nothing to test). Not the `tools-list-walk` probe's checks (`list.rs`).

use std::collections::HashSet;

use serde_json::{Value, json};

use super::{Opts, ProbeResult};
use crate::case::model::Verdict;
use crate::session::Session;

/// Pages of `tools/list` followed before the walk stops.
const MAX_PAGES: usize = 100;
/// Tools read from `tools/list` before the walk stops.
const MAX_TOOLS: usize = 10_000;

/// What `tools/list` gave, over all pages.
pub(super) struct Listing {
    pub(super) tools: Vec<Value>,
    /// Each page's `result`, in order.
    pub(super) pages: Vec<Value>,
    /// Why the walk stopped early, if it did: (verdict for a check about the list itself, text).
    pub(super) problem: Option<(Verdict, String)>,
    /// Set when the server died during the walk.
    pub(super) gone: Option<String>,
}

impl Listing {
    /// The failing result when the server died during the walk.
    pub(super) fn gone_result(&self) -> Option<ProbeResult> {
        self.gone.as_ref().map(|how| {
            ProbeResult::fail(
                format!("{how} while the harness listed tools"),
                "a server that keeps running",
                how.clone(),
            )
        })
    }

    /// The untestable result when the walk found no tool.
    pub(super) fn empty_result(&self) -> Option<ProbeResult> {
        self.tools.is_empty().then(|| {
            ProbeResult::untestable(match &self.problem {
                Some((_, why)) => why.clone(),
                None => "tools/list returned no tools".into(),
            })
        })
    }
}

/// Walks `tools/list` page by page (no `params` on the first request, `{cursor}` after), until a
/// page has no `nextCursor`, a cursor repeats, or the caps are reached.
pub(super) async fn walk(s: &mut Session, o: &Opts) -> Listing {
    let mut out = Listing {
        tools: Vec::new(),
        pages: Vec::new(),
        problem: None,
        gone: None,
    };
    let mut cursor: Option<String> = None;
    let mut seen = HashSet::new();
    for _ in 0..MAX_PAGES {
        let Some(wait) = o.wait() else {
            out.problem = Some((
                Verdict::Informational,
                "the probe's time budget ran out while listing tools".into(),
            ));
            break;
        };
        let params = cursor.as_ref().map(|c| json!({ "cursor": c }));
        let reply = match s.request("tools/list", params, wait).await {
            Ok(reply) => reply,
            Err(e) => {
                if let Some(how) = s.gone() {
                    out.gone = Some(how.to_string());
                }
                out.problem = Some((Verdict::Fail, format!("tools/list got no answer: {e}")));
                break;
            }
        };
        let Some(result) = reply.value.get("result") else {
            out.problem = Some((
                Verdict::Fail,
                format!(
                    "tools/list was answered with an error: {}",
                    crate::wire::excerpt(
                        &reply
                            .value
                            .get("error")
                            .cloned()
                            .unwrap_or_default()
                            .to_string()
                    )
                ),
            ));
            break;
        };
        out.pages.push(result.clone());
        match result.get("tools").and_then(Value::as_array) {
            Some(tools) => out.tools.extend(tools.iter().cloned()),
            None => {
                out.problem = Some((
                    Verdict::Fail,
                    "a tools/list result has no `tools` array".into(),
                ));
                break;
            }
        }
        if out.tools.len() >= MAX_TOOLS {
            break;
        }
        match result.get("nextCursor") {
            Some(Value::String(next)) => {
                if !seen.insert(next.clone()) {
                    // A cursor seen before: the list loops. Pagination cases judge that.
                    break;
                }
                cursor = Some(next.clone());
            }
            _ => break,
        }
    }
    out
}

/// The walk as a precondition: the tools, or the probe's result when there is nothing to use.
pub(super) async fn tools_or_stop(s: &mut Session, o: &Opts) -> Result<Vec<Value>, ProbeResult> {
    let listing = walk(s, o).await;
    if let Some(stop) = listing.gone_result().or_else(|| listing.empty_result()) {
        return Err(stop);
    }
    Ok(listing.tools)
}
