//! The mcpspec engine: targets and sessions (tokio), case files and their interpreter, wire
//! oracles, probes, grading and the run loop that produces a [`mcpspec_report::RunReport`].
//!
//! Not the command line (the `mcpspec` crate) and not the report format or its renderers
//! (`mcpspec-report`). Server misbehaviour is data (findings), never an `Err`: errors here mean
//! mcpspec could not do its job.

pub mod case;
pub mod clock;
pub mod config;
pub mod coverage;
pub mod fuzz;
pub mod r#gen;
pub mod grade;
pub mod interp;
pub mod oracles;
pub mod output;
pub mod probes;
pub mod redact;
pub mod runner;
pub mod select;
pub mod session;
pub mod target;
pub mod wire;

pub use config::{ClientConfig, REVISION, RunConfig};
pub use runner::{RunError, RunEvent, RunOutput, load_cases, run};
pub use target::{HttpSpec, StdioSpec, Target};
