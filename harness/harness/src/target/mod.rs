//! Targets: how the harness reaches a server. Only stdio exists so far; HTTP joins as a second
//! variant of [`Target`], dispatched with `match`, not as a trait object.
//!
//! Not the session logic (ids, oracles, auto-answers): that is `session.rs`, on top of a transport.

pub mod stdio;

use std::path::PathBuf;

pub use stdio::{StdioProcess, TransportEvent};

/// What to test, as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A program spawned with stdin/stdout as the MCP channel.
    Stdio(StdioSpec),
}

/// How to spawn a stdio server. argv goes straight to `execve`: there is never a shell.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StdioSpec {
    /// The program to run (looked up on `PATH` when it has no slash).
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Extra environment variables (the harness's own environment is inherited).
    pub env: Vec<(String, String)>,
    /// The working directory, if not the harness's.
    pub cwd: Option<PathBuf>,
}

/// Errors of the transport layer: the harness could not talk to the target at all.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The program could not be spawned.
    #[error("could not start `{program}`: {source}")]
    Spawn {
        /// The program that failed.
        program: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Writing to the target failed (it probably exited).
    #[error("could not write to the server: {0}")]
    Write(#[source] std::io::Error),
    /// The target's input is already closed.
    #[error("the server's input is closed")]
    InputClosed,
}
