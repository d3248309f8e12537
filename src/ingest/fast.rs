//! The DuckDB-native path of the two largest GLPI files, the ticket list and `glpi_logs`:
//! DuckDB's parallel `read_csv` stages the file, SQL judges every row as the reference reader of
//! `glpi.rs` does (labels decided by that reader's own Rust functions), and the store changes in
//! one transaction, like every load. Files it cannot read identically — not UTF-8, quoting other
//! than plain RFC 4180, dates only chrono's lenient fallback reads, rows of another width… — go
//! to the reference reader, which is also what the tests compare this path with.

use std::path::Path;

use super::csvfile::{self, Encoding};
use super::glpi::{self, DateFormat, ListOptions, ListReject, LogReject};
use super::inspect::{self, Inspection};
use super::load::{self, Record};
use super::{Changes, FileKind, IngestError, IngestSummary, Records, TicketChanges, limits, sniff};
use crate::model::{Status, TicketType, parse_priority};
use crate::store::Store;
use crate::store::bulk::{
    Bulk, CsvSource, DateOrder, Limits, ListCheck, ListLabel, ReservedRun, StageRefusal,
    StagedReject, Watch,
};

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

    /// The file as DuckDB is to read it.
    fn csv<'s>(&self, file: &'s str, columns: &'s [String]) -> CsvSource<'s> {
        CsvSource {
            file,
            delimiter: self.delimiter,
            columns,
        }
    }

    /// Why a staging load left the file to the reference reader.
    fn refused(&self, refusal: StageRefusal) -> Declined {
        self.declined(match refusal {
            StageRefusal::Unordered => "DuckDB no garantiza el orden del archivo".to_owned(),
            StageRefusal::Unread(e) => format!("DuckDB no leyó el archivo igual: {e}"),
        })
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
    let bulk = store.bulk();
    if let Err(declined) = stage_list(&bulk, &prepared, &file, &columns)? {
        return Ok(Err(declined));
    }
    phases.done("read_csv");
    let format = match list_date_format(&bulk, &prepared, opts, &name)? {
        Ok(format) => format,
        Err(declined) => return Ok(Err(declined)),
    };
    phases.done("orden de las fechas");

    bulk.label_list(list_label)?;
    phases.done("etiquetas");

    // Judged outside the transaction too (only temporary tables change), so that the staged
    // text can be dropped before the upsert needs the memory; the run id is reserved for it.
    let run_id = bulk.reserve_run()?;
    bulk.judge_list(&ListCheck {
        source: glpi::SOURCE,
        run_id,
        dates: date_order(format),
        glpi10,
        entity: opts.entity.as_deref(),
        limits: sql_limits(),
    })?;
    phases.done("validación");
    let Judged {
        read,
        rejected,
        mut stored,
    } = match list_rejects(&bulk, path, &prepared, format)? {
        Ok(judged) => judged,
        Err(declined) => return Ok(Err(declined)),
    };
    phases.done("rechazos");
    let run = ReservedRun {
        id: run_id,
        file: &name,
        sha256: &prepared.inspection.sha256,
        kind: FileKind::GlpiList.label(),
        started: &started,
    };
    let tickets = merge_list(&bulk, &run, read, rejected, &stored, &mut phases)?;
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
        changes: Changes {
            tickets,
            ..Changes::default()
        },
    }))
}

/// Stages the text of the list with `read_csv` (see [`Bulk::stage_list`]), and declines when
/// DuckDB cannot read it in file order or counts other records than the inspection.
fn stage_list(
    bulk: &Bulk<'_>,
    prepared: &Prepared,
    file: &str,
    columns: &[String],
) -> Result<Result<(), Declined>, IngestError> {
    let csv = prepared.csv(file, columns);
    let records = match prepared
        .progress
        .duckdb(|watch| bulk.stage_list(&csv, watch))?
    {
        Ok(records) => records,
        Err(refusal) => return Ok(Err(prepared.refused(refusal))),
    };
    if records + 1 != prepared.inspection.records {
        return Ok(Err(
            prepared.declined("DuckDB contó otro número de registros")
        ));
    }
    Ok(Ok(()))
}

/// The values as the checks read them, then the order of the dates: the configured one, or the
/// one the staged values decide as the reference reader would.
fn list_date_format(
    bulk: &Bulk<'_>,
    prepared: &Prepared,
    opts: &ListOptions,
    name: &str,
) -> Result<Result<DateFormat, Declined>, IngestError> {
    let dates = bulk.list_dates(prepared.inspection.ragged)?;
    if dates.undecided > 0 {
        return Ok(Err(
            prepared.declined("fechas que solo el lector de referencia interpreta")
        ));
    }
    Ok(Ok(match opts.date_format {
        Some(f) => f,
        // Without day- or month-first values only year-first reads anything.
        None if dates.day_first == 0 => DateFormat::Ymd,
        None => glpi::decide_dates(bulk.list_date_hits()?, name)?,
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
    bulk: &Bulk<'_>,
    path: &Path,
    prepared: &Prepared,
    format: DateFormat,
) -> Result<Result<Judged, Declined>, IngestError> {
    let counts = bulk.list_counts()?;
    let stored = stored_rejects(
        &bulk.list_rejects()?,
        path,
        prepared.delimiter,
        |code, line, raw| ListReject::from_code(code).map(|why| why.record(line, raw, format)),
    )?;
    Ok(match stored {
        Ok(stored) => Ok(Judged {
            read: counts.read,
            rejected: counts.rejected,
            stored,
        }),
        Err(why) => Err(prepared.declined(why)),
    })
}

/// The transaction of a ticket list: run record, checked tickets into the store, rejects.
/// Gives what the tickets changed.
fn merge_list(
    bulk: &Bulk<'_>,
    run: &ReservedRun<'_>,
    read: u64,
    rejected: u64,
    stored: &[load::Reject],
    phases: &mut Phases,
) -> Result<TicketChanges, IngestError> {
    let tx = bulk.begin()?;
    tx.begin_run(run)?;
    let mut changes = TicketChanges::default();
    if read > rejected {
        changes = tx.merge_list()?;
    }
    phases.done("casos integrados");
    tx.insert_rejects(run.id, stored)?;
    tx.finish_run(run.id, read, read - rejected, rejected)?;
    tx.commit()?;
    phases.done("confirmación");
    Ok(changes)
}

/// The domain limits the SQL checks bind, from the one place that sets them.
fn sql_limits() -> Limits {
    Limits {
        max_id_bytes: limits::MAX_ID_BYTES as i64,
        max_duration_seconds: limits::MAX_DURATION_SECONDS,
    }
}

fn date_order(format: DateFormat) -> DateOrder {
    match format {
        DateFormat::Ymd => DateOrder::Ymd,
        DateFormat::Dmy => DateOrder::Dmy,
        DateFormat::Mdy => DateOrder::Mdy,
    }
}

/// The label of one distinct staged value of the list, decided with the reference reader's
/// functions.
fn list_label(field: &str, raw: &str) -> ListLabel {
    let (text, number) = match field {
        "status" => (Status::parse(raw).map(|s| s.code().to_owned()), None),
        "type" => (TicketType::parse(raw).map(|t| t.code().to_owned()), None),
        "priority" => (None, parse_priority(raw).map(i64::from)),
        "attention" => (None, glpi::parse_duration(raw)),
        _ => (glpi::multi(Some(raw)), None),
    };
    ListLabel { text, number }
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
    let codes: Vec<&str> = (1..=6)
        .filter_map(Status::from_glpi_code)
        .map(Status::code)
        .collect();
    let bulk = store.bulk();
    let csv = prepared.csv(&file, &columns);
    let counts = match prepared.progress.duckdb(|watch| {
        bulk.stage_logs(
            &csv,
            &codes,
            prepared.inspection.ragged,
            sql_limits(),
            watch,
        )
    })? {
        Ok(counts) => counts,
        Err(refusal) => return Ok(Err(prepared.refused(refusal))),
    };
    if counts.read + 1 != prepared.inspection.records {
        return Ok(prepared.decline("DuckDB contó otro número de registros"));
    }
    phases.done("read_csv");
    if counts.undecided > 0 || counts.unordered > 0 {
        return Ok(prepared
            .decline("fechas o identificadores que solo el lector de referencia interpreta"));
    }
    let (read, skipped, rejected) = (counts.read, counts.skipped, counts.rejected);
    let mut stored = match stored_rejects(
        &bulk.logs_rejects()?,
        path,
        prepared.delimiter,
        |code, line, raw| LogReject::from_code(code).map(|why| why.record(line, raw)),
    )? {
        Ok(stored) => stored,
        Err(why) => return Ok(prepared.decline(why)),
    };
    let accepted = read - skipped - rejected;
    let run_id = bulk.reserve_run()?;
    let tx = bulk.begin()?;
    tx.begin_run(&ReservedRun {
        id: run_id,
        file: &name,
        sha256: &prepared.inspection.sha256,
        kind: FileKind::GlpiLogs.label(),
        started: &started,
    })?;
    let mut new_events = 0;
    if accepted > 0 {
        new_events = tx.merge_logs(glpi::SOURCE, run_id)?;
    }
    phases.done("eventos integrados");
    tx.insert_rejects(run_id, &stored)?;
    tx.finish_run(run_id, read, accepted, rejected)?;
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
        changes: Changes {
            new_events,
            known_events: accepted.saturating_sub(new_events),
            ..Changes::default()
        },
    }))
}

/// The rejects the checks listed (record index, reason code, raw value) as store rows, each
/// with the file line of its record. `Err` names why the DuckDB path must decline: line numbers
/// that do not match the records, or a reason code the reader does not know.
fn stored_rejects(
    rejects: &[StagedReject],
    path: &Path,
    delimiter: u8,
    record: impl Fn(i64, u64, Option<&str>) -> Option<Record>,
) -> Result<Result<Vec<load::Reject>, &'static str>, IngestError> {
    let Some(lines) = record_lines(path, delimiter, rejects)? else {
        return Ok(Err("los números de línea no cuadran"));
    };
    let mut stored = Vec::with_capacity(rejects.len());
    for (reject, line) in rejects.iter().zip(lines) {
        let Some(rec) = record(reject.code, line, reject.raw.as_deref()) else {
            return Ok(Err("motivo de rechazo desconocido"));
        };
        if let Record::Reject(r) = rec {
            stored.push(r);
        }
    }
    Ok(Ok(stored))
}

/// The line of each rejected record (by its number from 0, in increasing order) exactly as the
/// reference reader reports it: the `csv` crate reads the file again up to the last one. Only
/// files with rejects pay for this pass. `None` if the file has fewer records than expected.
fn record_lines(
    path: &Path,
    delimiter: u8,
    rejects: &[StagedReject],
) -> Result<Option<Vec<u64>>, IngestError> {
    if rejects.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let name = path.display().to_string();
    let mut src = csvfile::reopen_quiet(path, Encoding::Utf8, delimiter)?;
    let mut record = csv::ByteRecord::new();
    let mut lines = Vec::with_capacity(rejects.len());
    let mut number = 0i64;
    for StagedReject { record: wanted, .. } in rejects {
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
                lines.push(csvfile::record_line(record.position(), src.crlf));
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

    /// Runs the load that reads the file, showing DuckDB's progress estimate: `load` is given
    /// what to report it to, if anything.
    fn duckdb<T>(&self, load: impl FnOnce(Watch<'_>) -> T) -> T {
        let Some(bar) = &self.0 else {
            return load(None);
        };
        bar.set_length(100);
        bar.set_position(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}%")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_message("Cargando con DuckDB");
        let result = load(Some(&|p: f64| bar.set_position(p.clamp(0.0, 100.0) as u64)));
        bar.finish_and_clear();
        result
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, NaiveDateTime};
    use duckdb::params;
    use duckdb::types::Value;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::store::queries;

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
