//! Entities stored under GLPI's full path ("Entidad Raíz > …"): the dashboard, the workbook and
//! its file name show the last part (or the configured short name), and the leaf, the full path
//! or the short name all select the same entity; a leaf two paths share asks for the full path.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use mesa_sla::config::Config;
use mesa_sla::engine::Engine;
use mesa_sla::evaluation::evaluate_store;
use mesa_sla::indicators::{Definitions, Quarter};
use mesa_sla::ingest::{self, canonical};
use mesa_sla::store::Store;
use mesa_sla::web::WebConfig;

use crate::helpers::{cut, run, stderr, stdout};
use crate::http::{encode, send};
use crate::report::hand_dir;

const ISIDRO: &str = "Entidad Raíz > Alcaldía de San Isidro";
const TIC_GOB: &str = "Entidad Raíz > Gobernación > Secretaría TIC";
const TIC_CONCEJO: &str = "Entidad Raíz > Concejo > Secretaría TIC";

/// The hand fixture's policy plus a short name for one entity and a calendar for another,
/// configured by its leaf without accents.
fn config_text() -> String {
    let policy = std::fs::read_to_string(hand_dir().join("policy.toml")).expect("policy");
    format!(
        "{policy}\n[[entity]]\nname = \"{TIC_GOB}\"\nshort_name = \"TIC Gobernación\"\n\n\
         [[entity]]\nname = \"alcaldia de san isidro\"\n[entity.calendar]\n\
         hours = [{{ days = [\"lun\", \"mar\", \"mie\", \"jue\", \"vie\"], from = \"07:00\", to = \"11:00\" }}]\n"
    )
}

fn engine() -> Engine {
    Config::parse(&config_text(), "prueba.toml")
        .expect("config")
        .engine()
        .expect("engine")
}

/// The hand-computed tickets: 1 and 2 under San Isidro, 3 and 4 under two entities that share
/// the leaf "Secretaría TIC".
fn paths(store: &mut Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(hand_dir().join("tickets.csv")).expect("fixture");
    let mut lines = text.lines();
    let mut split = format!("{}\n", lines.next().expect("header"));
    for line in lines {
        let entity = match line.split(',').nth(2).expect("ticket_id") {
            "1" | "2" => ISIDRO,
            "3" => TIC_GOB,
            _ => TIC_CONCEJO,
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
    evaluate_store(store, &engine(), cut(), cut()).expect("evaluates");
}

#[test]
fn the_engine_applies_a_calendar_configured_by_the_leaf() {
    let engine = engine();
    assert_eq!(engine.calendar_for(ISIDRO).day_seconds(), 4 * 3600);
    assert_eq!(engine.calendar_for(TIC_GOB).day_seconds(), 9 * 3600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_the_leaf_and_accepts_leaf_or_full_path() {
    let app = crate::web::spawn_app_over(WebConfig::default(), engine, paths).await;
    let page = |entity: &str| format!("/?entity={}&quarter=2025-Q3", encode(entity));
    let full = send(&app.addr, "GET", &page(ISIDRO), None, None).await;
    assert_eq!(full.status, 200, "{}", full.text());
    let body = full.text();
    assert!(
        body.contains("<h1>Alcaldía de San Isidro <small>"),
        "{body}"
    );
    assert!(
        body.contains("<title>Alcaldía de San Isidro · 2025-Q3"),
        "{body}"
    );
    // The dropdown: the stored path as the value, the leaf or the short name as the label.
    assert!(
        body.contains(
            "<option value=\"Entidad Raíz &gt; Alcaldía de San Isidro\" selected>Alcaldía de San Isidro</option>"
        ),
        "{body}"
    );
    assert!(
        body.contains(
            "<option value=\"Entidad Raíz &gt; Gobernación &gt; Secretaría TIC\">TIC Gobernación</option>"
        ),
        "{body}"
    );
    assert!(
        body.contains(
            "<option value=\"Entidad Raíz &gt; Concejo &gt; Secretaría TIC\">Secretaría TIC</option>"
        ),
        "{body}"
    );
    for typed in ["Alcaldía de San Isidro", "alcaldia de san isidro"] {
        let leaf = send(&app.addr, "GET", &page(typed), None, None).await;
        assert_eq!(leaf.status, 200, "{typed}: {}", leaf.text());
        assert_eq!(leaf.text(), body, "{typed}");
    }
    // The short name selects its entity.
    let short = send(&app.addr, "GET", &page("tic gobernacion"), None, None).await;
    assert_eq!(short.status, 200, "{}", short.text());
    assert!(short.text().contains("<h1>TIC Gobernación <small>"));
    // A leaf that two paths share: a 404 naming both full paths.
    let shared = send(&app.addr, "GET", &page("Secretaría TIC"), None, None).await;
    assert_eq!(shared.status, 404, "{}", shared.text());
    let text = shared.text();
    assert!(text.contains("escriba la ruta completa"), "{text}");
    assert!(
        text.contains("Entidad Raíz &gt; Gobernación &gt; Secretaría TIC")
            && text.contains("Entidad Raíz &gt; Concejo &gt; Secretaría TIC"),
        "{text}"
    );
    // The download is named and titled after the leaf.
    let target = format!(
        "/descargas/indicadores.xlsx?entity={}&quarter=2025-Q3",
        encode("alcaldia de san isidro")
    );
    let r = send(&app.addr, "GET", &target, None, None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let disposition = r.header("content-disposition").expect("file name");
    assert!(
        disposition.contains("indicadores_alcaldia-de-san-isidro_2025-Q3.xlsx"),
        "{disposition}"
    );
    let mut wb = Xlsx::new(Cursor::new(r.body.clone())).expect("a workbook");
    let summary = wb.worksheet_range("Resumen").expect("Resumen");
    let title = summary.get((0, 0)).cloned().unwrap_or(Data::Empty);
    assert_eq!(
        title.to_string(),
        "Indicadores de la Mesa de Servicios — Alcaldía de San Isidro"
    );
}

#[test]
fn report_files_use_the_leaf_and_the_cli_accepts_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let mut store = Store::open(&dir.path().join("store.duckdb")).expect("store");
        paths(&mut store);
    }
    let config = dir.path().join("prueba.toml");
    std::fs::write(&config, config_text()).expect("config");
    let report = |entity: &str| {
        run(
            dir.path(),
            &[
                "--db",
                "store.duckdb",
                "--config",
                config.to_str().expect("utf-8"),
                "report",
                "--quarter",
                "2025-Q3",
                "--entity",
                entity,
                "--as-of",
                "2025-12-31 23:59:59",
                "--out",
                "salida",
            ],
        )
    };
    let o = report("ALCALDIA DE SAN ISIDRO");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(
            "Alcaldía de San Isidro: salida/indicadores_alcaldia-de-san-isidro_2025-Q3.xlsx"
        ),
        "{}",
        stdout(&o)
    );
    assert!(
        dir.path()
            .join("salida/indicadores_alcaldia-de-san-isidro_2025-Q3.xlsx")
            .exists()
    );
    let o = report("secretaria tic");
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains(&format!(
            "escriba la ruta completa: «{TIC_GOB}», «{TIC_CONCEJO}»"
        )) || stderr(&o).contains(&format!(
            "escriba la ruta completa: «{TIC_CONCEJO}», «{TIC_GOB}»"
        )),
        "{}",
        stderr(&o)
    );
    // The calendar command finds the calendar configured by the leaf from the full path.
    let o = run(
        dir.path(),
        &[
            "--config",
            config.to_str().expect("utf-8"),
            "calendar",
            "--entity",
            ISIDRO,
            "--year",
            "2025",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_report_written_by_the_library_is_named_after_the_short_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_in_memory().expect("store");
    paths(&mut store);
    let quarter = Quarter::parse("2025-Q3").expect("quarter");
    let files = mesa_sla::report::write_entity_report(
        &store,
        &engine(),
        &Definitions::builtin(),
        TIC_GOB,
        quarter,
        None,
        dir.path(),
    )
    .expect("ticket 3 was created in 2025-Q3");
    let name = files
        .workbook
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert_eq!(name, "indicadores_tic-gobernacion_2025-Q3.xlsx");
}

/// The case page and its JSON name the entity as the dashboard's list does (issue 12, defect
/// 5): the short name or the leaf, with the full path kept as `entity` in the JSON and as the
/// title of the name on the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_case_page_and_its_json_show_the_display_name() {
    let app = crate::web::spawn_app_over(WebConfig::default(), engine, paths).await;
    for (id, path, shown) in [
        ("1", ISIDRO, "Alcaldía de San Isidro"),
        ("3", TIC_GOB, "TIC Gobernación"),
        ("4", TIC_CONCEJO, "Secretaría TIC"),
    ] {
        let page = send(&app.addr, "GET", &format!("/casos/glpi/{id}"), None, None).await;
        assert_eq!(page.status, 200, "{}", page.text());
        let body = page.text();
        let escaped = path.replace('>', "&gt;");
        assert!(
            body.contains(&format!("<span title=\"{escaped}\">{shown}</span>")),
            "{id}: {body}"
        );
        // The full path appears only as that title.
        assert_eq!(body.matches(&escaped).count(), 1, "{id}: {body}");
        let json = send(
            &app.addr,
            "GET",
            &format!("/api/v1/tickets/glpi/{id}"),
            None,
            None,
        )
        .await;
        assert_eq!(json.status, 200, "{}", json.text());
        let v = json.json();
        assert_eq!(v["entity"], path, "{v}");
        assert_eq!(v["entity_name"], shown, "{v}");
    }
}
