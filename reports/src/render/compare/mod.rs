//! Comparison of several reports: a matrix of cases (rows, grouped by area) by report (columns)
//! with the outcome in each cell, per-column totals, and, for two runs of the same server, the
//! cases whose outcome changed. [`Comparison`] is the model; [`markdown`] and [`html`] render it.
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

    /// Per column, how many of `rows` pass out of how many the report holds.
    pub fn passed(rows: &[Row], column: usize) -> (usize, usize) {
        let cells: Vec<Cell> = rows.iter().filter_map(|r| r.cells[column]).collect();
        let passed = cells.iter().filter(|c| c.outcome == Outcome::Pass).count();
        (passed, cells.len())
    }

    /// A column's totals: the count of each outcome that occurs, in display order, and how many
    /// cells are baselined.
    pub fn totals(&self, column: usize) -> (Vec<(Outcome, usize)>, usize) {
        let report = self.columns[column].report;
        let counts = DISPLAY_ORDER
            .iter()
            .map(|o| (*o, report.cases.iter().filter(|c| c.outcome == *o).count()))
            .filter(|(_, n)| *n > 0)
            .collect();
        let baselined = report
            .cases
            .iter()
            .filter(|c| report.baselined(&c.id).is_some())
            .count();
        (counts, baselined)
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

    #[test]
    fn symbols_are_distinct() {
        let symbols: BTreeSet<&str> = Outcome::ALL.iter().map(|o| symbol(*o)).collect();
        assert_eq!(symbols.len(), Outcome::ALL.len());
        assert!(!symbols.contains(ABSENT) && !symbols.contains(BASELINED_MARK));
        assert_eq!(legend().len(), Outcome::ALL.len() + 2);
    }
}
