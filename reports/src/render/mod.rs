//! Pure renderers of a [`crate::RunReport`]: each is a function from report to text, with no I/O,
//! colour handling beyond a flag, or clock.

pub mod text;
