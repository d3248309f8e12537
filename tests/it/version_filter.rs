//! The policy-version filter (issue 13) over `tests/fixtures/version_filter`, whose README works
//! every figure out by hand: six tickets of `Prueba` measured by the unversioned `[policy]`, by
//! `v1` and by `v2` (one on the 24x7 calendar `continuo`). The dashboard's figures, lists,
//! downloads and the workbook honour `version`; an unknown one is a Spanish 400; the cases
//! carry their version and calendars in the JSON, the CSV and the *Casos* sheet.

use std::path::PathBuf;

use calamine::{Data, Reader, Xlsx};
use mesa_sla::engine::Engine;
use mesa_sla::evaluation::evaluate_store;
use mesa_sla::store::Store;
use mesa_sla::web::WebConfig;

use crate::helpers::{cut, fixture_engine, fixtures, load_canonical};
use crate::http::encode;
use crate::web::{App, spawn_app_over, unescape};

const VIEW: &str = "entity=Prueba&quarter=2025-Q3";

fn dir() -> PathBuf {
    fixtures().join("version_filter")
}

fn engine() -> Engine {
    fixture_engine(&dir())
}

/// The six tickets, evaluated at the end of 2025.
fn fill(store: &mut Store) {
    load_canonical(store, &dir());
    evaluate_store(store, &engine(), cut(), cut()).expect("evaluates");
}

async fn app() -> App {
    spawn_app_over(WebConfig::default(), engine, fill).await
}

/// `&version=…` for a version, nothing for "all".
fn with(version: Option<&str>) -> String {
    version.map_or(String::new(), |v| format!("&version={}", encode(v)))
}

/// The figures the README counts, in its order: registered, solved, solution met and breached,
/// attention met and breached, backlog.
const FIGURES: [&str; 7] = [
    "registered",
    "solved",
    "solution_met",
    "solution_breached",
    "attention_met",
    "attention_breached",
    "backlog",
];

async fn figures(app: &App, version: Option<&str>) -> Vec<u64> {
    let r = app
        .get(&format!("/api/v1/indicators?{VIEW}{}", with(version)))
        .await;
    assert_eq!(r.status, 200, "{version:?}: {}", r.text());
    let total = &r.json()["current"]["total"];
    FIGURES
        .iter()
        .map(|f| total[f].as_u64().unwrap_or_else(|| panic!("{f}: {total}")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_version_counts_its_tickets_and_the_versions_add_up() {
    let app = app().await;
    // The README's table, column by column.
    let all = figures(&app, None).await;
    assert_eq!(all, [5, 5, 2, 3, 3, 2, 1]);
    let v1 = figures(&app, Some("v1")).await;
    assert_eq!(v1, [3, 2, 1, 1, 2, 1, 1]);
    let v2 = figures(&app, Some("v2")).await;
    assert_eq!(v2, [2, 2, 1, 1, 1, 1, 0]);
    let none = figures(&app, Some("sin versión")).await;
    assert_eq!(none, [0, 1, 0, 1, 0, 0, 0]);
    // Matched ignoring case and accents, like the other filters.
    assert_eq!(figures(&app, Some("SIN VERSION")).await, none);
    assert_eq!(figures(&app, Some("V2")).await, v2);
    for (i, f) in FIGURES.iter().enumerate() {
        assert_eq!(v1[i] + v2[i] + none[i], all[i], "{f}");
    }
}

/// The ticket ids of a list (its first 500), sorted, and its total.
async fn list(app: &App, query: &str) -> (Vec<String>, u64) {
    let r = app
        .get(&format!("/api/v1/cases?{VIEW}&por_pagina=500&{query}"))
        .await;
    assert_eq!(r.status, 200, "{query}: {}", r.text());
    let json = r.json();
    let mut ids: Vec<String> = json["casos"]
        .as_array()
        .expect("casos")
        .iter()
        .map(|c| c["ticket_id"].as_str().unwrap_or_default().to_owned())
        .collect();
    ids.sort();
    (ids, json["total"].as_u64().expect("total"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_versions_lists_hold_what_its_tiles_count() {
    let app = app().await;
    for version in [None, Some("v1"), Some("v2"), Some("sin versión")] {
        let v = with(version);
        let set = app
            .get(&format!("/api/v1/indicators?{VIEW}{v}"))
            .await
            .json();
        let mut compared = 0;
        for ind in set["indicators"].as_array().expect("indicators") {
            let id = ind["definition"]["id"].as_str().expect("id");
            for (part, want) in [
                ("numerador", ind["numerator"].as_f64()),
                ("denominador", ind["denominator"].as_f64()),
            ] {
                let Some(want) = want else { continue };
                let (ids, total) = list(&app, &format!("indicador={id}&parte={part}{v}")).await;
                assert_eq!(total as f64, want, "{version:?} {id} {part}");
                assert_eq!(ids.len() as u64, total, "{version:?} {id} {part}");
                compared += 1;
            }
        }
        assert!(compared >= 10, "{version:?}: {compared} lists");
    }
    // The README's tickets per version.
    for (version, registered, solved) in [
        ("v1", &["2", "3", "4"][..], &["2", "3"][..]),
        ("v2", &["5", "6"], &["5", "6"]),
        ("sin versión", &[], &["1"]),
    ] {
        let v = with(Some(version));
        let (got, _) = list(&app, &format!("indicador=registrados{v}")).await;
        assert_eq!(got, registered, "{version}");
        let (got, _) = list(&app, &format!("indicador=solucionados{v}")).await;
        assert_eq!(got, solved, "{version}");
    }
}

/// `(ticket, metric)` of the view's breaches, sorted.
async fn breaches(app: &App, version: Option<&str>) -> Vec<(String, String)> {
    let r = app
        .get(&format!("/api/v1/breaches?{VIEW}{}", with(version)))
        .await;
    assert_eq!(r.status, 200, "{version:?}: {}", r.text());
    let mut out: Vec<(String, String)> = r
        .json()
        .as_array()
        .expect("a list")
        .iter()
        .map(|b| {
            let text = |k: &str| b[k].as_str().unwrap_or_default().to_owned();
            (text("ticket_id"), text("metric"))
        })
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_breaches_list_keeps_to_the_version() {
    let app = app().await;
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter().map(|(a, b)| ((*a).into(), (*b).into())).collect()
    };
    // The README's breaches.
    let v1 = pairs(&[("3", "attention"), ("3", "solution"), ("4", "solution")]);
    let v2 = pairs(&[("6", "attention"), ("6", "solution")]);
    let none = pairs(&[("1", "solution")]);
    assert_eq!(breaches(&app, Some("v1")).await, v1);
    assert_eq!(breaches(&app, Some("v2")).await, v2);
    assert_eq!(breaches(&app, Some("sin versión")).await, none);
    let mut all = [v1, v2, none].concat();
    all.sort();
    assert_eq!(breaches(&app, None).await, all);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_version_is_a_spanish_400_listing_the_valid_ones() {
    let app = app().await;
    for path in [
        "/api/v1/indicators?",
        "/api/v1/cases?indicador=registrados&",
        "/api/v1/breaches?",
        "/?",
        "/descargas/indicadores.xlsx?",
    ] {
        let r = app.get(&format!("{path}{VIEW}&version=v9")).await;
        assert_eq!(r.status, 400, "{path}: {}", r.text());
        let text = r.text();
        assert!(
            text.contains("no existe la versión de la política «v9»")
                && text.contains("v1, v2, sin versión"),
            "{path}: {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_offers_the_versions_and_keeps_the_choice() {
    let app = app().await;
    let page = app.get(&format!("/?{VIEW}&version=v2")).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains("Versión de la política <select name=\"version\">"),
        "{html}"
    );
    for option in [
        "<option value=\"v1\">v1</option>",
        "<option value=\"v2\" selected>v2</option>",
        "<option value=\"sin versión\">sin versión</option>",
    ] {
        assert!(html.contains(option), "{option}");
    }
    // Links (the workbook, the lists) keep the version.
    // The trend page shares the form.
    let trend = app.get(&format!("/tendencia?{VIEW}&version=v2")).await;
    assert_eq!(trend.status, 200, "{}", trend.text());
    assert!(
        trend
            .text()
            .contains("<option value=\"v2\" selected>v2</option>")
    );
    let text = unescape(&html);
    for link in [
        "/descargas/indicadores.xlsx?entity=Prueba&quarter=2025-Q3&version=v2",
        "/casos?entity=Prueba&quarter=2025-Q3&version=v2&indicador=registrados",
    ] {
        assert!(text.contains(link), "{link}");
    }
}

/// The rows of a sheet as text, the heading row first.
fn sheet(bytes: &[u8], name: &str) -> Vec<Vec<String>> {
    let mut wb = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx");
    let range = wb.worksheet_range(name).expect(name);
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Float(n) => format!("{n}"),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// `(ticket, version, calendar, attention calendar)` of each row of a table whose headings are
/// its first row.
fn version_columns(rows: &[Vec<String>]) -> Vec<[String; 4]> {
    let head = &rows[0];
    let col = |name: &str| head.iter().position(|h| h == name).expect(name);
    let (id, v, c, a) = (
        col("Caso"),
        col("Versión de la política"),
        col("Calendario"),
        col("Calendario de atención"),
    );
    let mut out: Vec<[String; 4]> = rows[1..]
        .iter()
        .map(|r| [r[id].clone(), r[v].clone(), r[c].clone(), r[a].clone()])
        .collect();
    out.sort();
    out
}

fn expected(rows: &[[&str; 4]]) -> Vec<[String; 4]> {
    rows.iter().map(|r| r.map(str::to_owned)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_casos_sheet_and_the_lists_carry_the_version_and_the_calendars() {
    let app = app().await;
    // Every ticket of the quarter, by the README.
    let all = expected(&[
        ["1", "sin versión", "general", "general"],
        ["2", "v1", "general", "general"],
        ["3", "v1", "general", "general"],
        ["4", "v1", "general", "general"],
        ["5", "v2", "continuo", "general"],
        ["6", "v2", "general", "general"],
    ]);
    let r = app
        .get(&format!("/descargas/indicadores.xlsx?{VIEW}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(version_columns(&sheet(&r.body, "Casos")), all);
    // Filtered to v2: the sheet holds its two tickets only.
    let r = app
        .get(&format!("/descargas/indicadores.xlsx?{VIEW}&version=v2"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(version_columns(&sheet(&r.body, "Casos")), all[4..].to_vec());
    // …and its Incumplimientos sheet ticket 6's two breaches (README).
    let rows = sheet(&r.body, "Incumplimientos");
    let mut got: Vec<(&str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[1].as_str(), r[3].as_str()))
        .collect();
    got.sort();
    assert_eq!(got, [("6", "Atención"), ("6", "Solución")]);

    // The drill-down downloads of the solved tickets (1, 2, 3, 5, 6).
    let solved: Vec<[String; 4]> = all.iter().filter(|r| r[0] != "4").cloned().collect();
    let q = format!("{VIEW}&indicador=solucionados");
    let r = app.get(&format!("/descargas/casos.xlsx?{q}")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(version_columns(&sheet(&r.body, "Casos")), solved);
    let r = app.get(&format!("/descargas/casos.csv?{q}")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .from_reader(&r.body[3..]);
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("row").iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(version_columns(&rows), solved);

    // The JSON: the stored values, null for the unversioned [policy].
    let r = app
        .get(&format!("/api/v1/cases?{q}&orden=caso&por_pagina=500"))
        .await;
    let json = r.json();
    let got: Vec<(
        String,
        serde_json::Value,
        serde_json::Value,
        serde_json::Value,
    )> = json["casos"]
        .as_array()
        .expect("casos")
        .iter()
        .map(|c| {
            (
                c["ticket_id"].as_str().unwrap_or_default().to_owned(),
                c["policy_version"].clone(),
                c["calendar"].clone(),
                c["attention_calendar"].clone(),
            )
        })
        .collect();
    use serde_json::json;
    assert_eq!(
        got,
        vec![
            ("1".into(), json!(null), json!("general"), json!("general")),
            ("2".into(), json!("v1"), json!("general"), json!("general")),
            ("3".into(), json!("v1"), json!("general"), json!("general")),
            ("5".into(), json!("v2"), json!("continuo"), json!("general")),
            ("6".into(), json!("v2"), json!("general"), json!("general")),
        ]
    );
    // Ticket 5's solution on continuo: 8 h on Friday from 16:00 and 12 h on Saturday.
    let five = &json["casos"][3];
    assert_eq!(five["solution_hours"].as_f64(), Some(20.0), "{five}");
}
