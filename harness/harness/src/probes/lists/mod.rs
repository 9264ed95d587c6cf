//! Probes for resources, prompts, completion and pagination: walking paginated lists, reading
//! every listed resource, getting every listed prompt, asking for completions, watching resource
//! subscriptions, plus the small strict parsers they need (RFC 3986 URIs, RFC 6570 URI
//! templates, base64). Every probe works on any server: it exercises whatever the server lists
//! and reports `untestable` when there is nothing to exercise. This file is only the registry
//! of the area's probes and the `check` values they accept; each probe lives in its own module.
//!
//! Not here: tools and their content (`tools/`), logging, progress, cancellation and server
//! requests (`flow/`), and checks that run on every message (the oracles). Cursors are never
//! built, except the deliberately invalid ones of the invalid-cursor check.

mod base64;
mod completion;
mod context;
mod hostile_uris;
mod pagination;
mod prompts;
mod resources;
pub(super) mod rfc3986;
mod rfc6570;
mod subscriptions;
mod undeclared;
mod walk;

use super::ProbeDef;

/// The probes of this area.
pub const PROBES: &[ProbeDef] = &[
    ProbeDef {
        name: "walk-list",
        doc: "args {method: tools/list | resources/list | resources/templates/list | prompts/list, check: terminates | no-repeats | stable-cursor | param-forms | invalid-cursor | foreign-cursor}: pagination checks on one list",
        run: pagination::walk_list,
    },
    ProbeDef {
        name: "resources-list",
        doc: "args {check: valid | unique-uris}: every page of resources/list against the schema, or duplicate URIs across pages",
        run: resources::resources_list,
    },
    ProbeDef {
        name: "resources-read",
        doc: "args {check: contents | size | uris}: reads every listed resource (at most 50) and checks contents, size or RFC 3986 syntax",
        run: resources::resources_read,
    },
    ProbeDef {
        name: "resource-templates",
        doc: "validates every page of resources/templates/list and parses each uriTemplate as RFC 6570 (levels 1-4)",
        run: resources::resource_templates,
    },
    ProbeDef {
        name: "resources-hostile-uris",
        doc: "args {check: traversal | survives}: reads path-traversal URIs (fails on /etc/passwd content) or malformed URIs (fails on a crash or hang)",
        run: hostile_uris::resources_hostile_uris,
    },
    ProbeDef {
        name: "resources-subscribe",
        doc: "args {check: round-trip | only-subscribed | stops-after-unsubscribe | update-uri}: subscribe/unsubscribe results, when notifications/resources/updated arrive, and the URI they carry",
        run: subscriptions::resources_subscribe,
    },
    ProbeDef {
        name: "undeclared-feature",
        doc: "args {capability: tools | resources | prompts | completions | logging | all, check: served | code}: for each capability not declared, the feature's requests are sent; `served`: items served fail, an empty list is non-strict; `code`: anything but error -32601 is non-strict",
        run: undeclared::undeclared_feature,
    },
    ProbeDef {
        name: "prompts-list",
        doc: "validates every page of prompts/list; duplicate prompt names fail, duplicate argument names are non-strict",
        run: prompts::prompts_list,
    },
    ProbeDef {
        name: "prompts-get",
        doc: "args {check: valid | missing-required | non-string | injection | embedded-resources}: prompts/get with filled, missing, non-string or hostile arguments, or the embedded resources in the messages",
        run: prompts::prompts_get,
    },
    ProbeDef {
        name: "completion",
        doc: "args {check: prompt-valid | resource-valid | max-values | total | context | missing-parts | hostile-values | unknown-argument}: completion/complete for every prompt argument and template variable, or for an argument name they do not have",
        run: completion::completion,
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
            "foreign-cursor",
        ],
    ),
    ("resources-list", &["valid", "unique-uris"]),
    ("resources-read", &["contents", "size", "uris"]),
    ("resource-templates", &[]),
    ("resources-hostile-uris", &["traversal", "survives"]),
    (
        "resources-subscribe",
        &[
            "round-trip",
            "only-subscribed",
            "stops-after-unsubscribe",
            "update-uri",
        ],
    ),
    ("undeclared-feature", &["served", "code"]),
    ("prompts-list", &[]),
    (
        "prompts-get",
        &[
            "valid",
            "missing-required",
            "non-string",
            "injection",
            "embedded-resources",
        ],
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
            "unknown-argument",
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::context::arg_str;
    use super::walk::{PROMPTS, RESOURCES, TEMPLATES, TOOLS, list_kind};
    use super::{CHECKS, PROBES, undeclared};

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
                        undeclared::CAPABILITIES
                            .iter()
                            .chain(&["all"])
                            .any(|c| *c == arg_str(&call.args, "capability")),
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
