//! The `resources-subscribe` probe: subscribe and unsubscribe results, and when
//! `notifications/resources/updated` may arrive (only for subscribed URIs, not long after
//! unsubscribing). Not here: listing or reading resources (`resources.rs`).

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::context::{Answer, Ctx, Fut, arg_str, bad_args};
use super::resources::{call_uri, listed_resources, uri_of};
use crate::case::model::Verdict;
use crate::probes::ProbeResult;
use crate::session::Session;

/// Resources subscribed to at once.
const MAX_SUBSCRIPTIONS: usize = 20;
/// How long subscriptions are watched.
const WATCH: Duration = Duration::from_millis(1500);
/// Updates may still arrive this long after unsubscribing (RESOURCES-009).
const UNSUBSCRIBE_GRACE_MS: u64 = 1000;

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
/// (untestable when no update arrives at all). `update-uri` (RESOURCES-010): while subscribed
/// to the listed resources, every update carries `params.uri` as an RFC 3986 URI (untestable
/// when no update arrives).
pub(super) fn resources_subscribe<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let ctx = Ctx::new(s, args);
        match arg_str(args, "check") {
            "round-trip" => subscribe_round_trip(ctx).await,
            "only-subscribed" => subscribe_only_subscribed(ctx).await,
            "stops-after-unsubscribe" => subscribe_stops(ctx).await,
            "update-uri" => subscribe_update_uri(ctx).await,
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
        match call_uri(&mut ctx, method, &uri).await {
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
        call_uri(&mut ctx, "resources/subscribe", &uri).await,
        Some(Answer::Result(_))
    );
    let mut during = updates(&mut ctx, Instant::now() + WATCH).await;
    if subscribed {
        call_uri(&mut ctx, "resources/unsubscribe", &uri).await;
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

/// Subscribes to the listed resources (at most [`MAX_SUBSCRIPTIONS`]); the URIs that took, or
/// why none did.
async fn subscribe_listed(ctx: &mut Ctx<'_>) -> Result<Vec<String>, String> {
    let resources = listed_resources(ctx, 10).await?;
    let mut subscribed: Vec<String> = Vec::new();
    for uri in resources.iter().filter_map(uri_of).take(MAX_SUBSCRIPTIONS) {
        match call_uri(ctx, "resources/subscribe", uri).await {
            Some(Answer::Result(_)) => subscribed.push(uri.to_string()),
            None if ctx.halted => break,
            _ => {}
        }
    }
    if subscribed.is_empty() {
        return Err("no resources/subscribe succeeded".into());
    }
    Ok(subscribed)
}

async fn subscribe_update_uri(mut ctx: Ctx<'_>) -> ProbeResult {
    let subscribed = match subscribe_listed(&mut ctx).await {
        Ok(s) => s,
        Err(why) => return ctx.done(false, &why),
    };
    let method = "notifications/resources/updated";
    let got = ctx.collect(method, Instant::now() + WATCH).await;
    for uri in &subscribed {
        call_uri(&mut ctx, "resources/unsubscribe", uri).await;
    }
    for m in &got {
        let uri = m.value.pointer("/params/uri");
        let problem = match uri.and_then(Value::as_str) {
            None => Some("has no string params.uri".to_string()),
            Some(u) => super::rfc3986::check(u)
                .err()
                .map(|why| format!("has a params.uri that is not an RFC 3986 URI: {why}")),
        };
        if let Some(problem) = problem {
            ctx.find(
                Verdict::Fail,
                format!("a {method} at {} ms {problem}", m.t_ms),
                "params.uri: the URI of the updated resource",
                crate::wire::excerpt(&m.value.to_string()),
            );
        }
    }
    let reason = format!(
        "no {method} arrived within {} ms of subscribing to {} resource(s)",
        WATCH.as_millis(),
        subscribed.len()
    );
    ctx.done(!got.is_empty(), &reason)
}

async fn subscribe_stops(mut ctx: Ctx<'_>) -> ProbeResult {
    let subscribed = match subscribe_listed(&mut ctx).await {
        Ok(s) => s,
        Err(why) => return ctx.done(false, &why),
    };
    let during = updates(&mut ctx, Instant::now() + WATCH).await;
    let relevant = during
        .iter()
        .filter(|(_, u)| subscribed.iter().any(|s| covers(s, u)))
        .count();
    for uri in &subscribed {
        call_uri(&mut ctx, "resources/unsubscribe", uri).await;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscription_coverage() {
        assert!(covers("fixture://clock", "fixture://clock"));
        assert!(covers("file:///dir", "file:///dir/a.txt"));
        assert!(covers("file:///dir/", "file:///dir/a.txt"));
        assert!(!covers("fixture://clock", "fixture://clockwork"));
        assert!(!covers("fixture://clock", "fixture://greeting"));
    }
}
