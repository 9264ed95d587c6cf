//! The bug-knob registry: a struct of named switches that each turn the clean server into one
//! specific misbehaviour, plus the table `--list-bugs` prints. It is not where the misbehaviours
//! are implemented; each knob's behaviour sits next to the clean code it changes.
//!
//! # Adding a knob
//!
//! 1. Add one line `field_name = "kebab-name", "one-line description";` to the `knobs!` table
//!    below. The field, its documentation, the [`KNOBS`] entry `--list-bugs` prints and the
//!    name lookup behind `--bug` all come from that line, so they cannot drift apart.
//!    Name the field after the kebab-case knob with `-` turned into `_`.
//! 2. Implement the behaviour next to the clean code it changes, guarded by `if bugs.field_name`:
//!    the writer in `output.rs` for anything about how messages look on the wire, `server.rs` for
//!    lifecycle, envelopes and notifications, `workers.rs` for work done on other threads (slow
//!    calls, requests to the client, the clock), the `features` modules for method results, and
//!    `http/` for Streamable HTTP knobs (`http-…`) and `--require-bearer` knobs (`auth-…`), which
//!    have no effect over stdio.
//! 3. Add the knob to the expected list in this module's test and to the contract table that
//!    case files rely on (`"self_test": { "breaks_with": "kebab-name" }`), and give it an
//!    end-to-end test in `tests/` that shows the misbehaviour on the wire.

/// Declares [`Bugs`], [`KNOBS`] and the name lookup from one table of
/// `field = "kebab-name", "description";` lines.
macro_rules! knobs {
    ($($field:ident = $name:literal, $doc:literal;)*) => {
        /// The set of enabled misbehaviours. The default (all `false`) is a correct 2025-06-18
        /// server. Each field is documented with its knob name and the misbehaviour it causes.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct Bugs {
            $(
                #[doc = concat!("`", $name, "`: ", $doc, ".")]
                pub $field: bool,
            )*
        }

        /// Every knob as `(kebab-case name, one-line description)`, in the order of the
        /// [`Bugs`] fields.
        pub const KNOBS: &[(&str, &str)] = &[$(($name, $doc),)*];

        impl Bugs {
            /// The field behind the knob called `name`, or `None` for an unknown name.
            fn flag_mut(&mut self, name: &str) -> Option<&mut bool> {
                match name {
                    $($name => Some(&mut self.$field),)*
                    _ => None,
                }
            }
        }
    };
}

knobs! {
    wrong_jsonrpc_version = "wrong-jsonrpc-version",
        r#"every response carries "jsonrpc":"1.0""#;
    stringify_ids = "stringify-ids",
        "integer request ids are echoed as strings";
    coerce_string_ids = "coerce-string-ids",
        r#"all-digit string ids are echoed as integers, "" as null"#;
    ascii_only_ids = "ascii-only-ids",
        "non-ASCII characters in string ids are echoed as '?'";
    truncate_long_ids = "truncate-long-ids",
        "string ids longer than 255 bytes are echoed truncated to 255 bytes";
    result_and_error = "result-and-error",
        r#"error responses also carry "result":{}"#;
    empty_result_as_null = "empty-result-as-null",
        "every empty result {} is sent as null";
    error_code_as_string = "error-code-as-string",
        "error codes are sent as strings";
    error_message_multiline = "error-message-multiline",
        "error messages are long multi-line fake stack traces";
    respond_to_notifications = "respond-to-notifications",
        "every notification gets a reply with id null and result {}";
    unknown_method_wrong_code = "unknown-method-wrong-code",
        "unknown methods get -32603 instead of -32601";
    crash_on_parse_error = "crash-on-parse-error",
        "unparseable input makes the process exit 1";
    parse_error_silent = "parse-error-silent",
        "unparseable input is ignored without a reply";
    lenient_envelope = "lenient-envelope",
        r#"requests with jsonrpc missing or not "2.0" are served"#;
    crash_on_invalid_request = "crash-on-invalid-request",
        "a structurally invalid request makes the process exit 1";
    null_id_executed = "null-id-executed",
        "a request with id null is served normally";
    accept_positional_params = "accept-positional-params",
        "array params are accepted as if absent";
    crash_on_batch = "crash-on-batch",
        "a top-level JSON array makes the process exit 1";
    reject_unknown_meta = "reject-unknown-meta",
        "params._meta keys other than progressToken get -32602";
    ping_rejects_params = "ping-rejects-params",
        "ping with any params gets -32602";
    bad_meta_key = "bad-meta-key",
        r#"the initialize result carries "_meta":{"bad key!":1}"#;
    initialize_missing_server_info = "initialize-missing-server-info",
        "the initialize result has no serverInfo";
    echo_wrong_protocol_version = "echo-wrong-protocol-version",
        "a request for 2025-06-18 is answered with 2025-03-26";
    echo_any_protocol_version = "echo-any-protocol-version",
        "any requested protocol version is echoed back";
    offer_oldest_version = "offer-oldest-version",
        "an unsupported version is answered with 2024-11-05";
    reject_unknown_capabilities = "reject-unknown-capabilities",
        "client capabilities other than roots/sampling/elicitation get -32602";
    accept_incomplete_initialize = "accept-incomplete-initialize",
        "an initialize missing required params is answered normally";
    ping_requires_initialize = "ping-requires-initialize",
        "ping before initialize gets -32600";
    crash_before_initialize = "crash-before-initialize",
        "a request other than ping/initialize before initialize exits 1";
    crash_on_second_initialize = "crash-on-second-initialize",
        "a second initialize makes the process exit 1";
    request_before_initialized = "request-before-initialized",
        r#"roots/list (id "srv-1") is sent before notifications/initialized"#;
    sampling_without_capability = "sampling-without-capability",
        r#"sampling/createMessage (id "srv-s1") is sent whatever the client declared"#;
    reuse_server_request_ids = "reuse-server-request-ids",
        r#"two server pings share the id "srv-dup""#;
    undeclared_log_notification = "undeclared-log-notification",
        "logging is not declared but the ready log message is sent";
    notification_with_id = "notification-with-id",
        r#"the ready log notification carries "id":99"#;
    tools_list_invalid_schema = "tools-list-invalid-schema",
        r#"tools/list has a tool whose inputSchema is {"type":"string"}"#;
    duplicate_responses = "duplicate-responses",
        "every response is written twice";
    ignore_stdin_close = "ignore-stdin-close",
        "the process keeps running after stdin EOF";
    pretty_print_responses = "pretty-print-responses",
        "responses are written as pretty-printed multi-line JSON";
    stdout_log_noise = "stdout-log-noise",
        r#""fixture server ready" is printed to stdout at start-up"#;
    latin1_output = "latin1-output",
        "serverInfo.title is written with a raw 0xE9 byte (invalid UTF-8)";
    crlf_line_endings = "crlf-line-endings",
        r#"output lines end with "\r\n""#;
    parse_each_read = "parse-each-read",
        "each read() of stdin is treated as exactly one message";
    crash_on_blank_line = "crash-on-blank-line",
        "an empty or whitespace-only input line makes the process exit 1";
    ping_result_not_empty = "ping-result-not-empty",
        r#"ping is answered with {"pong":true}"#;
    slow_ping = "slow-ping",
        "ping is answered after 3 s";
    tools_duplicate_names = "tools-duplicate-names",
        r#"tools/list returns "echo" a second time on the last page"#;
    tools_bad_output_schema = "tools-bad-output-schema",
        r#"add's outputSchema is {"type":"array"}"#;
    tools_missing_structured_content = "tools-missing-structured-content",
        "add's result has no structuredContent";
    tools_structured_content_mismatch = "tools-structured-content-mismatch",
        r#"add's structuredContent is {"sum":"three"}"#;
    tools_no_text_fallback = "tools-no-text-fallback",
        "add's result has an empty content array (no serialised JSON text block)";
    tools_unknown_tool_result = "tools-unknown-tool-result",
        "an unknown tool name gets an isError result instead of an error";
    tools_invalid_args_succeed = "tools-invalid-args-succeed",
        "invalid tool arguments get a normal success result";
    tools_crash_on_invalid_args = "tools-crash-on-invalid-args",
        "invalid tool arguments make the process exit 1";
    tools_call_missing_content = "tools-call-missing-content",
        "every tools/call result lacks content";
    tools_require_arguments = "tools-require-arguments",
        "tools/call without an arguments member gets -32602";
    tools_bad_annotations = "tools-bad-annotations",
        r#"echo's annotations.readOnlyHint is the string "yes""#;
    tools_fail_as_error = "tools-fail-as-error",
        "the fail tool answers with a -32603 error instead of an isError result";
    content_bad_base64 = "content-bad-base64",
        r#"mixed_content's image data is "%%not-base64%%""#;
    content_bad_mime = "content-bad-mime",
        r#"mixed_content's image mimeType is "png""#;
    content_unknown_type = "content-unknown-type",
        r#"mixed_content adds a block of type "video""#;
    content_bad_annotations = "content-bad-annotations",
        r#"the text block's annotations are {audience:["robot"], priority:2}"#;
    content_bad_last_modified = "content-bad-last-modified",
        r#"the text block's annotations.lastModified is "yesterday""#;
    content_text_and_blob = "content-text-and-blob",
        "mixed_content's embedded resource carries both text and blob";
    no_resources_capability = "no-resources-capability",
        "the resources capability is not declared (resources are still served)";
    resources_missing_name = "resources-missing-name",
        "resources/list returns a resource without name";
    resources_duplicate_uri = "resources-duplicate-uri",
        "resources/list returns fixture://greeting twice, on different pages";
    resources_read_missing_uri = "resources-read-missing-uri",
        "resources/read contents items lack uri";
    resources_unknown_uri_wrong_code = "resources-unknown-uri-wrong-code",
        "an unknown resource URI gets -32603";
    resources_unknown_uri_empty = "resources-unknown-uri-empty",
        "an unknown resource URI gets {contents: []}";
    resources_bad_template = "resources-bad-template",
        r#"the resource template is "fixture://items/{id""#;
    resources_subscribe_fails = "resources-subscribe-fails",
        "resources/subscribe gets -32601 though subscribe is declared";
    resources_updated_unsubscribed = "resources-updated-unsubscribed",
        "unsolicited resources/updated for fixture://greeting after initialized and resources/list";
    resources_updates_after_unsubscribe = "resources-updates-after-unsubscribe",
        "clock updates continue after unsubscribe";
    resources_bad_uri = "resources-bad-uri",
        r#"resources/list returns a resource whose uri is "not a uri""#;
    resources_traversal = "resources-traversal",
        r#"resources/read of a URI containing ".." returns a passwd line"#;
    resources_crash_on_bad_uri = "resources-crash-on-bad-uri",
        "a malformed resource URI makes the process exit 1";
    resources_wrong_size = "resources-wrong-size",
        "greeting's size is 500";
    prompts_duplicate_names = "prompts-duplicate-names",
        "prompts/list returns greet twice";
    prompts_bad_role = "prompts-bad-role",
        r#"prompts/get messages use role "system""#;
    prompts_unknown_name_result = "prompts-unknown-name-result",
        "an unknown prompt name gets a result with one message";
    prompts_missing_arg_accepted = "prompts-missing-arg-accepted",
        "a missing required prompt argument gets a normal result";
    prompts_non_string_arg_accepted = "prompts-non-string-arg-accepted",
        "a non-string prompt argument value is converted and accepted";
    prompts_crash_on_injection = "prompts-crash-on-injection",
        r#"a prompt argument value containing "{{" makes the process exit 1"#;
    logging_setlevel_fails = "logging-setlevel-fails",
        "logging/setLevel gets -32602 for every level";
    logging_invalid_level_accepted = "logging-invalid-level-accepted",
        "logging/setLevel with an invalid level gets {}";
    logging_ignores_level = "logging-ignores-level",
        "log messages below the set level are still sent";
    logging_bad_level_value = "logging-bad-level-value",
        r#"log notifications carry level "verbose""#;
    completion_too_many_values = "completion-too-many-values",
        "completion returns 150 values";
    completion_total_too_small = "completion-total-too-small",
        "completion total is 0 while values are returned";
    completion_values_not_strings = "completion-values-not-strings",
        "completion values are numbers";
    completion_reject_context = "completion-reject-context",
        "completion with context.arguments gets -32602";
    completion_unknown_prompt_empty = "completion-unknown-prompt-empty",
        "an unknown prompt ref gets {completion:{values:[]}}";
    completion_missing_argument_accepted = "completion-missing-argument-accepted",
        "completion without argument or argument.value gets an empty result";
    completion_template_fails = "completion-template-fails",
        "completion for ref/resource gets -32603";
    pagination_repeat_items = "pagination-repeat-items",
        "the second page of every list repeats the first page's items";
    pagination_endless = "pagination-endless",
        "the last page of every list has a nextCursor back to the first page";
    pagination_invalid_cursor_accepted = "pagination-invalid-cursor-accepted",
        "an unknown cursor returns the first page";
    pagination_unstable_cursor = "pagination-unstable-cursor",
        "the same cursor gives a different page every second call";
    progress_wrong_token = "progress-wrong-token",
        r#"progress notifications carry an integer token as a string ("x"+token for strings)"#;
    progress_not_increasing = "progress-not-increasing",
        "progress values are 2,1,3";
    progress_after_response = "progress-after-response",
        "one more progress notification follows the slow tool's response";
    progress_without_token = "progress-without-token",
        r#"the slow tool sends progress with token "unsolicited" when none was given"#;
    cancel_ignored = "cancel-ignored",
        "a cancelled slow call still sends its response";
    cancel_crash = "cancel-crash",
        "notifications/cancelled for an in-flight request makes the process exit 1";
    cancel_reply_error = "cancel-reply-error",
        "notifications/cancelled for an unknown id gets an error reply with id null";
    sampling_bad_params = "sampling-bad-params",
        "sampling/createMessage params lack maxTokens";
    elicitation_bad_schema = "elicitation-bad-schema",
        "the elicitation requestedSchema has a nested object property";
    elicitation_ignores_validation = "elicitation-ignores-validation",
        "accepted elicitation content that breaks the schema is used as valid";
    roots_bad_params = "roots-bad-params",
        r#"roots/list is sent with params {"cursor":5}"#;
    elicitation_without_capability = "elicitation-without-capability",
        "the elicit tool sends elicitation/create without the client capability";
    roots_without_capability = "roots-without-capability",
        "the roots tool sends roots/list without the client capability";
    server_cancel_unknown_request = "server-cancel-unknown-request",
        r#"after initialized, cancels "srv-never", a request the server never issued"#;
    no_tools_capability = "no-tools-capability",
        "the tools capability is not declared (tools are still served)";
    no_prompts_capability = "no-prompts-capability",
        "the prompts capability is not declared (prompts are still served)";
    no_completions_capability = "no-completions-capability",
        "the completions capability is not declared (completion is still served)";
    undeclared_method_wrong_code = "undeclared-method-wrong-code",
        "completions is not declared and completion/complete gets -32603";
    wrong_params_accepted = "wrong-params-accepted",
        "tools/call without name, resources/read without uri, prompts/get with a non-string name succeed";
    ping_waits_for_calls = "ping-waits-for-calls",
        "ping is answered only once no tools/call is running (waits at most 10 s)";
    tools_empty_name = "tools-empty-name",
        "tools/list ends with a tool whose name is the empty string";
    roots_ignore_list_changed = "roots-ignore-list-changed",
        "notifications/roots/list_changed does not make the server fetch the roots again";
    crash_on_reused_id = "crash-on-reused-id",
        "a request reusing the id of a running tools/call makes the process exit 1";
    reply_to_stray_response = "reply-to-stray-response",
        "a response to no request the server sent gets a -32600 error with its id";
    completion_unknown_argument_values = "completion-unknown-argument-values",
        r#"completion of an argument the prompt does not have returns ["alpha","beta"]"#;
    pagination_foreign_cursor_accepted = "pagination-foreign-cursor-accepted",
        "a cursor issued by another list method is accepted";
    prompts_bad_embedded_resource = "prompts-bad-embedded-resource",
        "the embedded_resource prompt's resource has neither text nor blob";
    content_bad_link_uri = "content-bad-link-uri",
        r#"mixed_content's resource_link uri is "not a uri""#;
    resources_updated_bad_uri = "resources-updated-bad-uri",
        r#"resources/updated notifications for subscriptions carry uri "clock updated""#;
    http_notification_200 = "http-notification-200",
        "HTTP: an accepted POSTed notification or response gets 200 with the body {} instead of 202";
    http_rejected_notification_200 = "http-rejected-notification-200",
        "HTTP: a POSTed notification the server rejects gets 200 and an error body with id 0";
    http_content_type_text_plain = "http-content-type-text-plain",
        "HTTP: answers to POSTed requests are labelled Content-Type: text/plain";
    http_json_array = "http-json-array",
        "HTTP: the JSON body answering initialize is wrapped in a one-element array";
    http_get_json = "http-get-json",
        "HTTP: a GET with a valid session gets 200 application/json {} instead of an event stream";
    http_session_id_space = "http-session-id-space",
        "HTTP: session ids are two random halves joined by a space";
    http_missing_session_served = "http-missing-session-served",
        "HTTP: a POST without Mcp-Session-Id is served by the newest live session";
    http_ended_session_served = "http-ended-session-served",
        "HTTP: DELETE answers 200 but the session goes on working";
    http_unknown_session_400 = "http-unknown-session-400",
        "HTTP: a session id never issued gets 400 instead of 404";
    http_delete_500 = "http-delete-500",
        "HTTP: DELETE of a live session gets 500 and the session is not ended";
    http_no_session_after_end = "http-no-session-after-end",
        "HTTP: once any session was ended with DELETE, every later initialize without a session gets 400";
    http_version_header_ignored = "http-version-header-ignored",
        "HTTP: an unsupported MCP-Protocol-Version header is accepted";
    http_version_header_required = "http-version-header-required",
        "HTTP: a request other than initialize without MCP-Protocol-Version gets 400";
    http_no_origin_check = "http-no-origin-check",
        "HTTP: a foreign Origin is accepted instead of refused with 403";
    http_sse_stays_open = "http-sse-stays-open",
        "HTTP: a POST's event stream stays open for 5 s after its response";
    http_response_on_get = "http-response-on-get",
        "HTTP: every response is also written to the session's open GET stream";
    http_session_id_changes = "http-session-id-changes",
        "HTTP: every response after initialize carries a new Mcp-Session-Id value";
    http_sequential_session_ids = "http-sequential-session-ids",
        "HTTP: session ids are session-1, session-2, ... instead of random";
    http_duplicate_event_ids = "http-duplicate-event-ids",
        "HTTP: every event stream numbers its event ids from 1";
    http_legacy_only = "http-legacy-only",
        "HTTP: only the 2024-11-05 HTTP+SSE transport (POST 405, GET sends an endpoint event)";
    http_resume_other_stream = "http-resume-other-stream",
        "HTTP: a stream resumed with Last-Event-ID also replays the later events of the session's other streams";
    http_disconnect_cancels = "http-disconnect-cancels",
        "HTTP: a client dropping a POST's event stream cancels its request, whose response never arrives";
    auth_no_challenge = "auth-no-challenge",
        "--require-bearer: 401 answers carry no WWW-Authenticate header";
    auth_prm_no_authorization_servers = "auth-prm-no-authorization-servers",
        "--require-bearer: the protected resource metadata lacks authorization_servers";
    auth_prm_wrong_resource = "auth-prm-wrong-resource",
        "--require-bearer: the protected resource metadata names the resource /other";
    auth_invalid_token_accepted = "auth-invalid-token-accepted",
        "--require-bearer: any well-formed Bearer token is accepted";
    auth_session_trusted = "auth-session-trusted",
        "--require-bearer: a request with a valid session id needs no Authorization header";
    auth_query_token_accepted = "auth-query-token-accepted",
        "--require-bearer: ?access_token=TOKEN is accepted in place of the header";
    auth_malformed_header_500 = "auth-malformed-header-500",
        "--require-bearer: a malformed Authorization header gets 500";
}

impl Bugs {
    /// Switches on the knob called `name` (kebab case, as listed in [`KNOBS`]).
    ///
    /// Returns an error message naming the knob when there is no such knob.
    pub fn enable(&mut self, name: &str) -> Result<(), String> {
        match self.flag_mut(name) {
            Some(flag) => {
                *flag = true;
                Ok(())
            }
            None => Err(format!(
                "unknown bug knob `{name}` (see --list-bugs for the list)"
            )),
        }
    }

    /// The kebab-case names of the knobs that are switched on, in [`KNOBS`] order.
    pub fn enabled_names(&self) -> Vec<&'static str> {
        let mut probe = *self;
        KNOBS
            .iter()
            .filter(|(name, _)| probe.flag_mut(name).is_some_and(|flag| *flag))
            .map(|(name, _)| *name)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{Bugs, KNOBS};

    /// The knob table of the fixture-server contract, in its published order.
    const CONTRACT: [&str; 157] = [
        "wrong-jsonrpc-version",
        "stringify-ids",
        "coerce-string-ids",
        "ascii-only-ids",
        "truncate-long-ids",
        "result-and-error",
        "empty-result-as-null",
        "error-code-as-string",
        "error-message-multiline",
        "respond-to-notifications",
        "unknown-method-wrong-code",
        "crash-on-parse-error",
        "parse-error-silent",
        "lenient-envelope",
        "crash-on-invalid-request",
        "null-id-executed",
        "accept-positional-params",
        "crash-on-batch",
        "reject-unknown-meta",
        "ping-rejects-params",
        "bad-meta-key",
        "initialize-missing-server-info",
        "echo-wrong-protocol-version",
        "echo-any-protocol-version",
        "offer-oldest-version",
        "reject-unknown-capabilities",
        "accept-incomplete-initialize",
        "ping-requires-initialize",
        "crash-before-initialize",
        "crash-on-second-initialize",
        "request-before-initialized",
        "sampling-without-capability",
        "reuse-server-request-ids",
        "undeclared-log-notification",
        "notification-with-id",
        "tools-list-invalid-schema",
        "duplicate-responses",
        "ignore-stdin-close",
        "pretty-print-responses",
        "stdout-log-noise",
        "latin1-output",
        "crlf-line-endings",
        "parse-each-read",
        "crash-on-blank-line",
        "ping-result-not-empty",
        "slow-ping",
        "tools-duplicate-names",
        "tools-bad-output-schema",
        "tools-missing-structured-content",
        "tools-structured-content-mismatch",
        "tools-no-text-fallback",
        "tools-unknown-tool-result",
        "tools-invalid-args-succeed",
        "tools-crash-on-invalid-args",
        "tools-call-missing-content",
        "tools-require-arguments",
        "tools-bad-annotations",
        "tools-fail-as-error",
        "content-bad-base64",
        "content-bad-mime",
        "content-unknown-type",
        "content-bad-annotations",
        "content-bad-last-modified",
        "content-text-and-blob",
        "no-resources-capability",
        "resources-missing-name",
        "resources-duplicate-uri",
        "resources-read-missing-uri",
        "resources-unknown-uri-wrong-code",
        "resources-unknown-uri-empty",
        "resources-bad-template",
        "resources-subscribe-fails",
        "resources-updated-unsubscribed",
        "resources-updates-after-unsubscribe",
        "resources-bad-uri",
        "resources-traversal",
        "resources-crash-on-bad-uri",
        "resources-wrong-size",
        "prompts-duplicate-names",
        "prompts-bad-role",
        "prompts-unknown-name-result",
        "prompts-missing-arg-accepted",
        "prompts-non-string-arg-accepted",
        "prompts-crash-on-injection",
        "logging-setlevel-fails",
        "logging-invalid-level-accepted",
        "logging-ignores-level",
        "logging-bad-level-value",
        "completion-too-many-values",
        "completion-total-too-small",
        "completion-values-not-strings",
        "completion-reject-context",
        "completion-unknown-prompt-empty",
        "completion-missing-argument-accepted",
        "completion-template-fails",
        "pagination-repeat-items",
        "pagination-endless",
        "pagination-invalid-cursor-accepted",
        "pagination-unstable-cursor",
        "progress-wrong-token",
        "progress-not-increasing",
        "progress-after-response",
        "progress-without-token",
        "cancel-ignored",
        "cancel-crash",
        "cancel-reply-error",
        "sampling-bad-params",
        "elicitation-bad-schema",
        "elicitation-ignores-validation",
        "roots-bad-params",
        "elicitation-without-capability",
        "roots-without-capability",
        "server-cancel-unknown-request",
        "no-tools-capability",
        "no-prompts-capability",
        "no-completions-capability",
        "undeclared-method-wrong-code",
        "wrong-params-accepted",
        "ping-waits-for-calls",
        "tools-empty-name",
        "roots-ignore-list-changed",
        "crash-on-reused-id",
        "reply-to-stray-response",
        "completion-unknown-argument-values",
        "pagination-foreign-cursor-accepted",
        "prompts-bad-embedded-resource",
        "content-bad-link-uri",
        "resources-updated-bad-uri",
        "http-notification-200",
        "http-rejected-notification-200",
        "http-content-type-text-plain",
        "http-json-array",
        "http-get-json",
        "http-session-id-space",
        "http-missing-session-served",
        "http-ended-session-served",
        "http-unknown-session-400",
        "http-delete-500",
        "http-no-session-after-end",
        "http-version-header-ignored",
        "http-version-header-required",
        "http-no-origin-check",
        "http-sse-stays-open",
        "http-response-on-get",
        "http-session-id-changes",
        "http-sequential-session-ids",
        "http-duplicate-event-ids",
        "http-legacy-only",
        "http-resume-other-stream",
        "http-disconnect-cancels",
        "auth-no-challenge",
        "auth-prm-no-authorization-servers",
        "auth-prm-wrong-resource",
        "auth-invalid-token-accepted",
        "auth-session-trusted",
        "auth-query-token-accepted",
        "auth-malformed-header-500",
    ];

    #[test]
    fn knob_list_matches_the_contract_table() {
        let names: Vec<&str> = KNOBS.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, CONTRACT.to_vec());
    }

    #[test]
    fn every_knob_enables_exactly_its_own_switch() {
        for (name, doc) in KNOBS {
            assert!(!doc.is_empty(), "knob {name} has no description");
            assert!(
                !doc.contains('\n'),
                "knob {name} description is not one line"
            );
            let mut bugs = Bugs::default();
            assert_eq!(bugs.enable(name), Ok(()), "knob {name} cannot be enabled");
            let shown = format!("{bugs:?}");
            assert_eq!(shown.matches("true").count(), 1, "knob {name}: {shown}");
            assert_eq!(bugs.enabled_names(), vec![*name]);
        }
    }

    #[test]
    fn field_names_follow_the_knob_names() {
        for (name, _) in KNOBS {
            let mut bugs = Bugs::default();
            bugs.enable(name).expect("known knob");
            let field = name.replace('-', "_");
            let shown = format!("{bugs:?}");
            assert!(shown.contains(&format!("{field}: true")), "{name}: {shown}");
        }
    }

    #[test]
    fn all_knobs_together_are_distinct_switches() {
        let mut bugs = Bugs::default();
        for (name, _) in KNOBS {
            bugs.enable(name).expect("known knob");
        }
        assert_eq!(bugs.enabled_names().len(), CONTRACT.len());
        // Every field is reachable through some knob name.
        let shown = format!("{bugs:?}");
        assert!(!shown.contains("false"), "a field has no knob: {shown}");
    }

    #[test]
    fn unknown_knob_is_an_error_that_names_it() {
        let mut bugs = Bugs::default();
        let err = bugs.enable("no-such-knob").expect_err("must be rejected");
        assert!(err.contains("no-such-knob"));
        assert_eq!(bugs, Bugs::default());
    }
}
