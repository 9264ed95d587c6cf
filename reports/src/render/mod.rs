//! Pure renderers of a [`crate::RunReport`]: each is a function from report to text, with no I/O,
//! colour handling beyond a flag, or clock.
//!
//! - [`text`]: the plain-text summary printed at the end of a run;
//! - [`markdown`]: Markdown for a pull-request comment or a CI step summary;
//! - [`junit`]: JUnit XML, one test suite per area, for CI test-result views;
//! - [`sarif`]: SARIF 2.1.0 JSON, one result per finding, for code-scanning dashboards;
//! - [`html`]: one self-contained HTML page with filters and every case's full transcript;
//! - [`compare`]: several reports side by side (Markdown or HTML), and what changed between two runs.

mod common;
pub mod compare;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod text;
