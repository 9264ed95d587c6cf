//! Replays the committed `schema_validate` fuzz corpus (`fuzz/corpus/schema_validate/`) through
//! `mcpspec_schema::fuzzing::schema_validate` on a stable toolchain, and checks that the fuzz
//! dictionary lists every method of the methods table. Not a fuzzer: only the files that are
//! there run, and a (nearly) empty corpus fails.
//!
//! Without the `fuzzing` feature this covers the validate-against-every-definition half; with
//! `cargo test -p mcpspec-schema --features fuzzing` it also covers the codec agreement half.

use std::path::{Path, PathBuf};

use mcpspec_schema::fuzzing::{REVISION, input_value, schema_validate, vocabulary};

const FUZZ_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz");

fn corpus_files() -> Vec<PathBuf> {
    let dir = Path::new(FUZZ_DIR).join("corpus/schema_validate");
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

#[test]
fn schema_validate_corpus() {
    let files = corpus_files();
    let mut failed = Vec::new();
    let mut json_seeds = 0;
    for path in &files {
        let bytes =
            std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        if serde_json::from_slice::<serde_json::Value>(&bytes).is_ok() {
            json_seeds += 1;
        }
        if std::panic::catch_unwind(|| schema_validate(&bytes)).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(failed.is_empty(), "failing corpus files: {failed:#?}");
    assert!(
        files.len() >= 20,
        "replayed {} corpus files, expected at least 20",
        files.len()
    );
    assert!(json_seeds >= 15, "only {json_seeds} seeds are JSON");
    if !cfg!(feature = "fuzzing") {
        eprintln!(
            "note: codec agreement half not replayed; run \
             `cargo test -p mcpspec-schema --features fuzzing --test fuzz_corpus`"
        );
    }
}

#[test]
fn non_json_input_becomes_a_value() {
    // Anything that is not JSON is decoded with `arbitrary`; vocabulary words show up.
    let value = input_value(&[7, 0, 0, 1, 2, 3]);
    assert!(value.is_some());
    assert!(input_value(b"{\"a\":1}").is_some_and(|v| v["a"] == 1));
    assert!(vocabulary().iter().any(|w| w == "protocolVersion"));
    assert!(vocabulary().iter().any(|w| w == "tools/call"));
}

#[test]
fn dictionary_lists_every_method() {
    let path = Path::new(FUZZ_DIR).join("dict/mcp.dict");
    let dict = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let methods = mcpspec_schema::methods(REVISION);
    assert!(methods.len() >= 20);
    let missing: Vec<&str> = methods
        .iter()
        .map(|info| info.method)
        .filter(|method| {
            !dict
                .lines()
                .any(|line| line == format!("\"\\\"{method}\\\"\""))
        })
        .collect();
    assert!(missing.is_empty(), "mcp.dict lacks {missing:?}");
    for line in dict.lines() {
        let well_formed = line.is_empty()
            || line.starts_with('#')
            || (line.len() >= 2 && line.starts_with('"') && line.ends_with('"'));
        assert!(well_formed, "malformed dictionary line {line:?}");
    }
}
