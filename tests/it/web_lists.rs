//! The dashboard's lists and downloads honour the view's filters (issue 12, defects 1 and 2),
//! over the hand-computed quarter of `tests/fixtures/report` (its README works every case out).

use calamine::{Data, Reader, Xlsx};

use crate::web::{spawn_app, table_rows, unescape};
use mesa_sla::web::WebConfig;

/// `(ticket, clock)` of every breach a breach list or the API returned.
fn breach_keys(json: &serde_json::Value) -> Vec<(String, String)> {
    let mut keys: Vec<(String, String)> = json
        .as_array()
        .expect("a list")
        .iter()
        .map(|b| {
            (
                b["ticket_id"].as_str().unwrap_or_default().to_owned(),
                b["metric"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    keys.sort();
    keys
}

fn keys(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(t, m)| ((*t).to_owned(), (*m).to_owned()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn breach_lists_hold_exactly_the_breaches_of_the_quarter_and_filters() {
    let app = spawn_app(WebConfig::default()).await;
    // 2025-Q3 by the fixture's README: attention of 2 (created 07-02, 3 h); solution of 2
    // (solved 07-03) and of 4 (created in Q2, solved 07-01); solution of 3, open and created
    // 09-30. The indicators count 1 attention and 2 solution breaches (report.rs).
    let q3 = app
        .get("/api/v1/breaches?entity=Prueba&quarter=2025-Q3")
        .await
        .json();
    assert_eq!(
        breach_keys(&q3),
        keys(&[
            ("2", "attention"),
            ("2", "solution"),
            ("3", "solution"),
            ("4", "solution")
        ])
    );
    // 2025-Q2 holds only ticket 4, attended in time and solved in Q3: no breach in Q2.
    let q2 = app
        .get("/api/v1/breaches?entity=Prueba&quarter=2025-Q2")
        .await;
    assert_eq!(q2.status, 200);
    assert_eq!(breach_keys(&q2.json()), keys(&[]), "{}", q2.text());
    // Priority Alta holds tickets 1 (all in time) and 3 (its open solution).
    let alta = app
        .get("/api/v1/breaches?entity=Prueba&quarter=2025-Q3&priority=Alta")
        .await
        .json();
    assert_eq!(breach_keys(&alta), keys(&[("3", "solution")]));
    assert!(
        alta.as_array()
            .expect("list")
            .iter()
            .all(|b| b["priority"] == 4)
    );
    // Baja: ticket 4 in the quarter it was solved in, not in the one it was created in.
    let baja = app
        .get("/api/v1/breaches?entity=Prueba&quarter=2025-Q3&priority=Baja")
        .await
        .json();
    assert_eq!(breach_keys(&baja), keys(&[("4", "solution")]));

    // The page shows the same lists: none in Q2, one for Alta in Q3.
    let page = unescape(&app.get("/?entity=Prueba&quarter=2025-Q2").await.text());
    assert!(!page.contains("<table id=\"incumplimientos\">"), "{page}");
    assert!(page.contains("Sin incumplimientos en 2025-Q2."), "{page}");
    let page = unescape(
        &app.get("/?entity=Prueba&quarter=2025-Q3&priority=Alta")
            .await
            .text(),
    );
    let rows = table_rows(&page, "incumplimientos");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(
        rows[0].starts_with("<a href=\"/casos/glpi/3\">3</a> |"),
        "{rows:?}"
    );
    // The at-risk list is about now, and says so with the evaluation's date (the cut of
    // report::hand_store).
    assert!(page.contains("En riesgo ahora"), "{page}");
    assert!(page.contains("datos al "), "{page}");
}

/// The Resumen row of each indicator: (name, result as shown, numerator, denominator).
fn summary_rows(bytes: &[u8]) -> (String, Vec<(String, Option<f64>)>, usize, usize) {
    let mut wb = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx");
    let summary = wb.worksheet_range("Resumen").expect("Resumen");
    let text = |r: u32, c: u32| match summary.get_value((r, c)) {
        Some(Data::String(s)) => s.clone(),
        _ => String::new(),
    };
    let filters = text(2, 0);
    let mut rows = Vec::new();
    let mut r = 4;
    while !text(r, 0).is_empty() {
        let value = match summary.get_value((r, 2)) {
            Some(Data::Float(v)) => Some(*v),
            Some(Data::Int(v)) => Some(*v as f64),
            _ => None,
        };
        rows.push((text(r, 0), value));
        r += 1;
    }
    let mut height = |name: &str| {
        wb.worksheet_range(name)
            .expect("sheet")
            .rows()
            .skip(1)
            .filter(|row| row.iter().any(|c| !matches!(c, Data::Empty)))
            .count()
    };
    (filters, rows, height("Casos"), height("Incumplimientos"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filtered_download_shows_the_filtered_tiles() {
    let app = spawn_app(WebConfig::default()).await;
    let view = "entity=Prueba&quarter=2025-Q3";
    // The unfiltered workbook first: a filtered one must not be served its copy.
    let all = app
        .get(&format!("/descargas/indicadores.xlsx?{view}"))
        .await;
    assert_eq!(all.status, 200);
    let (filters, all_rows, cases, breaches) = summary_rows(&all.body);
    assert_eq!(filters, "Filtros: ninguno (todos los casos)");
    assert_eq!((cases, breaches), (4, 4));

    let alta = app
        .get(&format!("/descargas/indicadores.xlsx?{view}&priority=Alta"))
        .await;
    assert_eq!(alta.status, 200);
    assert!(
        alta.header("content-disposition")
            .is_some_and(|d| d.contains("indicadores_prueba_2025-Q3_prioridad-alta.xlsx")),
        "{:?}",
        alta.header("content-disposition")
    );
    let (filters, rows, cases, breaches) = summary_rows(&alta.body);
    assert_eq!(filters, "Filtros: Prioridad: Alta");
    // Alta: tickets 1 and 3 of the README, both attended in 0.5 h; of them only 1 solved in Q3
    // (in time), and 3 is the only breach (its solution, open).
    assert_eq!((cases, breaches), (2, 1));
    let json = app
        .get(&format!("/api/v1/indicators?{view}&priority=Alta"))
        .await
        .json();
    let indicators = json["indicators"].as_array().expect("indicators");
    assert_eq!(rows.len(), indicators.len());
    for ((name, shown), ind) in rows.iter().zip(indicators) {
        assert_eq!(
            name,
            ind["definition"]["nombre"].as_str().unwrap_or_default()
        );
        let want = ind["value"].as_f64().map(|v| {
            // Percentages are stored as fractions with a % format (unidad "%").
            if ind["definition"]["unidad"] == "%" {
                v / 100.0
            } else {
                v
            }
        });
        match (shown, want) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{name}: {a} vs {b}"),
            (None, None) => {}
            other => panic!("{name}: {other:?}"),
        }
    }
    // Absolute values from the README: attention in time 2 of 2 (all cases: 2 of 3).
    let at = |rows: &[(String, Option<f64>)], name: &str| {
        rows.iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| *v)
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let attention = "Casos atendidos dentro del ANS";
    assert!((at(&rows, attention) - 1.0).abs() < 1e-9);
    assert!((at(&all_rows, attention) - 2.0 / 3.0).abs() < 1e-9);

    // Charts carry the filters too, in their subtitle.
    let svg = app
        .get(&format!(
            "/graficos/cumplimiento_por_prioridad.svg?{view}&priority=Alta"
        ))
        .await
        .text();
    assert!(svg.contains("Prioridad: Alta"), "{svg}");
    // And the page's download link carries them and says so.
    let page = unescape(&app.get(&format!("/?{view}&priority=4")).await.text());
    assert!(
        page.contains(
            "href=\"/descargas/indicadores.xlsx?entity=Prueba&quarter=2025-Q3&priority=4\""
        ),
        "{page}"
    );
    assert!(page.contains("con estos filtros: 2025-Q3 · Filtros: Prioridad: Alta"));
}
