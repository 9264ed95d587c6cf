//! Comparison of several reports: a matrix of cases (rows, grouped by area) by report (columns)
//! with the outcome in each cell, per-column totals, and, for two runs of the same server, the
//! cases whose outcome changed. [`Comparison`] is the model, and it also works out what both
//! renderers show around the cells (column labels, area summaries, totals, baseline summaries);
//! [`markdown`] and [`html`] only format it.
//!
//! Pure functions of the reports and the names they are given: no file I/O, no clock. Not a
//! merge of reports and not a verdict on any of them (each report keeps its own).

use std::collections::{BTreeMap, BTreeSet};

use super::common::{self, DISPLAY_ORDER};
use crate::{Outcome, RunReport};

pub mod html;
pub mod markdown;

/// One report to compare and the name it goes by (its file name, as given).
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// How the report was named to the user, usually its path.
    pub file: &'a str,
    /// The report.
    pub report: &'a RunReport,
}

/// The comparison of several reports, ready to render.
#[derive(Debug, Clone)]
pub struct Comparison<'a> {
    /// One column per report, in the order given.
    pub columns: Vec<Column<'a>>,
    /// The union of the reports' case IDs, grouped by area (areas and IDs in name order).
    pub areas: Vec<Area>,
    /// The changes between two runs of the same server; only for exactly two reports whose
    /// `serverInfo` names are equal.
    pub diff: Option<Diff>,
}

/// One report as a column of the matrix.
#[derive(Debug, Clone)]
pub struct Column<'a> {
    /// The column heading: `serverInfo` name and version, with the file name added when two
    /// columns would otherwise read the same, or the file name alone without `serverInfo`.
    pub label: String,
    /// The file name, as given.
    pub file: String,
    /// The report.
    pub report: &'a RunReport,
}

/// The rows of one area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    /// The area: the first segment of its cases' IDs.
    pub name: String,
    /// Its cases in ID order.
    pub rows: Vec<Row>,
}

/// One case across the reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The case ID.
    pub id: String,
    /// Per column, the case's result there, or `None` where the report does not hold the case.
    pub cells: Vec<Option<Cell>>,
}

/// One case in one report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    /// The case's outcome.
    pub outcome: Outcome,
    /// Whether the report's baseline expected this outcome.
    pub baselined: bool,
}

/// What changed from the first report (old) to the second (new).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diff {
    /// Cases in both whose outcome differs: ID, old outcome, new outcome.
    pub flipped: Vec<(String, Outcome, Outcome)>,
    /// Cases only in the new report, with their outcome.
    pub added: Vec<(String, Outcome)>,
    /// Cases only in the old report, with their outcome.
    pub removed: Vec<(String, Outcome)>,
}

impl Diff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.flipped.is_empty() && self.added.is_empty() && self.removed.is_empty()
    }
}

/// The symbol of an outcome in a matrix cell.
pub fn symbol(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "✓",
        Outcome::Fail => "✗",
        Outcome::NonStrict => "~",
        Outcome::Informational => "i",
        Outcome::NotApplicable => "–",
        Outcome::Untestable => "?",
        Outcome::HarnessError => "E",
    }
}

/// The mark added to a cell whose outcome the report's baseline expected.
pub const BASELINED_MARK: &str = "*";

/// The symbol of a cell whose report does not hold the case.
pub const ABSENT: &str = "·";

/// The legend of the symbols, in display order, as (symbol, meaning) pairs.
pub fn legend() -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = DISPLAY_ORDER
        .iter()
        .map(|o| (symbol(*o), o.as_str().to_string()))
        .collect();
    out.push((
        BASELINED_MARK,
        "expected failure (listed in the run's baseline)".into(),
    ));
    out.push((ABSENT, "not in this report".into()));
    out
}

impl Cell {
    /// The cell as text: the outcome's symbol, marked when baselined.
    pub fn symbol(self) -> String {
        if self.baselined {
            format!("{}{BASELINED_MARK}", symbol(self.outcome))
        } else {
            symbol(self.outcome).to_string()
        }
    }
}

impl<'a> Comparison<'a> {
    /// Builds the comparison of `inputs`, in the order given.
    pub fn new(inputs: &[Input<'a>]) -> Comparison<'a> {
        let columns = columns(inputs);
        let ids: BTreeSet<&str> = inputs
            .iter()
            .flat_map(|i| i.report.cases.iter().map(|c| c.id.as_str()))
            .collect();
        let mut areas: BTreeMap<&str, Vec<Row>> = BTreeMap::new();
        for id in ids {
            let cells = inputs
                .iter()
                .map(|i| {
                    i.report.cases.iter().find(|c| c.id == id).map(|c| Cell {
                        outcome: c.outcome,
                        baselined: i.report.baselined(id).is_some(),
                    })
                })
                .collect();
            areas.entry(common::area(id)).or_default().push(Row {
                id: id.to_string(),
                cells,
            });
        }
        let areas = areas
            .into_iter()
            .map(|(name, rows)| Area {
                name: name.to_string(),
                rows,
            })
            .collect();
        let diff = match inputs {
            [old, new] if same_server(old.report, new.report) => Some(diff(old.report, new.report)),
            _ => None,
        };
        Comparison {
            columns,
            areas,
            diff,
        }
    }

    /// How many distinct cases the reports hold together.
    pub fn case_count(&self) -> usize {
        self.areas.iter().map(|a| a.rows.len()).sum()
    }

    /// A column's totals, in the order shown: the count and symbol of each outcome that occurs in
    /// its report (display order), then the count of baselined cases and [`BASELINED_MARK`] if
    /// there are any. Empty when the report holds no case.
    pub fn totals(&self, column: usize) -> Vec<(usize, &'static str)> {
        let report = self.columns[column].report;
        let mut totals: Vec<(usize, &'static str)> = DISPLAY_ORDER
            .iter()
            .map(|o| {
                let n = report.cases.iter().filter(|c| c.outcome == *o).count();
                (n, symbol(*o))
            })
            .filter(|(n, _)| *n > 0)
            .collect();
        let baselined = report
            .cases
            .iter()
            .filter(|c| report.baselined(&c.id).is_some())
            .count();
        if baselined > 0 {
            totals.push((baselined, BASELINED_MARK));
        }
        totals
    }

    /// A column's totals as one line: each of [`Comparison::totals`] as `item` formats it from
    /// its count and symbol, joined with [`TOTALS_SEPARATOR`]; [`NO_TOTALS`] when there are none.
    pub fn totals_line(&self, column: usize, item: impl Fn(usize, &str) -> String) -> String {
        let parts: Vec<String> = self
            .totals(column)
            .into_iter()
            .map(|(n, sym)| item(n, sym))
            .collect();
        if parts.is_empty() {
            NO_TOTALS.to_string()
        } else {
            parts.join(TOTALS_SEPARATOR)
        }
    }
}

/// The totals line of a column whose report holds no case.
pub const NO_TOTALS: &str = "none";

/// What separates the entries of a totals line.
pub const TOTALS_SEPARATOR: &str = " · ";

impl Area {
    /// How many of the area's cases pass in `column` out of how many that report holds, or
    /// `None` when it holds none of them.
    pub fn passed(&self, column: usize) -> Option<(usize, usize)> {
        let cells: Vec<Cell> = self.rows.iter().filter_map(|r| r.cells[column]).collect();
        let passed = cells.iter().filter(|c| c.outcome == Outcome::Pass).count();
        (!cells.is_empty()).then_some((passed, cells.len()))
    }
}

impl Column<'_> {
    /// The file name to show beside the label where the column is named in prose (the heading of
    /// the changes), or `None` when the label already holds it.
    pub fn file_note(&self) -> Option<&str> {
        (!self.label.contains(&self.file)).then_some(self.file.as_str())
    }

    /// The protocol revision the report's server negotiated, or `none`.
    pub fn protocol(&self) -> &str {
        self.report
            .negotiated_protocol_version
            .as_deref()
            .unwrap_or("none")
    }

    /// The report's baseline in a few words: `none`, `N expected` or `N expected, M stale`.
    pub fn baseline_summary(&self) -> String {
        match &self.report.baseline {
            None => "none".to_string(),
            Some(b) if b.stale.is_empty() => format!("{} expected", b.expected.len()),
            Some(b) => format!("{} expected, {} stale", b.expected.len(), b.stale.len()),
        }
    }
}

/// The `serverInfo` name of a report, if it sent one.
fn server_name(report: &RunReport) -> Option<String> {
    common::server(report).map(|(name, _)| name)
}

fn same_server(a: &RunReport, b: &RunReport) -> bool {
    matches!((server_name(a), server_name(b)), (Some(x), Some(y)) if x == y)
}

/// The last path segment of a file name as given.
fn base_name(file: &str) -> &str {
    file.rsplit(['/', '\\'])
        .find(|s| !s.is_empty())
        .unwrap_or(file)
}

/// Column labels: `name version`, else the base file name; labels that collide get their base
/// file name (then their full file name, then their position) added.
fn columns<'a>(inputs: &[Input<'a>]) -> Vec<Column<'a>> {
    let server: Vec<Option<String>> = inputs
        .iter()
        .map(|i| common::server(i.report).map(|(n, v)| format!("{n} {v}")))
        .collect();
    let mut labels: Vec<String> = inputs
        .iter()
        .zip(&server)
        .map(|(i, s)| s.clone().unwrap_or_else(|| base_name(i.file).to_string()))
        .collect();
    let suffixes: [&dyn Fn(usize) -> String; 3] = [
        &|i| base_name(inputs[i].file).to_string(),
        &|i| inputs[i].file.to_string(),
        &|i| format!("#{}", i + 1),
    ];
    for suffix in suffixes {
        let dupes = duplicates(&labels);
        if dupes.is_empty() {
            break;
        }
        for i in dupes {
            let base = server[i]
                .clone()
                .unwrap_or_else(|| base_name(inputs[i].file).to_string());
            labels[i] = format!("{base} ({})", suffix(i));
        }
    }
    inputs
        .iter()
        .zip(labels)
        .map(|(i, label)| Column {
            label,
            file: i.file.to_string(),
            report: i.report,
        })
        .collect()
}

/// The positions of labels that occur more than once.
fn duplicates(labels: &[String]) -> Vec<usize> {
    (0..labels.len())
        .filter(|&i| labels.iter().filter(|l| **l == labels[i]).count() > 1)
        .collect()
}

fn diff(old: &RunReport, new: &RunReport) -> Diff {
    let old_cases: BTreeMap<&str, Outcome> = old
        .cases
        .iter()
        .map(|c| (c.id.as_str(), c.outcome))
        .collect();
    let new_cases: BTreeMap<&str, Outcome> = new
        .cases
        .iter()
        .map(|c| (c.id.as_str(), c.outcome))
        .collect();
    let mut d = Diff::default();
    for (id, before) in &old_cases {
        match new_cases.get(id) {
            Some(after) if after != before => d.flipped.push((id.to_string(), *before, *after)),
            Some(_) => {}
            None => d.removed.push((id.to_string(), *before)),
        }
    }
    for (id, after) in &new_cases {
        if !old_cases.contains_key(id) {
            d.added.push((id.to_string(), *after));
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_names() {
        assert_eq!(base_name("a/b/report.json"), "report.json");
        assert_eq!(base_name("report.json"), "report.json");
        assert_eq!(base_name("c:\\x\\r.json"), "r.json");
        assert_eq!(base_name("dir/"), "dir");
    }

    fn fixture(name: &str) -> RunReport {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/compare")
            .join(name);
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn totals_count_each_outcome_then_the_baselined() {
        let (old, new) = (fixture("fixture-0.1.json"), fixture("fixture-0.2.json"));
        let mut empty = old.clone();
        empty.cases.clear();
        let inputs = [
            Input {
                file: "a/old.json",
                report: &old,
            },
            Input {
                file: "b/new.json",
                report: &new,
            },
            Input {
                file: "empty.json",
                report: &empty,
            },
        ];
        let cmp = Comparison::new(&inputs);
        for (column, report) in [&old, &new].into_iter().enumerate() {
            let totals = cmp.totals(column);
            let outcomes = totals.iter().filter(|(_, s)| *s != BASELINED_MARK);
            assert_eq!(outcomes.map(|(n, _)| n).sum::<usize>(), report.cases.len());
            for (n, sym) in &totals {
                assert!(*n > 0, "{sym}");
            }
        }
        let new_totals = cmp.totals(1);
        assert_eq!(
            new_totals.last(),
            Some(&(1, BASELINED_MARK)),
            "the baselined count comes last"
        );
        assert!(!cmp.totals(0).iter().any(|(_, s)| *s == BASELINED_MARK));
        assert!(cmp.totals(2).is_empty());
        assert_eq!(cmp.totals_line(2, |n, s| format!("{n}{s}")), NO_TOTALS);
        let line = cmp.totals_line(1, |n, s| format!("{n}{s}"));
        assert_eq!(line.split(TOTALS_SEPARATOR).count(), new_totals.len());
        assert!(line.ends_with("1*"), "{line}");

        for area in &cmp.areas {
            assert_eq!(area.passed(2), None, "{}", area.name);
            let held = area.rows.iter().filter(|r| r.cells[1].is_some()).count();
            match area.passed(1) {
                None => assert_eq!(held, 0),
                Some((passed, n)) => assert!(n == held && passed <= n),
            }
        }
    }

    #[test]
    fn columns_name_their_file_and_baseline() {
        let (old, new) = (fixture("fixture-0.1.json"), fixture("fixture-0.2.json"));
        let mut stale = new.clone();
        let b = stale.baseline.as_mut().unwrap();
        b.stale = b.unused.clone();
        let input = |file, report| Input { file, report };
        let cmp = Comparison::new(&[input("a/r.json", &old), input("b/r.json", &new)]);
        assert_eq!(cmp.columns[0].file_note(), Some("a/r.json"));
        assert_eq!(cmp.columns[0].baseline_summary(), "none");
        assert_eq!(cmp.columns[1].baseline_summary(), "1 expected");
        let cmp = Comparison::new(&[input("a/r.json", &old), input("b/r.json", &old)]);
        assert!(cmp.columns[0].label.contains("a/r.json"));
        assert_eq!(cmp.columns[0].file_note(), None, "{}", cmp.columns[0].label);
        let cmp = Comparison::new(&[input("s.json", &stale)]);
        assert_eq!(cmp.columns[0].baseline_summary(), "1 expected, 1 stale");
        assert_eq!(
            cmp.columns[0].protocol(),
            stale
                .negotiated_protocol_version
                .as_deref()
                .unwrap_or("none")
        );
    }

    #[test]
    fn symbols_are_distinct() {
        let symbols: BTreeSet<&str> = Outcome::ALL.iter().map(|o| symbol(*o)).collect();
        assert_eq!(symbols.len(), Outcome::ALL.len());
        assert!(!symbols.contains(ABSENT) && !symbols.contains(BASELINED_MARK));
        assert_eq!(legend().len(), Outcome::ALL.len() + 2);
    }
}
