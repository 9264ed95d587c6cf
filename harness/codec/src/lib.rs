//! Wire-level codec for mcpspec: strict JSON-RPC 2.0 envelope classification, compact encoding,
//! newline framing for stdio and `text/event-stream` parsing for HTTP.
//!
//! This crate is deliberately small and pure: it performs no I/O, spawns nothing and knows nothing
//! about MCP methods beyond the `notifications/` prefix. It is not a schema validator (the official
//! schema is applied elsewhere as a second opinion) and it never panics on any input bytes.
//!
//! - [`classify`] takes one frame (a stdio line without its newline, an HTTP body or an SSE `data`
//!   payload) and reports its [`MessageKind`] together with every [`EnvelopeViolation`] it commits.
//! - [`encode`] writes one message as a single line of compact JSON followed by `"\n"`.
//! - [`LineFramer`] turns arbitrary read chunks into [`Frame`]s with a hard memory bound.
//! - [`SseParser`] turns a `text/event-stream` body, in arbitrary chunks, into [`SseItem`]s
//!   with a hard memory bound; [`serialize_event`] writes one event back.

#![deny(missing_docs)]

mod classify;
mod encode;
mod framing;
mod limits;
mod sse;
mod violation;

#[doc(hidden)]
pub mod fuzzing;

pub use classify::{Classified, MessageKind, classify};
pub use encode::encode;
pub use framing::{Frame, LineFramer};
pub use limits::{Beyond, DEEP_PLACEHOLDER, KEPT_DEPTH};
pub use sse::{SseEvent, SseItem, SseParser, serialize_event};
pub use violation::EnvelopeViolation;

/// Default upper bound for one message (one stdio line or one HTTP body): 16 MiB.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;
