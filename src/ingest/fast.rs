//! The DuckDB-native path of the two largest GLPI files, the ticket list and `glpi_logs`:
//! DuckDB's parallel `read_csv` stages the file, SQL judges every row as the reference reader of
//! `glpi.rs` does (labels decided by that reader's own Rust functions), and the store changes in
//! one transaction, like every load. Files it cannot read identically — not UTF-8, quoting other
//! than plain RFC 4180, dates only chrono's lenient fallback reads, rows of another width… — go
//! to the reference reader, which is also what the tests compare this path with.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use duckdb::types::{OrderedMap, Value};
use duckdb::{Connection, params};

use super::csvfile::{self, Encoding};
use super::glpi::{self, DateFormat, ListOptions, ListReject, LogReject};
use super::inspect::{self, Inspection};
use super::load::{self, Record};
use super::{FileKind, IngestError, IngestSummary, Records, sniff};
use crate::model::{Status, TicketType, parse_priority};
use crate::store::{Store, queries};

/// Why the DuckDB-native path left a file to the reference reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declined {
    /// Spanish, for the `-v` trace.
    pub reason: String,
    /// The file's SHA-256 when it is known already (the reference load does not hash again).
    sha256: Option<String>,
}

/// What a fast attempt gave: the load, or the file left to the reference reader.
pub type Attempt = Result<IngestSummary, Declined>;

/// Loads a GLPI ticket list export (`ingest glpi-csv`): through DuckDB when the file allows it,
/// else through [`glpi::read_list`]. Same rows, rejects, refusals and run record either way.
pub fn glpi_list(
    store: &mut Store,
    path: &Path,
    opts: &ListOptions,
) -> Result<IngestSummary, IngestError> {
    match try_glpi_list(store, path, opts)? {
        Ok(summary) => Ok(summary),
        Err(declined) => reference(store, path, FileKind::GlpiList.label(), declined, || {
            glpi::read_list(path, opts)
        }),
    }
}

/// Loads a `glpi_logs` export (`ingest glpi-logs`): through DuckDB when the file allows it, else
/// through [`glpi::read_logs`].
pub fn glpi_logs(store: &mut Store, path: &Path) -> Result<IngestSummary, IngestError> {
    match try_glpi_logs(store, path)? {
        Ok(summary) => Ok(summary),
        Err(declined) => reference(store, path, FileKind::GlpiLogs.label(), declined, || {
            glpi::read_logs(path)
        }),
    }
}

fn reference(
    store: &mut Store,
    path: &Path,
    kind: &str,
    declined: Declined,
    read: impl FnOnce() -> Result<Records, IngestError>,
) -> Result<IngestSummary, IngestError> {
    tracing::info!(file = %path.display(), motivo = %declined.reason, "lectura con el lector de referencia");
    let records = read()?;
    match declined.sha256 {
        Some(sha) => load::load_records(store, &path.display().to_string(), &sha, kind, records),
        None => load::load_file(store, path, kind, records),
    }
}

/// Times the phases of a load for the `-v` trace.
struct Phases(std::time::Instant);

impl Phases {
    fn new() -> Phases {
        Phases(std::time::Instant::now())
    }

    fn done(&mut self, phase: &str) {
        tracing::info!(
            fase = phase,
            segundos = self.0.elapsed().as_secs_f64(),
            "carga con DuckDB"
        );
        self.0 = std::time::Instant::now();
    }
}

/// A file the DuckDB path may read: plain UTF-8 CSV, inspected, with its header.
struct Prepared {
    delimiter: u8,
    inspection: Inspection,
    headers: Vec<String>,
    progress: Progress,
}

impl Prepared {
    fn decline(&self, reason: impl Into<String>) -> Attempt {
        Err(self.declined(reason))
    }

    fn declined(&self, reason: impl Into<String>) -> Declined {
        Declined {
            reason: reason.into(),
            sha256: Some(self.inspection.sha256.clone()),
        }
    }

    fn delimiter(&self) -> String {
        char::from(self.delimiter).to_string()
    }
}

/// The checks every reader makes first (same refusals), then one pass over the file.
fn prepare(path: &Path) -> Result<Result<Prepared, Declined>, IngestError> {
    sniff(path)?;
    let delimiter = csvfile::detect_delimiter(path)?;
    let progress = Progress::new(path);
    let inspection = inspect::inspect(path, delimiter, &|n| progress.bytes(n))?;
    if !inspection.plain {
        return Ok(Err(Declined {
            reason: "no es UTF-8 con comillas RFC 4180 simples".into(),
            sha256: Some(inspection.sha256),
        }));
    }
    let headers = csvfile::reopen_quiet(path, Encoding::Utf8, delimiter)?.headers;
    Ok(Ok(Prepared {
        delimiter,
        inspection,
        headers,
        progress,
    }))
}

/// The file as `read_csv` must be given it: absolute, and without the characters DuckDB reads as
/// a glob pattern (`casos[1].csv` would read `casos1.csv`) or a URL. `None`: leave the file to
/// the reference reader.
fn duckdb_path(path: &Path) -> Option<String> {
    let absolute = std::fs::canonicalize(path).ok()?;
    let text = absolute.to_str()?;
    let globbing = text.contains(['*', '?', '[', ']', '{', '}']) || text.contains("://");
    (!globbing).then(|| text.to_owned())
}

/// `read_csv`'s `columns` argument: every column as text, under the given names.
fn columns_arg(names: &[String]) -> Value {
    Value::Struct(OrderedMap::from(
        names
            .iter()
            .map(|n| (n.clone(), Value::Text("VARCHAR".into())))
            .collect::<Vec<_>>(),
    ))
}

/// Whether DuckDB plans a staging load as a batch insert: only then do rowids follow the order
/// of the file (a plan with a join or an aggregate inserts in whatever order threads finish).
fn keeps_file_order(conn: &Connection, sql: &str, params: &[&dyn duckdb::ToSql]) -> bool {
    let explain = format!("{}{sql}", queries::EXPLAIN_JSON);
    let plan: Result<String, _> = conn.query_row(&explain, params, |r| r.get(1));
    plan.ok()
        .and_then(|p| serde_json::from_str::<serde_json::Value>(&p).ok())
        .and_then(|p| p.get(0)?.get("name")?.as_str().map(|n| n == "BATCH_INSERT"))
        .unwrap_or(false)
}

/// Drops the temporary tables and views of this path when a load ends, however it ends.
struct Cleanup<'a>(&'a Connection);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.0.execute_batch(queries::FAST_DROP) {
            tracing::warn!(error = %e, "no se pudieron borrar las tablas temporales de la carga");
        }
    }
}

/// Tries the DuckDB path on a GLPI ticket list export. `Ok(Err(_))`: the file is for the
/// reference reader, and the store is untouched.
pub fn try_glpi_list(
    store: &mut Store,
    path: &Path,
    opts: &ListOptions,
) -> Result<Attempt, IngestError> {
    let name = path.display().to_string();
    let started = load::now();
    let mut phases = Phases::new();
    let prepared = match prepare(path)? {
        Ok(p) => p,
        Err(declined) => return Ok(Err(declined)),
    };
    phases.done("revisión del archivo");
    let columns = glpi::list_stage_columns(&name, &prepared.headers)?;
    let Some(file) = duckdb_path(path) else {
        return Ok(prepared.decline("DuckDB no puede abrir el archivo por su nombre"));
    };
    let glpi10 =
        prepared.headers.len() > 1 && prepared.headers.last().is_some_and(String::is_empty);
    let conn = store.conn();
    let _cleanup = Cleanup(conn);
    if let Err(declined) = stage_list(conn, &prepared, &file, &columns)? {
        return Ok(Err(declined));
    }
    phases.done("read_csv");
    let format = match list_date_format(conn, &prepared, opts, &name)? {
        Ok(format) => format,
        Err(declined) => return Ok(Err(declined)),
    };
    phases.done("orden de las fechas");

    conn.execute_batch(queries::FAST_LABELS_CREATE)?;
    fill_list_labels(conn)?;
    conn.execute_batch(queries::FAST_LIST_CHECKED_CREATE)?;
    phases.done("etiquetas");

    // Judged outside the transaction too (only temporary tables change), so that the staged
    // text can be dropped before the upsert needs the memory; the run id is reserved for it.
    let run_id = load::reserve_run(conn)?;
    conn.execute(
        queries::FAST_LIST_CHECK,
        params![
            glpi::SOURCE,
            run_id,
            order_code(format),
            glpi10,
            opts.entity
        ],
    )?;
    conn.execute_batch(queries::FAST_LIST_STAGE_DROP)?;
    phases.done("validación");
    let Judged {
        read,
        rejected,
        mut stored,
    } = match list_rejects(conn, path, &prepared, format)? {
        Ok(judged) => judged,
        Err(declined) => return Ok(Err(declined)),
    };
    phases.done("rechazos");
    let run = Run {
        id: run_id,
        file: &name,
        sha256: &prepared.inspection.sha256,
        started: &started,
    };
    merge_list(conn, &run, read, rejected, &stored, &mut phases)?;
    stored.truncate(10);
    Ok(Ok(IngestSummary {
        run_id,
        kind: FileKind::GlpiList.label().into(),
        file: name,
        rows_read: read,
        accepted: read - rejected,
        rejected,
        skipped: 0,
        sample_rejects: stored,
    }))
}

/// Stages the text of the list with `read_csv`. Outside the load's transaction: only this
/// connection's temporary table changes, and its rowids are then the record numbers 0, 1, … in
/// file order. Then the values as the checks read them.
fn stage_list(
    conn: &Connection,
    prepared: &Prepared,
    file: &str,
    columns: &[String],
) -> Result<Result<(), Declined>, IngestError> {
    conn.execute_batch(queries::FAST_MACROS)?;
    conn.execute_batch(queries::FAST_LIST_STAGE_CREATE)?;
    let load_params = params![file, prepared.delimiter(), columns_arg(columns)];
    if !keeps_file_order(conn, queries::FAST_LIST_STAGE_LOAD, load_params) {
        return Ok(Err(
            prepared.declined("DuckDB no garantiza el orden del archivo")
        ));
    }
    let staged = prepared.progress.duckdb(conn, || {
        conn.execute(queries::FAST_LIST_STAGE_LOAD, load_params)
    });
    if let Err(e) = staged {
        return Ok(Err(
            prepared.declined(format!("DuckDB no leyó el archivo igual: {e}"))
        ));
    }
    let records: i64 = conn.query_row(queries::FAST_LIST_COUNT, [], |r| r.get(0))?;
    if records as u64 + 1 != prepared.inspection.records {
        return Ok(Err(
            prepared.declined("DuckDB contó otro número de registros")
        ));
    }
    Ok(Ok(()))
}

/// The values as the checks read them, then the order of the dates: the configured one, or the
/// one the staged values decide as the reference reader would.
fn list_date_format(
    conn: &Connection,
    prepared: &Prepared,
    opts: &ListOptions,
    name: &str,
) -> Result<Result<DateFormat, Declined>, IngestError> {
    if prepared.inspection.ragged {
        conn.execute_batch(queries::FAST_LIST_VALUES_TRIMMED)?;
        conn.execute_batch(queries::FAST_LIST_VALUES_VIEW)?;
    } else {
        conn.execute_batch(queries::FAST_LIST_VALUES_PLAIN)?;
    }

    let (undecided, day_first): (i64, i64) =
        conn.query_row(queries::FAST_LIST_DATES, [], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if undecided > 0 {
        return Ok(Err(
            prepared.declined("fechas que solo el lector de referencia interpreta")
        ));
    }
    Ok(Ok(match opts.date_format {
        Some(f) => f,
        // Without day- or month-first values only year-first reads anything.
        None if day_first == 0 => DateFormat::Ymd,
        None => {
            let hits: [i64; 3] = conn.query_row(queries::FAST_LIST_DATE_HITS, [], |r| {
                Ok([r.get(0)?, r.get(1)?, r.get(2)?])
            })?;
            glpi::decide_dates(hits.map(|h| h as u64), name)?
        }
    }))
}

/// What the check of a ticket list judged: rows read and rejected, and the rejects as store
/// rows with their file lines.
struct Judged {
    read: u64,
    rejected: u64,
    stored: Vec<load::Reject>,
}

/// The check's counts and rejects (see [`Judged`]).
fn list_rejects(
    conn: &Connection,
    path: &Path,
    prepared: &Prepared,
    format: DateFormat,
) -> Result<Result<Judged, Declined>, IngestError> {
    let (read, rejected): (i64, i64) = conn.query_row(queries::FAST_LIST_SUMMARY, [], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    let (read, rejected) = (read as u64, rejected as u64);
    let stored = stored_rejects(
        conn,
        queries::FAST_LIST_REJECTS,
        path,
        prepared.delimiter,
        |code, line, raw| ListReject::from_code(code).map(|why| why.record(line, raw, format)),
    )?;
    Ok(match stored {
        Ok(stored) => Ok(Judged {
            read,
            rejected,
            stored,
        }),
        Err(why) => Err(prepared.declined(why)),
    })
}

/// The run record of a fast load, under its reserved id.
struct Run<'a> {
    id: i64,
    file: &'a str,
    sha256: &'a str,
    /// When the load started (see [`load::now`]).
    started: &'a str,
}

/// The transaction of a ticket list: run record, checked tickets into the store, rejects.
fn merge_list(
    conn: &Connection,
    run: &Run<'_>,
    read: u64,
    rejected: u64,
    stored: &[load::Reject],
    phases: &mut Phases,
) -> Result<(), IngestError> {
    let tx = conn.unchecked_transaction()?;
    load::begin_reserved_run(
        &tx,
        run.id,
        run.file,
        run.sha256,
        FileKind::GlpiList.label(),
        run.started,
    )?;
    if read > rejected {
        tx.execute_batch(queries::FAST_LIST_STAGED_VIEW)?;
        load::move_staged_tickets(&tx)?;
        tx.execute_batch(queries::FAST_LIST_STAGED_VIEW_DROP)?;
    }
    phases.done("casos integrados");
    load::insert_rejects(&tx, run.id, stored)?;
    load::finish_run(&tx, run.id, read, read - rejected, rejected)?;
    tx.commit()?;
    phases.done("confirmación");
    Ok(())
}

fn order_code(format: DateFormat) -> &'static str {
    match format {
        DateFormat::Ymd => "ymd",
        DateFormat::Dmy => "dmy",
        DateFormat::Mdy => "mdy",
    }
}

/// Decides each distinct label of the staged list with the reference reader's functions.
fn fill_list_labels(conn: &Connection) -> Result<(), IngestError> {
    let labels: Vec<(String, String)> = conn
        .prepare(queries::FAST_LIST_LABELS)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut app = conn.appender("fast_labels")?;
    for (field, raw) in &labels {
        let (text, num): (Option<String>, Option<i64>) = match field.as_str() {
            "status" => (Status::parse(raw).map(|s| s.code().to_owned()), None),
            "type" => (TicketType::parse(raw).map(|t| t.code().to_owned()), None),
            "priority" => (None, parse_priority(raw).map(i64::from)),
            "attention" => (None, glpi::parse_duration(raw)),
            _ => (glpi::multi(Some(raw)), None),
        };
        app.append_row(params![field, raw, text, num])?;
    }
    app.flush()?;
    Ok(())
}

/// Tries the DuckDB path on a `glpi_logs` export. `Ok(Err(_))`: the file is for the reference
/// reader, and the store is untouched.
pub fn try_glpi_logs(store: &mut Store, path: &Path) -> Result<Attempt, IngestError> {
    let name = path.display().to_string();
    let started = load::now();
    let mut phases = Phases::new();
    let prepared = match prepare(path)? {
        Ok(p) => p,
        Err(declined) => return Ok(Err(declined)),
    };
    phases.done("revisión del archivo");
    let Some(columns) = glpi::logs_stage_columns(path, &prepared.headers)? else {
        return Ok(prepared.decline("faltan columnas que el lector de referencia suple"));
    };
    let Some(file) = duckdb_path(path) else {
        return Ok(prepared.decline("DuckDB no puede abrir el archivo por su nombre"));
    };
    let codes = Value::List(
        (1..=6)
            .filter_map(Status::from_glpi_code)
            .map(|s| Value::Text(s.code().to_owned()))
            .collect(),
    );
    let conn = store.conn();
    let _cleanup = Cleanup(conn);
    conn.execute_batch(queries::FAST_MACROS)?;
    conn.execute_batch(queries::FAST_LOGS_STAGE_CREATE)?;
    let load_params = params![
        file,
        prepared.delimiter(),
        columns_arg(&columns),
        codes,
        prepared.inspection.ragged
    ];
    if !keeps_file_order(conn, queries::FAST_LOGS_STAGE_LOAD, load_params) {
        return Ok(prepared.decline("DuckDB no garantiza el orden del archivo"));
    }
    let staged = prepared.progress.duckdb(conn, || {
        conn.execute(queries::FAST_LOGS_STAGE_LOAD, load_params)
    });
    if let Err(e) = staged {
        return Ok(prepared.decline(format!("DuckDB no leyó el archivo igual: {e}")));
    }
    let (read, skipped, rejected, undecided, unordered): (i64, i64, i64, i64, i64) = conn
        .query_row(queries::FAST_LOGS_SUMMARY, [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
    if read as u64 + 1 != prepared.inspection.records {
        return Ok(prepared.decline("DuckDB contó otro número de registros"));
    }
    phases.done("read_csv");
    if undecided > 0 || unordered > 0 {
        return Ok(prepared
            .decline("fechas o identificadores que solo el lector de referencia interpreta"));
    }
    let (read, skipped, rejected) = (read as u64, skipped as u64, rejected as u64);
    let mut stored = match stored_rejects(
        conn,
        queries::FAST_LOGS_REJECTS,
        path,
        prepared.delimiter,
        |code, line, raw| LogReject::from_code(code).map(|why| why.record(line, raw)),
    )? {
        Ok(stored) => stored,
        Err(why) => return Ok(prepared.decline(why)),
    };
    let accepted = read - skipped - rejected;
    let run_id = load::reserve_run(conn)?;
    let tx = conn.unchecked_transaction()?;
    load::begin_reserved_run(
        &tx,
        run_id,
        &name,
        &prepared.inspection.sha256,
        FileKind::GlpiLogs.label(),
        &started,
    )?;
    if accepted > 0 {
        tx.execute(
            queries::FAST_LOGS_EVENTS_INSERT,
            params![glpi::SOURCE, run_id],
        )?;
    }
    phases.done("eventos integrados");
    load::insert_rejects(&tx, run_id, &stored)?;
    load::finish_run(&tx, run_id, read, accepted, rejected)?;
    tx.commit()?;
    phases.done("confirmación");
    stored.truncate(10);
    Ok(Ok(IngestSummary {
        run_id,
        kind: FileKind::GlpiLogs.label().into(),
        file: name,
        rows_read: read,
        accepted,
        rejected,
        skipped,
        sample_rejects: stored,
    }))
}

/// The line of each rejected record (by its number from 0, in increasing order) exactly as the
/// reference reader reports it: the `csv` crate reads the file again up to the last one. Only
/// files with rejects pay for this pass. `None` if the file has fewer records than expected.
/// The rejects a `*_rejects.sql` query lists (record index, reason code, raw value) as store
/// rows, each with the file line of its record. `Err` names why the DuckDB path must decline:
/// line numbers that do not match the records, or a reason code the reader does not know.
fn stored_rejects(
    conn: &Connection,
    sql: &str,
    path: &Path,
    delimiter: u8,
    record: impl Fn(i64, u64, Option<&str>) -> Option<Record>,
) -> Result<Result<Vec<load::Reject>, &'static str>, IngestError> {
    let rejects: Vec<(i64, i64, Option<String>)> = conn
        .prepare(sql)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let Some(lines) = record_lines(path, delimiter, &rejects)? else {
        return Ok(Err("los números de línea no cuadran"));
    };
    let mut stored = Vec::with_capacity(rejects.len());
    for ((_, code, raw), line) in rejects.iter().zip(lines) {
        let Some(rec) = record(*code, line, raw.as_deref()) else {
            return Ok(Err("motivo de rechazo desconocido"));
        };
        if let Record::Reject(r) = rec {
            stored.push(r);
        }
    }
    Ok(Ok(stored))
}

fn record_lines<T, U>(
    path: &Path,
    delimiter: u8,
    rejects: &[(i64, T, U)],
) -> Result<Option<Vec<u64>>, IngestError> {
    if rejects.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let name = path.display().to_string();
    let mut src = csvfile::reopen_quiet(path, Encoding::Utf8, delimiter)?;
    let mut record = csv::ByteRecord::new();
    let mut lines = Vec::with_capacity(rejects.len());
    let mut number = 0i64;
    for (wanted, _, _) in rejects {
        loop {
            if !src
                .reader
                .read_byte_record(&mut record)
                .map_err(|e| csvfile::malformed(&name, &e))?
            {
                return Ok(None);
            }
            number += 1;
            if number - 1 == *wanted {
                lines.push(record.position().map_or(0, |p| p.line()));
                break;
            }
            if number - 1 > *wanted {
                return Ok(None);
            }
        }
    }
    Ok(Some(lines))
}

/// The progress bar of a large file on a terminal: bytes while the file is inspected, then
/// DuckDB's own estimate while it reads the file.
struct Progress(Option<indicatif::ProgressBar>);

impl Drop for Progress {
    fn drop(&mut self) {
        // A declined file goes on with the reference reader's own bar.
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

impl Progress {
    fn new(path: &Path) -> Progress {
        use std::io::IsTerminal;
        let len = std::fs::metadata(path).map_or(0, |m| m.len());
        if len < csvfile::PROGRESS_FROM_BYTES || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::new(len);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_message(format!(
            "Revisando {}",
            path.file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
        ));
        Progress(Some(bar))
    }

    fn bytes(&self, n: u64) {
        if let Some(bar) = &self.0 {
            bar.set_position(n);
        }
    }

    /// Runs the statement that reads the file, showing DuckDB's progress estimate.
    fn duckdb<T>(
        &self,
        conn: &Connection,
        run: impl FnOnce() -> Result<T, duckdb::Error>,
    ) -> Result<T, duckdb::Error> {
        let Some(bar) = &self.0 else {
            return run();
        };
        bar.set_length(100);
        bar.set_position(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}%")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_message("Cargando con DuckDB");
        if conn.set_query_progress_tracking(true).is_err() {
            return run();
        }
        let handle = conn.progress_handle();
        let done = AtomicBool::new(false);
        let result = std::thread::scope(|scope| {
            scope.spawn(|| {
                while !done.load(Ordering::Relaxed) {
                    if let Some(p) = handle.query_progress().percentage() {
                        bar.set_position(p.clamp(0.0, 100.0) as u64);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
            });
            let result = run();
            done.store(true, Ordering::Relaxed);
            result
        });
        let _ = conn.set_query_progress_tracking(false);
        bar.finish_and_clear();
        result
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, NaiveDateTime};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;

    fn sql_store(values: &[String]) -> Store {
        let store = Store::open_in_memory().expect("store");
        store
            .conn()
            .execute_batch(queries::FAST_MACROS)
            .expect("macros");
        store
            .conn()
            .execute_batch("CREATE TEMP TABLE v (v VARCHAR)")
            .expect("table");
        let mut app = store.conn().appender("v").expect("appender");
        for v in values {
            app.append_row(params![v]).expect("append");
        }
        app.flush().expect("flush");
        drop(app);
        store
    }

    /// Random date-like texts around every edge fixed_datetime and chrono's fallback care
    /// about: mostly well-formed layouts with values in and out of range, some malformed.
    fn date_texts(n: usize) -> Vec<String> {
        let mut rng = StdRng::seed_from_u64(11);
        let years = [
            "1983", "1984", "2024", "2025", "2100", "2101", "0000", "9999",
        ];
        let odd_years = ["20", "12345", "2025"];
        let two = [
            "00", "01", "02", "09", "10", "12", "13", "23", "24", "28", "29", "30", "31", "32",
            "59", "60", "61", "99",
        ];
        let odd_two = ["1", "7", "001", "1 "];
        let seps = ["-", "/", "."];
        let odd_seps = [" ", ":", "", "--"];
        let tseps = [" ", "T"];
        let odd_tseps = ["  ", "t", "", "T "];
        let secs = ["", ":00", ":59", ":60", ":61"];
        let odd_secs = [":5", ":000", ":"];
        let mut texts = Vec::with_capacity(n);
        for k in 0..n {
            // One piece in five comes from the malformed lists, in about a third of the texts.
            let odd = k % 3 == 0;
            let mut pick = |good: &[&str], bad: &[&str]| {
                if odd && rng.random_range(0..5) == 0 {
                    bad[rng.random_range(0..bad.len())].to_owned()
                } else {
                    good[rng.random_range(0..good.len())].to_owned()
                }
            };
            let y = pick(&years, &odd_years);
            let (a, b) = (pick(&two, &odd_two), pick(&two, &odd_two));
            let (s1, s2) = (pick(&seps, &odd_seps), pick(&seps, &odd_seps));
            let (h, m) = (pick(&two, &odd_two), pick(&two, &odd_two));
            let time = format!(
                "{}{h}:{m}{}",
                pick(&tseps, &odd_tseps),
                pick(&secs, &odd_secs)
            );
            texts.push(if k % 2 == 0 {
                format!("{y}{s1}{a}{s2}{b}{time}")
            } else {
                format!("{a}{s1}{b}{s2}{y}{time}")
            });
        }
        texts
    }

    #[test]
    fn sql_dates_read_what_the_reference_reader_reads() {
        let values = date_texts(60_000);
        let store = sql_store(&values);
        let mut stmt = store
            .conn()
            .prepare(
                "SELECT v, fast_date_decided(v), fast_date(v, 'ymd'), fast_date(v, 'dmy'), \
                 fast_date(v, 'mdy') FROM v",
            )
            .expect("prepare");
        type Row = (
            String,
            bool,
            Option<NaiveDateTime>,
            Option<NaiveDateTime>,
            Option<NaiveDateTime>,
        );
        let rows: Vec<Row> = stmt
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        let (mut decided, mut read) = (0, 0);
        for (v, is_decided, ymd, dmy, mdy) in rows {
            if !is_decided {
                continue;
            }
            decided += 1;
            let want = |f: DateFormat| f.parse(&v);
            assert_eq!(ymd, want(DateFormat::Ymd), "ymd {v:?}");
            assert_eq!(dmy, want(DateFormat::Dmy), "dmy {v:?}");
            assert_eq!(mdy, want(DateFormat::Mdy), "mdy {v:?}");
            // glpi_logs dates: parse_datetime within the same years.
            let history =
                super::super::parse_datetime(&v).filter(|d| (1984..=2100).contains(&d.year()));
            assert_eq!(ymd, history, "history {v:?}");
            read += usize::from(ymd.is_some() || dmy.is_some() || mdy.is_some());
        }
        // The sample covers both outcomes of the decided values, and leaves some undecided.
        assert!(decided > 20_000 && decided < 60_000, "{decided}");
        assert!(read > 500 && read < decided, "{read} of {decided}");
    }

    #[test]
    fn staging_loads_keep_file_order_and_the_check_sees_when_not() {
        let dir = tempfile::tempdir().expect("dir");
        let csv = dir.path().join("h.csv");
        std::fs::write(
            &csv,
            "id,itemtype,items_id,linked_action,user_name,date_mod,id_search_option,old_value,new_value\n\
             1,Ticket,2,0,a,2025-01-01 10:00:00,12,1,2\n",
        )
        .expect("write");
        let names: Vec<String> = glpi::LOGS_COLUMNS.iter().map(|c| c.to_string()).collect();
        let store = Store::open_in_memory().expect("store");
        let conn = store.conn();
        conn.execute_batch(queries::FAST_MACROS).expect("macros");
        conn.execute_batch(queries::FAST_LOGS_STAGE_CREATE)
            .expect("stage");
        conn.execute_batch(queries::FAST_LIST_STAGE_CREATE)
            .expect("stage");
        let codes = Value::List(vec![Value::Text("new".into())]);
        let file = csv.display().to_string();
        for ragged in [false, true] {
            let p = params![file, ",", columns_arg(&names), codes.clone(), ragged];
            assert!(
                keeps_file_order(conn, queries::FAST_LOGS_STAGE_LOAD, p),
                "{ragged}"
            );
        }
        let list: Vec<String> = [
            "id", "_x1", "_x2", "status", "_x4", "_x5", "_x6", "_x7", "_x8",
        ]
        .iter()
        .map(|c| c.to_string())
        .collect();
        let p = params![file, ",", columns_arg(&list)];
        assert!(keeps_file_order(conn, queries::FAST_LIST_STAGE_LOAD, p));
        // An IN list of six values is planned as a join, which loses the order.
        conn.execute_batch("CREATE TEMP TABLE o (id VARCHAR)")
            .expect("table");
        let joined = "INSERT INTO o SELECT id FROM read_csv(?, header = true) \
                      WHERE id IN ('1', '2', '3', '4', '5', '6')";
        assert!(!keeps_file_order(conn, joined, params![file]));
    }

    #[test]
    fn sql_numbers_codes_and_trimming_match_rust() {
        let texts: Vec<String> = [
            "1",
            "6",
            "7",
            "0",
            "-1",
            "-0",
            "+5",
            "+05",
            "0005",
            "+-1",
            "5.0",
            "1_0",
            " 5",
            "5 ",
            "",
            "x",
            "٣",
            "99999999999999999999",
            "-9223372036854775808",
            "9223372036854775807",
            "9223372036854775808",
            "12",
            "+",
            "00000000000000000000000000003",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let codes = Value::List(
            (1..=6)
                .filter_map(Status::from_glpi_code)
                .map(|s| Value::Text(s.code().to_owned()))
                .collect(),
        );
        let store = sql_store(&texts);
        let rows: Vec<(String, Option<i64>, Option<String>)> = store
            .conn()
            .prepare("SELECT v, fast_i64(v), fast_glpi_status(v, ?) FROM v")
            .expect("prepare")
            .query_map(params![codes], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        for (v, n, code) in rows {
            assert_eq!(n, v.parse::<i64>().ok(), "{v:?}");
            let want = v
                .parse::<i64>()
                .ok()
                .and_then(Status::from_glpi_code)
                .map(|s| s.code().to_owned());
            assert_eq!(code, want, "{v:?}");
        }

        let spaces = [
            ' ', '\t', '\n', '\r', '\u{b}', '\u{c}', '\u{85}', '\u{a0}', '\u{1680}', '\u{2000}',
            '\u{2005}', '\u{200a}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}',
        ];
        let mut padded = Vec::new();
        for (i, a) in spaces.iter().enumerate() {
            let b = spaces[(i * 7 + 3) % spaces.len()];
            for core in ["x", "José Pérez", "a b", "", "\u{200b}y", "é\u{301}"] {
                padded.push(format!("{a}{core}{b}"));
                padded.push(format!("{core}{a}"));
                padded.push(format!("{b}{a}{core}"));
            }
        }
        let store = sql_store(&padded);
        let rows: Vec<(String, Option<String>)> = store
            .conn()
            .prepare("SELECT v, fast_trim_exact(v) FROM v")
            .expect("prepare")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        for (v, trimmed) in rows {
            let want = Some(v.trim().to_owned()).filter(|s| !s.is_empty());
            assert_eq!(trimmed, want, "{v:?}");
        }
    }
}
