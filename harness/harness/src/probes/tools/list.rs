//! The `tools-list-walk` probe: one property of the whole `tools/list` (page shape, unique names,
//! input and output schemas, annotations, empty names). Not the walk itself (`walk.rs`) and no
//! `tools/call`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::walk::{Listing, walk};
use super::{
    Checked, Findings, Fut, LIST_CHECKS, Opts, ProbeResult, excerpt, settle, tool_name, violations,
};
use crate::case::model::Verdict;
use crate::r#gen;
use crate::session::Session;

/// Walks every page of `tools/list` and checks one property of the whole list, chosen by
/// `args.check`: `list-shape` (each page is a valid ListToolsResult, TOOLS-002), `unique-names`
/// (no name twice across pages, TOOLS-003), `input-schema` (each inputSchema has type object and
/// compiles, TOOLS-004), `output-schema` (each outputSchema likewise, TOOLS-005), `annotations`
/// (ToolAnnotations types, TOOLS-015), `names` (no empty name, non-strict, TOOLS-018).
pub fn tools_list_walk<'a>(s: &'a mut Session, args: &'a Value) -> Fut<'a> {
    Box::pin(async move {
        let o = Opts::new(args);
        if let Some(stop) = o.unknown_check("tools-list-walk", LIST_CHECKS) {
            return stop;
        }
        let listing = walk(s, &o).await;
        if let Some(stop) = listing.gone_result() {
            return stop;
        }
        if o.check == "list-shape" {
            return settle(list_shape(s, &listing));
        }
        if let Some(stop) = listing.empty_result() {
            return stop;
        }
        match o.check.as_str() {
            "unique-names" => unique_names(&listing.tools),
            "input-schema" => tool_schemas(&listing.tools, "inputSchema"),
            "output-schema" => tool_schemas(&listing.tools, "outputSchema"),
            "annotations" => settle(annotation_types(s, &listing.tools)),
            _ => empty_names(&listing.tools),
        }
    })
}

fn list_shape(s: &Session, listing: &Listing) -> Checked {
    let mut f = Findings::new();
    if let Some((verdict, why)) = &listing.problem {
        f.add(
            *verdict,
            why.clone(),
            "every tools/list page answered with a ListToolsResult",
            why.clone(),
        );
    }
    for (i, page) in listing.pages.iter().enumerate() {
        for v in violations(s, "ListToolsResult", page)?.iter().take(5) {
            f.add(
                Verdict::Fail,
                format!(
                    "page {} of tools/list is not a valid ListToolsResult: {v}",
                    i + 1
                ),
                "a result valid against ListToolsResult",
                crate::wire::excerpt(
                    &page
                        .pointer(&v.instance_path)
                        .map(Value::to_string)
                        .unwrap_or_else(|| "(absent)".into()),
                ),
            );
        }
    }
    Ok(f.finish())
}

fn unique_names(tools: &[Value]) -> ProbeResult {
    let mut f = Findings::new();
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for t in tools {
        if let Some(n) = tool_name(t) {
            *count.entry(n).or_default() += 1;
        }
    }
    for (name, n) in count.iter().filter(|(_, n)| **n > 1) {
        f.add(
            Verdict::Fail,
            format!("tool name `{name}` appears {n} times across the pages of tools/list"),
            "each tool name once",
            format!("`{name}` x{n}"),
        );
    }
    f.finish()
}

/// TOOLS-004 / TOOLS-005: `type` must be "object" and the schema must compile in its dialect.
fn tool_schemas(tools: &[Value], member: &str) -> ProbeResult {
    let mut f = Findings::new();
    let mut seen = 0;
    for t in tools {
        let name = tool_name(t).unwrap_or("(unnamed)");
        let Some(schema) = t.get(member) else {
            if member == "inputSchema" {
                f.add(
                    Verdict::Fail,
                    format!("tool `{name}` has no inputSchema"),
                    "an inputSchema object",
                    "(absent)".into(),
                );
            }
            continue;
        };
        seen += 1;
        if !schema.is_object() {
            f.add(
                Verdict::Fail,
                format!("tool `{name}`: {member} is not a JSON object"),
                "a JSON Schema object",
                excerpt(schema),
            );
            continue;
        }
        if schema.get("type") != Some(&Value::String("object".into())) {
            f.add(
                Verdict::Fail,
                format!("tool `{name}`: {member} does not have type \"object\""),
                "type: \"object\"",
                excerpt(schema.get("type").unwrap_or(&Value::Null)),
            );
        }
        if let Err(why) = r#gen::compile(schema, false) {
            let verdict = if r#gen::has_external_ref(schema) {
                // Not fetched by design (no network): cannot tell whether it would compile.
                Verdict::Informational
            } else {
                Verdict::Fail
            };
            f.add(
                verdict,
                format!("tool `{name}`: {member} does not compile as JSON Schema: {why}"),
                "a JSON Schema that compiles (draft-07, or the dialect its $schema names)",
                excerpt(schema),
            );
        }
    }
    if member == "outputSchema" {
        return f.finish_seen(seen, "no tool declares an outputSchema");
    }
    f.finish()
}

fn annotation_types(s: &Session, tools: &[Value]) -> Checked {
    let mut f = Findings::new();
    let mut seen = 0;
    for t in tools {
        let Some(a) = t.get("annotations") else {
            continue;
        };
        seen += 1;
        let name = tool_name(t).unwrap_or("(unnamed)");
        for v in violations(s, "ToolAnnotations", a)?.iter().take(3) {
            f.add(
                Verdict::Fail,
                format!("tool `{name}`: annotations are not valid ToolAnnotations: {v}"),
                "title a string; readOnlyHint, destructiveHint, idempotentHint, openWorldHint booleans",
                excerpt(a),
            );
        }
    }
    Ok(f.finish_seen(seen, "no tool carries annotations"))
}

fn empty_names(tools: &[Value]) -> ProbeResult {
    let mut f = Findings::new();
    for (i, t) in tools.iter().enumerate() {
        if tool_name(t).is_some_and(|n| n.trim().is_empty()) {
            f.add(
                Verdict::NonStrict,
                format!("tool {i} of tools/list has an empty name"),
                "a non-empty programmatic name",
                excerpt(t.get("name").unwrap_or(&Value::Null)),
            );
        }
    }
    f.finish()
}
