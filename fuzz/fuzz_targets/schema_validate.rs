//! Fuzz target `schema_validate`: any JSON value is validated against every definition without
//! panicking, and the schema agrees with the codec on envelopes. A shim: the body is in
//! `mcpspec_schema::fuzzing`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mcpspec_schema::fuzzing::schema_validate(data));
