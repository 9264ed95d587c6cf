//! The MCP features the fixture server offers after initialization: tools, resources, prompts,
//! completion, logging levels, and the pagination of their lists. Each handler turns a request's
//! params into a [`Reply`] (or a request for more work); none of them writes to stdout, starts a
//! thread, or looks at the JSON-RPC envelope.

pub mod completion;
pub mod media;
pub mod paging;
pub mod prompts;
pub mod resources;
pub mod tools;

use serde_json::{Map, Value};

use crate::protocol::Reply;

/// A request's named params, if it had any.
pub type Params<'a> = Option<&'a Map<String, Value>>;

/// A crash knob fired: the process must exit with status 1 at once, for this reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crash(pub &'static str);

/// The eight log levels, least severe first.
pub const LOG_LEVELS: [&str; 8] = [
    "debug",
    "info",
    "notice",
    "warning",
    "error",
    "critical",
    "alert",
    "emergency",
];

/// Index of `debug` in [`LOG_LEVELS`].
pub const DEBUG: usize = 0;
/// Index of `info` in [`LOG_LEVELS`].
pub const INFO: usize = 1;
/// Index of `error` in [`LOG_LEVELS`].
pub const ERROR: usize = 4;

/// The index in [`LOG_LEVELS`] of `logging/setLevel`'s level, or the -32602 reply.
pub fn parse_log_level(params: Params) -> Result<usize, Reply> {
    let level = params.and_then(|p| p.get("level")).and_then(Value::as_str);
    level
        .and_then(|level| LOG_LEVELS.iter().position(|known| *known == level))
        .ok_or_else(|| Reply::invalid_params("level must be one of the eight log levels"))
}

#[cfg(test)]
mod tests {
    use super::parse_log_level;
    use serde_json::json;

    #[test]
    fn log_levels_are_case_sensitive() {
        assert_eq!(parse_log_level(json!({"level":"error"}).as_object()), Ok(4));
        assert!(parse_log_level(json!({"level":"DEBUG"}).as_object()).is_err());
        assert!(parse_log_level(json!({"level":3}).as_object()).is_err());
        assert!(parse_log_level(None).is_err());
    }
}
