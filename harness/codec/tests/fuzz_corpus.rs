//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) through the codec's fuzz bodies on
//! a stable toolchain, so every seed and every past crash stays a regression test. This is not a
//! fuzzer: it runs exactly the files that are there, and fails if a directory is (nearly) empty.

use std::path::{Path, PathBuf};

use mcpspec_codec::fuzzing::{classify_roundtrip, sse_parse, stdio_framing};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus");

/// Every regular file of `fuzz/corpus/<target>/`, sorted.
fn corpus_files(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(CORPUS).join(target);
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `body` on every file of the target's corpus; reports every failing file by name.
fn replay(target: &str, at_least: usize, body: fn(&[u8])) {
    let files = corpus_files(target);
    let mut failed = Vec::new();
    for path in &files {
        let bytes =
            std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        if std::panic::catch_unwind(|| body(&bytes)).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "{target}: failing corpus files: {failed:#?}"
    );
    assert!(
        files.len() >= at_least,
        "{target}: replayed {} corpus files, expected at least {at_least}",
        files.len()
    );
}

#[test]
fn jsonrpc_classify_corpus() {
    replay("jsonrpc_classify", 20, classify_roundtrip);
}

#[test]
fn stdio_framing_corpus() {
    replay("stdio_framing", 8, stdio_framing);
}

#[test]
fn sse_parse_corpus() {
    replay("sse_parse", 15, sse_parse);
}
