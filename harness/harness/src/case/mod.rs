//! Cases as data: the model (`model.rs`), the embedded set and the loader with its lint
//! (`load.rs`), and the body of the `case_load` fuzz target (`fuzzing.rs`). Running a case is
//! `interp.rs`'s job, not this module's.

pub mod fuzzing;
pub mod load;
pub mod model;

pub use load::{CaseLoadError, LoadedCase, embedded_cases, lint, load_dir};
pub use model::Case;
