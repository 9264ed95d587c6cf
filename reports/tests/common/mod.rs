//! Helpers the report crate's test files share: reading the hand-made reports under
//! `tests/fixtures`. Not assertions: each test file judges what it renders.
#![allow(dead_code)] // each test file uses a different part

use std::path::{Path, PathBuf};

use mcpspec_report::RunReport;

/// A report read from `path`.
pub fn load(path: &Path) -> RunReport {
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    serde_json::from_str(&text).expect("fixture deserialises")
}

/// The fixture report `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> RunReport {
    load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
}

/// Every `*.json` directly under `tests/fixtures`, sorted.
pub fn fixture_paths() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/fixtures exists")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 4, "{paths:?}");
    paths
}
