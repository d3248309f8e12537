//! Volume: files larger than one DuckDB row group (122,880 rows) load completely.

use chrono::NaiveDate;
use mesa_sla::config::Config;
use mesa_sla::demo::{DemoOptions, generate};
use mesa_sla::evaluation::evaluate_store;
use mesa_sla::ingest::{self, IngestError};
use mesa_sla::store::Store;

#[test]
fn a_large_load_keeps_every_row_and_every_result() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("v.duckdb")).expect("store");
    let engine = Config::default().engine().expect("engine");
    let as_of = NaiveDate::from_ymd_opt(2026, 6, 30)
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .expect("cut");
    let opts = DemoOptions::six_quarters(as_of, 70_000, 1);
    let summary = ingest::load_records(
        &mut store,
        "volumen",
        "",
        "demo",
        generate(&opts, &engine).map(Ok::<_, IngestError>),
    )
    .expect("loads");
    let counts = store.counts().expect("counts");
    assert_eq!(counts.tickets, 140_000);
    assert!(counts.events > 122_880 * 3, "{counts:?}");
    assert_eq!(
        summary.accepted as i64,
        counts.tickets + counts.events + counts.surveys
    );
    let eval = evaluate_store(&mut store, &engine, as_of, as_of).expect("evaluates");
    assert_eq!(eval.tickets, 140_000);
    assert_eq!(store.counts().expect("counts").results, 280_000);
}
