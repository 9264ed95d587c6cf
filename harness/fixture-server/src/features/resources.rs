//! The fixture's resources: the listing, the template, `resources/read`, URI checks, and which
//! URIs may be subscribed to. Subscription state and the clock's update thread belong to the
//! session (`server.rs`, `workers.rs`); this module only answers from a URI.

use serde_json::{Value, json};

use super::media::{base64_encode, png_1x1};
use super::{Crash, Params};
use crate::bugs::Bugs;
use crate::protocol::{INTERNAL_ERROR, RESOURCE_NOT_FOUND, Reply};

/// The static text resource.
pub const GREETING_URI: &str = "fixture://greeting";
/// The binary (PNG) resource.
pub const LOGO_URI: &str = "fixture://logo";
/// The resource that changes while subscribed.
pub const CLOCK_URI: &str = "fixture://clock";
/// URI template of the item resources.
pub const ITEM_TEMPLATE: &str = "fixture://items/{id}";
/// The item ids the completion of the template offers.
pub const ITEM_IDS: [&str; 5] = ["1", "2", "3", "10", "42"];
/// Longest URI the server accepts.
pub const MAX_URI_LEN: usize = 4096;

const ITEM_PREFIX: &str = "fixture://items/";

/// The resources as `resources/list` shows them (before pagination).
pub fn list(bugs: &Bugs) -> Vec<Value> {
    let mut greeting = json!({
        "uri": GREETING_URI,
        "name": "greeting",
        "title": "Greeting",
        "mimeType": "text/plain",
        "size": if bugs.resources_wrong_size { 500 } else { 5 }
    });
    if bugs.resources_missing_name
        && let Value::Object(fields) = &mut greeting
    {
        fields.remove("name");
    }
    let mut resources = vec![
        greeting.clone(),
        json!({
            "uri": LOGO_URI,
            "name": "logo",
            "title": "Logo",
            "description": "A one-pixel PNG image",
            "mimeType": "image/png",
            "size": png_1x1().len()
        }),
        json!({
            "uri": CLOCK_URI,
            "name": "clock",
            "title": "Clock",
            "description": "A counter that ticks every 300 ms while subscribed",
            "mimeType": "text/plain"
        }),
    ];
    if bugs.resources_bad_uri {
        resources.push(json!({ "uri": "not a uri", "name": "broken" }));
    }
    if bugs.resources_duplicate_uri {
        resources.push(greeting);
    }
    resources
}

/// The resource templates as `resources/templates/list` shows them (before pagination).
pub fn templates(bugs: &Bugs) -> Vec<Value> {
    let template = if bugs.resources_bad_template {
        "fixture://items/{id"
    } else {
        ITEM_TEMPLATE
    };
    vec![json!({
        "uriTemplate": template,
        "name": "item",
        "title": "Item",
        "mimeType": "text/plain"
    })]
}

/// Why `uri` is not an acceptable resource URI, or `None` when it is well formed.
pub fn malformed(uri: &str) -> Option<&'static str> {
    if uri.len() > MAX_URI_LEN {
        return Some("URI is too long");
    }
    if uri.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Some("URI contains control or space characters");
    }
    if uri.contains(['{', '}']) {
        return Some("a URI template is not a URI");
    }
    let Some((scheme, rest)) = uri.split_once(':') else {
        return Some("URI has no scheme");
    };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return Some("URI has no valid scheme");
    }
    let lowered = rest.to_ascii_lowercase().replace("%2e", ".");
    if lowered.split(['/', '\\']).any(|segment| segment == "..") {
        return Some("URI path escapes its root");
    }
    None
}

/// The content of the resource at `uri` as `resources/read` shows it (a text or blob resource
/// contents object), if there is one. `ticks` is the clock's counter.
pub fn contents(uri: &str, ticks: u64) -> Option<Value> {
    let text = match uri {
        GREETING_URI => "hello".to_owned(),
        LOGO_URI => {
            return Some(json!({
                "uri": uri,
                "mimeType": "image/png",
                "blob": base64_encode(&png_1x1())
            }));
        }
        CLOCK_URI => ticks.to_string(),
        _ => match uri.strip_prefix(ITEM_PREFIX) {
            Some(id) if is_item_id(id) => format!("item {id}"),
            _ => return None,
        },
    };
    Some(json!({ "uri": uri, "mimeType": "text/plain", "text": text }))
}

fn is_item_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn uri_param(params: Params<'_>) -> Result<&str, Reply> {
    let Some(uri) = params.and_then(|p| p.get("uri")) else {
        return Err(Reply::invalid_params("missing uri"));
    };
    uri.as_str()
        .ok_or_else(|| Reply::invalid_params("uri must be a string"))
}

fn not_found(uri: &str) -> Reply {
    Reply::Error {
        code: RESOURCE_NOT_FOUND,
        message: "resource not found".into(),
        data: Some(json!({ "uri": uri })),
    }
}

/// `resources/read`. `ticks` is the clock's current counter.
pub fn read(params: Params, bugs: &Bugs, ticks: u64) -> Result<Reply, Crash> {
    if bugs.wrong_params_accepted && params.and_then(|p| p.get("uri")).is_none() {
        return Ok(Reply::Result(json!({ "contents": [] })));
    }
    let uri = match uri_param(params) {
        Ok(uri) => uri,
        Err(reply) => return Ok(reply),
    };
    if bugs.resources_traversal && uri.contains("..") {
        return Ok(Reply::Result(json!({
            "contents": [{
                "uri": uri,
                "mimeType": "text/plain",
                "text": "root:x:0:0:root:/root:/bin/sh"
            }]
        })));
    }
    if let Some(why) = malformed(uri) {
        if bugs.resources_crash_on_bad_uri {
            return Err(Crash("malformed resource URI"));
        }
        return Ok(Reply::invalid_params(why));
    }
    let Some(mut item) = contents(uri, ticks) else {
        return Ok(if bugs.resources_unknown_uri_wrong_code {
            Reply::error(INTERNAL_ERROR, "internal error")
        } else if bugs.resources_unknown_uri_empty {
            Reply::Result(json!({ "contents": [] }))
        } else {
            not_found(uri)
        });
    };
    if bugs.resources_read_missing_uri
        && let Value::Object(fields) = &mut item
    {
        fields.remove("uri");
    }
    Ok(Reply::Result(json!({ "contents": [item] })))
}

/// The URI `resources/subscribe` or `resources/unsubscribe` names, once checked: a readable
/// resource. Otherwise the error to answer with.
pub fn subscription_target(params: Params, bugs: &Bugs) -> Result<Result<String, Reply>, Crash> {
    let uri = match uri_param(params) {
        Ok(uri) => uri,
        Err(reply) => return Ok(Err(reply)),
    };
    if let Some(why) = malformed(uri) {
        if bugs.resources_crash_on_bad_uri {
            return Err(Crash("malformed resource URI"));
        }
        return Ok(Err(Reply::invalid_params(why)));
    }
    if contents(uri, 0).is_none() {
        return Ok(Err(not_found(uri)));
    }
    Ok(Ok(uri.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::INVALID_PARAMS;

    fn read_clean(uri: &str) -> Reply {
        let params = json!({ "uri": uri });
        read(params.as_object(), &Bugs::default(), 7).expect("no crash")
    }

    fn code(reply: &Reply) -> Option<i64> {
        match reply {
            Reply::Error { code, .. } => Some(*code),
            Reply::Result(_) => None,
        }
    }

    #[test]
    fn malformed_uris_are_invalid_params() {
        let long = format!("fixture://{}", "a".repeat(MAX_URI_LEN));
        for uri in [
            "fixture://items/{id}",
            "no-scheme-here",
            "",
            "1x://a",
            "fixture://items/../../etc/passwd",
            "file:///tmp/%2E%2E/x",
            "fixture://greeting\u{0}",
            "not a uri",
            long.as_str(),
        ] {
            assert_eq!(code(&read_clean(uri)), Some(INVALID_PARAMS), "{uri:?}");
        }
    }

    #[test]
    fn unknown_but_well_formed_uris_are_not_found() {
        for uri in [
            "fixture://items/",
            "file:///etc/passwd",
            "fixture://items/a..b",
        ] {
            assert_eq!(code(&read_clean(uri)), Some(RESOURCE_NOT_FOUND), "{uri}");
        }
    }

    #[test]
    fn every_listed_resource_reads_back_with_its_size() {
        for resource in list(&Bugs::default()) {
            let uri = resource["uri"].as_str().expect("uri");
            let Reply::Result(read) = read_clean(uri) else {
                panic!("{uri} unreadable");
            };
            let item = &read["contents"][0];
            assert_eq!(item["uri"], resource["uri"]);
            assert_eq!(item["mimeType"], resource["mimeType"]);
            if let Some(size) = resource.get("size") {
                let bytes = match item.get("blob").and_then(Value::as_str) {
                    Some(blob) => super::super::media::base64_decode(blob)
                        .expect("base64")
                        .len(),
                    None => item["text"].as_str().expect("text").len(),
                };
                assert_eq!(size, &json!(bytes), "{uri}");
            }
        }
        let Reply::Result(clock) = read_clean(CLOCK_URI) else {
            panic!("clock unreadable");
        };
        assert_eq!(clock["contents"][0]["text"], json!("7"));
    }

    #[test]
    fn item_template_resolves() {
        let Reply::Result(item) = read_clean("fixture://items/7") else {
            panic!("expected a result");
        };
        assert_eq!(item["contents"][0]["text"], json!("item 7"));
        let reply = read(json!({"uri": 123}).as_object(), &Bugs::default(), 0).expect("no crash");
        assert_eq!(code(&reply), Some(INVALID_PARAMS));
    }
}
