//! The workbook's «OLA por grupo» sheet on the hand case of `tests/fixtures/ola_sheet` (its
//! README): the real `report` command, the sheet read back with calamine, every figure counted
//! by hand below; and the same figures from the store under the dashboard's filters.

use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};
use mesa_sla::engine::Engine;
use mesa_sla::evaluation::evaluate_store;
use mesa_sla::indicators::Quarter;
use mesa_sla::store::Store;
use mesa_sla::store::indicators::{Filters, VersionFilter};
use mesa_sla::store::ola_groups::{OlaGroup, quarter_ola};

use crate::helpers::{cut, fixture_engine, fixtures, load_canonical, run, stderr};
use crate::report::{cell, number};
use crate::web::spawn_app_over;

fn dir() -> PathBuf {
    fixtures().join("ola_sheet")
}

fn q3() -> Quarter {
    Quarter::parse("2025-Q3").expect("quarter")
}

/// The hand-computed rows of «Prueba» in 2025-Q3 (calendar 7x24: business hours are clock
/// hours). The quarter's solution population is cases 1–4 (solution stopped in July–September;
/// case 4 was opened in June; case 5 was solved in October, case 6 is open). Holds:
/// - case 1: Mesa N1 08:00–09:00 = 1 h (≤ 2 h: met); Redes N2 09:00–14:00 = 5 h (over 4 h:
///   breached). Solution 6 h. (Mesa N1's removal and Redes N2's assignment at 09:00 leave no
///   «(sin grupo)» hold between them.)
/// - case 2: no group 08:00–08:30 = 0,5 h; Mesa N1 08:30–10:00 and 15:00–16:00 = 2,5 h (one row,
///   over 2 h: breached); Proveedor 10:00–15:00 minus the wait 11:00–13:00 = 3 h (no target).
///   Solution 6 h (the wait does not count).
/// - case 3: Redes N2 09:00–12:00 = 3 h (met). Solution 3 h.
/// - case 4: Mesa N1 20:00–00:30 = 4,5 h (breached). Solution 4,5 h.
///
/// Solution time of the four: 6 + 6 + 3 + 4,5 = 19,5 h.
/// - Mesa N1: cases 1, 2, 4; 3 with target, 1 met, 2 breached (33,3 %); median of 1, 2,5, 4,5 =
///   2,5 h; 8 h in all = 8 / 19,5 of the solution time.
/// - Redes N2: cases 1, 3; 2 with target, 1 met, 1 breached (50 %); median of 5 and 3 = 4 h;
///   8 h = 8 / 19,5.
/// - Proveedor: case 2, no target (no compliance); 3 h = 3 / 19,5.
/// - (sin grupo): case 2, no target; 0,5 h = 0,5 / 19,5.
/// - Total: 4 cases; 5 holds with target, 2 met, 3 breached (40 %); median of the seven holds
///   0,5 1 2,5 3 3 4,5 5 = 3 h; 19,5 h = 100 %.
///
/// Rows go by hours consumed, most first, ties by name ("Mesa N1" before "Redes N2").
fn expected() -> Vec<OlaGroup> {
    let row = |group, n, compliance, median, total| row(group, n, compliance, median, total, 19.5);
    vec![
        row("Mesa N1", [3, 3, 1, 2], Some(100.0 / 3.0), 2.5, 8.0),
        row("Redes N2", [2, 2, 1, 1], Some(50.0), 4.0, 8.0),
        row("Proveedor", [1, 0, 0, 0], None, 3.0, 3.0),
        row("(sin grupo)", [1, 0, 0, 0], None, 0.5, 0.5),
        row("", [4, 5, 2, 3], Some(40.0), 3.0, 19.5),
    ]
}

/// A group's expected figures: `n` tickets, holds with target, met, breached; hours `total` of
/// the `whole` solution hours.
fn row(
    group: &str,
    n: [u64; 4],
    compliance: Option<f64>,
    median: f64,
    total: f64,
    whole: f64,
) -> OlaGroup {
    OlaGroup {
        group: group.to_owned(),
        tickets: n[0],
        with_target: n[1],
        met: n[2],
        breached: n[3],
        compliance,
        median_hours: Some(median),
        total_hours: total,
        share: Some(100.0 * total / whole),
    }
}

fn close(got: Option<f64>, want: Option<f64>) -> bool {
    match (got, want) {
        (Some(g), Some(w)) => (g - w).abs() < 1e-9,
        (g, w) => g.is_none() && w.is_none(),
    }
}

/// The report command (re-evaluating at the end of 2025) in a new folder on the hand store.
fn report() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    {
        let mut store = Store::open(&tmp.path().join("store.duckdb")).expect("store");
        load_canonical(&mut store, &dir());
    }
    let policy = dir().join("policy.toml");
    let o = run(
        tmp.path(),
        &[
            "--db",
            "store.duckdb",
            "--config",
            policy.to_str().expect("utf-8 path"),
            "report",
            "--quarter",
            "2025-Q3",
            "--as-of",
            "2025-12-31 23:59:59",
            "--out",
            "salida",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    tmp
}

fn sheet(path: &Path) -> calamine::Range<Data> {
    let mut wb: Xlsx<_> = open_workbook(path).expect("workbook opens");
    wb.worksheet_range("OLA por grupo")
        .expect("«OLA por grupo» sheet")
}

fn text(s: &calamine::Range<Data>, row: usize, col: usize) -> String {
    match cell(s, row, col) {
        Data::String(t) => t,
        other => panic!("({row}, {col}) is not text: {other:?}"),
    }
}

/// Row `row` of the sheet as figures. Percent cells hold fractions (formatted 0.0%); "—" is no
/// value.
fn read_row(s: &calamine::Range<Data>, row: usize) -> OlaGroup {
    let n = |c| number(&cell(s, row, c)).expect("a count") as u64;
    let x = |c| number(&cell(s, row, c));
    OlaGroup {
        group: text(s, row, 0),
        tickets: n(1),
        with_target: n(2),
        met: n(3),
        breached: n(4),
        compliance: x(5).map(|v| v * 100.0),
        median_hours: x(6),
        total_hours: x(7).expect("hours"),
        share: x(8).map(|v| v * 100.0),
    }
}

fn assert_rows(got: &[OlaGroup], want: &[OlaGroup]) {
    assert_eq!(got.len(), want.len(), "{got:#?}");
    for (g, w) in got.iter().zip(want) {
        let same = g.group == w.group
            && [g.tickets, g.with_target, g.met, g.breached]
                == [w.tickets, w.with_target, w.met, w.breached]
            && close(g.compliance, w.compliance)
            && close(g.median_hours, w.median_hours)
            && close(Some(g.total_hours), Some(w.total_hours))
            && close(g.share, w.share);
        assert!(same, "got {g:#?}\nexpected {w:#?}");
    }
}

#[test]
fn the_workbook_has_the_ola_of_each_group_of_the_quarter() {
    let tmp = report();
    let s = sheet(&tmp.path().join("salida/indicadores_prueba_2025-Q3.xlsx"));
    assert_eq!(text(&s, 0, 0), "OLA por grupo — Prueba");
    assert_eq!(
        text(&s, 3, 0),
        "Tiempo hábil de solución mientras el grupo tenía el caso, sin pausas; el tiempo sin \
         grupo va a (sin grupo)."
    );
    assert_eq!(text(&s, 5, 0), "Grupo");
    assert_eq!(text(&s, 5, 5), "Cumplimiento OLA");
    assert_eq!(text(&s, 5, 8), "% del tiempo de solución");
    let mut want = expected();
    if let Some(total) = want.last_mut() {
        total.group = "Total".into();
    }
    let got: Vec<OlaGroup> = (6..11).map(|r| read_row(&s, r)).collect();
    assert_rows(&got, &want);
    // Nothing after the total row.
    assert_eq!(cell(&s, 11, 0), Data::Empty);
    // The groups' shares add up to the whole solution time (the total's 100 %).
    let shares: f64 = got[..4].iter().filter_map(|g| g.share).sum();
    assert!((shares - 100.0).abs() < 1e-9, "{shares}");
    assert!(close(got[4].share, Some(100.0)));
}

#[test]
fn an_entity_without_ola_data_in_the_quarter_gets_one_line() {
    let tmp = report();
    // «Otra» has one case, opened in the quarter and still open: nothing solved, no OLA.
    let s = sheet(&tmp.path().join("salida/indicadores_otra_2025-Q3.xlsx"));
    assert_eq!(text(&s, 0, 0), "OLA por grupo — Otra");
    assert!(
        text(&s, 5, 0).starts_with("Ningún caso solucionado en el trimestre tiene datos de OLA"),
        "{:?}",
        cell(&s, 5, 0)
    );
    assert_eq!(cell(&s, 5, 1), Data::Empty);
    assert_eq!(cell(&s, 6, 0), Data::Empty);
}

fn engine() -> Engine {
    fixture_engine(&dir())
}

/// The hand store evaluated at the end of 2025.
fn evaluated(store: &mut Store) {
    load_canonical(store, &dir());
    evaluate_store(store, &engine(), cut(), cut()).expect("evaluates");
}

#[test]
fn the_figures_follow_the_entity_and_the_filters() {
    let mut store = Store::open_in_memory().expect("store");
    evaluated(&mut store);
    let all = Filters::default();
    // Every entity together: «Otra» solved nothing in the quarter, so the same rows.
    let both = quarter_ola(&store, None, q3(), &all).expect("ola");
    let prueba = quarter_ola(&store, Some("Prueba"), q3(), &all).expect("ola");
    let mut rows = prueba.groups.clone();
    rows.push(prueba.total.clone());
    assert_rows(&rows, &expected());
    assert_eq!(both, prueba);
    // Category «Redes»: cases 1 and 3 (6 + 3 = 9 h). Redes N2 holds 5 + 3 = 8 h (median 4 h,
    // one met, one breached), Mesa N1 1 h of case 1 (met).
    let redes = Filters {
        category: Some("Redes".into()),
        ..Filters::default()
    };
    let got = quarter_ola(&store, Some("Prueba"), q3(), &redes).expect("ola");
    let row =
        |group, n, compliance, median, total| row(group, n, Some(compliance), median, total, 9.0);
    let mut rows = got.groups.clone();
    rows.push(got.total.clone());
    assert_rows(
        &rows,
        &[
            row("Redes N2", [2, 2, 1, 1], 50.0, 4.0, 8.0),
            row("Mesa N1", [1, 1, 1, 0], 100.0, 1.0, 1.0),
            // Median of 1, 3 and 5.
            row("", [2, 3, 2, 1], 200.0 / 3.0, 3.0, 9.0),
        ],
    );
    // The policy-version filter: every case here was measured by the unversioned [policy].
    let unversioned = Filters {
        policy_version: Some(VersionFilter::Unversioned),
        ..Filters::default()
    };
    let same = quarter_ola(&store, Some("Prueba"), q3(), &unversioned).expect("ola");
    assert_eq!(same, prueba);
    let other = Filters {
        policy_version: Some(VersionFilter::Named("v05".into())),
        ..Filters::default()
    };
    assert!(
        quarter_ola(&store, Some("Prueba"), q3(), &other)
            .expect("ola")
            .is_empty()
    );
    // A quarter with nothing solved: no groups, a total of nothing.
    let q4_2024 = Quarter::parse("2024-Q4").expect("quarter");
    assert!(
        quarter_ola(&store, None, q4_2024, &all)
            .expect("ola")
            .is_empty()
    );
}

/// An `OlaGroup` of the API's JSON.
fn from_json(v: &serde_json::Value) -> OlaGroup {
    let n = |k: &str| v[k].as_u64().unwrap_or_else(|| panic!("{k} in {v}"));
    OlaGroup {
        group: v["group"].as_str().expect("group").to_owned(),
        tickets: n("tickets"),
        with_target: n("with_target"),
        met: n("met"),
        breached: n("breached"),
        compliance: v["compliance"].as_f64(),
        median_hours: v["median_hours"].as_f64(),
        total_hours: v["total_hours"].as_f64().expect("total_hours"),
        share: v["share"].as_f64(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_answers_the_same_figures() {
    let app = spawn_app_over(Default::default(), engine, evaluated).await;
    let r = app.get("/api/v1/ola?entity=Prueba&quarter=2025-Q3").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    assert_eq!(body["entity"], "Prueba");
    assert_eq!(body["quarter"], "2025-Q3");
    let mut rows: Vec<OlaGroup> = body["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(from_json)
        .collect();
    rows.push(from_json(&body["total"]));
    assert_rows(&rows, &expected());
    // The filters of /api/v1/indicators apply: category «Redes» keeps cases 1 and 3 (9 h).
    let r = app
        .get("/api/v1/ola?entity=Prueba&quarter=2025-Q3&category=Redes")
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let total = from_json(&r.json()["total"]);
    assert_eq!((total.tickets, total.met, total.breached), (2, 2, 1));
    assert!(close(Some(total.total_hours), Some(9.0)));
    // Nothing solved by «Otra» in the quarter: no groups.
    let r = app.get("/api/v1/ola?entity=Otra&quarter=2025-Q3").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["groups"], serde_json::json!([]));
}
