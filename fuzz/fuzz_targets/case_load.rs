//! Fuzz target `case_load`: any bytes as a user's case file, through the loader and the lint,
//! never panicking. A shim: the body is in `mcpspec_harness::case::fuzzing`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mcpspec_harness::case::fuzzing::case_load(data));
