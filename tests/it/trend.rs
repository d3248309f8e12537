//! The trend (issue 12): `/api/v1/trend`, the `/tendencia` page and its charts, and the
//! workbook's *Histórico* sheet, over `tests/fixtures/trend` — six tickets of two entities in
//! three quarters of 2025, every value worked out by hand in its README.

use calamine::{Data, Reader, Xlsx, open_workbook};
use mesa_sla::engine::Engine;
use mesa_sla::evaluation::evaluate_store;
use mesa_sla::indicators::history::DEFAULT_QUARTERS;
use mesa_sla::indicators::{Definitions, Quarter};
use mesa_sla::report::{self, ReportScope};
use mesa_sla::store::Store;
use mesa_sla::store::indicators::Filters;
use mesa_sla::web::WebConfig;
use serde_json::Value;

use crate::helpers::{cut, fixture_engine, fixtures, load_canonical};
use crate::report::number;
use crate::web::{App, spawn_app_over, unescape};

fn trend_dir() -> std::path::PathBuf {
    fixtures().join("trend")
}

fn trend_engine() -> Engine {
    fixture_engine(&trend_dir())
}

/// The six tickets of `tests/fixtures/trend`, evaluated at the end of 2025.
fn trend_store(store: &mut Store) {
    load_canonical(store, &trend_dir());
    evaluate_store(store, &trend_engine(), cut(), cut()).expect("evaluates");
}

async fn app() -> App {
    spawn_app_over(WebConfig::default(), trend_engine, trend_store).await
}

const QUARTERS: [&str; 8] = [
    "2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4",
];

/// The series `id` of a history (the API's top level or its `all_entities`).
fn series<'a>(history: &'a Value, id: &str) -> &'a Vec<Value> {
    history["series"]
        .as_array()
        .expect("series")
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no series {id}"))["values"]
        .as_array()
        .expect("values")
}

/// The values of a series in quarter order, `None` where null.
fn values(history: &Value, id: &str) -> Vec<Option<f64>> {
    series(history, id)
        .iter()
        .map(|v| v["value"].as_f64())
        .collect()
}

fn close(got: &[Option<f64>], want: &[Option<f64>]) -> bool {
    got.len() == want.len()
        && got.iter().zip(want).all(|(g, w)| match (g, w) {
            (Some(g), Some(w)) => (g - w).abs() < 1e-6,
            (None, None) => true,
            _ => false,
        })
}

/// Eight quarters, 2024-Q1 to 2025-Q4: nothing before 2025, values in Q1, Q2 and Q4.
fn in_2025(q1: f64, q2: Option<f64>, q4: Option<f64>) -> Vec<Option<f64>> {
    let mut v = vec![None; 8];
    v[4] = Some(q1);
    v[5] = q2;
    v[7] = q4;
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trend_is_the_hand_computed_series_with_empty_quarters_null() {
    let app = app().await;
    let r = app.get("/api/v1/trend?entity=Prueba&quarter=2025-Q4").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let t = r.json();
    assert_eq!(t["entity"], "Prueba");
    assert_eq!(t["quarter"], "2025-Q4");
    assert_eq!(t["entities"], 2);
    let quarters: Vec<&str> = t["quarters"]
        .as_array()
        .expect("quarters")
        .iter()
        .map(|q| q.as_str().expect("text"))
        .collect();
    assert_eq!(quarters, QUARTERS);
    assert_eq!(t["all_entities"]["quarters"], t["quarters"]);
    let all = &t["all_entities"];
    // Prueba, by the README's table.
    let third = 100.0 / 3.0;
    for (id, want) in [
        ("registrados", in_2025(2.0, Some(1.0), Some(1.0))),
        ("solucionados", in_2025(2.0, Some(1.0), Some(0.0))),
        ("pendientes", in_2025(0.0, Some(0.0), Some(1.0))),
        ("atencion_en_meta", in_2025(50.0, Some(100.0), Some(100.0))),
        ("solucion_en_meta", in_2025(50.0, Some(100.0), None)),
        ("resolucion", in_2025(100.0, Some(100.0), Some(0.0))),
        ("cierre_oportuno", in_2025(50.0, Some(0.0), None)),
        ("reapertura", in_2025(0.0, Some(0.0), None)),
        ("atencion_media", in_2025(1.75, Some(1.0), Some(0.25))),
        ("solucion_media", in_2025(7.5, Some(7.0), None)),
        ("satisfaccion", vec![None; 8]),
    ] {
        let got = values(&t, id);
        assert!(
            close(&got, &want),
            "Prueba {id}: {got:?}, esperado {want:?}"
        );
    }
    // Both entities: ticket 22 is held to Sede Norte's 12 h, so no closing of Q2 was in time.
    for (id, want) in [
        ("registrados", in_2025(3.0, Some(2.0), Some(1.0))),
        (
            "atencion_en_meta",
            in_2025(2.0 * third, Some(100.0), Some(100.0)),
        ),
        ("solucion_en_meta", in_2025(2.0 * third, Some(100.0), None)),
        ("cierre_oportuno", in_2025(2.0 * third, Some(0.0), None)),
        ("atencion_media", in_2025(1.5, Some(0.75), Some(0.25))),
        ("atencion_mediana", in_2025(1.0, Some(0.75), Some(0.25))),
        ("solucion_media", in_2025(20.0 / 3.0, Some(4.5), None)),
        ("solucion_mediana", in_2025(5.0, Some(4.5), None)),
    ] {
        let got = values(all, id);
        assert!(close(&got, &want), "todas {id}: {got:?}, esperado {want:?}");
    }
    let closing = series(all, "cierre_oportuno");
    assert_eq!(
        (
            closing[5]["numerator"].as_f64(),
            closing[5]["denominator"].as_f64()
        ),
        (Some(0.0), Some(2.0))
    );
    // A quarter without data is null through and through, counts included (not 0).
    for h in [&t, all] {
        for s in h["series"].as_array().expect("series") {
            for i in [0, 1, 2, 3, 6] {
                let v = &s["values"][i];
                assert!(
                    v["value"].is_null() && v["numerator"].is_null() && v["denominator"].is_null(),
                    "{} en {}: {v}",
                    s["id"],
                    QUARTERS[i]
                );
            }
        }
    }
    // Without a quarter the series ends at the default one: the last finished at the
    // evaluation (2025-12-31 23:59:59 leaves 2025-Q4 unfinished).
    let default = app.get("/api/v1/trend?entity=Prueba").await.json();
    assert_eq!(default["quarter"], "2025-Q3");
    assert_eq!(default["quarters"][7], "2025-Q3");
    assert_eq!(default["quarters"][0], "2023-Q4");
}

/// Each quarter with data of the trend holds what `/api/v1/indicators` says of that quarter:
/// value, numerator and denominator of every indicator, with and without a filter; every entity
/// together adds up the entities' numerators and denominators.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_quarter_of_the_trend_is_the_indicators_of_that_quarter() {
    let app = app().await;
    for filter in ["", "&priority=Alta"] {
        let trend = app
            .get(&format!(
                "/api/v1/trend?entity=Prueba&quarter=2025-Q4{filter}"
            ))
            .await
            .json();
        for (i, quarter) in [(4, "2025-Q1"), (5, "2025-Q2"), (7, "2025-Q4")] {
            let mut sums: std::collections::HashMap<String, (f64, f64)> = Default::default();
            for entity in ["Prueba", "Sede%20Norte"] {
                let r = app
                    .get(&format!(
                        "/api/v1/indicators?entity={entity}&quarter={quarter}{filter}"
                    ))
                    .await;
                if r.status == 404 {
                    // Sede Norte has no case in 2025-Q4: outside its data.
                    assert_eq!(
                        (entity, quarter),
                        ("Sede%20Norte", "2025-Q4"),
                        "{}",
                        r.text()
                    );
                    continue;
                }
                let set = r.json();
                for ind in set["indicators"].as_array().expect("indicators") {
                    let id = ind["definition"]["id"].as_str().expect("id");
                    let sum = sums.entry(id.to_owned()).or_default();
                    sum.0 += ind["numerator"].as_f64().unwrap_or(0.0);
                    sum.1 += ind["denominator"].as_f64().unwrap_or(0.0);
                    if entity != "Prueba" {
                        continue;
                    }
                    let v = &series(&trend, id)[i];
                    for field in ["value", "numerator", "denominator"] {
                        assert_eq!(
                            v[field].as_f64().map(|x| (x * 1e9).round()),
                            ind[field].as_f64().map(|x| (x * 1e9).round()),
                            "{id} {field} en {quarter}{filter}"
                        );
                    }
                }
            }
            for s in trend["all_entities"]["series"].as_array().expect("series") {
                let v = &s["values"][i];
                if s["kind"] != "percent" {
                    continue;
                }
                let (n, d) = sums[s["id"].as_str().expect("id")];
                assert_eq!(
                    (v["numerator"].as_f64(), v["denominator"].as_f64()),
                    (Some(n), Some(d)),
                    "todas {} en {quarter}{filter}",
                    s["id"]
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_values_are_404_listing_the_valid_ones() {
    let app = app().await;
    let r = app.get("/api/v1/trend?entity=Sede%20Sur").await;
    assert_eq!(r.status, 404);
    let text = r.json()["error"].as_str().expect("error").to_owned();
    assert!(
        text.contains("Sede Sur") && text.contains("Prueba") && text.contains("Sede Norte"),
        "{text}"
    );
    let page = app.get("/tendencia?entity=Sede%20Sur").await;
    assert_eq!(page.status, 404);
    let html = unescape(&page.text());
    assert!(
        html.contains("Prueba") && html.contains("Sede Norte"),
        "{html}"
    );
    let r = app.get("/api/v1/trend?entity=Prueba&quarter=2023-Q1").await;
    assert_eq!(r.status, 404, "{}", r.text());
    let r = app
        .get("/api/v1/trend?entity=Prueba&priority=Urgentísima")
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    let chart = app
        .get("/tendencia/graficos/no_existe.svg?entity=Prueba")
        .await;
    assert_eq!(chart.status, 404);
    assert!(unescape(&chart.text()).contains("cierre_oportuno"));
}

/// The cells of the page's table row `data-id`, their text without tags.
fn row_cells(html: &str, id: &str) -> Vec<String> {
    let row = html
        .split(&format!(" data-id=\"{id}\""))
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .unwrap_or_else(|| panic!("no row {id}"));
    row.split("<td")
        .skip(1)
        .map(|c| {
            let inner = c.split_once('>').map_or("", |(_, rest)| rest);
            let inner = inner.split("</td>").next().unwrap_or_default();
            let mut text = String::new();
            let mut tag = false;
            for ch in inner.chars() {
                match ch {
                    '<' => tag = true,
                    '>' => tag = false,
                    c if !tag => text.push(c),
                    _ => {}
                }
            }
            unescape(&text)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_shows_each_series_in_es_co_with_a_chart_each() {
    let app = app().await;
    let r = app.get("/tendencia?entity=Prueba&quarter=2025-Q4").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let html = r.text();
    for q in QUARTERS {
        assert!(html.contains(&format!(">{q}")), "{q}");
    }
    let dash = "—";
    let row = |id| row_cells(&html, id);
    let empty_2024 = [dash; 4].map(str::to_owned);
    let attention = row("atencion_en_meta");
    assert_eq!(attention[..2], ["Casos atendidos dentro del ANS", "90,0 %"]);
    assert_eq!(attention[2..6], empty_2024);
    assert_eq!(attention[6..], ["50,0 %", "100,0 %", dash, "100,0 %"]);
    // Both entities' row below it.
    let all = row("cierre_oportuno-todas");
    assert_eq!(all[0], "Todas las entidades");
    assert_eq!(all[6..], ["66,7 %", "0,0 %", dash, dash]);
    assert_eq!(
        row("atencion_media")[6..],
        ["1,8 h", "1,0 h", dash, "0,2 h"]
    );
    assert_eq!(row("registrados")[6..], ["2", "1", dash, "1"]);
    // One chart per indicator, with the view's parameters.
    let charts = unescape(&html).matches("/tendencia/graficos/").count();
    assert_eq!(charts, 2 * Definitions::builtin().indicators.len());
    let svg = app
        .get("/tendencia/graficos/atencion_en_meta.svg?entity=Prueba&quarter=2025-Q4")
        .await;
    assert_eq!(svg.status, 200);
    assert_eq!(svg.header("content-type"), Some("image/svg+xml"));
    let text = svg.text();
    for label in [
        "Meta (90 %)",
        "50,0 %",
        "Todas las entidades",
        "2024-Q1",
        "2025-Q4",
    ] {
        assert!(text.contains(label), "{label}");
    }
    // The overview links to the trend of its view.
    let overview = unescape(&app.get("/?entity=Prueba&quarter=2025-Q2").await.text());
    assert!(
        overview.contains("/tendencia?entity=Prueba&quarter=2025-Q2"),
        "{overview}"
    );
}

#[test]
fn the_historico_sheet_holds_the_same_series() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_in_memory().expect("store");
    trend_store(&mut store);
    let (engine, defs) = (trend_engine(), Definitions::builtin());
    let quarter = Quarter::parse("2025-Q4").expect("quarter");
    let files =
        report::write_entity_report(&store, &engine, &defs, "Prueba", quarter, None, dir.path())
            .expect("report");
    let scope = ReportScope {
        entity: "Prueba",
        quarter,
        filters: &Filters::default(),
    };
    let history =
        report::history(&store, &engine, &defs, scope, DEFAULT_QUARTERS).expect("history");
    let mut wb: Xlsx<_> = open_workbook(&files.workbook).expect("opens");
    assert_eq!(
        wb.sheet_names().last().map(String::as_str),
        Some("Histórico")
    );
    let sheet = wb.worksheet_range("Histórico").expect("Histórico");
    let header: Vec<String> = (0..11)
        .map(|c| sheet.get((4, c)).map(|d| d.to_string()).unwrap_or_default())
        .collect();
    assert_eq!(header[..3], ["Indicador", "Unidad", "Meta"]);
    assert_eq!(header[3..], QUARTERS);
    for (i, s) in history.series.iter().enumerate() {
        let row = 5 + i;
        assert_eq!(
            sheet.get((row, 0)).map(|d| d.to_string()),
            Some(s.name.clone())
        );
        // Percentages are stored as fractions (shown 50,0 %).
        let scale = if s.kind == mesa_sla::indicators::Kind::Percent {
            100.0
        } else {
            1.0
        };
        for (j, v) in s.values.iter().enumerate() {
            let got = sheet.get((row, 3 + j)).and_then(number).map(|x| x * scale);
            assert!(
                close(&[got], &[v.value]),
                "{} {}: {got:?} ≠ {:?}",
                s.id,
                QUARTERS[j],
                v.value
            );
        }
    }
    // Hand values: attention in ANS 50 % in 2025-Q1; closing 0 % in Q2; nothing in 2025-Q3.
    let row_of = |id: &str| 5 + history.series.iter().position(|s| s.id == id).expect("id");
    assert_eq!(
        sheet.get((row_of("atencion_en_meta"), 7)).and_then(number),
        Some(0.5)
    );
    assert_eq!(
        sheet.get((row_of("cierre_oportuno"), 8)).and_then(number),
        Some(0.0)
    );
    assert_eq!(
        sheet.get((row_of("atencion_en_meta"), 2)).and_then(number),
        Some(0.9)
    );
    for id in ["registrados", "atencion_en_meta"] {
        assert!(
            matches!(sheet.get((row_of(id), 9)), None | Some(Data::Empty)),
            "{id}"
        );
    }
}
