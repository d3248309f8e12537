//! The transactional load shared by every reader: one file is one transaction — run record,
//! staged rows, upsert into the canonical tables, rejects — or nothing at all.

use std::path::Path;

use chrono::{Local, NaiveDateTime};
use duckdb::{Connection, params};

use super::{IngestError, IngestSummary, sha256_file};
use crate::model::{Status, TicketType};
use crate::store::{Store, queries};

/// A ticket in canonical form.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketRow {
    pub source: String,
    pub ticket_id: String,
    pub entity: String,
    pub title: Option<String>,
    pub ticket_type: Option<TicketType>,
    pub priority: Option<u8>,
    pub priority_label: Option<String>,
    pub category: Option<String>,
    pub service: Option<String>,
    pub technician: Option<String>,
    pub tech_group: Option<String>,
    pub requester: Option<String>,
    pub channel: Option<String>,
    pub status: Status,
    pub status_label: Option<String>,
    pub created_at: NaiveDateTime,
    pub taken_at: Option<NaiveDateTime>,
    pub solved_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub last_update: Option<NaiveDateTime>,
    pub satisfaction: Option<f64>,
    /// Take-into-account time computed by the source (seconds), for tickets without history.
    pub attention_source_seconds: Option<i64>,
    /// Line of the source file (later lines win over earlier ones for the same key).
    pub line: u64,
}

/// An event in canonical form.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub source: String,
    pub ticket_id: String,
    pub seq: i64,
    pub at: NaiveDateTime,
    pub kind: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub actor: Option<String>,
    pub is_public: Option<bool>,
    pub by_requester: Option<bool>,
}

/// A satisfaction survey in canonical form.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyRow {
    pub source: String,
    pub ticket_id: String,
    pub sent_at: Option<NaiveDateTime>,
    pub answered_at: Option<NaiveDateTime>,
    pub score: Option<f64>,
    pub comment: Option<String>,
    pub line: u64,
}

/// A row that could not be loaded, and why (Spanish, for users).
#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    pub line: u64,
    pub column: Option<String>,
    pub raw: Option<String>,
    pub reason: String,
}

/// One item produced by a reader.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Ticket(Box<TicketRow>),
    Event(EventRow),
    Survey(SurveyRow),
    Reject(Reject),
    /// A row the reader understood but that carries nothing the store keeps (e.g. a GLPI log
    /// row about a location change): counted, not stored.
    Skip,
}

/// Loads the records of one file in a single transaction. Any error — from the reader (a file
/// that turns out malformed half-way) or from the store — rolls everything back.
pub fn load_file<I>(
    store: &mut Store,
    path: &Path,
    kind: &str,
    records: I,
) -> Result<IngestSummary, IngestError>
where
    I: Iterator<Item = Result<Record, IngestError>>,
{
    let sha = sha256_file(path)?;
    load_records(store, &path.display().to_string(), &sha, kind, records)
}

/// Loads records that do not come from a file (generated data, API payloads) the same way.
pub fn load_records<I>(
    store: &mut Store,
    file: &str,
    sha: &str,
    kind: &str,
    records: I,
) -> Result<IngestSummary, IngestError>
where
    I: Iterator<Item = Result<Record, IngestError>>,
{
    let conn = store.conn_mut();
    let tx = conn.transaction()?;
    let run_id = begin_run(&tx, file, sha, kind)?;
    tx.execute_batch(queries::STAGING_TICKETS_CREATE)?;
    tx.execute_batch(queries::STAGING_EVENTS_CREATE)?;
    tx.execute_batch(queries::STAGING_SURVEYS_CREATE)?;
    let (mut read, mut accepted, mut skipped) = (0u64, 0u64, 0u64);
    let mut rejects: Vec<Reject> = Vec::new();
    let (mut n_tickets, mut n_events, mut n_surveys) = (0u64, 0u64, 0u64);
    {
        let mut tickets = tx.appender("staging_tickets")?;
        let mut events = tx.appender("staging_events")?;
        let mut surveys = tx.appender("staging_surveys")?;
        for record in records {
            read += 1;
            match record? {
                Record::Ticket(t) => {
                    tickets.append_row(params![
                        t.source,
                        t.ticket_id,
                        t.entity,
                        t.title,
                        t.ticket_type.map(TicketType::code),
                        t.priority,
                        t.priority_label,
                        t.category,
                        t.service,
                        t.technician,
                        t.tech_group,
                        t.requester,
                        t.channel,
                        t.status.code(),
                        t.status_label,
                        t.created_at,
                        t.taken_at,
                        t.solved_at,
                        t.closed_at,
                        t.last_update,
                        t.satisfaction,
                        run_id,
                        t.attention_source_seconds,
                        t.line as i64,
                    ])?;
                    accepted += 1;
                    n_tickets += 1;
                }
                Record::Event(e) => {
                    events.append_row(params![
                        e.source,
                        e.ticket_id,
                        e.seq,
                        e.at,
                        e.kind,
                        e.old_value,
                        e.new_value,
                        e.actor,
                        e.is_public,
                        e.by_requester,
                        run_id,
                    ])?;
                    accepted += 1;
                    n_events += 1;
                }
                Record::Survey(v) => {
                    surveys.append_row(params![
                        v.source,
                        v.ticket_id,
                        v.sent_at,
                        v.answered_at,
                        v.score,
                        v.comment,
                        run_id,
                        v.line as i64,
                    ])?;
                    accepted += 1;
                    n_surveys += 1;
                }
                Record::Reject(r) => rejects.push(r),
                Record::Skip => skipped += 1,
            }
        }
        tickets.flush()?;
        events.flush()?;
        surveys.flush()?;
    }
    let staged = std::time::Instant::now();
    tracing::info!(file, read, "filas leídas y preparadas");
    if n_tickets > 0 {
        move_staged_tickets(&tx)?;
        tracing::info!(
            file,
            seconds = staged.elapsed().as_secs_f64(),
            "casos integrados"
        );
    }
    if n_events > 0 {
        tx.execute_batch(queries::EVENTS_INSERT_NEW)?;
        tracing::info!(
            file,
            seconds = staged.elapsed().as_secs_f64(),
            "eventos integrados"
        );
    }
    if n_surveys > 0 {
        tx.execute_batch(queries::SURVEYS_UPSERT)?;
    }
    insert_rejects(&tx, run_id, &rejects)?;
    let rejected = rejects.len() as u64;
    finish_run(&tx, run_id, read, accepted, rejected)?;
    tx.execute_batch(
        "DROP TABLE IF EXISTS staging_tickets; DROP TABLE IF EXISTS staging_events; \
         DROP TABLE IF EXISTS staging_surveys;",
    )?;
    tx.commit()?;
    rejects.truncate(10);
    Ok(IngestSummary {
        run_id,
        kind: kind.to_owned(),
        file: file.to_owned(),
        rows_read: read,
        accepted,
        rejected,
        skipped,
        sample_rejects: rejects,
    })
}

/// The local time as stored in `ingest_runs`.
pub(super) fn now() -> String {
    Local::now()
        .naive_local()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Opens the `ingest_runs` record of a file inside its transaction; returns the run id.
pub(super) fn begin_run(
    tx: &Connection,
    file: &str,
    sha: &str,
    kind: &str,
) -> Result<i64, duckdb::Error> {
    tx.query_row(
        queries::INGEST_RUN_INSERT,
        params![file, sha, kind, now()],
        |r| r.get(0),
    )
}

/// Reserves the id of a run before its transaction.
pub(super) fn reserve_run(conn: &Connection) -> Result<i64, duckdb::Error> {
    conn.query_row(queries::INGEST_RUN_NEXT_ID, [], |r| r.get(0))
}

/// Opens the `ingest_runs` record of a file under a reserved id, started at `started` (see
/// [`now`]).
pub(super) fn begin_reserved_run(
    tx: &Connection,
    run_id: i64,
    file: &str,
    sha: &str,
    kind: &str,
    started: &str,
) -> Result<(), duckdb::Error> {
    tx.execute(
        queries::INGEST_RUN_INSERT_ID,
        params![run_id, file, sha, kind, started],
    )?;
    Ok(())
}

/// Closes the run record with its counts: `ok`, or `partial` when rows were rejected.
pub(super) fn finish_run(
    tx: &Connection,
    run_id: i64,
    read: u64,
    accepted: u64,
    rejected: u64,
) -> Result<(), duckdb::Error> {
    let status = if rejected == 0 { "ok" } else { "partial" };
    tx.execute(
        queries::INGEST_RUN_FINISH,
        params![
            read as i64,
            accepted as i64,
            rejected as i64,
            now(),
            status,
            run_id
        ],
    )?;
    Ok(())
}

/// Records the rejected rows of a run, in file order.
pub(super) fn insert_rejects(
    tx: &Connection,
    run_id: i64,
    rejects: &[Reject],
) -> Result<(), duckdb::Error> {
    let mut stmt = tx.prepare(queries::INGEST_REJECT_INSERT)?;
    for r in rejects {
        stmt.execute(params![run_id, r.line as i64, r.column, r.raw, r.reason])?;
    }
    Ok(())
}

/// Moves `staging_tickets` into `tickets` (tickets_upsert.sql). On a first load — no staged key
/// in the store yet, none repeated in the file — a plain insert does the same, much faster than
/// the conflict handling of the upsert.
pub(super) fn move_staged_tickets(tx: &Connection) -> Result<(), duckdb::Error> {
    let (existing, repeated): (i64, i64) =
        tx.query_row(queries::TICKETS_STAGED_CHECK, [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    if existing == 0 && repeated == 0 {
        tx.execute_batch(queries::TICKETS_INSERT_STAGED)
    } else {
        tx.execute_batch(queries::TICKETS_UPSERT)
    }
}
