//! Two entities whose names fold to the same file name ("Alcaldía Norte" and
//! "alcaldia-norte"): `report` writes one workbook for each, and the dashboard's download
//! of each one is that entity's workbook.

use std::collections::BTreeSet;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use mesa_sla::evaluation::evaluate_store;
use mesa_sla::ingest::{self, canonical};
use mesa_sla::store::Store;
use mesa_sla::web::WebConfig;

use crate::helpers::{cut, stderr, stdout};
use crate::http::{encode, send};
use crate::report::{hand_dir, hand_engine, report_on_store};

const NORTE: &str = "Alcaldía Norte";
const NORTE_SLUG: &str = "alcaldia-norte";

/// The hand-computed tickets (1–4 of `tests/fixtures/report`), 1 and 2 for "Alcaldía Norte",
/// 3 and 4 for "alcaldia-norte".
fn expected_cases(entity: &str) -> BTreeSet<String> {
    let ids: &[&str] = if entity == NORTE {
        &["1", "2"]
    } else {
        &["3", "4"]
    };
    ids.iter().map(|s| s.to_string()).collect()
}

/// The hand store with its four tickets split between the two entities, evaluated.
fn two_entities(store: &mut Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(hand_dir().join("tickets.csv")).expect("fixture");
    let mut lines = text.lines();
    let mut split = format!("{}\n", lines.next().expect("header"));
    for line in lines {
        let id = line.split(',').nth(2).expect("ticket_id");
        let entity = if ["1", "2"].contains(&id) {
            NORTE
        } else {
            NORTE_SLUG
        };
        split.push_str(&line.replacen(",Prueba,", &format!(",{entity},"), 1));
        split.push('\n');
    }
    let tickets = dir.path().join("tickets.csv");
    std::fs::write(&tickets, split).expect("write");
    for path in [tickets, hand_dir().join("events.csv")] {
        let (kind, records) = canonical::read(&path, "canonical").expect("readable");
        let s = ingest::load_file(store, &path, kind.label(), records).expect("loads");
        assert_eq!(s.rejected, 0, "{:?}", s.sample_rejects);
    }
    evaluate_store(store, &hand_engine(), cut(), cut()).expect("evaluates");
}

/// The entity in the title of the summary sheet, and the cases of the "Casos" sheet.
fn workbook_contents<R: std::io::Read + std::io::Seek>(
    mut wb: Xlsx<R>,
) -> (String, BTreeSet<String>) {
    let summary = wb.worksheet_range("Resumen").expect("Resumen");
    let title = summary
        .get((0, 0))
        .cloned()
        .unwrap_or(Data::Empty)
        .to_string();
    let cases = wb.worksheet_range("Casos").expect("Casos");
    let ids = cases
        .rows()
        .skip(1)
        .map(|r| r[1].to_string())
        .filter(|id| !id.is_empty())
        .collect();
    (title, ids)
}

#[test]
fn report_writes_one_workbook_per_entity_even_when_their_names_fold_alike() {
    let (dir, o) = report_on_store(
        two_entities,
        &["--quarter", "2025-Q3", "--as-of", "2025-12-31 23:59:59"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let books: Vec<_> = std::fs::read_dir(dir.path().join("salida"))
        .expect("salida")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "xlsx"))
        .collect();
    assert_eq!(books.len(), 2, "{books:?}\n{}", stdout(&o));
    let mut seen = BTreeSet::new();
    for book in &books {
        let wb: Xlsx<_> = calamine::open_workbook(book).expect("opens");
        let (title, cases) = workbook_contents(wb);
        let entity = if title.ends_with(&format!("— {NORTE}")) {
            NORTE
        } else {
            NORTE_SLUG
        };
        assert!(title.ends_with(&format!("— {entity}")), "{title}");
        assert_eq!(cases, expected_cases(entity), "{}", book.display());
        seen.insert(entity);
        // The command names each entity's file.
        let name = book.file_name().expect("name").to_string_lossy();
        assert!(
            stdout(&o).contains(&format!("{entity}: salida/{name}")),
            "{}",
            stdout(&o)
        );
    }
    assert_eq!(seen.len(), 2, "each entity has its own workbook");
    // Six charts each (one set per entity), none shared.
    let charts = std::fs::read_dir(dir.path().join("salida/graficos"))
        .expect("graficos")
        .count();
    let one = {
        let other = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open_in_memory().expect("store");
        two_entities(&mut store);
        mesa_sla::report::write_entity_report(
            &store,
            &hand_engine(),
            &mesa_sla::indicators::Definitions::builtin(),
            NORTE,
            mesa_sla::indicators::Quarter::parse("2025-Q3").expect("quarter"),
            None,
            other.path(),
        )
        .expect("report")
        .charts
        .len()
    };
    assert_eq!(charts, 2 * one);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_entity_downloads_its_own_workbook() {
    let app = crate::web::spawn_app_over(WebConfig::default(), hand_engine, two_entities).await;
    // Twice each, interleaved: a cached workbook of one is never served for the other.
    for entity in [NORTE_SLUG, NORTE, NORTE_SLUG, NORTE] {
        let target = format!(
            "/descargas/indicadores.xlsx?entity={}&quarter=2025-Q3",
            encode(entity)
        );
        let r = send(&app.addr, "GET", &target, None, None).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let wb = Xlsx::new(Cursor::new(r.body.clone())).expect("a workbook");
        let (title, cases) = workbook_contents(wb);
        assert!(title.ends_with(&format!("— {entity}")), "{entity}: {title}");
        assert_eq!(cases, expected_cases(entity), "{entity}");
        let disposition = r.header("content-disposition").expect("file name");
        assert!(
            disposition.contains("indicadores_alcaldia-norte-"),
            "{disposition}"
        );
    }
}
