//! Replays the committed `case_load` fuzz corpus (`fuzz/corpus/case_load/`) through
//! `mcpspec_harness::case::fuzzing::case_load` on a stable toolchain. Not a fuzzer: only the
//! files that are there run, and a (nearly) empty corpus fails.

use std::path::Path;

use mcpspec_harness::case::fuzzing::{FUZZ_PATH, case_load};
use mcpspec_harness::case::load::parse_text;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus/case_load");

#[test]
fn case_load_corpus() {
    let mut files: Vec<_> = std::fs::read_dir(Path::new(CORPUS))
        .expect("corpus directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let mut loaded = 0;
    let mut failed = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).expect("readable corpus file");
        if parse_text(FUZZ_PATH, &String::from_utf8_lossy(&bytes)).is_ok() {
            loaded += 1;
        }
        if std::panic::catch_unwind(|| case_load(&bytes)).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(failed.is_empty(), "failing corpus files: {failed:#?}");
    assert!(files.len() >= 15, "only {} corpus files", files.len());
    assert!(loaded >= 10, "only {loaded} corpus files load as cases");
}
