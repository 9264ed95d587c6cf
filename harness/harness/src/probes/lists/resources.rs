//! Resource listing and reading probes: `resources/list` pages and unique URIs, reading every
//! listed resource (contents, declared sizes, RFC 3986 URIs) and `resources/templates/list`
//! with RFC 6570 templates. Not here: hostile URIs (`hostile_uris.rs`), subscriptions
//! (`subscriptions.rs`), and the undeclared-capability check (`undeclared.rs`).

use std::collections::HashMap;

use serde_json::{Value, json};

use super::base64::base64_decode;
use super::context::{Answer, Ctx, Fut, METHOD_NOT_FOUND, arg_str, bad_args, short};
use super::walk::{ITEM_PAGES, MAX_ITEMS, RESOURCES, TEMPLATES, WalkEnd, check_pages, walk};
use super::{rfc3986, rfc6570};
use crate::case::model::Verdict;
use crate::probes::ProbeResult;
use crate::session::Session;

/// Resources read per probe, and the largest declared size read.
const MAX_READS: usize = 50;
const MAX_READ_SIZE: u64 = 4 * 1024 * 1024;

/// The objects `resources/list` returned, or why there are none to use.
pub(super) async fn listed_resources(
    ctx: &mut Ctx<'_>,
    max_pages: usize,
) -> Result<Vec<Value>, String> {
    let w = walk(ctx, RESOURCES, max_pages, MAX_ITEMS).await;
    match w.end {
        WalkEnd::FirstError(a) => Err(format!("resources/list answered {}", a.describe())),
        WalkEnd::Halted if w.pages.is_empty() => Err("resources/list gave no answer".into()),
        _ => Ok(w.items.into_iter().filter(Value::is_object).collect()),
    }
}

/// The `uri` of a listed resource.
pub(super) fn uri_of(resource: &Value) -> Option<&str> {
    resource.get("uri").and_then(Value::as_str)
}

/// `resources/list` as a whole: args `{check}`. `valid` (RESOURCES-002): every page is a
/// `ListResourcesResult` and the list is served at all. `unique-uris` (RESOURCES-003): no URI
/// is listed twice across pages.
pub(super) fn resources_list<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
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
                check_pages(&mut ctx, RESOURCES, &w.pages);
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
pub(super) fn resources_read<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
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

/// A request whose only param is `uri` (read, subscribe, unsubscribe).
pub(super) async fn call_uri(ctx: &mut Ctx<'_>, method: &str, uri: &str) -> Option<Answer> {
    ctx.call(method, Some(json!({ "uri": uri }))).await
}

async fn read(ctx: &mut Ctx<'_>, uri: &str) -> Option<Answer> {
    call_uri(ctx, "resources/read", uri).await
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
pub(super) fn resource_templates<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
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
        check_pages(&mut ctx, TEMPLATES, &w.pages);
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
