//! Fuzz target `jsonrpc_classify`: one frame is classified without panicking, and a parsed value
//! re-encodes and re-classifies identically. A shim: the body is in `mcpspec_codec::fuzzing`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mcpspec_codec::fuzzing::classify_roundtrip(data));
