//! The comparison renderers over the hand-made reports in `tests/fixtures/compare/`: snapshots of
//! the Markdown and HTML, the diff between two runs of one server, column labels, and escaping of
//! server-supplied names. Not the single-report renderers (see `render.rs`, `render_formats.rs`).

use std::path::Path;

use mcpspec_report::render::compare::{self, Comparison, Input};
use mcpspec_report::{Outcome, RunReport};

fn load(name: &str) -> RunReport {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/compare")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("fixture is readable");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

struct Fixtures {
    old: RunReport,
    new: RunReport,
    other: RunReport,
}

fn fixtures() -> Fixtures {
    Fixtures {
        old: load("fixture-0.1.json"),
        new: load("fixture-0.2.json"),
        other: load("other.json"),
    }
}

impl Fixtures {
    fn two(&self) -> Vec<Input<'_>> {
        vec![
            Input {
                file: "runs/fixture-0.1.json",
                report: &self.old,
            },
            Input {
                file: "runs/fixture-0.2.json",
                report: &self.new,
            },
        ]
    }

    fn three(&self) -> Vec<Input<'_>> {
        let mut v = self.two();
        v.push(Input {
            file: "other.json",
            report: &self.other,
        });
        v
    }
}

#[test]
fn compare_fixtures_are_valid_reports() {
    let schema_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/mcpspec/report.v1.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::draft7::new(&schema).expect("schema compiles");
    for name in ["fixture-0.1.json", "fixture-0.2.json", "other.json"] {
        let report = load(name);
        let value = serde_json::to_value(&report).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        assert_eq!(
            report.summary,
            mcpspec_report::Summary::of(&report.cases),
            "{name}"
        );
    }
}

#[test]
fn markdown_snapshots() {
    let f = fixtures();
    insta::assert_snapshot!(
        "two_runs_of_one_server",
        compare::markdown::render(&f.two())
    );
    insta::assert_snapshot!("three_servers", compare::markdown::render(&f.three()));
}

#[test]
fn html_snapshots() {
    let f = fixtures();
    insta::assert_snapshot!(
        "two_runs_of_one_server_html",
        compare::html::render(&f.two())
    );
    insta::assert_snapshot!("three_servers_html", compare::html::render(&f.three()));
}

#[test]
fn rows_are_the_sorted_union_grouped_by_area() {
    let f = fixtures();
    let cmp = Comparison::new(&f.three());
    let areas: Vec<&str> = cmp.areas.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        areas,
        [
            "lifecycle",
            "oracle",
            "ping",
            "prompts",
            "resources",
            "tools"
        ]
    );
    let ids: Vec<&str> = cmp
        .areas
        .iter()
        .flat_map(|a| a.rows.iter().map(|r| r.id.as_str()))
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(ids, sorted);
    assert_eq!(cmp.case_count(), 9);
    let ping = &cmp.areas[2].rows[0];
    assert_eq!(ping.id, "ping.behavior.answers-during-call");
    assert_eq!(ping.cells[0].map(|c| c.outcome), Some(Outcome::Pass));
    assert_eq!(ping.cells[1], None, "not in the second report");
    let tools = cmp.areas[5]
        .rows
        .iter()
        .find(|r| r.id == "tools.call.unknown-tool")
        .unwrap();
    let marks: Vec<String> = tools.cells.iter().map(|c| c.unwrap().symbol()).collect();
    assert_eq!(
        marks,
        ["~", "~*", "✓"],
        "the second run's baseline expects it"
    );
    assert!(cmp.diff.is_none(), "no diff across three reports");
}

#[test]
fn two_runs_of_one_server_get_a_diff() {
    let f = fixtures();
    let cmp = Comparison::new(&f.two());
    let d = cmp.diff.expect("same serverInfo name");
    assert_eq!(
        d.flipped,
        [
            (
                "oracle.jsonrpc-envelope".to_string(),
                Outcome::Pass,
                Outcome::HarnessError
            ),
            (
                "ping.behavior.empty-result".to_string(),
                Outcome::Fail,
                Outcome::Pass
            ),
        ]
    );
    assert_eq!(
        d.added,
        [
            (
                "resources.read.text-content".to_string(),
                Outcome::NotApplicable
            ),
            ("tools.list.pagination".to_string(), Outcome::Fail),
        ]
    );
    assert_eq!(
        d.removed,
        [(
            "ping.behavior.answers-during-call".to_string(),
            Outcome::Pass
        )]
    );
    // Different servers, or the same report twice: no diff, or an empty one.
    let pair = [
        Input {
            file: "a.json",
            report: &f.old,
        },
        Input {
            file: "b.json",
            report: &f.other,
        },
    ];
    assert!(Comparison::new(&pair).diff.is_none());
    let same = [
        Input {
            file: "a.json",
            report: &f.old,
        },
        Input {
            file: "b.json",
            report: &f.old,
        },
    ];
    let d = Comparison::new(&same).diff.expect("same server");
    assert!(d.is_empty());
    assert!(
        compare::markdown::render(&same).contains("No case changed its outcome"),
        "an empty diff says so"
    );
}

#[test]
fn equal_labels_are_told_apart_by_file_name() {
    let f = fixtures();
    let labels = |inputs: &[Input<'_>]| -> Vec<String> {
        Comparison::new(inputs)
            .columns
            .into_iter()
            .map(|c| c.label)
            .collect()
    };
    let input = |file, report| Input { file, report };
    assert_eq!(
        labels(&f.two()),
        [
            "mcpspec-fixture-server 0.1.0",
            "mcpspec-fixture-server 0.2.0"
        ]
    );
    assert_eq!(
        labels(&[input("x/a.json", &f.old), input("y/b.json", &f.old)]),
        [
            "mcpspec-fixture-server 0.1.0 (a.json)",
            "mcpspec-fixture-server 0.1.0 (b.json)"
        ]
    );
    assert_eq!(
        labels(&[
            input("x/r.json", &f.old),
            input("y/r.json", &f.old),
            input("z.json", &f.new)
        ]),
        [
            "mcpspec-fixture-server 0.1.0 (x/r.json)",
            "mcpspec-fixture-server 0.1.0 (y/r.json)",
            "mcpspec-fixture-server 0.2.0"
        ]
    );
    assert_eq!(
        labels(&[input("r.json", &f.old), input("r.json", &f.old)]),
        [
            "mcpspec-fixture-server 0.1.0 (#1)",
            "mcpspec-fixture-server 0.1.0 (#2)"
        ]
    );
    let mut anonymous = f.old.clone();
    anonymous.server_info = None;
    assert_eq!(
        labels(&[input("dir/anon.json", &anonymous), input("o.json", &f.old)]),
        ["anon.json", "mcpspec-fixture-server 0.1.0"]
    );
}

#[test]
fn server_supplied_names_cannot_inject_markup() {
    let f = fixtures();
    let html = compare::html::render(&f.three());
    assert!(!html.contains("<b>") && !html.contains("<i>"), "{html}");
    assert!(html.contains("other&lt;b&gt;&amp;\"server\"|`x` 1.0 &lt;i&gt;beta&lt;/i&gt;"));
    assert!(!html.contains("<script"), "no script");
    for needle in ["src=", "href=", "url(", "@import"] {
        assert!(!html.contains(needle), "the page loads nothing: {needle}");
    }
    assert!(html.contains("default-src 'none'"));
    let md = compare::markdown::render(&f.three());
    assert!(md.contains(r"other\<b\>\&"), "{md}");
    // Every matrix row has as many cells as the header.
    let header_cells = md
        .lines()
        .find(|l| l.starts_with("| case |"))
        .unwrap()
        .matches(" | ")
        .count();
    for line in md
        .lines()
        .filter(|l| l.starts_with("| `") || l.starts_with("| **"))
    {
        let unescaped = line.replace("\\|", "");
        if line.contains("protocol") || unescaped.contains(".json") {
            continue;
        }
        assert_eq!(unescaped.matches(" | ").count(), header_cells, "{line}");
    }
}
