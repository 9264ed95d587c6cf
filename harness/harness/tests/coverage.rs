//! Requirement coverage: every ID of the catalogue file is covered by a case or an oracle or
//! carries a reason, the catalogue file and the shared requirement catalogue list the same IDs,
//! and no case or oracle names an ID the catalogue does not have. Not a coverage target: the
//! percentage is printed for the record, not asserted.

use std::collections::BTreeSet;
use std::path::PathBuf;

use mcpspec_harness::case::model::Case;
use mcpspec_harness::coverage::{Catalogue, compute, ids_in_markdown, percent};
use mcpspec_harness::oracles::ORACLES;

fn cases() -> Vec<Case> {
    mcpspec_harness::case::embedded_cases()
        .unwrap_or_else(|errors| panic!("case files do not load: {:?}", errors.first()))
        .into_iter()
        .map(|l| l.case)
        .collect()
}

fn catalogue() -> Catalogue {
    Catalogue::embedded().unwrap_or_else(|e| panic!("cases/_catalogue/2025-06-18.json: {e}"))
}

#[test]
fn every_catalogue_id_is_covered_or_explained() {
    let report = compute(&catalogue(), &cases(), ORACLES);
    let gaps: Vec<&str> = report.unexplained().iter().map(|r| r.id.as_str()).collect();
    assert!(
        gaps.is_empty(),
        "catalogue IDs that no case or oracle covers and that have no uncovered_reason in \
         cases/_catalogue/2025-06-18.json: {gaps:?}"
    );
    for r in report.stale_reasons() {
        eprintln!(
            "note: {} is covered but the catalogue still gives a reason for leaving it uncovered",
            r.id
        );
    }
    let (by_case, counted) = report.in_scope_by_case();
    let (any, _) = report.in_scope_covered();
    println!(
        "coverage of scopes ANY, STDIO, EMITS and CAP:x: {by_case}/{counted} by a case ({}), {any}/{counted} by a case or an oracle ({})",
        percent(by_case, counted),
        percent(any, counted)
    );
    assert!(
        counted > 100,
        "the catalogue has too few counted entries: {counted}"
    );
}

#[test]
fn cases_and_oracles_name_only_catalogue_ids() {
    let report = compute(&catalogue(), &cases(), ORACLES);
    assert!(
        report.unknown.is_empty(),
        "requirements not in the catalogue: {:?}",
        report.unknown
    );
}

#[test]
fn catalogue_file_matches_the_shared_catalogue() {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/spec/requirements-2025-06-18.md");
    let Ok(text) = std::fs::read_to_string(&shared) else {
        eprintln!(
            "SKIPPED: the shared requirement catalogue is not at {}; the catalogue file was not \
             compared with it",
            shared.display()
        );
        return;
    };
    let theirs = ids_in_markdown(&text);
    assert!(
        theirs.len() > 200,
        "found only {} IDs in {}",
        theirs.len(),
        shared.display()
    );
    let ours: BTreeSet<String> = catalogue().ids().into_iter().map(str::to_string).collect();
    let missing: Vec<&String> = theirs.difference(&ours).collect();
    let extra: Vec<&String> = ours.difference(&theirs).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "catalogue file and shared catalogue differ: missing from the file {missing:?}, \
         not in the shared catalogue {extra:?}"
    );
}
