//! Benchmarks run by `mesa-sla bench`: business-duration queries per second, and a full
//! evaluation of a large synthetic store with its peak memory. Figures, never assertions.

use std::hint::black_box;
use std::time::Instant as Clock;

use anyhow::Result;
use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::demo::{DemoOptions, entity_names, generate};
use crate::engine::Engine;
use crate::evaluation::evaluate_store;
use crate::ingest::{self, IngestError};
use crate::store::Store;
use crate::store::bench::BareCsv;

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

/// One GLPI 10 CSV line: every cell quoted and followed by `;`, `"` written as `''`.
fn glpi10_line(out: &mut impl std::io::Write, cells: &[&str]) -> std::io::Result<()> {
    for c in cells {
        write!(out, "\"{}\";", c.replace('"', "''"))?;
    }
    writeln!(out)
}

/// Writes `n` synthetic tickets as a GLPI 10 ticket list and a `glpi_logs` export (into `keep`
/// when given, reusing files already there), then times `ingest glpi-csv` + `ingest glpi-logs`
/// against DuckDB's bare `read_csv` of the same files; with `reference`, also the reference
/// readers (Rust, row by row) on a fresh store.
pub fn ingest(
    engine: &Engine,
    n: usize,
    keep: Option<&std::path::Path>,
    reference: bool,
) -> Result<()> {
    use crate::ingest::{FileKind, LoadOptions, Reader, load_path};

    let tmp = tempfile::tempdir()?;
    let dir = match keep {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.to_owned()
        }
        None => tmp.path().to_owned(),
    };
    let list = dir.join("tickets.csv");
    let logs = dir.join("glpi_logs.csv");
    let start = Clock::now();
    if !(list.exists() && logs.exists()) {
        write_glpi_files(engine, n, &list, &logs)?;
    }
    let mb = |p: &std::path::Path| {
        std::fs::metadata(p)
            .map(|m| m.len() as f64 / 1e6)
            .unwrap_or(0.0)
    };
    println!(
        "archivos: lista {:.0} MB, historial {:.0} MB, listos en {:.1} s",
        mb(&list),
        mb(&logs),
        start.elapsed().as_secs_f64()
    );

    let mut store = Store::open(&tmp.path().join("ingest.duckdb"))?;
    let start = Clock::now();
    let fastest = LoadOptions::default();
    let s1 = load_path(&mut store, FileKind::GlpiList, &list, &fastest)?;
    let t1 = start.elapsed().as_secs_f64();
    let start = Clock::now();
    let s2 = load_path(&mut store, FileKind::GlpiLogs, &logs, &fastest)?;
    let t2 = start.elapsed().as_secs_f64();
    println!(
        "mesa-sla: lista {} filas en {t1:.1} s; historial {} filas ({} cargadas) en {t2:.1} s; total {:.1} s",
        s1.rows_read,
        s2.rows_read,
        s2.accepted,
        t1 + t2
    );
    drop(store);

    let mut reference_total = None;
    if reference {
        let mut store = Store::open(&tmp.path().join("reference.duckdb"))?;
        let start = Clock::now();
        let rows = LoadOptions {
            reader: Reader::Reference,
            ..LoadOptions::default()
        };
        load_path(&mut store, FileKind::GlpiList, &list, &rows)?;
        let r1 = start.elapsed().as_secs_f64();
        let start = Clock::now();
        load_path(&mut store, FileKind::GlpiLogs, &logs, &rows)?;
        let r2 = start.elapsed().as_secs_f64();
        println!(
            "lector de referencia: lista {r1:.1} s, historial {r2:.1} s, total {:.1} s",
            r1 + r2
        );
        reference_total = Some(r1 + r2);
    }

    let bare = Store::open(&tmp.path().join("bare.duckdb"))?;
    let start = Clock::now();
    bare.bare_read_csv(BareCsv::GlpiList, &list)?;
    let b1 = start.elapsed().as_secs_f64();
    let start = Clock::now();
    bare.bare_read_csv(BareCsv::GlpiLogs, &logs)?;
    let b2 = start.elapsed().as_secs_f64();
    println!(
        "DuckDB read_csv sin validar: lista {b1:.1} s, historial {b2:.1} s, total {:.1} s → mesa-sla = {:.2}× read_csv (lista {:.2}×, historial {:.2}×)",
        b1 + b2,
        (t1 + t2) / (b1 + b2),
        t1 / b1,
        t2 / b2
    );
    if let Some(r) = reference_total {
        println!("lector de referencia = {:.2}× read_csv", r / (b1 + b2));
    }
    if let Some(p) = peak_rss_kb() {
        println!("memoria pico del proceso: {:.0} MB", p as f64 / 1024.0);
    }
    Ok(())
}

/// Writes the synthetic GLPI 10 ticket list and `glpi_logs` export of the ingest benchmark.
fn write_glpi_files(
    engine: &Engine,
    n: usize,
    list: &std::path::Path,
    logs: &std::path::Path,
) -> Result<()> {
    use crate::model::Status;
    use std::io::Write;

    let as_of = crate::ingest::parse_datetime(BENCH_AS_OF).unwrap_or_default();
    let per = n.div_ceil(entity_names().len());
    let opts = DemoOptions::six_quarters(as_of, per, 42);
    {
        let mut t = std::io::BufWriter::new(std::fs::File::create(list)?);
        let mut l = std::io::BufWriter::new(std::fs::File::create(logs)?);
        t.write_all(b"\xEF\xBB\xBF")?;
        glpi10_line(
            &mut t,
            &[
                "ID",
                "Título",
                "Estado",
                "Fecha de Apertura",
                "Fecha de solución",
                "Fecha de cierre",
                "Prioridad",
                "Categoría",
                "Tipo",
                "Asignado a: - Técnico",
                "Asignado a: - Grupo de Tecnicos ",
                "Solicitante - Solicitante",
                "Entidad",
                "Última actualización",
            ],
        )?;
        writeln!(
            l,
            "id,itemtype,items_id,itemtype_link,linked_action,user_name,date_mod,id_search_option,old_value,new_value"
        )?;
        let minute = |d: Option<chrono::NaiveDateTime>| {
            d.map(|d| d.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default()
        };
        let glpi_code = |s: Option<&str>| {
            s.and_then(Status::from_code)
                .and_then(|s| Status::ALL.iter().position(|x| *x == s))
                .map(|i| (i + 1).to_string())
                .unwrap_or_default()
        };
        // GLPI numbers tickets across the whole instance: renumber per source to keep ids unique.
        let mut id_map: std::collections::HashMap<(String, String), usize> =
            std::collections::HashMap::new();
        let mut log_id = 0u64;
        for record in generate(&opts, engine) {
            match record {
                crate::ingest::Record::Ticket(tk) => {
                    let next = id_map.len() + 1;
                    let id = *id_map
                        .entry((tk.source.clone(), tk.ticket_id.clone()))
                        .or_insert(next);
                    glpi10_line(
                        &mut t,
                        &[
                            &id.to_string(),
                            tk.title.as_deref().unwrap_or(""),
                            tk.status.label_es(),
                            &minute(Some(tk.created_at)),
                            &minute(tk.solved_at),
                            &minute(tk.closed_at),
                            tk.priority_label.as_deref().unwrap_or(""),
                            tk.category.as_deref().unwrap_or(""),
                            tk.ticket_type.map_or("", |x| x.label_es()),
                            tk.technician.as_deref().unwrap_or(""),
                            tk.tech_group.as_deref().unwrap_or(""),
                            tk.requester.as_deref().unwrap_or(""),
                            &tk.entity,
                            &minute(tk.last_update),
                        ],
                    )?;
                }
                crate::ingest::Record::Event(e) => {
                    let Some(&id) = id_map.get(&(e.source.clone(), e.ticket_id.clone())) else {
                        continue;
                    };
                    let (option, old, new) = match e.kind.as_str() {
                        "status" => (
                            "12",
                            glpi_code(e.old_value.as_deref()),
                            glpi_code(e.new_value.as_deref()),
                        ),
                        "assign_tech" => ("5", String::new(), e.new_value.unwrap_or_default()),
                        "assign_group" => ("8", String::new(), e.new_value.unwrap_or_default()),
                        _ => continue,
                    };
                    log_id += 1;
                    writeln!(
                        l,
                        "{log_id},Ticket,{id},,0,{},{},{option},{old},{new}",
                        e.actor.unwrap_or_default(),
                        e.at.format("%Y-%m-%d %H:%M:%S")
                    )?;
                }
                _ => {}
            }
        }
        t.flush()?;
        l.flush()?;
    }
    Ok(())
}

/// Times the quarterly report (indicator set, workbook with every case, charts) of one entity
/// with `n` tickets created in a single quarter (2026-Q1), and its peak memory.
pub fn report(engine: &Engine, n: usize, keep: Option<&std::path::Path>) -> Result<()> {
    use crate::indicators::{Definitions, Quarter};
    use crate::ingest::Record;

    const ENTITY: &str = "Entidad de prueba";
    let dir = tempfile::tempdir()?;
    let path = keep.map_or_else(|| dir.path().join("report.duckdb"), ToOwned::to_owned);
    let mut store = Store::open(&path)?;
    let quarter = Quarter::new(2026, 1)?;
    let as_of = quarter.end() - chrono::Duration::hours(6);
    if store.counts()?.tickets == 0 {
        let per = n.div_ceil(entity_names().len());
        let opts = DemoOptions {
            seed: 7,
            tickets_per_entity: per,
            from: quarter.start().date(),
            as_of,
        };
        let start = Clock::now();
        // The generator makes two entities (GLPI and Dexon sources); the bench puts them all in
        // one, so one workbook carries every case of the quarter.
        let records = generate(&opts, engine).map(|r| {
            Ok::<_, IngestError>(match r {
                Record::Ticket(mut t) => {
                    t.entity = ENTITY.to_owned();
                    Record::Ticket(t)
                }
                other => other,
            })
        });
        let loaded = ingest::load_records(&mut store, "bench", "", "bench", records)?;
        let computed_at = chrono::Local::now().naive_local();
        let summary = evaluate_store(&mut store, engine, as_of, computed_at)?;
        println!(
            "carga y evaluación: {} registros, {} casos en {:.1} s",
            loaded.accepted,
            summary.tickets,
            start.elapsed().as_secs_f64()
        );
    }
    let out = tempfile::tempdir()?;
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = peak_rss_kb();
    let files = crate::report::write_entity_report(
        &store,
        engine,
        &Definitions::builtin(),
        ENTITY,
        quarter,
        Some("https://mesa.entidad.gov.co"),
        out.path(),
    )?;
    let peak = peak_rss_kb();
    let size = std::fs::metadata(&files.workbook).map_or(0, |m| m.len());
    println!(
        "informe {quarter}: {} casos en la hoja Casos, {} incumplimientos, libro de {:.1} MB y {} \
         gráficos en {:.2} s",
        files.cases,
        files.breaches,
        size as f64 / 1e6,
        files.charts.len(),
        files.elapsed.as_secs_f64()
    );
    if let (Some(b), Some(p)) = (before, peak) {
        println!(
            "memoria: pico {:.0} MB durante el informe (antes {:.0} MB)",
            p as f64 / 1024.0,
            b as f64 / 1024.0
        );
    }
    Ok(())
}
