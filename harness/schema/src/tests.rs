//! Unit tests of the compiled schema and the methods table; not the oracle comparison (see tests/oracle.rs).

use super::*;
use serde_json::json;
use std::collections::BTreeSet;

fn schema() -> &'static Schema {
    match Schema::try_for_revision("2025-06-18") {
        Ok(schema) => schema,
        Err(e) => panic!("embedded schema must build: {e}"),
    }
}

fn paths(violations: &[SchemaViolation]) -> BTreeSet<String> {
    violations.iter().map(|v| v.instance_path.clone()).collect()
}

fn violations(definition: &str, value: &Value) -> Vec<SchemaViolation> {
    schema()
        .validate(definition, value)
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn embedded_revision_builds_once_and_is_shared() {
    let first = schema();
    let again = Schema::for_revision("2025-06-18").map(|s| s as *const Schema);
    assert_eq!(again, Some(first as *const Schema));
    assert_eq!(first.revision(), "2025-06-18");
    assert_eq!(REVISIONS, &["2025-06-18"]);
    for revision in REVISIONS {
        assert!(Schema::for_revision(revision).is_some(), "{revision}");
    }
}

#[test]
fn unknown_revision_has_no_schema() {
    assert!(Schema::for_revision("2024-11-05").is_none());
    let err = Schema::try_for_revision("1999-01-01").unwrap_err();
    assert_eq!(err.revision, "1999-01-01");
    assert!(err.definition.is_none());
    assert!(methods("1999-01-01").is_empty());
}

#[test]
fn definitions_are_complete_and_sorted() {
    let s = schema();
    let names = s.definitions();
    assert_eq!(names.len(), 91);
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    for expected in [
        "JSONRPCMessage",
        "InitializeRequest",
        "ContentBlock",
        "ElicitRequest",
        "PrimitiveSchemaDefinition",
        "EmptyResult",
    ] {
        assert!(s.has(expected), "{expected}");
    }
    assert!(!s.has("Nope"));
    let raw_defs = s.raw()["definitions"].as_object().map(|m| m.len());
    assert_eq!(raw_defs, Some(91));
    assert_eq!(
        s.raw()["$schema"],
        json!("http://json-schema.org/draft-07/schema#")
    );
}

#[test]
fn unknown_definition_is_an_error() {
    let s = schema();
    let err = s.validate("Nope", &json!({})).unwrap_err();
    assert_eq!(err, UnknownDefinition("Nope".to_owned()));
    assert!(err.to_string().contains("Nope"));
    assert!(s.is_valid("Nope", &json!({})).is_err());
}

#[test]
fn valid_initialize_request_has_no_violations() {
    let value = json!({
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {"roots": {"listChanged": true}, "sampling": {}, "experimental": {"x": {}}},
            "clientInfo": {"name": "mcpspec", "version": "0.1.0", "title": "mcpspec"},
            "_meta": {"progressToken": 1}
        }
    });
    assert_eq!(violations("InitializeRequest", &value), Vec::new());
    assert_eq!(schema().is_valid("InitializeRequest", &value), Ok(true));
}

#[test]
fn initialize_request_missing_client_version_points_inside_params() {
    let value = json!({
        "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "x"}}
    });
    let found = violations("InitializeRequest", &value);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].instance_path, "/params/clientInfo");
    assert!(found[0].schema_path.ends_with("/required"), "{found:?}");
    assert!(found[0].message.contains("version"), "{found:?}");
    assert_eq!(schema().is_valid("InitializeRequest", &value), Ok(false));
}

#[test]
fn list_tools_result_reports_every_broken_spot() {
    let value = json!({
        "nextCursor": 7,
        "tools": [
            {"name": "ok", "inputSchema": {"type": "object"}},
            {"inputSchema": {"type": "object"}},
            {"name": "bad", "inputSchema": {"type": "object"}, "annotations": {"readOnlyHint": "yes"}},
            {"name": "str", "inputSchema": {"type": "string"}}
        ]
    });
    let found = violations("ListToolsResult", &value);
    let expected: BTreeSet<String> = [
        "/nextCursor",
        "/tools/1",
        "/tools/2/annotations/readOnlyHint",
        "/tools/3/inputSchema/type",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(paths(&found), expected, "{found:?}");
    assert_eq!(found.len(), 4, "{found:?}");
}

#[test]
fn byte_format_is_strict_padded_base64() {
    let image = |data: &str| json!({"type": "image", "mimeType": "image/png", "data": data});
    assert!(violations("ImageContent", &image("aGVsbG8=")).is_empty());
    assert!(violations("ImageContent", &image("")).is_empty());
    for bad in ["%%%", "aGVsbG8", "aGVs bG8=", "aGVsbG8=\n", "aGVsbG8_"] {
        let found = violations("ImageContent", &image(bad));
        assert_eq!(
            paths(&found),
            BTreeSet::from(["/data".to_owned()]),
            "{bad:?}"
        );
        assert!(found[0].message.contains("byte"), "{found:?}");
    }
    let blob = json!({"uri": "file:///a.bin", "blob": "not base64!"});
    assert_eq!(
        paths(&violations("BlobResourceContents", &blob)),
        BTreeSet::from(["/blob".to_owned()])
    );
    assert!(is_strict_base64("AAEC"));
    assert!(!is_strict_base64("AAE"));
}

#[test]
fn uri_and_uri_template_formats_are_asserted() {
    let resource = |uri: &str| json!({"uri": uri, "name": "r"});
    assert!(violations("Resource", &resource("fixture://greeting")).is_empty());
    for bad in ["not a uri", "relative/path"] {
        assert_eq!(
            paths(&violations("Resource", &resource(bad))),
            BTreeSet::from(["/uri".to_owned()]),
            "{bad:?}"
        );
    }
    let template = |t: &str| json!({"uriTemplate": t, "name": "t"});
    assert!(violations("ResourceTemplate", &template("fixture://items/{id}")).is_empty());
    assert_eq!(
        paths(&violations(
            "ResourceTemplate",
            &template("fixture://items/{id")
        )),
        BTreeSet::from(["/uriTemplate".to_owned()])
    );
}

#[test]
fn numeric_bounds_and_types() {
    for ok in [0.0, 0.5, 1.0] {
        assert!(violations("Annotations", &json!({"priority": ok})).is_empty());
    }
    for bad in [json!(-0.1), json!(1.5), json!("high")] {
        assert_eq!(
            paths(&violations("Annotations", &json!({"priority": bad}))),
            BTreeSet::from(["/priority".to_owned()])
        );
    }
    let number_schema = json!({"type": "number", "minimum": 0.5, "maximum": 10.25});
    assert!(violations("NumberSchema", &number_schema).is_empty());
    let wrong = json!({"type": "float", "minimum": "0"});
    assert_eq!(
        paths(&violations("NumberSchema", &wrong)),
        BTreeSet::from(["/type".to_owned(), "/minimum".to_owned()])
    );
    assert!(
        violations(
            "ElicitResult",
            &json!({"action": "accept", "content": {"n": 3}})
        )
        .is_empty()
    );
    assert_eq!(
        paths(&violations(
            "ElicitResult",
            &json!({"action": "accept", "content": {"n": 3.5}})
        )),
        BTreeSet::from(["/content/n".to_owned()])
    );
}

#[test]
fn json_rpc_error_envelope() {
    let ok = json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32601, "message": "nope"}});
    assert!(violations("JSONRPCError", &ok).is_empty());
    let bad = json!({"jsonrpc": "1.0", "id": null, "error": {"code": "-32601", "message": "nope"}});
    assert_eq!(
        paths(&violations("JSONRPCError", &bad)),
        BTreeSet::from([
            "/jsonrpc".to_owned(),
            "/id".to_owned(),
            "/error/code".to_owned()
        ])
    );
}

#[test]
fn violation_display_and_long_messages() {
    let v = SchemaViolation {
        instance_path: String::new(),
        schema_path: "/x".to_owned(),
        message: "m".to_owned(),
    };
    assert_eq!(v.to_string(), "(root): m");
    let long = "é".repeat(MAX_MESSAGE_LEN);
    let cut = shorten(long);
    assert!(cut.len() <= MAX_MESSAGE_LEN + "…".len());
    assert!(cut.ends_with('…'));
    // a huge instance inside an anyOf failure still yields a bounded message
    let big = json!({"huge": "x".repeat(10_000)});
    let found = violations("ContentBlock", &big);
    assert!(!found.is_empty());
    assert!(found.iter().all(|v| v.message.len() <= MAX_MESSAGE_LEN + 3));
}

#[test]
fn compile_rejects_documents_without_definitions() {
    for raw in [
        json!({}),
        json!({"definitions": {}}),
        json!({"definitions": []}),
    ] {
        let err = Schema::compile("test", raw).unwrap_err();
        assert!(err.definition.is_none(), "{err}");
    }
    let err = Schema::compile("test", json!({"$id": 3, "definitions": {"A": {}}})).unwrap_err();
    assert!(err.message.contains("$id"), "{err}");
}

#[test]
fn compile_names_the_definition_that_fails() {
    let unknown_format = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": {
            "Fine": {"type": "string"},
            "Odd": {"type": "string", "format": "no-such-format"}
        }
    });
    let err = Schema::compile("test", unknown_format).unwrap_err();
    assert_eq!(err.definition.as_deref(), Some("Odd"), "{err}");
    assert!(err.to_string().contains("Odd"));

    let dangling = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": {"Holder": {"properties": {"x": {"$ref": "#/definitions/Missing"}}}}
    });
    let err = Schema::compile("test", dangling).unwrap_err();
    assert_eq!(err.definition.as_deref(), Some("Holder"), "{err}");
}

#[test]
fn compile_handles_names_needing_escapes() {
    let raw = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "urn:mcpspec:test:escapes",
        "definitions": {
            "a/b c~d": {"type": "integer"},
            "Plain": {"type": "object", "properties": {"v": {"$ref": "#/definitions/a~1b%20c~0d"}}}
        }
    });
    let s = match Schema::compile("test", raw) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(s.definitions(), vec!["Plain", "a/b c~d"]);
    assert_eq!(s.is_valid("a/b c~d", &json!(3)), Ok(true));
    assert_eq!(s.is_valid("a/b c~d", &json!("3")), Ok(false));
    let found = s
        .validate("Plain", &json!({"v": "x"}))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(paths(&found), BTreeSet::from(["/v".to_owned()]));
}

#[test]
fn every_method_names_existing_definitions() {
    let s = schema();
    let table = methods("2025-06-18");
    assert_eq!(table.len(), 28);
    for info in table {
        assert!(s.has(info.definition), "{info:?}");
        match info.kind {
            MethodKind::Request => {
                let result = info.result.unwrap_or_else(|| panic!("{info:?}"));
                assert!(s.has(result), "{info:?}");
            }
            MethodKind::Notification => assert_eq!(info.result, None, "{info:?}"),
        }
        // the definition pins the method name it stands for
        let pinned = &s.raw()["definitions"][info.definition]["properties"]["method"]["const"];
        assert_eq!(pinned, &json!(info.method), "{info:?}");
    }
    let mut seen = BTreeSet::new();
    for info in table {
        assert!(
            seen.insert((info.method, info.direction == Direction::ClientToServer)),
            "duplicate {info:?}"
        );
    }
}

#[test]
fn method_lookup_by_direction() {
    let r = "2025-06-18";
    for dir in [Direction::ClientToServer, Direction::ServerToClient] {
        for name in ["ping", "notifications/cancelled", "notifications/progress"] {
            let info = method(r, name, dir).unwrap_or_else(|| panic!("{name} {dir:?}"));
            assert_eq!(info.capability, None);
            assert_eq!(info.direction, dir);
        }
    }
    let ping = method(r, "ping", Direction::ServerToClient);
    assert_eq!(ping.and_then(|i| i.result), Some("EmptyResult"));
    let sampling = method(r, "sampling/createMessage", Direction::ServerToClient);
    assert_eq!(sampling.and_then(|i| i.capability), Some("sampling"));
    assert!(method(r, "sampling/createMessage", Direction::ClientToServer).is_none());
    let tools = method(r, "tools/list", Direction::ClientToServer);
    assert_eq!(tools.and_then(|i| i.capability), Some("tools"));
    assert_eq!(tools.map(|i| i.kind), Some(MethodKind::Request));
    let init = method(r, "initialize", Direction::ClientToServer);
    assert_eq!(init.and_then(|i| i.result), Some("InitializeResult"));
    assert!(method(r, "initialize", Direction::ServerToClient).is_none());
    let log = method(r, "notifications/message", Direction::ServerToClient);
    assert_eq!(log.and_then(|i| i.capability), Some("logging"));
    assert_eq!(log.map(|i| i.kind), Some(MethodKind::Notification));
    assert!(method(r, "notifications/initialized", Direction::ClientToServer).is_some());
    assert!(method(r, "notifications/initialized", Direction::ServerToClient).is_none());
    assert!(method(r, "tools/frobnicate", Direction::ClientToServer).is_none());
    assert!(method("2024-11-05", "ping", Direction::ClientToServer).is_none());
}

#[test]
fn union_definitions_cover_the_methods_table() {
    // every client request in the table is accepted by ClientRequest, every server one by ServerRequest
    let s = schema();
    for info in methods("2025-06-18") {
        let definition = &s.raw()["definitions"][info.definition];
        let required = definition["required"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut sample = json!({"method": info.method});
        if required.contains(&json!("params")) {
            // methods with mandatory params need hand-made params; the corpus covers those
            continue;
        }
        sample["params"] = json!({});
        let union = match (info.direction, info.kind) {
            (Direction::ClientToServer, MethodKind::Request) => "ClientRequest",
            (Direction::ClientToServer, MethodKind::Notification) => "ClientNotification",
            (Direction::ServerToClient, MethodKind::Request) => "ServerRequest",
            (Direction::ServerToClient, MethodKind::Notification) => "ServerNotification",
        };
        assert_eq!(s.is_valid(union, &sample), Ok(true), "{info:?}");
        assert_eq!(s.is_valid(info.definition, &sample), Ok(true), "{info:?}");
    }
}
