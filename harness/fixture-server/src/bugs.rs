//! The bug-knob registry: a struct of named switches that each turn the clean server into one
//! specific misbehaviour, plus the table `--list-bugs` prints. It is not where the misbehaviours
//! are implemented; each knob's behaviour sits next to the clean code it changes.
//!
//! # Adding a knob
//!
//! 1. Add one `bool` field to [`Bugs`], documented as "`field_name`, if set, causes the server
//!    to ...". Name the field after the kebab-case knob with `-` turned into `_`.
//! 2. Add one `("kebab-name", "one-line description")` line to [`KNOBS`], in the same position.
//! 3. Add one arm to `Bugs::flag_mut` that maps the kebab name to the field. The unit test below
//!    fails if an entry of [`KNOBS`] cannot be enabled, so a forgotten arm is caught at once.
//! 4. Implement the behaviour next to the clean code it changes (the writer in `output.rs` for
//!    anything about how messages look on the wire, `server.rs` for lifecycle and envelopes,
//!    `features.rs` for method results), guarded by `if bugs.field_name`.
//! 5. Add the knob to the expected list in this module's test and to the contract table that
//!    case files rely on (`"self_test": { "breaks_with": "kebab-name" }`).

/// The set of enabled misbehaviours. The default (all `false`) is a correct 2025-06-18 server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bugs {
    /// `wrong_jsonrpc_version`, if set, causes the server to put `"jsonrpc":"1.0"` in every response.
    pub wrong_jsonrpc_version: bool,
    /// `stringify_ids`, if set, causes the server to echo integer request ids as strings.
    pub stringify_ids: bool,
    /// `coerce_string_ids`, if set, causes the server to echo all-digit string ids as integers and
    /// the empty-string id as `null`.
    pub coerce_string_ids: bool,
    /// `ascii_only_ids`, if set, causes the server to replace non-ASCII characters of string ids
    /// with `?` when echoing them.
    pub ascii_only_ids: bool,
    /// `truncate_long_ids`, if set, causes the server to echo string ids longer than 255 bytes cut
    /// down to 255 bytes.
    pub truncate_long_ids: bool,
    /// `result_and_error`, if set, causes the server to add `"result":{}` to every error response.
    pub result_and_error: bool,
    /// `empty_result_as_null`, if set, causes the server to send every empty result as `null`.
    pub empty_result_as_null: bool,
    /// `error_code_as_string`, if set, causes the server to send error codes as JSON strings.
    pub error_code_as_string: bool,
    /// `error_message_multiline`, if set, causes the server to replace every error message with a
    /// long multi-line fake stack trace.
    pub error_message_multiline: bool,
    /// `respond_to_notifications`, if set, causes the server to answer every notification with a
    /// response whose id is `null` and whose result is `{}`.
    pub respond_to_notifications: bool,
    /// `unknown_method_wrong_code`, if set, causes the server to answer unknown methods with -32603
    /// instead of -32601.
    pub unknown_method_wrong_code: bool,
    /// `crash_on_parse_error`, if set, causes the server to exit with status 1 on unparseable input.
    pub crash_on_parse_error: bool,
    /// `parse_error_silent`, if set, causes the server to ignore unparseable input without a reply.
    pub parse_error_silent: bool,
    /// `lenient_envelope`, if set, causes the server to serve requests whose `jsonrpc` member is
    /// missing or not `"2.0"`.
    pub lenient_envelope: bool,
    /// `crash_on_invalid_request`, if set, causes the server to exit with status 1 on any
    /// structurally invalid request object.
    pub crash_on_invalid_request: bool,
    /// `null_id_executed`, if set, causes the server to serve a request whose id is `null`.
    pub null_id_executed: bool,
    /// `accept_positional_params`, if set, causes the server to treat array params as if absent.
    pub accept_positional_params: bool,
    /// `crash_on_batch`, if set, causes the server to exit with status 1 on a top-level JSON array.
    pub crash_on_batch: bool,
    /// `reject_unknown_meta`, if set, causes the server to answer -32602 to any request whose
    /// `params._meta` has a key other than `progressToken`.
    pub reject_unknown_meta: bool,
    /// `ping_rejects_params`, if set, causes the server to answer -32602 to a ping with any params.
    pub ping_rejects_params: bool,
    /// `bad_meta_key`, if set, causes the server to put `"_meta":{"bad key!":1}` in the initialize
    /// result.
    pub bad_meta_key: bool,
    /// `initialize_missing_server_info`, if set, causes the server to leave `serverInfo` out of the
    /// initialize result.
    pub initialize_missing_server_info: bool,
    /// `echo_wrong_protocol_version`, if set, causes the server to answer a request for 2025-06-18
    /// with 2025-03-26.
    pub echo_wrong_protocol_version: bool,
    /// `echo_any_protocol_version`, if set, causes the server to echo whatever protocol version
    /// string the client asked for.
    pub echo_any_protocol_version: bool,
    /// `offer_oldest_version`, if set, causes the server to answer an unsupported version with
    /// 2024-11-05 instead of 2025-06-18.
    pub offer_oldest_version: bool,
    /// `reject_unknown_capabilities`, if set, causes the server to answer -32602 to an initialize
    /// whose client capabilities hold keys other than roots, sampling and elicitation.
    pub reject_unknown_capabilities: bool,
    /// `accept_incomplete_initialize`, if set, causes the server to answer an initialize that lacks
    /// protocolVersion, capabilities or clientInfo as if it were complete.
    pub accept_incomplete_initialize: bool,
    /// `ping_requires_initialize`, if set, causes the server to answer -32600 to a ping sent before
    /// initialize.
    pub ping_requires_initialize: bool,
    /// `crash_before_initialize`, if set, causes the server to exit with status 1 on a request
    /// other than ping or initialize before initialize.
    pub crash_before_initialize: bool,
    /// `crash_on_second_initialize`, if set, causes the server to exit with status 1 on a second
    /// initialize.
    pub crash_on_second_initialize: bool,
    /// `request_before_initialized`, if set, causes the server to send a roots/list request (id
    /// `"srv-1"`) right after answering initialize, when the client declared roots.
    pub request_before_initialized: bool,
    /// `sampling_without_capability`, if set, causes the server to send sampling/createMessage (id
    /// `"srv-s1"`) after notifications/initialized whatever the client declared.
    pub sampling_without_capability: bool,
    /// `reuse_server_request_ids`, if set, causes the server to send two ping requests that share
    /// the id `"srv-dup"` after notifications/initialized.
    pub reuse_server_request_ids: bool,
    /// `undeclared_log_notification`, if set, causes the server to leave the logging capability
    /// out of the initialize result while still sending its "ready" log message.
    pub undeclared_log_notification: bool,
    /// `notification_with_id`, if set, causes the server to put `"id":99` in the "ready" log
    /// notification.
    pub notification_with_id: bool,
    /// `tools_list_invalid_schema`, if set, causes the server to list a tool whose inputSchema is
    /// `{"type":"string"}`.
    pub tools_list_invalid_schema: bool,
    /// `duplicate_responses`, if set, causes the server to write every response twice.
    pub duplicate_responses: bool,
    /// `ignore_stdin_close`, if set, causes the server to keep running (asleep) after stdin ends.
    pub ignore_stdin_close: bool,
    /// `pretty_print_responses`, if set, causes the server to write responses as pretty-printed
    /// multi-line JSON.
    pub pretty_print_responses: bool,
    /// `stdout_log_noise`, if set, causes the server to print "fixture server ready" to stdout at
    /// start-up.
    pub stdout_log_noise: bool,
    /// `latin1_output`, if set, causes the server to write serverInfo.title with a raw 0xE9 byte,
    /// which is not valid UTF-8.
    pub latin1_output: bool,
    /// `crlf_line_endings`, if set, causes the server to end output lines with "\r\n".
    pub crlf_line_endings: bool,
    /// `parse_each_read`, if set, causes the server to treat each read() of stdin as exactly one
    /// message instead of splitting on newlines.
    pub parse_each_read: bool,
    /// `crash_on_blank_line`, if set, causes the server to exit with status 1 on an empty or
    /// whitespace-only input line.
    pub crash_on_blank_line: bool,
    /// `ping_result_not_empty`, if set, causes the server to answer ping with `{"pong":true}`.
    pub ping_result_not_empty: bool,
    /// `slow_ping`, if set, causes the server to wait 3 s before answering ping.
    pub slow_ping: bool,
}

/// Every knob as `(kebab-case name, one-line description)`, in the order of the [`Bugs`] fields.
pub const KNOBS: &[(&str, &str)] = &[
    (
        "wrong-jsonrpc-version",
        "every response carries \"jsonrpc\":\"1.0\"",
    ),
    ("stringify-ids", "integer request ids are echoed as strings"),
    (
        "coerce-string-ids",
        "all-digit string ids are echoed as integers, \"\" as null",
    ),
    (
        "ascii-only-ids",
        "non-ASCII characters in string ids are echoed as '?'",
    ),
    (
        "truncate-long-ids",
        "string ids longer than 255 bytes are echoed truncated to 255 bytes",
    ),
    (
        "result-and-error",
        "error responses also carry \"result\":{}",
    ),
    (
        "empty-result-as-null",
        "every empty result {} is sent as null",
    ),
    ("error-code-as-string", "error codes are sent as strings"),
    (
        "error-message-multiline",
        "error messages are long multi-line fake stack traces",
    ),
    (
        "respond-to-notifications",
        "every notification gets a reply with id null and result {}",
    ),
    (
        "unknown-method-wrong-code",
        "unknown methods get -32603 instead of -32601",
    ),
    (
        "crash-on-parse-error",
        "unparseable input makes the process exit 1",
    ),
    (
        "parse-error-silent",
        "unparseable input is ignored without a reply",
    ),
    (
        "lenient-envelope",
        "requests with jsonrpc missing or not \"2.0\" are served",
    ),
    (
        "crash-on-invalid-request",
        "a structurally invalid request makes the process exit 1",
    ),
    (
        "null-id-executed",
        "a request with id null is served normally",
    ),
    (
        "accept-positional-params",
        "array params are accepted as if absent",
    ),
    (
        "crash-on-batch",
        "a top-level JSON array makes the process exit 1",
    ),
    (
        "reject-unknown-meta",
        "params._meta keys other than progressToken get -32602",
    ),
    ("ping-rejects-params", "ping with any params gets -32602"),
    (
        "bad-meta-key",
        "the initialize result carries \"_meta\":{\"bad key!\":1}",
    ),
    (
        "initialize-missing-server-info",
        "the initialize result has no serverInfo",
    ),
    (
        "echo-wrong-protocol-version",
        "a request for 2025-06-18 is answered with 2025-03-26",
    ),
    (
        "echo-any-protocol-version",
        "any requested protocol version is echoed back",
    ),
    (
        "offer-oldest-version",
        "an unsupported version is answered with 2024-11-05",
    ),
    (
        "reject-unknown-capabilities",
        "client capabilities other than roots/sampling/elicitation get -32602",
    ),
    (
        "accept-incomplete-initialize",
        "an initialize missing required params is answered normally",
    ),
    (
        "ping-requires-initialize",
        "ping before initialize gets -32600",
    ),
    (
        "crash-before-initialize",
        "a request other than ping/initialize before initialize exits 1",
    ),
    (
        "crash-on-second-initialize",
        "a second initialize makes the process exit 1",
    ),
    (
        "request-before-initialized",
        "roots/list (id \"srv-1\") is sent before notifications/initialized",
    ),
    (
        "sampling-without-capability",
        "sampling/createMessage (id \"srv-s1\") is sent whatever the client declared",
    ),
    (
        "reuse-server-request-ids",
        "two server pings share the id \"srv-dup\"",
    ),
    (
        "undeclared-log-notification",
        "logging is not declared but the ready log message is sent",
    ),
    (
        "notification-with-id",
        "the ready log notification carries \"id\":99",
    ),
    (
        "tools-list-invalid-schema",
        "tools/list has a tool whose inputSchema is {\"type\":\"string\"}",
    ),
    ("duplicate-responses", "every response is written twice"),
    (
        "ignore-stdin-close",
        "the process keeps running after stdin EOF",
    ),
    (
        "pretty-print-responses",
        "responses are written as pretty-printed multi-line JSON",
    ),
    (
        "stdout-log-noise",
        "\"fixture server ready\" is printed to stdout at start-up",
    ),
    (
        "latin1-output",
        "serverInfo.title is written with a raw 0xE9 byte (invalid UTF-8)",
    ),
    ("crlf-line-endings", "output lines end with \"\\r\\n\""),
    (
        "parse-each-read",
        "each read() of stdin is treated as exactly one message",
    ),
    (
        "crash-on-blank-line",
        "an empty or whitespace-only input line makes the process exit 1",
    ),
    (
        "ping-result-not-empty",
        "ping is answered with {\"pong\":true}",
    ),
    ("slow-ping", "ping is answered after 3 s"),
];

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

    /// The field behind the knob called `name`, or `None` for an unknown name.
    fn flag_mut(&mut self, name: &str) -> Option<&mut bool> {
        let flag = match name {
            "wrong-jsonrpc-version" => &mut self.wrong_jsonrpc_version,
            "stringify-ids" => &mut self.stringify_ids,
            "coerce-string-ids" => &mut self.coerce_string_ids,
            "ascii-only-ids" => &mut self.ascii_only_ids,
            "truncate-long-ids" => &mut self.truncate_long_ids,
            "result-and-error" => &mut self.result_and_error,
            "empty-result-as-null" => &mut self.empty_result_as_null,
            "error-code-as-string" => &mut self.error_code_as_string,
            "error-message-multiline" => &mut self.error_message_multiline,
            "respond-to-notifications" => &mut self.respond_to_notifications,
            "unknown-method-wrong-code" => &mut self.unknown_method_wrong_code,
            "crash-on-parse-error" => &mut self.crash_on_parse_error,
            "parse-error-silent" => &mut self.parse_error_silent,
            "lenient-envelope" => &mut self.lenient_envelope,
            "crash-on-invalid-request" => &mut self.crash_on_invalid_request,
            "null-id-executed" => &mut self.null_id_executed,
            "accept-positional-params" => &mut self.accept_positional_params,
            "crash-on-batch" => &mut self.crash_on_batch,
            "reject-unknown-meta" => &mut self.reject_unknown_meta,
            "ping-rejects-params" => &mut self.ping_rejects_params,
            "bad-meta-key" => &mut self.bad_meta_key,
            "initialize-missing-server-info" => &mut self.initialize_missing_server_info,
            "echo-wrong-protocol-version" => &mut self.echo_wrong_protocol_version,
            "echo-any-protocol-version" => &mut self.echo_any_protocol_version,
            "offer-oldest-version" => &mut self.offer_oldest_version,
            "reject-unknown-capabilities" => &mut self.reject_unknown_capabilities,
            "accept-incomplete-initialize" => &mut self.accept_incomplete_initialize,
            "ping-requires-initialize" => &mut self.ping_requires_initialize,
            "crash-before-initialize" => &mut self.crash_before_initialize,
            "crash-on-second-initialize" => &mut self.crash_on_second_initialize,
            "request-before-initialized" => &mut self.request_before_initialized,
            "sampling-without-capability" => &mut self.sampling_without_capability,
            "reuse-server-request-ids" => &mut self.reuse_server_request_ids,
            "undeclared-log-notification" => &mut self.undeclared_log_notification,
            "notification-with-id" => &mut self.notification_with_id,
            "tools-list-invalid-schema" => &mut self.tools_list_invalid_schema,
            "duplicate-responses" => &mut self.duplicate_responses,
            "ignore-stdin-close" => &mut self.ignore_stdin_close,
            "pretty-print-responses" => &mut self.pretty_print_responses,
            "stdout-log-noise" => &mut self.stdout_log_noise,
            "latin1-output" => &mut self.latin1_output,
            "crlf-line-endings" => &mut self.crlf_line_endings,
            "parse-each-read" => &mut self.parse_each_read,
            "crash-on-blank-line" => &mut self.crash_on_blank_line,
            "ping-result-not-empty" => &mut self.ping_result_not_empty,
            "slow-ping" => &mut self.slow_ping,
            _ => return None,
        };
        Some(flag)
    }
}

#[cfg(test)]
mod tests {
    use super::{Bugs, KNOBS};

    /// The knob table of the fixture-server contract, in its published order.
    const CONTRACT: [&str; 46] = [
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
