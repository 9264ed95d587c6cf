//! Fuzz target `sse_parse`: the event-stream parser yields the same items however the input is
//! split, and events survive serialise -> parse. A shim: the body is in `mcpspec_codec::fuzzing`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mcpspec_codec::fuzzing::sse_parse(data));
