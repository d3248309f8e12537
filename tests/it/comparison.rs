//! The comparison between entities over four entities whose figures are worked out by hand:
//! each value equals the entity's own `/api/v1/indicators`, the places follow each indicator's
//! sense with ties sharing a place, the change is against the previous quarter, and the page,
//! the workbook (read back with calamine) and `report --comparar` show the same.
//!
//! Policy: attention 2 h, solution 8 h (`tests/fixtures/report/policy.toml`), Mon–Fri 08–17.
//! Every ticket opens at 08:00 on a working day, is taken `attention` minutes later and solved
//! at 12:00 (4 h, met).
//!
//! | entity | 2025-Q3 attention (min) | on time | mean | 2025-Q2 attention | on time | mean |
//! |---|---|---|---|---|---|---|
//! | Alcaldía Norte | 60, 60, 60, 180 | 3/4 = 75 % | 1,5 h | 60, 180 | 50 % | 2 h |
//! | Alcaldía Sur | 60, 180 | 1/2 = 50 % | 2 h | 60 | 100 % | 1 h |
//! | Gobernación | 30, 60, 42, 180 | 3/4 = 75 % | 312/4 min = 1,3 h | — | — | — |
//! | Concejo | — | — | — | 60 | 100 % | 1 h |
//!
//! Attention on time (higher is better): Norte and Gobernación share the 1st place, Sur is 3rd,
//! Concejo has none. Mean attention (lower is better): Gobernación 1st, Norte 2nd, Sur 3rd.
//! Solution on time: 100 % for the three with cases, all 1st. Changes: Norte +25 pp and
//! −0,5 h, Sur −50 pp and +1 h, Gobernación none (nothing measured in Q2).

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook};
use mesa_sla::evaluation::evaluate_store;
use mesa_sla::indicators::comparison::Comparison;
use mesa_sla::indicators::{Definitions, Quarter};
use mesa_sla::ingest::{self, canonical};
use mesa_sla::report;
use mesa_sla::store::Store;
use mesa_sla::web::WebConfig;

use crate::helpers::{cut, run, stderr, stdout};
use crate::http::encode;
use crate::report::{hand_engine, report_on_store};

const NORTE: &str = "Entidad Raíz > Alcaldía Norte";
const SUR: &str = "Entidad Raíz > Alcaldía Sur";
const GOB: &str = "Gobernación";
const CONCEJO: &str = "Concejo";

/// (entity, day, attention minutes) of every ticket.
const TICKETS: &[(&str, &str, u32)] = &[
    (NORTE, "2025-07-08", 60),
    (NORTE, "2025-07-09", 60),
    (NORTE, "2025-07-10", 60),
    (NORTE, "2025-07-15", 180),
    (NORTE, "2025-05-06", 60),
    (NORTE, "2025-05-07", 180),
    (SUR, "2025-07-08", 60),
    (SUR, "2025-07-09", 180),
    (SUR, "2025-05-06", 60),
    (GOB, "2025-07-08", 30),
    (GOB, "2025-07-09", 60),
    (GOB, "2025-07-10", 42),
    (GOB, "2025-07-15", 180),
    (CONCEJO, "2025-05-06", 60),
];

pub fn four_entities(store: &mut Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut tickets = String::from(
        "source,entity,ticket_id,title,type,priority,category,technician,status,created_at,solved_at\n",
    );
    let mut events = String::from("source,ticket_id,seq,at,kind,old_value,new_value,actor\n");
    for (n, (entity, day, attention)) in TICKETS.iter().enumerate() {
        let id = n + 1;
        tickets.push_str(&format!(
            "glpi,{entity},{id},Caso {id},incident,4,Hardware,Ana,solved,{day} 08:00:00,{day} 12:00:00\n"
        ));
        let taken = format!("{day} {:02}:{:02}:00", 8 + attention / 60, attention % 60);
        events.push_str(&format!(
            "glpi,{id},1,{taken},status,new,assigned,Ana\nglpi,{id},2,{day} 12:00:00,status,assigned,solved,Ana\n"
        ));
    }
    for (name, text) in [("tickets.csv", tickets), ("events.csv", events)] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        let (kind, records) = canonical::read(&path, "canonical").expect("readable");
        let s = ingest::load_file(store, &path, kind.label(), records).expect("loads");
        assert_eq!(s.rejected, 0, "{name}: {:?}", s.sample_rejects);
    }
    evaluate_store(store, &hand_engine(), cut(), cut()).expect("evaluates");
}

fn q3() -> Quarter {
    Quarter::parse("2025-Q3").expect("quarter")
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

/// The cell of `entity` for indicator `id`: (value, place, change).
fn cell(c: &Comparison, entity: &str, id: &str) -> (Option<f64>, Option<usize>, Option<f64>) {
    let n = c.column(id).expect("indicator");
    let row = c
        .entities
        .iter()
        .find(|r| r.entity == entity)
        .expect("entity row");
    let cell = &row.cells[n];
    (cell.value, cell.rank, cell.change)
}

#[test]
fn values_places_and_changes_are_the_hand_computed_ones() {
    let mut store = Store::open_in_memory().expect("store");
    four_entities(&mut store);
    let c = report::comparison::comparison(&store, &hand_engine(), &Definitions::builtin(), q3())
        .expect("comparison");
    // Every entity of the store, display names beside the full paths.
    let names: Vec<(&str, &str)> = c
        .entities
        .iter()
        .map(|r| (r.entity.as_str(), r.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            (CONCEJO, "Concejo"),
            (NORTE, "Alcaldía Norte"),
            (SUR, "Alcaldía Sur"),
            (GOB, "Gobernación"),
        ]
    );
    let on_time = |e| cell(&c, e, "atencion_en_meta");
    let (v, place, change) = on_time(NORTE);
    assert!(close(v, 75.0) && close(change, 25.0), "{v:?} {change:?}");
    assert_eq!(place, Some(1));
    let (v, place, change) = on_time(GOB);
    assert!(close(v, 75.0) && change.is_none(), "{v:?} {change:?}");
    assert_eq!(place, Some(1), "a tie shares the place");
    let (v, place, change) = on_time(SUR);
    assert!(close(v, 50.0) && close(change, -50.0), "{v:?} {change:?}");
    assert_eq!(place, Some(3), "after a tie for 1st comes 3rd");
    assert_eq!(on_time(CONCEJO), (None, None, None));

    let mean = |e| cell(&c, e, "atencion_media");
    let (v, place, change) = mean(GOB);
    assert!(close(v, 1.3), "{v:?}");
    assert_eq!((place, change), (Some(1), None), "lower is better");
    let (v, place, change) = mean(NORTE);
    assert!(close(v, 1.5) && close(change, -0.5), "{v:?} {change:?}");
    assert_eq!(place, Some(2));
    let (v, place, change) = mean(SUR);
    assert!(close(v, 2.0) && close(change, 1.0), "{v:?} {change:?}");
    assert_eq!(place, Some(3));

    for e in [NORTE, SUR, GOB] {
        let (v, place, _) = cell(&c, e, "solucion_en_meta");
        assert!(close(v, 100.0), "{e}: {v:?}");
        assert_eq!(place, Some(1), "{e}");
    }
    // Counts are shown, never ranked.
    let (v, place, change) = cell(&c, NORTE, "registrados");
    assert!(close(v, 4.0) && close(change, 2.0), "{v:?} {change:?}");
    assert_eq!(place, None);
    let column = &c.indicators[c.column("registrados").expect("count")];
    assert!(!column.ranked);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_the_page_and_the_download_agree_with_each_entity_s_indicators() {
    let app = crate::web::spawn_app_over(WebConfig::default(), hand_engine, four_entities).await;
    let reply = app.get("/api/v1/comparison?quarter=2025-Q3").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let json = reply.json();
    assert_eq!(json["quarter"], "2025-Q3");
    let ids: Vec<String> = json["indicators"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect();
    let rows = json["entities"].as_array().expect("rows");
    assert_eq!(rows.len(), 4);
    for row in rows {
        let entity = row["entity"].as_str().expect("full path");
        let own = app
            .get(&format!(
                "/api/v1/indicators?entity={}&quarter=2025-Q3",
                encode(entity)
            ))
            .await
            .json();
        let own = own["indicators"].as_array().expect("indicators");
        assert_eq!(own.len(), ids.len());
        for (n, indicator) in own.iter().enumerate() {
            assert_eq!(indicator["definition"]["id"], ids[n].as_str());
            let cell = &row["cells"][n];
            for field in ["value", "previous", "change", "light"] {
                assert_eq!(cell[field], indicator[field], "{entity} {} {field}", ids[n]);
            }
        }
    }

    let page = app.get("/comparacion?quarter=2025-Q3").await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    let body = crate::web::unescape(&html);
    let table = body
        .split("<table id=\"comparacion\"")
        .nth(1)
        .expect("table");
    // Rows in the store's order, by display name; the full path in the title.
    let order: Vec<usize> = ["Concejo", "Alcaldía Norte", "Alcaldía Sur", "Gobernación"]
        .iter()
        .map(|n| table.find(&format!(">{n}</a>")).expect(n))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(table.contains(&format!("title=\"{NORTE}\"")));
    let norte = table
        .split("Alcaldía Norte</a>")
        .nth(1)
        .and_then(|t| t.split("</tr>").next())
        .expect("Norte's row");
    assert!(
        norte.contains("<span class=\"value\">75,0 %</span><span class=\"place\">1.º</span><span class=\"change\">+25,0 pp</span>"),
        "{norte}"
    );
    assert!(
        norte.contains(
            "1,5 h</span><span class=\"place\">2.º</span><span class=\"change\">-0,5 h</span>"
        ),
        "{norte}"
    );
    assert!(body.contains("/descargas/comparacion.xlsx?quarter=2025-Q3"));

    let download = app.get("/descargas/comparacion.xlsx?quarter=2025-Q3").await;
    assert_eq!(download.status, 200, "{}", download.text());
    assert!(
        download
            .header("content-disposition")
            .is_some_and(|d| d.contains("comparacion_2025-Q3.xlsx")),
        "{:?}",
        download.headers
    );
    check_workbook(Xlsx::new(Cursor::new(download.body)).expect("xlsx"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quarter_without_data_or_malformed_is_refused_in_spanish() {
    let app = crate::web::spawn_app_over(WebConfig::default(), hand_engine, four_entities).await;
    let none = app.get("/comparacion?quarter=2019-Q1").await;
    assert_eq!(none.status, 404);
    assert!(
        none.text().contains("elija uno entre 2025-Q2 y"),
        "{}",
        none.text()
    );
    let bad = app.get("/api/v1/comparison?quarter=2025-Q7").await;
    assert_eq!(bad.status, 400, "{}", bad.text());
}

/// The workbook's *Comparación* row of Alcaldía Norte and *Puestos* for attention on time.
fn check_workbook<R: std::io::Read + std::io::Seek>(mut wb: Xlsx<R>) {
    assert_eq!(wb.sheet_names(), ["Comparación", "Puestos"]);
    let sheet = wb.worksheet_range("Comparación").expect("sheet");
    let header: Vec<String> = sheet
        .rows()
        .nth(4)
        .expect("header")
        .iter()
        .map(|d| d.to_string())
        .collect();
    let col = header
        .iter()
        .position(|h| h == "Casos atendidos dentro del ANS")
        .expect("attention column");
    let norte = sheet
        .rows()
        .find(|r| r.first() == Some(&Data::String("Alcaldía Norte".into())))
        .expect("Norte's row");
    assert_eq!(norte[1], Data::String(NORTE.into()));
    assert_eq!(norte[col], Data::Float(0.75));
    assert_eq!(norte[col + 1], Data::Float(1.0));
    assert_eq!(norte[col + 2], Data::Float(25.0));
    let ranking = wb.worksheet_range("Puestos").expect("sheet");
    let attention: Vec<(String, String)> = ranking
        .rows()
        .filter(|r| r.first() == Some(&Data::String("Casos atendidos dentro del ANS".into())))
        .map(|r| (r[2].to_string(), r[3].to_string()))
        .collect();
    assert_eq!(
        attention,
        [
            ("1".into(), "Alcaldía Norte".into()),
            ("1".into(), "Gobernación".into()),
            ("3".into(), "Alcaldía Sur".into()),
            ("—".into(), "Concejo".into()),
        ]
    );
}

#[test]
fn report_comparar_writes_the_comparison_workbook() {
    let (dir, o) = report_on_store(
        four_entities,
        &[
            "--comparar",
            "--quarter",
            "2025-Q3",
            "--as-of",
            "2025-12-31 23:59:59",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Comparación de 4 entidades"), "{out}");
    assert!(out.contains("  1. Alcaldía Norte: 75,0 %"), "{out}");
    let path = dir.path().join("salida").join("comparacion_2025-Q3.xlsx");
    check_workbook(open_workbook(&path).expect("opens"));
    // Only the comparison: no per-entity workbook.
    let files = std::fs::read_dir(dir.path().join("salida"))
        .expect("dir")
        .count();
    assert_eq!(files, 1);
    let o = run(
        dir.path(),
        &[
            "--db",
            "store.duckdb",
            "report",
            "--comparar",
            "--entity",
            "Concejo",
        ],
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("no se puede usar junto con"),
        "{}",
        stderr(&o)
    );
}
