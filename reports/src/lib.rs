//! The canonical mcpspec report: its model, the outcome scale and the exit codes.
//!
//! This crate is the *format* of mcpspec's output. It holds no harness types, no tokio and no
//! I/O: a report is plain data (serde), so other tools can read `report.json` by depending on this
//! crate alone, and every renderer is a pure function of a [`RunReport`].
#![deny(missing_docs)]

pub mod baseline;
pub mod exit_code;
pub mod model;
pub mod outcome;
pub mod render;

pub use model::{
    CaseResult, FORMAT_VERSION, Finding, Level, RunReport, SpecRef, Summary, TargetInfo, WireEntry,
};
pub use outcome::Outcome;
