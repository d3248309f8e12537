//! The outputs agree with each other: one default quarter for the dashboard, the API and the
//! `report` command; the console figures of `demo` and `report` equal the workbook's; the
//! dashboard marks a quarter that had not ended at its data instant.

use calamine::{Data, Reader, Xlsx, open_workbook};
use mesa_sla::web::WebConfig;

use crate::helpers::{run, stderr, stdout};
use crate::http::send;
use crate::report::{hand_store, report_on_store};
use crate::web::spawn_app;

/// The number in column 2 of the "Resumen" row named `indicator` (a fraction for percentages),
/// found by name so that rows added above it do not matter.
fn summary_value(workbook: &std::path::Path, indicator: &str) -> f64 {
    let mut wb: Xlsx<_> = open_workbook(workbook).expect("workbook opens");
    let sheet = wb.worksheet_range("Resumen").expect("Resumen");
    let row = sheet
        .rows()
        .find(|r| r.first() == Some(&Data::String(indicator.into())))
        .unwrap_or_else(|| panic!("no row «{indicator}» in {}", workbook.display()));
    match row.get(2) {
        Some(Data::Float(f)) => *f,
        Some(Data::Int(i)) => *i as f64,
        other => panic!("{indicator}: {other:?}"),
    }
}

/// A fraction as a person reads it in Colombia: one decimal, decimal comma ("77,9 %"). Written
/// here by hand, apart from the formatter under test.
fn es_co_percent(fraction: f64) -> String {
    format!("{:.1} %", fraction * 100.0).replace('.', ",")
}

/// The two percentages (attention, solution) of the console table's row for `entity` and
/// `quarter`.
fn table_percentages(out: &str, entity: &str, quarter: &str) -> Vec<String> {
    let line = out
        .lines()
        .find(|l| l.starts_with(entity) && l.contains(&format!(" {quarter} ")))
        .unwrap_or_else(|| panic!("no row for {entity} {quarter}:\n{out}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    words
        .windows(2)
        .filter(|w| w[1] == "%")
        .map(|w| format!("{} %", w[0]))
        .collect()
}

const ATTENTION: &str = "Casos atendidos dentro del ANS";
const SOLUTION: &str = "Casos solucionados dentro del ANS";

#[test]
fn demo_console_table_equals_the_workbook_of_the_same_quarter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = run(
        dir.path(),
        &[
            "demo",
            "--no-serve",
            "--tickets",
            "300",
            "--as-of",
            "2026-06-30 12:00:00",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    // The report quarter is the last one finished at the cut; the one in progress is marked.
    assert!(out.contains("Informe del 2026-Q1"), "{out}");
    assert!(out.contains("2026-Q2 (en curso)"), "{out}");
    for (entity, slug) in [
        (
            "Alcaldía de San Isidro del Valle",
            "alcaldia-de-san-isidro-del-valle",
        ),
        (
            "Instituto Departamental de Tránsito",
            "instituto-departamental-de-transito",
        ),
    ] {
        let workbook = dir.path().join(format!(
            "mesa-sla-demo-informes/indicadores_{slug}_2026-Q1.xlsx"
        ));
        let want = [ATTENTION, SOLUTION].map(|i| es_co_percent(summary_value(&workbook, i)));
        assert_eq!(table_percentages(&out, entity, "2026-Q1"), want, "{out}");
        // The report lines under the table say the same.
        for (name, value) in [ATTENTION, SOLUTION].iter().zip(&want) {
            assert!(out.contains(&format!("{name}: {value}")), "{name}: {out}");
        }
    }
}

#[test]
fn report_console_figures_equal_the_workbook_and_the_hand_computed_quarter() {
    // No --quarter: the default is the last quarter finished at the evaluation, 2025-Q3.
    let (dir, o) = report_on_store(hand_store, &["--as-of", "2025-12-31 23:59:59"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("Informe del 2025-Q3 (tercer trimestre de 2025):"),
        "{out}"
    );
    let workbook = dir.path().join("salida/indicadores_prueba_2025-Q3.xlsx");
    // Worked out by hand (tests/fixtures/report/README): attention 2 of 3, solution 1 of 3.
    for (name, hand) in [(ATTENTION, 2.0 / 3.0), (SOLUTION, 1.0 / 3.0)] {
        let in_workbook = summary_value(&workbook, name);
        assert!((in_workbook - hand).abs() < 1e-9, "{name}: {in_workbook}");
        assert!(
            out.contains(&format!("{name}: {}", es_co_percent(hand))),
            "{name}: {out}"
        );
    }
}

async fn get(addr: &str, target: &str) -> (u16, String) {
    let r = send(addr, "GET", target, None, None).await;
    (r.status, r.text())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_api_and_report_open_on_the_same_quarter() {
    // The hand-computed store, evaluated at 2025-12-31 23:59:59: whatever the machine's clock
    // says, the default is the last quarter finished at that evaluation.
    let app = spawn_app(WebConfig::default()).await;
    let (status, page) = get(&app.addr, "/?entity=Prueba").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("tercer trimestre de 2025"), "{page}");
    assert!(page.contains("<option selected>2025-Q3</option>"), "{page}");
    // A finished quarter carries no "en curso" mark.
    assert!(!page.contains("trimestre en curso"), "{page}");
    let (status, json) = get(&app.addr, "/api/v1/indicators?entity=Prueba").await;
    assert_eq!(status, 200, "{json}");
    let json: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(json["quarter"], "2025-Q3", "{json}");

    let (_dir, o) = report_on_store(hand_store, &["--as-of", "2025-12-31 23:59:59"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Informe del 2025-Q3"), "{}", stdout(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quarter_in_progress_at_the_data_instant_is_marked() {
    let app = spawn_app(WebConfig::default()).await;
    // 2025-Q4 had not ended at the evaluation (2025-12-31 23:59:59).
    let (status, page) = get(&app.addr, "/?entity=Prueba&quarter=2025-Q4").await;
    assert_eq!(status, 200, "{page}");
    assert!(
        crate::web::unescape(&page).contains("Datos al 31/12/2025 23:59 · trimestre en curso"),
        "{page}"
    );
    let (status, page) = get(&app.addr, "/?entity=Prueba&quarter=2025-Q3").await;
    assert_eq!(status, 200, "{page}");
    assert!(!page.contains("trimestre en curso"), "{page}");
}
