//! The hand-computed fixture of the v2 model (`tests/fixtures/model`, issue 13) through the real
//! CLI: ingested, evaluated at a fixed instant, both exports compared byte for byte with the
//! files its README works out by hand, and the policy version and calendar stored per clock.

use std::path::PathBuf;

use mesa_sla::store::Store;

use crate::helpers::{compare, fixtures, run, stderr};

/// The instant the README evaluates at (Friday 2025-03-28 12:00, Bogotá).
const AS_OF: &str = "2025-03-28 12:00:00";

fn model(name: &str) -> PathBuf {
    fixtures().join("model").join(name)
}

fn path_arg(p: &std::path::Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A folder whose `store.duckdb` holds the fixture evaluated at [`AS_OF`], with
/// `results.csv` and `ola.csv` exported by the same `evaluate`.
fn evaluated() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = model("policy.toml");
    let (tickets, events) = (model("tickets.csv"), model("events.csv"));
    let base = ["--db", "store.duckdb", "--config", path_arg(&policy)];
    let ingest = ["ingest", "canonical", path_arg(&tickets), path_arg(&events)];
    let o = run(dir.path(), &[&base[..], &ingest[..]].concat());
    assert!(o.status.success(), "ingest: {}", stderr(&o));
    let evaluate = [
        "evaluate",
        "--as-of",
        AS_OF,
        "--export",
        "results.csv",
        "--export-ola",
        "ola.csv",
    ];
    let o = run(dir.path(), &[&base[..], &evaluate[..]].concat());
    assert!(o.status.success(), "evaluate: {}", stderr(&o));
    dir
}

fn assert_same_file(got: &std::path::Path, expected: &std::path::Path) {
    let got = std::fs::read_to_string(got).expect("export written");
    let want = std::fs::read_to_string(expected).expect("expected file");
    compare(&got, &want);
    assert_eq!(
        got, want,
        "same lines, other bytes (line ends, last newline)"
    );
}

#[test]
fn the_model_fixture_exports_its_hand_computed_results_and_ola() {
    let dir = evaluated();
    assert_same_file(
        &dir.path().join("results.csv"),
        &model("expected_results.csv"),
    );
    assert_same_file(&dir.path().join("ola.csv"), &model("expected_ola.csv"));
}

/// `(ticket, metric, policy_version, before_first_version, calendar)` of every stored clock.
type ClockSource = (String, String, Option<String>, bool, String);

#[test]
fn each_clock_records_its_policy_version_and_calendar() {
    let dir = evaluated();
    let store = Store::open(&dir.path().join("store.duckdb")).expect("store");
    let mut stmt = store
        .sql_for_tests()
        .prepare(
            "SELECT ticket_id, metric, policy_version, before_first_version, calendar \
             FROM sla_results ORDER BY CAST(ticket_id AS INTEGER), metric",
        )
        .expect("the v2 columns exist");
    let got: Vec<ClockSource> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    // The README's last table: version, flag, attention calendar, solution calendar.
    let readme = [
        ("1", "v04", true, "general", "general"),
        ("2", "v04", false, "general", "general"),
        ("3", "v05", false, "general", "general"),
        ("4", "v05", false, "general", "continuo"),
        ("5", "v05", false, "general", "general"),
        ("6", "v05", false, "general", "general"),
        ("7", "v05", false, "general", "general"),
    ];
    let want: Vec<ClockSource> = readme
        .iter()
        .flat_map(|&(id, version, first, att, sol)| {
            [("attention", att), ("solution", sol)].map(|(metric, cal)| {
                (
                    id.to_owned(),
                    metric.to_owned(),
                    Some(version.to_owned()),
                    first,
                    cal.to_owned(),
                )
            })
        })
        .collect();
    assert_eq!(got, want);
}

/// `--export-ola -` writes exactly the hand-computed CSV on stdout (the summary goes to stderr);
/// both exports on stdout at once are refused before anything is evaluated.
#[test]
fn the_ola_export_can_go_to_stdout_but_not_together_with_the_results() {
    let dir = evaluated();
    let policy = model("policy.toml");
    let base = ["--db", "store.duckdb", "--config", path_arg(&policy)];
    let evaluate = ["evaluate", "--as-of", AS_OF, "--export-ola", "-"];
    let o = run(dir.path(), &[&base[..], &evaluate[..]].concat());
    assert!(o.status.success(), "evaluate: {}", stderr(&o));
    let want = std::fs::read_to_string(model("expected_ola.csv")).expect("expected file");
    assert_eq!(String::from_utf8_lossy(&o.stdout), want);
    assert!(
        stderr(&o).contains("tiempos por grupo (OLA) exportados a la salida estándar"),
        "{}",
        stderr(&o)
    );
    let both = [
        "evaluate",
        "--as-of",
        AS_OF,
        "--export",
        "-",
        "--export-ola",
        "-",
    ];
    let o = run(dir.path(), &[&base[..], &both[..]].concat());
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("--export y --export-ola no pueden ir las dos a la salida estándar"),
        "{}",
        stderr(&o)
    );
    assert!(o.stdout.is_empty());
}
