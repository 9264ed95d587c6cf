//! Fuzz target `stdio_framing`: line framing yields the same frames however the input is split.
//! A shim: the body (and the chunking-plan format) is in `mcpspec_codec::fuzzing`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mcpspec_codec::fuzzing::stdio_framing(data));
