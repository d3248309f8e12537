//! Benchmarks run by `mesa-sla bench`: business-duration queries per second, and a full
//! evaluation of a large synthetic store with its peak memory. Figures, never assertions.

use std::hint::black_box;
use std::time::Instant as Clock;

use anyhow::Result;
use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::config::Engine;
use crate::demo::{DemoOptions, entity_names, generate};
use crate::evaluation::evaluate_store;
use crate::ingest::{self, IngestError};
use crate::store::Store;

/// Times `n` business-duration queries on one thread, over random instants spread across ten
/// years (2016–2025).
pub fn calendar(engine: &Engine, n: usize) -> Result<()> {
    let cal = &engine.default;
    let lo = cal.instant_from_local(
        NaiveDate::from_ymd_opt(2016, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default(),
    );
    let hi = lo + 10 * 365 * 86_400;
    let mut rng = StdRng::seed_from_u64(7);
    // A fixed pool of pairs, reused, so that generating them is not what gets measured.
    let pool = 1 << 20;
    let pairs: Vec<(i64, i64)> = (0..pool)
        .map(|_| {
            let a = rng.random_range(lo..hi);
            let b = rng.random_range(lo..hi);
            (a.min(b), a.max(b))
        })
        .collect();
    let start = Clock::now();
    let mut acc = 0i64;
    for i in 0..n {
        let (a, b) = pairs[i & (pool - 1)];
        acc = acc.wrapping_add(cal.business_seconds(black_box(a), black_box(b)));
    }
    let secs = start.elapsed().as_secs_f64();
    black_box(acc);
    let start = Clock::now();
    let m = n / 10;
    for i in 0..m {
        let (a, b) = pairs[i & (pool - 1)];
        acc = acc.wrapping_add(
            cal.deadline(black_box(a), black_box(b - a) / 8)
                .unwrap_or(0),
        );
    }
    let dsecs = start.elapsed().as_secs_f64();
    black_box(acc);
    println!(
        "calendario: {n} duraciones hábiles en {secs:.3} s = {:.1} millones/s (1 núcleo); \
         {m} vencimientos en {dsecs:.3} s = {:.1} millones/s",
        n as f64 / secs / 1e6,
        m as f64 / dsecs / 1e6
    );
    Ok(())
}

/// Peak resident memory of this process (kB), from /proc.
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The cut used by the evaluation benchmark (print it to replay the evaluation by hand).
pub const BENCH_AS_OF: &str = "2026-06-30 12:00:00";

/// Loads `n` synthetic tickets (about six events each) into a store file (a temporary one unless
/// `keep` names one; an existing non-empty store is used as it is), then times the evaluation
/// from the store to `sla_results`. Peak memory here includes what the load left behind; for the
/// evaluation alone, run `mesa-sla --db FILE evaluate --as-of …` in its own process.
pub fn evaluate(engine: &Engine, n: usize, keep: Option<&std::path::Path>) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let path = keep.map_or_else(|| dir.path().join("bench.duckdb"), ToOwned::to_owned);
    let mut store = Store::open(&path)?;
    let as_of = crate::ingest::parse_datetime(BENCH_AS_OF).unwrap_or_default();
    if store.counts()?.tickets == 0 {
        let per = n.div_ceil(entity_names().len());
        let opts = DemoOptions::six_quarters(as_of, per, 42);
        let start = Clock::now();
        let loaded = ingest::load_records(
            &mut store,
            "bench",
            "",
            "bench",
            generate(&opts, engine).map(Ok::<_, IngestError>),
        )?;
        println!(
            "carga: {} registros en {:.1} s",
            loaded.accepted,
            start.elapsed().as_secs_f64()
        );
    }
    let counts = store.counts()?;
    println!(
        "base {}: {} casos y {} eventos",
        path.display(),
        counts.tickets,
        counts.events
    );
    // Reset the peak-RSS watermark so that it measures the evaluation only (Linux ≥ 4.0).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = peak_rss_kb();
    let summary = evaluate_store(&mut store, engine, as_of, as_of)?;
    let peak = peak_rss_kb();
    println!(
        "evaluación: {} casos, {} eventos → {} resultados en {:.2} s ({:.0} casos/s)",
        summary.tickets,
        summary.events,
        summary.tickets * 2,
        summary.elapsed.as_secs_f64(),
        summary.tickets as f64 / summary.elapsed.as_secs_f64()
    );
    if let (Some(b), Some(p)) = (before, peak) {
        println!(
            "memoria: pico {:.0} MB durante la evaluación (antes {:.0} MB)",
            p as f64 / 1024.0,
            b as f64 / 1024.0
        );
    }
    Ok(())
}
