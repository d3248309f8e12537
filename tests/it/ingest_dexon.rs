//! Dexon readers: the XLSX samples, the same report as CSV with renamed columns, refusals.

use std::path::{Path, PathBuf};

use mesa_sla::ingest::dexon::{self, DexonConfig};
use mesa_sla::ingest::table::{self, Cell};
use mesa_sla::ingest::{self, IngestError};
use mesa_sla::store::Store;

use crate::helpers::{assert_reproduces, fixtures};

fn dexon_dir() -> PathBuf {
    fixtures().join("samples/dexon")
}

fn load(
    store: &mut Store,
    cases: &Path,
    history: &Path,
    cfg: &DexonConfig,
) -> Result<(ingest::IngestSummary, ingest::IngestSummary), IngestError> {
    let a = ingest::load_file(store, cases, "dexon", dexon::read_cases(cases, cfg)?)?;
    let b = ingest::load_file(
        store,
        history,
        "dexon-history",
        dexon::read_history(history, cfg)?,
    )?;
    Ok((a, b))
}

fn assert_golden(cases: &Path, history: &Path, cfg: &DexonConfig) {
    let mut store = Store::open_in_memory().expect("store");
    let (a, b) = load(&mut store, cases, history, cfg).expect("loads");
    assert_eq!((a.accepted, a.rejected), (300, 0), "{:?}", a.sample_rejects);
    assert_eq!((b.accepted, b.rejected), (824, 0), "{:?}", b.sample_rejects);
    assert_reproduces(&mut store, &dexon_dir().join("expected.csv"));
}

#[test]
fn dexon_xlsx_samples_reproduce_expected_csv() {
    assert_golden(
        &dexon_dir().join("casos.xlsx"),
        &dexon_dir().join("historial.xlsx"),
        &DexonConfig::default(),
    );
}

/// Writes a sheet as CSV (`;`, dates as `DD/MM/YYYY HH:MM:SS`), renaming headers.
fn to_csv(xlsx: &Path, out: &Path, rename: &[(&str, &str)]) {
    let t = table::open(xlsx, None).expect("sheet");
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_path(out)
        .expect("writer");
    let headers: Vec<String> = t
        .headers
        .iter()
        .map(|h| {
            rename
                .iter()
                .find(|(from, _)| from == h)
                .map_or(h.clone(), |(_, to)| to.to_string())
        })
        .collect();
    w.write_record(&headers).expect("header");
    for row in t.rows {
        let (_, cells) = row.expect("row");
        let fields: Vec<String> = cells
            .iter()
            .map(|c| match c {
                Cell::Date(d) => d.format("%d/%m/%Y %H:%M:%S").to_string(),
                other => other.text().unwrap_or_default(),
            })
            .collect();
        w.write_record(&fields).expect("row");
    }
    w.flush().expect("flush");
}

#[test]
fn dexon_csv_with_renamed_columns_and_config_overrides() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = dir.path().join("casos.csv");
    let history = dir.path().join("historial.csv");
    to_csv(
        &dexon_dir().join("casos.xlsx"),
        &cases,
        &[
            ("Número de caso", "Ticket Nro"),
            ("Criticidad", "Nivel de impacto"),
        ],
    );
    to_csv(&dexon_dir().join("historial.xlsx"), &history, &[]);
    let mut store = Store::open_in_memory().expect("store");
    let err = load(&mut store, &cases, &history, &DexonConfig::default()).expect_err("unmapped");
    assert!(
        err.to_string().contains("faltan las columnas ticket_id"),
        "{err}"
    );
    assert!(err.to_string().contains("[dexon.columns]"), "{err}");
    assert_eq!(store.counts().expect("counts").tickets, 0);
    let mut cfg = DexonConfig::default();
    cfg.columns.insert("ticket_id".into(), "Ticket Nro".into());
    cfg.columns
        .insert("priority".into(), "Nivel de impacto".into());
    assert_golden(&cases, &history, &cfg);
}

#[test]
fn dexon_bad_rows_and_refusals() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("casos.csv");
    std::fs::write(
        &path,
        "Número de caso;Fecha de registro;Estado;Criticidad\n\
         1;2025-03-04 09:00:00;Abierto;Alta\n\
         2;2025-03-04 09:00:00;Archivado;Alta\n\
         3;04/03/2025 09:00;Retenido;Urgente\n",
    )
    .expect("write");
    let mut store = Store::open_in_memory().expect("store");
    let s = ingest::load_file(
        &mut store,
        &path,
        "dexon",
        dexon::read_cases(&path, &DexonConfig::default()).expect("opens"),
    )
    .expect("loads");
    assert_eq!((s.accepted, s.rejected), (1, 2));
    let notxlsx = dir.path().join("roto.xlsx");
    std::fs::write(&notxlsx, b"PK\x03\x04 not really a zip").expect("write");
    let err = dexon::read_cases(&notxlsx, &DexonConfig::default())
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains("hoja de cálculo ilegible"),
        "{err}"
    );
}
