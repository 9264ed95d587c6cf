//! Requirement coverage: for every ID of the requirement catalogue (revision 2025-06-18), which
//! cases and oracles name it in their `requirements`, or, when none does, our recorded reason.
//!
//! The catalogue of IDs, scopes and reasons is data (`cases/_catalogue/2025-06-18.json`, embedded
//! here; the case loader skips folders starting with `_`). Not the case loader and not the
//! report: this module only joins IDs with cases and oracles and renders the table.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::case::model::Case;
use crate::oracles::OracleDef;

/// The embedded catalogue file for 2025-06-18.
pub const CATALOGUE_2025_06_18: &str = include_str!("../../../cases/_catalogue/2025-06-18.json");

/// Scope tags counted by [`Report::in_scope_by_case`]: what any server can be tested for.
pub const COUNTED_SCOPES: &[&str] = &["ANY", "STDIO", "EMITS", "CAP"];

/// The catalogue: every requirement ID with its scope, and why the uncovered ones are uncovered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// `$schema`-like pointer for editors; ignored.
    #[serde(rename = "$comment", default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The protocol revision the IDs belong to.
    pub revision: String,
    /// Every entry, in catalogue order.
    pub entries: Vec<CatalogueEntry>,
}

/// One requirement ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueEntry {
    /// The stable ID (`BASE-004`, `PROBE-007`).
    pub id: String,
    /// When a black-box harness can check it: `ANY`, `STDIO`, `HTTP`, `LEGACY`, `CAP:<path>`,
    /// `EMITS`, `AUTH`, `FIXTURE`, `NOT-BB`, or `NONE` (a note for the validator or a client
    /// duty, nothing to check on a server).
    pub scope: String,
    /// Why no case or oracle covers it (one line, our own words). Needed exactly when nothing
    /// names the ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncovered_reason: Option<String>,
}

/// The known scope tags (a `CAP` tag may carry `:<path>`).
const SCOPES: &[&str] = &[
    "ANY", "STDIO", "HTTP", "LEGACY", "CAP", "EMITS", "AUTH", "FIXTURE", "NOT-BB", "NONE",
];

impl Catalogue {
    /// The embedded 2025-06-18 catalogue.
    pub fn embedded() -> Result<Catalogue, String> {
        Catalogue::parse(CATALOGUE_2025_06_18)
    }

    /// Parses and checks a catalogue file: ID shape, no duplicates, known scope tags, reasons
    /// that are one non-empty line.
    pub fn parse(text: &str) -> Result<Catalogue, String> {
        let cat: Catalogue =
            serde_json::from_str(text).map_err(|e| format!("catalogue is not valid: {e}"))?;
        let mut seen = BTreeSet::new();
        for e in &cat.entries {
            if !is_requirement_id(&e.id) {
                return Err(format!(
                    "catalogue entry {:?} is not a requirement ID",
                    e.id
                ));
            }
            if !seen.insert(e.id.as_str()) {
                return Err(format!("catalogue lists {} twice", e.id));
            }
            let tag = e.scope.split(':').next().unwrap_or("");
            if !SCOPES.contains(&tag) || (tag != "CAP" && e.scope.contains(':')) {
                return Err(format!("{} has an unknown scope {:?}", e.id, e.scope));
            }
            if let Some(r) = &e.uncovered_reason
                && (r.trim().is_empty() || r.contains('\n'))
            {
                return Err(format!("{}: the reason must be one non-empty line", e.id));
            }
        }
        Ok(cat)
    }

    /// The IDs, in catalogue order.
    pub fn ids(&self) -> Vec<&str> {
        self.entries.iter().map(|e| e.id.as_str()).collect()
    }
}

/// Whether `s` looks like a catalogue ID: upper-case letters and digits, a hyphen, three digits.
pub fn is_requirement_id(s: &str) -> bool {
    let Some((area, num)) = s.rsplit_once('-') else {
        return false;
    };
    !area.is_empty()
        && area
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && area.starts_with(|c: char| c.is_ascii_uppercase())
        && num.len() == 3
        && num.chars().all(|c| c.is_ascii_digit())
}

/// The IDs defined by the shared requirement catalogue (the Markdown file): the first cell of
/// every table row that holds an ID.
pub fn ids_in_markdown(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix('|'))
        .filter_map(|rest| rest.split('|').next())
        .map(str::trim)
        .filter(|cell| is_requirement_id(cell))
        .map(str::to_string)
        .collect()
}

/// One catalogue ID with what covers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The ID.
    pub id: String,
    /// Its scope tag.
    pub scope: String,
    /// Cases whose `requirements` name it.
    pub cases: Vec<String>,
    /// Oracles whose `requirements` name it.
    pub oracles: Vec<String>,
    /// The catalogue's reason, if any.
    pub reason: Option<String>,
}

impl Row {
    /// Whether a case or an oracle names the ID.
    pub fn covered(&self) -> bool {
        !self.cases.is_empty() || !self.oracles.is_empty()
    }

    /// Whether the scope is one [`COUNTED_SCOPES`] counts.
    pub fn counted(&self) -> bool {
        COUNTED_SCOPES.contains(&self.scope.split(':').next().unwrap_or(""))
    }
}

/// Coverage of one catalogue by a set of cases and oracles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The revision of the catalogue.
    pub revision: String,
    /// One row per catalogue ID, in catalogue order.
    pub rows: Vec<Row>,
    /// `(case or oracle ID, requirement)` pairs naming an ID the catalogue does not have.
    pub unknown: Vec<(String, String)>,
}

/// Joins the catalogue with the cases and oracles that name its IDs.
pub fn compute(catalogue: &Catalogue, cases: &[Case], oracles: &[OracleDef]) -> Report {
    let mut by_case: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut by_oracle: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let known: BTreeSet<&str> = catalogue.ids().into_iter().collect();
    let mut unknown = Vec::new();
    for c in cases {
        for r in &c.requirements {
            by_case.entry(r.as_str()).or_default().push(c.id.clone());
            if !known.contains(r.as_str()) {
                unknown.push((c.id.clone(), r.clone()));
            }
        }
    }
    for o in oracles {
        for r in o.requirements {
            by_oracle.entry(r).or_default().push(o.id.to_string());
            if !known.contains(r) {
                unknown.push((o.id.to_string(), r.to_string()));
            }
        }
    }
    let rows = catalogue
        .entries
        .iter()
        .map(|e| {
            let mut cases = by_case.remove(e.id.as_str()).unwrap_or_default();
            let mut oracles = by_oracle.remove(e.id.as_str()).unwrap_or_default();
            cases.sort();
            oracles.sort();
            Row {
                id: e.id.clone(),
                scope: e.scope.clone(),
                cases,
                oracles,
                reason: e.uncovered_reason.clone(),
            }
        })
        .collect();
    unknown.sort();
    Report {
        revision: catalogue.revision.clone(),
        rows,
        unknown,
    }
}

impl Report {
    /// Rows neither covered nor explained: each is a gap in the catalogue file.
    pub fn unexplained(&self) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|r| !r.covered() && r.reason.is_none())
            .collect()
    }

    /// Rows that are covered but still carry a reason (the reason is out of date).
    pub fn stale_reasons(&self) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|r| r.covered() && r.reason.is_some())
            .collect()
    }

    /// `(covered by a case, total)` over rows whose scope is counted (ANY, STDIO, EMITS, CAP:x).
    pub fn in_scope_by_case(&self) -> (usize, usize) {
        let counted: Vec<&Row> = self.rows.iter().filter(|r| r.counted()).collect();
        let by_case = counted.iter().filter(|r| !r.cases.is_empty()).count();
        (by_case, counted.len())
    }

    /// `(covered by a case or an oracle, total)` over rows whose scope is counted.
    pub fn in_scope_covered(&self) -> (usize, usize) {
        let counted: Vec<&Row> = self.rows.iter().filter(|r| r.counted()).collect();
        let covered = counted.iter().filter(|r| r.covered()).count();
        (covered, counted.len())
    }

    /// The table as text: one line per ID, then the totals. With `only_uncovered`, covered IDs
    /// are left out of the table (the totals stay).
    pub fn render(&self, only_uncovered: bool) -> String {
        let mut out = String::new();
        for r in &self.rows {
            if only_uncovered && r.covered() {
                continue;
            }
            let what = if r.covered() {
                let mut names = r.cases.clone();
                names.extend(r.oracles.iter().cloned());
                let mut text = names.join(", ");
                if r.reason.is_some() {
                    text.push_str("  (the catalogue's reason is out of date)");
                }
                text
            } else {
                match &r.reason {
                    Some(why) => format!("not covered: {why}"),
                    None => "NOT COVERED, NO REASON GIVEN".to_string(),
                }
            };
            out.push_str(&format!("{:<15} {:<28} {what}\n", r.id, r.scope));
        }
        for (who, id) in &self.unknown {
            out.push_str(&format!(
                "{who} names {id}, which the catalogue does not have\n"
            ));
        }
        let covered = self.rows.iter().filter(|r| r.covered()).count();
        let (by_case, counted) = self.in_scope_by_case();
        let (any, _) = self.in_scope_covered();
        out.push_str(&format!(
            "\n{covered} of {} catalogue IDs ({}) are covered by a case or an oracle.\n",
            self.rows.len(),
            self.revision
        ));
        out.push_str(&format!(
            "Scopes ANY, STDIO, EMITS and CAP:x: {by_case} of {counted} covered by a case ({}), {any} of {counted} by a case or an oracle ({}).\n",
            percent(by_case, counted),
            percent(any, counted)
        ));
        let gaps = self.unexplained().len();
        if gaps > 0 {
            out.push_str(&format!(
                "{gaps} ID(s) are neither covered nor explained in the catalogue file.\n"
            ));
        }
        out
    }
}

/// `n` of `d` as a percentage with one decimal.
pub fn percent(n: usize, d: usize) -> String {
    if d == 0 {
        return "n/a".into();
    }
    format!("{:.1}%", n as f64 * 100.0 / d as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue(json: &str) -> Result<Catalogue, String> {
        Catalogue::parse(json)
    }

    #[test]
    fn ids_have_a_shape() {
        for ok in ["BASE-001", "S2C-014", "PROBE-018"] {
            assert!(is_requirement_id(ok), "{ok}");
        }
        for bad in [
            "base-001",
            "BASE-1",
            "BASE001",
            "-001",
            "2XX-001",
            "BASE-0011",
        ] {
            assert!(!is_requirement_id(bad), "{bad}");
        }
    }

    #[test]
    fn markdown_rows_give_ids() {
        let md = "| ID | Level |\n|---|---|\n| BASE-001 | MUST |\n| S2C-002 | x |\ntext BASE-003\n| not-an-id | y |\n";
        let ids: Vec<String> = ids_in_markdown(md).into_iter().collect();
        assert_eq!(ids, ["BASE-001", "S2C-002"]);
    }

    #[test]
    fn bad_catalogues_are_refused() {
        let dup = r#"{"revision":"x","entries":[{"id":"A-001","scope":"ANY"},{"id":"A-001","scope":"ANY"}]}"#;
        assert!(catalogue(dup).unwrap_err().contains("twice"));
        let scope = r#"{"revision":"x","entries":[{"id":"A-001","scope":"SOMETIMES"}]}"#;
        assert!(catalogue(scope).unwrap_err().contains("scope"));
        let reason =
            r#"{"revision":"x","entries":[{"id":"A-001","scope":"ANY","uncovered_reason":" "}]}"#;
        assert!(
            catalogue(reason)
                .unwrap_err()
                .contains("one non-empty line")
        );
        let field = r#"{"revision":"x","entries":[{"id":"A-001","scope":"ANY","why":"x"}]}"#;
        assert!(catalogue(field).is_err());
    }

    #[test]
    fn coverage_joins_cases_and_oracles() {
        let cat = catalogue(
            r#"{"revision":"r","entries":[
                {"id":"A-001","scope":"ANY"},
                {"id":"A-002","scope":"CAP:tools","uncovered_reason":"needs a trigger"},
                {"id":"A-003","scope":"HTTP"},
                {"id":"A-004","scope":"EMITS","uncovered_reason":"stale"}]}"#,
        )
        .expect("parses");
        let case: Case = serde_json::from_value(serde_json::json!({
            "id": "x.y.z", "title": "t", "expectation": "e", "requirements": ["A-001", "B-009"],
            "spec": {"page": "basic", "statement": "MUST"}, "level": "MUST",
            "steps": [], "self_test": {"breaks_with": "k"}
        }))
        .expect("case");
        let oracles = [OracleDef {
            requirements: &["A-004"],
            ..crate::oracles::ORACLES[0]
        }];
        let rep = compute(&cat, &[case], &oracles);
        assert_eq!(rep.rows[0].cases, ["x.y.z"]);
        assert_eq!(rep.unknown, [("x.y.z".to_string(), "B-009".to_string())]);
        let gaps: Vec<&str> = rep.unexplained().iter().map(|r| r.id.as_str()).collect();
        assert_eq!(gaps, ["A-003"]);
        let stale: Vec<&str> = rep.stale_reasons().iter().map(|r| r.id.as_str()).collect();
        assert_eq!(stale, ["A-004"]);
        // Counted: A-001 (case), A-002 (none), A-004 (oracle only).
        assert_eq!(rep.in_scope_by_case(), (1, 3));
        assert_eq!(rep.in_scope_covered(), (2, 3));
        let text = rep.render(false);
        assert!(text.contains("NOT COVERED, NO REASON GIVEN"));
        assert!(text.contains("B-009"));
        assert!(text.contains("33.3%"));
    }
}
