//! Targets: how the harness reaches a server, a program over stdio or an endpoint over
//! Streamable HTTP. [`Transport`] is an enum over the two, dispatched with `match`, not a trait
//! object; both hand the session the same [`TransportEvent`]s.
//!
//! Not the session logic (ids, oracles, auto-answers): that is `session.rs`, on top of a transport.

pub mod http;
pub mod stdio;

use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::Duration;

use mcpspec_codec::Frame;

pub use http::HttpTransport;
pub use stdio::StdioProcess;

/// What to test, as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A program spawned with stdin/stdout as the MCP channel.
    Stdio(StdioSpec),
    /// A Streamable HTTP endpoint.
    Http(HttpSpec),
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

/// Where a Streamable HTTP server listens.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpSpec {
    /// The MCP endpoint, e.g. `http://127.0.0.1:3000/mcp`.
    pub url: String,
    /// Extra headers sent with every request (e.g. authorization); redacted in reports.
    pub headers: Vec<(String, String)>,
}

/// Something the transport observed.
#[derive(Debug)]
pub enum TransportEvent {
    /// One message: a stdout line from the line framer, or an HTTP body or SSE event's data.
    Frame(Frame),
    /// One stderr line (lossy UTF-8 when `utf8` is false).
    Stderr {
        /// The line without its newline, capped.
        text: String,
        /// Whether the bytes were valid UTF-8.
        utf8: bool,
    },
    /// stdout reached end of file.
    StdoutClosed,
    /// The process exited.
    Exited(ExitStatus),
    /// An HTTP exchange note for the wire log (status, content type, stream end, errors).
    Http {
        /// The note.
        text: String,
    },
    /// Something of the HTTP transport that the stream-aware oracles judge.
    Observed(HttpObservation),
}

/// What the HTTP transport saw that only a check across exchanges can judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpObservation {
    /// An SSE event carried an id, on the transport's stream number `stream`.
    EventId {
        /// The stream (numbered per transport).
        stream: u64,
        /// The event id.
        id: String,
    },
    /// A JSON-RPC response arrived on the GET stream.
    ResponseOnGet {
        /// The message, shortened.
        excerpt: String,
    },
    /// The server answered a POSTed notification or response with a 2xx.
    Acknowledged {
        /// `notification` or `response`.
        what: String,
        /// The status.
        status: u16,
        /// The body's length.
        body_bytes: usize,
    },
}

/// How a server's session ended at shutdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    /// It exited by itself after stdin closed.
    ExitedOnClose,
    /// It needed SIGTERM.
    NeededSigterm,
    /// It needed SIGKILL.
    NeededSigkill,
    /// An HTTP session: the harness ended it (DELETE when the server assigned a session id).
    SessionEnded,
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
    /// The HTTP endpoint cannot be used.
    #[error("cannot reach {url}: {reason}")]
    Http {
        /// The URL as given.
        url: String,
        /// Why.
        reason: String,
    },
}

/// A live connection to the server, whichever the transport.
#[derive(Debug)]
pub enum Transport {
    /// A spawned process.
    Stdio(StdioProcess),
    /// An HTTP endpoint.
    Http(HttpTransport),
}

impl Transport {
    /// Starts the target: spawns the process, or checks the endpoint is reachable.
    pub fn start(target: &Target, max_message_bytes: usize) -> Result<Self, TransportError> {
        Ok(match target {
            Target::Stdio(spec) => Transport::Stdio(StdioProcess::spawn(spec, max_message_bytes)?),
            Target::Http(spec) => Transport::Http(HttpTransport::connect(spec, max_message_bytes)?),
        })
    }

    /// Whether this is an HTTP target.
    pub fn is_http(&self) -> bool {
        matches!(self, Transport::Http(_))
    }

    /// The HTTP transport, for steps that compose their own requests.
    pub fn http(&self) -> Option<&HttpTransport> {
        match self {
            Transport::Http(h) => Some(h),
            Transport::Stdio(_) => None,
        }
    }

    /// The process id of a stdio server.
    pub fn pid(&self) -> Option<u32> {
        match self {
            Transport::Stdio(p) => p.pid(),
            Transport::Http(_) => None,
        }
    }

    /// Sends one encoded message (or, over stdio, any bytes).
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        match self {
            Transport::Stdio(p) => p.write(bytes).await,
            Transport::Http(h) => h.write(bytes).await,
        }
    }

    /// Closes the server's input: stdin over stdio, the MCP session (DELETE) over HTTP.
    pub async fn close_input(&mut self) {
        match self {
            Transport::Stdio(p) => p.close_input(),
            Transport::Http(h) => h.end_session().await,
        }
    }

    /// Whether the server's input is still open.
    pub fn input_open(&self) -> bool {
        match self {
            Transport::Stdio(p) => p.input_open(),
            Transport::Http(h) => h.input_open(),
        }
    }

    /// The next event, or `None` at the deadline (or when nothing more can come).
    pub async fn next_event(&mut self, deadline: tokio::time::Instant) -> Option<TransportEvent> {
        match self {
            Transport::Stdio(p) => p.next_event(deadline).await,
            Transport::Http(h) => h.next_event(deadline).await,
        }
    }

    /// The exit status of a stdio server, once known.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        match self {
            Transport::Stdio(p) => p.exit_status(),
            Transport::Http(_) => None,
        }
    }

    /// Polls a stdio server for its exit.
    pub fn try_exit(&mut self) -> Option<ExitStatus> {
        match self {
            Transport::Stdio(p) => p.try_exit(),
            Transport::Http(_) => None,
        }
    }

    /// Ends the session and releases everything (kills and reaps a stdio server's group).
    pub async fn shutdown(&mut self, grace: Duration) -> Shutdown {
        match self {
            Transport::Stdio(p) => p.shutdown(grace).await,
            Transport::Http(h) => h.shutdown().await,
        }
    }
}
